import { metric } from '../platform/http/server-timing';
import type { Database } from '../platform/db/client';
import type { TileJSON } from '../platform/http/tilejson';
import type { Bounds, DrawnTile, TileCoord, TileSource } from '../platform/tiles/source';
import type { LayerRow } from './layers';
import { vectorTile } from './mvt';

const WEB_MERCATOR_WORLD: Bounds = [-180, -85.0511287798066, 180, 85.0511287798066];

export interface LayerTileParams {
  /** Attributes to keep; all when absent. */
  properties?: string[];
}

/** PostGIS layers as Mapbox Vector Tiles, a layer of the tile each (Martin's table source). */
export class LayerTiles implements TileSource<LayerTileParams> {
  readonly minzoom = 0;
  readonly maxzoom = 22;

  constructor(
    private readonly db: Database,
    private readonly layers: LayerRow[],
    /** Features per layer and tile, at most. */
    private readonly limit: number,
  ) {}

  /** A layer's rows change only with its version. */
  get versions(): string[] {
    return this.layers.map((l) => `${l.id.slice(0, 8)}v${l.version}`);
  }

  /** The first layer's bounds (TileJSON is asked of one layer), the Web Mercator world without them. */
  get bounds(): Bounds {
    return this.layers[0]?.bounds ?? WEB_MERCATOR_WORLD;
  }

  hitTiming(): string[] {
    return [];
  }

  async tile({ z, x, y }: TileCoord, params: LayerTileParams): Promise<DrawnTile> {
    const queried = performance.now();
    const body = await vectorTile(this.db, this.layers, z, x, y, { properties: params.properties, limit: this.limit });
    return {
      body,
      contentType: 'application/vnd.mapbox-vector-tile',
      timing: [metric('db', performance.now() - queried)],
    };
  }

  async tileJson(template: string): Promise<TileJSON> {
    const [first] = this.layers;
    const bounds = this.bounds;
    return {
      tilejson: '3.0.0',
      name: first?.name,
      description: first?.description,
      version: first ? String(first.version) : undefined,
      scheme: 'xyz',
      tiles: [template],
      vector_layers: this.layers.map((l) => ({ id: l.name, fields: l.fields, minzoom: 0, maxzoom: 22 })),
      minzoom: this.minzoom,
      maxzoom: this.maxzoom,
      bounds,
      center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 2],
    };
  }
}
