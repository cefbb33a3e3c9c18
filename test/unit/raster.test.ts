import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../workers/raster/expression';
import { COLORMAP_NAMES, lookupCustom, namedColormap, parseColormap } from '../../workers/raster/colormaps';
import { TILE_MATRIX_SETS, isValidTile, tileBounds, zoomForResolution } from '../../workers/raster/tms';
import { encodeNpy, encodePng } from '../../workers/raster/encode';
import { BandAccumulator } from '../../workers/raster/statistics';
import { RasterError } from '../../workers/raster/errors';
import { rasterize } from '../../workers/raster/analysis';

const evaluate = (text: string, ...bands: number[]) => parseExpression(text, Math.max(bands.length, 1)).outputs.map((f) => f(Float64Array.from(bands)));

describe('band expressions', () => {
  it('follow arithmetic precedence, functions and comparisons', () => {
    expect(evaluate('(b2-b1)/(b2+b1)', 1, 3)).toEqual([0.5]);
    expect(evaluate('b1 + b2 * 2 ^ 2', 1, 3)).toEqual([13]);
    expect(evaluate('-b1 ** 2', 3)).toEqual([-9]);
    expect(evaluate('where(b1 > 2, sqrt(b1 * 4), abs(-b1))', 4)).toEqual([4]);
    expect(evaluate('max(b1, 7, 3); min(b1, 2)', 5)).toEqual([7, 2]);
  });

  it('report the bands they read', () => {
    expect(parseExpression('b3 / (b1 + 1)', 4).bands).toEqual([0, 2]);
  });

  it('refuse anything that is not band math, with a 400', () => {
    for (const bad of ["b1 + import('x')", 'constructor', 'b1 +', '(b1', 'b9', 'process.exit()', 'sqrt(b1, b1)', '', ' ; ']) {
      expect(() => parseExpression(bad, 3), bad).toThrow(RasterError);
    }
  });
});

describe('colormaps', () => {
  it('include the matplotlib perceptual maps, greys, rdylgn, terrain and their reverses', () => {
    for (const name of ['viridis', 'plasma', 'inferno', 'magma', 'cividis', 'greys', 'rdylgn', 'terrain', 'viridis_r', 'terrain_r']) {
      expect(COLORMAP_NAMES).toContain(name);
      expect(namedColormap(name)).toHaveLength(1024);
    }
    // viridis starts dark purple and ends yellow (matplotlib's table); _r is the mirror.
    expect(Array.from(namedColormap('viridis').subarray(0, 4))).toEqual([68, 1, 84, 255]);
    expect(Array.from(namedColormap('viridis_r').subarray(1020, 1024))).toEqual([68, 1, 84, 255]);
    expect(() => namedColormap('nope')).toThrow(RasterError);
  });

  it('parse discrete and interval colormaps', () => {
    const discrete = parseColormap('{"1": [255, 0, 0], "2": [0, 255, 0, 128]}');
    expect(lookupCustom(discrete, 1)).toEqual([255, 0, 0, 255]);
    expect(lookupCustom(discrete, 3)).toEqual([0, 0, 0, 0]);
    const intervals = parseColormap('[[[0, 10], [0, 0, 255, 255]], [[10, 20], [255, 255, 0, 255]]]');
    expect(lookupCustom(intervals, 15)).toEqual([255, 255, 0, 255]);
    for (const bad of ['{', '[1, 2]', '{"a": [1, 2, 3]}', '{"1": [300, 0, 0]}', '"x"']) expect(() => parseColormap(bad), bad).toThrow(RasterError);
  });
});

