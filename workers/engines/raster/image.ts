import encodeJpeg, { init as initJpeg } from '@jsquash/jpeg/encode';
import encodeWebp, { init as initWebp } from '@jsquash/webp/encode';
import jpegWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm';
import webpWasm from '@jsquash/webp/codec/enc/webp_enc_simd.wasm';
import type { DataType, Samples } from './cog';
import { encodeNpy, encodePngBands, encodePngRgba } from './encode';
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

/**
 * Pixels ready for an image format: 1 or 3 bands of 8-bit (or, for PNG, 16-bit) values, laid out
 * only as the image is written, with a validity mask; or RGBA already coloured by a colormap or
 * the file's palette, alpha included.
 */
export type Visual =
  | { width: number; height: number; bands: Samples[]; depth: 8 | 16; mask: Uint8Array }
  | { width: number; height: number; rgba: Uint8Array };

/**
 * Turns values into displayable pixels without changing their type behind the caller's back: 8-bit
 * data stays 8-bit, 16-bit unsigned data becomes 16-bit PNG, anything else needs `rescale` or a
 * colormap. So every tile of a layer has one output type (TiTiler #1196).
 */
export function toVisual(
  block: Block,
  dataType: DataType,
  palette: Array<[number, number, number, number]> | null,
): Visual {
  const n = block.width * block.height;
  if (palette && block.bands.length === 1) {
    const rgba = new Uint8Array(n * 4);
    const values = block.bands[0]!;
    for (let i = 0; i < n; i++) {
      const entry = palette[values[i]!] ?? [0, 0, 0, 0];
      rgba.set(entry, i * 4);
      if (!block.mask[i]) rgba[i * 4 + 3] = 0;
    }
    return { width: block.width, height: block.height, rgba };
  }
  if (block.bands.length !== 1 && block.bands.length !== 3) {
    throw new RasterError(
      400,
      `Images need 1 or 3 bands, not ${block.bands.length}: choose them with bidx (or an expression).`,
    );
  }
  if (dataType !== 'uint8' && dataType !== 'uint16') {
    throw new RasterError(
      400,
      `${dataType} data needs rescale=min,max (or a colormap) to become an image; use .npy for raw values.`,
    );
  }
  return {
    width: block.width,
    height: block.height,
    bands: block.bands,
    depth: dataType === 'uint16' ? 16 : 8,
    mask: block.mask,
  };
}

/** RGBA for the encoders that take only 8 bits: gray repeated, 16-bit values cut to their high byte. */
function toRgba8(visual: Visual): Uint8Array {
  if ('rgba' in visual) return visual.rgba;
  const { bands, depth, mask } = visual;
  const n = visual.width * visual.height;
  const shift = depth === 16 ? 8 : 0;
  const out = new Uint8Array(n * 4);
  for (let c = 0; c < 3; c++) {
    const band = bands[bands.length === 1 ? 0 : c]!;
    for (let i = 0, o = c; i < n; i++, o += 4) out[o] = band[i]! >> shift;
  }
  for (let i = 0, o = 3; i < n; i++, o += 4) out[o] = mask[i] ? 255 : 0;
  return out;
}

/** Whether some pixel of RGBA is less than opaque. */
function translucent(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

let jpegReady: Promise<unknown> | undefined;
let webpReady: Promise<unknown> | undefined;

type EncoderInput = Parameters<typeof encodeJpeg>[0];

/** The encoders want an ImageData, which workerd lacks; they read only these fields. */
const imageData = (data: Uint8Array, width: number, height: number): EncoderInput =>
  ({
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    width,
    height,
    colorSpace: 'srgb',
  }) as EncoderInput;

export interface EncodeOptions {
  /** Keep an alpha channel from the mask (PNG, WebP); JPEG has none. */
  returnMask: boolean;
}

/**
 * A PNG has an alpha channel only where some pixel is not opaque: a tile wholly covered by data
 * looks the same without one, and is encoded in less time to fewer bytes.
 */
export async function encodeVisual(
  visual: Visual,
  format: Exclude<ImageFormat, 'npy'>,
  options: EncodeOptions,
): Promise<Uint8Array> {
  const { width, height } = visual;
  if (format === 'png') {
    if ('rgba' in visual)
      return encodePngRgba(visual.rgba, width, height, options.returnMask && translucent(visual.rgba));
    return encodePngBands(
      visual.bands,
      visual.depth,
      width,
      height,
      options.returnMask && visual.mask.includes(0) ? visual.mask : undefined,
    );
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

export { encodeNpy };
