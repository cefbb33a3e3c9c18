import { ByteSource, parseCog, type Cog } from './cog';
import { EtagMismatch, ObjectNotFound, type Source } from './source';
import { RasterError } from './errors';

/** Enough for the ghost header, every IFD and the tile index arrays of a typical COG. */
const HEADER_BYTES = 64 * 1024;
/** What parsed headers may hold in one isolate. */
const LRU_BYTES = 32 * 1024 * 1024;

interface Entry {
  cog: Promise<Cog>;
  footprint: number;
}

const lru = new Map<string, Entry>();
let lruBytes = 0;

function remember(key: string, entry: Entry): void {
  lru.set(key, entry);
  lruBytes += entry.footprint;
  for (const [oldest, old] of lru) {
    if (lruBytes <= LRU_BYTES || oldest === key) break;
    lru.delete(oldest);
    lruBytes -= old.footprint;
  }
}

function forget(key: string): void {
  const entry = lru.get(key);
  if (!entry) return;
  lru.delete(key);
  lruBytes -= entry.footprint;
}

export interface HeaderCache {
  /** The Cache API store that keeps header bytes across isolates (caches.default in production). */
  cache?: Cache;
  waitUntil?: (promise: Promise<unknown>) => void;
}

const headerUrl = (key: string) => `https://cog-header.edge-tiles.internal/${encodeURIComponent(key)}`;

async function loadHeader(source: Source, options: HeaderCache): Promise<ByteSource> {
  const url = headerUrl(source.key);
  const cached = await options.cache?.match(url);
  if (cached) {
    const etag = cached.headers.get('x-object-etag');
    const size = Number(cached.headers.get('x-object-size'));
    if (etag && Number.isFinite(size)) return new ByteSource(source, etag, size, await cached.arrayBuffer());
  }
  let header;
  try {
    header = await source.getBytes(0, HEADER_BYTES);
  } catch (error) {
    if (error instanceof ObjectNotFound) throw new RasterError(404, `No object at ${source.key}.`);
    throw error;
  }
  if (options.cache) {
    const response = new Response(header.data.slice(0), {
      headers: { 'x-object-etag': header.etag, 'x-object-size': String(header.size), 'cache-control': 'public, max-age=86400' },
    });
    const put = options.cache.put(url, response);
    if (options.waitUntil) options.waitUntil(put);
    else await put;
  }
  return new ByteSource(source, header.etag, header.size, header.data);
}

/** The parsed header of `source`'s object, from this isolate, the Cache API, or one range read. */
export function openCog(source: Source, options: HeaderCache = {}): Promise<Cog> {
  const existing = lru.get(source.key);
  if (existing) {
    lru.delete(source.key);
    lru.set(source.key, existing);
    return existing.cog;
  }
  const cog = loadHeader(source, options).then(parseCog);
  const entry = { cog, footprint: HEADER_BYTES };
  remember(source.key, entry);
  cog.then(
    (parsed) => {
      if (lru.get(source.key) !== entry) return;
      lruBytes += parsed.footprint - entry.footprint;
      entry.footprint = parsed.footprint;
    },
    () => forget(source.key),
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
    forget(source.key);
    await options.cache?.delete(headerUrl(source.key));
    return use(await openCog(source, options));
  }
}
