import type { Cog } from './cog';
import { readWindow, type Block } from './read';
import type { Source } from './source';
import { BandAccumulator, accumulate, type BandStatistics, type StatisticsOptions } from './statistics';
import { renderGrid, type RenderOptions } from './tile';
import { cogProj4, transformer, type Grid } from './warp';
import { RasterError } from './errors';
import { BUDGET } from './budget';

/** GeoJSON Polygon/MultiPolygon rings, in some CRS. */
export type Polygons = number[][][][];

/** Output size that fits `maxSize` (0 = no limit) while keeping the aspect ratio. */
export function fitSize(width: number, height: number, maxSize: number): [number, number] {
  if (maxSize <= 0 || Math.max(width, height) <= maxSize) return [width, height];
  const ratio = maxSize / Math.max(width, height);
  return [Math.max(1, Math.round(width * ratio)), Math.max(1, Math.round(height * ratio))];
}

/** The whole dataset on its own grid, decimated to `maxSize` through the overviews. */
export function datasetGrid(cog: Cog, maxSize: number): Grid {
  const [width, height] = fitSize(cog.width, cog.height, maxSize);
  return { proj4: cogProj4(cog), bounds: cog.bounds, width, height };
}

/** Marks pixel centres of `grid` that fall inside the polygons (even-odd rule per polygon). */
export function rasterize(polygons: Polygons, grid: Grid): Uint8Array {
  const { width, height, bounds } = grid;
  const out = new Uint8Array(width * height);
  const dx = (bounds[2] - bounds[0]) / width;
  const dy = (bounds[3] - bounds[1]) / height;
  for (const polygon of polygons) {
    for (let row = 0; row < height; row++) {
      const y = bounds[3] - (row + 0.5) * dy;
      const crossings: number[] = [];
      for (const ring of polygon) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [xi, yi] = ring[i] as [number, number];
          const [xj, yj] = ring[j] as [number, number];
          if (yi > y !== yj > y) crossings.push(xi + ((y - yi) / (yj - yi)) * (xj - xi));
        }
      }
      crossings.sort((a, b) => a - b);
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        const from = Math.max(0, Math.ceil((crossings[k]! - bounds[0]) / dx - 0.5));
        const to = Math.min(width - 1, Math.floor((crossings[k + 1]! - bounds[0]) / dx - 0.5));
        for (let col = from; col <= to; col++) out[row * width + col] = 1;
      }
    }
  }
  return out;
}

/** Polygons reprojected into the dataset CRS. */
export function toDatasetCrs(cog: Cog, polygons: Polygons, fromProj4: string): Polygons {
  const transform = transformer(fromProj4, cogProj4(cog));
  return polygons.map((polygon) => polygon.map((ring) => ring.map(([x, y]) => transform(x!, y!))));
}

export function polygonBounds(polygons: Polygons): [number, number, number, number] {
  let minx = Infinity,
    miny = Infinity,
    maxx = -Infinity,
    maxy = -Infinity;
  for (const polygon of polygons)
    for (const ring of polygon)
      for (const [x, y] of ring) {
        minx = Math.min(minx, x!);
        maxx = Math.max(maxx, x!);
        miny = Math.min(miny, y!);
        maxy = Math.max(maxy, y!);
      }
  return [minx, miny, maxx, maxy];
}

const FULL_RES_CHUNK = 1024;

/**
 * Bytes a statistics pass holds per pixel at most: the values read, an expression's or unscale's
 * float64 results, the mask and the polygon coverage.
 */
const statisticsBytesPerPixel = (bands: number) => bands * 16 + 2;

/** Runs of whole rows of `grid`, each within the pixel budget: the same pixels, read a part at a time. */
function rowChunks(grid: Grid, bytesPerPixel: number): Grid[] {
  const rows = Math.max(1, Math.floor(BUDGET.pixelBytes / (grid.width * bytesPerPixel)));
  const dy = (grid.bounds[3] - grid.bounds[1]) / grid.height;
  const chunks: Grid[] = [];
  for (let y = 0; y < grid.height; y += rows) {
    const height = Math.min(rows, grid.height - y);
    chunks.push({
      ...grid,
      height,
      bounds: [grid.bounds[0], grid.bounds[3] - (y + height) * dy, grid.bounds[2], grid.bounds[3] - y * dy],
    });
  }
  return chunks;
}

/** Side of the square windows a full-resolution pass reads: 1024, or less where many bands would pass the budget. */
const fullResolutionChunk = (bands: number) =>
  Math.min(
    FULL_RES_CHUNK,
    Math.max(256, Math.floor(Math.sqrt(BUDGET.pixelBytes / statisticsBytesPerPixel(bands)) / 256) * 256),
  );

export interface StatisticsRequest extends Omit<RenderOptions, 'resampling'>, StatisticsOptions {
  maxSize: number;
  /** Restrict to these polygons (already in the dataset CRS). */
  polygons?: Polygons;
  /** Turns read values into the bands to summarise (expression, unscale). */
  transform?: (block: Block) => Block;
  /** Raw values are nodata band by band (not with a transform, whose outputs are new values). */
  perBandNodata?: number | null;
  /** Pixels already read by this request (the features of one POST share its budget); added to. */
  spent?: { pixels: number };
}

