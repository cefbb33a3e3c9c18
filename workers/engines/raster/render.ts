import { SAMPLE_ARRAYS, type Cog, type DataType } from './cog';
import type { Block } from './read';
import type { Expression } from './expression';
import { lookupCustom, type CustomColormap, type Lut } from './colormaps';
import { MEDIA_TYPES, encodeNpy, encodeVisual, toVisual, type ImageFormat, type Visual } from './image';
import { RasterError } from './errors';

/** TiTiler's post-processing parameters, applied in its order: unscale, expression, rescale, colormap. */
export interface RenderParams {
  expression?: Expression;
  unscale?: boolean;
  rescale?: Array<[number, number]>;
  colormap?: { lut: Lut } | { custom: CustomColormap };
  returnMask?: boolean;
}

export interface Processed {
  block: Block;
  dataType: DataType;
  /** The file's own palette still applies (one band, values untouched). */
  palette: Cog['palette'];
}

/** Values as the request asks for them: read bands (0-based) → output bands. */
export function process(block: Block, cog: Cog, bands: number[], params: RenderParams): Processed {
  let values = block.bands;
  let mask = block.mask;
  let dataType = cog.dataType;
  const n = block.width * block.height;
  if (params.unscale) {
    values = values.map((band, i) => {
      const scale = cog.scales[bands[i]!] ?? 1;
      const offset = cog.offsets[bands[i]!] ?? 0;
      return scale === 1 && offset === 0 ? band : Float64Array.from(band, (v) => v * scale + offset);
    });
    if (values.some((v, i) => v !== block.bands[i])) dataType = 'float64';
  }
  if (params.expression) {
    const { outputs } = params.expression;
    const pixel = new Float64Array(cog.bandCount);
    const results = outputs.map(() => new Float64Array(n));
    mask = new Uint8Array(mask);
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      for (let b = 0; b < bands.length; b++) pixel[bands[b]!] = values[b]![i]!;
      for (let o = 0; o < outputs.length; o++) {
        const value = outputs[o]!(pixel);
        results[o]![i] = value;
        if (!Number.isFinite(value)) mask[i] = 0;
      }
    }
    values = results;
    dataType = 'float64';
  }
  const untouched = !params.unscale && !params.expression && values.length === 1;
  return {
    block: { width: block.width, height: block.height, bands: values, mask },
    dataType,
    palette: untouched ? cog.palette : null,
  };
}

function rescale(processed: Processed, ranges: Array<[number, number]>): Processed {
  const bands = processed.block.bands.map((band, i) => {
    const [lo, hi] = ranges[i] ?? ranges[0]!;
    const span = hi - lo || 1;
    return Uint8Array.from(band, (v) => {
      const q = Math.round(((v - lo) / span) * 255);
      // NaN (a masked pixel's result) becomes 0: uint8 holds nothing else.
      return q > 0 ? (q < 255 ? q : 255) : 0;
    });
  });
  return { block: { ...processed.block, bands }, dataType: 'uint8', palette: null };
}

function colorize(processed: Processed, colormap: NonNullable<RenderParams['colormap']>): Visual {
  const { block } = processed;
  if (block.bands.length !== 1)
    throw new RasterError(
      400,
      `A colormap applies to one band, not ${block.bands.length}: choose it with bidx or an expression.`,
    );
  const n = block.width * block.height;
  const values = block.bands[0]!;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    if (!block.mask[i]) continue;
    if ('lut' in colormap) {
      const index = Math.min(255, Math.max(0, Math.round(values[i]!)));
      rgba.set(colormap.lut.subarray(index * 4, index * 4 + 4), i * 4);
    } else {
      rgba.set(lookupCustom(colormap.custom, values[i]!), i * 4);
    }
  }
  return { width: block.width, height: block.height, rgba };
}

/**
 * Bytes a rendering holds per output pixel, at most: the bands read, what unscale and an
 * expression make of them, and the image's own (RGBA or PNG rows, and the encoded file).
 */
export function renderBytesPerPixel(cog: Cog, bands: number[], params: RenderParams, format: ImageFormat): number {
  const outputs = params.expression?.outputs.length ?? bands.length;
  let bytes = bands.length * SAMPLE_ARRAYS[cog.dataType].BYTES_PER_ELEMENT + 1;
  if (params.unscale) bytes += bands.length * 8;
  if (params.expression) bytes += outputs * 8 + 1;
  if (format === 'npy') return bytes + outputs * 8 + 1;
  if (params.rescale) bytes += outputs;
  return bytes + 4 + (outputs * 2 + 1) * 2;
}

export interface Rendered {
  body: Uint8Array;
  contentType: string;
}

export async function render(
  block: Block,
  cog: Cog,
  bands: number[],
  params: RenderParams,
  format: ImageFormat,
): Promise<Rendered> {
  let processed = process(block, cog, bands, params);
  if (format === 'npy') {
    const { block: out, dataType } = processed;
    return { body: encodeNpy(out.bands, out.mask, out.width, out.height, dataType), contentType: MEDIA_TYPES.npy };
  }
  if (params.rescale && params.rescale.length > 0) processed = rescale(processed, params.rescale);
  if (format !== 'png' && processed.dataType === 'uint16' && !params.colormap && !processed.palette) {
    throw new RasterError(400, `16-bit data fits PNG only; for ${format} give rescale=min,max.`);
  }
  const visual = params.colormap
    ? colorize(processed, params.colormap)
    : toVisual(processed.block, processed.dataType, processed.palette);
  return {
    body: await encodeVisual(visual, format, { returnMask: params.returnMask ?? true }),
    contentType: MEDIA_TYPES[format],
  };
}

export interface RampSize {
  width: number;
  height: number;
  vertical: boolean;
}

/**
 * A colormap as TiTiler draws it: its 256 entries along the image (left to right, or top to bottom),
 * stretched or squeezed to the size by nearest neighbour at pixel centres, as GDAL resamples.
 */
export async function renderRamp(lut: Lut, size: RampSize, format: ImageFormat): Promise<Rendered> {
  const { width, height, vertical } = size;
  const length = vertical ? height : width;
  // One 32-bit word a pixel: a row (or a column's colour) is copied whole rather than byte by byte.
  const entries = new Uint32Array(new Uint8Array(lut).buffer);
  const line = Uint32Array.from({ length }, (_, p) => entries[Math.min(255, Math.floor(((p + 0.5) * 256) / length))]!);
  const pixels = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    if (vertical) pixels.fill(line[y]!, y * width, (y + 1) * width);
    else pixels.set(line, y * width);
  }
  const rgba = new Uint8Array(pixels.buffer);
  if (format === 'npy') {
    const n = width * height;
    const plane = (c: number) => Uint8Array.from({ length: n }, (_, i) => rgba[i * 4 + c]!);
    // rio-tiler writes the colours, then the colormap's alpha as the mask: 255 throughout, the tables being opaque.
    const mask = Uint8Array.from({ length: n }, (_, i) => (rgba[i * 4 + 3] ? 1 : 0));
    return {
      body: encodeNpy([plane(0), plane(1), plane(2)], mask, width, height, 'uint8'),
      contentType: MEDIA_TYPES.npy,
    };
  }
  return {
    body: await encodeVisual({ width, height, rgba }, format, { returnMask: true }),
    contentType: MEDIA_TYPES[format],
  };
}
