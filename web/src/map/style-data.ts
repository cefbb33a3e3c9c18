import { api, must } from '../api/client';
import { storedBand, storedPercentile } from '../../../workers/data-products/statistics';
import type { Bbox, MapLayer, ShownProduct } from './layers';
import {
  PERCENTILES,
  defaultStyle,
  renderOf,
  type BandInfo,
  type BandStats,
  type RasterInfo,
  type RasterStyle,
  type StatsByBand,
} from './style-model';

/** A layer's signed tile token, for viewers without a session (undefined: the session signs the call). */
export type TokenOf = (id: string) => string | undefined;

/** GDAL's type names (the converter's `bands`) in numpy's (TiTiler's `dtype`). */
const DTYPES: Record<string, string> = {
  Byte: 'uint8',
  Int8: 'int8',
  UInt16: 'uint16',
  Int16: 'int16',
  UInt32: 'uint32',
  Int32: 'int32',
  Float32: 'float32',
  Float64: 'float64',
};

/** The converter's band records: { index, dataType, description, colorInterpretation, nodata? }. */
type StoredBand = {
  index: number;
  dataType: string;
  description?: string;
  colorInterpretation?: string;
  nodata?: number | string;
};

const isStoredBand = (b: unknown): b is StoredBand =>
  typeof b === 'object' && b !== null && typeof (b as StoredBand).index === 'number';

function storedInfo(product: ShownProduct): RasterInfo | null {
  const stored = (product.bands ?? []).filter(isStoredBand);
  if (stored.length === 0) return null;
  const nodata = stored[0]?.nodata;
  return {
    dtype: DTYPES[stored[0]!.dataType] ?? stored[0]!.dataType.toLowerCase(),
    bands: stored
      .map((b) => ({
        index: b.index,
        description: b.description ?? '',
        colorInterpretation: (b.colorInterpretation ?? '').toLowerCase(),
      }))
      .filter((b) => b.colorInterpretation !== 'alpha'),
    nodata: nodata === undefined ? null : Number(nodata),
    paletted: stored.some((b) => b.colorInterpretation?.toLowerCase() === 'palette'),
  };
}

/** The parts of GET …/info the style reads (openapi-fetch widens its tuples to arrays). */
interface CogInfo {
  dtype: string;
  colorinterp: string[];
  band_descriptions: string[][];
  nodata_value: number | null;
}

function infoOf(cog: CogInfo): RasterInfo {
  const bands: BandInfo[] = cog.band_descriptions.map(([name, description], i) => ({
    index: Number(name?.slice(1)) || i + 1,
    description: description ?? '',
    colorInterpretation: (cog.colorinterp[i] ?? '').toLowerCase(),
  }));
  return {
    dtype: cog.dtype,
    bands: bands.filter((b) => b.colorInterpretation !== 'alpha'),
    nodata: cog.nodata_value,
    paletted: cog.colorinterp.includes('palette'),
  };
}

const path = (layer: MapLayer, tokenOf: TokenOf) => ({
  path: { dataProductId: layer.id },
  query: { token: tokenOf(layer.id) },
});

/** What a raster holds (and its footprint when the product has none): stored, else from /info. */
export async function rasterInfo(layer: MapLayer, tokenOf: TokenOf): Promise<{ info: RasterInfo; bbox: Bbox | null }> {
  const stored = layer.product ? storedInfo(layer.product) : null;
  if (stored && layer.bbox) return { info: stored, bbox: layer.bbox };
  const cog = await must(api.GET('/data-products/{dataProductId}/info', { params: path(layer, tokenOf) }));
  const bounds = cog.geographic_bounds;
  return { info: stored ?? infoOf(cog), bbox: layer.bbox ?? (bounds?.length === 4 ? (bounds as Bbox) : null) };
}

/** TiTiler's statistics of one band, as openapi-fetch types the answer (tuples widened to arrays). */
export interface ApiBandStats {
  [key: string]: unknown;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  median: number | null;
  valid_pixels: number;
  histogram: number[][];
}

