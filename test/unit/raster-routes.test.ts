// The raster endpoints in-process: the factory (workers/raster/endpoints.ts) built on a dataset
// resolver that needs no database, serving a fixture COG from the R2 binding, compared with GDAL.
// The integration suites keep testing the same endpoints behind real access rules and PostgreSQL.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../../workers/platform/http/openapi';
import { ApiError, notFound, onError } from '../../workers/platform/http/problem';
import { byKey, type Dataset } from '../../workers/raster/dataset';
import { rasterEndpoints } from '../../workers/raster/endpoints';

const KEY = 'fixtures/cog.tif';
const OTHER = 'elsewhere/cog.tif';

interface Oracle {
  size: [number, number];
  bands: Array<{ type: string; min: number; max: number; mean: number }>;
  centre: [number, number];
  value: number;
}
const oracle = JSON.parse(env.GDAL_ORACLE) as Oracle;

/** Keys found as `url=` says, but only the one fixture: any other object is not there for this caller. */
const fixtures: Dataset = {
  ...byKey,
  base: '/fixtures',
  grant: async (c) => {
    const key = c.req.query('url') ?? '';
    if (key !== KEY) throw new ApiError(404, 'not-found', 'No such object, or not yours to read.');
    return { key, version: 'k', dataProductId: null };
  },
};

const app = createRouter();
app.onError(onError);
app.notFound(notFound);
rasterEndpoints(app, fixtures);

async function call(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`http://edge.test/fixtures${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function problem(response: Response, status: number): Promise<{ detail: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return response.json();
}

beforeAll(async () => {
  await env.DATA.put(KEY, env.FIXTURE_COG);
  await env.DATA.put(OTHER, env.FIXTURE_COG);
});

describe('raster endpoints in-process, on a fixture COG in R2', () => {
  it('/info gives the size, bands and data type gdalinfo gives', async () => {
    const response = await call(`/info?url=${KEY}`);
    expect(response.status).toBe(200);
    const info = await response.json<{ width: number; height: number; count: number; dtype: string }>();
    expect([info.width, info.height]).toEqual(oracle.size);
    expect(info.count).toBe(oracle.bands.length);
    expect(info.dtype).toBe(oracle.bands[0]!.type.toLowerCase());
  });

  it('/statistics at full resolution agree with gdalinfo -stats', async () => {
    const response = await call(`/statistics?url=${KEY}&max_size=0`);
    expect(response.status).toBe(200);
    const stats = await response.json<Record<string, { min: number; max: number; mean: number }>>();
    expect(Object.keys(stats)).toEqual(oracle.bands.map((_, i) => `b${i + 1}`));
    oracle.bands.forEach((reference, i) => {
      const band = stats[`b${i + 1}`]!;
      expect(band.min).toBe(reference.min);
      expect(band.max).toBe(reference.max);
      expect(Math.abs(band.mean - reference.mean) / Math.abs(reference.mean || 1)).toBeLessThanOrEqual(1e-4);
    });
  });

  it('/point at the centre reads the value gdallocationinfo reads', async () => {
    const response = await call(`/point/${oracle.centre.join(',')}?url=${KEY}`);
    expect(response.status).toBe(200);
    const point = await response.json<{ values: number[]; band_names: string[] }>();
    expect(point.band_names).toEqual(['b1']);
    expect(point.values).toEqual([oracle.value]);
  });

  it('a tile is a 256² PNG with an ETag; asked again with it, a 304; outside the dataset, a 404', async () => {
    const tilejson = await (
      await call(`/WebMercatorQuad/tilejson.json?url=${KEY}`)
    ).json<{
      tiles: string[];
      tileSize: number;
      maxzoom: number;
      center: [number, number, number];
    }>();
    // The TileJSON names 512-px tiles (MapLibre's size); the tile endpoint alone answers 256 px.
    expect(tilejson.tiles[0]).toBe(
      `http://edge.test/fixtures/tiles/WebMercatorQuad/{z}/{x}/{y}?url=${encodeURIComponent(KEY)}&tilesize=512`,
    );
    expect(tilejson.tileSize).toBe(512);
    const [lon, lat] = tilejson.center;
    const z = tilejson.maxzoom;
    const x = Math.floor(((lon + 180) / 360) * 2 ** z);
    const rad = (lat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** z);
    const path = `/tiles/WebMercatorQuad/${z}/${x}/${y}.png?url=${KEY}`;
    const tile = await call(path);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
    const png = new DataView(await tile.arrayBuffer());
    expect([png.getUint32(16), png.getUint32(20)]).toEqual([256, 256]);
    const etag = tile.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await call(path, { headers: { 'if-none-match': etag! } })).status).toBe(304);
    await problem(await call(`/tiles/WebMercatorQuad/${z}/0/0.png?url=${KEY}`), 404);
  });

  it('refuses what it cannot draw with a 400 or 404 problem, before reading', async () => {
    expect((await problem(await call(`/tiles/NoSuchTms/1/0/0.png?url=${KEY}`), 404)).detail).toContain('NoSuchTms');
    expect((await problem(await call(`/statistics?url=${KEY}&bidx=2`), 400)).detail).toContain('bidx');
    await problem(await call(`/info`), 400);
  });

  it('cannot read an object its resolver does not grant, though the bucket holds it', async () => {
    expect(await env.DATA.head(OTHER)).not.toBeNull();
    for (const path of [
      `/info?url=${OTHER}`,
      `/tiles/WebMercatorQuad/1/0/0.png?url=${OTHER}`,
      `/point/0,0?url=${OTHER}`,
    ])
      await problem(await call(path), 404);
  });
});