/**
 * Pixels one statistics request may read: 8192 × 8192 (a 7168 × 8704 orthomosaic fits, ~1.5 s of
 * CPU). Checked before reading, since a full-resolution pass over a large file takes seconds per
 * hundred million pixels; past it, max_size reads the overviews.
 */
export const STATISTICS_PIXEL_BUDGET = 8192 * 8192;

/** Longest side of a statistics grid: a one-row chunk of it must still fit the pixel budget. */
const MAX_GRID_SIDE = 16384;

function assertWithinBudget(
  width: number,
  height: number,
  what: string,
  spent: { pixels: number } = { pixels: 0 },
): void {
  const pixels = width * height;
  if (pixels + spent.pixels <= STATISTICS_PIXEL_BUDGET && Math.max(width, height) <= MAX_GRID_SIDE) {
    spent.pixels += pixels;
    return;
  }
  const before = spent.pixels > 0 ? ` after ${spent.pixels} for the features before it` : '';
  throw new RasterError(
    400,
    `${what} ${width} × ${height} pixels${before}, over the ${STATISTICS_PIXEL_BUDGET} (and ${MAX_GRID_SIDE} a side) one request reads: set max_size (4096 at most) to read the overviews instead.`,
  );
}

/**
 * Per-band statistics of the dataset (or of polygons over it). `maxSize` 0 reads the full
 * resolution in chunks, so the result is what `gdalinfo -stats` computes.
 */
export async function statistics(cog: Cog, source: Source, request: StatisticsRequest): Promise<BandStatistics[]> {
  let accumulators: BandAccumulator[] | null = null;
  const add = (block: Block, within?: Uint8Array) => {
    const values = request.transform ? request.transform(block) : block;
    accumulators ??= values.bands.map(() => new BandAccumulator(request.integer));
    accumulate(accumulators, values, within, request.perBandNodata ?? null);
  };
  const full = cog.levels[0]!;
  if (request.polygons) {
    const bounds = polygonBounds(request.polygons);
    const clipped: [number, number, number, number] = [
      Math.max(bounds[0], cog.bounds[0]),
      Math.max(bounds[1], cog.bounds[1]),
      Math.min(bounds[2], cog.bounds[2]),
      Math.min(bounds[3], cog.bounds[3]),
    ];
    if (clipped[0] >= clipped[2] || clipped[1] >= clipped[3])
      throw new RasterError(400, 'The geometry does not overlap the dataset.');
    const x0 = Math.floor((clipped[0] - cog.originX) / full.resX);
    const x1 = Math.ceil((clipped[2] - cog.originX) / full.resX);
    const y0 = Math.floor((cog.originY - clipped[3]) / full.resY);
    const y1 = Math.ceil((cog.originY - clipped[1]) / full.resY);
    const [width, height] = fitSize(x1 - x0, y1 - y0, request.maxSize);
    const grid: Grid = {
      proj4: cogProj4(cog),
      bounds: [
        cog.originX + x0 * full.resX,
        cog.originY - y1 * full.resY,
        cog.originX + x1 * full.resX,
        cog.originY - y0 * full.resY,
      ],
      width,
      height,
    };
    assertWithinBudget(width, height, 'The geometry covers', request.spent);
    for (const chunk of rowChunks(grid, statisticsBytesPerPixel(request.bands.length))) {
      add(
        await renderGrid(cog, source, chunk, { ...request, resampling: 'nearest' }),
        rasterize(request.polygons, chunk),
      );
    }
  } else if (request.maxSize > 0 && Math.max(cog.width, cog.height) > request.maxSize) {
    for (const chunk of rowChunks(datasetGrid(cog, request.maxSize), statisticsBytesPerPixel(request.bands.length))) {
      add(await renderGrid(cog, source, chunk, { ...request, resampling: 'nearest' }));
    }
  } else {
    assertWithinBudget(cog.width, cog.height, 'The full resolution holds', request.spent);
    const side = fullResolutionChunk(request.bands.length);
    for (let y = 0; y < cog.height; y += side) {
      for (let x = 0; x < cog.width; x += side) {
        const window = { x, y, width: Math.min(side, cog.width - x), height: Math.min(side, cog.height - y) };
        add(await readWindow(cog, full, window, request.bands, source, request));
      }
    }
  }
  return (accumulators ?? []).map((a: BandAccumulator) => a.finish(request));
}

/** Values of every requested band at a point given in `fromProj4` (full resolution, no resampling). */
export async function pointValues(
  cog: Cog,
  source: Source,
  x: number,
  y: number,
  fromProj4: string,
  options: Omit<RenderOptions, 'resampling'>,
): Promise<{ values: number[]; valid: boolean }> {
  const [sx, sy] = transformer(fromProj4, cogProj4(cog))(x, y);
  const full = cog.levels[0]!;
  const col = Math.floor((sx - cog.originX) / full.resX);
  const row = Math.floor((cog.originY - sy) / full.resY);
  if (!Number.isFinite(col) || !Number.isFinite(row) || col < 0 || row < 0 || col >= cog.width || row >= cog.height) {
    throw new RasterError(404, 'The point lies outside the dataset.');
  }
  const block = await readWindow(cog, full, { x: col, y: row, width: 1, height: 1 }, options.bands, source, options);
  return { values: block.bands.map((b) => b[0]!), valid: block.mask[0] === 1 };
}
