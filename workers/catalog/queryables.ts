import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { rowsOf } from '../platform/db/rows';

/** How many items are sampled for property names and types (the rest are assumed alike). */
const SAMPLE = 500;

const JSON_SCHEMA_TYPES: Record<string, string> = {
  number: 'number',
  string: 'string',
  boolean: 'boolean',
  array: 'array',
  object: 'object',
};

const CORE = {
  id: { description: 'Item id', type: 'string' },
  collection: { description: 'Collection id', type: 'string' },
  geometry: { description: 'Footprint', $ref: 'https://geojson.org/schema/Geometry.json' },
  datetime: { description: 'Acquisition time (the start of a range)', type: 'string', format: 'date-time' },
  end_datetime: {
    description: 'End of the acquisition range (the datetime of an instant)',
    type: 'string',
    format: 'date-time',
  },
};

/**
 * Queryables (and sortables) as JSON Schema: the core fields, and the properties found on a
 * sample of the items the caller can see (in one collection, or all).
 */
export async function queryables(
  db: Database,
  where: SQL,
  id: string,
  title: string,
): Promise<Record<string, unknown>> {
  const rows = rowsOf<{ name: string; type: string }>(
    await db.execute(sql`
    SELECT DISTINCT ON (p.key) p.key AS name, jsonb_typeof(p.value) AS type
    FROM (SELECT i.properties FROM stac_items i WHERE ${where} LIMIT ${SAMPLE}) s, jsonb_each(s.properties) p
    WHERE p.key NOT IN ('datetime', 'start_datetime', 'end_datetime') AND jsonb_typeof(p.value) <> 'null'
    ORDER BY p.key, jsonb_typeof(p.value)`),
  );
  const properties: Record<string, unknown> = { ...CORE };
  for (const row of rows) {
    const type = JSON_SCHEMA_TYPES[row.type];
    if (type) properties[row.name] = { title: row.name, type };
  }
  return {
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: id,
    type: 'object',
    title,
    properties,
    additionalProperties: true,
  };
}