/** The answer's [counts, edges]. */
export const histogramOf = (s: ApiBandStats): [number[], number[]] => [s.histogram[0] ?? [], s.histogram[1] ?? []];

function statsOf(s: ApiBandStats): BandStats {
  const percentiles: Record<number, number> = {};
  for (const p of PERCENTILES) {
    const value = s[`percentile_${p}`];
    if (typeof value === 'number') percentiles[p] = value;
  }
  return {
    min: s.min ?? 0,
    max: s.max ?? 0,
    mean: s.mean ?? 0,
    std: s.std ?? 0,
    histogram: histogramOf(s),
    percentiles,
  };
}

/**
 * The converter's exact statistics (GDAL's 256-bin histogram), read and their percentiles taken as
 * the API's previews take them (workers/data-products/statistics.ts), so both stretch alike.
 */
function storedStats(stats: Record<string, unknown>): StatsByBand | null {
  const out: StatsByBand = {};
  for (const key of Object.keys(stats)) {
    const band = /^b\d+$/.test(key) ? storedBand(stats, Number(key.slice(1))) : null;
    if (!band) return null;
    const percentiles: Record<number, number> = {};
    for (const p of PERCENTILES) {
      const value = storedPercentile(band, p);
      if (value !== null) percentiles[p] = value;
    }
    const { min, max, mean = 0, std = 0, histogram = null } = band;
    out[key] = { min, max, mean, std, histogram, percentiles };
  }
  return Object.keys(out).length ? out : null;
}

export interface StatsRequest {
  expression?: string;
  nodata?: string;
}

/** Statistics asked of the API, once per layer version and request: they do not change under a layer. */
const asked = new Map<string, Promise<StatsByBand>>();

/**
 * A layer's statistics: the stored ones when they answer the question (bands, the file's own nodata),
 * else GET /statistics (bounded server side; percentiles for every stretch, a 64-bin histogram).
 */
export function layerStats(layer: MapLayer, request: StatsRequest, tokenOf: TokenOf): Promise<StatsByBand> {
  const stored =
    !request.expression && !request.nodata && layer.product?.stats ? storedStats(layer.product.stats) : null;
  if (stored) return Promise.resolve(stored);
  const key = JSON.stringify([layer.id, layer.product?.version, request.expression, request.nodata]);
  const cached = asked.get(key);
  if (cached) return cached;
  const query = {
    ...path(layer, tokenOf).query,
    p: PERCENTILES.map(String),
    histogram_bins: 64,
    ...(request.expression ? { expression: request.expression } : {}),
    ...(request.nodata ? { nodata: request.nodata } : {}),
  };
  const loading = must(
    api.GET('/data-products/{dataProductId}/statistics', { params: { path: path(layer, tokenOf).path, query } }),
  ).then((answer) => Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, statsOf(v)])));
  asked.set(key, loading);
  loading.catch(() => asked.delete(key));
  return loading;
}

/** The statistics a style's stretch needs. */
export const statsRequestOf = (style: RasterStyle, expression: string | null): StatsRequest => ({
  ...(style.mode === 'index' && expression ? { expression } : {}),
  ...(style.nodata.trim() ? { nodata: style.nodata.trim() } : {}),
});

/**
 * A raster layer ready for its first tiles: its bands, footprint, default style and the render that
 * follows (a float or 16-bit layer needs its rescale before the tile endpoint will draw it).
 */
export async function prepareRaster(layer: MapLayer, tokenOf: TokenOf): Promise<Partial<MapLayer>> {
  const { info, bbox } = await rasterInfo(layer, tokenOf);
  const style = defaultStyle(info);
  const stats = style.stretch === 'none' ? {} : await layerStats(layer, {}, tokenOf);
  const render = renderOf(style, info, stats);
  if (!render) throw new Error('its statistics could not be read, so it cannot be stretched for display');
  return { raster: info, style, render, bbox };
}
