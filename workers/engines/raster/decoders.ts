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

/**
 * Every TIFF codec, each held to the block's decoded size: a stream that decodes past it (a
 * compression bomb) or declares a larger image is refused before the memory is taken. geotiff's
 * stock LERC, ZSTD and WEBP decoders also fail inside workerd (run-time WebAssembly compilation,
 * createImageBitmap), and JPEG is decoded by libjpeg-turbo to match GDAL.
 */
type Parameters = ConstructorParameters<typeof BaseDecoder>[0] & {
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
 * Bytes `rows` rows of a block decode to (all of them by default): rows of samples, bit-packed
 * ones (masks) rounded up per row, or four bytes a pixel from a browser-style (RGBA) decoder.
 */
export function decodedBytes(decoder: BaseDecoder, rows?: number): number {
  const p = decoder.parameters as Parameters;
  const height = rows ?? p.tileHeight;
  if (decoder instanceof RgbaDecoder) return p.tileWidth * height * 4;
  const perSample = typeof p.bitsPerSample === 'number' ? [p.bitsPerSample] : Array.from(p.bitsPerSample);
  const bits = p.planarConfiguration === 2 ? perSample[0]! : perSample.reduce((sum, b) => sum + b, 0);
  return Math.ceil((p.tileWidth * bits) / 8) * height;
}

/** A decoder that knows the most its block may decode to. */
abstract class BoundedDecoder extends BaseDecoder {
  protected get limit(): number {
    return decodedBytes(this);
  }

  protected refuse(what: string, size: number): never {
    throw new RangeError(`${what} decodes to ${size} bytes, more than the block's ${this.limit}`);
  }
}

class RawDecoder extends BoundedDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    if (buffer.byteLength > this.limit) this.refuse('Uncompressed data', buffer.byteLength);
    return buffer;
  }
}

/** A decoder for a codec that decodes into at most `limit` bytes. */
const bounded = (decode: (bytes: Uint8Array, limit: number) => Uint8Array) =>
  class extends BoundedDecoder {
    override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
      return toBuffer(decode(new Uint8Array(buffer), this.limit));
    }
  };

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

const LzwDecoder = bounded(decodeLzw);
const PackbitsDecoder = bounded(decodePackbits);
const DeflateDecoder = bounded(inflate);
const ZstdDecoder = bounded(unzstd);

const LERC_NONE = 0;
const LERC_DEFLATE = 1;
const LERC_ZSTD = 2;
/** LERC data types of one byte. */
const LERC_CHAR = 0;
const LERC_BYTE = 1;

/** A LERC blob is never much larger than its pixels; past this its inner DEFLATE or ZSTD is a bomb. */
const lercBlobLimit = (limit: number) => 2 * limit + 65536;

class LercDecoder extends BoundedDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    const { LercParameters: lercParameters, planarConfiguration } = this.parameters as Parameters;
    const extra = lercParameters?.[1] ?? LERC_NONE;
    let blob = new Uint8Array(buffer);
    if (extra === LERC_DEFLATE) blob = inflate(blob, lercBlobLimit(this.limit));
    else if (extra === LERC_ZSTD) blob = unzstd(blob, lercBlobLimit(this.limit));
    else if (extra !== LERC_NONE) throw new Error(`unsupported LERC additional compression ${extra}`);
    const extent = lercExtent(blob);
    if (!extent) throw new Error('not a LERC2 blob, or one with a micro block size past 256');
    if (extent.bytes > this.limit) this.refuse('LERC data', extent.bytes);
    // 8-bit LERC is Huffman-coded, and lerc sizes its code table from the blob unchecked.
    if (extent.type === LERC_CHAR || extent.type === LERC_BYTE)
      throw new Error('8-bit LERC is not read: rewrite the file with DEFLATE or ZSTD');
    const decoded = Lerc.decode(toBuffer(blob.subarray(0, extent.end)));
    const pixels = decoded.pixels[0];
    if (!pixels) throw new Error('LERC block holds no pixels');
    const dims = decoded.dimCount ?? 1;
    if (dims <= 1 || planarConfiguration === 2)
      return toBuffer(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    // Several samples per pixel come back one plane after another; TIFF wants them interleaved.
    const n = decoded.width * decoded.height;
    const size = pixels.BYTES_PER_ELEMENT;
    const planes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    const out = new Uint8Array(planes.length);
    for (let d = 0; d < dims; d++) {
      for (let i = 0; i < n; i++)
        out.set(planes.subarray((d * n + i) * size, (d * n + i + 1) * size), (i * dims + d) * size);
    }
    return out.buffer;
  }
}

