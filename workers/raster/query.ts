import { z } from '@hono/zod-openapi';
import { ApiError } from '../platform/http/problem';
import type { Cog } from '../engines/raster/cog';
import { tileMatrixSet, type TileMatrixSet } from '../engines/raster/tms';
import { parseFormat, type ImageFormat } from '../engines/raster/image';
import { parseExpression, type Expression } from '../engines/raster/expression';
import { namedColormap, parseColormap } from '../engines/raster/colormaps';
import { fitSize } from '../engines/raster/analysis';
import type { RenderParams } from '../engines/raster/render';

// TiTiler's parameter names, so that its clients work unchanged.

/** A parameter given repeated or comma-separated, as its values. */
export const list = (value: string | string[] | undefined) =>
  value === undefined
    ? []
    : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter((v) => v.length > 0);
export const repeated = z.union([z.string(), z.array(z.string())]).optional();

export const DatasetQuery = z.object({
  token: z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: 'Signed tile token from POST /data-products/{id}/token' }),
  bidx: repeated.openapi({
    description: 'Band indexes (1-based); repeat or comma-separate. Default: every band but alpha.',
  }),
  expression: z
    .string()
    .max(2048)
    .optional()
    .openapi({ description: 'Band math on b1…bn, e.g. (b4-b1)/(b4+b1); `;` separates output bands' }),
  nodata: z.string().max(32).optional().openapi({ description: 'Overrides the nodata value (a number or nan)' }),
  unscale: z.enum(['true', 'false']).default('false').openapi({ description: 'Apply the bands’ scale and offset' }),
  resampling: z.enum(['nearest', 'bilinear', 'cubic']).default('nearest'),
});

export const VisualQuery = z.object({
  rescale: repeated.openapi({ description: 'min,max per band (repeat for several bands)' }),
  colormap_name: z.string().max(64).optional(),
  colormap: z
    .string()
    .max(65536)
    .optional()
    .openapi({ description: 'JSON colormap: {"value": [r,g,b,a]} or [[[min,max],[r,g,b,a]], …]' }),
  return_mask: z.enum(['true', 'false']).default('true').openapi({
    description: 'Alpha from the mask (PNG, WebP). A PNG whose pixels are all opaque has no alpha channel either way.',
  }),
});

export const RenderQuery = DatasetQuery.merge(VisualQuery);

export const ImageQuery = RenderQuery.extend({
  max_size: z.coerce.number().int().min(1).max(4096).default(1024),
  width: z.coerce.number().int().min(1).max(4096).optional(),
  height: z.coerce.number().int().min(1).max(4096).optional(),
});

/** An area's image: its coordinates' CRS and the image's. */
export const AreaQuery = ImageQuery.extend({
  coord_crs: z.string().max(128).default('EPSG:4326'),
  dst_crs: z.string().max(128).optional(),
});

type DatasetParams = z.infer<typeof DatasetQuery> & Partial<z.infer<typeof VisualQuery>>;
export type ImageParams = z.infer<typeof ImageQuery>;

function parseNodata(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text.toLowerCase() === 'nan') return NaN;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ApiError(400, 'validation-error', 'nodata must be a number or nan.');
  return value;
}

export interface Plan {
  /** 0-based bands read from the file. */
  bands: number[];
  expression?: Expression;
  nodata?: number | null;
  render: RenderParams;
}

function rescaleOf(rescale: string | string[] | undefined): Array<[number, number]> | undefined {
  if (list(rescale).length === 0) return undefined;
  return (Array.isArray(rescale) ? rescale : [rescale!]).map((r) => {
    const [lo, hi] = r.split(',').map(Number);
    if (!Number.isFinite(lo) || !Number.isFinite(hi))
      throw new ApiError(400, 'validation-error', `rescale must be min,max (got "${r}").`);
    return [lo!, hi!];
  });
}

/** Everything the query asks of the values, checked against the file. */
export function plan(cog: Cog, query: DatasetParams): Plan {
  const expression = query.expression ? parseExpression(query.expression, cog.bandCount) : undefined;
  const requested = list(query.bidx).map(Number);
  // A band may be named twice (bidx=1&bidx=1&bidx=1 draws gray as RGB), but each is a plane of the window.
  const most = Math.max(3, Math.min(cog.bandCount, 16));
  if (requested.length > most)
    throw new ApiError(400, 'validation-error', `bidx lists ${most} bands at most (the file has ${cog.bandCount}).`);
  if (requested.some((b) => !Number.isInteger(b) || b < 1 || b > cog.bandCount)) {
    throw new ApiError(400, 'validation-error', `bidx must list bands from 1 to ${cog.bandCount}.`);
  }
  const bands =
    expression?.bands ??
    (requested.length > 0
      ? requested.map((b) => b - 1)
      : Array.from({ length: cog.bandCount }, (_, i) => i).filter((i) => i !== cog.alphaBand));
  const rescale = rescaleOf(query.rescale);
  if (query.colormap_name && query.colormap)
    throw new ApiError(400, 'validation-error', 'Give colormap_name or colormap, not both.');
  const colormap = query.colormap_name
    ? { lut: namedColormap(query.colormap_name) }
    : query.colormap
      ? { custom: parseColormap(query.colormap) }
      : undefined;
  return {
    bands,
    expression,
    nodata: parseNodata(query.nodata),
    render: {
      expression,
      unscale: query.unscale === 'true',
      rescale,
      colormap,
      returnMask: query.return_mask !== 'false',
    },
  };
}

