import proj4 from 'proj4';
import { INTEGER_RANGES, SAMPLE_ARRAYS, type Cog, type DataType, type Level } from './cog';
import type { Block, Window } from './read';

export type Resampling = 'nearest' | 'bilinear' | 'cubic';

/** A north-up output grid in some CRS (a tile, a bbox, a preview). */
export interface Grid {
  proj4: string;
  bounds: [number, number, number, number];
  width: number;
  height: number;
}

type Transform = (x: number, y: number) => [number, number];

const converters = new Map<string, Transform>();

/** dst CRS → src CRS point transform; identity when both name the same CRS. */
export function transformer(from: string, to: string): Transform {
  const key = `${from}\u0000${to}`;
  let fn = converters.get(key);
  if (!fn) {
    if (from === to) fn = (x, y) => [x, y];
    else {
      const converter = proj4(from, to);
      fn = (x, y) => {
        const p = converter.forward([x, y]);
        return [p[0]!, p[1]!];
      };
    }
    converters.set(key, fn);
  }
  return fn;
}

/** The dataset CRS as a proj4 string, or the EPSG name proj4js knows, so identical CRSs compare equal. */
export function cogProj4(cog: Cog): string {
  if (cog.crs.epsg === 3857) return 'EPSG:3857';
  if (cog.crs.epsg === 4326) return 'EPSG:4326';
  return cog.crs.proj4;
}

/** Samples the edges of a box through a transform: the bounds of its image, finite points only. */
export function transformBounds(bounds: [number, number, number, number], transform: Transform, steps = 20): [number, number, number, number] | null {
  const [minx, miny, maxx, maxy] = bounds;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    for (const [x, y] of [[minx + (maxx - minx) * t, miny], [minx + (maxx - minx) * t, maxy], [minx, miny + (maxy - miny) * t], [maxx, miny + (maxy - miny) * t]] as const) {
      const [px, py] = transform(x, y);
      if (Number.isFinite(px) && Number.isFinite(py)) {
        xs.push(px);
        ys.push(py);
      }
    }
  }
  if (xs.length === 0) return null;
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

const naturalResolutions = new WeakMap<Cog, Map<string, number>>();

/**
 * The output pixel size GDAL would suggest for the whole dataset in `dstProj4`
 * (GDALSuggestedWarpOutput2: the diagonal of the reprojected extent over the pixel diagonal).
 */
export function naturalResolution(cog: Cog, dstProj4: string): number {
  let perCrs = naturalResolutions.get(cog);
  if (!perCrs) naturalResolutions.set(cog, (perCrs = new Map()));
  let res = perCrs.get(dstProj4);
  if (res === undefined) {
    const extent = transformBounds(cog.bounds, transformer(cogProj4(cog), dstProj4));
    res = extent ? Math.hypot(extent[2] - extent[0], extent[3] - extent[1]) / Math.hypot(cog.width, cog.height) : cog.levels[0]!.resX;
    perCrs.set(dstProj4, res);
  }
  return res;
}

/** GDAL's `-ovr AUTO`: the coarsest overview still finer than the output, with a 0.1 tolerance. */
export function chooseLevel(cog: Cog, grid: Grid): Level {
  const dstRes = (grid.bounds[2] - grid.bounds[0]) / grid.width;
  const targetRatio = dstRes / naturalResolution(cog, grid.proj4);
  const levels = cog.levels;
  if (!(targetRatio > 1) || levels.length === 1) return levels[0]!;
  const ratio = (i: number) => cog.width / levels[i]!.width;
  let i = 0;
  for (; i < levels.length - 1; i++) {
    if (ratio(i) < targetRatio && ratio(i + 1) > targetRatio) break;
    if (Math.abs(ratio(i) - targetRatio) < 0.1) break;
  }
  return levels[i]!;
}

