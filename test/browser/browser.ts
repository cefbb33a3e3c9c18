import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { baseUrl } from '../integration/helpers';

export { baseUrl, call, json, seed } from '../integration/helpers';

const ROOT = new URL('../../', import.meta.url).pathname;
/** Screenshots of every step (git-ignored): look at them. */
export const SHOTS = `${ROOT}.dev/screenshots`;

/** Debian's Chromium with the flags this machine needs (no GPU, no sandbox as root, no calls home). */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** What went wrong in a page: console errors, failed requests and error answers (4xx/5xx). */
export interface Watch {
  problems: string[];
  /** Every response the page saw, for assertions on tile requests. */
  responses: Array<{ url: string; status: number }>;
  /** Expect an error answer (a test that checks a refusal): it is recorded, not counted as a problem. */
  allow: (match: (url: string, status: number) => boolean) => void;
}

/**
 * Watches a page: a test fails on any console error or failed request the page did not expect.
 * WebGL driver chatter (software rendering) is a warning, not an error, and is not counted.
 */
export function watch(page: Page): Watch {
  const allowed: Array<(url: string, status: number) => boolean> = [];
  const w: Watch = { problems: [], responses: [], allow: (m) => allowed.push(m) };
  const expected = (url: string, status: number) => allowed.some((m) => m(url, status));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every 4xx/5xx answer as a console error too: an expected refusal is not one.
    const refused = /status of (\d+)/.exec(m.text());
    if (refused && expected(m.location().url, Number(refused[1]))) return;
    w.problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => w.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A request the page itself gave up (a tile scrolled out of view) is not a failure.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      w.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    w.responses.push({ url: r.url(), status: r.status() });
    if (r.status() >= 400 && !expected(r.url(), r.status()))
      w.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return w;
}

/** Fails the test with everything the page complained about. */
export function expectClean(w: Watch): void {
  expect(w.problems).toEqual([]);
}

let shot = 0;
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  shot += 1;
  await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, '0')}-${name}.png` });
}

export async function newPage(
  browser: Browser,
  size = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
  const context = await browser.newContext({ viewport: size, baseURL: baseUrl });
  const page = await context.newPage();
  return { context, page, watch: watch(page) };
}

/** Signs in through the page (the labelled fields and button). */
export async function signInThroughPage(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/app/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}

/** A fresh account's email, unique to this run. */
export const freshEmail = (who: string): string =>
  `${who}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.org`;

export { ROOT };
