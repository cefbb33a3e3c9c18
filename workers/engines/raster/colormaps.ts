import {
  interpolateViridis,
  interpolatePlasma,
  interpolateInferno,
  interpolateMagma,
  interpolateCividis,
  interpolateTurbo,
  interpolateGreys,
  interpolateBlues,
  interpolateGreens,
  interpolateReds,
  interpolateOranges,
  interpolatePurples,
  interpolateRdYlGn,
  interpolateRdYlBu,
  interpolateRdBu,
  interpolateSpectral,
  interpolateBrBG,
  interpolatePiYG,
  interpolateYlGn,
  interpolateYlOrRd,
} from 'd3-scale-chromatic';
import { RasterError } from './errors';

export type Rgba = [number, number, number, number];
/** 256 RGBA entries, indexed by the 8-bit value. */
export type Lut = Uint8Array;

/** matplotlib's "terrain" (a linear-segmented map; d3 has none). */
const TERRAIN: Array<[number, [number, number, number]]> = [
  [0, [0.2, 0.2, 0.6]],
  [0.15, [0, 0.6, 1]],
  [0.25, [0, 0.8, 0.4]],
  [0.5, [1, 1, 0.6]],
  [0.75, [0.5, 0.36, 0.33]],
  [1, [1, 1, 1]],
];

function terrain(t: number): string {
  let i = 0;
  while (i < TERRAIN.length - 2 && t > TERRAIN[i + 1]![0]) i++;
  const [t0, c0] = TERRAIN[i]!;
  const [t1, c1] = TERRAIN[i + 1]!;
  const f = (t - t0) / (t1 - t0);
  return `rgb(${c0.map((c, k) => Math.round((c + (c1[k]! - c) * f) * 255)).join(',')})`;
}

/** matplotlib names (lower case) → an interpolator over [0, 1]. The perceptual maps are matplotlib's own tables. */
const INTERPOLATORS: Record<string, (t: number) => string> = {
  viridis: interpolateViridis,
  plasma: interpolatePlasma,
  inferno: interpolateInferno,
  magma: interpolateMagma,
  cividis: interpolateCividis,
  turbo: interpolateTurbo,
  greys: interpolateGreys,
  gray: (t) => `rgb(${Math.round(t * 255)},${Math.round(t * 255)},${Math.round(t * 255)})`,
  blues: interpolateBlues,
  greens: interpolateGreens,
  reds: interpolateReds,
  oranges: interpolateOranges,
  purples: interpolatePurples,
  rdylgn: interpolateRdYlGn,
  rdylbu: interpolateRdYlBu,
  rdbu: interpolateRdBu,
  spectral: interpolateSpectral,
  brbg: interpolateBrBG,
  piyg: interpolatePiYG,
  ylgn: interpolateYlGn,
  ylorrd: interpolateYlOrRd,
  terrain,
};

export const COLORMAP_NAMES = Object.keys(INTERPOLATORS)
  .flatMap((n) => [n, `${n}_r`])
  .sort();

const luts = new Map<string, Lut>();

function parseColor(css: string): [number, number, number] {
  const rgb = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1]!.slice(i, i + 2), 16)) as [number, number, number];
  throw new Error(`unparsable colour ${css}`);
}

export function namedColormap(name: string): Lut {
  const key = name.toLowerCase();
  const cached = luts.get(key);
  if (cached) return cached;
  const reversed = key.endsWith('_r');
  const base = reversed ? key.slice(0, -2) : key;
  // Own keys only: `__proto__` and `constructor` are names a plain object answers too.
  const interpolate = Object.hasOwn(INTERPOLATORS, base) ? INTERPOLATORS[base] : undefined;
  if (!interpolate) throw new RasterError(400, `Unknown colormap_name "${name}". Known: ${COLORMAP_NAMES.join(', ')}.`);
  const lut = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = parseColor(interpolate((reversed ? 255 - i : i) / 255));
    lut.set([r, g, b, 255], i * 4);
  }
  luts.set(key, lut);
  return lut;
}

/** A user colormap (TiTiler's `colormap=`): discrete `{"value": [r,g,b,a]}` or intervals `[[[min, max], [r,g,b,a]], …]`. */
export type CustomColormap =
  { kind: 'discrete'; entries: Map<number, Rgba> } | { kind: 'intervals'; entries: Array<[number, number, Rgba]> };

const isColor = (c: unknown): c is number[] =>
  Array.isArray(c) && (c.length === 3 || c.length === 4) && c.every((v) => typeof v === 'number' && v >= 0 && v <= 255);

export function parseColormap(json: string): CustomColormap {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new RasterError(400, 'colormap must be JSON.');
  }
  const rgba = (c: number[]): Rgba => [c[0]!, c[1]!, c[2]!, c[3] ?? 255];
  if (Array.isArray(value)) {
    const entries: Array<[number, number, Rgba]> = [];
    for (const entry of value) {
      if (
        !Array.isArray(entry) ||
        entry.length !== 2 ||
        !Array.isArray(entry[0]) ||
        entry[0].length !== 2 ||
        !isColor(entry[1])
      ) {
        throw new RasterError(400, 'colormap intervals are [[[min, max], [r, g, b, a]], …].');
      }
      entries.push([Number(entry[0][0]), Number(entry[0][1]), rgba(entry[1])]);
    }
    if (entries.length === 0 || entries.length > 1024)
      throw new RasterError(400, 'colormap needs 1 to 1024 intervals.');
    return { kind: 'intervals', entries };
  }
  if (value && typeof value === 'object') {
    const entries = new Map<number, Rgba>();
    for (const [k, c] of Object.entries(value)) {
      if (!Number.isFinite(Number(k)) || !isColor(c))
        throw new RasterError(400, 'colormap entries are {"value": [r, g, b, a]}.');
      entries.set(Number(k), rgba(c));
    }
    if (entries.size === 0 || entries.size > 65536) throw new RasterError(400, 'colormap needs 1 to 65536 entries.');
    return { kind: 'discrete', entries };
  }
  throw new RasterError(400, 'colormap must be a JSON object or a list of intervals.');
}

export function lookupCustom(colormap: CustomColormap, value: number): Rgba {
  if (colormap.kind === 'discrete') return colormap.entries.get(value) ?? [0, 0, 0, 0];
  for (const [lo, hi, color] of colormap.entries) if (value >= lo && value < hi) return color;
  return [0, 0, 0, 0];
}
