import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { FIXTURES } from '../../scripts/lib/seed';
import { call, json, newUser, problem, type TestUser } from './helpers';

const STATES = JSON.parse(readFileSync(`${FIXTURES}/vector/us-states.geojson`, 'utf8')) as {
  features: Array<{ properties: { name: string; density: number } }>;
};

function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [
    Math.floor(((lon + 180) / 360) * n),
    Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n),
  ];
}

async function decode(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
  return new VectorTile(new PbfReader(new Uint8Array(await response.arrayBuffer())));
}

describe('PostGIS vector layers as Mapbox Vector Tiles', () => {
  let owner: TestUser;
  let project: string;
  let layer: string;
  let dots: string;

  beforeAll(async () => {
    owner = await newUser('vector-owner');
    project = (
      await json<{ id: string }>(await call('/projects', { token: owner.token, json: { title: 'Vector' } }), 201)
    ).id;
    const loaded = await json<{
      id: string;
      feature_count: number;
      fields: Record<string, string>;
      geometry_type: string;
    }>(
      await call(`/projects/${project}/vector-layers?name=states`, {
        token: owner.token,
        body: readFileSync(`${FIXTURES}/vector/us-states.geojson`),
        headers: { 'content-type': 'application/json' },
      }),
      201,
    );
    expect(loaded).toMatchObject({
      feature_count: 52,
      fields: { name: 'string', density: 'number' },
      geometry_type: 'Polygon',
    });
    layer = loaded.id;
    dots = (
      await json<{ id: string }>(
        await call(`/projects/${project}/vector-layers?name=dots`, {
          token: owner.token,
          json: {
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                geometry: { type: 'Point', coordinates: [-86.8, 32.8] },
                properties: { label: 'Birmingham-ish' },
              },
            ],
          },
        }),
        201,
      )
    ).id;
  });

  it('a tile covering Alabama decodes to features including Alabama', async () => {
    const [x, y] = tileOf(-86.8, 32.8, 6);
    const tile = await decode(await call(`/vector/${layer}/6/${x}/${y}.mvt`, { token: owner.token }));
    const states = tile.layers.states!;
    expect(states.extent).toBe(4096);
    const names = Array.from({ length: states.length }, (_, i) => states.feature(i).properties.name);
    expect(names).toContain('Alabama');
    const alabama = Array.from({ length: states.length }, (_, i) => states.feature(i)).find(
      (f) => f.properties.name === 'Alabama',
    )!;
    expect(alabama.properties.density).toBe(94.65);
  });

  it('keeps only the properties asked for, and puts several layers in one tile', async () => {
    const [x, y] = tileOf(-86.8, 32.8, 7);
    const tile = await decode(
      await call(`/vector/${layer},${dots}/7/${x}/${y}.mvt?properties=name,label`, { token: owner.token }),
    );
    expect(Object.keys(tile.layers).sort()).toEqual(['dots', 'states']);
    expect(Object.keys(tile.layers.states!.feature(0).properties)).toEqual(['name']);
    expect(tile.layers.dots!.feature(0).properties.label).toBe('Birmingham-ish');
  });

  it('answers tiles with no features with an empty tile', async () => {
    const [x, y] = tileOf(10, 50, 6);
    const response = await call(`/vector/${layer}/6/${x}/${y}.mvt`, { token: owner.token });
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('TileJSON lists the layer with its fields and bounds; the catalog lists readable layers', async () => {
    const tj = await json<{
      tilejson: string;
      tiles: string[];
      vector_layers: Array<{ id: string; fields: Record<string, string> }>;
      bounds: number[];
    }>(await call(`/vector/${layer}.json`, { token: owner.token }), 200);
    expect(tj.tilejson).toBe('3.0.0');
    expect(tj.tiles[0]).toMatch(new RegExp(`/vector/${layer}/\\{z\\}/\\{x\\}/\\{y\\}\\.mvt$`));
    expect(tj.vector_layers[0]).toMatchObject({ id: 'states', fields: { name: 'string', density: 'number' } });
    expect(tj.bounds[1]).toBeCloseTo(17.929556, 5);
    const catalog = await json<{ layers: Array<{ id: string }> }>(await call('/vector', { token: owner.token }), 200);
    expect(catalog.layers.map((l) => l.id)).toEqual(expect.arrayContaining([layer, dots]));
    const stranger = await newUser('vector-stranger');
    const theirs = await json<{ layers: Array<{ id: string }> }>(await call('/vector', { token: stranger.token }), 200);
    expect(theirs.layers.map((l) => l.id)).not.toContain(layer);
    await problem(await call(`/vector/${layer}/6/16/25.mvt`, { token: stranger.token }), 404);
    await problem(await call(`/vector/${layer}.json`), 404);
  });

  it('rejects malformed GeoJSON naming the feature, and hostile tile requests', async () => {
    const bad = await problem(
      await call(`/projects/${project}/vector-layers`, {
        token: owner.token,
        json: {
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] }, properties: {} },
            {
              type: 'Feature',
              geometry: {
                type: 'Polygon',
                coordinates: [
                  [
                    [0, 0],
                    [1, 0],
                    [1, 1],
                  ],
                ],
              },
              properties: {},
            },
          ],
        },
      }),
      400,
      'validation-error',
    );
    expect(bad.errors!.map((e) => e.path).join(' ')).toMatch(/json\.features\.1\.geometry/);
    await problem(await call(`/vector/${layer}/30/0/0.mvt`, { token: owner.token }), 400);
    await problem(await call(`/vector/${layer}/2/9/0.mvt`, { token: owner.token }), 400);
    await problem(
      await call(`/vector/${layer}'; DROP TABLE vector_features;--/1/0/0.mvt`, { token: owner.token }),
      404,
    );
    // A hostile property name is only a name that matches nothing.
    const [x, y] = tileOf(-86.8, 32.8, 6);
    const tile = await decode(
      await call(`/vector/${layer}/6/${x}/${y}.mvt?properties=${encodeURIComponent("name') OR 1=1 --")}`, {
        token: owner.token,
      }),
    );
    expect(tile.layers.states!.length).toBeGreaterThan(0);
    expect(Object.keys(tile.layers.states!.feature(0).properties)).toEqual([]);
  });

  it('repairs invalid geometries instead of failing', async () => {
    const bowtie = {
      type: 'Feature',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [2, 2],
            [2, 0],
            [0, 2],
            [0, 0],
          ],
        ],
      },
      properties: { shape: 'bowtie' },
    };
    const loaded = await json<{ feature_count: number; repaired: number }>(
      await call(`/projects/${project}/vector-layers?name=bowtie`, {
        token: owner.token,
        json: { type: 'FeatureCollection', features: [bowtie] },
      }),
      201,
    );
    expect(loaded).toMatchObject({ feature_count: 1, repaired: 1 });
  });

  it('a layer token opens that layer only, and TileJSON passes it on', async () => {
    const stranger = await newUser('vector-token');
    const [x, y] = tileOf(-86.8, 32.8, 6);
    await problem(await call(`/vector/${layer}/6/${x}/${y}.mvt`, { token: stranger.token }), 404);
    const minted = await json<{ token: string; scope: string; expires_in: number }>(
      await call(`/vector/${layer}/token`, { token: owner.token, json: { expires_in: 300 } }),
      201,
    );
    expect(minted).toMatchObject({ scope: `vector_layer:${layer}`, expires_in: 300 });
    await decode(await call(`/vector/${layer}/6/${x}/${y}.mvt?token=${minted.token}`));
    const tj = await json<{ tiles: string[] }>(await call(`/vector/${layer}.json?token=${minted.token}`), 200);
    expect(tj.tiles[0]).toContain(`token=${encodeURIComponent(minted.token)}`);
    await problem(await call(`/vector/${dots}/6/${x}/${y}.mvt?token=${minted.token}`), 401);
    await problem(await call(`/vector/${layer}/token`, { method: 'POST', token: stranger.token }), 404);
  });

  it('viewers cannot load layers', async () => {
    const viewer = await newUser('vector-viewer');
    await json(
      await call(`/projects/${project}/members`, { token: owner.token, json: { user_id: viewer.id, role: 'viewer' } }),
      200,
    );
    await problem(
      await call(`/projects/${project}/vector-layers`, {
        token: viewer.token,
        json: { type: 'FeatureCollection', features: STATES.features.slice(0, 1) },
      }),
      403,
    );
  });
});
