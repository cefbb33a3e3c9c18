import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { compileCql2, FilterError, type Cql2, type Resolver } from '../engines/cql2/cql2';
import { parseCql2Text } from '../engines/cql2/cql2-text';
import { parseDatetimeParameter, parseInstant, type Interval } from '../engines/cql2/datetime';
import { CatalogError, catalogErrorFrom } from '../engines/cql2/errors';
import { parseFieldsParameter, type FieldSelection } from './fields';
import { checkGeometry, type Geometry } from '../engines/cql2/geojson';
import { bbox2d, checkBbox } from './item';
import { queryToCql2 } from './query';
import { sqlList } from '../platform/db/sql';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;
/** Fields a search sorts by, at most (GET and POST alike). */
const MAX_SORT_FIELDS = 16;

export interface SortField {
  field: string;
  direction: 'asc' | 'desc';
}

/** An item search, from GET parameters or a POST body, checked and normalised. */
export interface SearchRequest {
  collections?: string[];
  ids?: string[];
  bbox?: number[];
  intersects?: Geometry;
  datetime?: Interval;
  filter?: Cql2;
  sortby: SortField[];
  fields?: FieldSelection;
  limit: number;
  token?: string;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new CatalogError('limit', 'must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

function checkFilter(
  filter: unknown,
  lang: string | undefined,
  crs: string | undefined,
  defaultLang: 'cql2-text' | 'cql2-json',
): Cql2 {
  if (crs !== undefined && !/^https?:\/\/www\.opengis\.net\/def\/crs\/(OGC\/1\.3\/CRS84|EPSG\/0\/4326)$/.test(crs)) {
    throw new CatalogError('filter-crs', 'only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is supported');
  }
  const language = lang ?? defaultLang;
  if (language === 'cql2-text') {
    if (typeof filter !== 'string')
      throw new CatalogError('filter', 'with filter-lang=cql2-text the filter is a string');
    return parseCql2Text(filter);
  }
  if (language !== 'cql2-json') throw new CatalogError('filter-lang', 'must be cql2-text or cql2-json');
  if (typeof filter === 'string') {
    try {
      return JSON.parse(filter) as Cql2;
    } catch {
      throw new FilterError('is not valid JSON (filter-lang=cql2-json)');
    }
  }
  return filter as Cql2;
}

/** `sortby=-datetime,+id,properties.gsd`, as many fields as POST's `sortby` allows. */
function parseSortbyParameter(value: string): SortField[] {
  const fields = list(value);
  if (fields.length > MAX_SORT_FIELDS) throw new CatalogError('sortby', `sorts by ${MAX_SORT_FIELDS} fields at most`);
  return fields.map((s) => ({ field: s.replace(/^[+-]/, ''), direction: s.startsWith('-') ? 'desc' : 'asc' }));
}

function parseJsonParameter(value: string, field: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new CatalogError(field, 'is not valid JSON');
  }
}

function combine(filters: Array<Cql2 | undefined>): Cql2 | undefined {
  const present = filters.filter((f): f is Cql2 => f !== undefined);
  return present.length <= 1 ? present[0] : { op: 'and', args: present };
}

/** GET /search and GET /collections/{id}/items: every parameter is a string. */
export function parseSearchParameters(params: Record<string, string | undefined>): SearchRequest {
  if (params.bbox !== undefined && params.intersects !== undefined)
    throw new CatalogError('bbox', 'cannot be combined with intersects');
  const request: SearchRequest = { sortby: [], limit: DEFAULT_LIMIT };
  if (params.collections !== undefined) request.collections = list(params.collections);
  if (params.ids !== undefined) request.ids = list(params.ids);
  if (params.bbox !== undefined) request.bbox = checkBbox(list(params.bbox).map(Number), 'bbox');
  if (params.intersects !== undefined)
    request.intersects = geometryOf(parseJsonParameter(params.intersects, 'intersects'));
  if (params.datetime !== undefined) request.datetime = parseDatetimeParameter(params.datetime);
  if (params.limit !== undefined) {
    if (!/^\d+$/.test(params.limit)) throw new CatalogError('limit', 'must be a positive integer');
    request.limit = checkLimit(Number(params.limit));
  }
  const filter =
    params.filter !== undefined
      ? checkFilter(params.filter, params['filter-lang'], params['filter-crs'], 'cql2-text')
      : undefined;
  const query = params.query !== undefined ? queryToCql2(parseJsonParameter(params.query, 'query')) : undefined;
  request.filter = combine([filter, query]);
  if (params.sortby !== undefined) request.sortby = parseSortbyParameter(params.sortby);
  if (params.fields !== undefined) request.fields = parseFieldsParameter(params.fields);
  if (params.token !== undefined) request.token = params.token;
  return request;
}

function geometryOf(value: unknown): Geometry {
  try {
    return checkGeometry(value);
  } catch (error) {
    throw new CatalogError('intersects', `is not a GeoJSON geometry: ${(error as Error).message}`);
  }
}

const stringList = z.array(z.string().min(1).max(256)).max(10_000);
const searchBody = z.object({
  collections: stringList.optional(),
  ids: stringList.optional(),
  bbox: z.array(z.number()).optional(),
  intersects: z.unknown().optional(),
  datetime: z.string().optional(),
  limit: z.number().optional(),
  filter: z.unknown().optional(),
  'filter-lang': z.string().optional(),
  'filter-crs': z.string().optional(),
  query: z.unknown().optional(),
  sortby: z
    .array(z.object({ field: z.string().min(1).max(256), direction: z.enum(['asc', 'desc']).default('asc') }))
    .max(MAX_SORT_FIELDS)
    .optional(),
  fields: z.object({ include: z.array(z.string()).nullish(), exclude: z.array(z.string()).nullish() }).optional(),
  token: z.string().optional(),
});

/** POST /search: the JSON body of the STAC API's item search. */
export function parseSearchBody(body: unknown): SearchRequest {
  const parsed = searchBody.safeParse(body ?? {});
  if (!parsed.success) throw catalogErrorFrom(parsed.error.issues, '');
  const b = parsed.data;
  if (b.bbox !== undefined && b.intersects !== undefined)
    throw new CatalogError('bbox', 'cannot be combined with intersects');
  const filter =
    b.filter !== undefined ? checkFilter(b.filter, b['filter-lang'], b['filter-crs'], 'cql2-json') : undefined;
  return {
    collections: b.collections,
    ids: b.ids,
    bbox: b.bbox !== undefined ? checkBbox(b.bbox, 'bbox') : undefined,
    intersects: b.intersects !== undefined ? geometryOf(b.intersects) : undefined,
    datetime: b.datetime !== undefined ? parseDatetimeParameter(b.datetime) : undefined,
    limit: b.limit !== undefined ? checkLimit(b.limit) : DEFAULT_LIMIT,
    filter: combine([filter, b.query !== undefined ? queryToCql2(b.query) : undefined]),
    sortby: b.sortby ?? [],
    fields: b.fields ? { include: b.fields.include ?? [], exclude: b.fields.exclude ?? [] } : undefined,
    token: b.token,
  };
}

// ------------------------------------------------------------------ SQL

type KeyType = 'text' | 'timestamptz' | 'jsonb';
interface SortKey {
  name: string;
  sql: SQL;
  type: KeyType;
  direction: 'asc' | 'desc';
}

const propertyName = (field: string) => field.replace(/^properties\./, '');

/** Item fields as SQL over `stac_items i`, for filters (CQL2) and sorting. */
export const itemResolver: Resolver = (name) => {
  switch (propertyName(name)) {
    case 'id':
      return { sql: sql`i.id`, type: 'string' };
    case 'collection':
      return { sql: sql`i.collection_id`, type: 'string' };
    case 'geometry':
      return { sql: sql`i.geometry`, type: 'geometry' };
    case 'datetime':
      return { sql: sql`i.datetime`, type: 'timestamp', end: sql`i.end_datetime` };
    case 'start_datetime':
      return { sql: sql`i.datetime`, type: 'timestamp' };
    case 'end_datetime':
      return { sql: sql`i.end_datetime`, type: 'timestamp' };
    default:
      return { sql: sql`(i.properties -> ${propertyName(name)})`, type: 'json' };
  }
};

function sortKey(field: string, direction: 'asc' | 'desc'): SortKey {
  const name = propertyName(field);
  if (name.length === 0 || name.length > 256) throw new CatalogError('sortby', `"${field}" is not a field name`);
  switch (name) {
    case 'id':
      return { name, sql: sql`i.id`, type: 'text', direction };
    case 'collection':
      return { name, sql: sql`i.collection_id`, type: 'text', direction };
    case 'datetime':
    case 'start_datetime':
      return { name: 'datetime', sql: sql`i.datetime`, type: 'timestamptz', direction };
    case 'end_datetime':
      return { name, sql: sql`i.end_datetime`, type: 'timestamptz', direction };
    case 'geometry':
      throw new CatalogError('sortby', 'cannot sort by geometry');
    // A missing property sorts as JSON null (lowest), so keys are never SQL NULL and paging stays exact.
    default:
      return { name, sql: sql`COALESCE(i.properties -> ${name}, 'null'::jsonb)`, type: 'jsonb', direction };
  }
}

/** The requested order, then the primary key, so that every item has one place in it. */
function sortKeys(sortby: SortField[]): SortKey[] {
  const keys = (sortby.length ? sortby : [{ field: 'datetime', direction: 'desc' as const }]).map((s) =>
    sortKey(s.field, s.direction),
  );
  const tie = keys[0]!.direction;
  for (const name of ['collection', 'id']) if (!keys.some((k) => k.name === name)) keys.push(sortKey(name, tie));
  return keys;
}

const signature = (keys: SortKey[]) => keys.map((k) => `${k.direction === 'desc' ? '-' : '+'}${k.name}`).join(',');

/** A paging token: where the previous page ended, in the order it was sorted by. */
export function encodeToken(keys: SortKey[], values: unknown[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ s: signature(keys), v: values }));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function decodeToken(token: string, keys: SortKey[]): SQL[] {
  let decoded: unknown;
  try {
    const binary = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
    decoded = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    throw new CatalogError('token', 'is not a paging token of this API');
  }
  const parsed = z.object({ s: z.string(), v: z.array(z.unknown()) }).safeParse(decoded);
  if (!parsed.success || parsed.data.v.length !== keys.length)
    throw new CatalogError('token', 'is not a paging token of this API');
  if (parsed.data.s !== signature(keys))
    throw new CatalogError('token', 'belongs to a search sorted differently; repeat the search with the same sortby');
  return keys.map((key, i) => {
    const value = parsed.data.v[i];
    if (key.type === 'jsonb') return sql`${JSON.stringify(value ?? null)}::jsonb`;
    if (typeof value !== 'string') throw new CatalogError('token', 'is not a paging token of this API');
    if (key.type === 'timestamptz') {
      parseInstant(value, 'token');
      // As written by PostgreSQL: microseconds would be lost going through a JS Date.
      return sql`${value}::timestamptz`;
    }
    return sql`${value}::text`;
  });
}