/**
 * Whether an image of this plan would take its rescale from the dataset's stored ranges: data that
 * is not 8-bit, drawn as its own bands (no expression, whose values the bands' ranges do not
 * describe), without a rescale of the request's, and without a custom colormap (whose entries are
 * the data's own values) or the file's palette. A named colormap (a ramp over 0–255) still is.
 */
export const takesStoredRescale = (planned: Plan, cog: Cog): boolean =>
  cog.dataType !== 'uint8' &&
  !cog.palette &&
  !planned.expression &&
  !planned.render.rescale &&
  !(planned.render.colormap && 'custom' in planned.render.colormap);

/**
 * The plan with the dataset's stored ranges (per file band, 0-based) as its rescale, where it takes
 * them (`takesStoredRescale`) and every band it draws has one; unchanged otherwise, so that data
 * without statistics keeps its old answer. With `unscale`, the ranges are unscaled as the values are.
 */
export function withStoredRescale(planned: Plan, cog: Cog, ranges: Array<[number, number] | null> | null): Plan {
  if (!ranges || !takesStoredRescale(planned, cog)) return planned;
  const rescale: Array<[number, number]> = [];
  for (const band of planned.bands) {
    const range = ranges[band];
    if (!range) return planned;
    const scale = planned.render.unscale ? (cog.scales[band] ?? 1) : 1;
    const offset = planned.render.unscale ? (cog.offsets[band] ?? 0) : 0;
    const [a, b] = [range[0] * scale + offset, range[1] * scale + offset];
    rescale.push(a <= b ? [a, b] : [b, a]);
  }
  return { ...planned, render: { ...planned.render, rescale } };
}

/** The output bands' names: the expression's, or b1…bn. */
export const bandNames = (planned: Plan): string[] =>
  planned.expression
    ? planned.expression.source.split(';').map((e) => e.trim())
    : planned.bands.map((b) => `b${b + 1}`);

export function parseBbox(text: string): [number, number, number, number] {
  const values = text.split(',').map(Number);
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v)))
    throw new ApiError(400, 'validation-error', 'bbox is minx,miny,maxx,maxy.');
  return values as [number, number, number, number];
}

export function formatOf(text: string | undefined, fallback: ImageFormat = 'png'): ImageFormat {
  if (text === undefined || text === '') return fallback;
  const format = parseFormat(text);
  if (!format) throw new ApiError(400, 'validation-error', `Unknown format .${text}: use png, jpg, jpeg, webp or npy.`);
  return format;
}

/** The extension a format's tiles are asked with. */
export const extensionOf = (format: ImageFormat): string => (format === 'jpeg' ? 'jpg' : format);

export function tmsOf(id: string): TileMatrixSet {
  const tms = tileMatrixSet(id);
  if (!tms) throw new ApiError(404, 'not-found', `Unknown TileMatrixSet ${id}; see /tileMatrixSets.`);
  return tms;
}

/**
 * `preview.png`-style segments: Hono cannot split a parameter inside a segment, so the segment is
 * the parameter and anything but `<name>` or `<name>.<format>` is an unknown route.
 */
export function segment(request: Request, value: string, name: string): string | undefined {
  const match = new RegExp(`^${name}(?:\\.([a-z]+))?$`).exec(value);
  if (!match) throw new ApiError(404, 'not-found', `No route for ${request.method} ${new URL(request.url).pathname}.`);
  return match[1];
}

/** The image's size: width and height as asked, one of them with the other in proportion, or within max_size. */
export function sizeFor(query: ImageParams, naturalWidth: number, naturalHeight: number): [number, number] {
  if (query.width && query.height) return [query.width, query.height];
  if (query.width) return [query.width, Math.max(1, Math.round((query.width * naturalHeight) / naturalWidth))];
  if (query.height) return [Math.max(1, Math.round((query.height * naturalWidth) / naturalHeight)), query.height];
  return fitSize(naturalWidth, naturalHeight, query.max_size);
}