/** Where each output pixel centre falls in the level's pixel space (NaN where it does not map). */
export interface Mapping {
  level: Level;
  xs: Float64Array;
  ys: Float64Array;
  /** Source pixels the mapping touches, with room for the resampling kernel. */
  window: Window | null;
}

/** GDAL's default error threshold for its approximate transformer, in source pixels. */
const MAX_ERROR = 0.125;

/** Output pixel (x, y) → level pixel, written to `at`; false where the projection has no answer. */
type PixelTransform = (x: number, y: number, at: Float64Array) => boolean;

/**
 * One output row through GDAL's approximate transformer (GDALApproxTransform): transform the
 * first, middle and last points exactly, interpolate linearly in between when the middle is
 * within MAX_ERROR of the line, else split in two and recurse. Matching it, not just the exact
 * projection, is what makes nearest-neighbour tiles agree with gdalwarp pixel for pixel.
 * It also gathers the extent of the points that fall in `box` (the level and the kernel's margin),
 * a linear run by its ends alone when both are inside: the box is convex, so the points between
 * are too. State in fields and results in the typed arrays, no closures per row: this runs for
 * every row of every tile.
 */
class RowApproximator {
  private readonly point = new Float64Array(2);
  private xs!: Float64Array;
  private ys!: Float64Array;
  private offset = 0;
  private py = 0;
  /** The extent of the points inside the box so far: minX, minY, maxX, maxY. */
  private readonly extent = Float64Array.of(Infinity, Infinity, -Infinity, -Infinity);

  constructor(private readonly exact: PixelTransform, private readonly box: readonly [number, number, number, number]) {}

  row(width: number, row: number, xs: Float64Array, ys: Float64Array, offset: number): void {
    this.xs = xs;
    this.ys = ys;
    this.offset = offset;
    this.py = row + 0.5;
    if (width <= 5) return this.exactRange(0, width);
    const middle = (width - 1) >> 1;
    if (!this.at(0) || !this.at(middle) || !this.at(width - 1)) return this.exactRange(0, width);
    this.segment(0, width);
  }

  /** [minX, minY, maxX, maxY] of the points inside the box; min > max when there were none. */
  bounds(): [number, number, number, number] {
    const e = this.extent;
    return [e[0]!, e[1]!, e[2]!, e[3]!];
  }

  private inside(i: number): boolean {
    const x = this.xs[this.offset + i]!;
    const y = this.ys[this.offset + i]!;
    const box = this.box;
    return x >= box[0] && y >= box[1] && x < box[2] && y < box[3];
  }

  /** Widens the extent by pixel i of the row when it falls in the box. */
  private include(i: number): void {
    if (!this.inside(i)) return;
    const x = this.xs[this.offset + i]!;
    const y = this.ys[this.offset + i]!;
    const e = this.extent;
    if (x < e[0]!) e[0] = x;
    if (y < e[1]!) e[1] = y;
    if (x > e[2]!) e[2] = x;
    if (y > e[3]!) e[3] = y;
  }

  /** Pixels from..to of a linear run. */
  private includeRun(from: number, to: number): void {
    if (this.inside(from) && this.inside(to)) {
      this.include(from);
      this.include(to);
    } else {
      for (let i = from; i <= to; i++) this.include(i);
    }
  }

  /** Exact transform of pixel i of the row, stored in place; false where it fails. */
  private at(i: number): boolean {
    const ok = this.exact(i + 0.5, this.py, this.point);
    this.xs[this.offset + i] = ok ? this.point[0]! : NaN;
    this.ys[this.offset + i] = ok ? this.point[1]! : NaN;
    return ok;
  }

