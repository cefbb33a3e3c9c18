import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { expectClean, launch, newPage, seed, signInThroughPage, watch } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

const SESSION = 'edge-tiles.session';

describe('a sign-in kept alive across tabs', () => {
  it('refreshes an expiring access token once for all tabs (refresh tokens are single-use), and keeps working', async () => {
    const { context, page: first, watch: watchFirst } = await newPage(browser);
    await signInThroughPage(first, seed.user.email, seed.user.password);
    const second = await context.newPage();
    const watchSecond = watch(second);
    await Promise.all([first.goto('/app/account'), second.goto('/app/account')]);
    await Promise.all([first.getByLabel('Key name').waitFor(), second.getByLabel('Key name').waitFor()]);
    await Promise.all([first.waitForLoadState('networkidle'), second.waitForLoadState('networkidle')]);
    const refreshes: string[] = [];
    context.on('request', (r) => {
      if (r.url().endsWith('/auth/refresh')) refreshes.push(r.url());
    });
    const before = JSON.parse(String(await first.evaluate(`localStorage.getItem('${SESSION}')`))) as {
      refreshToken: string;
    };
    // As if hours had passed: the stored access token is about to expire (the second tab's write
    // reaches the first by the storage event), and both tabs call the API at once.
    await second.evaluate(
      `(() => { const s = JSON.parse(localStorage.getItem('${SESSION}')); s.expiresAt = Date.now() + 1000; localStorage.setItem('${SESSION}', JSON.stringify(s)); })()`,
    );
    await Promise.all(
      [first, second].map(async (page, i) => {
        await page.getByLabel('Key name').fill(`tab ${i + 1}`);
        await page.getByRole('button', { name: 'Create key' }).click();
        await page.getByText('Copy this key now').waitFor();
      }),
    );
    expect(refreshes).toHaveLength(1);
    const after = JSON.parse(String(await first.evaluate(`localStorage.getItem('${SESSION}')`))) as {
      refreshToken: string;
      expiresAt: number;
    };
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    // The sign-in still stands (a reused refresh token would have ended it): a page that needs it works.
    await first.goto('/app/');
    await first.getByRole('link', { name: 'Demo project' }).waitFor();
    await first.waitForLoadState('networkidle');
    expectClean(watchFirst);
    expectClean(watchSecond);
    await context.close();
  });
});
