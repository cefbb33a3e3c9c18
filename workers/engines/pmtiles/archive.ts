import { gunzipSync } from 'node:zlib';
import { toBuffer } from '../../platform/util/bytes';
import { imageWidth, isRasterTileType } from './image-size';
import {
  Compression,
  EtagMismatch,
  PMTiles,
  SharedPromiseCache,
  TileType,
  type Entry,
  type Header,
  type RangeResponse,
  type Source,
} from 'pmtiles';

/** What header and directories may hold in one isolate (docs/security.md adds up the isolate's caches). */
const CACHE_BYTES = 16 * 1024 * 1024;
/** Rough in-memory cost of one directory entry (four numbers in an object). */
const ENTRY_BYTES = 48;
/**
 * Bytes one read (a leaf directory, the metadata, a tile) may fetch, and what a tile may inflate
 * to: an archive's own lengths are only claims, and a small gzip stream can claim gigabytes.
 */
export const ARCHIVE_READ_BYTES = 16 * 1024 * 1024;
/**
 * What a directory or the metadata may inflate to. pmtiles makes an object of every directory
 * entry (four bytes or more each) and the metadata is parsed as JSON: a megabyte of either becomes
 * tens of megabytes of objects. Real directories hold a few thousand entries, real metadata kilobytes.
 */
export const ARCHIVE_INDEX_BYTES = 1024 * 1024;

/** pmtiles' decompression, stopped past `limit` bytes. */
const boundedDecompress =
  (limit: number) =>
  async (buffer: ArrayBuffer, compression: Compression): Promise<ArrayBuffer> => {
    if (compression === Compression.None || compression === Compression.Unknown) {
      if (buffer.byteLength > limit) throw new Error(`${buffer.byteLength} bytes, over the ${limit} one read may hold`);
      return buffer;
    }
    if (compression !== Compression.Gzip)
      throw new Error(`${Compression[compression] ?? compression} compression is not supported`);
    return toBuffer(gunzipSync(new Uint8Array(buffer), { maxOutputLength: limit }));
  };
const decompressTile = boundedDecompress(ARCHIVE_READ_BYTES);
const decompressIndex = boundedDecompress(ARCHIVE_INDEX_BYTES);

/** A PMTiles archive in R2; every read after the header names the etag it expects. */
export class R2ArchiveSource implements Source {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
  ) {}

  getKey(): string {
    return this.key;
  }

  async getBytes(offset: number, length: number, _signal?: AbortSignal, etag?: string): Promise<RangeResponse> {
    const object = await this.bucket.get(this.key, {
      range: { offset, length },
      onlyIf: etag ? { etagMatches: etag } : undefined,
    });
    if (!object) throw new ArchiveNotFound(this.key);
    // With onlyIf, R2 answers a failed precondition with metadata only: the archive was replaced.
    if (!('body' in object)) throw new EtagMismatch(`${this.key} changed`);
    return { data: await object.arrayBuffer(), etag: object.etag };
  }
}

export class ArchiveNotFound extends Error {}

/**
 * pmtiles' shared cache, bounded by the bytes its headers and directories hold rather than by
 * their count: one big leaf directory weighs what thousands of small ones do.
 */
class BytesBoundedCache extends SharedPromiseCache {
  private readonly sizes = new Map<string, number>();
  private total = 0;

  constructor(private readonly maxBytes: number) {
    // The cache reads the header and directories: their own, tighter bound.
    super(Number.MAX_SAFE_INTEGER, undefined, decompressIndex);
  }

  private track(key: string, bytes: number): void {
    if (this.sizes.has(key)) return;
    this.sizes.set(key, bytes);
    this.total += bytes;
    this.prune();
  }

  override async getHeader(source: Source): Promise<Header> {
    const header = await super.getHeader(source);
    this.track(source.getKey(), 256);
    this.track(
      `${source.getKey()}|${header.etag ?? ''}|${header.rootDirectoryOffset}|${header.rootDirectoryLength}`,
      header.rootDirectoryLength * 8,
    );
    return header;
  }

  override async getDirectory(
    source: Source,
    offset: number,
    length: number,
    header: Header,
    signal?: AbortSignal,
  ): Promise<Entry[]> {
    const entries = await super.getDirectory(source, offset, length, header, signal);
    this.track(`${source.getKey()}|${header.etag ?? ''}|${offset}|${length}`, entries.length * ENTRY_BYTES);
    return entries;
  }

