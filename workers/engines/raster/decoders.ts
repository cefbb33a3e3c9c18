import { addDecoder, BaseDecoder } from 'geotiff';
import type { ImageFileDirectory } from 'geotiff';
import { inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
// Pure-JS LERC (lerc 2.x): workerd refuses to compile WebAssembly from bytes, which lerc 3+ does.
import Lerc from 'lerc';
import decodeWebp, { init as initWebp } from '@jsquash/webp/decode';
import decodeJpeg, { init as initJpeg } from '@jsquash/jpeg/decode';
import { toBuffer } from '../../platform/util/bytes';
import { decodeLzw } from './codecs/lzw';
import { decodePackbits } from './codecs/packbits';
import { jpegScans, jpegSize, lercExtent, webpSize, zstdContentSize, type Size } from './codecs/declared-size';
// Bundled as compiled WebAssembly.Modules, the one form workerd lets code instantiate.
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import jpegWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';

/** What a block's decoder is given: geotiff's parameters and the codecs' own tables. */
export type Parameters = ConstructorParameters<typeof BaseDecoder>[0] & {
  LercParameters?: number[];
  JPEGTables?: Uint8Array;
};

/** What a decoder needs from an IFD: block size, layout, predictor and codec tables. */
export async function decoderParameters(fd: ImageFileDirectory): Promise<Parameters> {
  const tiled = !fd.hasTag('StripOffsets');
  const height = (await fd.loadValue('ImageLength')) as number;
  return {
    tileWidth: (await fd.loadValue(tiled ? 'TileWidth' : 'ImageWidth')) as number,
    // A strip of more rows than the image (2^32 − 1 means "all of them") holds the whole image.
    tileHeight: tiled
      ? ((await fd.loadValue('TileLength')) as number)
      : Math.min(((await fd.loadValue('RowsPerStrip')) as number | undefined) ?? height, height),
    planarConfiguration: ((await fd.loadValue('PlanarConfiguration')) as number | undefined) ?? 1,
    bitsPerSample: (await fd.loadValue('BitsPerSample')) as number[],
    predictor: ((await fd.loadValue('Predictor')) as number | undefined) ?? 1,
    LercParameters: fd.hasTag('LercParameters') ? ((await fd.loadValue('LercParameters')) as number[]) : undefined,
    JPEGTables: fd.hasTag('JPEGTables') ? ((await fd.loadValue('JPEGTables')) as Uint8Array) : undefined,
  };
}

/**
 * One TIFF codec: its Compression tag values, its name (in info and errors), and how it decodes one
 * block into at most `limit` bytes, the block's decoded size: a stream that decodes past it (a
 * compression bomb) or declares a larger image is refused before the memory is taken.
 */
export interface Codec {
  name: string;
  /** Its values of the TIFF Compression tag (undefined: no tag, which means none). */
  codes: ReadonlyArray<number | undefined>;
  /** Whether it decodes to four samples a pixel (RGBA) whatever the block holds, gray repeated (browser codecs). */
  rgba: boolean;
  decode(block: Uint8Array, limit: number, parameters: Parameters): Uint8Array | Promise<Uint8Array>;
}

const refuse = (what: string, size: number, limit: number): never => {
  throw new RangeError(`${what} decodes to ${size} bytes, more than the block's ${limit}`);
};

function uncompressed(block: Uint8Array, limit: number): Uint8Array {
  if (block.byteLength > limit) refuse('Uncompressed data', block.byteLength, limit);
  return block;
}

/**
 * DEFLATE through the runtime's native zlib (node:zlib, synchronous) instead of geotiff's pako:
 * several times faster on the tiles of a typical COG, and no stream set up per tile. Past `limit`
 * bytes zlib throws rather than grows.
 */
const inflate = (bytes: Uint8Array, limit: number): Uint8Array =>
  inflateSync(bytes, { maxOutputLength: Math.max(1, limit) });

/**
 * Zstandard into a buffer of the size its frame declares, refused up front past `limit`; a frame
 * that declares none gets `limit` bytes, which fzstd does not write past.
 */
function unzstd(bytes: Uint8Array, limit: number): Uint8Array {
  const declared = zstdContentSize(bytes);
  if (declared !== null && declared > limit)
    throw new RangeError(`ZSTD data decodes to ${declared} bytes, more than the block's ${limit}`);
  return zstdDecompress(bytes, new Uint8Array(declared ?? limit));
}

const LERC_NONE = 0;
const LERC_DEFLATE = 1;
const LERC_ZSTD = 2;
/** LERC data types of one byte. */
const LERC_CHAR = 0;
const LERC_BYTE = 1;

/** A LERC blob is never much larger than its pixels; past this its inner DEFLATE or ZSTD is a bomb. */
const lercBlobLimit = (limit: number) => 2 * limit + 65536;

function unlerc(block: Uint8Array, limit: number, parameters: Parameters): Uint8Array {
  const { LercParameters: lercParameters, planarConfiguration } = parameters;
  const extra = lercParameters?.[1] ?? LERC_NONE;
  let blob = block;
  if (extra === LERC_DEFLATE) blob = inflate(blob, lercBlobLimit(limit));
  else if (extra === LERC_ZSTD) blob = unzstd(blob, lercBlobLimit(limit));
  else if (extra !== LERC_NONE) throw new Error(`unsupported LERC additional compression ${extra}`);
  const extent = lercExtent(blob);
  if (!extent) throw new Error('not a LERC2 blob, or one with a micro block size past 256');
  if (extent.bytes > limit) refuse('LERC data', extent.bytes, limit);
  // 8-bit LERC is Huffman-coded, and lerc sizes its code table from the blob unchecked.
  if (extent.type === LERC_CHAR || extent.type === LERC_BYTE)
    throw new Error('8-bit LERC is not read: rewrite the file with DEFLATE or ZSTD');
  const decoded = Lerc.decode(toBuffer(blob.subarray(0, extent.end)));
  const pixels = decoded.pixels[0];
  if (!pixels) throw new Error('LERC block holds no pixels');
  const dims = decoded.dimCount ?? 1;
  const planes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  if (dims <= 1 || planarConfiguration === 2) return planes;
  // Several samples per pixel come back one plane after another; TIFF wants them interleaved.
  const n = decoded.width * decoded.height;
  const size = pixels.BYTES_PER_ELEMENT;
  const out = new Uint8Array(planes.length);
  for (let d = 0; d < dims; d++) {
    for (let i = 0; i < n; i++)
      out.set(planes.subarray((d * n + i) * size, (d * n + i + 1) * size), (i * dims + d) * size);
  }
  return out;
}

/** Refuses an RGBA codec's stream whose image is larger than the block (JPEG pads nothing in a TIFF tile). */
function checkSize(size: Size | null, codec: string, limit: number, { tileWidth, tileHeight }: Parameters): void {
  if (!size) throw new Error(`no ${codec} image size found`);
  if (size.width > tileWidth || size.height > tileHeight)
    refuse(`A ${size.width} × ${size.height} ${codec} image`, size.width * size.height * 4, limit);
}

const rgbaBytes = (rgba: Uint8ClampedArray): Uint8Array =>
  new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength);

