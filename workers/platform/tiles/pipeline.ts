import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { cacheKey, cached, tileCacheControl } from '../http/tile-cache';
import { metric } from '../http/server-timing';
import { ApiError } from '../http/problem';
import type { DrawnTile, TileCoord, TileSource } from './source';

/**
 * The one way a rendering is served: cache key (the source's versions), the isolate's and the
 * colo's caches, ETag and 304, Server-Timing. `open` authorizes and opens the source before any
 * cache is consulted, so a cached tile is never an answer to a caller who may not read it.
 * `started` is when the request began, if earlier than this call (Server-Timing's `total`).
 */
export async function serveRendering<S extends Pick<TileSource<never>, 'versions' | 'hitTiming' | 'missing'>>(
  c: Context<AppEnv>,
  open: () => Promise<S>,
  draw: (source: S) => Promise<DrawnTile | null>,
  started = performance.now(),
): Promise<Response> {
  const source = await open();
  const total = () => metric('total', performance.now() - started);
  const key = await cacheKey(c, source.versions);
  return cached(
    c,
    { key, cacheControl: tileCacheControl(c), hitTiming: () => [...source.hitTiming(), total()] },
    async () => {
      const drawn = await draw(source);
      if (!drawn) {
        if (source.missing) return source.missing();
        throw new ApiError(404, 'not-found', 'There is no tile here.');
      }
      return new Response(drawn.body, {
        headers: { 'content-type': drawn.contentType, 'server-timing': [...drawn.timing, total()].join(', ') },
      });
    },
  );
}

/** A map tile of any source, through the rendering pipeline. */
export function serveTile<P>(
  c: Context<AppEnv>,
  open: () => Promise<TileSource<P>>,
  coord: TileCoord,
  params: P,
  started?: number,
): Promise<Response> {
  return serveRendering(c, open, (source) => source.tile(coord, params), started);
}
