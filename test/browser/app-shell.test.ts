import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { baseUrl, expectClean, launch, newPage, screenshot, seed, signInThroughPage } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('the app shell', () => {
  it('serves the app under /app/, deep links after a reload, and a missing file as 404', async () => {
    expect((await fetch(`${baseUrl}/`, { redirect: 'manual' })).headers.get('location')).toBe('/app/');
    const deep = await fetch(`${baseUrl}/app/projects/${seed.demoProjectId}`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toContain('text/html');
    expect(deep.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect((await fetch(`${baseUrl}/app/assets/missing.js`)).status).toBe(404);
    // A deep link may end like a file name (a share link's token ends in a dot and base64url).
    const dotted = await fetch(`${baseUrl}/app/share/eyJhbGciOiJFUzI1NiJ9.e30.abcDEF0123`);
    expect(dotted.status).toBe(200);
    expect(dotted.headers.get('content-type')).toContain('text/html');
    // The API keeps its paths: a project read is still JSON.
    const api = await fetch(`${baseUrl}/projects`);
    expect(api.headers.get('content-type')).toContain('application/json');
  });

  it('signs in, lists projects as links named by their titles, and signs out', async () => {
    const { context, page, watch } = await newPage(browser);
    await signInThroughPage(page, seed.user.email, seed.user.password);
    await page.getByRole('link', { name: 'Demo project' }).waitFor();
    await expect(page.getByRole('link', { name: 'Demo project' }).count()).resolves.toBe(1);
    await screenshot(page, 'projects-after-sign-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect(page.evaluate("localStorage.getItem('edge-tiles.session')")).resolves.toBeNull();
    expectClean(watch);
    await context.close();
  });

  it('refuses a wrong password plainly, in the page', async () => {
    const { context, page, watch } = await newPage(browser);
    watch.allow((url, status) => url.endsWith('/auth/token') && status === 401);
    await page.goto('/app/sign-in');
    await page.getByLabel('Email').fill(seed.user.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Email or password is wrong');
    expectClean(watch);
    await context.close();
  });
});