let webpReady: Promise<void> | undefined;

async function unwebp(stream: Uint8Array, limit: number, parameters: Parameters): Promise<Uint8Array> {
  webpReady ??= initWebp(webpWasm);
  await webpReady;
  checkSize(webpSize(stream), 'WebP', limit, parameters);
  return rgbaBytes((await decodeWebp(toBuffer(stream))).data);
}

let jpegReady: Promise<void> | undefined;
/** Scans a JPEG tile may have: a progressive one has about 10, a scan bomb thousands. */
const MAX_JPEG_SCANS = 64;

/**
 * JPEG through libjpeg-turbo (mozjpeg's decoder, compiled to WebAssembly): the same IDCT, chroma
 * upsampling and YCbCr conversion as GDAL, so decoded pixels match it exactly, which geotiff's
 * JavaScript decoder does not. TIFF tiles are abbreviated streams: the tables live in JPEGTables.
 */
async function unjpeg(block: Uint8Array, limit: number, parameters: Parameters): Promise<Uint8Array> {
  jpegReady ??= initJpeg(jpegWasm);
  await jpegReady;
  const { JPEGTables: tables } = parameters;
  let stream = block;
  if (tables && tables.length > 4) {
    const joined = new Uint8Array(tables.length - 2 + stream.length - 2);
    joined.set(tables.subarray(0, tables.length - 2), 0);
    joined.set(stream.subarray(2), tables.length - 2);
    stream = joined;
  }
  checkSize(jpegSize(stream), 'JPEG', limit, parameters);
  const scans = jpegScans(stream);
  if (scans > MAX_JPEG_SCANS) throw new RangeError(`a JPEG of ${scans} scans (${MAX_JPEG_SCANS} at most)`);
  return rgbaBytes((await decodeJpeg(toBuffer(stream))).data);
}

