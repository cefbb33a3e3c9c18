import { describe, expect, it } from 'vitest';
import { PMTiles } from 'pmtiles';
import { DiskSource } from '../../scripts/lib/disk-source';
import { FIXTURES } from '../../scripts/lib/seed';
import { call, json, newUser, problem, seed } from './helpers';

const apiKey = seed.admin.apiKey;

const local = (name: string) => new PMTiles(new DiskSource(`${FIXTURES}/pmtiles/${name}`));
const nameOf = (file: string) => seed.dataProducts[file]!.key.replace(/\.pmtiles$/, '');

async function expectSameTile(path: string, ext: string, reference: PMTiles, z: number, x: number, y: number) {
  const expected = await reference.getZxy(z, x, y);
  const response = await call(`${path}/${z}/${x}/${y}.${ext}`, { apiKey });
  if (!expected) {
    await problem(response, 404);
    return false;
  }
  expect(response.status, `${z}/${x}/${y}`).toBe(200);
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(expected.data));
  return true;
}

describe('PMTiles archives in R2 serve what the pmtiles library reads from disk', () => {
  it('every tile of test_fixture_1.pmtiles (by data product id and by key)', async () => {
    const reference = local('test_fixture_1.pmtiles');
    const header = await reference.getHeader();
    let present = 0;
    for (const path of [
      `/pmtiles/${seed.dataProducts['test_fixture_1.pmtiles']!.id}`,
      `/pmtiles/${nameOf('test_fixture_1.pmtiles')}`,
    ]) {
      for (let z = header.minZoom; z <= header.maxZoom; z++) {
        for (let x = 0; x < 2 ** z; x++)
          for (let y = 0; y < 2 ** z; y++) if (await expectSameTile(path, 'mvt', reference, z, x, y)) present++;
      }
    }
    expect(present).toBeGreaterThan(0);
    const response = await call(`/pmtiles/${nameOf('test_fixture_1.pmtiles')}/0/0/0.mvt`, { apiKey });
    expect(response.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
  });

  it.each(['stamen_toner_z3.pmtiles', 'usgs-mt-whitney-8-15-webp-512.pmtiles'])(
    'a sample at each zoom of %s',
    async (file) => {
      const reference = local(file);
      const header = await reference.getHeader();
      const ext = file.includes('webp') ? 'webp' : 'png';
      let present = 0;
      for (let z = header.minZoom; z <= header.maxZoom; z++) {
        const n = 2 ** z;
        const cx = Math.min(n - 1, Math.floor(((header.centerLon + 180) / 360) * n));
        const lat = (header.centerLat * Math.PI) / 180;
        const cy = Math.min(n - 1, Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n));
        for (const [dx, dy] of [
          [0, 0],
          [1, 0],
          [0, 1],
          [-1, -1],
        ] as const) {
          const x = Math.min(n - 1, Math.max(0, cx + dx));
          const y = Math.min(n - 1, Math.max(0, cy + dy));
          const expected = await reference.getZxy(z, x, y);
          const response = await call(`/pmtiles/${nameOf(file)}/${z}/${x}/${y}.${ext}`, { apiKey });
          if (!expected) {
            await problem(response, 404);
            continue;
          }
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe(`image/${ext}`);
          expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(expected.data));
          present++;
        }
      }
      expect(present).toBeGreaterThanOrEqual(header.maxZoom - header.minZoom + 1);
    },
  );

  it('TileJSON has vector_layers for MVT archives, and metadata is served', async () => {
    const name = nameOf('test_fixture_1.pmtiles');
    const tilejson = await json<{
      tilejson: string;
      tiles: string[];
      vector_layers: Array<{ id: string }>;
      minzoom: number;
    }>(await call(`/pmtiles/${name}.json`, { apiKey }), 200);
    expect(tilejson.tilejson).toBe('3.0.0');
    expect(tilejson.tiles[0]).toMatch(/\/pmtiles\/.+\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
    expect(tilejson.vector_layers.length).toBeGreaterThan(0);
    const metadata = await json<{ vector_layers: unknown[] }>(await call(`/pmtiles/${name}/metadata`, { apiKey }), 200);
    expect(metadata.vector_layers).toEqual(tilejson.vector_layers);
  });
});

