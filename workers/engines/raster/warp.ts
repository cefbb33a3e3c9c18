import proj4 from 'proj4';
import { RasterError } from './errors';
import { BUDGET } from './budget';
import type { ProjectionDefinition } from 'proj4';
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
    else fn = direct(proj4.Proj(from), proj4.Proj(to)) ?? throughProj4(from, to);
    converters.set(key, fn);
  }
  return fn;
}

function throughProj4(from: string, to: string): Transform {
  const converter = proj4(from, to);
  return (x, y) => {
    // proj4 throws on what is not a finite number; here a point with no answer is NaN, as elsewhere.
    if (!Number.isFinite(x) || !Number.isFinite(y)) return [NaN, NaN];
    const p = converter.forward([x, y]);
    return [p[0]!, p[1]!];
  };
}

/** proj4's datum types that shift coordinates: 3- and 7-parameter Helmert, grid shift. */
const SHIFTING_DATUMS = new Set([1, 2, 3]);
const NO_DATUM = 5;

/**
 * The steps proj4's transform takes between two projected CRSs when neither has a datum shift,
 * prime meridian or unit other than the metre: one's inverse, then the other's forward. Called
 * directly, without the per-point checks, array and object copies and datum comparisons, a point
 * costs a quarter less, and a tile transforms 800–1300 of them. Null for any other pair, which
 * goes through proj4 whole.
 */
function direct(from: ProjectionDefinition, to: ProjectionDefinition): Transform | null {
  const plain = (p: ProjectionDefinition) =>
    p.datum !== undefined &&
    !SHIFTING_DATUMS.has(p.datum.datum_type) &&
    p.projName !== 'longlat' &&
    p.projName !== 'geocent' &&
    (p.to_meter === undefined || p.to_meter === 1) &&
    !p.from_greenwich;
  if (!plain(from) || !plain(to)) return null;
  const [a, b] = [from.datum!, to.datum!];
  // proj4's compareDatums, and its rule that a side without a datum is never shifted.
  const same =
    (a.datum_type === b.datum_type && a.a === b.a && !(Math.abs(a.es - b.es) > 5e-11)) ||
    a.datum_type === NO_DATUM ||
    b.datum_type === NO_DATUM;
  if (!same) return null;
  return (x, y) => {
    const geographic = from.inverse({ x, y });
    const p = geographic && to.forward(geographic);
    return p ? [p.x, p.y] : [NaN, NaN];
  };
}

/** The dataset CRS as a proj4 string, or the EPSG name proj4js knows, so identical CRSs compare equal. */
export function cogProj4(cog: Cog): string {
  if (cog.crs.epsg === 3857) return 'EPSG:3857';
  if (cog.crs.epsg === 4326) return 'EPSG:4326';
  return cog.crs.proj4;
}

