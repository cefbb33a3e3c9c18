// The web app's budgets (issue 20): the JavaScript a first page downloads (gzipped, MapLibre and its
// worker included) and the time until the first map view of a project is interactive, in Debian's
// Chromium against the bench stack, cold browser cache each time.
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import type { Stack } from './stack';
import { CHROMIUM } from './web';
import { percentile, round } from './figures';

export const WEB_BENCH_HEAD = ['page', 'JS gzipped (budget 400 KB)', 'interactive, p50 / max of 5 (budget 2 s)'];

const RUNS = 5;

async function visit(browser: Browser, url: string, storage?: Awaited<ReturnType<BrowserContext['storageState']>>) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState: storage });
  const page = await context.newPage();
  const scripts: Array<Promise<number>> = [];
  page.on('response', (r) => {
    // A blob: worker (MapLibre's) is made from code the page already downloaded: no bytes on the wire.
    if (r.url().startsWith('blob:')) return;
    if (r.request().resourceType() === 'script' || /\.m?js(\?|$)/.test(r.url()))
      scripts.push(r.body().then((b) => gzipSync(b, { level: 9 }).length));
  });
  await page.goto(url);
  // Interactive: the page's controls are drawn and every request of its first view has been answered.
  await page.waitForLoadState('networkidle');
  const millis = await page.evaluate(
    `Math.max(...performance.getEntriesByType('resource').map((e) => e.responseEnd), performance.getEntriesByType('navigation')[0].domInteractive)`,
  );
  const bytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
  await context.close();
  return { millis: Number(millis), bytes };
}

async function signedIn(browser: Browser, stack: Stack) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${stack.baseUrl}/app/sign-in`);
  await page.getByLabel('Email').fill(stack.seed.user.email);
  await page.getByLabel('Password').fill(stack.seed.user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  const state = await context.storageState();
  await context.close();
  return state;
}

export async function benchWeb(stack: Stack): Promise<string[][]> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const storage = await signedIn(browser, stack);
    const pages: Array<[string, string, typeof storage | undefined]> = [
      ['first page (sign-in), anonymous', `${stack.baseUrl}/app/`, undefined],
      ['projects after sign-in', `${stack.baseUrl}/app/`, storage],
      [
        'first map view of the demo project (all its layers), signed in',
        `${stack.baseUrl}/app/projects/${stack.seed.demoProjectId}/map`,
        storage,
      ],
    ];
    const rows: string[][] = [];
    for (const [name, url, state] of pages) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await visit(browser, url, state));
      const millis = runs.map((r) => r.millis);
      rows.push([
        name,
        `${round(Math.max(...runs.map((r) => r.bytes)) / 1024, 1)} KB`,
        `${round(percentile(millis, 50))} / ${round(Math.max(...millis))} ms`,
      ]);
    }
    return rows;
  } finally {
    await browser.close();
  }
}
