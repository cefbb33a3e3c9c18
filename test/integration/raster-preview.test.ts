import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { call, json, newUser, problem, seed, type TestUser } from './helpers';
import { decodeImage, gdal, gdalRead, parseNpy } from './gdal';
import { fileProduct, projectWithFlight } from './world';

const reader = { apiKey: seed.user.apiKey };
const product = (name: string) => seed.dataProducts[name]!;

/** GDAL's own statistics and histogram of a fixture (PAM off: nothing is written beside the read-only file). */
function gdalHistogram(name: string) {
  const info = JSON.parse(
    gdal('gdalinfo', ['-json', '-stats', '-hist', '--config', 'GDAL_PAM_ENABLED', 'NO', `${FIXTURES}/cog/${name}`]),
  ) as {
    bands: Array<{
      minimum: number;
      maximum: number;
      noDataValue?: number;
      histogram: { count: number; min: number; max: number; buckets: number[] };
    }>;
  };
  return info.bands[0]!;
}

/** The value below which p % of a histogram's counts lie, a bucket's values spread evenly across it. */
function histogramPercentile(h: { count: number; min: number; max: number; buckets: number[] }, p: number): number {
  const width = (h.max - h.min) / h.count;
  const rank = (p / 100) * h.buckets.reduce((a, b) => a + b, 0);
  let below = 0;
  for (let i = 0; i < h.count; i++) {
    const n = h.buckets[i]!;
    if (n > 0 && below + n >= rank) return h.min + width * (i + (rank - below) / n);
    below += n;
  }
  return h.max;
}

/** numpy's default (linear) percentile of sorted values. */
function exactPercentile(sorted: Float64Array, p: number): number {
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}

/** What rescale=lo,hi makes of a value (workers/engines/raster/render.ts): 0–255, rounded, clamped. */
const stretched = (v: number, lo: number, hi: number) =>
  Math.min(255, Math.max(0, Math.round(((v - lo) / (hi - lo || 1)) * 255)));

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe('previews of data that is not 8-bit are stretched over the stored statistics', () => {
  it.each(['float_lzw_pred3.tif', 'uint16_zstd.tif', 'dsm_lerc.tif'])(
    '%s: an 8-bit PNG whose pixels follow the stretch from its 2nd to its 98th percentile',
    async (name) => {
      const id = product(name).id;
      const response = await call(`/data-products/${id}/preview.png?max_size=256`, reader);
      expect(response.status, await response.clone().text()).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      const png = await response.arrayBuffer();
      expect(new Uint8Array(png)[24], 'PNG bit depth').toBe(8);
      const image = await decodeImage(png);
      // The values behind each pixel: the same image as numbers (the bands, then the mask).
      const values = parseNpy(
        await (await call(`/data-products/${id}/preview.npy?max_size=256`, reader)).arrayBuffer(),
      );
      expect([image.width, image.height]).toEqual([values.width, values.height]);

      // The documented rule, on GDAL's own histogram (what the converter and the seed stored).
      const band = gdalHistogram(name);
      const clamp = (v: number) => Math.min(band.maximum, Math.max(band.minimum, v));
      const [lo, hi] = [clamp(histogramPercentile(band.histogram, 2)), clamp(histogramPercentile(band.histogram, 98))];
      const gray = image.bands[0]!;
      const mask = values.bands[values.bands.length - 1]!;
      let worst = 0;
      let valid = 0;
      for (let i = 0; i < gray.length; i++) {
        if (!mask[i]) continue;
        valid++;
        worst = Math.max(worst, Math.abs(gray[i]! - stretched(values.bands[0]![i]!, lo, hi)));
      }
      expect(valid).toBeGreaterThan(1000);
      expect(worst, `largest difference from rescale=${lo},${hi}`).toBeLessThanOrEqual(1);
      // An alpha channel where some pixel has no data (dsm_lerc's nodata), none where all do.
      expect(image.bands.length).toBe(valid < gray.length ? 2 : 1);

      // And that is the data's own 2nd–98th percentile: the exact ones, from every pixel GDAL reads,
      // lie within the histogram bucket the stretch was read from.
      const full = (await gdalRead(`${FIXTURES}/cog/${name}`)).bands[0]!;
      const sorted = Float64Array.from(full)
        .filter((v) => !Number.isNaN(v) && v !== band.noDataValue)
        .sort();
      const bucket = (band.histogram.max - band.histogram.min) / band.histogram.count;
      expect(Math.abs(exactPercentile(sorted, 2) - lo)).toBeLessThanOrEqual(bucket);
      expect(Math.abs(exactPercentile(sorted, 98) - hi)).toBeLessThanOrEqual(bucket);
    },
  );

  it("the STAC item's thumbnail opens as such a preview, from its signed link alone", async () => {
    const id = product('float_lzw_pred3.tif').id;
    const item = await json<{ assets: Record<string, { href: string; type: string }> }>(
      await call(`/stac/collections/${seed.demoProjectId}/items/${id}`, reader),
      200,
    );
    const thumbnail = item.assets.thumbnail!;
    expect(new URL(thumbnail.href).pathname).toBe(`/data-products/${id}/preview.png`);
    const response = await fetch(thumbnail.href);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(thumbnail.type);
    expect((await bytesOf(response))[24], 'PNG bit depth').toBe(8);
  });

  it('by bucket key there are no stored statistics: a float preview still needs rescale (400)', async () => {
    const url = `url=${encodeURIComponent(product('float_lzw_pred3.tif').key)}`;
    const refused = await problem(await call(`/cog/preview.png?${url}&max_size=64`, reader), 400);
    expect(refused.detail).toMatch(/rescale/);
    expect((await call(`/cog/preview.png?${url}&max_size=64&rescale=0,8000`, reader)).status).toBe(200);
  });

  it('a stranger still gets 404 for a private product, with or without parameters', async () => {
    const stranger = await newUser('preview-stranger');
    const id = product('float_lzw_pred3.tif').id;
    for (const query of ['', '&rescale=0,8000']) {
      await problem(await call(`/data-products/${id}/preview.png?max_size=64${query}`, { token: stranger.token }), 404);
      await problem(await call(`/data-products/${id}/preview.png?max_size=64${query}`), 404);
    }
  });
});

