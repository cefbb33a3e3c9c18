import { CatalogError } from './errors';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An RFC 3339 date-time (or, where `dates` allows, a full date meaning its midnight UTC), checked
 * here so the database never sees a malformed one.
 */
export function parseInstant(value: unknown, field: string, options: { dates?: boolean } = {}): Date {
  const ok = typeof value === 'string' && (DATE_TIME.test(value) || (options.dates === true && DATE.test(value)));
  if (!ok) {
    const expected = options.dates
      ? 'an RFC 3339 date-time (2020-01-31T12:00:00Z) or date'
      : 'an RFC 3339 date-time such as 2020-01-31T12:00:00Z';
    throw new CatalogError(field, `must be ${expected}, got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  const date = new Date(DATE.test(value) ? `${value}T00:00:00Z` : value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999)
    throw new CatalogError(field, `${value} is not a valid date-time`);
  return date;
}

/** A time span; an open end is null. */
export interface Interval {
  start: Date | null;
  end: Date | null;
}

/**
 * STAC API's `datetime` parameter: an instant, or `start/end` with `..` (or nothing) for an open
 * end. A reversed interval, or one open at both ends, is the caller's mistake.
 */
export function parseDatetimeParameter(value: string, field = 'datetime'): Interval {
  const parts = value.split('/');
  if (parts.length === 1) {
    const instant = parseInstant(parts[0], field);
    return { start: instant, end: instant };
  }
  if (parts.length !== 2) throw new CatalogError(field, 'must be one date-time or an interval start/end');
  const [start, end] = parts.map((p) => (p === '..' || p === '' ? null : parseInstant(p, field)));
  if (!start && !end) throw new CatalogError(field, 'an interval needs at least one closed end');
  if (start && end && start > end) throw new CatalogError(field, 'the interval ends before it starts');
  return { start: start ?? null, end: end ?? null };
}
