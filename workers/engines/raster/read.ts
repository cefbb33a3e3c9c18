import { getDecoder, type BaseDecoder, type GeoTIFFImage } from 'geotiff';
import { SAMPLE_ARRAYS, type Cog, type DataType, type Level, type Samples } from './cog';
import type { Source } from './source';
import { RasterError } from './errors';
import { decodedBytes, decoderParameters, isRgba } from './decoders';
import { assertBlock, assertDecoded, assertFetch, assertPixels } from './budget';
import { ByteLru } from '../../platform/util/lru';
import { errorMessage } from '../../platform/util/error-message';

/** A pixel window of one level; it may reach past the image, where everything is masked. */
export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Pixel values of the requested bands (raw, before scale/offset) in arrays of the file's data type,
 * so they are passed along and written out without conversion, and a validity mask (1 = valid).
 */
export interface Block {
  width: number;
  height: number;
  bands: Samples[];
  mask: Uint8Array;
}

/** Neighbouring tiles whose byte ranges are at most this far apart are fetched in one request. */
const MERGE_GAP = 16 * 1024;
const MAX_MERGED = 8 * 1024 * 1024;
const MAX_IN_FLIGHT = 6;
/** What compressed tile bytes may hold in one isolate (docs/security.md adds up the isolate's caches). */
const BLOCK_CACHE_BYTES = 8 * 1024 * 1024;

interface BlockRequest {
  image: GeoTIFFImage;
  index: number;
  offset: number;
  length: number;
  bytes?: ArrayBuffer;
}

const decoders = new WeakMap<GeoTIFFImage, Promise<BaseDecoder>>();

function decoderFor(image: GeoTIFFImage): Promise<BaseDecoder> {
  let decoder = decoders.get(image);
  if (!decoder) {
    decoder = (async () => {
      const fd = image.getFileDirectory();
      const compression = ((await fd.loadValue('Compression')) as number | undefined) ?? 1;
      return getDecoder(compression, await decoderParameters(fd));
    })();
    decoders.set(image, decoder);
  }
  return decoder;
}

/** TIFF tags of a block's index entries: offset and byte count, tiled or stripped. */
const TILE_INDEX_TAGS = [324, 325];
const STRIP_INDEX_TAGS = [273, 279];

/** Where a block's index entries lie in the file, where geotiff has left them to be read on demand. */
function indexRanges(image: GeoTIFFImage, index: number): Array<{ offset: number; length: number }> {
  const deferred = image.getFileDirectory().deferredArrays;
  return (image.isTiled ? TILE_INDEX_TAGS : STRIP_INDEX_TAGS).flatMap((tag) => {
    const array = deferred.get(tag);
    return array ? [{ offset: array.arrayOffset + index * array.itemSize, length: array.itemSize }] : [];
  });
}

async function locate(image: GeoTIFFImage, index: number): Promise<BlockRequest> {
  const fd = image.getFileDirectory();
  const [offsetTag, countTag] = image.isTiled
    ? (['TileOffsets', 'TileByteCounts'] as const)
    : (['StripOffsets', 'StripByteCounts'] as const);
  const [offset, length] = await Promise.all([
    fd.loadValueIndexed(offsetTag, index),
    fd.loadValueIndexed(countTag, index),
  ]);
  return { image, index, offset: Number(offset), length: Number(length) };
}

/**
 * Compressed tile bytes already read, by object, etag and range: a map view asks for neighbouring
 * tiles together, and they share the file's internal tiles along their edges. An object replaced
 * under the same key has a new etag, so its old bytes are never used.
 */
const blockBytes = new ByteLru<ArrayBuffer>(BLOCK_CACHE_BYTES);

/**
 * Fetches the blocks' bytes, from this isolate's cache or else R2: sorted by offset, neighbours
 * merged into one range read, at most MAX_IN_FLIGHT reads at once. Empty (sparse) blocks are not
 * read at all.
 */
