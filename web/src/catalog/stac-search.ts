import { api, must, type Schemas } from '../api/client';
import type { paths } from '../api/schema';
import { datetimeRange, textFilter, type Criteria } from './criteria';

export type { Criteria };

export type ItemCollection = Schemas['ItemCollection'];
export type Item = ItemCollection['features'][number];
type SearchQuery = NonNullable<paths['/stac/search']['get']['parameters']['query']>;

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