/**
 * The TIFF codecs read, each held to the block's decoded size; a new codec is one entry here, and its
 * decoder in codecs/. geotiff's stock LERC, ZSTD and WEBP decoders fail inside workerd (run-time
 * WebAssembly compilation, createImageBitmap), and JPEG is decoded by libjpeg-turbo to match GDAL.
 * Old-style JPEG (6) has no entry: GDAL rewrites it as 7.
 */
export const CODECS: readonly Codec[] = [
  { name: 'none', codes: [1, undefined], rgba: false, decode: uncompressed },
  { name: 'lzw', codes: [5], rgba: false, decode: decodeLzw },
  { name: 'jpeg', codes: [7], rgba: true, decode: unjpeg },
  { name: 'deflate', codes: [8, 32946], rgba: false, decode: inflate },
  { name: 'packbits', codes: [32773], rgba: false, decode: decodePackbits },
  { name: 'lerc', codes: [34887], rgba: false, decode: unlerc },
  { name: 'zstd', codes: [50000], rgba: false, decode: unzstd },
  { name: 'webp', codes: [50001], rgba: true, decode: unwebp },
];

/** The codec of a TIFF Compression tag value, if one is read. */
export const codecOf = (compression: number | undefined): Codec | undefined =>
  CODECS.find((codec) => codec.codes.includes(compression));

/** geotiff's decoder for one of the codecs, held to the block's decoded size. */
abstract class CodecDecoder extends BaseDecoder {
  abstract readonly codec: Codec;

  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer | Promise<ArrayBuffer> {
    const decoded = this.codec.decode(new Uint8Array(buffer), decodedBytes(this), this.parameters as Parameters);
    return decoded instanceof Uint8Array ? toBuffer(decoded) : decoded.then(toBuffer);
  }
}

/** Whether the decoder gives RGBA, four samples a pixel, which the reader steps over rather than copying out. */
export const isRgba = (decoder: BaseDecoder): boolean => decoder instanceof CodecDecoder && decoder.codec.rgba;

/**
 * Bytes `rows` rows of a block decode to (all of them by default): rows of samples, bit-packed
 * ones (masks) rounded up per row, or four bytes a pixel from an RGBA codec.
 */
export function decodedBytes(decoder: BaseDecoder, rows?: number): number {
  const p = decoder.parameters as Parameters;
  const height = rows ?? p.tileHeight;
  if (isRgba(decoder)) return p.tileWidth * height * 4;
  const perSample = typeof p.bitsPerSample === 'number' ? [p.bitsPerSample] : Array.from(p.bitsPerSample);
  const bits = p.planarConfiguration === 2 ? perSample[0]! : perSample.reduce((sum, b) => sum + b, 0);
  return Math.ceil((p.tileWidth * bits) / 8) * height;
}

let registered = false;

export function registerDecoders(): void {
  if (registered) return;
  registered = true;
  for (const codec of CODECS) {
    const decoder = class extends CodecDecoder {
      readonly codec = codec;
    };
    addDecoder([...codec.codes], async () => decoder, decoderParameters, false);
  }
}