async function fetchBlocks(
  blocks: BlockRequest[],
  source: Source,
  etag: string,
  size: number,
  signal?: AbortSignal,
): Promise<void> {
  const nonEmpty = blocks.filter((b) => b.length > 0);
  const beyond = nonEmpty.find((b) => b.offset + b.length > size);
  if (beyond)
    throw new RasterError(
      422,
      `The file is truncated: a tile ends at byte ${beyond.offset + beyond.length} of ${size}.`,
    );
  const cacheKey = (b: BlockRequest) => `${source.key}\u0000${etag}\u0000${b.offset}\u0000${b.length}`;
  for (const block of nonEmpty) block.bytes = blockBytes.get(cacheKey(block));
  const present = nonEmpty.filter((b) => !b.bytes).sort((a, b) => a.offset - b.offset);
  const groups: BlockRequest[][] = [];
  for (const block of present) {
    const group = groups[groups.length - 1];
    const last = group?.[group.length - 1];
    if (
      group &&
      last &&
      block.offset - (last.offset + last.length) <= MERGE_GAP &&
      block.offset + block.length - group[0]!.offset <= MAX_MERGED
    ) {
      group.push(block);
    } else {
      groups.push([block]);
    }
  }
  // What the reads will fetch, the gaps merged across included, before any is made.
  assertFetch(
    blocks.length,
    groups.reduce((sum, g) => sum + Math.max(...g.map((b) => b.offset + b.length)) - g[0]!.offset, 0),
  );
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      const start = group[0]!.offset;
      const end = Math.max(...group.map((b) => b.offset + b.length));
      const { data } = await source.getBytes(start, end - start, signal, etag);
      for (const block of group) {
        block.bytes = data.slice(block.offset - start, block.offset - start + block.length);
        blockBytes.set(cacheKey(block), block.bytes, block.length);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_IN_FLIGHT, groups.length) }, worker));
}

function swapBytes(buffer: ArrayBuffer, size: number): ArrayBuffer {
  if (size === 1) return buffer;
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return buffer;
}

