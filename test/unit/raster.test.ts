import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../workers/engines/raster/expression';
import { COLORMAP_NAMES, lookupCustom, namedColormap, parseColormap } from '../../workers/engines/raster/colormaps';
import { TILE_MATRIX_SETS, isValidTile, tileBounds, zoomForResolution } from '../../workers/engines/raster/tms';
import { encodeNpy, encodePngBands, encodePngRgba } from '../../workers/engines/raster/encode';
import { BandAccumulator } from '../../workers/engines/raster/statistics';
import { RasterError } from '../../workers/engines/raster/errors';
import { rasterize } from '../../workers/engines/raster/analysis';
import proj4 from 'proj4';
import { resample, transformer, type Mapping } from '../../workers/engines/raster/warp';

const evaluate = (text: string, ...bands: number[]) =>
  parseExpression(text, Math.max(bands.length, 1)).outputs.map((f) => f(Float64Array.from(bands)));

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
    for (const bad of [
      "b1 + import('x')",
      'constructor',
      'b1 +',
      '(b1',
      'b9',
      'process.exit()',
      'sqrt(b1, b1)',
      '',
      ' ; ',
    ]) {
      expect(() => parseExpression(bad, 3), bad).toThrow(RasterError);
    }
  });
});

describe('colormaps', () => {
  it('include the matplotlib perceptual maps, greys, rdylgn, terrain and their reverses', () => {
    for (const name of [
      'viridis',
      'plasma',
      'inferno',
      'magma',
      'cividis',
      'greys',
      'rdylgn',
      'terrain',
      'viridis_r',
      'terrain_r',
    ]) {
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
    for (const bad of ['{', '[1, 2]', '{"a": [1, 2, 3]}', '{"1": [300, 0, 0]}', '"x"'])
      expect(() => parseColormap(bad), bad).toThrow(RasterError);
  });
});

describe('tile matrix sets', () => {
  it('WebMercatorQuad tiles tile the world', () => {
    const tms = TILE_MATRIX_SETS.WebMercatorQuad;
    expect(tileBounds(tms, 0, 0, 0)).toEqual([
      -20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244,
    ]);
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
    expect(Array.from(new Uint16Array(npy.slice(10 + headerLength).buffer))).toEqual([
      1, 2, 3, 65535, 255, 0, 255, 255,
    ]);
    // The mask's 255 does not fit int8: it is int8's largest value there.
    const signed = encodeNpy([Float64Array.of(-128, 2, 0, 127)], Uint8Array.of(1, 1, 0, 1), 2, 2, 'int8');
    expect(Array.from(new Int8Array(signed.slice(10 + new DataView(signed.buffer).getUint16(8, true)).buffer))).toEqual(
      [-128, 2, 0, 127, 127, 127, 0, 127],
    );
    const floats = encodeNpy([Float64Array.of(0.25, NaN)], Uint8Array.of(1, 0), 2, 1, 'float32');
    expect(
      Array.from(new Float32Array(floats.slice(10 + new DataView(floats.buffer).getUint16(8, true)).buffer)),
    ).toEqual([0.25, NaN, 255, 0]);
  });

  /** A PNG's header fields and its samples, inflated by the runtime and the Up filter undone. */
  async function readPng(png: Uint8Array) {
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const view = new DataView(png.buffer, png.byteOffset);
    const [width, height, depth, colorType] = [view.getUint32(16), view.getUint32(20), png[24]!, png[25]!];
    const channels = ({ 0: 1, 4: 2, 2: 3, 6: 4 } as Record<number, number>)[colorType]!;
    const idat = png.subarray(41, 41 + view.getUint32(33));
    const raw = new Uint8Array(
      await new Response(new Response(idat).body!.pipeThrough(new DecompressionStream('deflate'))).arrayBuffer(),
    );
    const rowBytes = (width * channels * depth) / 8;
    const bytes: number[] = [];
    for (let y = 0; y < height; y++) {
      expect(raw[y * (rowBytes + 1)]).toBe(2);
      const line = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
      line.forEach((v, i) => bytes.push(y === 0 ? v : (v + bytes[(y - 1) * rowBytes + i]!) & 0xff));
    }
    const samples =
      depth === 16 ? bytes.filter((_, i) => i % 2 === 0).map((hi, i) => hi * 256 + bytes[2 * i + 1]!) : bytes;
    return { width, height, depth, colorType, samples };
  }

  it('write PNGs from bands, the mask as alpha, 8 and 16 bits', async () => {
    const band = Float64Array.of(13, 0, 255, 0, 7, 200);
    const mask = Uint8Array.of(1, 1, 0, 1, 1, 1);
    const gray8 = await readPng(encodePngBands([band], 8, 3, 2, mask));
    expect(gray8).toMatchObject({ width: 3, height: 2, depth: 8, colorType: 4 });
    expect(gray8.samples).toEqual([13, 255, 0, 255, 255, 0, 0, 255, 7, 255, 200, 255]);
    const wide = Float64Array.of(13, 0, 300, 0, 7, 65535);
    const rgb16 = await readPng(
      encodePngBands([wide, wide.map((v) => 65535 - v), Float64Array.of(1, 2, 3, 4, 5, 6)], 16, 3, 2),
    );
    expect(rgb16).toMatchObject({ depth: 16, colorType: 2 });
    expect(rgb16.samples).toEqual([13, 65522, 1, 0, 65535, 2, 300, 65235, 3, 0, 65535, 4, 7, 65528, 5, 65535, 0, 6]);
    const alpha16 = await readPng(encodePngBands([wide], 16, 3, 2, mask));
    expect(alpha16.samples.filter((_, i) => i % 2 === 1)).toEqual([65535, 65535, 0, 65535, 65535, 65535]);
  });

  it('write PNGs from RGBA, with or without its alpha', async () => {
    const rgba = Uint8Array.from({ length: 4 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const withAlpha = await readPng(encodePngRgba(rgba, 4, 3, true));
    expect(withAlpha).toMatchObject({ width: 4, height: 3, depth: 8, colorType: 6 });
    expect(withAlpha.samples).toEqual(Array.from(rgba));
    const opaque = await readPng(encodePngRgba(rgba, 4, 3, false));
    expect(opaque.colorType).toBe(2);
    expect(opaque.samples).toEqual(Array.from(rgba).filter((_, i) => i % 4 !== 3));
  });
});

describe('resampling', () => {
  // A 2×1 window of a level 2 pixels wide; output pixel centres mapped to level coordinates.
  const source = (values: number[]) => ({
    width: 2,
    height: 1,
    bands: [Float64Array.from(values)],
    mask: Uint8Array.of(1, 1),
  });
  // Output pixel i falls at (xs[i], 0.5) of the level: a run of one each.
  const runs = (xs: number[]) => Float64Array.from(xs.flatMap((x, i) => [i, 1, x, 0.5, 0, 0]));
  const mapping = (xs: number[]) => ({
    level: { width: 2, height: 1 } as Mapping['level'],
    runs: runs(xs),
    window: { x: 0, y: 0, width: 2, height: 1 },
  });
  const grid = (width: number) => ({
    proj4: 'EPSG:3857',
    bounds: [0, 0, width, 1] as [number, number, number, number],
    width,
    height: 1,
  });

  it('rounds bilinear values half up into integer types, as GDAL writes them, and keeps floats', () => {
    // Halfway between the two pixel centres (0.5 and 1.5): the mean of 10 and 13 is 11.5.
    expect(Array.from(resample(source([10, 13]), mapping([1]), grid(1), 'bilinear', 'uint8').bands[0]!)).toEqual([12]);
    expect(Array.from(resample(source([10, 13]), mapping([1]), grid(1), 'bilinear', 'float32').bands[0]!)).toEqual([
      11.5,
    ]);
    expect(Array.from(resample(source([-10, -13]), mapping([1]), grid(1), 'bilinear', 'int16').bands[0]!)).toEqual([
      -11,
    ]);
  });

  it('clamps what a kernel overshoots to the range of the type', () => {
    const block = { width: 4, height: 1, bands: [Float64Array.of(0, 0, 255, 255)], mask: Uint8Array.of(1, 1, 1, 1) };
    const cubic = (type: 'uint8' | 'float64') =>
      resample(
        block,
        {
          level: { width: 4, height: 1 } as Mapping['level'],
          runs: runs([2.8]),
          window: { x: 0, y: 0, width: 4, height: 1 },
        },
        grid(1),
        'cubic',
        type,
      ).bands[0]![0]!;
    expect(cubic('float64')).toBeGreaterThan(255);
    expect(cubic('uint8')).toBe(255);
  });
});

describe('point transforms', () => {
  // Web Mercator tiles to: UTM (WGS84), transverse Mercator on GRS80 without a datum, Lambert
  // conformal conic (NAD83), Robinson, and two proj4 must shift or scale (Airy with a Helmert
  // shift, US feet), which take its own path.
  const targets = [
    '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs',
    '+proj=tmerc +lat_0=0 +lon_0=-105 +k_0=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +no_defs',
    '+proj=lcc +lat_1=33 +lat_2=45 +lat_0=39 +lon_0=-96 +x_0=0 +y_0=0 +datum=NAD83 +units=m +no_defs',
    '+proj=robin +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
    '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
      '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
    '+proj=utm +zone=33 +datum=WGS84 +units=us-ft +no_defs',
  ];

  it('give exactly what proj4 gives, from Web Mercator and from CRS84', () => {
    for (const from of ['EPSG:3857', 'EPSG:4326']) {
      for (const to of targets) {
        const ours = transformer(from, to);
        const reference = proj4(from, to);
        for (let i = 0; i < 500; i++) {
          // A spread of points over the world, the same every run.
          const [u, v] = [((i * 7919) % 997) / 997, ((i * 104729) % 991) / 991];
          const [x, y] = from === 'EPSG:3857' ? [-2e7 + 4e7 * u, -1.5e7 + 3e7 * v] : [-180 + 360 * u, -80 + 160 * v];
          const expected = reference.forward([x, y]);
          const [px, py] = ours(x, y);
          expect([px, py, to]).toEqual([expected[0], expected[1], to]);
        }
      }
    }
  });
});

describe('statistics accumulator', () => {
  it('matches numpy on integers (median, percentiles, majority, histogram)', () => {
    const acc = new BandAccumulator(true);
    acc.add(Float64Array.of(1, 2, 2, 3, 4, 10, 99), Uint8Array.of(1, 1, 1, 1, 1, 1, 0));
    const s = acc.finish({ percentiles: [25, 98], bins: 3, integer: true });
    expect(s).toMatchObject({
      min: 1,
      max: 10,
      count: 6,
      sum: 22,
      median: 2.5,
      majority: 2,
      unique: 5,
      masked_pixels: 1,
      valid_pixels: 6,
    });
    expect(s.percentile_25).toBe(2);
    expect(s.percentile_98).toBeCloseTo(9.4, 10);
    expect(s.mean).toBeCloseTo(22 / 6, 12);
    expect(s.histogram[0]).toEqual([4, 1, 1]);
  });

  it('keeps float values and skips per-band nodata and NaN', () => {
    const acc = new BandAccumulator(false);
    acc.add(Float64Array.of(0.5, NaN, -9999, 1.5), Uint8Array.of(1, 1, 1, 1), undefined, -9999);
    expect(acc.finish({ percentiles: [50], bins: 2, integer: false })).toMatchObject({
      count: 2,
      min: 0.5,
      max: 1.5,
      median: 1,
      std: 0.5,
    });
  });
});

describe('polygon rasterization', () => {
  it('marks pixel centres inside, with holes', () => {
    const square = [
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
        [0, 0],
      ],
      [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
        [1, 1],
      ],
    ];
    const mask = rasterize([square], { proj4: 'EPSG:3857', bounds: [0, 0, 4, 4], width: 4, height: 4 });
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  });
});
