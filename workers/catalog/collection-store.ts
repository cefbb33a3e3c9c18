import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { rowsOf } from '../platform/db/rows';
import type { CollectionContent, CollectionRecord } from './collection';
import type { StacCollection } from './schemas';
import type { Interval } from '../engines/cql2/datetime';
import { CatalogError } from '../engines/cql2/errors';
import { bbox2d, STAC_VERSION, type Link } from './item';
import { escapeLike } from '../platform/db/sql';

export interface CollectionRow {
  id: string;
  project_id: string | null;
  is_published: boolean;
  content: CollectionContent;
}

export interface CollectionSearch {
  /** Free-text terms, any of which may match title, description or keywords. */
  q?: string[];
  bbox?: number[];
  datetime?: Interval;
  limit: number;
  /** The id the previous page ended with. */
  after?: string;
}

/** Collection search (`q`, `bbox`, `datetime`) over the collections `visible` lets the caller see, by id. */
export async function searchCollections(
  db: Database,
  visible: SQL,
  search: CollectionSearch,
): Promise<{ rows: CollectionRow[]; next: string | null }> {
  const conditions: SQL[] = [visible];
  if (search.q?.length) {
    const terms = search.q.map((term) => {
      const pattern = `%${escapeLike(term)}%`;
      return sql`(c.title ILIKE ${pattern} OR c.description ILIKE ${pattern}
        OR COALESCE(c.content -> 'keywords', '[]')::text ILIKE ${pattern})`;
    });
    conditions.push(sql`(${sql.join(terms, sql` OR `)})`);
  }
  if (search.bbox) {
    const [minx, miny, maxx, maxy] = bbox2d(search.bbox);
    conditions.push(sql`ST_Intersects(c.extent_geometry, ST_MakeEnvelope(${minx}, ${miny}, ${maxx}, ${maxy}, 4326))`);
  }
  if (search.datetime?.start)
    conditions.push(
      sql`(c.temporal_end IS NULL OR c.temporal_end >= ${search.datetime.start.toISOString()}::timestamptz)`,
    );
  if (search.datetime?.end)
    conditions.push(
      sql`(c.temporal_start IS NULL OR c.temporal_start <= ${search.datetime.end.toISOString()}::timestamptz)`,
    );
  if (search.after) conditions.push(sql`c.id > ${search.after}`);
  const rows = rowsOf<CollectionRow>(
    await db.execute(sql`
    SELECT c.id, c.project_id, c.is_published, c.content FROM stac_collections c
    WHERE ${sql.join(conditions, sql` AND `)} ORDER BY c.id LIMIT ${search.limit + 1}`),
  );
  const more = rows.length > search.limit;
  if (more) rows.length = search.limit;
  return { rows, next: more ? rows[rows.length - 1]!.id : null };
}

export async function getCollection(db: Database, visible: SQL, id: string): Promise<CollectionRow | null> {
  const [row] = rowsOf<CollectionRow>(
    await db.execute(sql`
    SELECT c.id, c.project_id, c.is_published, c.content FROM stac_collections c WHERE ${visible} AND c.id = ${id}`),
  );
  return row ?? null;
}

const extentColumns = (r: CollectionRecord) => ({
  geometry: sql`ST_MakeEnvelope(${r.bbox[0]}, ${r.bbox[1]}, ${r.bbox[2]}, ${r.bbox[3]}, 4326)`,
  start: r.temporalStart ? sql`${r.temporalStart.toISOString()}::timestamptz` : sql`NULL`,
  end: r.temporalEnd ? sql`${r.temporalEnd.toISOString()}::timestamptz` : sql`NULL`,
});

/** Creates a collection; a taken id is the caller's conflict. */
export async function insertCollection(
  db: Database,
  r: CollectionRecord,
  owner: { projectId: string | null; published: boolean },
): Promise<boolean> {
  const e = extentColumns(r);
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`
    INSERT INTO stac_collections (id, project_id, title, description, license, extent_geometry, temporal_start,
      temporal_end, content, is_published)
    VALUES (${r.id}, ${owner.projectId}, ${r.title}, ${r.description}, ${r.license}, ${e.geometry},
      ${e.start}, ${e.end},
      ${JSON.stringify(r.content)}::jsonb, ${owner.published})
    ON CONFLICT (id) DO NOTHING RETURNING id`),
  );
  return rows.length > 0;
}

/**
 * A project's collection, created on its first publish (or its first catalogued product) and
 * refreshed on later ones. `publish` publishes it; without it the published flag stays as it was.
 */
export async function upsertProjectCollection(
  db: Database,
  r: CollectionRecord,
  projectId: string,
  publish: boolean,
): Promise<void> {
  const e = extentColumns(r);
  await db.execute(sql`
    INSERT INTO stac_collections (id, project_id, title, description, license, extent_geometry, temporal_start,
      temporal_end, content, is_published)
    VALUES (${r.id}, ${projectId}, ${r.title}, ${r.description}, ${r.license}, ${e.geometry}, ${e.start}, ${e.end},
      ${JSON.stringify(r.content)}::jsonb, ${publish})
    ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
      extent_geometry = excluded.extent_geometry, temporal_start = excluded.temporal_start,
      temporal_end = excluded.temporal_end,
      content = stac_collections.content || jsonb_build_object('title', excluded.title,
        'description', excluded.description, 'extent', excluded.content -> 'extent',
        'summaries', excluded.content -> 'summaries'),
      is_published = stac_collections.is_published OR excluded.is_published, updated_at = now()
    WHERE stac_collections.project_id = ${projectId}`);
}

export async function replaceCollection(db: Database, r: CollectionRecord): Promise<void> {
  const e = extentColumns(r);
  await db.execute(sql`
    UPDATE stac_collections SET title = ${r.title}, description = ${r.description}, license = ${r.license},
      extent_geometry = ${e.geometry}, temporal_start = ${e.start}, temporal_end = ${e.end},
      content = ${JSON.stringify(r.content)}::jsonb, updated_at = now()
    WHERE id = ${r.id}`);
}

export async function deleteCollection(db: Database, id: string): Promise<void> {
  await db.execute(sql`DELETE FROM stac_collections WHERE id = ${id}`);
}

/** The id in a replacing document must be the one its URL names. */
export function assertSameId(bodyId: unknown, pathId: string, field = 'id'): void {
  if (bodyId !== pathId) throw new CatalogError(field, `is "${String(bodyId)}" but the URL names "${pathId}"`);
}

/** A stored collection as a STAC Collection document, with the links this API generates. */
export function collectionDocument(row: CollectionRow, root: string): StacCollection {
  const self = `${root}/collections/${encodeURIComponent(row.id)}`;
  const stored = (row.content.links as Link[] | undefined) ?? [];
  return {
    ...row.content,
    type: 'Collection',
    stac_version: STAC_VERSION,
    id: row.id,
    links: [
      { rel: 'self', type: 'application/json', href: self },
      { rel: 'parent', type: 'application/json', href: root },
      { rel: 'root', type: 'application/json', href: root },
      { rel: 'items', type: 'application/geo+json', href: `${self}/items` },
      {
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables',
        type: 'application/schema+json',
        href: `${self}/queryables`,
      },
      ...stored,
    ],
  };
}
