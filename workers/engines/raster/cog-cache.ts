import { ByteSource, parseCog, type Cog } from './cog';
import { EtagMismatch, ObjectNotFound, type Source } from './source';
import { RasterError } from './errors';
import { ByteLru } from '../../platform/util/lru';

/** Enough for the ghost header, every IFD and the tile index arrays of a typical COG. */
const HEADER_BYTES = 64 * 1024;
/** What parsed headers may hold in one isolate (docs/security.md adds up the isolate's caches). */
const LRU_BYTES = 16 * 1024 * 1024;

/** Parsed headers by object key; an entry is the promise, so concurrent requests share one read. */
const headers = new ByteLru<Promise<Cog>>(LRU_BYTES);

/** Where a request found the header: this isolate's LRU, the Cache API, or R2. */
export type HeaderTier = 'isolate' | 'edge' | 'r2';

export interface HeaderCache {
  /** The Cache API store that keeps header bytes across isolates (caches.default in production). */
  cache?: Cache;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Told where a header this isolate did not hold came from, for Server-Timing. */
  loadedFrom?: (tier: Exclude<HeaderTier, 'isolate'>) => void;
}

const headerUrl = (key: string) => `https://cog-header.edge-tiles.internal/${encodeURIComponent(key)}`;

async function loadHeader(source: Source, options: HeaderCache): Promise<ByteSource> {
  const url = headerUrl(source.key);
  const cached = await options.cache?.match(url);
  if (cached) {
    const etag = cached.headers.get('x-object-etag');
    const size = Number(cached.headers.get('x-object-size'));
    if (etag && Number.isFinite(size)) {
      options.loadedFrom?.('edge');
      return new ByteSource(source, etag, size, await cached.arrayBuffer());
    }
  }
  let header;
  try {
    header = await source.getBytes(0, HEADER_BYTES);
  } catch (error) {
    if (error instanceof ObjectNotFound) throw new RasterError(404, `No object at ${source.key}.`);
    throw error;
  }
  options.loadedFrom?.('r2');
  if (options.cache) {
    const response = new Response(header.data.slice(0), {
      headers: {
        'x-object-etag': header.etag,
        'x-object-size': String(header.size),
        'cache-control': 'public, max-age=86400',
      },
    });
    const put = options.cache.put(url, response);
    if (options.waitUntil) options.waitUntil(put);
    else await put;
  }
  return new ByteSource(source, header.etag, header.size, header.data);
}

/** The parsed header of `source`'s object, from this isolate, the Cache API, or one range read. */
export function openCog(source: Source, options: HeaderCache = {}): Promise<Cog> {
  const existing = headers.get(source.key);
  if (existing) return existing;
  const cog = loadHeader(source, options).then(parseCog);
  headers.set(source.key, cog, HEADER_BYTES);
  cog.then(
    (parsed) => headers.resize(source.key, cog, parsed.footprint),
    () => headers.delete(source.key, cog),
  );
  return cog;
}

/**
 * Runs `use` on the object's header; if the object was replaced meanwhile (an etag-checked read
 * failed), drops every cached copy of the old header and runs it once more on the new one.
 */
export async function withCog<T>(source: Source, options: HeaderCache, use: (cog: Cog) => Promise<T>): Promise<T> {
  try {
    return await use(await openCog(source, options));
  } catch (error) {
    if (!(error instanceof EtagMismatch)) throw error;
    headers.delete(source.key);
    await options.cache?.delete(headerUrl(source.key));
    return use(await openCog(source, options));
  }
}