/** Unpacks a 1-bit-per-pixel block (GDAL's internal masks) to one byte per pixel. */
function unpackBits(buffer: ArrayBuffer, width: number, height: number): Uint8Array {
  const packed = new Uint8Array(buffer);
  const rowBytes = Math.ceil(width / 8);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = (packed[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
  }
  return out;
}

interface BlockCopy {
  out: Block;
  window: Window;
  /** Per requested band: the decoded plane holding it (undefined when the block is sparse) and its sample offset. */
  planes: Array<Samples | undefined>;
  offsets: number[];
  stride: number;
  alpha: ArrayLike<number> | undefined;
  alphaOffset: number;
  maskBits: Uint8Array | null;
  sparse: boolean;
  nodata: number | null;
  isFloat: boolean;
  blockX: number;
  blockY: number;
  blockWidth: number;
  /** The part of the block inside the window, in level pixels. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Copies one decoded block's part of the window into `out`, band by band, then works out the
 * mask: like GDAL's dataset mask, a pixel is nodata only when every band is (or is NaN), and
 * alpha 0 or an internal mask bit 0 hides it. Tight loops per band: this runs for every pixel.
 */
function copyBlock(c: BlockCopy): void {
  const { out, window, stride, blockX, blockY, blockWidth, x0, x1, y0, y1 } = c;
  const width = out.width;
  const fill = c.nodata ?? 0;
  for (let i = 0; i < c.planes.length; i++) {
    const plane = c.planes[i];
    const band = out.bands[i]!;
    const offset = c.offsets[i]!;
    for (let y = y0; y < y1; y++) {
      const o = (y - window.y) * width - window.x;
      if (!plane) {
        band.fill(fill, o + x0, o + x1);
        continue;
      }
      let pixel = ((y - blockY) * blockWidth + (x0 - blockX)) * stride + offset;
      // One sample a pixel (one band, or planar): the row is a plain copy, the arrays being of one type.
      if (stride === 1) band.set(plane.subarray(pixel, pixel + x1 - x0), o + x0);
      else for (let x = x0; x < x1; x++, pixel += stride) band[o + x] = plane[pixel]!;
    }
  }
  const mask = out.mask;
  const hasNodata = c.nodata !== null;
  const checkValues = hasNodata || c.isFloat || c.planes.some((plane) => !plane);
  const nodata = c.nodata ?? NaN;
  for (let y = y0; y < y1; y++) {
    const o = (y - window.y) * width - window.x;
    if (c.sparse) mask.fill(hasNodata ? 0 : 1, o + x0, o + x1);
    else if (!checkValues) mask.fill(1, o + x0, o + x1);
    else {
      for (let x = x0; x < x1; x++) {
        let valid = 0;
        for (let i = 0; i < c.planes.length && !valid; i++) {
          const value = out.bands[i]![o + x]!;
          // NaN is never valid (float data); NaN nodata matches NaN only, which the same test covers.
          if (value === value && value !== nodata && c.planes[i]) valid = 1;
        }
        mask[o + x] = valid;
      }
    }
    const rowStart = (y - blockY) * blockWidth - blockX;
    if (c.alpha) {
      const alpha = c.alpha;
      for (let x = x0; x < x1; x++) if (alpha[(rowStart + x) * stride + c.alphaOffset] === 0) mask[o + x] = 0;
    }
    if (c.maskBits) {
      const bits = c.maskBits;
      for (let x = x0; x < x1; x++) if (bits[rowStart + x] === 0) mask[o + x] = 0;
    }
  }
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Overrides the file's nodata value. */
  nodata?: number | null;
}

/** Reads `window` of `level` for the 0-based `bands`, with the mask GDAL would give it. */
export async function readWindow(
  cog: Cog,
  level: Level,
  window: Window,
  bands: number[],
  source: Source,
  options: ReadOptions = {},
): Promise<Block> {
  for (const band of bands)
    if (band < 0 || band >= cog.bandCount)
      throw new RasterError(400, `Band ${band + 1} does not exist (the file has ${cog.bandCount}).`);
  const { image } = level;
  const { width, height } = window;
  const Typed = SAMPLE_ARRAYS[cog.dataType];
  assertPixels(width, height, bands.length * Typed.BYTES_PER_ELEMENT + 1, 'This read needs');
  const out: Block = {
    width,
    height,
    bands: bands.map(() => new Typed(width * height)),
    mask: new Uint8Array(width * height),
  };
  const x0 = Math.max(0, window.x);
  const y0 = Math.max(0, window.y);
  const x1 = Math.min(level.width, window.x + width);
  const y1 = Math.min(level.height, window.y + height);
  if (x0 >= x1 || y0 >= y1) return out;

  const bw = level.blockWidth;
  const bh = level.blockHeight;
  const planar = image.planarConfiguration === 2;
  const samples = [...new Set(cog.alphaBand === null ? bands : [...bands, cog.alphaBand])];
  const [bx0, bx1, by0, by1] = [
    Math.floor(x0 / bw),
    Math.floor((x1 - 1) / bw),
    Math.floor(y0 / bh),
    Math.floor((y1 - 1) / bh),
  ];
  assertFetch((bx1 - bx0 + 1) * (by1 - by0 + 1) * ((planar ? samples.length : 1) + (level.mask ? 1 : 0)), 0);
  const decoder = await decoderFor(image);
  const maskDecoder = level.mask ? await decoderFor(level.mask) : null;
  // A block's planes are held together (all samples of a band-interleaved file); every block is decoded once.
  const blockDecoded =
    decodedBytes(decoder) * (planar ? samples.length : 1) + (maskDecoder ? decodedBytes(maskDecoder) : 0);
  assertBlock(blockDecoded, bw, bh);
  assertDecoded(blockDecoded * (bx1 - bx0 + 1) * (by1 - by0 + 1));
  const blockCoords: Array<[number, number]> = [];
  for (let by = by0; by <= by1; by++) {
    for (let bx = bx0; bx <= bx1; bx++) blockCoords.push([bx, by]);
  }
  const requests = await fetchWindowBlocks(cog, level, blockCoords, planar ? samples : [0], source, options.signal);

  const nodata = options.nodata === undefined ? cog.nodata : options.nodata;
  const isFloat = cog.dataType === 'float32' || cog.dataType === 'float64';
  // Samples per decoded pixel: RGBA from a browser-style decoder, else the file's own.
  const stride = isRgba(decoder) ? 4 : planar ? 1 : cog.bandCount;

  // One block at a time: its decoded planes are dropped before the next is decoded.
  for (const [bx, by] of blockCoords) {
    const blockRows = Math.min(bh, level.height - by * bh);
    const planes = new Map<number, Samples>();
    for (const sample of planar ? samples : [0]) {
      const buffer = await decodeBlock(requests.get(`d${bx},${by},${sample}`), decoder, blockRows);
      if (!buffer) continue;
      planes.set(sample, samplesOf(buffer, Typed, image.littleEndian));
    }
    const maskBits = maskDecoder ? await decodeMask(requests.get(`m${bx},${by}`), level, maskDecoder, blockRows) : null;
    copyBlock({
      out,
      window,
      planes: bands.map((band) => planes.get(planar ? band : 0)),
      offsets: bands.map((band) => (planar ? 0 : band)),
      stride,
      alpha: cog.alphaBand === null ? undefined : planes.get(planar ? cog.alphaBand : 0),
      alphaOffset: planar ? 0 : (cog.alphaBand ?? 0),
      maskBits,
      sparse: planes.size === 0,
      nodata,
      isFloat,
      blockX: bx * bw,
      blockY: by * bh,
      blockWidth: bw,
      x0: Math.max(x0, bx * bw),
      x1: Math.min(x1, (bx + 1) * bw),
      y0: Math.max(y0, by * bh),
      y1: Math.min(y1, by * bh + blockRows),
    });
  }
  return out;
}

/**
 * Locates and fetches the blocks' bytes (each data plane of `planeSamples`, and the mask's), keyed
 * `d<bx>,<by>,<sample>` and `m<bx>,<by>`. The index entries the blocks need are preloaded first, so
 * a tile index beyond the header costs one read, not one per entry.
 */
async function fetchWindowBlocks(
  cog: Cog,
  level: Level,
  blockCoords: Array<[number, number]>,
  planeSamples: number[],
  source: Source,
  signal: AbortSignal | undefined,
): Promise<Map<string, BlockRequest>> {
  const { image } = level;
  const across = Math.ceil(level.width / level.blockWidth);
  const down = Math.ceil(level.height / level.blockHeight);
  const planar = image.planarConfiguration === 2;
  const dataIndex = (bx: number, by: number, sample: number) =>
    (planar ? sample * across * down : 0) + by * across + bx;
  const wanted: Array<[string, GeoTIFFImage, number]> = [];
  for (const [bx, by] of blockCoords) {
    for (const sample of planeSamples) wanted.push([`d${bx},${by},${sample}`, image, dataIndex(bx, by, sample)]);
    if (level.mask) {
      const maskLevel = level.mask;
      wanted.push([`m${bx},${by}`, maskLevel, by * Math.ceil(maskLevel.getWidth() / maskLevel.getTileWidth()) + bx]);
    }
  }
  await cog.bytes.preload(
    wanted.flatMap(([, ifd, index]) => indexRanges(ifd, index)),
    source,
    signal,
  );
  const requests = new Map(
    await Promise.all(wanted.map(async ([key, ifd, index]) => [key, await locate(ifd, index)] as const)),
  );
  await fetchBlocks([...requests.values()], source, cog.etag, cog.size, signal);
  return requests;
}

/** One block's decoded bytes, or null for a sparse block (none stored). */
async function decodeBlock(
  request: BlockRequest | undefined,
  d: BaseDecoder,
  blockRows: number,
): Promise<ArrayBuffer | null> {
  if (!request?.bytes) return null;
  let decoded: ArrayBufferLike;
  try {
    decoded = await d.decode(request.bytes);
  } catch (error) {
    throw new RasterError(422, `Corrupt tile data at byte ${request.offset}: ${errorMessage(error)}`);
  }
  // Short of the rows it holds (a strip at the image's foot holds fewer), the data is cut or corrupt.
  const needed = decodedBytes(d, blockRows);
  if (decoded.byteLength < needed)
    throw new RasterError(
      422,
      `Corrupt tile data at byte ${request.offset}: it decodes to ${decoded.byteLength} bytes, not ${needed}.`,
    );
  return decoded instanceof ArrayBuffer ? decoded : new Uint8Array(decoded).slice().buffer;
}

/** A decoded plane in the file's data type, its bytes swapped to this machine's order for a big-endian file. */
function samplesOf(buffer: ArrayBuffer, Typed: (typeof SAMPLE_ARRAYS)[DataType], littleEndian: boolean): Samples {
  const size = Typed.BYTES_PER_ELEMENT;
  return new Typed(littleEndian ? buffer : swapBytes(buffer, size), 0, Math.floor(buffer.byteLength / size));
}

/** One block of the level's internal mask, a byte per pixel (0 hides it); null for a sparse mask block. */
async function decodeMask(
  request: BlockRequest | undefined,
  level: Level,
  maskDecoder: BaseDecoder,
  blockRows: number,
): Promise<Uint8Array | null> {
  const buffer = await decodeBlock(request, maskDecoder, blockRows);
  if (!buffer) return null;
  const mbits = (level.mask!.getFileDirectory().getValue('BitsPerSample') as number[] | undefined)?.[0] ?? 8;
  const maskBits = mbits === 1 ? unpackBits(buffer, level.blockWidth, blockRows) : new Uint8Array(buffer);
  return isRgba(maskDecoder) ? maskBits.filter((_, i) => i % 4 === 0) : maskBits;
}
