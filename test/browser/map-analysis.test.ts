import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { FIXTURES } from '../../scripts/lib/seed';
import { gdalHistogram, gdalStretch } from '../integration/gdal';
import { call, expectClean, json, launch, newPage, screenshot, seed, signInThroughPage } from './browser';
import {
  expectTilesServed,
  footprint,
  isTile,
  pixelsInside,
  settleAndClose,
  shown,
  tilesSettled,
  toScreen,
  drawnStatistics,
} from './map-page';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

const product = (name: string): string => {
  const found = seed.dataProducts[name];
  if (!found) throw new Error(`the seed has no ${name}`);
  return found.id;
};
const asUser = { apiKey: seed.user.apiKey };

/** The seeded member's map of the demo project with one layer, its first tiles drawn (every one served). */
async function openMap(id: string) {
  const opened = await newPage(browser);
  await signInThroughPage(opened.page, seed.user.email, seed.user.password);
  await opened.page.goto(`/app/projects/${seed.demoProjectId}/map#layers=${id}`);
  await tilesSettled(opened.page, id);
  expectTilesServed(opened.watch, id);
  return opened;
}

describe('the map: styling, values and statistics', () => {
  it('draws a single-band raster, recolours it with a colormap, and reads a clicked point as the API does', async () => {
    const id = product('cog.tif');
    const bbox = await footprint(id, asUser);
    const { page, watch } = await openMap(id);
    await screenshot(page, 'map-cog-gray');
    const gray = await pixelsInside(page, bbox);
    expect(gray.drawn / gray.total).toBeGreaterThan(0.9);
    expect(gray.coloured).toBe(0);

    // The colormap: the style panel of the selected layer, the ramp named viridis.
    await page.getByRole('button', { name: 'cog.tif', exact: true }).click();
    const style = page.getByRole('region', { name: 'Style' });
    await style.getByRole('radio', { name: 'viridis', exact: true }).check();
    const before = watch.responses.length;
    await tilesSettled(page, id, 0, (url) => url.includes('colormap_name=viridis'));
    const recoloured = watch.responses.slice(before).filter((r) => isTile(id)(r.url));
    expect(recoloured.length).toBeGreaterThan(0);
    for (const r of recoloured) expect(r.url).toContain('colormap_name=viridis');
    await screenshot(page, 'map-cog-viridis');
    const viridis = await pixelsInside(page, bbox);
    expect(viridis.coloured / viridis.total).toBeGreaterThan(0.5);
    await expect(page.getByRole('figure', { name: 'Legend' }).getByAltText('viridis colormap').count()).resolves.toBe(
      1,
    );

    // A click in the middle of the data: the values shown are the API's at the coordinates shown.
    const [cx, cy] = await toScreen(page, [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2]);
    await page.mouse.click(cx + 17, cy - 23);
    const values = page.getByRole('region', { name: 'Point values' });
    await values.getByRole('table').waitFor();
    const coordinates = (await values.getByLabel('Coordinates').textContent())!.split(',').map((s) => s.trim());
    const api = await json<{ values: number[]; band_names: string[] }>(
      await call(`/data-products/${id}/point/${coordinates.join(',')}`, asUser),
      200,
    );
    const rows = await values.getByRole('row').allTextContents();
    expect(rows).toEqual(api.band_names.map((b, i) => `${b}${shown(api.values[i]!)}`));
    await screenshot(page, 'map-cog-point');
    expectClean(watch);
    await settleAndClose(page);
  });

  it('computes a drawn polygon’s statistics as the API does, and downloads them as CSV, a row per band', async () => {
    const id = product('cog_rgb.tif');
    const bbox = await footprint(id, asUser);
    const { page, watch } = await openMap(id);
    const rgb = await pixelsInside(page, bbox);
    expect(rgb.drawn / rgb.total).toBeGreaterThan(0.9);
    await page.getByRole('button', { name: 'cog_rgb.tif', exact: true }).click();

    await page.getByRole('button', { name: 'Draw polygon' }).click();
    const [cx, cy] = await toScreen(page, [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2]);
    for (const [dx, dy] of [
      [-90, -50],
      [80, -60],
      [100, 40],
      [-70, 55],
    ])
      await page.mouse.click(cx + dx!, cy + dy!);
    await screenshot(page, 'map-rgb-drawing');
    await page.keyboard.press('Enter');
    const panel = page.getByRole('region', { name: 'Statistics' });
    await panel.getByRole('button', { name: 'Download CSV' }).waitFor();
    // A viewer measures, but cannot make the polygon the project's boundary.
    await expect(page.getByRole('button', { name: "Use as the project's boundary" }).count()).resolves.toBe(0);
    await screenshot(page, 'map-rgb-statistics');

    const { geometry, statistics: stats, csv } = await drawnStatistics(page, id, asUser);
    expect(geometry.coordinates[0]).toHaveLength(5);
    expect(csv[0]).toBe('band,min,max,mean,std,median,p2,p25,p75,p98,count');
    expect(csv.slice(1)).toEqual(
      Object.entries(stats).map(([band, s]) =>
        [
          `${band} · ${['red', 'green', 'blue'][Number(band.slice(1)) - 1]}`,
          s.min,
          s.max,
          s.mean,
          s.std,
          s.median,
          s.percentile_2,
          s.percentile_25,
          s.percentile_75,
          s.percentile_98,
          s.valid_pixels,
        ].join(','),
      ),
    );
    // The table shows the same numbers, rounded for reading: a column per band.
    for (const [row, key] of [
      ['Minimum', 'min'],
      ['Mean', 'mean'],
      ['P98', 'percentile_98'],
    ] as const) {
      const cells = await panel.getByRole('row', { name: row }).getByRole('cell').allTextContents();
      expect(cells).toEqual(Object.values(stats).map((s) => shown(s[key]!)));
    }
    expectClean(watch);
    await settleAndClose(page);
  });

  it('computes VARI on an RGB ortho through expression, and says why NDVI cannot be computed', async () => {
    const id = product('cog_rgb.tif');
    const { page, watch } = await openMap(id);
    await page.getByRole('button', { name: 'cog_rgb.tif', exact: true }).click();
    const style = page.getByRole('region', { name: 'Style' });
    await expect(style.getByRole('button', { name: 'NDVI' }).isDisabled()).resolves.toBe(true);
    await style.getByText('NDVI needs the NIR band').waitFor();
    await style.getByRole('button', { name: 'VARI' }).click();
    await tilesSettled(page, id, 0, (url) => url.includes('expression='));
    const tile = new URL(watch.responses.filter((r) => isTile(id)(r.url) && r.url.includes('expression=')).at(-1)!.url);
    expect(tile.searchParams.get('expression')).toBe('(b2-b1)/(b2+b1-b3)');
    expect(tile.searchParams.get('rescale')).toBe('-1,1');
    expect(tile.searchParams.get('colormap_name')).toBe('rdylgn');
    expect(tile.searchParams.has('bidx')).toBe(false);
    const legend = page.getByRole('figure', { name: 'Legend' });
    await expect(legend.getByText('VARI').count()).resolves.toBe(1);
    await expect(legend.getByLabel('Minimum').textContent()).resolves.toBe('-1');
    await screenshot(page, 'map-rgb-vari');
    const coloured = await pixelsInside(page, await footprint(id, asUser));
    expect(coloured.coloured / coloured.total).toBeGreaterThan(0.5);
    expectClean(watch);
    await settleAndClose(page);
  });

  it.each(['float_lzw_pred3.tif', 'dsm_lerc.tif', 'cog_int16.tif', 'uint16_zstd.tif'])(
    'shows %s stretched p2–p98 from its statistics (no 400), with the stretch in its legend',
    async (name) => {
      const id = product(name);
      const bbox = await footprint(id, asUser);
      const { page, watch } = await openMap(id);
      await screenshot(page, `map-${name}`);
      const drawn = await pixelsInside(page, bbox);
      expect(drawn.drawn / drawn.total).toBeGreaterThan(0.3);
      // The documented default (the 2nd to 98th percentile of the stored histogram), on GDAL's own.
      const [low, high] = gdalStretch(gdalHistogram(`${FIXTURES}/cog/${name}`));
      const legend = page.getByRole('figure', { name: 'Legend' });
      await expect(legend.getByLabel('Minimum').textContent()).resolves.toBe(shown(low));
      await expect(legend.getByLabel('Maximum').textContent()).resolves.toBe(shown(high));
      expectClean(watch);
      await settleAndClose(page);
    },
  );

  it('cannot: an anonymous visitor of the private demo project’s map is told so, and no tile is served', async () => {
    const id = product('cog.tif');
    const { page, watch } = await newPage(browser);
    watch.allow((url, status) => url.includes(`/projects/${seed.demoProjectId}`) && [401, 404].includes(status));
    await page.goto(`/app/projects/${seed.demoProjectId}/map#layers=${id}`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not found|sign in/i);
    await page.waitForTimeout(1000);
    await screenshot(page, 'map-anonymous');
    expect(watch.responses.filter((r) => r.url.includes('/tiles/') && r.status < 400)).toEqual([]);
    expectClean(watch);
    await settleAndClose(page);
  });
});
