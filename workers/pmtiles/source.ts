import { tileTypeExt, type Header, type PMTiles } from 'pmtiles';
import { ApiError } from '../platform/http/problem';
import type { ObjectGrant } from '../platform/auth/grants';
import type { TileJSON } from '../platform/http/tilejson';
import type { Bounds, DrawnTile, TileCoord, TileSource } from '../platform/tiles/source';
import { ArchiveNotFound, TILE_FORMATS, rasterTileSize } from '../engines/pmtiles/archive';
import { errorMessage } from '../platform/util/error-message';

/** Library errors for what is wrong with the file itself become 422; a missing object 404. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof ArchiveNotFound) throw new ApiError(404, 'not-found', 'No such archive.');
    throw new ApiError(422, 'unprocessable', `Not a readable PMTiles v3 archive: ${errorMessage(error)}`);
  }
}

const isTileJson = (value: unknown): value is TileJSON =>
  typeof value === 'object' && value !== null && 'tilejson' in value && value.tilejson === '3.0.0';

/** A PMTiles archive in the bucket, as map tiles (the PMTiles worker's, with our access and caches). */
export class ArchiveTiles implements TileSource {
  readonly versions: string[];
  readonly bounds: Bounds;
  readonly minzoom: number;
  readonly maxzoom: number;

  private constructor(
    private readonly archive: PMTiles,
    private readonly header: Header,
    /** Known when the archive's tile type is one we serve. */
    private readonly mediaType: string | undefined,
    /** A tile the archive lacks: 404, or 204 where PMTILES_MISSING_TILE says so (as the PMTiles worker may). */
    private readonly missingStatus: 204 | 404,
    granted: ObjectGrant,
  ) {
    this.versions = [granted.version, header.etag ?? ''];
    this.bounds = [header.minLon, header.minLat, header.maxLon, header.maxLat];
    this.minzoom = header.minZoom;
    this.maxzoom = header.maxZoom;
  }

  /**
   * Opens the archive's header. A tile must be asked with its tiles' `extension`, of a type we serve;
   * the TileJSON of any archive can be read.
   */
  static async open(
    archive: PMTiles,
    granted: ObjectGrant,
    options: { extension?: string; missingStatus: 204 | 404 },
  ): Promise<ArchiveTiles> {
    const header = await guard(() => archive.getHeader());
    const format = TILE_FORMATS[header.tileType];
    const { extension } = options;
    if (extension !== undefined) {
      if (!format)
        throw new ApiError(422, 'unprocessable', `Unsupported tile type ${header.tileType} in this archive.`);
      if (!format.extensions.includes(extension)) {
        throw new ApiError(
          400,
          'bad-request',
          `This archive holds ${format.extensions[0]} tiles: ask for .${format.extensions.join(' or .')}, not .${extension}.`,
        );
      }
    }
    return new ArchiveTiles(archive, header, format?.mediaType, options.missingStatus, granted);
  }

  /** Refuses, before any cache, a tile that cannot exist or lies outside the archive's zooms. */
  check({ z, x, y }: TileCoord): void {
    if (x >= 2 ** z || y >= 2 ** z) throw new ApiError(400, 'bad-request', `Tile ${z}/${x}/${y} does not exist.`);
    if (z < this.minzoom || z > this.maxzoom)
      throw new ApiError(404, 'not-found', `The archive covers zooms ${this.minzoom}–${this.maxzoom}.`);
  }

  hitTiming(): string[] {
    return [];
  }

  async tile({ z, x, y }: TileCoord): Promise<DrawnTile | null> {
    const found = await guard(() => this.archive.getZxy(z, x, y));
    return found ? { body: found.data, contentType: this.mediaType ?? 'application/octet-stream', timing: [] } : null;
  }

  missing(): Response {
    if (this.missingStatus === 204) return new Response(null, { status: 204 });
    throw new ApiError(404, 'not-found', 'The archive has no tile here.');
  }

  /**
   * The library's TileJSON (metadata's layers, attribution, name; the header's bounds and center),
   * and for raster tiles their size, read off one of them: MapLibre takes a raster source's
   * `tileSize` from its TileJSON and otherwise assumes 512, which would draw 256-px tiles at half
   * their resolution (docs/decisions.md). Vector tiles have no pixel size (MapLibre's are 512).
   */
  async tileJson(template: string): Promise<TileJSON> {
    const document = await guard(() => this.archive.getTileJson(''));
    if (!isTileJson(document)) throw new ApiError(422, 'unprocessable', 'The archive gave no TileJSON.');
    const tileSize = await guard(() => rasterTileSize(this.archive));
    return { ...document, tiles: [template], ...(tileSize ? { tileSize } : {}) };
  }

  /** The `/{z}/{x}/{y}.{ext}` the library puts after an archive's URL. */
  get tilePath(): string {
    return `/{z}/{x}/{y}${tileTypeExt(this.header.tileType)}`;
  }
}