describe('PMTiles errors', () => {
  const stamen = nameOf('stamen_toner_z3.pmtiles');
  it.each(['invalid.pmtiles', 'invalid_v4.pmtiles', 'empty.pmtiles'])(
    'a malformed archive (%s) is 422 problem+json',
    async (file) => {
      const name = seed.objects[file]!.replace(/\.pmtiles$/, '');
      await problem(await call(`/pmtiles/${name}/0/0/0.mvt`, { apiKey }), 422, 'unprocessable');
      await problem(await call(`/pmtiles/${name}.json`, { apiKey }), 422, 'unprocessable');
    },
  );

  it('zoom outside the archive is 404, a wrong extension 400, coordinates outside the zoom 400, an unknown archive 404', async () => {
    await problem(await call(`/pmtiles/${stamen}/9/0/0.png`, { apiKey }), 404);
    await problem(await call(`/pmtiles/${stamen}/1/0/0.mvt`, { apiKey }), 400);
    await problem(await call(`/pmtiles/${stamen}/1/5/0.png`, { apiKey }), 400);
    await problem(await call(`/pmtiles/projects/${seed.demoProjectId}/nothing/0/0/0.png`, { apiKey }), 404);
    await problem(await call('/pmtiles/weird-path', { apiKey }), 404);
  });

  it('is private to readers of the project, and opens with a tile token', async () => {
    const outsider = await newUser('pmtiles-outsider');
    const product = seed.dataProducts['stamen_toner_z3.pmtiles']!;
    await problem(await call(`/pmtiles/${stamen}/0/0/0.png`, { token: outsider.token }), 404);
    await problem(await call(`/pmtiles/${product.id}/0/0/0.png`), 404);
    const { token } = await json<{ token: string }>(
      await call(`/data-products/${product.id}/token`, { method: 'POST', apiKey }),
      201,
    );
    expect((await call(`/pmtiles/${product.id}/0/0/0.png?token=${token}`)).status).toBe(200);
    const tilejson = await json<{ tiles: string[] }>(await call(`/pmtiles/${product.id}.json?token=${token}`), 200);
    expect(tilejson.tiles[0]).toContain(`token=${encodeURIComponent(token)}`);
  });

  it('caches tiles at the edge with an ETag', async () => {
    const path = `/pmtiles/${stamen}/2/1/1.png?_probe=${Date.now()}`;
    const first = await call(path, { apiKey });
    expect(first.headers.get('x-cache')).toBe('MISS');
    const etag = first.headers.get('etag')!;
    expect((await call(path, { apiKey })).headers.get('x-cache')).toBe('HIT');
    expect((await call(path, { apiKey, headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

describe('a tile from a map on another origin', () => {
  it('varies by Origin once, and carries the security headers every answer has (issue 18)', async () => {
    const archive = local('usgs-mt-whitney-8-15-webp-512.pmtiles');
    const header = await archive.getHeader();
    // Any tile the archive holds at its top zoom's first populated column will do: take the centre's.
    const n = 2 ** 12;
    const x = Math.floor(((header.centerLon + 180) / 360) * n);
    const lat = (header.centerLat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n);
    expect(await archive.getZxy(12, x, y)).toBeTruthy();
    for (const pass of ['miss or hit', 'hit from memory']) {
      const response = await call(
        `/pmtiles/${seed.dataProducts['usgs-mt-whitney-8-15-webp-512.pmtiles']!.id}/12/${x}/${y}.webp`,
        { apiKey, headers: { origin: 'https://viewer.example' } },
      );
      expect(response.status, pass).toBe(200);
      expect(response.headers.get('vary'), pass).toBe('Origin');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });
});
