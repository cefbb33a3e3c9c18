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
