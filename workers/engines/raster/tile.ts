import { SAMPLE_ARRAYS, type Cog, type DataType } from './cog';
import { readWindow, type Block } from './read';
import type { Source } from './source';
import { tileBounds, type TileMatrixSet } from './tms';
import { KERNEL_RADIUS, boundsIn, chooseLevel, cogProj4, mapGrid, resample, type Grid, type Resampling } from './warp';

/** Milliseconds spent, for Server-Timing. */
export interface Timings {
  read: number;
  warp: number;
}

export interface RenderOptions {
  /** 0-based band indexes. */
  bands: number[];
  resampling: Resampling;
  nodata?: number | null;
  signal?: AbortSignal;
  timings?: Timings;
  /** Source pixels read beyond the resampling kernel's own margin. */
  padding?: number;
}

export interface TileOptions extends RenderOptions {
  /** Output pixels per side (tilesize × scale). */
  size: number;
  /** Extra pixels read around the tile on each side (TiTiler's `buffer`). */
  buffer?: number;
}

const emptyBlock = (width: number, height: number, bandCount: number, dataType: DataType): Block => ({
  width,
  height,
  bands: Array.from({ length: bandCount }, () => new SAMPLE_ARRAYS[dataType](width * height)),
  mask: new Uint8Array(width * height),
});

const intersects = (a: number[], b: number[]) => a[0]! < b[2]! && a[2]! > b[0]! && a[1]! < b[3]! && a[3]! > b[1]!;

/**
 * When the level is already on the output grid (same CRS, same pixel size, whole-pixel offset),
 * nearest-neighbour warping is a plain copy: read the window and skip the projection entirely.
 */
function alignedWindow(cog: Cog, grid: Grid, levelIndex: number) {
  const level = cog.levels[levelIndex]!;
  if (cogProj4(cog) !== grid.proj4) return null;
  const res = (grid.bounds[2] - grid.bounds[0]) / grid.width;
  if (Math.abs(level.resX - res) > res * 1e-9 || Math.abs(level.resY - res) > res * 1e-9) return null;
  const x = (grid.bounds[0] - cog.originX) / res;
  const y = (cog.originY - grid.bounds[3]) / res;
  if (Math.abs(x - Math.round(x)) > 1e-6 || Math.abs(y - Math.round(y)) > 1e-6) return null;
  return { level, window: { x: Math.round(x), y: Math.round(y), width: grid.width, height: grid.height } };
}

/** Any north-up grid (tile, bbox, preview) rendered from the dataset. */
export async function renderGrid(cog: Cog, source: Source, grid: Grid, options: RenderOptions): Promise<Block> {
  const timings = options.timings ?? { read: 0, warp: 0 };
  const timed = async <T>(phase: keyof Timings, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[phase] += performance.now() - started;
    }
  };
  const level = chooseLevel(cog, grid);
  if (options.resampling === 'nearest') {
    const aligned = alignedWindow(cog, grid, cog.levels.indexOf(level));
    if (aligned)
      return timed('read', () => readWindow(cog, aligned.level, aligned.window, options.bands, source, options));
  }
  const radius = KERNEL_RADIUS[options.resampling] + (options.padding ?? 0);
  const mapping = await timed('warp', () => mapGrid(cog, grid, level, radius));
  if (!mapping.window) return emptyBlock(grid.width, grid.height, options.bands.length, cog.dataType);
  const window = mapping.window;
  const block = await timed('read', () => readWindow(cog, level, window, options.bands, source, options));
  return timed('warp', () => resample(block, mapping, grid, options.resampling, cog.dataType));
}

/** A tile of `tms`, or null when it lies wholly outside the dataset (clients then over-zoom). */
export async function renderTile(
  cog: Cog,
  source: Source,
  tms: TileMatrixSet,
  z: number,
  x: number,
  y: number,
  options: TileOptions,
): Promise<Block | null> {
  const bounds = tileBounds(tms, z, x, y);
  const extent = boundsIn(cog, tms.proj4);
  if (!extent || !intersects(bounds, extent)) return null;
  const buffer = options.buffer ?? 0;
  const pixel = (bounds[2] - bounds[0]) / options.size;
  const grid: Grid = {
    proj4: tms.proj4,
    bounds: [
      bounds[0] - buffer * pixel,
      bounds[1] - buffer * pixel,
      bounds[2] + buffer * pixel,
      bounds[3] + buffer * pixel,
    ],
    width: options.size + 2 * buffer,
    height: options.size + 2 * buffer,
  };
  return renderGrid(cog, source, grid, options);
}
