import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { call, json, newUser, problem, seed } from './helpers';
import {
  compareRasters,
  gdal,
  gdalinfo,
  lonLatToMercator,
  mercatorTile,
  mercatorTileBounds as mercatorTileBoundsOf,
  parseNpy,
  tilesFor,
} from './gdal';

const apiKey = seed.admin.apiKey;
const COGS = Object.entries(seed.dataProducts).filter(([name]) => name.endsWith('.tif'));
const product = (name: string) => seed.dataProducts[name]!;
const byKey = (key: string) => `url=${encodeURIComponent(key)}`;
/** A file the test runner generated into the bucket (scripts/test.ts), on disk for GDAL. */
const testFile = (name: string) => `${new URL('../../', import.meta.url).pathname}.dev/test-objects/${name}`;

const scratch = mkdtempSync(join(tmpdir(), 'stats-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * `gdalinfo -stats` computed afresh. Some fixtures carry stale statistics in their own metadata,
 * which gdalinfo would just print, so it reads them through a VRT (which also keeps the .aux.xml
 * it writes out of the read-only ../shared).
 */
function gdalStats(name: string) {
  const vrt = join(scratch, `${name}.vrt`);
  gdal('gdalbuildvrt', ['-q', vrt, `${FIXTURES}/cog/${name}`]);
  const info = JSON.parse(gdal('gdalinfo', ['-json', '-stats', vrt])) as {
    bands: Array<{ metadata: { '': Record<string, string> }; colorInterpretation: string }>;
  };
  return info.bands.map((b) => ({
    min: Number(b.metadata['']!.STATISTICS_MINIMUM),
    max: Number(b.metadata['']!.STATISTICS_MAXIMUM),
    mean: Number(b.metadata['']!.STATISTICS_MEAN),
    std: Number(b.metadata['']!.STATISTICS_STDDEV),
    alpha: b.colorInterpretation === 'Alpha',
  }));
}

function centre(name: string): [number, number] {
  const ring = gdalinfo(`${FIXTURES}/cog/${name}`).wgs84Extent.coordinates[0]!;
  const lons = ring.map((p) => p[0]!);
  const lats = ring.map((p) => p[1]!);
  return [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
}

describe('statistics at full resolution agree with gdalinfo -stats', () => {
  // cog_rgba's alpha band masks pixels for us (as for TiTiler) but not for gdalinfo, so it is left out.
  it.each(COGS.filter(([name]) => name !== 'cog_rgba.tif'))('%s', async (name, p) => {
    const reference = gdalStats(name).filter((b) => !b.alpha);
    const ours = await json<Record<string, { min: number; max: number; mean: number; std: number }>>(
      await call(`/data-products/${p.id}/statistics?max_size=0`, { apiKey }),
      200,
    );
    expect(Object.keys(ours)).toEqual(reference.map((_, i) => `b${i + 1}`));
    reference.forEach((ref, i) => {
      const band = ours[`b${i + 1}`]!;
      // GDAL prints statistics with 14 significant digits (%.14g).
      expect(Number(band.min.toPrecision(14))).toBe(ref.min);
      expect(Number(band.max.toPrecision(14))).toBe(ref.max);
      expect(Math.abs(band.mean - ref.mean) / Math.abs(ref.mean || 1)).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(band.std - ref.std) / Math.abs(ref.std || 1)).toBeLessThanOrEqual(1e-4);
    });
  });

  it('have TiTiler’s shape, percentiles and histogram options', async () => {
    const stats = await json<Record<string, Record<string, unknown>>>(
      await call(
        `/data-products/${product('cog.tif').id}/statistics?p=10&p=90&histogram_bins=4&histogram_range=0,8000`,
        { apiKey },
      ),
      200,
    );
    const b1 = stats.b1!;
    for (const key of [
      'min',
      'max',
      'mean',
      'count',
      'sum',
      'std',
      'median',
      'majority',
      'minority',
      'unique',
      'valid_percent',
      'masked_pixels',
      'valid_pixels',
      'percentile_10',
      'percentile_90',
    ]) {
      expect(b1, key).toHaveProperty(key);
    }
    const [counts, edges] = b1.histogram as [number[], number[]];
    expect(counts).toHaveLength(4);
    expect(edges).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(b1.valid_pixels);
  });

  it('inside a polygon (POST), per feature', async () => {
    const [lon, lat] = centre('cog.tif');
    const square = (d: number) => ({
      type: 'Feature',
      properties: { name: `d${d}` },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [lon - d, lat - d / 4],
            [lon + d, lat - d / 4],
            [lon + d, lat + d / 4],
            [lon - d, lat + d / 4],
            [lon - d, lat - d / 4],
          ],
        ],
      },
    });
    const response = await call(`/data-products/${product('cog.tif').id}/statistics?max_size=0`, {
      apiKey,
      json: { type: 'FeatureCollection', features: [square(0.1), square(0.4)] },
    });
    expect(response.headers.get('content-type')).toMatch(/geo\+json/);
    const body = await json<{
      features: Array<{ properties: { name: string; statistics: { b1: { valid_pixels: number } } } }>;
    }>(response, 200);
    const [small, large] = body.features.map((f) => f.properties.statistics.b1.valid_pixels);
    expect(small).toBeGreaterThan(0);
    expect(large!).toBeGreaterThan(small! * 10);
    expect(body.features[0]!.properties.name).toBe('d0.1');
  });
});

