import { histogramPercentile } from '../engines/raster/statistics';

/**
 * A band's statistics as a data product stores them (`stats.b1`, `stats.b2`, …, TiTiler's keys):
 * the converter writes them from `gdalinfo -stats -hist` of the COG, exact and at full resolution;
 * a manager may also write them by hand (PATCH), so every member is checked before it is used.
 */
export interface StoredBand {
  min: number;
  max: number;
  mean?: number;
  std?: number;
  valid_percent?: number;
  /** Counts per bucket, then the buckets' edges (one more). */
  histogram?: [number[], number[]];
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isNumbers = (value: unknown): value is number[] => Array.isArray(value) && value.every(isNumber);

function histogramOf(value: unknown): [number[], number[]] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [counts, edges] = value as unknown[];
  return isNumbers(counts) && isNumbers(edges) && edges.length === counts.length + 1 ? [counts, edges] : undefined;
}

/** Band `band`'s (1-based) stored statistics, if they hold at least a finite min and max. */
export function storedBand(stats: Record<string, unknown> | null, band: number): StoredBand | null {
  const entry = stats?.[`b${band}`];
  if (typeof entry !== 'object' || entry === null) return null;
  const s = entry as Record<string, unknown>;
  if (!isNumber(s.min) || !isNumber(s.max)) return null;
  const histogram = histogramOf(s.histogram);
  return {
    min: s.min,
    max: s.max,
    ...(isNumber(s.mean) ? { mean: s.mean } : {}),
    ...(isNumber(s.std) ? { std: s.std } : {}),
    ...(isNumber(s.valid_percent) ? { valid_percent: s.valid_percent } : {}),
    ...(histogram ? { histogram } : {}),
  };
}

/** The percentiles a default stretch spans: TiTiler's statistics report these two by default. */
const STRETCH = { low: 2, high: 98 };

/**
 * The values a band is stretched over when an image of it names no `rescale`: from its 2nd to its
 * 98th percentile, read off the stored histogram (a few outliers, a spike of a DSM, do not flatten
 * the rest to one grey), or from its min to its max where no histogram was stored or the
 * percentiles leave no span.
 */
export function displayRange(band: StoredBand): [number, number] {
  if (band.histogram) {
    // GDAL's buckets reach half a bucket past the data on either side; the stretch stays within it.
    const clamp = (v: number | null) => (v === null ? null : Math.min(band.max, Math.max(band.min, v)));
    const low = clamp(histogramPercentile(band.histogram, STRETCH.low));
    const high = clamp(histogramPercentile(band.histogram, STRETCH.high));
    if (low !== null && high !== null && low < high) return [low, high];
  }
  return [band.min, band.max];
}
