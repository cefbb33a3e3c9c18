import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { rowsOf } from '../platform/db/rows';
import { GENERATED_RELS, STAC_VERSION, type ItemRecord, type Link } from './item';
import { encodeToken, type SearchPlan } from './search';

/** An item row as read back, ready to become a STAC Item. */
export interface ItemRow {
  collection_id: string;
  id: string;
  geometry: unknown;
  bbox: number[];
  properties: Record<string, unknown>;
  assets: Record<string, Record<string, unknown>>;
  links: Link[];
  stac_extensions: string[];
  extra: Record<string, unknown>;
  data_product_id: string | null;
}

const COLUMNS = sql`i.collection_id, i.id, ST_AsGeoJSON(i.geometry, 9)::json AS geometry, i.bbox, i.properties,
  i.assets,  i.links, i.stac_extensions, i.extra, i.data_product_id`;

/** Above this many matches a search reports an estimate (from the planner) instead of counting. */
const COUNT_LIMIT = 10_000;
/**
 * Counting is skipped (the planner's estimate is given instead) when the planner expects it to cost
 * more than this: about what reading 10,000 rows by index costs, a few milliseconds.
 */
const COUNT_COST_LIMIT = 25_000;
/** And it never holds a search up for longer than this, whatever the planner thought. */
const COUNT_BUDGET_MS = 100;

export interface Matched {
  count: number;
  estimated: boolean;
}

interface PlanEstimate {
  rows: number;
  cost: number;
}

async function explain(db: Database, query: SQL): Promise<PlanEstimate> {
  const [row] = rowsOf<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number; 'Total Cost': number } }> }>(
    await db.execute(sql`EXPLAIN (FORMAT JSON) ${query}`),
  );
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  return { rows: Math.round(plan?.['Plan Rows'] ?? 0), cost: plan?.['Total Cost'] ?? 0 };
}

const isCancelled = (error: unknown): boolean => {
  const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  return code === '57014';
};

/**
 * numberMatched, as pgstac does it: an exact count (of up to COUNT_LIMIT) when the planner expects it
 * to be cheap, its estimate otherwise. Paging never depends on it.
 */
