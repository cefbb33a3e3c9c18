// Journey 1 of the web app (issue 20), in one piece, as a researcher lives it: sign up, a project and
// a flight, an upload through the page, its job, the layer on the map, a colormap, a clicked value,
// a polygon's statistics, two flights compared, a signed link opened elsewhere, and signing out.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { login, type CallOptions } from '../integration/helpers';
import { call, expectClean, freshEmail, json, launch, newPage, ROOT, screenshot, type Watch } from './browser';
import { uploadRaster } from './field-data';
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

const RGB = `${ROOT}../shared/fixtures/raw/RGB.byte.tif`;

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

/** Signs up through the page and makes a project and a flight through it; the ids come from the page's address. */
async function newResearcher(page: Page, email: string, password: string): Promise<string> {
  await page.goto('/app/sign-up');
  await page.getByLabel('Name').fill('Ada Field');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await screenshot(page, 'journey-first-screen');
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Title').fill('Wheat trial 2025');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Wheat trial 2025' }).waitFor();
  await page.getByRole('button', { name: 'Add flight' }).click();
  await page.getByLabel('Flight name').fill('June');
  await page.getByLabel('Date').fill('2025-06-01');
  await page.getByRole('button', { name: 'Add flight' }).click();
  await page.getByRole('article', { name: 'Flight June' }).waitFor();
  return /\/projects\/([0-9a-f-]{36})/.exec(page.url())![1]!;
}

/** Uploads RGB.byte.tif through the Upload control and waits for its job to make it ready. */
async function uploadThroughPage(page: Page): Promise<void> {
  await page.getByLabel('Upload', { exact: true }).setInputFiles(RGB);
  const row = page.getByRole('listitem', { name: 'Upload of RGB.byte.tif' });
  await row.getByRole('button', { name: 'Start upload of RGB.byte.tif' }).click();
  const product = page.locator('li.product', { hasText: 'RGB.byte.tif' });
  await product.getByRole('group', { name: 'Processing of RGB.byte.tif' }).waitFor();
  await screenshot(page, 'journey-processing');
  await product.locator('.status-ready').waitFor({ timeout: 120_000 });
  await screenshot(page, 'journey-ready');
}

/** Clicks inside the footprint: the values shown are the API's at the coordinates shown. */
async function clickedValuesAgree(page: Page, id: string, bbox: number[], as: CallOptions): Promise<void> {
  const [cx, cy] = await toScreen(page, [(bbox[0]! + bbox[2]!) / 2, (bbox[1]! + bbox[3]!) / 2]);
  await page.mouse.click(cx + 11, cy - 7);
  const values = page.getByRole('region', { name: 'Point values' });
  await values.getByRole('table').waitFor();
  const at = (await values.getByLabel('Coordinates').textContent())!.split(',').map((s) => s.trim());
  const api = await json<{ values: number[]; band_names: string[] }>(
    await call(`/data-products/${id}/point/${at.join(',')}`, as),
    200,
  );
  await expect(values.getByRole('cell').allTextContents()).resolves.toEqual(api.values.map((v) => shown(v)));
}

/** Draws a quadrilateral and checks the downloaded CSV against POST /statistics for the polygon the app shows. */
async function polygonStatisticsAgree(
  page: Page,
  id: string,
  bbox: number[],
  as: CallOptions,
): Promise<{ coordinates: number[][][] }> {
  await page.getByRole('button', { name: 'Draw polygon' }).click();
  const [cx, cy] = await toScreen(page, [(bbox[0]! + bbox[2]!) / 2, (bbox[1]! + bbox[3]!) / 2]);
  for (const [dx, dy] of [
    [-60, -40],
    [70, -50],
    [80, 30],
    [-50, 45],
  ] as const)
    await page.mouse.click(cx + dx, cy + dy);
  await page.keyboard.press('Enter');
  const panel = page.getByRole('region', { name: 'Statistics' });
  await panel.getByRole('button', { name: 'Download CSV' }).waitFor();
  await screenshot(page, 'journey-statistics');
  const { geometry, statistics, csv } = await drawnStatistics(page, id, as);
  const rows = csv.slice(1);
  const bands = Object.values(statistics);
  expect(rows).toHaveLength(bands.length);
  rows.forEach((row, i) => {
    const cells = row.split(',');
    expect(Number(cells[3])).toBe(bands[i]!.mean);
    expect(Number(cells.at(-1))).toBe(bands[i]!.valid_pixels);
  });
  return geometry;
}

