import { sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { rowsOf } from '../platform/db/rows';
import { concatBytes } from '../platform/util/bytes';
import { selectedProperties } from './layers';

export interface MvtOptions {
  /** Attributes to keep; all when absent. */
  properties?: string[];
  /** Features per layer per tile, at most. */
  limit: number;
}

const EXTENT = 4096;
const BUFFER = 64;
const WORLD = 40075016.68557849;

/**
 * One Mapbox Vector Tile holding a layer per entry (protobuf layers concatenate), built by PostGIS:
 * ST_AsMVTGeom clips to the tile plus a 64-unit buffer, and low zooms are simplified to a fraction of
 * a tile pixel first so their tiles stay small.
 */
export async function vectorTile(
  db: Database,
  layers: Array<{ id: string; name: string }>,
  z: number,
  x: number,
  y: number,
  options: MvtOptions,
): Promise<Uint8Array> {
  const tolerance = z < 14 ? WORLD / 2 ** z / EXTENT / 2 : 0;
  const props = selectedProperties(options.properties);
  // One statement per layer and no transaction around them: every round trip shows in tile latency.
  // The statement timeout is the connection's (STATEMENT_TIMEOUT_MS).
  const parts: Uint8Array[] = [];
  for (const layer of layers) {
    const result = await db.execute(sql`
      SELECT ST_AsMVT(t.*, ${layer.name}, ${EXTENT}, 'geom', 'fid') AS tile FROM (
        SELECT f.id AS fid, ${props} AS properties,
               ST_AsMVTGeom(CASE WHEN ${tolerance}::float8 > 0 THEN ST_SimplifyPreserveTopology(f.geom_3857, ${tolerance}::float8) ELSE f.geom_3857 END,
                            ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int), ${EXTENT}, ${BUFFER}, true) AS geom
        FROM vector_features f
        WHERE f.layer_id = ${layer.id}::uuid
          AND f.geom_3857 && ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => ${BUFFER / EXTENT}::float8)
        ORDER BY f.id
        LIMIT ${options.limit}
      ) t WHERE t.geom IS NOT NULL`);
    const [row] = rowsOf<{ tile: Uint8Array | null }>(result);
    if (row?.tile && row.tile.length > 0) parts.push(new Uint8Array(row.tile));
  }
  return concatBytes(parts);
}