/** Rows after `values` in the order of `keys` (keyset paging: no OFFSET, however deep the page). */
function after(keys: SortKey[], values: SQL[]): SQL {
  if (keys.every((k) => k.direction === keys[0]!.direction)) {
    const op = sql.raw(keys[0]!.direction === 'desc' ? '<' : '>');
    return sql`(${sql.join(
      keys.map((k) => k.sql),
      sql`, `,
    )}) ${op} (${sql.join(values, sql`, `)})`;
  }
  const alternatives = keys.map((key, i) => {
    const equal = keys.slice(0, i).map((k, j) => sql`${k.sql} = ${values[j]!}`);
    const beyond = sql`${key.sql} ${sql.raw(key.direction === 'desc' ? '<' : '>')} ${values[i]!}`;
    return sql`(${sql.join([...equal, beyond], sql` AND `)})`;
  });
  return sql`(${sql.join(alternatives, sql` OR `)})`;
}

export interface SearchPlan {
  /** Everything that decides membership (not the page position): for counting. */
  where: SQL;
  /** `where` plus the page position. */
  pageWhere: SQL;
  orderBy: SQL;
  /** A JSON array of the sort key values of a row: the next page's token is built from the last. */
  keyValues: SQL;
  keys: SortKey[];
  limit: number;
}