async function countMatches(db: Database, where: SQL): Promise<Matched> {
  const bounded = sql`SELECT count(*)::int AS n
    FROM (SELECT 1 FROM stac_items i WHERE ${where} LIMIT ${COUNT_LIMIT + 1}) s`;
  const estimate = () => explain(db, sql`SELECT 1 FROM stac_items i WHERE ${where}`).then((e) => e.rows);
  if ((await explain(db, bounded)).cost > COUNT_COST_LIMIT) return { count: await estimate(), estimated: true };
  try {
    const exact = await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${COUNT_BUDGET_MS}`));
      return rowsOf<{ n: number }>(await tx.execute(bounded))[0]!.n;
    });
    if (exact <= COUNT_LIMIT) return { count: exact, estimated: false };
    return { count: Math.max(COUNT_LIMIT + 1, await estimate()), estimated: true };
  } catch (error) {
    if (!isCancelled(error)) throw error;
    return { count: await estimate(), estimated: true };
  }
}

export interface ItemPage {
  rows: ItemRow[];
  /** Token of the page after this one, if there is one. */
  next: string | null;
}

/**
 * A page and its numberMatched, in one transaction. Parallel workers are turned off for it: starting
 * them takes ~20 ms, more than a whole indexed page costs.
 */
export async function runSearch(db: Database, plan: SearchPlan): Promise<{ page: ItemPage; matched: Matched }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw('SET LOCAL max_parallel_workers_per_gather = 0'));
    const page = await searchItems(tx, plan);
    return { page, matched: await countMatches(tx, plan.where) };
  });
}

/** The SQL of one page (one more row than the limit, to know whether another page follows). */
export const pageQuery = (plan: SearchPlan): SQL => sql`
  SELECT ${COLUMNS}, ${plan.keyValues} AS sort_key
  FROM stac_items i WHERE ${plan.pageWhere}
  ORDER BY ${plan.orderBy} LIMIT ${plan.limit + 1}`;

/** One page of a search, in its sort order, by keyset: page 1000 costs what page 1 does. */
async function searchItems(db: Database, plan: SearchPlan): Promise<ItemPage> {
  const rows = rowsOf<ItemRow & { sort_key: unknown[] }>(await db.execute(pageQuery(plan)));
  const more = rows.length > plan.limit;
  if (more) rows.length = plan.limit;
  const last = rows[rows.length - 1];
  return { rows, next: more && last ? encodeToken(plan.keys, last.sort_key) : null };
}

export async function getItem(
  db: Database,
  visible: SQL,
  collectionId: string,
  itemId: string,
): Promise<ItemRow | null> {
  const [row] = rowsOf<ItemRow>(
    await db.execute(sql`
    SELECT ${COLUMNS} FROM stac_items i WHERE ${visible} AND i.collection_id = ${collectionId} AND i.id = ${itemId}`),
  );
  return row ?? null;
}

/** An item whoever may see it: for writers, already authorized on its collection. */
export const getStoredItem = (db: Database, collectionId: string, itemId: string): Promise<ItemRow | null> =>
  getItem(db, sql`TRUE`, collectionId, itemId);

const itemJson = (r: ItemRecord & { dataProductId?: string | null }) => ({
  collection_id: r.collectionId,
  id: r.id,
  geometry: r.geometry,
  bbox: r.bbox,
  datetime: r.datetime.toISOString(),
  end_datetime: r.endDatetime.toISOString(),
  properties: r.properties,
  assets: r.assets,
  links: r.links,
  stac_extensions: r.stacExtensions,
  extra: r.extra,
  data_product_id: r.dataProductId ?? null,
});

/** The records as a set-returning SQL source: one JSON parameter, however many items. */
const recordsSource = (records: Array<ItemRecord & { dataProductId?: string | null }>) => sql`
  SELECT r.collection_id, r.id, ST_SetSRID(ST_GeomFromGeoJSON(r.geometry), 4326) AS geometry,
    r.bbox, r.datetime, r.end_datetime, COALESCE(r.properties, '{}'), COALESCE(r.assets, '{}'),
    COALESCE(r.links, '[]'), COALESCE(r.stac_extensions, '[]'),
    COALESCE(r.extra, '{}'), r.data_product_id
  FROM jsonb_to_recordset(${JSON.stringify(records.map(itemJson))}::jsonb) AS r(
    collection_id text, id text, geometry jsonb, bbox jsonb, datetime timestamptz, end_datetime timestamptz,
    properties jsonb, assets jsonb, links jsonb, stac_extensions jsonb, extra jsonb, data_product_id uuid)`;

const INSERT_COLUMNS = sql.raw(
  'collection_id, id, geometry, bbox, datetime, end_datetime, properties, assets, links, stac_extensions, extra, ' +
    'data_product_id',
);

/**
 * Inserts new items; returns the ids that already existed (nothing is written then). `upsert`
 * replaces existing items instead (bulk loads, publishing).
 */
export async function writeItems(
  db: Database,
  records: Array<ItemRecord & { dataProductId?: string | null }>,
  mode: 'insert' | 'upsert',
): Promise<string[]> {
  if (records.length === 0) return [];
  if (mode === 'insert') {
    const existing = rowsOf<{ id: string }>(
      await db.execute(sql`
      SELECT i.id FROM stac_items i JOIN (${recordsSource(records)}) AS r(${INSERT_COLUMNS})
        ON r.collection_id = i.collection_id AND r.id = i.id`),
    );
    if (existing.length) return existing.map((r) => r.id);
  }
  await db.execute(sql`
    INSERT INTO stac_items (${INSERT_COLUMNS}) ${recordsSource(records)}
    ON CONFLICT (collection_id, id) DO ${
      mode === 'upsert'
        ? sql`UPDATE SET geometry = excluded.geometry, bbox = excluded.bbox, datetime = excluded.datetime,
        end_datetime = excluded.end_datetime, properties = excluded.properties, assets = excluded.assets,
        links = excluded.links, stac_extensions = excluded.stac_extensions, extra = excluded.extra,
        data_product_id = excluded.data_product_id, updated_at = now()`
        : sql`NOTHING`
    }`);
  return [];
}

export async function deleteItem(db: Database, collectionId: string, itemId: string): Promise<boolean> {
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`DELETE FROM stac_items WHERE collection_id = ${collectionId} AND id = ${itemId} RETURNING id`),
  );
  return rows.length > 0;
}

export interface ItemLinks {
  /** The API root, e.g. `https://host/stac`. */
  root: string;
}

/** The members every Item document of a stored item begins with. */
const coreMembers = (row: ItemRow) => ({
  type: 'Feature',
  stac_version: STAC_VERSION,
  stac_extensions: row.stac_extensions,
  id: row.id,
  collection: row.collection_id,
  geometry: row.geometry,
  bbox: row.bbox,
  properties: row.properties,
});

/** A stored item as a STAC Item document, with the links this API generates. */
export function itemDocument(row: ItemRow, { root }: ItemLinks): Record<string, unknown> {
  const collection = `${root}/collections/${encodeURIComponent(row.collection_id)}`;
  return {
    ...coreMembers(row),
    ...row.extra,
    links: [
      { rel: 'self', type: 'application/geo+json', href: `${collection}/items/${encodeURIComponent(row.id)}` },
      { rel: 'parent', type: 'application/json', href: collection },
      { rel: 'collection', type: 'application/json', href: collection },
      { rel: 'root', type: 'application/json', href: root },
      ...row.links.filter((l) => !GENERATED_RELS.has(l.rel)),
    ],
    assets: row.assets,
  };
}

/** A stored item as it was written: relative asset paths, none of the generated links. */
export function storedDocument(row: ItemRow): Record<string, unknown> {
  return {
    ...coreMembers(row),
    links: row.links,
    assets: row.assets,
    ...row.extra,
  };
}
