import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { call, expectClean, json, launch, newPage, screenshot, signInThroughPage, type Watch } from './browser';
import { newUser, type TestUser } from '../integration/helpers';
import { FIELD_CENTER, fieldProject, type FieldProject } from './field-data';

let browser: Browser;
let owner: TestUser;
/** A private project: compared, and shared by a signed link. */
let field: FieldProject;
/** A public project published in the catalog: found there by anyone. */
let published: FieldProject;
const run = Date.now().toString(36);

beforeAll(async () => {
  browser = await launch();
  owner = await newUser('field-owner');
  [field, published] = await Promise.all([
    fieldProject(owner, `Field trial ${run}`, `private ${run}`),
    fieldProject(owner, `Open field ${run}`, `open ${run}`),
  ]);
  const as = { token: owner.token };
  await json(await call(`/projects/${published.id}`, { ...as, method: 'PATCH', json: { is_public: true } }), 200);
  await json(await call(`/projects/${published.id}/stac/publish`, { ...as, method: 'POST' }), 200);
}, 180_000);
afterAll(async () => browser?.close());

const fieldView = (zoom: number, layers = [field.june, field.july]) =>
  `#view=${zoom}/${FIELD_CENTER[1]}/${FIELD_CENTER[0]}&layers=${layers.join(',')}`;

/** Tile requests of a data product the page made, by status. */
const tilesOf = (watch: Watch, id: string) =>
  watch.responses.filter((r) => r.url.includes(`/data-products/${id}/tiles/`));

async function waitForTiles(page: Page, watch: Watch, ids: string[]): Promise<void> {
  await expect.poll(() => ids.every((id) => tilesOf(watch, id).length > 0), { timeout: 30_000 }).toBe(true);
  // Let the maps draw what arrived.
  await page.waitForTimeout(800);
  for (const id of ids) for (const tile of tilesOf(watch, id)) expect([200, 304], tile.url).toContain(tile.status);
}

/** The pixel at a fraction of an element's box, from a screenshot of it. */
async function pixelsOf(element: Locator): Promise<(fx: number, fy: number) => [number, number, number]> {
  const png = PNG.sync.read(await element.screenshot());
  return (fx, fy) => {
    const i = (Math.floor(fy * png.height) * png.width + Math.floor(fx * png.width)) * 4;
    return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
  };
}

const isRed = ([r, , b]: [number, number, number]) => r > 150 && b < 90;
const isBlue = ([r, , b]: [number, number, number]) => b > 150 && r < 90;

interface Readout {
  at: [number, number];
  left: string;
  right: string;
}

