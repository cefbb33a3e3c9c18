import { describe, expect, it } from 'vitest';
import { call, json, seed } from './helpers';
import { decodeImage, lonLatToMercator, mercatorTile } from './gdal';

// MapLibre takes a raster source's `tileSize` from its TileJSON and assumes 512 without it (its
// vector sources are always 512): every raster TileJSON says how big its tiles are, and its tile
// URLs answer tiles of that size (docs/decisions.md).

const reader = { apiKey: seed.user.apiKey };
const product = (name: string) => seed.dataProducts[name]!;

interface TileJson {
  tiles: string[];
  tileSize?: number;
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  vector_layers?: unknown[];
}

async function tileJson(path: string): Promise<TileJson> {
  return json<TileJson>(await call(path, reader), 200);
}

/** One tile of the document's template, over the middle of its bounds at its highest zoom, decoded by GDAL. */
async function tileOf(document: TileJson, extension: string) {
  const [w, s, e, n] = document.bounds;
  const z = document.maxzoom;
  const [x, y] = mercatorTile(...lonLatToMercator((w + e) / 2, (s + n) / 2), z);
  const url = document.tiles[0]!.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y));
  const response = await fetch(url, { headers: { 'x-api-key': reader.apiKey } });
  expect(response.status, `${url}: ${response.status}`).toBe(200);
  return decodeImage(await response.arrayBuffer(), extension);
}

describe('raster TileJSON (COGs)', () => {
  const base = `/data-products/${product('cog_rgb.tif').id}/WebMercatorQuad/tilejson.json`;

  it('names 512-px tiles by default, as TiTiler 2 does, and says so in tileSize', async () => {
    const document = await tileJson(base);
    expect(document.tileSize).toBe(512);
    expect(new URL(document.tiles[0]!).searchParams.get('tilesize')).toBe('512');
    const tile = await tileOf(document, 'png');
    expect([tile.width, tile.height]).toEqual([512, 512]);
  });

  it('by bucket key alike', async () => {
    const document = await tileJson(
      `/cog/WebMercatorQuad/tilejson.json?url=${encodeURIComponent(product('cog_rgb.tif').key)}`,
    );
    expect(document.tileSize).toBe(512);
    const tile = await tileOf(document, 'png');
    expect([tile.width, tile.height]).toEqual([512, 512]);
  });

  it.each([
    ['tilesize=256', 256, ''],
    ['tilesize=512&tile_format=webp', 512, 'webp'],
    // TiTiler 1's clients name tile_scale alone: 256 × scale, asked as @{scale}x, as before.
    ['tile_scale=1', 256, ''],
    ['tile_scale=2', 512, ''],
    ['tilesize=512&tile_scale=2', 1024, ''],
  ])('%s: tiles of %i px, as declared', async (query, size, extension) => {
    const document = await tileJson(`${base}?${query}`);
    expect(document.tileSize).toBe(size);
    const template = document.tiles[0]!;
    if (query.includes('tile_scale=2')) expect(template).toContain('{y}@2x');
    if (size === 256) expect(new URL(template).searchParams.has('tilesize')).toBe(false);
    const tile = await tileOf(document, extension || 'png');
    expect([tile.width, tile.height]).toEqual([size, size]);
  });

  it('refuses a tile size the tiles cannot have, naming the parameter', async () => {
    const response = await call(`${base}?tilesize=300`, reader);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe('query.tilesize');
  });
});

describe('PMTiles TileJSON', () => {
  it.each([
    ['stamen_toner_z3.pmtiles', 256, 'png'],
    ['usgs-mt-whitney-8-15-webp-512.pmtiles', 512, 'webp'],
  ])('%s (raster): tileSize %i, the size of its tiles', async (name, size, extension) => {
    const document = await tileJson(`/pmtiles/${product(name).id}.json`);
    expect(document.tileSize).toBe(size);
    const tile = await tileOf(document, extension);
    expect([tile.width, tile.height]).toEqual([size, size]);
  });

  it('vector archives declare none: MapLibre draws vector tiles at 512, and takes a tileSize it is given', async () => {
    const document = await tileJson(`/pmtiles/${product('test_fixture_1.pmtiles').id}.json`);
    expect(document.vector_layers?.length).toBeGreaterThan(0);
    expect(document).not.toHaveProperty('tileSize');
  });
});

describe('vector layer TileJSON', () => {
  it('declares no tileSize either', async () => {
    const layer = await json<{ id: string }>(
      await call(`/projects/${seed.demoProjectId}/vector-layers?name=tilejson-size`, {
        apiKey: seed.admin.apiKey,
        json: {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [10, 45] } }],
        },
      }),
      201,
    );
    const document = await tileJson(`/vector/${layer.id}.json`);
    expect(document.vector_layers?.length).toBe(1);
    expect(document).not.toHaveProperty('tileSize');
  });
});
