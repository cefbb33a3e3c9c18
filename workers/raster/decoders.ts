import { addDecoder, BaseDecoder } from 'geotiff';
import type { ImageFileDirectory } from 'geotiff';
import { inflate } from 'pako';
import { decompress as zstdDecompress } from 'fzstd';
// Pure-JS LERC (lerc 2.x): workerd refuses to compile WebAssembly from bytes, which lerc 3+ does.
import Lerc from 'lerc';
import decodeWebp, { init as initWebp } from '@jsquash/webp/decode';
// Bundled as a compiled WebAssembly.Module, the one form workerd lets code instantiate.
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';

/**
 * geotiff's stock LERC, ZSTD and WEBP decoders fail inside workerd (run-time WebAssembly
 * compilation, createImageBitmap); these replace them. The others (none, DEFLATE, LZW, JPEG,
 * PackBits) are geotiff's own, pure JS.
 */
type Parameters = ConstructorParameters<typeof BaseDecoder>[0] & {
  samplesPerPixel: number;
  LercParameters?: number[];
};

async function decoderParameters(fd: ImageFileDirectory): Promise<Parameters> {
  const tiled = !fd.hasTag('StripOffsets');
  const height = (await fd.loadValue('ImageLength')) as number;
  return {
    tileWidth: (await fd.loadValue(tiled ? 'TileWidth' : 'ImageWidth')) as number,
    tileHeight: tiled ? ((await fd.loadValue('TileLength')) as number) : (((await fd.loadValue('RowsPerStrip')) as number | undefined) ?? height),
    planarConfiguration: ((await fd.loadValue('PlanarConfiguration')) as number | undefined) ?? 1,
    bitsPerSample: (await fd.loadValue('BitsPerSample')) as number[],
    predictor: ((await fd.loadValue('Predictor')) as number | undefined) ?? 1,
    samplesPerPixel: ((await fd.loadValue('SamplesPerPixel')) as number | undefined) ?? 1,
    LercParameters: fd.hasTag('LercParameters') ? ((await fd.loadValue('LercParameters')) as number[]) : undefined,
  };
}

const toBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;

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
    if (extra === LERC_DEFLATE) blob = inflate(blob);
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

let webpReady: Promise<void> | undefined;

class WebpDecoder extends BaseDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBuffer> {
    webpReady ??= initWebp(webpWasm);
    await webpReady;
    const image = await decodeWebp(toBuffer(new Uint8Array(buffer)));
    const samples = (this.parameters as Parameters).samplesPerPixel;
    if (samples === 4) return toBuffer(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
    const rgba = image.data;
    const n = image.width * image.height;
    const out = new Uint8Array(n * samples);
    for (let i = 0; i < n; i++) for (let s = 0; s < samples; s++) out[i * samples + s] = rgba[i * 4 + s]!;
    return out.buffer;
  }
}

let registered = false;

export function registerDecoders(): void {
  if (registered) return;
  registered = true;
  addDecoder(50000, async () => ZstdDecoder, decoderParameters, false);
  addDecoder(34887, async () => LercDecoder, decoderParameters, false);
  addDecoder(50001, async () => WebpDecoder, decoderParameters, false);
}
