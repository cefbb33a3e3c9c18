// The named colormaps (workers/engines/raster/colormaps.ts and its generated tables) against
// matplotlib's own answers, computed by the test config, and TiTiler's /colorMaps endpoints through
// the whole Worker.
import { exports } from 'cloudflare:workers';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { COLORMAP_NAMES, colormapLut, namedColormap } from '../../workers/engines/raster/colormaps';
import { RasterError } from '../../workers/engines/raster/errors';

const matplotlib = JSON.parse(env.MATPLOTLIB_COLORMAPS) as Record<string, number[][]>;

/** Data to Science's colour ramps (its frontend's RasterSymbologySettings/cmaps.tsx), sent as colormap_name. */
const DATA_TO_SCIENCE = [
  ...['viridis', 'plasma', 'inferno', 'magma', 'cividis'],
  ...['purples', 'blues', 'greens', 'oranges', 'reds', 'ylorbr', 'ylorrd', 'orrd', 'purd', 'rdpu', 'bupu', 'gnbu'],
  ...['pubu', 'ylgnbu', 'pubugn', 'bugn', 'ylgn'],
  ...['binary', 'gist_yarg', 'gist_gray', 'gray', 'bone', 'pink', 'spring', 'summer', 'autumn', 'winter', 'cool'],
  ...['wistia', 'hot', 'afmhot', 'gist_heat', 'copper'],
  ...['piyg', 'prgn', 'brbg', 'puor', 'rdgy', 'rdbu', 'rdylbu', 'rdylgn', 'spectral', 'coolwarm', 'bwr', 'seismic'],
  ...['twilight', 'twilight_shifted', 'hsv'],
  ...['flag', 'prism', 'ocean', 'gist_earth', 'terrain', 'gist_stern', 'gnuplot', 'gnuplot2', 'cmrmap', 'cubehelix'],
  ...['brg', 'gist_rainbow', 'rainbow', 'jet', 'nipy_spectral', 'gist_ncar'],
  ...['pastel1', 'pastel2', 'paired', 'accent', 'dark2', 'set1', 'set2', 'set3', 'tab10', 'tab20', 'tab20b', 'tab20c'],
];

const BASES = COLORMAP_NAMES.filter((name) => !name.endsWith('_r'));

const entry = (lut: Uint8Array, i: number) => Array.from(lut.subarray(i * 4, i * 4 + 4));

describe('named colormaps', () => {
  it('are rio-tiler’s: matplotlib’s, cmocean’s and its own, each with its reverse', () => {
    expect(BASES).toHaveLength(107);
    expect(COLORMAP_NAMES).toHaveLength(214);
    for (const name of ['jet', 'tab20c', 'gist_earth', 'twilight_shifted', 'algae', 'tarn', 'cfastie', 'schwarzwald'])
      expect(COLORMAP_NAMES, name).toContain(name);
    for (const name of BASES) expect(COLORMAP_NAMES, name).toContain(`${name}_r`);
  });

  it('hold matplotlib’s own entries', () => {
    expect(Object.keys(matplotlib).length).toBeGreaterThanOrEqual(10);
    for (const [name, entries] of Object.entries(matplotlib)) {
      expect(entries, name).toHaveLength(256);
      expect(Array.from(namedColormap(name)), name).toEqual(entries.flat());
    }
    // As matplotlib's documentation gives them: viridis starts at #440154, jet at dark blue (0, 0, 0.5).
    expect(entry(namedColormap('viridis'), 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(entry(namedColormap('jet'), 0)).toEqual([0, 0, 127, 255]);
  });

  it('reverse every table as `_r`', () => {
    for (const name of BASES) {
      const lut = namedColormap(name);
      const reversed = namedColormap(`${name}_r`);
      for (let i = 0; i < 256; i++) expect(entry(reversed, i), `${name}_r[${i}]`).toEqual(entry(lut, 255 - i));
    }
  });

  it('take every ramp Data to Science offers, and its reverse', () => {
    expect(DATA_TO_SCIENCE).toHaveLength(81);
    for (const name of DATA_TO_SCIENCE) {
      expect(colormapLut(name), name).toBeDefined();
      expect(colormapLut(`${name}_r`), `${name}_r`).toBeDefined();
    }
  });

  it('refuse other names with a 400 naming colormap_name, inherited object members included', () => {
    for (const name of ['nope', '__proto__', 'constructor', 'hasOwnProperty_r', 'toString', '_r', '']) {
      expect(colormapLut(name), name).toBeUndefined();
      expect(() => namedColormap(name), name).toThrow(RasterError);
    }
    expect(() => namedColormap('nope')).toThrow(/Unknown colormap_name "nope"/);
    // The names are rio-tiler's, lower case; a capitalised one is read as it always was here.
    expect(namedColormap('Viridis')).toEqual(namedColormap('viridis'));
  });
});

const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://edge.test${path}`, init));

async function problem(
  response: Response,
  status: number,
): Promise<{ detail: string; errors?: Array<{ path: string }> }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return response.json();
}

const pngSize = async (response: Response) => {
  const png = new DataView(await response.arrayBuffer());
  return [png.getUint32(16), png.getUint32(20)];
};

/** A .npy of uint8 planes: its shape and its bytes. */
async function npy(response: Response): Promise<{ shape: number[]; data: Uint8Array }> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  expect(header).toContain("'descr': '|u1'");
  const shape = /'shape': \(([\d, ]+)\)/.exec(header)![1]!.split(',').map(Number);
  return { shape, data: bytes.subarray(10 + headerLength) };
}