  private exactRange(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.at(i);
      this.include(i);
    }
  }

  /** Pixels start..start+count−1, whose first, middle and last points are already exact. */
  private segment(start: number, count: number): void {
    const { xs, ys, offset } = this;
    const middle = start + ((count - 1) >> 1);
    const end = start + count - 1;
    const sx = xs[offset + start]!, sy = ys[offset + start]!;
    const slopeX = (xs[offset + end]! - sx) / (end - start);
    const slopeY = (ys[offset + end]! - sy) / (end - start);
    const d = middle - start;
    const error = Math.abs(sx + slopeX * d - xs[offset + middle]!) + Math.abs(sy + slopeY * d - ys[offset + middle]!);
    if (error <= MAX_ERROR) {
      // Every point, the exact ends included, from the line: GDAL does the same.
      for (let i = start; i <= end; i++) {
        xs[offset + i] = sx + slopeX * (i - start);
        ys[offset + i] = sy + slopeY * (i - start);
      }
      this.includeRun(start, end);
      return;
    }
    const leftCount = middle - start;
    const rightCount = count - leftCount;
    const baseLeft = leftCount <= 5;
    const baseRight = rightCount <= 5;
    // GDAL transforms the three new points before deciding, and falls back to exact on any failure.
    const ok = (baseLeft || (this.at(start + ((leftCount - 1) >> 1)) && this.at(middle - 1))) && (baseRight || this.at(middle + ((rightCount - 1) >> 1)));
    // Where the points between are computed exactly, the anchors already are: they are only counted.
    if (!ok) {
      this.exactRange(start + 1, middle);
      this.exactRange(middle + 1, end);
      this.include(start);
      this.include(middle);
      this.include(end);
      return;
    }
    if (baseLeft) {
      this.exactRange(start + 1, middle);
      this.include(start);
    } else {
      this.segment(start, leftCount);
    }
    if (baseRight) {
      this.exactRange(middle + 1, end);
      this.include(middle);
      this.include(end);
    } else {
      this.segment(middle, rightCount);
    }
  }
}

