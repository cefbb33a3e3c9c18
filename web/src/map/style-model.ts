/** How a raster layer is drawn: TiTiler's parameters, sent as they are. */
export interface RasterRender {
  bidx?: number[];
  expression?: string;
  /** One [min, max] per output band. */
  rescale?: Array<[number, number]>;
  colormap_name?: string;
  nodata?: string;
}

/** A band of a raster, as the style controls name it. */
export interface BandInfo {
  /** 1-based, as `bidx` and `b1…bn` count */
  index: number;
  description: string;
  /** Lower case (GDAL's names: red, green, blue, gray, palette, nir…); '' when unknown */
  colorInterpretation: string;
}

/** What a raster holds, from the data product (converter-written) or else from its /info. */
export interface RasterInfo {
  /** numpy's names, as TiTiler reports them: uint8, uint16, int16, float32… */
  dtype: string;
  /** Every band but alpha (the tile endpoint uses alpha as the mask). */
  bands: BandInfo[];
  nodata: number | null;
  paletted: boolean;
}

/** One output band's statistics (TiTiler's BandStatistics, or the converter's stored ones). */
export interface BandStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** [counts, bin edges] */
  histogram: [number[], number[]] | null;
  /** percentile → value */
  percentiles: Record<number, number>;
}

/** Statistics keyed as TiTiler keys them: b1, b2… or the expression. */
export type StatsByBand = Record<string, BandStats>;

export type StretchKind = 'none' | 'minmax' | 'p1' | 'p2' | 'p5' | 'std' | 'custom';
export const PERCENTILES = [1, 2, 5, 95, 98, 99];

export const STRETCHES: Array<{ kind: StretchKind; label: string }> = [
  { kind: 'none', label: 'None (the values as they are)' },
  { kind: 'minmax', label: 'Minimum – maximum' },
  { kind: 'p1', label: 'Percentiles 1 – 99' },
  { kind: 'p2', label: 'Percentiles 2 – 98' },
  { kind: 'p5', label: 'Percentiles 5 – 95' },
  { kind: 'std', label: 'Mean ± k · standard deviation' },
  { kind: 'custom', label: 'Custom minimum and maximum' },
];

export type IndexName = 'ndvi' | 'exg' | 'vari';
export type Role = 'nir' | 'red' | 'green' | 'blue';
export type BandRoles = Partial<Record<Role, number>>;

/** Vegetation indices as band math on the bands given each role. */
export const INDICES: Record<
  IndexName,
  { label: string; needs: Role[]; formula: (b: Record<Role, string>) => string; range?: [number, number] }
> = {
  ndvi: {
    label: 'NDVI',
    needs: ['nir', 'red'],
    formula: (b) => `(${b.nir}-${b.red})/(${b.nir}+${b.red})`,
    range: [-1, 1],
  },
  exg: { label: 'ExG', needs: ['red', 'green', 'blue'], formula: (b) => `2*${b.green}-${b.red}-${b.blue}` },
  vari: {
    label: 'VARI',
    needs: ['red', 'green', 'blue'],
    formula: (b) => `(${b.green}-${b.red})/(${b.green}+${b.red}-${b.blue})`,
    range: [-1, 1],
  },
};

export const ROLE_NAMES: Record<Role, string> = { nir: 'NIR', red: 'red', green: 'green', blue: 'blue' };

/** Everything the style panel sets; the render (TiTiler's parameters) follows from it and the statistics. */
export interface RasterStyle {
  mode: 'single' | 'rgb' | 'index';
  band: number;
  rgb: [number, number, number];
  index: IndexName;
  roles: BandRoles;
  stretch: StretchKind;
  /** k of mean ± k·std */
  k: number;
  /** One [min, max] per output band, for the custom stretch. */
  custom: Array<[number, number]>;
  /** A colormap name without `_r`; null draws gray (or a paletted file's own colours). */
  colormap: string | null;
  reverse: boolean;
  /** The nodata override as typed; '' keeps the file's own. */
  nodata: string;
}

export const isEightBit = (info: RasterInfo) => info.dtype === 'uint8';

/** The band name the panels show: b1 with its description or colour when known. */
export function bandLabel(band: BandInfo): string {
  const about = band.description || (band.colorInterpretation !== 'gray' ? band.colorInterpretation : '');
  return about && about !== 'undefined' ? `b${band.index} · ${about}` : `b${band.index}`;
}

/** Which band holds which colour, from the bands' colour interpretations or descriptions. */
export function detectRoles(bands: BandInfo[]): BandRoles {
  const tests: Record<Role, RegExp> = {
    nir: /^(nir|near[\s_-]?infra[\s_-]?red)\b|\bnir\b/i,
    red: /^red$|\bred\b(?![\s_-]?edge)/i,
    green: /\bgreen\b/i,
    blue: /\bblue\b/i,
  };
  const roles: BandRoles = {};
  for (const role of Object.keys(tests) as Role[]) {
    const found =
      bands.find((b) => b.colorInterpretation === role) ?? bands.find((b) => tests[role].test(b.description));
    if (found) roles[role] = found.index;
  }
  return roles;
}