/** Search → SQL over `stac_items i`, restricted to `visible` (a condition on `i.collection_id`). */
export function planSearch(request: SearchRequest, visible: SQL): SearchPlan {
  const conditions: SQL[] = [visible];
  if (request.collections)
    conditions.push(
      request.collections.length ? sql`i.collection_id IN (${sqlList(request.collections)})` : sql`FALSE`,
    );
  if (request.ids) conditions.push(request.ids.length ? sql`i.id IN (${sqlList(request.ids)})` : sql`FALSE`);
  if (request.bbox) {
    const [minx, miny, maxx, maxy] = bbox2d(request.bbox);
    conditions.push(sql`ST_Intersects(i.geometry, ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326))`);
  }
  if (request.intersects)
    conditions.push(
      sql`ST_Intersects(i.geometry, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(request.intersects)}), 4326))`,
    );
  if (request.datetime?.start)
    conditions.push(sql`i.end_datetime >= ${request.datetime.start.toISOString()}::timestamptz`);
  if (request.datetime?.end) conditions.push(sql`i.datetime <= ${request.datetime.end.toISOString()}::timestamptz`);
  if (request.filter !== undefined) conditions.push(compileCql2(request.filter, itemResolver));
  const keys = sortKeys(request.sortby);
  const where = sql.join(conditions, sql` AND `);
  const pageWhere = request.token ? sql`${where} AND ${after(keys, decodeToken(request.token, keys))}` : where;
  return {
    where,
    pageWhere,
    orderBy: sql.join(
      keys.map((k) => sql`${k.sql} ${sql.raw(k.direction.toUpperCase())}`),
      sql`, `,
    ),
    keyValues: sql`jsonb_build_array(${sql.join(
      keys.map((k) => k.sql),
      sql`, `,
    )})`,
    keys,
    limit: request.limit,
  };
}
