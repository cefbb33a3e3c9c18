import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { sha256Hex } from '../auth/crypto';
import { ByteLru } from '../util/lru';
import { numberVar } from '../config';
import { metric } from './server-timing';

/**
 * The Varnish layer: renderings kept in the Cache API under a key that holds everything that
 * changes the bytes (path, parameters without `token`, the data version and the object's etag, and
 * for a POST a digest of its body) and nothing that does not. Authorization has already happened
 * when this runs.
 */
export async function cacheKey(c: Context<AppEnv>, versions: string[]): Promise<string> {
  const url = new URL(c.req.url);
  const params = [...url.searchParams]
    .filter(([k]) => k !== 'token')
    .sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  // A POSTed feature is part of what is drawn: without it, one polygon's image would answer another's.
  const body = c.req.method === 'POST' ? [`b${(await sha256Hex(await c.req.text())).slice(0, 32)}`] : [];
  const query = new URLSearchParams([...params, ['_v', [...versions, ...body].join('.')]]);
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
  /** Server-Timing metrics on a hit, where nothing was rendered (the cache lookup and its tier are added to them). */
  hitTiming: () => string[];
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}

/** A rendering as the isolate keeps it: the bytes and the headers the route gave them. */
interface Kept {
  body: ArrayBuffer;
  headers: Array<[string, string]>;
  /** The ETag of the key, so that a hit from memory costs no digest. */
  etag: string;
}

let memory: ByteLru<Kept> | null = null;

/**
 * The isolate's own tier in front of the Cache API: a hot tile is answered from memory without a
 * round trip to the colo's cache. Keys are the Cache API's, so a new version misses here too.
 */
function memoryTier(c: Context<AppEnv>): ByteLru<Kept> | null {
  if (c.env.TILE_MEMORY_CACHE_BYTES?.trim() === '0') return null;
  const capacity = numberVar(c.env, 'TILE_MEMORY_CACHE_BYTES');
  // One big rendering (a large preview) must not push out hundreds of map tiles.
  if (memory?.capacity !== capacity) memory = new ByteLru<Kept>(capacity, capacity / 16);
  return memory;
}

export async function cached(
  c: Context<AppEnv>,
  options: CachedOptions,
  produce: () => Promise<Response>,
): Promise<Response> {
  const tier = memoryTier(c);
  const kept = tier?.get(options.key);
  const etag = kept?.etag ?? `"${(await sha256Hex(options.key)).slice(0, 32)}"`;
  // Vary: Origin comes from the CORS middleware, on every answer.
  const common = { etag, 'cache-control': options.cacheControl };
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    return new Response(null, { status: 304, headers: common });
  }
  const lookup = performance.now();
  const hitHeaders = (tier: string) => ({
    ...common,
    'server-timing': [...options.hitTiming(), metric('cache', performance.now() - lookup, tier)].join(', '),
    'x-cache': 'HIT',
  });
  if (kept) return withHeaders(new Response(kept.body, { headers: kept.headers }), hitHeaders('isolate'));
  const cache = caches.default;
  const hit = await cache.match(options.key);
  if (hit) {
    const out = withHeaders(hit, hitHeaders('edge'));
    if (!tier) return out;
    const body = await out.arrayBuffer();
    tier.set(options.key, { body, headers: [...hit.headers], etag }, body.byteLength);
    return new Response(body, out);
  }
  const missed = metric('cache', performance.now() - lookup, 'miss');
  const response = await produce();
  if (response.status !== 200) return response;
  const body = await response.arrayBuffer();
  const headers = [...response.headers].filter(([name]) => name !== 'server-timing');
  const timing = response.headers.get('server-timing');
  tier?.set(options.key, { body, headers, etag }, body.byteLength);
  c.executionCtx.waitUntil(
    cache.put(
      options.key,
      withHeaders(new Response(body, { headers }), { etag, 'cache-control': 'public, max-age=86400' }),
    ),
  );
  return withHeaders(new Response(body, response), {
    ...common,
    'server-timing': timing ? `${timing}, ${missed}` : missed,
    'x-cache': 'MISS',
  });
}
