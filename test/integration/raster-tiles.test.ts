import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { call, seed } from './helpers';
import { gdalinfo, gdalwarp, lonLatToMercator, mercatorTile, mercatorTileBounds, parseNpy, type Raster } from './gdal';

const COGS = Object.entries(seed.dataProducts).filter(([name]) => name.endsWith('.tif'));
const apiKey = seed.admin.apiKey;

/** Three tiles per file: one read from an overview, one at native resolution, one over an edge. */
function tilesFor(file: string) {
  const info = gdalinfo(file);
  const ring = info.wgs84Extent.coordinates[0]!;
  const lons = ring.map((p) => p[0]!);
  const lats = ring.map((p) => p[1]!);
  const [minx, miny] = lonLatToMercator(Math.min(...lons), Math.min(...lats));
  const [maxx, maxy] = lonLatToMercator(Math.max(...lons), Math.max(...lats));
  const natural = Math.hypot(maxx - minx, maxy - miny) / Math.hypot(info.size[0], info.size[1]);
  const native = Math.round(Math.log2((2 * 20037508.342789244) / 256 / natural));
  const centre: [number, number] = [(minx + maxx) / 2, (miny + maxy) / 2];
  const corner: [number, number] = [minx + natural, maxy - natural];
  return [
    { label: 'overview', z: native - 2, xy: mercatorTile(...centre, native - 2) },
    { label: 'native', z: native, xy: mercatorTile(...centre, native) },
    { label: 'edge', z: native, xy: mercatorTile(...corner, native) },
  ];
}

interface Comparison { equal: number; maskAgreement: number; meanAbsDiff: number; valid: number }

function compare(ours: Raster, reference: Raster, bandCount: number): Comparison {
  const n = ours.width * ours.height;
  const ourMask = ours.bands[ours.bands.length - 1]!;
  const refMask = reference.bands[reference.bands.length - 1]!;
  let agree = 0, valid = 0, equal = 0, absDiff = 0;
  for (let i = 0; i < n; i++) {
    const a = ourMask[i]! > 0;
    const b = refMask[i]! > 0;
    if (a === b) agree++;
    if (!a || !b) continue;
    valid++;
    let same = true;
    for (let band = 0; band < bandCount; band++) {
      const x = ours.bands[band]![i]!;
      const y = reference.bands[band]![i]!;
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) same = false;
      if (Number.isFinite(x) && Number.isFinite(y)) absDiff += Math.abs(x - y) / bandCount;
    }
    if (same) equal++;
  }
  return { equal: valid ? equal / valid : 1, maskAgreement: agree / n, meanAbsDiff: valid ? absDiff / valid : 0, valid };
}

describe.each(COGS)('tiles of %s match gdalwarp', (name, product) => {
  const file = `${FIXTURES}/cog/${name}`;
  const tiles = tilesFor(file);

  it.each(tiles)('$label tile z$z, nearest', async ({ z, xy: [x, y] }) => {
    const response = await call(`/data-products/${product.id}/tiles/WebMercatorQuad/${z}/${x}/${y}.npy`, { apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    const ours = parseNpy(await response.arrayBuffer());
    const bounds = mercatorTileBounds(z, x, y);
    const reference = await gdalwarp(file, ['-t_srs', 'EPSG:3857', '-te', ...bounds.map(String), '-ts', '256', '256', '-r', 'near', '-dstalpha']);
    const bandCount = reference.bands.length - 1;
    expect(ours.bands.length).toBe(bandCount + 1);
    const result = compare(ours, reference, bandCount);
    expect(result.maskAgreement, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
    expect(result.equal, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
  });

  it('native tile, bilinear: mean absolute difference within 1% of the range', async () => {
    const { z, xy: [x, y] } = tiles[1]!;
    const response = await call(`/cog/tiles/WebMercatorQuad/${z}/${x}/${y}.npy?url=${encodeURIComponent(product.key)}&resampling=bilinear`, { apiKey });
    expect(response.status, await response.clone().text()).toBe(200);
    const ours = parseNpy(await response.arrayBuffer());
    const reference = await gdalwarp(file, ['-t_srs', 'EPSG:3857', '-te', ...mercatorTileBounds(z, x, y).map(String), '-ts', '256', '256', '-r', 'bilinear', '-dstalpha']);
    const stats = gdalinfo(file, '-mm').bands;
    const range = Math.max(...stats.map((b) => (b.computedMax ?? 0) - (b.computedMin ?? 0))) || 1;
    const result = compare(ours, reference, reference.bands.length - 1);
    expect(result.maskAgreement, JSON.stringify(result)).toBeGreaterThanOrEqual(0.99);
    expect(result.meanAbsDiff / range, JSON.stringify(result)).toBeLessThanOrEqual(0.01);
  });
});
