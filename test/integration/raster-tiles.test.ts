import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { call, seed } from './helpers';
import { compareRasters as compare, gdalinfo, gdalwarp, mercatorTileBounds, parseNpy, tilesFor } from './gdal';

const COGS = Object.entries(seed.dataProducts).filter(([name]) => name.endsWith('.tif'));
const apiKey = seed.admin.apiKey;

describe.each(COGS)('tiles of %s match gdalwarp', (name, product) => {
  const file = `${FIXTURES}/cog/${name}`;
  const tiles = tilesFor(file);

  it.each(tiles)('$label tile z$z, nearest', async ({ z, xy: [x, y] }) => {
    const response = await call(`/data-products/${product.id}/tiles/WebMercatorQuad/${z}/${x}/${y}.npy`, { apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    const ours = parseNpy(await response.arrayBuffer());
    const bounds = mercatorTileBounds(z, x, y);
    const reference = await gdalwarp(file, [
      '-t_srs',
      'EPSG:3857',
      '-te',
      ...bounds.map(String),
      '-ts',
      '256',
      '256',
      '-r',
      'near',
      '-dstalpha',
    ]);
    const bandCount = reference.bands.length - 1;
    expect(ours.bands.length).toBe(bandCount + 1);
    const result = compare(ours, reference, bandCount);
    expect(result.maskAgreement, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
    expect(result.equal, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
  });

  it('native tile, bilinear: mean absolute difference within 1% of the range', async () => {
    const {
      z,
      xy: [x, y],
    } = tiles[1]!;
    const response = await call(
      `/cog/tiles/WebMercatorQuad/${z}/${x}/${y}.npy?url=${encodeURIComponent(product.key)}&resampling=bilinear`,
      { apiKey },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const ours = parseNpy(await response.arrayBuffer());
    const reference = await gdalwarp(file, [
      '-t_srs',
      'EPSG:3857',
      '-te',
      ...mercatorTileBounds(z, x, y).map(String),
      '-ts',
      '256',
      '256',
      '-r',
      'bilinear',
      '-dstalpha',
    ]);
    const stats = gdalinfo(file, '-mm').bands;
    const range = Math.max(...stats.map((b) => (b.computedMax ?? 0) - (b.computedMin ?? 0))) || 1;
    const result = compare(ours, reference, reference.bands.length - 1);
    expect(result.maskAgreement, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
    expect(result.meanAbsDiff / range, JSON.stringify(result)).toBeLessThanOrEqual(0.01);
  });
});