export function mapGrid(cog: Cog, grid: Grid, level: Level, kernelRadius: number): Mapping {
  const { width, height, bounds } = grid;
  const transform = transformer(grid.proj4, cogProj4(cog));
  const dx = (bounds[2] - bounds[0]) / width;
  const dy = (bounds[3] - bounds[1]) / height;
  const { originX, originY } = cog;
  const { resX, resY } = level;
  const exact: PixelTransform = (x, y, at) => {
    const [sx, sy] = transform(bounds[0] + x * dx, bounds[3] - y * dy);
    if (!Number.isFinite(sx) || !Number.isFinite(sy)) return false;
    at[0] = (sx - originX) / resX;
    at[1] = (originY - sy) / resY;
    return true;
  };
  const xs = new Float64Array(width * height);
  const ys = new Float64Array(width * height);
  const rows = new RowApproximator(exact, [-kernelRadius, -kernelRadius, level.width + kernelRadius, level.height + kernelRadius]);
  for (let row = 0; row < height; row++) rows.row(width, row, xs, ys, row * width);
  const [minX, minY, maxX, maxY] = rows.bounds();
  if (minX > maxX) return { level, xs, ys, window: null };
  const x0 = Math.max(0, Math.floor(minX) - kernelRadius);
  const y0 = Math.max(0, Math.floor(minY) - kernelRadius);
  const x1 = Math.min(level.width, Math.floor(maxX) + kernelRadius + 1);
  const y1 = Math.min(level.height, Math.floor(maxY) + kernelRadius + 1);
  if (x0 >= x1 || y0 >= y1) return { level, xs, ys, window: null };
  return { level, xs, ys, window: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
}

export const KERNEL_RADIUS: Record<Resampling, number> = { nearest: 0, bilinear: 1, cubic: 2 };

function cubicWeight(t: number): number {
  // Keys' cubic convolution with a = -0.5, as GDAL's "cubic".
  const x = Math.abs(t);
  if (x <= 1) return (1.5 * x - 2.5) * x * x + 1;
  if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return 0;
}

/** Resamples `source` (the mapping's window, values of `dataType`) onto the output grid. */
export function resample(source: Block, mapping: Mapping, grid: Grid, method: Resampling, dataType: DataType): Block {
  const { width, height } = grid;
  const Typed = SAMPLE_ARRAYS[dataType];
  const out: Block = { width, height, bands: source.bands.map(() => new Typed(width * height)), mask: new Uint8Array(width * height) };
  if (method === 'nearest') resampleNearest(source, mapping, out);
  else resampleKernel(source, mapping, out, method, INTEGER_RANGES[dataType]);
  return out;
}

function resampleNearest(source: Block, mapping: Mapping, out: Block): void {
  const { xs, ys, level } = mapping;
  const { x: windowX, y: windowY } = mapping.window!;
  const sw = source.width;
  const sh = source.height;
  const levelWidth = level.width;
  const levelHeight = level.height;
  const sourceMask = source.mask;
  const outMask = out.mask;
  const sourceBands = source.bands;
  const outBands = out.bands;
  const nb = sourceBands.length;
  const n = outMask.length;
  for (let o = 0; o < n; o++) {
    const lx = xs[o]!;
    const ly = ys[o]!;
    // Output pixels whose centre falls outside the source stay empty, as in GDAL.
    if (!(lx >= 0 && ly >= 0 && lx < levelWidth && ly < levelHeight)) continue;
    const px = lx - windowX;
    const py = ly - windowY;
    if (px < 0 || py < 0) continue;
    // Truncation is floor here: px and py are not negative.
    const sx = (px + 1e-10) | 0;
    const sy = (py + 1e-10) | 0;
    if (sx >= sw || sy >= sh) continue;
    const s = sy * sw + sx;
    if (!sourceMask[s]) continue;
    for (let b = 0; b < nb; b++) outBands[b]![o] = sourceBands[b]![s]!;
    outMask[o] = 1;
  }
}

/**
 * Bilinear and cubic: the kernel on pixel centres; masked neighbours' weights dropped and the rest
 * renormalised. Integer data is rounded half up and clamped to its `range`, as GDAL writes resampled
 * values into an integer type, so the output holds values of the source's data type.
 */
function resampleKernel(source: Block, mapping: Mapping, out: Block, method: 'bilinear' | 'cubic', range: [number, number] | undefined): void {
  const window = mapping.window!;
  const sw = source.width;
  const sh = source.height;
  const nb = source.bands.length;
  const acc = new Float64Array(nb);
  const bilinear = method === 'bilinear';
  const r = bilinear ? 1 : 2;
  const lo = bilinear ? 0 : -1;
  const weight = bilinear ? (t: number) => 1 - Math.abs(t) : cubicWeight;
  for (let o = 0; o < out.mask.length; o++) {
    const lx = mapping.xs[o]!;
    const ly = mapping.ys[o]!;
    if (!(lx >= 0 && ly >= 0 && lx < mapping.level.width && ly < mapping.level.height)) continue;
    const cx = lx - window.x - 0.5;
    const cy = ly - window.y - 0.5;
    const ix = Math.floor(cx);
    const iy = Math.floor(cy);
    acc.fill(0);
    let weightSum = 0;
    for (let ky = lo; ky < lo + 2 * r; ky++) {
      const sy = iy + ky;
      if (sy < 0 || sy >= sh) continue;
      const wy = weight(cy - sy);
      if (wy === 0) continue;
      for (let kx = lo; kx < lo + 2 * r; kx++) {
        const sx = ix + kx;
        if (sx < 0 || sx >= sw) continue;
        const s = sy * sw + sx;
        if (!source.mask[s]) continue;
        const w = wy * weight(cx - sx);
        if (w === 0) continue;
        weightSum += w;
        for (let b = 0; b < nb; b++) acc[b]! += w * source.bands[b]![s]!;
      }
    }
    if (Math.abs(weightSum) < 1e-9) continue;
    for (let b = 0; b < nb; b++) {
      const value = acc[b]! / weightSum;
      out.bands[b]![o] = range ? Math.min(range[1], Math.max(range[0], Math.floor(value + 0.5))) : value;
    }
    out.mask[o] = 1;
  }
}
