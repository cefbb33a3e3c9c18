// What the browser tests read off the map page: its tiles, where a place lies on the screen, the
// pixels a screenshot holds inside a footprint.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import type { CallOptions } from '../integration/helpers';
import { call, json, type Watch } from './browser';

export type Bbox = [number, number, number, number];

/** The app's number format (six significant digits), to compare what it shows with the API's numbers. */
export const shown = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** A raster product's footprint (west, south, east, north), as its /info tells it to `as`. */
export async function footprint(id: string, as: CallOptions): Promise<Bbox> {
  const info = await json<{ geographic_bounds: Bbox }>(await call(`/data-products/${id}/info`, as), 200);
  return info.geographic_bounds;
}

export const isTile = (id: string) => (url: string) => url.includes(`/data-products/${id}/tiles/`);

/**
 * Resolves once the map has asked for some of the layer's tiles and every one of them was
 * answered, and nothing new was asked for a moment (MapLibre then draws them).
 */
export async function tilesSettled(page: Page, id: string, since = 0, wanted = (_url: string) => true): Promise<void> {
  const pending = new Set<string>();
  let seen = since;
  const tile = (url: string) => isTile(id)(url) && wanted(url);
  const onRequest = (r: { url: () => string }) => {
    if (!tile(r.url())) return;
    pending.add(r.url());
    seen += 1;
  };
  const onDone = (r: { url: () => string }) => pending.delete(r.url());
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    let quietFor = 0;
    for (let waited = 0; waited < 60_000 && quietFor < 1000; waited += 100) {
      await page.waitForTimeout(100);
      quietFor = seen > 0 && pending.size === 0 ? quietFor + 100 : 0;
    }
    expect(seen, 'tiles asked for').toBeGreaterThan(0);
    await page.waitForTimeout(400);
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}

export function expectTilesServed(watch: Watch, id: string): void {
  const tiles = watch.responses.filter((r) => isTile(id)(r.url));
  expect(tiles.length).toBeGreaterThan(0);
  for (const t of tiles) expect([200, 304], t.url).toContain(t.status);
}

/** Where a lon/lat lies on the page: from the view the address holds (Web Mercator, 512-px tiles) and the map's box. */
export async function toScreen(page: Page, [lon, lat]: [number, number]): Promise<[number, number]> {
  const view = new URLSearchParams(new URL(page.url()).hash.slice(1)).get('view')!;
  const [zoom, clat, clon] = view.split('/').map(Number) as [number, number, number];
  const box = (await page.getByRole('region', { name: 'Map' }).first().boundingBox())!;
  const world = 512 * 2 ** zoom;
  const mx = (x: number) => ((x + 180) / 360) * world;
  const my = (y: number) => ((1 - Math.log(Math.tan(Math.PI / 4 + (y * Math.PI) / 360)) / Math.PI) / 2) * world;
  return [box.x + box.width / 2 + mx(lon) - mx(clon), box.y + box.height / 2 + my(lat) - my(clat)];
}

export interface Pixels {
  drawn: number;
  coloured: number;
  total: number;
  /** mean r, g, b */
  mean: [number, number, number];
}

/** The screenshot's pixels inside the middle of a footprint: how many are not the basemap, how many coloured. */
export async function pixelsInside(page: Page, bbox: Bbox): Promise<Pixels> {
  const [x0, y0] = await toScreen(page, [bbox[0], bbox[3]]);
  const [x1, y1] = await toScreen(page, [bbox[2], bbox[1]]);
  // The middle 40 %: rotated footprints and the legend stay out of it.
  const [ax, bx] = [x0 + (x1 - x0) * 0.3, x0 + (x1 - x0) * 0.7];
  const [ay, by] = [y0 + (y1 - y0) * 0.3, y0 + (y1 - y0) * 0.7];
  const png = PNG.sync.read(await page.screenshot());
  const result: Pixels = { drawn: 0, coloured: 0, total: 0, mean: [0, 0, 0] };
  for (let y = Math.round(ay); y < by; y += 2)
    for (let x = Math.round(ax); x < bx; x += 2) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      result.total += 1;
      result.mean = [result.mean[0] + r, result.mean[1] + g, result.mean[2] + b];
      // The basemap's water #d7e6ef and land #f4f1ea.
      const basemap = [
        [0xd7, 0xe6, 0xef],
        [0xf4, 0xf1, 0xea],
      ].some(([br, bg, bb]) => Math.abs(r - br!) + Math.abs(g - bg!) + Math.abs(b - bb!) < 12);
      if (!basemap) result.drawn += 1;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) result.coloured += 1;
    }
  result.mean = result.mean.map((m) => m / Math.max(1, result.total)) as [number, number, number];
  return result;
}

/**
 * Closes a page's context once nothing is in flight: a request cut off by closing (a hidden layer's
 * statistics, a ramp image) can hold the local dev server's next answers for half a minute. It is
 * cleanup, not a check: a page still busy after 15 s is closed all the same.
 */
export async function settleAndClose(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => undefined);
  await page.context().close();
}

/**
 * What the Statistics panel says of its polygon, beside the API's own answer for the same polygon:
 * the polygon it shows, `POST …/statistics` for it (the percentiles the app asks for), and the
 * lines of the CSV it downloads.
 */
export async function drawnStatistics(
  page: Page,
  id: string,
  as: CallOptions,
): Promise<{
  geometry: { coordinates: number[][][] };
  statistics: Record<string, Record<string, number>>;
  csv: string[];
}> {
  const panel = page.getByRole('region', { name: 'Statistics' });
  await panel.getByText('Polygon coordinates').click();
  const geometry = JSON.parse(await panel.getByLabel('Polygon GeoJSON').inputValue()) as {
    coordinates: number[][][];
  };
  const answer = await json<{ properties: { statistics: Record<string, Record<string, number>> } }>(
    await call(`/data-products/${id}/statistics?p=2&p=25&p=75&p=98`, {
      ...as,
      json: { type: 'Feature', properties: {}, geometry },
    }),
    200,
  );
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  const csv = readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  return { geometry, statistics: answer.properties.statistics, csv };
}