  override prune(): void {
    while (this.total > this.maxBytes && this.cache.size > 0) {
      let oldest: string | undefined;
      let lastUsed = Infinity;
      for (const [key, value] of this.cache) {
        if (value.lastUsed < lastUsed) [lastUsed, oldest] = [value.lastUsed, key];
      }
      if (oldest === undefined) break;
      this.cache.delete(oldest);
      this.total -= this.sizes.get(oldest) ?? 0;
      this.sizes.delete(oldest);
    }
  }

  override async invalidate(source: Source): Promise<void> {
    const key = source.getKey();
    this.total -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
    return super.invalidate(source);
  }
}

const cache = new BytesBoundedCache(CACHE_BYTES);

/** A source whose reads are refused past ARCHIVE_READ_BYTES: lengths come from the archive itself. */
class BoundedSource implements Source {
  constructor(private readonly inner: Source) {}

  getKey(): string {
    return this.inner.getKey();
  }

  getBytes(offset: number, length: number, signal?: AbortSignal, etag?: string): Promise<RangeResponse> {
    if (length > ARCHIVE_READ_BYTES)
      throw new Error(`a read of ${length} bytes, over the ${ARCHIVE_READ_BYTES} one request may make`);
    return this.inner.getBytes(offset, length, signal, etag);
  }
}

/** pmtiles decompresses the metadata and tiles alike; the metadata is held to the index's bound. */
class BoundedArchive extends PMTiles {
  override async getMetadata(): Promise<unknown> {
    try {
      return await this.readMetadata();
    } catch (error) {
      // The archive was replaced since its header was read: once more, on the new one (as pmtiles does).
      if (!(error instanceof EtagMismatch)) throw error;
      await this.cache.invalidate(this.source);
      return this.readMetadata();
    }
  }

  private async readMetadata(): Promise<unknown> {
    const header = await this.getHeader();
    const { data } = await this.source.getBytes(
      header.jsonMetadataOffset,
      header.jsonMetadataLength,
      undefined,
      header.etag,
    );
    return JSON.parse(new TextDecoder().decode(await decompressIndex(data, header.internalCompression)));
  }
}

/** An archive from any source, read within the bounds above, its directories in this isolate's cache. */
export function openArchiveFrom(source: Source): PMTiles {
  return new BoundedArchive(new BoundedSource(source), cache, decompressTile);
}

export function openArchive(bucket: R2Bucket, key: string): PMTiles {
  return openArchiveFrom(new R2ArchiveSource(bucket, key));
}

/** Path extensions per tile type (what a client may ask for) and the media type served. */
export const TILE_FORMATS: Partial<Record<TileType, { extensions: string[]; mediaType: string }>> = {
  [TileType.Mvt]: { extensions: ['mvt', 'pbf'], mediaType: 'application/vnd.mapbox-vector-tile' },
  [TileType.Png]: { extensions: ['png'], mediaType: 'image/png' },
  [TileType.Jpeg]: { extensions: ['jpg', 'jpeg'], mediaType: 'image/jpeg' },
  [TileType.Webp]: { extensions: ['webp'], mediaType: 'image/webp' },
  [TileType.Avif]: { extensions: ['avif'], mediaType: 'image/avif' },
  [TileType.Mlt]: { extensions: ['mlt'], mediaType: 'application/vnd.maplibre-vector-tile' },
};

/** The Web Mercator tile at zoom `z` holding a point (latitudes beyond the projection's clamped to it). */
function tileAt(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const clamp = (v: number) => Math.min(n - 1, Math.max(0, Math.floor(v)));
  const phi = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180;
  return [clamp(((lon + 180) / 360) * n), clamp(((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n)];
}

/**
 * Pixels a side of a raster archive's tiles, read off one of them: the tile under the header's
 * centre at its centre zoom, else at its outer zooms (a centre off the data at one zoom may be on it
 * at another). Null for vector archives, and where none of those tiles exists or tells.
 */
export async function rasterTileSize(archive: PMTiles): Promise<number | null> {
  const header = await archive.getHeader();
  if (!isRasterTileType(header.tileType)) return null;
  for (const z of new Set([header.centerZoom, header.minZoom, header.maxZoom])) {
    if (z < header.minZoom || z > header.maxZoom) continue;
    const tile = await archive.getZxy(z, ...tileAt(header.centerLon, header.centerLat, z));
    if (tile) return imageWidth(header.tileType, new Uint8Array(tile.data));
  }
  return null;
}