describe("a product's stored statistics, as a manager writes them", () => {
  let owner: TestUser;
  let id: string;
  const preview = (query = '') => call(`/data-products/${id}/preview.png?max_size=128${query}`, { token: owner.token });
  const setStats = async (stats: Record<string, unknown> | null) =>
    json(await call(`/data-products/${id}`, { token: owner.token, method: 'PATCH', json: { stats } }), 200);

  beforeAll(async () => {
    owner = await newUser('preview-owner');
    const at = await projectWithFlight(owner, { title: 'stretch' });
    const product = { type: 'dsm', stats: { b1: { min: 1000, max: 5000 } } };
    id = (await fileProduct(owner, owner, at, 'cog/float_lzw_pred3.tif', product)).id;
  });

  it('without a histogram, stretch it from min to max: the same image as rescale=min,max', async () => {
    const stored = await preview();
    expect(stored.status).toBe(200);
    expect(await bytesOf(stored)).toEqual(await bytesOf(await preview('&rescale=1000,5000')));
  });

  it('are part of the cache key: new statistics draw a new image, not the cached one', async () => {
    const before = await bytesOf(await preview());
    const again = await preview();
    expect(again.headers.get('x-cache')).toBe('HIT');
    await again.arrayBuffer();
    await setStats({ b1: { min: 0, max: 8000 } });
    const after = await preview();
    expect(after.headers.get('x-cache')).toBe('MISS');
    const bytes = await bytesOf(after);
    expect(bytes).not.toEqual(before);
    expect(bytes).toEqual(await bytesOf(await preview('&rescale=0,8000')));
  });

  it("give way to the request's own rescale, and carry a named colormap", async () => {
    await setStats({ b1: { min: 0, max: 8000 } });
    const asked = await preview('&rescale=2000,3000');
    expect(asked.status).toBe(200);
    expect(await bytesOf(asked)).not.toEqual(await bytesOf(await preview()));
    const ramp = await preview('&colormap_name=viridis');
    expect(ramp.status).toBe(200);
    expect(await bytesOf(ramp)).toEqual(await bytesOf(await preview('&colormap_name=viridis&rescale=0,8000')));
  });

  it('say nothing of an expression, nor of a product without them: those still need rescale (400)', async () => {
    await setStats({ b1: { min: 0, max: 8000 } });
    await problem(await preview('&expression=b1*2'), 400);
    expect((await preview('&expression=b1*2&rescale=0,16000')).status).toBe(200);
    await setStats(null);
    await problem(await preview(), 400);
  });
});
