import { ApiError } from '../platform/http/problem';
import { metric } from '../platform/http/server-timing';
import type { TileJSON } from '../platform/http/tilejson';
import type { Bounds, DrawnTile, TileCoord, TileSource } from '../platform/tiles/source';
import type { ReadStats } from '../engines/raster/source';
import type { Cog } from '../engines/raster/cog';
import { renderTile, type Timings } from '../engines/raster/tile';
import type { TileMatrixSet } from '../engines/raster/tms';
import type { ImageFormat } from '../engines/raster/image';
import { render } from '../engines/raster/render';
import type { Block } from '../engines/raster/read';
import { boundsIn, type Resampling } from '../engines/raster/warp';
import type { Opened } from './dataset';
import type { Plan } from './query';
import { zoomRange } from './wmts';

const r2Metric = (stats: ReadStats) => metric('r2', stats.millis, `${stats.reads} reads, ${stats.bytes} bytes`);

/** A COG opened for one request, drawn as any grid: previews, areas, and (./CogTiles) map tiles. */
export class CogRenderer {
  constructor(
    readonly cog: Cog,
    readonly opened: Opened,
  ) {}

  get versions(): string[] {
    return [this.opened.grant.version, this.cog.etag];
  }

  hitTiming(): string[] {
    return [r2Metric(this.opened.stats)];
  }

  missing(): never {
    throw new ApiError(404, 'not-found', 'This tile lies outside the dataset.');
  }

  /** Reads with `make` and encodes; Server-Timing tells where time went (`render`: from the cache's miss on). */
  async draw(
    format: ImageFormat,
    planned: Plan,
    make: (timings: Timings) => Promise<Block | null>,
  ): Promise<DrawnTile | null> {
    const rendering = performance.now();
    const timings: Timings = { read: 0, warp: 0 };
    const block = await make(timings);
    if (!block) return null;
    const encodeStart = performance.now();
    const { body, contentType } = await render(block, this.cog, planned.bands, planned.render, format);
    const encode = performance.now() - encodeStart;
    const { stats, started, opened, header } = this.opened;
    return {
      body,
      contentType,
      timing: [
        metric('open', opened - started, `authorization and header (${header})`),
        r2Metric(stats),
        metric('decode', Math.max(0, timings.read - stats.millis)),
        metric('warp', timings.warp),
        metric('encode', encode),
        metric('render', performance.now() - rendering),
      ],
    };
  }
}

export interface CogTileParams {
  format: ImageFormat;
  planned: Plan;
  /** Pixels a side, scale included. */
  size: number;
  buffer: number;
  padding: number;
  resampling: Resampling;
}

/** A COG as map tiles of one TileMatrixSet. */
export class CogTiles extends CogRenderer implements TileSource<CogTileParams> {
  constructor(
    cog: Cog,
    opened: Opened,
    readonly tms: TileMatrixSet,
  ) {
    super(cog, opened);
  }

  get bounds(): Bounds | null {
    return boundsIn(this.cog, 'EPSG:4326');
  }

  /** Worked out once, and only where asked (a tile needs none of it). */
  private zooms?: { minzoom: number; maxzoom: number };

  private get zoomRange(): { minzoom: number; maxzoom: number } {
    return (this.zooms ??= zoomRange(this.cog, this.tms));
  }

  get minzoom(): number {
    return this.zoomRange.minzoom;
  }

  get maxzoom(): number {
    return this.zoomRange.maxzoom;
  }

  tile({ z, x, y }: TileCoord, params: CogTileParams): Promise<DrawnTile | null> {
    const { planned } = params;
    return this.draw(params.format, planned, (timings) =>
      renderTile(this.cog, this.opened.source, this.tms, z, x, y, {
        size: params.size,
        buffer: params.buffer,
        padding: params.padding,
        bands: planned.bands,
        resampling: params.resampling,
        nodata: planned.nodata,
        timings,
      }),
    );
  }

  async tileJson(template: string): Promise<TileJSON> {
    const { minzoom, maxzoom } = this.zoomRange;
    const bounds = this.bounds ?? [-180, -90, 180, 90];
    return {
      tilejson: '3.0.0',
      name: this.cog.key.split('/').pop() ?? this.cog.key,
      version: '1.0.0',
      scheme: 'xyz',
      tiles: [template],
      minzoom,
      maxzoom,
      bounds,
      center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minzoom],
    };
  }
}