/** The readout once it has caught up with the pointer (it reads at most 4 times a second). */
async function readout(page: Page): Promise<Readout> {
  const output = page.getByRole('status', { name: 'Values under the pointer' });
  let last = '';
  await expect
    .poll(
      async () => {
        const previous = last;
        await page.waitForTimeout(400);
        last = (await output.textContent()) ?? '';
        return /Right: b1/.test(last) && last === previous;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const text = last;
  const match = /^(-?[\d.]+), (-?[\d.]+)Left: (.*)Right: (.*)$/.exec(text);
  expect(match, text).not.toBeNull();
  return { at: [Number(match![1]), Number(match![2])], left: match![3]!, right: match![4]! };
}

/** What the readout should say of a product at a point: `/point`'s own answer. */
async function pointText(product: string, [lon, lat]: [number, number]): Promise<string> {
  const point = await json<{ values: number[]; band_names: string[] }>(
    await call(`/data-products/${product}/point/${lon},${lat}`, { token: owner.token }),
    200,
  );
  return point.band_names.map((name, i) => `${name} ${point.values[i]}`).join(', ');
}

async function hover(page: Page, map: Locator, fx: number, fy: number): Promise<void> {
  const box = (await map.boundingBox())!;
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
}

describe('compare two flights of one field', () => {
  it('shows them side by side with linked cameras and pointer, then swiped, and returns to the map', async () => {
    const { context, page, watch } = await newPage(browser);
    await signInThroughPage(page, owner.email, owner.password);
    await page.goto(`/app/projects/${field.id}/map${fieldView(17)}`);
    await page.getByRole('checkbox', { name: 'Show june.tif' }).waitFor();
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByLabel('Left layer').selectOption({ label: 'june.tif' });
    await page.getByLabel('Right layer').selectOption({ label: 'july.tif' });
    const left = page.getByRole('region', { name: 'Left map' });
    const right = page.getByRole('region', { name: 'Right map' });
    await waitForTiles(page, watch, [field.june, field.july]);
    await screenshot(page, 'compare-side-by-side');
    const sideLeft = await pixelsOf(left);
    const sideRight = await pixelsOf(right);
    expect(isRed(sideLeft(0.5, 0.5))).toBe(true);
    expect(isBlue(sideRight(0.5, 0.5))).toBe(true);

    // Dragging the left map moves the right one: the same spot in each pane reads the same place.
    const before = await page.evaluate<string>('location.hash');
    const box = (await left.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 + 60, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.evaluate<string>('location.hash')).not.toBe(before);
    await hover(page, left, 0.3, 0.4);
    const onLeft = await readout(page);
    await expect(right.locator('.compare-marker').isVisible()).resolves.toBe(true);
    await screenshot(page, 'compare-synced-pointer');
    await hover(page, right, 0.3, 0.4);
    await expect((await readout(page)).at).toEqual(onLeft.at);
    await expect(left.locator('.compare-marker').isVisible()).resolves.toBe(true);

    // The readout says what /point says, for both sides.
    expect(onLeft.left).toBe(await pointText(field.june, onLeft.at));
    expect(onLeft.right).toBe(await pointText(field.july, onLeft.at));

    // Swipe: stacked, the right layer right of the divider; the keyboard moves it.
    await page.getByLabel('Swipe').check();
    const slider = page.getByRole('slider', { name: 'Swipe position' });
    await page.mouse.move(5, 5);
    await page.waitForTimeout(300);
    let swiped = await pixelsOf(left);
    expect(isRed(swiped(0.4, 0.5))).toBe(true);
    expect(isBlue(swiped(0.6, 0.5))).toBe(true);
    await slider.focus();
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
    await expect(slider.getAttribute('aria-valuenow')).resolves.toBe('30');
    await page.waitForTimeout(200);
    await screenshot(page, 'compare-swipe');
    swiped = await pixelsOf(left);
    expect(isRed(swiped(0.2, 0.5))).toBe(true);
    expect(isBlue(swiped(0.4, 0.5))).toBe(true);

    // Leaving compare: the map again, with the view compare left it at.
    const compared = await page.evaluate<string>('location.hash');
    await page.getByRole('button', { name: 'Close compare' }).click();
    await expect(left.count()).resolves.toBe(0);
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe(compared);
    await screenshot(page, 'compare-closed');
    expectClean(watch);
    await context.close();
  });
});

describe('the catalog', () => {
  it("lets anyone find a public project's items by view, dates and text, and add one to the map", async () => {
    const { context, page, watch } = await newPage(browser);
    await page.goto(`/app/projects/${published.id}/map${fieldView(16, [published.june])}`);
    await page.getByRole('checkbox', { name: 'Show june.tif' }).waitFor();
    await expect(page.getByRole('checkbox', { name: 'Show july.tif' }).isChecked()).resolves.toBe(false);
    await waitForTiles(page, watch, [published.june]);
    const catalog = page.getByRole('region', { name: 'Catalog' });
    await catalog.getByLabel('Only in view').check();
    await catalog.getByLabel('From').fill('2024-07-01');
    await catalog.getByLabel('To').fill('2024-07-31');
    await catalog.getByLabel('Text (title or id)').fill(`open ${run}`);
    await catalog.getByRole('button', { name: 'Search' }).click();
    const results = catalog.getByRole('list', { name: 'Catalog results' });
    await results.waitFor();
    await expect(results.getByRole('listitem').count()).resolves.toBe(1);
    const title = `July open ${run} 2024-07-17: ortho`;
    await expect(results.getByRole('listitem').textContent()).resolves.toContain(title);
    const thumbnail = results.getByRole('img', { name: `Preview of ${title}` });
    await expect.poll(() => thumbnail.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'catalog-results');
    await results.getByRole('button', { name: `Add ${title} to the map` }).click();
    await expect.poll(() => page.getByRole('checkbox', { name: 'Show july.tif' }).isChecked()).toBe(true);
    await waitForTiles(page, watch, [published.july]);
    await expect(results.getByRole('button', { name: `${title} is on the map` }).isDisabled()).resolves.toBe(true);
    await screenshot(page, 'catalog-added-to-map');

    // Nothing in that range with that text: said so.
    await catalog.getByLabel('To').fill('2024-07-10');
    await catalog.getByRole('button', { name: 'Search' }).click();
    await catalog.getByText('No items match.').waitFor();

    // A public project's link is the map's own address, with this view and these layers.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Share' }).click();
    const share = page.getByRole('group', { name: 'Share this project' });
    await share.getByRole('button', { name: 'Copy link' }).click();
    await share.getByText('Copied.').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toBe(await share.getByLabel('Link', { exact: true }).inputValue());
    expect(copied).toMatch(
      new RegExp(`/app/projects/${published.id}/map#view=16\\.00/.*&layers=${published.july},${published.june}$`),
    );
    await expect(share.getByLabel('Link valid for').count()).resolves.toBe(0);
    expectClean(watch);
    await context.close();
  });
});

describe('sharing', () => {
  it('lets a manager make a 1-hour link to a private project that opens without signing in', async () => {
    const manager = await newUser('field-manager');
    const as = { token: owner.token };
    await json(
      await call(`/projects/${field.id}/members`, { ...as, json: { user_id: manager.id, role: 'manager' } }),
      200,
    );
    const { context, page, watch } = await newPage(browser);
    await signInThroughPage(page, manager.email, manager.password);
    await page.goto(`/app/projects/${field.id}/map${fieldView(16, [field.july])}`);
    await page.getByRole('checkbox', { name: 'Show july.tif' }).waitFor();
    await page.getByRole('button', { name: 'Share' }).click();
    const share = page.getByRole('group', { name: 'Share this project' });
    await share.getByLabel('Link valid for').selectOption({ label: '1 hour' });
    await share.getByRole('button', { name: 'Make link' }).click();
    const link = await share.getByLabel('Link', { exact: true }).inputValue();
    // The link carries the map's view and layers (the zoom as the map has it, a hair off 16 at times).
    const url = new URL(link);
    expect(url.pathname).toMatch(/^\/app\/share\/[^/]+$/);
    const hash = new URLSearchParams(url.hash.slice(1));
    expect(hash.get('layers')).toBe(field.july);
    expect(Math.abs(Number(hash.get('view')!.split('/')[0]) - 16)).toBeLessThan(0.05);
    const expires = Date.parse((await share.locator('time').getAttribute('datetime'))!);
    expect(Math.abs(expires - Date.now() - 3600_000)).toBeLessThan(120_000);
    await screenshot(page, 'share-signed-link');
    expectClean(watch);
    await context.close();

    // A stranger's browser, no session: the map with the shared layer.
    const stranger = await newPage(browser);
    await stranger.page.goto(link);
    await stranger.page.getByRole('checkbox', { name: 'Show july.tif' }).waitFor();
    await waitForTiles(stranger.page, stranger.watch, [field.july]);
    await screenshot(stranger.page, 'share-opened-anonymously');
    expectClean(stranger.watch);

    // The same link with a tampered token: said plainly, no map.
    stranger.watch.allow((url, status) => url.includes('/shares/') && status === 401);
    const token = /\/share\/([^#]+)/.exec(link)![1]!;
    const tampered = link.replace(token, `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`);
    await stranger.page.goto(tampered);
    await stranger.page.getByText('This link has expired or was revoked — ask for a new one').waitFor();
    await expect(stranger.page.getByRole('region', { name: 'Map' }).count()).resolves.toBe(0);
    await screenshot(stranger.page, 'share-tampered');
    expectClean(stranger.watch);
    await stranger.context.close();
  });

  it('offers a viewer no signed link, and the API refuses one', async () => {
    const viewer = await newUser('field-viewer');
    await json(
      await call(`/projects/${field.id}/members`, { token: owner.token, json: { user_id: viewer.id, role: 'viewer' } }),
      200,
    );
    const { context, page, watch } = await newPage(browser);
    await signInThroughPage(page, viewer.email, viewer.password);
    await page.goto(`/app/projects/${field.id}`);
    await page.getByRole('button', { name: 'Share' }).click();
    const share = page.getByRole('group', { name: 'Share this project' });
    await share.getByText('only its managers can make a link').waitFor();
    await expect(share.getByLabel('Link valid for').count()).resolves.toBe(0);
    await screenshot(page, 'share-viewer');
    expectClean(watch);
    await context.close();
    const refused = await call(`/projects/${field.id}/shares`, { token: viewer.token, json: { expires_in: 3600 } });
    expect(refused.status).toBe(403);
  });
});
