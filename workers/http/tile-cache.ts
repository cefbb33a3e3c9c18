import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { sha256Hex } from '../auth/crypto';
import { metric } from './server-timing';

/**
 * The Varnish layer: renderings kept in the Cache API under a key that holds everything that
 * changes the bytes (path, parameters without `token`, the data version and the object's etag)
 * and nothing that does not. Authorization has already happened when this runs.
 */
export function cacheKey(c: Context<AppEnv>, versions: string[]): string {
  const url = new URL(c.req.url);
  const params = [...url.searchParams].filter(([k]) => k !== 'token').sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  const query = new URLSearchParams([...params, ['_v', versions.join('.')]]);
  return `https://render-cache.edge-tiles.internal${url.pathname}?${query}`;
}

/**
 * What clients and shared caches are told. Data read without credentials or token is readable by
 * everyone and may be cached anywhere; anything else is for the browser's cache only.
 */
export function tileCacheControl(c: Context<AppEnv>): string {
  const configured = c.env.TILE_CACHE_CONTROL || 'public, max-age=3600';
  const isPublic = c.var.principal === null && !c.req.query('token');
  return isPublic ? configured : configured.replace(/\bpublic\b/, 'private');
}

export interface CachedOptions {
  key: string;
  /** What clients (and shared caches) are told: public data may be cached anywhere, private only by the browser. */
  cacheControl: string;
  /** Server-Timing metrics on a hit, where nothing was rendered (the cache lookup is added to them). */
  hitTiming: () => string[];
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}

export async function cached(c: Context<AppEnv>, options: CachedOptions, produce: () => Promise<Response>): Promise<Response> {
  const etag = `"${(await sha256Hex(options.key)).slice(0, 32)}"`;
  const common = { etag, 'cache-control': options.cacheControl, vary: 'Origin' };
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    return new Response(null, { status: 304, headers: common });
  }
  const cache = caches.default;
  const lookup = performance.now();
  const hit = await cache.match(options.key);
  if (hit) {
    const timing = [...options.hitTiming(), metric('cache', performance.now() - lookup, 'hit')].join(', ');
    return withHeaders(hit, { ...common, 'server-timing': timing, 'x-cache': 'HIT' });
  }
  const response = await produce();
  if (response.status !== 200) return response;
  const stored = withHeaders(response.clone(), { etag, 'cache-control': 'public, max-age=86400' });
  stored.headers.delete('server-timing');
  c.executionCtx.waitUntil(cache.put(options.key, stored));
  return withHeaders(response, { ...common, 'x-cache': 'MISS' });
}
