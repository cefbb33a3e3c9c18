import type { Samples } from './cog';
import type { Block } from './read';

/** One band's statistics in TiTiler's (rio-tiler's BandStatistics) shape. */
export interface BandStatistics {
  min: number;
  max: number;
  mean: number;
  count: number;
  sum: number;
  std: number;
  median: number;
  majority: number;
  minority: number;
  unique: number;
  histogram: [number[], number[]];
  valid_percent: number;
  masked_pixels: number;
  valid_pixels: number;
  [percentile: `percentile_${number}`]: number;
}

export interface StatisticsOptions {
  percentiles: number[];
  bins: number;
  range?: [number, number];
  /** Values are whole numbers (integer data): exact counts by value, no copy of the pixels. */
  integer: boolean;
}

/**
 * Accumulates one band block by block, so a full-resolution pass never holds the whole image:
 * integer data is counted by value (exact median, percentiles, majority), other data keeps its
 * valid values only.
 */
export class BandAccumulator {
  private count = 0;
  private total = 0;
  private sum = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly counts = new Map<number, number>();
  private values: Float64Array = new Float64Array(1024);
  private used = 0;

  constructor(private readonly integer: boolean) {}

  /** `nodata` is checked per band, as GDAL and rasterio do, on top of the dataset mask. */
  add(values: Samples, mask: Uint8Array, within?: Uint8Array, nodata: number | null = null): void {
    for (let i = 0; i < values.length; i++) {
      if (within && !within[i]) continue;
      this.total++;
      if (!mask[i]) continue;
      const v = values[i]!;
      if (Number.isNaN(v) || v === nodata) continue;
      this.count++;
      this.sum += v;
      // Welford: stable mean and variance over millions of values.
      const delta = v - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (v - this.mean);
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      if (this.integer) this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
      else {
        if (this.used === this.values.length) {
          const grown = new Float64Array(this.values.length * 2);
          grown.set(this.values);
          this.values = grown;
        }
        this.values[this.used++] = v;
      }
    }
  }

  /** numpy's default (linear) percentile of the sorted distinct values with their counts. */
  private percentile(sorted: Array<[number, number]>, p: number): number {
    const rank = (p / 100) * (this.count - 1);
    const lower = Math.floor(rank);
    const fraction = rank - lower;
    const at = (position: number) => {
      let seen = 0;
      for (const [value, n] of sorted) {
        seen += n;
        if (position < seen) return value;
      }
      return sorted[sorted.length - 1]![0];
    };
    const a = at(lower);
    return fraction === 0 ? a : a + (at(lower + 1) - a) * fraction;
  }

  finish(options: StatisticsOptions): BandStatistics {
    let distinct: Array<[number, number]>;
    if (this.integer) distinct = [...this.counts].sort((a, b) => a[0] - b[0]);
    else {
      const sorted = this.values.subarray(0, this.used).sort();
      distinct = [];
      for (const v of sorted) {
        const last = distinct[distinct.length - 1];
        if (last && last[0] === v) last[1]++;
        else distinct.push([v, 1]);
      }
    }
    const empty = this.count === 0;
    let majority = NaN,
      minority = NaN,
      most = -1,
      least = Infinity;
    for (const [value, n] of distinct) {
      if (n > most) [most, majority] = [n, value];
      if (n < least) [least, minority] = [n, value];
    }
    const [lo, hi] = options.range ?? [this.min, this.max];
    const bins = options.bins;
    const counts = new Array<number>(bins).fill(0);
    const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
    if (!empty) {
      for (const [value, n] of distinct) {
        if (value < lo || value > hi) continue;
        const bin = hi === lo ? 0 : Math.min(bins - 1, Math.floor(((value - lo) / (hi - lo)) * bins));
        counts[bin]! += n;
      }
    }
    const stats: BandStatistics = {
      min: empty ? NaN : this.min,
      max: empty ? NaN : this.max,
      mean: empty ? NaN : this.mean,
      count: this.count,
      sum: this.sum,
      std: empty ? NaN : Math.sqrt(this.m2 / this.count),
      median: empty ? NaN : this.percentile(distinct, 50),
      majority,
      minority,
      unique: distinct.length,
      histogram: [counts, edges],
      valid_percent: this.total === 0 ? 0 : Math.round((this.count / this.total) * 10000) / 100,
      masked_pixels: this.total - this.count,
      valid_pixels: this.count,
    };
    for (const p of options.percentiles) stats[`percentile_${p}`] = empty ? NaN : this.percentile(distinct, p);
    return stats;
  }
}

export function accumulate(
  accumulators: BandAccumulator[],
  block: Block,
  within?: Uint8Array,
  nodata: number | null = null,
): void {
  block.bands.forEach((band, i) => accumulators[i]!.add(band, block.mask, within, nodata));
}

/**
 * The `p`th percentile (0–100) of the values a histogram counts (`[counts, edges]`, rio-tiler's
 * shape, as `gdalinfo -hist` gives it): the value below which p % of them lie, taking the values of
 * a bucket as spread evenly across it. Null for an empty or malformed histogram.
 */
export function histogramPercentile([counts, edges]: [number[], number[]], p: number): number | null {
  if (edges.length !== counts.length + 1) return null;
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (!(total > 0)) return null;
  const rank = (p / 100) * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0 && below + n >= rank) return edges[i]! + ((rank - below) / n) * (edges[i + 1]! - edges[i]!);
    below += n;
  }
  return edges[edges.length - 1]!;
}
