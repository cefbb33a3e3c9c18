import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { rowsOf } from '../platform/db/rows';
import { FilterError, coerceJson, type Resolver } from '../engines/cql2/cql2';
import type { Geometry } from '../engines/cql2/geojson';
import { selectedProperties } from '../vector/layers';

export interface Feature {
  type: 'Feature';
  id: number;
  geometry: Geometry;
  properties: Record<string, unknown>;
}

export interface ItemsQuery {
  layerId: string;
  fields: Record<string, string>;
  bbox?: [number, number, number, number];
  filter?: SQL;
  /** Attributes to return; all when absent. */
  properties?: string[];
  sortby?: Array<{ name: string; descending: boolean }>;
  limit: number;
  offset: number;
}

/** Attribute types as recorded on a layer; anything else is compared as text. */
export type FieldType = 'string' | 'number' | 'boolean';

/** CQL2 over a layer's features: its recorded attributes (typed) and `geometry`. */
export function featureResolver(fields: Record<string, FieldType | string>): Resolver {
  return (name) => {
    if (name === 'geometry') return { sql: sql`f.geom`, type: 'geometry' };
    if (!Object.hasOwn(fields, name))
      throw new FilterError(`Unknown queryable "${name}" (queryables: ${Object.keys(fields).join(', ') || 'none'}).`);
    const type = fields[name] === 'number' || fields[name] === 'boolean' ? (fields[name] as FieldType) : 'string';
    return { sql: coerceJson(sql`(f.properties -> ${name})`, type), type };
  };
}

function sortExpression(name: string, type: FieldType | string | undefined): SQL {
  const value = sql`(f.properties ->> ${name})`;
  return type === 'number' ? sql`(${value})::float8` : value;
}

/** One page of a layer's features with the total that matches, every value a bind parameter. */
export async function queryItems(db: Database, q: ItemsQuery): Promise<{ numberMatched: number; features: Feature[] }> {
  const conditions: SQL[] = [sql`f.layer_id = ${q.layerId}::uuid`];
  if (q.bbox)
    conditions.push(
      sql`ST_Intersects(f.geom, ST_MakeEnvelope(${q.bbox[0]}, ${q.bbox[1]}, ${q.bbox[2]}, ${q.bbox[3]}, 4326))`,
    );
  if (q.filter) conditions.push(q.filter);
  const where = sql.join(conditions, sql` AND `);
  const order = [
    ...(q.sortby ?? []).map(
      (s) => sql`${sortExpression(s.name, q.fields[s.name])} ${sql.raw(s.descending ? 'DESC' : 'ASC')} NULLS LAST`,
    ),
    sql`f.id`,
  ];
  const [count] = rowsOf<{ n: number }>(
    await db.execute(sql`SELECT count(*)::int AS n FROM vector_features f WHERE ${where}`),
  );
  const rows = rowsOf<{ id: string | number; geometry: Geometry; properties: Record<string, unknown> }>(
    await db.execute(sql`
      SELECT f.id, ST_AsGeoJSON(f.geom, 9)::json AS geometry, ${selectedProperties(q.properties)} AS properties
      FROM vector_features f WHERE ${where}
      ORDER BY ${sql.join(order, sql`, `)}
      LIMIT ${q.limit} OFFSET ${q.offset}`),
  );
  return {
    numberMatched: count?.n ?? 0,
    features: rows.map((r) => ({ type: 'Feature', id: Number(r.id), geometry: r.geometry, properties: r.properties })),
  };
}

export async function getItem(db: Database, layerId: string, featureId: number): Promise<Feature | null> {
  const [row] = rowsOf<{ id: string | number; geometry: Geometry; properties: Record<string, unknown> }>(
    await db.execute(sql`
    SELECT f.id, ST_AsGeoJSON(f.geom, 9)::json AS geometry, f.properties FROM vector_features f WHERE f.layer_id = ${layerId}::uuid AND f.id = ${featureId}`),
  );
  return row ? { type: 'Feature', id: Number(row.id), geometry: row.geometry, properties: row.properties } : null;
}
