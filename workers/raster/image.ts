import encodeJpeg, { init as initJpeg } from '@jsquash/jpeg/encode';
import encodeWebp, { init as initWebp } from '@jsquash/webp/encode';
import jpegWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm';
import webpWasm from '@jsquash/webp/codec/enc/webp_enc_simd.wasm';
import type { DataType } from './cog';
import { encodeNpy, encodePng } from './encode';
import type { Block } from './read';
import { RasterError } from './errors';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'npy';

export const MEDIA_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  npy: 'application/x-binary',
};

export function parseFormat(value: string | undefined): ImageFormat | null {
  if (value === undefined) return null;
  const format = value.toLowerCase() === 'jpg' ? 'jpeg' : value.toLowerCase();
  return format in MEDIA_TYPES ? (format as ImageFormat) : null;
}

/** Pixels ready for an image format: 8-bit (or 16-bit for PNG) interleaved samples plus alpha. */
export interface Visual {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB) colour channels, before alpha. */
  channels: 1 | 3;
  pixels: Uint8Array | Uint16Array;
  alpha: Uint8Array;
}

/**
 * Turns values into displayable pixels without changing their type behind the caller's back: 8-bit
 * data stays 8-bit, 16-bit unsigned data becomes 16-bit PNG, anything else needs `rescale` or a
 * colormap. So every tile of a layer has one output type (TiTiler #1196).
 */
export function toVisual(block: Block, dataType: DataType, palette: Array<[number, number, number, number]> | null): Visual & { rgba?: Uint8Array } {
  const n = block.width * block.height;
  if (palette && block.bands.length === 1) {
    const rgba = new Uint8Array(n * 4);
    const values = block.bands[0]!;
    for (let i = 0; i < n; i++) {
      const entry = palette[values[i]!] ?? [0, 0, 0, 0];
      rgba.set(entry, i * 4);
      if (!block.mask[i]) rgba[i * 4 + 3] = 0;
    }
    return { width: block.width, height: block.height, channels: 3, pixels: rgba, alpha: block.mask, rgba };
  }
  if (block.bands.length !== 1 && block.bands.length !== 3) {
    throw new RasterError(400, `Images need 1 or 3 bands, not ${block.bands.length}: choose them with bidx (or an expression).`);
  }
  const wide = dataType === 'uint16';
  if (dataType !== 'uint8' && !wide) {
    throw new RasterError(400, `${dataType} data needs rescale=min,max (or a colormap) to become an image; use .npy for raw values.`);
  }
  const channels = block.bands.length as 1 | 3;
  const pixels = wide ? quantize(block.bands, new Uint16Array(n * channels), 65535) : quantize(block.bands, new Uint8Array(n * channels), 255);
  return { width: block.width, height: block.height, channels, pixels, alpha: block.mask };
}

/** Bands interleaved into `out`, rounded half up (as GDAL writes resampled values) and clamped to 0…max. */
function quantize<T extends Uint8Array | Uint16Array>(bands: Float64Array[], out: T, max: number): T {
  const channels = bands.length;
  for (let c = 0; c < channels; c++) {
    const band = bands[c]!;
    for (let i = 0, o = c; i < band.length; i++, o += channels) {
      const v = Math.floor(band[i]! + 0.5);
      out[o] = v < 0 ? 0 : v > max ? max : v;
    }
  }
  return out;
}

function toRgba8(visual: Visual & { rgba?: Uint8Array }): Uint8Array {
  if (visual.rgba) return visual.rgba;
  const n = visual.width * visual.height;
  const out = new Uint8Array(n * 4);
  const shift = visual.pixels instanceof Uint16Array ? 8 : 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = visual.pixels[i * visual.channels + (visual.channels === 1 ? 0 : c)]! >> shift;
    out[i * 4 + 3] = visual.alpha[i] ? 255 : 0;
  }
  return out;
}

let jpegReady: Promise<unknown> | undefined;
let webpReady: Promise<unknown> | undefined;

type EncoderInput = Parameters<typeof encodeJpeg>[0];

/** The encoders want an ImageData, which workerd lacks; they read only these fields. */
const imageData = (data: Uint8Array, width: number, height: number): EncoderInput =>
  ({ data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height, colorSpace: 'srgb' }) as EncoderInput;

export interface EncodeOptions {
  /** Keep an alpha channel from the mask (PNG, WebP); JPEG has none. */
  returnMask: boolean;
}

export async function encodeVisual(visual: Visual & { rgba?: Uint8Array }, format: Exclude<ImageFormat, 'npy'>, options: EncodeOptions): Promise<Uint8Array> {
  const { width, height } = visual;
  if (format === 'png') {
    if (visual.rgba) return encodePng(options.returnMask ? visual.rgba : dropAlpha(visual.rgba), width, height, options.returnMask ? 4 : 3);
    return encodePng(visual.pixels, width, height, visual.channels, options.returnMask ? visual.alpha : undefined);
  }
  const rgba = toRgba8(visual);
  if (format === 'jpeg') {
    jpegReady ??= initJpeg(jpegWasm);
    await jpegReady;
    return new Uint8Array(await encodeJpeg(imageData(rgba, width, height), { quality: 85 }));
  }
  webpReady ??= initWebp(webpWasm);
  await webpReady;
  if (!options.returnMask) for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return new Uint8Array(await encodeWebp(imageData(rgba, width, height), { quality: 85 }));
}

function dropAlpha(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) out.set(rgba.subarray(i, i + 3), j);
  return out;
}

export { encodeNpy };