describe('GET /colorMaps', () => {
  it('lists every name with a link to its values, public and cacheable', async () => {
    const response = await call('/colorMaps');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const { colormaps } = await response.json<{
      colormaps: Array<{ id: string; links: Array<Record<string, string>> }>;
    }>();
    expect(colormaps.map((c) => c.id)).toEqual(COLORMAP_NAMES);
    expect(colormaps.find((c) => c.id === 'viridis')?.links).toEqual([
      {
        href: 'http://edge.test/colorMaps/viridis',
        rel: 'item',
        type: 'application/json',
        title: 'Definition of viridis ColorMap',
      },
    ]);
    expect((await call('/colorMaps', { headers: { 'if-none-match': etag! } })).status).toBe(304);
  });
});

describe('GET /colorMaps/{colorMapId}', () => {
  it('answers the values TiTiler answers: "0" to "255", each [r, g, b, a]', async () => {
    const response = await call('/colorMaps/viridis');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toMatch(/^public/);
    const values = await response.json<Record<string, number[]>>();
    expect(Object.keys(values)).toEqual(Array.from({ length: 256 }, (_, i) => String(i)));
    expect(Object.values(values).flat()).toEqual(matplotlib.viridis!.flat());
    const reversed = await (await call('/colorMaps/viridis_r?f=json')).json<Record<string, number[]>>();
    expect(reversed['0']).toEqual(values['255']);
  });

  it('draws the ramp: 256 × 20 by default, 20 × 256 vertical, or the size asked', async () => {
    const horizontal = await call('/colorMaps/terrain?f=png');
    expect(horizontal.status).toBe(200);
    expect(horizontal.headers.get('content-type')).toBe('image/png');
    expect(horizontal.headers.get('cache-control')).toMatch(/^public/);
    expect(await pngSize(horizontal)).toEqual([256, 20]);
    expect(await pngSize(await call('/colorMaps/terrain?f=png&orientation=vertical'))).toEqual([20, 256]);
    expect(await pngSize(await call('/colorMaps/terrain?f=png&width=1000&height=100'))).toEqual([1000, 100]);
    // TiTiler before 0.24 called `f` `format`.
    expect(await pngSize(await call('/colorMaps/terrain?format=png&width=64'))).toEqual([64, 20]);
    const jpeg = await call('/colorMaps/jet?f=jpg');
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(Array.from(new Uint8Array(await jpeg.arrayBuffer()).subarray(0, 3))).toEqual([0xff, 0xd8, 0xff]);
    const webp = await call('/colorMaps/jet?f=webp');
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(new TextDecoder().decode(new Uint8Array(await webp.arrayBuffer()).subarray(8, 12))).toBe('WEBP');
  });

  it('lays the entries along the image, resized by nearest neighbour at pixel centres', async () => {
    const lut = namedColormap('viridis');
    const pixel = (image: { shape: number[]; data: Uint8Array }, x: number, y: number) => {
      const [, height, width] = image.shape as [number, number, number];
      return [0, 1, 2, 3].map((plane) => image.data[plane * width * height + y * width + x]);
    };
    // Twice as wide as the table: pixel x shows entry x / 2, on every row.
    const wide = await npy(await call('/colorMaps/viridis?f=npy&width=512&height=3'));
    expect(wide.shape).toEqual([4, 3, 512]);
    for (const [x, y] of [
      [0, 0],
      [1, 2],
      [101, 1],
      [511, 2],
    ] as const)
      expect(pixel(wide, x, y), `(${x}, ${y})`).toEqual(entry(lut, x >> 1));
    // Narrower: pixel x shows the entry under its centre, (x + 0.5) × 2.56.
    const narrow = await npy(await call('/colorMaps/viridis?f=npy&width=100'));
    for (const [x, i] of [
      [0, 1],
      [1, 3],
      [50, 129],
      [99, 254],
    ] as const)
      expect(pixel(narrow, x, 19), `x ${x}`).toEqual(entry(lut, i));
    // Vertical: row y shows entry y, from the top.
    const tall = await npy(await call('/colorMaps/viridis?f=npy&orientation=vertical'));
    expect(tall.shape).toEqual([4, 256, 20]);
    for (const y of [0, 1, 128, 255]) expect(pixel(tall, 7, y), `row ${y}`).toEqual(entry(lut, y));
  });

  it('refuses an unknown name with a 404, and sizes or formats it cannot draw with a 400 naming the parameter', async () => {
    expect((await problem(await call('/colorMaps/nope'), 404)).detail).toContain('nope');
    await problem(await call('/colorMaps/__proto__'), 404);
    for (const [query, parameter] of [
      ['f=png&width=5000', 'query.width'],
      ['f=png&height=1025', 'query.height'],
      ['f=png&height=0', 'query.height'],
      ['f=tif', 'query.f'],
      ['orientation=diagonal', 'query.orientation'],
    ]) {
      const refused = await problem(await call(`/colorMaps/viridis?${query}`), 400);
      expect(
        refused.errors?.map((e) => e.path),
        query,
      ).toContain(parameter);
    }
    expect((await problem(await call('/colorMaps/viridis?f=png&format=jpeg'), 400)).detail).toMatch(
      /f=png.*format=jpeg/,
    );
  });
});