describe('point values agree with gdallocationinfo -wgs84', () => {
  it.each(COGS)('%s', async (name, p) => {
    const [lon, lat] = centre(name);
    const expected = gdal('gdallocationinfo', [
      '-wgs84',
      '-valonly',
      `${FIXTURES}/cog/${name}`,
      String(lon),
      String(lat),
    ])
      .trim()
      .split('\n')
      .map(Number);
    const ours = await json<{ values: Array<number | null> }>(
      await call(`/data-products/${p.id}/point/${lon},${lat}?bidx=${expected.map((_, i) => i + 1).join(',')}`, {
        apiKey,
      }),
      200,
    );
    ours.values.forEach((v, i) => {
      if (Number.isNaN(expected[i])) expect(v).toBeNull();
      else expect(v).toBe(expected[i]);
    });
  });

  it('outside the dataset is 404', async () => {
    await problem(await call(`/data-products/${product('cog.tif').id}/point/10,10`, { apiKey }), 404);
  });
});

describe('malformed input gets a 4xx problem within a second', () => {
  const cog = product('cog.tif');
  const cases: Array<[string, string, number]> = [
    [
      'a truncated COG',
      `/cog/tiles/WebMercatorQuad/9/174/101.png?${byKey(seed.objects['truncated.tif']!)}&rescale=0,8000`,
      422,
    ],
    ['a COG cut inside its header', `/cog/info?${byKey(seed.objects['truncated-header.tif']!)}`, 422],
    ['a file that is not a TIFF', `/cog/info?${byKey(seed.objects['not-a-tiff.tif']!)}`, 422],
    ['a wrong url', `/cog/info?${byKey(`projects/${seed.demoProjectId}/no/such.tif`)}`, 404],
    ['a url outside any project', `/cog/info?url=..%2F..%2Fetc%2Fpasswd`, 404],
    ['an outside URL (no proxying)', `/cog/info?url=${encodeURIComponent('https://example.com/a.tif')}`, 404],
    ['an unknown TMS', `/data-products/${cog.id}/tiles/NoSuchTMS/1/0/0.png`, 404],
    ['zoom 40', `/data-products/${cog.id}/tiles/WebMercatorQuad/40/0/0.png`, 400],
    [
      'a bad expression',
      `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.png?expression=b1+%2B+import('x')`,
      400,
    ],
    [
      'an expression naming a missing band',
      `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.npy?expression=b7*2`,
      400,
    ],
    [
      'an unknown colormap',
      `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.png?rescale=0,8000&colormap_name=nope`,
      400,
    ],
    [
      'a malformed colormap',
      `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.png?rescale=0,8000&colormap=%7Bnot-json`,
      400,
    ],
    ['a bad rescale', `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.png?rescale=low,high`, 400],
    ['an unknown format', `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.gif`, 400],
    ['a 16-bit tile as JPEG without rescale', `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.jpg`, 400],
    ['a bad bidx', `/data-products/${cog.id}/tiles/WebMercatorQuad/9/174/101.npy?bidx=9`, 400],
  ];
  it.each(cases)('%s', async (_, path, status) => {
    const started = Date.now();
    const response = await call(path, { apiKey });
    await problem(response, status);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('access control on raster endpoints', () => {
  it('keys under a private project are 404 to outsiders and anonymous callers, and open with a scoped token', async () => {
    const outsider = await newUser('raster-outsider');
    const cog = product('cog.tif');
    await problem(await call(`/cog/info?${byKey(cog.key)}`, { token: outsider.token }), 404);
    await problem(await call(`/cog/info?${byKey(cog.key)}`), 404);
    await problem(await call(`/data-products/${cog.id}/info`), 404);
    const { token } = await json<{ token: string }>(
      await call(`/data-products/${cog.id}/token`, { method: 'POST', apiKey }),
      201,
    );
    await json(await call(`/data-products/${cog.id}/info?token=${token}`), 200);
    await json(await call(`/cog/info?${byKey(cog.key)}&token=${token}`), 200);
    const other = product('cog_rgb.tif');
    await problem(await call(`/data-products/${other.id}/info?token=${token}`), 401);
    await problem(await call(`/data-products/${cog.id}/info?token=${token.slice(0, -4)}AAAA`), 401);
  });

  it('the seeded viewer reads by project role', async () => {
    await json(await call(`/cog/info?${byKey(product('cog.tif').key)}`, { apiKey: seed.user.apiKey }), 200);
  });
});

describe('reads and caching', () => {
  const cog = product('cog.tif');
  const serverTiming = (response: Response) => {
    const header = response.headers.get('server-timing') ?? '';
    const match = /r2;dur=[\d.]+;desc="(\d+) reads, (\d+) bytes"/.exec(header);
    return {
      reads: Number(match?.[1]),
      bytes: Number(match?.[2]),
      hit: /cache;dur=[\d.]+;desc="(isolate|edge)"/.test(header),
    };
  };

  it('a warm header costs one merged range read per internal tile touched; tile bytes already read and a cached tile cost none', async () => {
    const source = byKey(seed.objects['reads.tif']!);
    await json(await call(`/cog/info?${source}`, { apiKey }), 200);
    const [lon, lat] = centre('cog.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 9);
    const path = `/cog/tiles/WebMercatorQuad/9/${x + 1}/${y}.npy?${source}&buffer=0&_probe=${Date.now()}`;
    const first = await call(path, { apiKey });
    expect(first.status).toBe(200);
    const cold = serverTiming(first);
    // The file's internal 256-px tiles the output tile can touch: its corners through GDAL into pixels.
    const info = JSON.parse(gdal('gdalinfo', ['-json', `${FIXTURES}/cog/cog.tif`])) as { geoTransform: number[] };
    const [x0, dx, , y0, , dy] = info.geoTransform as [number, number, number, number, number, number];
    const tb = mercatorTileBoundsOf(9, x + 1, y);
    const corners = gdal(
      'gdaltransform',
      ['-s_srs', 'EPSG:3857', '-t_srs', 'EPSG:32621'],
      `${tb[0]} ${tb[1]}\n${tb[2]} ${tb[1]}\n${tb[0]} ${tb[3]}\n${tb[2]} ${tb[3]}\n`,
    )
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/).map(Number));
    const cols = corners.map(([cx]) => Math.floor((cx! - x0) / dx / 256));
    const rows = corners.map(([, cy]) => Math.floor((cy! - y0) / dy / 256));
    const blocksTouched = (Math.max(...cols) - Math.min(...cols) + 1) * (Math.max(...rows) - Math.min(...rows) + 1);
    expect(cold.reads).toBeGreaterThanOrEqual(1);
    expect(cold.reads).toBeLessThanOrEqual(blocksTouched);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const body = new Uint8Array(await first.arrayBuffer());
    const second = await call(path, { apiKey });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(serverTiming(second)).toMatchObject({ reads: 0, hit: true });
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(body);
    // The same tile rendered anew (another cache key): its internal tiles' bytes are in the isolate already.
    const again = await call(`${path}&_again=1`, { apiKey });
    expect(again.headers.get('x-cache')).toBe('MISS');
    expect(serverTiming(again)).toMatchObject({ reads: 0, hit: false });
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(body);
  });

  it('an isolate keeps the headers of many COGs: the first of 48 is still there after the others', async () => {
    const keys = Object.entries(seed.objects)
      .filter(([name]) => name.startsWith('headers-'))
      .map(([, key]) => key);
    expect(keys.length).toBe(48);
    const [lon, lat] = centre('cog_rgb.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 20);
    const headerFrom = async (key: string) => {
      const response = await call(`/cog/tiles/WebMercatorQuad/20/${x}/${y}.npy?${byKey(key)}&_probe=${Date.now()}`, {
        apiKey,
      });
      expect(response.status).toBe(200);
      return /open;dur=[\d.]+;desc="authorization and header \((\w+)\)"/.exec(
        response.headers.get('server-timing') ?? '',
      )?.[1];
    };
    // Once read, a header is in this isolate, whether it came from R2 or the Cache API.
    for (const key of keys) expect(['r2', 'edge', 'isolate']).toContain(await headerFrom(key));
    expect(await headerFrom(keys[0]!)).toBe('isolate');
  });

  it('a tile index beyond the header is read in chunks by the request that needs it, and counted there', async () => {
    const source = byKey(seed.objects['many-tiles.tif']!);
    await json(await call(`/cog/info?${source}`, { apiKey }), 200);
    const [lon, lat] = centre('cog.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 9);
    const path = `/cog/tiles/WebMercatorQuad/9/${x}/${y}.npy?${source}&_probe=${Date.now()}`;
    const first = await call(path, { apiKey });
    expect(first.status).toBe(200);
    // ~225 internal tiles, whose data lie close enough to be read together, and whose index
    // entries (an offset and a byte count each) come in a few 16 KiB chunks, not one read each.
    const { reads } = serverTiming(first);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(6);
    const ours = parseNpy(await first.arrayBuffer());
    const { gdalwarp, mercatorTileBounds } = await import('./gdal');
    const reference = await gdalwarp(testFile('many-tiles.tif'), [
      '-t_srs',
      'EPSG:3857',
      '-te',
      ...mercatorTileBounds(9, x, y).map(String),
      '-ts',
      '256',
      '256',
      '-r',
      'near',
      '-dstalpha',
    ]);
    const result = compareRasters(ours, reference, 1);
    expect(result.equal).toBeGreaterThanOrEqual(0.99);
    expect(result.maskAgreement).toBeGreaterThanOrEqual(0.99);
    const again = await call(`${path}&_again=1`, { apiKey });
    expect(serverTiming(again)).toMatchObject({ reads: 0, hit: false });
  });

  it('answers If-None-Match with 304, and a new data version with new tiles', async () => {
    const [lon, lat] = centre('cog.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 8);
    const path = `/data-products/${cog.id}/tiles/WebMercatorQuad/8/${x}/${y}.png?rescale=0,8000&_probe=${Date.now()}`;
    const first = await call(path, { apiKey });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect((await call(path, { apiKey, headers: { 'if-none-match': etag } })).status).toBe(304);
    await json(
      await call(`/data-products/${cog.id}`, { method: 'PATCH', apiKey, json: { metadata: { touched: Date.now() } } }),
      200,
    );
    const after = await call(path, { apiKey });
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('keeps the token out of the cache key', async () => {
    const [lon, lat] = centre('cog.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 7);
    const { token } = await json<{ token: string }>(
      await call(`/data-products/${cog.id}/token`, { method: 'POST', apiKey }),
      201,
    );
    const path = `/data-products/${cog.id}/tiles/WebMercatorQuad/7/${x}/${y}.npy?_probe=${Date.now()}`;
    expect((await call(path, { apiKey })).headers.get('x-cache')).toBe('MISS');
    expect((await call(`${path}&token=${token}`)).headers.get('x-cache')).toBe('HIT');
  });
});

describe('rendering options', () => {
  const cog = product('cog.tif');
  const tile = () => {
    const [lon, lat] = centre('cog.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 9);
    return `9/${x}/${y}`;
  };

  it('rescale + colormap_name give an 8-bit PNG, 16-bit data alone a 16-bit one, alpha only where a pixel is not opaque; @2x doubles the size', async () => {
    const tiles = `/data-products/${cog.id}/tiles/WebMercatorQuad`;
    const edge = tilesFor(`${FIXTURES}/cog/cog.tif`).find((t) => t.label === 'edge')!;
    const edgeTile = `${edge.z}/${edge.xy[0]}/${edge.xy[1]}`;
    /** [bit depth, PNG colour type]: 0 gray, 4 gray + alpha, 2 RGB, 6 RGBA. */
    const kind = async (path: string) => {
      const png = new Uint8Array(await (await call(`${tiles}/${path}`, { apiKey })).arrayBuffer());
      return [png[24], png[25]];
    };
    // The dataset's middle is covered by data: every pixel is opaque, so no alpha channel.
    expect(await kind(`${tile()}.png?rescale=0,8000&colormap_name=viridis_r`)).toEqual([8, 2]);
    expect(await kind(`${tile()}.png`)).toEqual([16, 0]);
    // Over its corner some pixels are empty.
    expect(await kind(`${edgeTile}.png?rescale=0,8000&colormap_name=viridis_r`)).toEqual([8, 6]);
    expect(await kind(`${edgeTile}.png`)).toEqual([16, 4]);
    expect(await kind(`${edgeTile}.png?return_mask=false`)).toEqual([16, 0]);
    const big = new DataView(
      await (await call(`${tiles}/${tile().replace(/(\d+)$/, '$1@2x')}.webp?rescale=0,8000`, { apiKey })).arrayBuffer(),
    );
    expect(String.fromCharCode(big.getUint8(8), big.getUint8(9), big.getUint8(10), big.getUint8(11))).toBe('WEBP');
  });

  it('expressions compute per pixel', async () => {
    const plain = parseNpy(
      await (await call(`/data-products/${cog.id}/tiles/WebMercatorQuad/${tile()}.npy`, { apiKey })).arrayBuffer(),
    );
    const doubled = parseNpy(
      await (
        await call(
          `/data-products/${cog.id}/tiles/WebMercatorQuad/${tile()}.npy?expression=${encodeURIComponent('where(b1 > 3000, b1 * 2, sqrt(b1))')}`,
          { apiKey },
        )
      ).arrayBuffer(),
    );
    expect(doubled.dtype).toBe('<f8');
    for (let i = 0; i < plain.width * plain.height; i += 97) {
      if (!plain.bands[1]![i]) continue;
      const v = plain.bands[0]![i]!;
      expect(doubled.bands[0]![i]).toBeCloseTo(v > 3000 ? v * 2 : Math.sqrt(v), 9);
    }
  });

  it('TileJSON and WMTS describe the layer for map clients', async () => {
    const tj = await json<{
      tilejson: string;
      tiles: string[];
      tileSize: number;
      minzoom: number;
      maxzoom: number;
      bounds: number[];
    }>(
      await call(`/data-products/${cog.id}/WebMercatorQuad/tilejson.json?rescale=0,8000&tile_format=png`, { apiKey }),
      200,
    );
    expect(tj.tilejson).toBe('3.0.0');
    expect(tj.tiles[0]).toMatch(/\/tiles\/WebMercatorQuad\/\{z\}\/\{x\}\/\{y\}\.png\?rescale=0%2C8000&tilesize=512$/);
    expect(tj.tileSize).toBe(512);
    expect(tj.minzoom).toBeLessThan(tj.maxzoom);
    const xml = await (
      await call(`/data-products/${cog.id}/WebMercatorQuad/WMTSCapabilities.xml?rescale=0,8000`, { apiKey })
    ).text();
    expect(xml).toContain('<TileMatrixSet>WebMercatorQuad</TileMatrixSet>');
    expect(xml).toContain('{TileMatrix}/{TileCol}/{TileRow}.png');
    const sets = await json<{ tileMatrixSets: Array<{ id: string }> }>(await call('/tileMatrixSets'), 200);
    expect(sets.tileMatrixSets.map((t) => t.id).sort()).toEqual(['WebMercatorQuad', 'WorldCRS84Quad']);
  });

  it('preview, bbox and feature images', async () => {
    const preview = parseNpy(
      await (await call(`/data-products/${cog.id}/preview.npy?max_size=256`, { apiKey })).arrayBuffer(),
    );
    expect(Math.max(preview.width, preview.height)).toBe(256);
    const [lon, lat] = centre('cog.tif');
    const bbox = parseNpy(
      await (
        await call(`/data-products/${cog.id}/bbox/${lon - 0.5},${lat - 0.2},${lon + 0.5},${lat + 0.2}/300x120.npy`, {
          apiKey,
        })
      ).arrayBuffer(),
    );
    expect([bbox.width, bbox.height]).toEqual([300, 120]);
    const triangle = {
      type: 'Feature',
      properties: {},
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [lon - 0.5, lat - 0.2],
            [lon + 0.5, lat - 0.2],
            [lon, lat + 0.2],
            [lon - 0.5, lat - 0.2],
          ],
        ],
      },
    };
    const masked = parseNpy(
      await (
        await call(`/data-products/${cog.id}/feature.npy?width=200&height=80`, { apiKey, json: triangle })
      ).arrayBuffer(),
    );
    const mask = masked.bands[masked.bands.length - 1]!;
    // Top corners lie outside the triangle, the bottom centre inside.
    expect(mask[0]).toBe(0);
    expect(mask[199]).toBe(0);
    expect(mask[79 * 200 + 100]).toBe(255);

    // The same URL with another polygon is another image: the body is part of the cache key (issue 18).
    const flipped = {
      ...triangle,
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [lon - 0.5, lat + 0.2],
            [lon + 0.5, lat + 0.2],
            [lon, lat - 0.2],
            [lon - 0.5, lat + 0.2],
          ],
        ],
      },
    };
    const url = `/data-products/${cog.id}/feature.npy?width=200&height=80&run=${Date.now()}`;
    expect((await call(url, { apiKey, json: triangle })).headers.get('x-cache')).toBe('MISS');
    const second = await call(url, { apiKey, json: flipped });
    expect(second.headers.get('x-cache')).toBe('MISS');
    const flippedMask = parseNpy(await second.arrayBuffer()).bands.at(-1)!;
    // Row 0 near the left is outside the triangle and inside the flipped one; the last row, the other way round.
    expect([mask[40], mask[79 * 200 + 40]]).toEqual([0, 255]);
    expect([flippedMask[40], flippedMask[79 * 200 + 40]]).toEqual([255, 0]);
    // And the first polygon again is its own cached image.
    const again = await call(url, { apiKey, json: triangle });
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(parseNpy(await again.arrayBuffer()).bands.at(-1)![40]).toBe(0);
  });

  it('full-resolution statistics stay within the pixel budget: a 400 that says to set max_size (issue 18)', async () => {
    const key = byKey(seed.objects['big-sparse.tif']!);
    const refused = await problem(await call(`/cog/statistics?${key}&max_size=0`, { apiKey }), 400);
    expect(refused.detail).toMatch(/10000 × 10000 pixels, over the 67108864 .* set max_size/);
    // Without overviews, max_size would still read every pixel: refused by the memory budget instead.
    const noOverviews = await problem(await call(`/cog/statistics?${key}&max_size=256`, { apiKey }), 400);
    expect(noOverviews.detail).toMatch(/needs 99\d\d × 99\d\d pixels .* add overviews/);
    const decimated = await json<Record<string, { count: number }>>(
      await call(`/cog/statistics?${byKey(seed.objects['reads.tif']!)}&max_size=256`, { apiKey }),
      200,
    );
    // cog.tif is 2658 × 2667 with overviews and no nodata: every pixel of the 255 × 256 grid counts.
    expect(decimated.b1!.count).toBe(255 * 256);
  });

  it('a stripped, non-COG GeoTIFF still renders, and /info says it is not cloud optimized', async () => {
    const info = await json<{ cloud_optimized: boolean; is_tiled: boolean }>(
      await call(`/cog/info?${byKey(seed.objects['stripped.tif']!)}`, { apiKey }),
      200,
    );
    expect(info).toMatchObject({ cloud_optimized: false, is_tiled: false });
    const cogInfo = await json<{ cloud_optimized: boolean }>(
      await call(`/data-products/${cog.id}/info`, { apiKey }),
      200,
    );
    expect(cogInfo.cloud_optimized).toBe(true);
    const preview = await call(`/cog/preview.png?${byKey(seed.objects['stripped.tif']!)}&max_size=128`, { apiKey });
    expect(preview.status).toBe(200);
  });
});

describe('masks, scale/offset, palettes and the CRS84 grid', () => {
  it('an internal mask IFD masks tiles as gdalwarp does', async () => {
    const [lon, lat] = centre('cog_nodata.tif');
    const corner = gdalinfo(`${FIXTURES}/cog/cog_nodata.tif`).wgs84Extent.coordinates[0]![0]!;
    // A tile over the dataset's corner, where the mask has both values.
    const [x, y] = mercatorTile(
      ...lonLatToMercator(corner[0]! + (lon - corner[0]!) * 0.1, corner[1]! + (lat - corner[1]!) * 0.1),
      8,
    );
    const response = await call(`/cog/tiles/WebMercatorQuad/8/${x}/${y}.npy?${byKey(seed.objects['masked.tif']!)}`, {
      apiKey,
    });
    expect(response.status).toBe(200);
    const ours = parseNpy(await response.arrayBuffer());
    const { gdalwarp, mercatorTileBounds } = await import('./gdal');
    const reference = await gdalwarp(testFile('masked.tif'), [
      '-t_srs',
      'EPSG:3857',
      '-te',
      ...mercatorTileBounds(8, x, y).map(String),
      '-ts',
      '256',
      '256',
      '-r',
      'near',
      '-dstalpha',
    ]);
    const ourMask = ours.bands[1]!;
    const refMask = reference.bands[1]!;
    let agree = 0,
      masked = 0;
    for (let i = 0; i < ourMask.length; i++) {
      if (ourMask[i]! > 0 === refMask[i]! > 0) agree++;
      if (!refMask[i]) masked++;
    }
    expect(masked).toBeGreaterThan(100);
    expect(agree / ourMask.length).toBeGreaterThanOrEqual(0.99);
    const info = await json<{ nodata_type: string }>(
      await call(`/cog/info?${byKey(seed.objects['masked.tif']!)}`, { apiKey }),
      200,
    );
    expect(info.nodata_type).toBe('Mask');
  });

  it('unscale applies the band scale and offset', async () => {
    const key = seed.objects['scaled.tif']!;
    const info = await json<{ scales: number[]; offsets: number[] }>(
      await call(`/cog/info?${byKey(key)}`, { apiKey }),
      200,
    );
    expect(info).toMatchObject({ scales: [0.5], offsets: [100] });
    const [lon, lat] = centre('cog.tif');
    const raw = Number(
      gdal('gdallocationinfo', ['-wgs84', '-valonly', testFile('scaled.tif'), String(lon), String(lat)]).trim(),
    );
    const plain = await json<{ values: number[] }>(
      await call(`/cog/point/${lon},${lat}?${byKey(key)}`, { apiKey }),
      200,
    );
    const scaled = await json<{ values: number[] }>(
      await call(`/cog/point/${lon},${lat}?${byKey(key)}&unscale=true`, { apiKey }),
      200,
    );
    expect(plain.values[0]).toBe(raw);
    expect(scaled.values[0]).toBe(raw * 0.5 + 100);
  });

  it('an internal palette colours the tiles (RGBA PNG) and is listed by /info', async () => {
    const cmap = product('cog_cmap.tif');
    const info = await json<{ colormap: Record<string, number[]> }>(
      await call(`/data-products/${cmap.id}/info`, { apiKey }),
      200,
    );
    expect(Object.keys(info.colormap)).toHaveLength(256);
    const [lon, lat] = centre('cog_cmap.tif');
    const [x, y] = mercatorTile(...lonLatToMercator(lon, lat), 10);
    const png = new Uint8Array(
      await (await call(`/data-products/${cmap.id}/tiles/WebMercatorQuad/10/${x}/${y}.png`, { apiKey })).arrayBuffer(),
    );
    // RGB, with alpha when some pixel is nodata (palette entry 0 is transparent too).
    const values = parseNpy(
      await (await call(`/data-products/${cmap.id}/tiles/WebMercatorQuad/10/${x}/${y}.npy`, { apiKey })).arrayBuffer(),
    );
    const translucent = Array.from(values.bands[1]!).some((valid, i) => !valid || values.bands[0]![i] === 0);
    expect([png[24], png[25]]).toEqual([8, translucent ? 6 : 2]);
  });

  it('WorldCRS84Quad tiles match gdalwarp in EPSG:4326', async () => {
    const [lon, lat] = centre('cog.tif');
    const z = 8;
    const span = 180 / 2 ** z;
    const x = Math.floor((lon + 180) / span);
    const y = Math.floor((90 - lat) / span);
    const bounds = [-180 + x * span, 90 - (y + 1) * span, -180 + (x + 1) * span, 90 - y * span];
    const ours = parseNpy(
      await (
        await call(`/data-products/${product('cog.tif').id}/tiles/WorldCRS84Quad/${z}/${x}/${y}.npy`, { apiKey })
      ).arrayBuffer(),
    );
    const { gdalwarp } = await import('./gdal');
    const reference = await gdalwarp(`${FIXTURES}/cog/cog.tif`, [
      '-t_srs',
      'EPSG:4326',
      '-te',
      ...bounds.map(String),
      '-ts',
      '256',
      '256',
      '-r',
      'near',
      '-dstalpha',
    ]);
    let valid = 0,
      equal = 0;
    for (let i = 0; i < 256 * 256; i++) {
      if (!ours.bands[1]![i] || !reference.bands[1]![i]) continue;
      valid++;
      if (ours.bands[0]![i] === reference.bands[0]![i]) equal++;
    }
    expect(valid).toBeGreaterThan(1000);
    expect(equal / valid).toBeGreaterThanOrEqual(0.99);
  });
});

describe('more layouts, sample types and projections match gdalwarp', () => {
  const cases = [
    'planar-packbits.tif',
    'lerc-zstd.tif',
    'int32.tif',
    'uint32-pred2.tif',
    'float64-pred3.tif',
    'lcc.tif',
    'robinson.tif',
  ];

  it.each(cases)('%s', async (name) => {
    const { native } = Object.fromEntries(tilesFor(testFile(name)).map((t) => [t.label, t])) as Record<
      string,
      ReturnType<typeof tilesFor>[number]
    >;
    const {
      z,
      xy: [x, y],
    } = native!;
    const response = await call(`/cog/tiles/WebMercatorQuad/${z}/${x}/${y}.npy?${byKey(seed.objects[name]!)}`, {
      apiKey,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const ours = parseNpy(await response.arrayBuffer());
    const { gdalwarp, mercatorTileBounds } = await import('./gdal');
    const reference = await gdalwarp(testFile(name), [
      '-t_srs',
      'EPSG:3857',
      '-te',
      ...mercatorTileBounds(z, x, y).map(String),
      '-ts',
      '256',
      '256',
      '-r',
      'near',
      '-dstalpha',
    ]);
    const result = compareRasters(ours, reference, reference.bands.length - 1);
    expect(result.valid, JSON.stringify(result)).toBeGreaterThan(1000);
    expect(result.maskAgreement, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
    expect(result.equal, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
  });

  it('a CRS that cannot be put on a map is a 422, not a 500', async () => {
    const body = await problem(await call(`/cog/info?${byKey(seed.objects['local-crs.tif']!)}`, { apiKey }), 422);
    expect(body.detail).toMatch(/CRS|georeferenc/i);
  });
});