/**
 * A browser-style decoder: it gives four samples a pixel (RGBA) whatever the block holds, gray
 * repeated, and the reader steps over the extra ones rather than copying them out first.
 */
export abstract class RgbaDecoder extends BoundedDecoder {
  /** Refuses a stream whose image is larger than the block (JPEG pads nothing in a TIFF tile). */
  protected checkSize(size: Size | null, codec: string): void {
    const { tileWidth, tileHeight } = this.parameters as Parameters;
    if (!size) throw new Error(`no ${codec} image size found`);
    if (size.width > tileWidth || size.height > tileHeight)
      this.refuse(`A ${size.width} × ${size.height} ${codec} image`, size.width * size.height * 4);
  }
}

const rgbaBuffer = (rgba: Uint8ClampedArray): ArrayBuffer =>
  toBuffer(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength));

let webpReady: Promise<void> | undefined;

class WebpDecoder extends RgbaDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBuffer> {
    webpReady ??= initWebp(webpWasm);
    await webpReady;
    const stream = new Uint8Array(buffer);
    this.checkSize(webpSize(stream), 'WebP');
    return rgbaBuffer((await decodeWebp(toBuffer(stream))).data);
  }
}

let jpegReady: Promise<void> | undefined;
/** Scans a JPEG tile may have: a progressive one has about 10, a scan bomb thousands. */
const MAX_JPEG_SCANS = 64;

/**
 * JPEG through libjpeg-turbo (mozjpeg's decoder, compiled to WebAssembly): the same IDCT, chroma
 * upsampling and YCbCr conversion as GDAL, so decoded pixels match it exactly, which geotiff's
 * JavaScript decoder does not. TIFF tiles are abbreviated streams: the tables live in JPEGTables.
 */
class JpegDecoder extends RgbaDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBuffer> {
    jpegReady ??= initJpeg(jpegWasm);
    await jpegReady;
    const { JPEGTables: tables } = this.parameters as Parameters;
    let stream = new Uint8Array(buffer);
    if (tables && tables.length > 4) {
      const joined = new Uint8Array(tables.length - 2 + stream.length - 2);
      joined.set(tables.subarray(0, tables.length - 2), 0);
      joined.set(stream.subarray(2), tables.length - 2);
      stream = joined;
    }
    this.checkSize(jpegSize(stream), 'JPEG');
    const scans = jpegScans(stream);
    if (scans > MAX_JPEG_SCANS) throw new RangeError(`a JPEG of ${scans} scans (${MAX_JPEG_SCANS} at most)`);
    return rgbaBuffer((await decodeJpeg(toBuffer(stream))).data);
  }
}

let registered = false;

export function registerDecoders(): void {
  if (registered) return;
  registered = true;
  addDecoder([1, undefined], async () => RawDecoder, decoderParameters, false);
  addDecoder(5, async () => LzwDecoder, decoderParameters, false);
  addDecoder(32773, async () => PackbitsDecoder, decoderParameters, false);
  addDecoder(50000, async () => ZstdDecoder, decoderParameters, false);
  addDecoder(34887, async () => LercDecoder, decoderParameters, false);
  addDecoder(50001, async () => WebpDecoder, decoderParameters, false);
  addDecoder(7, async () => JpegDecoder, decoderParameters, false);
  addDecoder([8, 32946], async () => DeflateDecoder, decoderParameters, false);
}
