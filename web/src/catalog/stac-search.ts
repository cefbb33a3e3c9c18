import { api, must, type Schemas } from '../api/client';
import type { paths } from '../api/schema';

export type ItemCollection = Schemas['ItemCollection'];
export type Item = ItemCollection['features'][number];
type SearchQuery = NonNullable<paths['/stac/search']['get']['parameters']['query']>;

/** What the catalog panel searches by. */
export interface Criteria {
  /** minx, miny, maxx, maxy in longitude/latitude; none searches everywhere. */
  bbox?: [number, number, number, number];
  /** yyyy-mm-dd, either end open when empty. */
  from: string;
  to: string;
  text: string;
}

/** `a/b` with `..` for an open end (STAC's `datetime`), the `to` day included whole. */
export function datetimeRange(from: string, to: string): string | undefined {
  if (!from && !to) return undefined;
  if (from && to && from > to) throw new Error('"From" is after "To": swap the dates.');
  return `${from ? `${from}T00:00:00Z` : '..'}/${to ? `${to}T23:59:59.999Z` : '..'}`;
}

const quoted = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Item search has no free text in STAC; this API honours CQL2 `LIKE` (case-sensitive, as SQL's)
 * on any queryable, and every item it publishes has a `title`. So the text is matched inside the
 * title or the id; `%`, `_` and `\` are escaped so they match themselves.
 */
export function textFilter(text: string): string | undefined {
  const term = text.trim();
  if (!term) return undefined;
  const pattern = quoted(`%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return `title LIKE ${pattern} OR id LIKE ${pattern}`;
}

export const PAGE_SIZE = 10;

export async function searchItems(criteria: Criteria): Promise<ItemCollection> {
  const query: SearchQuery = { limit: String(PAGE_SIZE), sortby: '-datetime' };
  if (criteria.bbox) query.bbox = criteria.bbox.map((n) => n.toFixed(6)).join(',');
  const datetime = datetimeRange(criteria.from, criteria.to);
  if (datetime) query.datetime = datetime;
  const filter = textFilter(criteria.text);
  if (filter) Object.assign(query, { filter, 'filter-lang': 'cql2-text' });
  return must(api.GET('/stac/search', { params: { query } }));
}

/** The page a `next` link names (a GET of /stac/search with its paging token). */
export async function followLink(href: string): Promise<ItemCollection> {
  const query: SearchQuery = Object.fromEntries(new URL(href).searchParams);
  return must(api.GET('/stac/search', { params: { query } }));
}

export const nextLink = (page: ItemCollection): string | undefined =>
  page.links.find((l) => l.rel === 'next' && (l.method ?? 'GET') === 'GET')?.href;

/** The data product an item was published from: its TileJSON asset names it. */
export function productIdOf(item: Item): string | undefined {
  const href = item.assets?.tilejson?.href ?? '';
  return /\/data-products\/([0-9a-f-]{36})\//.exec(href)?.[1];
}

/** The item's preview image (same origin; a private one's link already carries its token). */
export const thumbnailOf = (item: Item): string | undefined => (item.assets?.thumbnail ?? item.assets?.preview)?.href;

export function titleOf(item: Item): string {
  const title = item.properties?.title;
  return typeof title === 'string' && title ? title : (item.id ?? 'Untitled item');
}

const collectionTitles = new Map<string, Promise<string>>();

/** A collection's title, asked once per page load (items name only their collection's id). */
export function collectionTitle(id: string): Promise<string> {
  let title = collectionTitles.get(id);
  if (!title) {
    const path = { params: { path: { collectionId: id } } };
    title = must(api.GET('/stac/collections/{collectionId}', path)).then(
      (c) => c.title || id,
      () => id,
    );
    collectionTitles.set(id, title);
  }
  return title;
}
