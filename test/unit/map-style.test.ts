import { describe, expect, it } from 'vitest';
import {
  defaultStyle,
  detectRoles,
  histogramPercentile,
  isNodata,
  renderOf,
  type BandInfo,
  type RasterInfo,
  type StatsByBand,
} from '../../web/src/map/style-model';

const band = (index: number, colorInterpretation = '', description = ''): BandInfo => ({
  index,
  colorInterpretation,
  description,
});
const info = (dtype: string, bands: BandInfo[], paletted = false): RasterInfo => ({
  dtype,
  bands,
  nodata: null,
  paletted,
});
const stats = (min: number, max: number): StatsByBand[string] => ({
  min,
  max,
  mean: (min + max) / 2,
  std: 1,
  histogram: null,
  percentiles: { 1: min + 1, 2: min + 2, 5: min + 5, 95: max - 5, 98: max - 2, 99: max - 1 },
});

describe("the web map's raster styles", () => {
  it('draws 8-bit RGB as it is, 8-bit single band gray, a palette with its own colours, anything else p2–p98', () => {
    const rgb = info('uint8', [band(1, 'red'), band(2, 'green'), band(3, 'blue')]);
    expect(renderOf(defaultStyle(rgb), rgb, {})).toEqual({ bidx: [1, 2, 3] });
    const gray = info('uint8', [band(1, 'gray')]);
    expect(renderOf(defaultStyle(gray), gray, {})).toEqual({ bidx: [1] });
    const palette = info('uint8', [band(1, 'palette')], true);
    expect(renderOf(defaultStyle(palette), palette, {})).toEqual({ bidx: [1] });
    const dem = info('float32', [band(1, 'gray')]);
    expect(renderOf(defaultStyle(dem), dem, {})).toBeNull();
    expect(renderOf(defaultStyle(dem), dem, { b1: stats(0, 100) })).toEqual({ bidx: [1], rescale: [[2, 98]] });
    // 16-bit colour (a multispectral camera's RGB): red, green and blue by their colours, each band stretched.
    const ms = info('uint16', [band(1, 'blue'), band(2, 'green'), band(3, 'red'), band(4, '', 'NIR')]);
    const s = { b1: stats(0, 10), b2: stats(0, 20), b3: stats(0, 30) };
    expect(renderOf(defaultStyle(ms), ms, s)).toEqual({
      bidx: [3, 2, 1],
      rescale: [
        [2, 28],
        [2, 18],
        [2, 8],
      ],
    });
  });

  it('finds NIR, red, green and blue by colour or description, not red edge', () => {
    expect(
      detectRoles([
        band(1, '', 'Blue'),
        band(2, '', 'Green'),
        band(3, '', 'Red'),
        band(4, '', 'RedEdge'),
        band(5, '', 'NIR'),
      ]),
    ).toEqual({ blue: 1, green: 2, red: 3, nir: 5 });
    expect(detectRoles([band(1, '', 'Red edge'), band(2, 'red'), band(3, '', 'near infrared')])).toEqual({
      red: 2,
      nir: 3,
    });
  });

  it('computes NDVI as band math with its range and colormap, and refuses it without a NIR band', () => {
    const ms = info('uint16', [band(1, 'red'), band(2, '', 'nir')]);
    const style = { ...defaultStyle(ms), mode: 'index' as const, index: 'ndvi' as const };
    expect(renderOf({ ...style, stretch: 'custom', custom: [[-1, 1]], colormap: 'rdylgn' }, ms, {})).toEqual({
      expression: '(b2-b1)/(b2+b1)',
      rescale: [[-1, 1]],
      colormap_name: 'rdylgn',
    });
    expect(renderOf({ ...style, roles: { red: 1 }, stretch: 'custom', custom: [[-1, 1]] }, ms, {})).toBeNull();
  });

  it('sends a colormap reversed as _r, a nodata override as typed, and a flat band a range it can divide by', () => {
    const dem = info('float32', [band(1)]);
    const style = {
      ...defaultStyle(dem),
      colormap: 'viridis',
      reverse: true,
      nodata: ' -9999 ',
      stretch: 'minmax' as const,
    };
    expect(renderOf(style, dem, { b1: stats(5, 5) })).toEqual({
      bidx: [1],
      rescale: [[5, 6]],
      colormap_name: 'viridis_r',
      nodata: '-9999',
    });
    expect(['-9999', 'nan', '1e-3', '.5'].every(isNodata)).toBe(true);
    expect(['', 'none', '1,2', '--1'].some(isNodata)).toBe(false);
  });

  it('reads percentiles off a histogram, linearly within a bin', () => {
    const histogram: [number[], number[]] = [
      [50, 0, 50],
      [0, 10, 20, 30],
    ];
    expect(histogramPercentile(histogram, 2)).toBeCloseTo(0.4);
    expect(histogramPercentile(histogram, 50)).toBe(10);
    expect(histogramPercentile(histogram, 98)).toBeCloseTo(29.6);
    expect(histogramPercentile([[0], [0, 1]], 50)).toBeUndefined();
  });
});