/** Compare: the two flights side by side (tiles of both served), then swiped with the keyboard. */
async function compareFlights(page: Page, watch: Watch, second: string): Promise<void> {
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.getByLabel('Left layer').selectOption({ label: 'RGB.byte.tif' });
  await page.getByLabel('Right layer').selectOption({ label: 'RGB-july.tif' });
  await page.getByRole('region', { name: 'Left map' }).waitFor();
  await expect.poll(() => watch.responses.some((r) => isTile(second)(r.url)), { timeout: 30_000 }).toBe(true);
  await page.waitForLoadState('networkidle');
  expectTilesServed(watch, second);
  await screenshot(page, 'journey-compare-side-by-side');
  await page.getByLabel('Swipe').check();
  const slider = page.getByRole('slider', { name: 'Swipe position' });
  await slider.focus();
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await expect(slider.getAttribute('aria-valuenow')).resolves.toBe('60');
  await page.waitForTimeout(300);
  await screenshot(page, 'journey-compare-swipe');
  await page.getByRole('button', { name: 'Close compare' }).click();
}

/** A one-hour signed link, made from the map. */
async function signedLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click();
  const share = page.getByRole('group', { name: 'Share this project' });
  await share.getByLabel('Link valid for').selectOption({ label: '1 hour' });
  await share.getByRole('button', { name: 'Make link' }).click();
  const link = await share.getByLabel('Link', { exact: true }).inputValue();
  await screenshot(page, 'journey-share');
  await page.keyboard.press('Escape');
  return link;
}

describe('journey 1: from sign-up to a shared map', () => {
  it('signs up, uploads, sees, styles, reads, measures, compares, shares and signs out', async () => {
    const { context, page, watch } = await newPage(browser);
    const [email, password] = [freshEmail('journey'), 'a-long-password'];
    const projectId = await newResearcher(page, email, password);
    await uploadThroughPage(page);
    const me = await json<{ access_token: string }>(await login(email, password), 200);
    const as = { token: me.access_token };

    // A second flight of the same field, through the API (the page's upload is the part under test).
    const july = await json<{ id: string }>(
      await call(`/projects/${projectId}/flights`, { ...as, json: { name: 'July', acquisition_date: '2025-07-01' } }),
      201,
    );
    const second = await uploadRaster(
      { id: '', email, password, token: me.access_token, refreshToken: '' },
      projectId,
      july.id,
      'RGB-july.tif',
      readFileSync(RGB),
    );

    // The layer appears: drawn inside its footprint, every tile answered.
    const product = page.locator('li.product', { hasText: 'RGB.byte.tif' });
    await product.getByRole('link', { name: 'Show on map' }).click();
    const id = /layers=([0-9a-f-]{36})/.exec(page.url())![1]!;
    await tilesSettled(page, id);
    expectTilesServed(watch, id);
    const bbox = await footprint(id, as);
    await screenshot(page, 'journey-map');
    const drawn = await pixelsInside(page, bbox);
    expect(drawn.drawn / drawn.total).toBeGreaterThan(0.9);

    // One band through a colormap.
    await page.getByRole('button', { name: 'RGB.byte.tif', exact: true }).click();
    const style = page.getByRole('region', { name: 'Style' });
    await style.getByLabel('Single band').check();
    await style.getByRole('radio', { name: 'viridis', exact: true }).check();
    await tilesSettled(page, id, 0, (url) => url.includes('colormap_name=viridis'));
    const viridis = watch.responses.filter((r) => isTile(id)(r.url) && r.url.includes('colormap_name=viridis'));
    expect(viridis.length).toBeGreaterThan(0);
    expect((await pixelsInside(page, bbox)).coloured).toBeGreaterThan(0);
    await screenshot(page, 'journey-viridis');

    await clickedValuesAgree(page, id, bbox, as);
    const polygon = await polygonStatisticsAgree(page, id, bbox, as);
    // The owner makes the drawn polygon the project's boundary.
    await page.getByRole('button', { name: "Use as the project's boundary" }).click();
    await page.getByRole('button', { name: 'Saved as the project boundary' }).waitFor();
    const project = await json<{ boundary: unknown }>(await call(`/projects/${projectId}`, as), 200);
    // Boundaries are kept as multipolygons.
    expect(project.boundary).toEqual({ type: 'MultiPolygon', coordinates: [polygon.coordinates] });
    await compareFlights(page, watch, second);
    const link = await signedLink(page);
    expectClean(watch);

    // The link, in a browser with no session.
    const elsewhere = await newPage(browser);
    await elsewhere.page.goto(link);
    await elsewhere.page.getByRole('checkbox', { name: 'Show RGB.byte.tif' }).waitFor();
    await tilesSettled(elsewhere.page, id);
    expectTilesServed(elsewhere.watch, id);
    await screenshot(elsewhere.page, 'journey-shared');
    expectClean(elsewhere.watch);
    await settleAndClose(elsewhere.page);

    // Signing out ends the tile tokens the map held: the private layer's tiles are refused.
    const tile = watch.responses.filter((r) => isTile(id)(r.url) && r.url.includes('token=')).at(-1)!.url;
    expect((await fetch(tile)).status).toBe(200);
    await page.goto(`/app/projects/${projectId}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect.poll(async () => (await fetch(tile)).status).toBe(401);
    expectClean(watch);
    await settleAndClose(page);
    await context.close();
  });
});