/** The roles an index still lacks (none: it can be computed). */
export const missingRoles = (index: IndexName, roles: BandRoles): Role[] =>
  INDICES[index].needs.filter((r) => roles[r] === undefined);

export function expressionOf(index: IndexName, roles: BandRoles): string | null {
  if (missingRoles(index, roles).length > 0) return null;
  const names = Object.fromEntries(Object.entries(roles).map(([r, i]) => [r, `b${i}`])) as Record<Role, string>;
  return INDICES[index].formula(names);
}

/** Looks right on first open: 8-bit RGB as it is, 8-bit single band gray, anything else stretched p2–p98. */
export function defaultStyle(info: RasterInfo): RasterStyle {
  const roles = detectRoles(info.bands);
  const first = info.bands[0]?.index ?? 1;
  const rgb: [number, number, number] =
    roles.red !== undefined && roles.green !== undefined && roles.blue !== undefined
      ? [roles.red, roles.green, roles.blue]
      : [1, 2, 3];
  const colour = info.bands.length >= 3 && !info.paletted && (isEightBit(info) || roles.red !== undefined);
  return {
    mode: colour ? 'rgb' : 'single',
    band: first,
    rgb,
    index: 'ndvi',
    roles,
    stretch: isEightBit(info) ? 'none' : 'p2',
    k: 2,
    custom: [],
    colormap: null,
    reverse: false,
    nodata: '',
  };
}

/** The keys of the statistics the style's stretch reads: the output bands. */
export function outputKeys(style: RasterStyle): string[] {
  switch (style.mode) {
    case 'single':
      return [`b${style.band}`];
    case 'rgb':
      return style.rgb.map((b) => `b${b}`);
    case 'index': {
      const expression = expressionOf(style.index, style.roles);
      return expression ? [expression] : [];
    }
  }
}

/** An output band's [min, max] under a stretch; null when its statistics are not known. */
export function stretchRange(style: RasterStyle, stats: BandStats | undefined, i: number): [number, number] | null {
  const p = (n: number) => stats?.percentiles[n];
  const range = ((): [number, number] | null => {
    if (style.stretch === 'custom') return style.custom[i] ?? null;
    if (!stats) return null;
    switch (style.stretch) {
      case 'minmax':
        return [stats.min, stats.max];
      case 'p1':
      case 'p2':
      case 'p5': {
        const n = Number(style.stretch.slice(1));
        const [lo, hi] = [p(n), p(100 - n)];
        return lo === undefined || hi === undefined ? null : [lo, hi];
      }
      case 'std':
        return [stats.mean - style.k * stats.std, stats.mean + style.k * stats.std];
      default:
        return null;
    }
  })();
  // A flat band (min = max) still needs a range the tile endpoint can divide by; a reversed one inverts.
  return range && range[1] === range[0] ? [range[0], range[0] + 1] : range;
}

/** The stretch the tile endpoint allows: none only for 8-bit bands as they are (no band math). */
export const canSkipStretch = (style: RasterStyle, info: RasterInfo) => isEightBit(info) && style.mode !== 'index';

export const colormapName = (style: RasterStyle): string | undefined =>
  style.colormap && style.mode !== 'rgb' ? `${style.colormap}${style.reverse ? '_r' : ''}` : undefined;

/** TiTiler's parameters for a style; null while a statistic it needs is missing. */
export function renderOf(style: RasterStyle, info: RasterInfo, stats: StatsByBand): RasterRender | null {
  const render: RasterRender = {};
  if (style.mode === 'single') render.bidx = [style.band];
  if (style.mode === 'rgb') render.bidx = [...style.rgb];
  if (style.mode === 'index') {
    const expression = expressionOf(style.index, style.roles);
    if (!expression) return null;
    render.expression = expression;
  }
  if (style.stretch !== 'none' || !canSkipStretch(style, info)) {
    const ranges = outputKeys(style).map((key, i) => stretchRange(style, stats[key], i));
    if (ranges.some((r) => r === null)) return null;
    render.rescale = ranges as Array<[number, number]>;
  }
  const colormap = colormapName(style);
  if (colormap) render.colormap_name = colormap;
  if (style.nodata.trim() !== '') render.nodata = style.nodata.trim();
  return render;
}

/** A percentile read off a histogram (linear within its bin): stored statistics carry no percentiles. */
export function histogramPercentile([counts, edges]: [number[], number[]], p: number): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const target = (p / 100) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i += 1) {
    const count = counts[i]!;
    if (seen + count >= target && count > 0) {
      const [lo, hi] = [edges[i]!, edges[i + 1]!];
      return lo + ((hi - lo) * (target - seen)) / count;
    }
    seen += count;
  }
  return edges[edges.length - 1];
}

/** A number as the panels show it: six significant digits, no trailing zeros. */
export const formatValue = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** A nodata override the API takes: a number or nan. */
export const isNodata = (text: string): boolean => /^(nan|[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?)$/i.test(text.trim());
