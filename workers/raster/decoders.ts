import { addDecoder, BaseDecoder } from 'geotiff';
import type { ImageFileDirectory } from 'geotiff';
import { inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
// Pure-JS LERC (lerc 2.x): workerd refuses to compile WebAssembly from bytes, which lerc 3+ does.
import Lerc from 'lerc';
import decodeWebp, { init as initWebp } from '@jsquash/webp/decode';
import decodeJpeg, { init as initJpeg } from '@jsquash/jpeg/decode';
// Bundled as compiled WebAssembly.Modules, the one form workerd lets code instantiate.
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import jpegWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm';

/**
 * geotiff's stock LERC, ZSTD and WEBP decoders fail inside workerd (run-time WebAssembly
 * compilation, createImageBitmap); these replace them, and JPEG is decoded by libjpeg-turbo to match
 * GDAL. The others (none, DEFLATE, LZW, PackBits) are geotiff's own, pure JS.
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
    tileHeight: tiled ? ((await fd.loadValue('TileLength')) as number) : (((await fd.loadValue('RowsPerStrip')) as number | undefined) ?? height),
    planarConfiguration: ((await fd.loadValue('PlanarConfiguration')) as number | undefined) ?? 1,
    bitsPerSample: (await fd.loadValue('BitsPerSample')) as number[],
    predictor: ((await fd.loadValue('Predictor')) as number | undefined) ?? 1,
    LercParameters: fd.hasTag('LercParameters') ? ((await fd.loadValue('LercParameters')) as number[]) : undefined,
    JPEGTables: fd.hasTag('JPEGTables') ? ((await fd.loadValue('JPEGTables')) as Uint8Array) : undefined,
  };
}

/**
 * The bytes as an ArrayBuffer of their own. A copy is made with the Uint8Array constructor: node:zlib
 * returns a Buffer, whose slice() is a view on a shared pool, not a copy.
 */
const toBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : new Uint8Array(bytes).buffer;

/**
 * DEFLATE through the runtime's native zlib (node:zlib, synchronous) instead of geotiff's pako:
 * several times faster on the tiles of a typical COG, and no stream set up per tile.
 */
class DeflateDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    return toBuffer(inflateSync(new Uint8Array(buffer)));
  }
}

class ZstdDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    return toBuffer(zstdDecompress(new Uint8Array(buffer)));
  }
}

const LERC_NONE = 0;
const LERC_DEFLATE = 1;
const LERC_ZSTD = 2;

class LercDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBuffer {
    const { LercParameters: lercParameters, planarConfiguration } = this.parameters as Parameters;
    const extra = lercParameters?.[1] ?? LERC_NONE;
    let blob = new Uint8Array(buffer);
    if (extra === LERC_DEFLATE) blob = inflateSync(blob);
    else if (extra === LERC_ZSTD) blob = zstdDecompress(blob);
    else if (extra !== LERC_NONE) throw new Error(`unsupported LERC additional compression ${extra}`);
    const decoded = Lerc.decode(toBuffer(blob));
    const pixels = decoded.pixels[0];
    if (!pixels) throw new Error('LERC block holds no pixels');
    const dims = decoded.dimCount ?? 1;
    if (dims <= 1 || planarConfiguration === 2) return toBuffer(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    // Several samples per pixel come back one plane after another; TIFF wants them interleaved.
    const n = decoded.width * decoded.height;
    const size = pixels.BYTES_PER_ELEMENT;
    const planes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    const out = new Uint8Array(planes.length);
    for (let d = 0; d < dims; d++) {
      for (let i = 0; i < n; i++) out.set(planes.subarray((d * n + i) * size, (d * n + i + 1) * size), (i * dims + d) * size);
    }
    return out.buffer;
  }
}

/**
 * A browser-style decoder: it gives four samples a pixel (RGBA) whatever the block holds, gray
 * repeated, and the reader steps over the extra ones rather than copying them out first.
 */
export abstract class RgbaDecoder extends BaseDecoder {}

const rgbaBuffer = (rgba: Uint8ClampedArray): ArrayBuffer => toBuffer(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength));

let webpReady: Promise<void> | undefined;

class WebpDecoder extends RgbaDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBuffer> {
    webpReady ??= initWebp(webpWasm);
    await webpReady;
    return rgbaBuffer((await decodeWebp(toBuffer(new Uint8Array(buffer)))).data);
  }
}

let jpegReady: Promise<void> | undefined;

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
    return rgbaBuffer((await decodeJpeg(toBuffer(stream))).data);
  }
}

let registered = false;

export function registerDecoders(): void {
  if (registered) return;
  registered = true;
  addDecoder(50000, async () => ZstdDecoder, decoderParameters, false);
  addDecoder(34887, async () => LercDecoder, decoderParameters, false);
  addDecoder(50001, async () => WebpDecoder, decoderParameters, false);
  addDecoder(7, async () => JpegDecoder, decoderParameters, false);
  addDecoder([8, 32946], async () => DeflateDecoder, decoderParameters, false);
}
