import type { TileJSON } from '../http/tilejson';

/** West, south, east, north in degrees. */
export type Bounds = [number, number, number, number];

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

/** A tile as a source drew it, with the Server-Timing metrics of the drawing. */
export interface DrawnTile {
  body: BodyInit;
  contentType: string;
  timing: string[];
}

/**
 * Anything that serves map tiles (Martin's `Source`): a COG drawn on the fly, a PMTiles archive, a
 * PostGIS layer. A source is opened for one request once the caller was authorized; the tile
 * pipeline (./pipeline.ts) then serves it without knowing which kind it is.
 */
export interface TileSource<Params = undefined> {
  /** Everything besides the URL that changes a tile's bytes (the data's version, the object's etag): the cache key's. */
  readonly versions: string[];
  readonly bounds: Bounds | null;
  readonly minzoom: number;
  readonly maxzoom: number;
  /** Server-Timing metrics that a cache hit spent too (reading the source's header). */
  hitTiming(): string[];
  /** The tile, or null where the source has none. */
  tile(coord: TileCoord, params: Params): Promise<DrawnTile | null>;
  /** The answer where the source has no tile, if not the pipeline's 404 problem. */
  missing?(): Response;
  /** The source described for a map client whose tile URLs follow `template` (`…/{z}/{x}/{y}…`). */
  tileJson(template: string): Promise<TileJSON>;
}
