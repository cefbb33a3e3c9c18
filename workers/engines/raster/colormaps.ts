import { COLORMAP_TABLES } from './colormap-data';
import { RasterError } from './errors';

export type Rgba = [number, number, number, number];
/** 256 RGBA entries, indexed by the 8-bit value. */
export type Lut = Uint8Array;

/** rio-tiler's colormap names, lower case: each table of colormap-data.ts, and its reverse as `<name>_r`. */
export const COLORMAP_NAMES: readonly string[] = Object.keys(COLORMAP_TABLES)
  .flatMap((n) => [n, `${n}_r`])
  .sort();

const luts = new Map<string, Lut>();

/**
 * The named colormap's table, or undefined for a name that is none. A table is decoded from its hex
 * when first asked for, so an isolate holds only the maps it draws with, not 214 of them.
 */
export function colormapLut(name: string): Lut | undefined {
  const key = name.toLowerCase();
  const cached = luts.get(key);
  if (cached) return cached;
  const reversed = key.endsWith('_r');
  const base = reversed ? key.slice(0, -2) : key;
  // Own keys only: `__proto__` and `constructor` are names a plain object answers too.
  const hex = Object.hasOwn(COLORMAP_TABLES, base) ? COLORMAP_TABLES[base] : undefined;
  if (hex === undefined) return undefined;
  const lut = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const entry = (reversed ? 255 - i : i) * 8;
    for (let c = 0; c < 4; c++) lut[i * 4 + c] = parseInt(hex.slice(entry + c * 2, entry + c * 2 + 2), 16);
  }
  luts.set(key, lut);
  return lut;
}

/** The table `colormap_name` names; an unknown name is the caller's mistake (400). */
export function namedColormap(name: string): Lut {
  const lut = colormapLut(name);
  if (!lut)
    throw new RasterError(400, `Unknown colormap_name "${name}": GET /colorMaps lists the ${COLORMAP_NAMES.length}.`);
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