describe('tile matrix sets', () => {
  it('WebMercatorQuad tiles tile the world', () => {
    const tms = TILE_MATRIX_SETS.WebMercatorQuad;
    expect(tileBounds(tms, 0, 0, 0)).toEqual([-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244]);
    const [minx, , maxx] = tileBounds(tms, 1, 1, 0);
    expect(minx).toBe(0);
    expect(maxx).toBeCloseTo(20037508.342789244, 6);
    expect(isValidTile(tms, 2, 3, 3)).toBe(true);
    expect(isValidTile(tms, 2, 4, 0)).toBe(false);
    expect(isValidTile(tms, 40, 0, 0)).toBe(false);
    expect(zoomForResolution(tms, 156543.03392804097 / 2 ** 9)).toBe(9);
  });

  it('WorldCRS84Quad has two tiles at zoom 0', () => {
    const tms = TILE_MATRIX_SETS.WorldCRS84Quad;
    expect(tileBounds(tms, 0, 1, 0)).toEqual([0, -90, 180, 90]);
    expect(isValidTile(tms, 0, 1, 0)).toBe(true);
    expect(isValidTile(tms, 0, 0, 1)).toBe(false);
  });
});

describe('encoders', () => {
  it('write NumPy .npy with a 64-byte aligned header, bands then mask', () => {
    const npy = encodeNpy([Float64Array.of(1, 2, 3, 65535)], Uint8Array.of(1, 0, 1, 1), 2, 2, 'uint16');
    const headerLength = new DataView(npy.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(npy.subarray(10, 10 + headerLength));
    expect(header).toContain("'descr': '<u2'");
    expect(header).toContain("'shape': (2, 2, 2)");
    expect(Array.from(new Uint16Array(npy.slice(10 + headerLength).buffer))).toEqual([1, 2, 3, 65535, 255, 0, 255, 255]);
  });

  it('write a PNG the runtime can inflate back to the pixels', async () => {
    const pixels = Uint8Array.from({ length: 4 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const png = await encodePng(pixels, 4, 3, 4);
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const idatLength = new DataView(png.buffer).getUint32(33);
    const idat = png.subarray(41, 41 + idatLength);
    const raw = new Uint8Array(await new Response(new Response(idat).body!.pipeThrough(new DecompressionStream('deflate'))).arrayBuffer());
    // Undo the Up filter row by row.
    const rows: number[][] = [];
    for (let y = 0; y < 3; y++) {
      const line = Array.from(raw.subarray(y * 17 + 1, (y + 1) * 17));
      rows.push(y === 0 ? line : line.map((v, i) => (v + rows[y - 1]![i]!) & 0xff));
    }
    expect(rows.flat()).toEqual(Array.from(pixels));
  });
});

describe('statistics accumulator', () => {
  it('matches numpy on integers (median, percentiles, majority, histogram)', () => {
    const acc = new BandAccumulator(true);
    acc.add(Float64Array.of(1, 2, 2, 3, 4, 10, 99), Uint8Array.of(1, 1, 1, 1, 1, 1, 0));
    const s = acc.finish({ percentiles: [25, 98], bins: 3, integer: true });
    expect(s).toMatchObject({ min: 1, max: 10, count: 6, sum: 22, median: 2.5, majority: 2, unique: 5, masked_pixels: 1, valid_pixels: 6 });
    expect(s.percentile_25).toBe(2);
    expect(s.percentile_98).toBeCloseTo(9.4, 10);
    expect(s.mean).toBeCloseTo(22 / 6, 12);
    expect(s.histogram[0]).toEqual([4, 1, 1]);
  });

  it('keeps float values and skips per-band nodata and NaN', () => {
    const acc = new BandAccumulator(false);
    acc.add(Float64Array.of(0.5, NaN, -9999, 1.5), Uint8Array.of(1, 1, 1, 1), undefined, -9999);
    expect(acc.finish({ percentiles: [50], bins: 2, integer: false })).toMatchObject({ count: 2, min: 0.5, max: 1.5, median: 1, std: 0.5 });
  });
});

describe('polygon rasterization', () => {
  it('marks pixel centres inside, with holes', () => {
    const square = [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]];
    const mask = rasterize([square], { proj4: 'EPSG:3857', bounds: [0, 0, 4, 4], width: 4, height: 4 });
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  });
});