/** Samples the edges of a box through a transform: the bounds of its image, finite points only. */
export function transformBounds(
  bounds: [number, number, number, number],
  transform: Transform,
  steps = 20,
): [number, number, number, number] | null {
  const [minx, miny, maxx, maxy] = bounds;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    for (const [x, y] of [
      [minx + (maxx - minx) * t, miny],
      [minx + (maxx - minx) * t, maxy],
      [minx, miny + (maxy - miny) * t],
      [maxx, miny + (maxy - miny) * t],
    ] as const) {
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

const boundsCache = new WeakMap<Cog, Map<string, [number, number, number, number] | null>>();

/** The dataset's extent in another CRS (edges densified), cached per header. */
export function boundsIn(cog: Cog, proj: string): [number, number, number, number] | null {
  let perCrs = boundsCache.get(cog);
  if (!perCrs) boundsCache.set(cog, (perCrs = new Map()));
  if (!perCrs.has(proj)) perCrs.set(proj, transformBounds(cog.bounds, transformer(cogProj4(cog), proj)));
  return perCrs.get(proj) ?? null;
}

/**
 * The output pixel size GDAL would suggest for the whole dataset in `dstProj4`
 * (GDALSuggestedWarpOutput2: the diagonal of the reprojected extent over the pixel diagonal).
 */
export function naturalResolution(cog: Cog, dstProj4: string): number {
  const extent = boundsIn(cog, dstProj4);
  return extent
    ? Math.hypot(extent[2] - extent[0], extent[3] - extent[1]) / Math.hypot(cog.width, cog.height)
    : cog.levels[0]!.resX;
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

/**
 * Where output pixel centres fall in the level's pixel space, as runs along output rows: a run
 * covers output pixels o … o + count − 1, pixel o + k falling at (x + dx·k, y + dy·k), NaN where
 * the projection has no answer. GDAL's approximate transformer draws a row as a few straight runs,
 * so resampling evaluates them as it goes rather than storing two coordinates per pixel and
 * reading them back.
 */
export interface Mapping {
  level: Level;
  /** RUN_FIELDS numbers per run: o, count, x, y, dx, dy. */
  runs: Float64Array;
  /** Source pixels the mapping touches, with room for the resampling kernel. */
  window: Window | null;
}

const RUN_FIELDS = 6;

/**
 * Runs as they are found, in a buffer that doubles when full, up to the pixel budget: where the
 * projection fails point after point every pixel is a run of its own.
 */
class RunList {
  private data = new Float64Array(RUN_FIELDS * 1024);
  private length = 0;

  push(o: number, count: number, x: number, y: number, dx: number, dy: number): void {
    if (this.length === this.data.length) {
      if (this.data.byteLength * 2 > BUDGET.pixelBytes) {
        throw new RasterError(
          400,
          'Mapping this output onto the dataset takes more points than one request may hold: the area reaches ' +
            'where one of the two CRSs has no answer. Ask for a smaller area or another CRS.',
        );
      }
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d = this.data;
    const n = this.length;
    d[n] = o;
    d[n + 1] = count;
    d[n + 2] = x;
    d[n + 3] = y;
    d[n + 4] = dx;
    d[n + 5] = dy;
    this.length = n + RUN_FIELDS;
  }

  finish(): Float64Array {
    return this.data.subarray(0, this.length);
  }
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
 * Each straight stretch becomes a run, each point transformed on its own a run of one. It also
 * gathers the extent of the points that fall in `box` (the level and the kernel's margin), a run
 * by its ends alone when both are inside: the box is convex, so the points between are too.
 * State in fields, no closures per row: this runs for every row of every tile.
 */
class RowApproximator {
  private readonly point = new Float64Array(2);
  /** The row's exactly transformed points, by pixel. */
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private py = 0;
  /** Output index of the row's first pixel. */
  private rowStart = 0;
  /** The extent of the points inside the box so far: minX, minY, maxX, maxY. */
  private readonly extent = Float64Array.of(Infinity, Infinity, -Infinity, -Infinity);
  readonly runs = new RunList();

  constructor(
    private readonly exact: PixelTransform,
    private readonly box: readonly [number, number, number, number],
    private readonly width: number,
  ) {
    this.xs = new Float64Array(width);
    this.ys = new Float64Array(width);
  }

  row(row: number): void {
    const width = this.width;
    this.py = row + 0.5;
    this.rowStart = row * width;
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

  private inside(x: number, y: number): boolean {
    const box = this.box;
    return x >= box[0] && y >= box[1] && x < box[2] && y < box[3];
  }

  /** Widens the extent by a point when it falls in the box. */
  private include(x: number, y: number): void {
    if (!this.inside(x, y)) return;
    const e = this.extent;
    if (x < e[0]!) e[0] = x;
    if (y < e[1]!) e[1] = y;
    if (x > e[2]!) e[2] = x;
    if (y > e[3]!) e[3] = y;
  }

  /** Exact transform of pixel i of the row, kept in xs/ys; false where it fails. */
  private at(i: number): boolean {
    const ok = this.exact(i + 0.5, this.py, this.point);
    this.xs[i] = ok ? this.point[0]! : NaN;
    this.ys[i] = ok ? this.point[1]! : NaN;
    return ok;
  }

  /** Pixel i, already transformed exactly, as a run of one. */
  private exactPoint(i: number): void {
    const x = this.xs[i]!;
    const y = this.ys[i]!;
    this.runs.push(this.rowStart + i, 1, x, y, 0, 0);
    this.include(x, y);
  }

  private exactRange(from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.at(i);
      this.exactPoint(i);
    }
  }

  /** Pixels start..end on the line from the exact point at start. */
  private linearRun(start: number, end: number, slopeX: number, slopeY: number): void {
    const sx = this.xs[start]!;
    const sy = this.ys[start]!;
    const last = end - start;
    this.runs.push(this.rowStart + start, last + 1, sx, sy, slopeX, slopeY);
    if (this.inside(sx, sy) && this.inside(sx + slopeX * last, sy + slopeY * last)) {
      this.include(sx, sy);
      this.include(sx + slopeX * last, sy + slopeY * last);
    } else {
      for (let k = 0; k <= last; k++) this.include(sx + slopeX * k, sy + slopeY * k);
    }
  }

  /** Pixels start..start+count−1, whose first, middle and last points are already exact. */
  private segment(start: number, count: number): void {
    const { xs, ys } = this;
    const middle = start + ((count - 1) >> 1);
    const end = start + count - 1;
    const sx = xs[start]!,
      sy = ys[start]!;
    const slopeX = (xs[end]! - sx) / (end - start);
    const slopeY = (ys[end]! - sy) / (end - start);
    const d = middle - start;
    const error = Math.abs(sx + slopeX * d - xs[middle]!) + Math.abs(sy + slopeY * d - ys[middle]!);
    // Every point, the exact ends included, from the line: GDAL does the same.
    if (error <= MAX_ERROR) return this.linearRun(start, end, slopeX, slopeY);
    const leftCount = middle - start;
    const rightCount = count - leftCount;
    const baseLeft = leftCount <= 5;
    const baseRight = rightCount <= 5;
    // GDAL transforms the three new points before deciding, and falls back to exact on any failure.
    const ok =
      (baseLeft || (this.at(start + ((leftCount - 1) >> 1)) && this.at(middle - 1))) &&
      (baseRight || this.at(middle + ((rightCount - 1) >> 1)));
    // Where the points between are computed exactly, the anchors already are.
    if (!ok) {
      this.exactRange(start + 1, middle);
      this.exactRange(middle + 1, end);
      this.exactPoint(start);
      this.exactPoint(middle);
      this.exactPoint(end);
      return;
    }
    if (baseLeft) {
      this.exactRange(start + 1, middle);
      this.exactPoint(start);
    } else {
      this.segment(start, leftCount);
    }
    if (baseRight) {
      this.exactRange(middle + 1, end);
      this.exactPoint(middle);
      this.exactPoint(end);
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
  const rows = new RowApproximator(
    exact,
    [-kernelRadius, -kernelRadius, level.width + kernelRadius, level.height + kernelRadius],
    width,
  );
  for (let row = 0; row < height; row++) rows.row(row);
  const runs = rows.runs.finish();
  const [minX, minY, maxX, maxY] = rows.bounds();
  if (minX > maxX) return { level, runs, window: null };
  const x0 = Math.max(0, Math.floor(minX) - kernelRadius);
  const y0 = Math.max(0, Math.floor(minY) - kernelRadius);
  const x1 = Math.min(level.width, Math.floor(maxX) + kernelRadius + 1);
  const y1 = Math.min(level.height, Math.floor(maxY) + kernelRadius + 1);
  if (x0 >= x1 || y0 >= y1) return { level, runs, window: null };
  return { level, runs, window: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
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
  const out: Block = {
    width,
    height,
    bands: source.bands.map(() => new Typed(width * height)),
    mask: new Uint8Array(width * height),
  };
  if (method === 'nearest') resampleNearest(source, mapping, out);
  else resampleKernel(source, mapping, out, method, INTEGER_RANGES[dataType]);
  return out;
}

function resampleNearest(source: Block, mapping: Mapping, out: Block): void {
  const level = mapping.level;
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
  const [src0, src1, src2] = sourceBands;
  const [out0, out1, out2] = outBands;
  const runs = mapping.runs;
  for (let r = 0; r < runs.length; r += RUN_FIELDS) {
    const o0 = runs[r]! | 0,
      count = runs[r + 1]! | 0,
      x = runs[r + 2]!,
      y = runs[r + 3]!,
      dx = runs[r + 4]!,
      dy = runs[r + 5]!;
    for (let k = 0; k < count; k++) {
      const lx = x + dx * k;
      const ly = y + dy * k;
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
      const o = o0 + k;
      // Gray and RGB, the common cases, without the loop over bands: a tenth faster.
      if (nb === 1) out0![o] = src0![s]!;
      else if (nb === 3) {
        out0![o] = src0![s]!;
        out1![o] = src1![s]!;
        out2![o] = src2![s]!;
      } else for (let b = 0; b < nb; b++) outBands[b]![o] = sourceBands[b]![s]!;
      outMask[o] = 1;
    }
  }
}

/**
 * Bilinear and cubic: the kernel on pixel centres; masked neighbours' weights dropped and the rest
 * renormalised. Integer data is rounded half up and clamped to its `range`, as GDAL writes resampled
 * values into an integer type, so the output holds values of the source's data type.
 */
function resampleKernel(
  source: Block,
  mapping: Mapping,
  out: Block,
  method: 'bilinear' | 'cubic',
  range: [number, number] | undefined,
): void {
  const window = mapping.window!;
  const sw = source.width;
  const sh = source.height;
  const nb = source.bands.length;
  const acc = new Float64Array(nb);
  const bilinear = method === 'bilinear';
  const r = bilinear ? 1 : 2;
  const lo = bilinear ? 0 : -1;
  const weight = bilinear ? (t: number) => 1 - Math.abs(t) : cubicWeight;
  const pixel = (o: number, lx: number, ly: number): void => {
    if (!(lx >= 0 && ly >= 0 && lx < mapping.level.width && ly < mapping.level.height)) return;
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
    if (Math.abs(weightSum) < 1e-9) return;
    for (let b = 0; b < nb; b++) {
      const value = acc[b]! / weightSum;
      out.bands[b]![o] = range ? Math.min(range[1], Math.max(range[0], Math.floor(value + 0.5))) : value;
    }
    out.mask[o] = 1;
  };
  const runs = mapping.runs;
  for (let i = 0; i < runs.length; i += RUN_FIELDS) {
    const o0 = runs[i]! | 0,
      count = runs[i + 1]! | 0,
      x = runs[i + 2]!,
      y = runs[i + 3]!,
      dx = runs[i + 4]!,
      dy = runs[i + 5]!;
    for (let k = 0; k < count; k++) pixel(o0 + k, x + dx * k, y + dy * k);
  }
}
