import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { newUser, type TestUser } from '../integration/helpers';
import { call, expectClean, freshEmail, json, launch, newPage, ROOT, screenshot, signInThroughPage } from './browser';

const RGB = `${ROOT}../shared/fixtures/raw/RGB.byte.tif`;

let browser: Browser;
let scratch: string;
beforeAll(async () => {
  browser = await launch();
  scratch = mkdtempSync(join(tmpdir(), 'edge-tiles-uploads-'));
});
afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A project with one flight, made through the API (the first test makes its own through the page). */
async function projectWithFlight(owner: TestUser): Promise<{ projectId: string; flightId: string }> {
  const project = await json<{ id: string }>(
    await call('/projects', { token: owner.token, json: { title: `Uploads ${Date.now()}` } }),
    201,
  );
  const flight = await json<{ id: string }>(
    await call(`/projects/${project.id}/flights`, {
      token: owner.token,
      json: { name: 'Morning', acquisition_date: '2025-06-01' },
    }),
    201,
  );
  return { projectId: project.id, flightId: flight.id };
}

/** Waits until a progress bar, found by its accessible name, is full (its value reflected as an attribute). */
async function progressFull(page: Page, name: string, timeout = 60_000): Promise<void> {
  const bar = page.getByRole('progressbar', { name, exact: true });
  await expect.poll(() => bar.getAttribute('value'), { timeout }).toBe('100');
}

const productRow = (page: Page, filename: string) => page.locator('li.product', { hasText: filename });

describe('uploads from the browser', () => {
  it('signs up, makes a project and a flight, uploads a GeoTIFF and follows its job until the product is ready', async () => {
    const { context, page, watch } = await newPage(browser);
    await page.goto('/app/sign-up');
    await page.getByLabel('Name').fill('Uploader');
    await page.getByLabel('Email').fill(freshEmail('uploader'));
    await page.getByLabel('Password').fill('a-long-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();

    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Title').fill('Field trial 2025');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Field trial 2025' }).waitFor();
    await page.getByRole('button', { name: 'Add flight' }).click();
    await page.getByLabel('Flight name').fill('North plot');
    await page.getByLabel('Date').fill('2025-06-01');
    await page.getByRole('button', { name: 'Add flight' }).click();
    await page.getByRole('article', { name: 'Flight North plot' }).waitFor();
    await screenshot(page, 'uploads-new-flight');

    await page.getByLabel('Upload', { exact: true }).setInputFiles(RGB);
    const row = page.getByRole('listitem', { name: 'Upload of RGB.byte.tif' });
    await expect(row.getByLabel('Product type of RGB.byte.tif').inputValue()).resolves.toBe('ortho');
    await screenshot(page, 'uploads-file-chosen');
    await row.getByRole('button', { name: 'Start upload of RGB.byte.tif' }).click();
    await progressFull(page, 'Upload progress of RGB.byte.tif');
    await row.getByText('Uploaded. Its processing shows in the list below.').waitFor();
    await screenshot(page, 'uploads-uploaded');

    // The job's own progress (GDAL's steps) shows on the product until it is ready.
    const product = productRow(page, 'RGB.byte.tif');
    await product.getByRole('group', { name: 'Processing of RGB.byte.tif' }).waitFor();
    await screenshot(page, 'uploads-processing');
    await product.locator('.status-ready').waitFor({ timeout: 120_000 });
    await product.getByRole('link', { name: 'Show on map' }).waitFor();
    await screenshot(page, 'uploads-ready');
    expectClean(watch);
    await context.close();
  });

  it('resumes an upload interrupted by a reload from the server’s offset, and stores the file intact', async () => {
    const owner = await newUser('resumer');
    const { projectId, flightId } = await projectWithFlight(owner);
    const path = join(scratch, 'survey.bin');
    const source = randomBytes(80 * 1000 * 1000);
    writeFileSync(path, source);

    const { context, page, watch } = await newPage(browser);
    // Reloading mid-PATCH may leave the server finishing that PATCH: the next HEAD is told 423 and retried.
    watch.allow((url, status) => url.includes('/uploads/') && status === 423);
    await signInThroughPage(page, owner.email, owner.password);
    await page.goto(`/app/projects/${projectId}`);
    // Slow the page's uploads so that the reload lands between two chunks.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const throttle = (uploadThroughput: number) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput,
      });
    await throttle(12 * 1024 * 1024);

    await page.getByLabel('Upload', { exact: true }).setInputFiles(path);
    const row = page.getByRole('listitem', { name: 'Upload of survey.bin' });
    await expect(row.getByLabel('Product type of survey.bin').inputValue()).resolves.toBe('raw');
    const acknowledged = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 204, {
      timeout: 60_000,
    });
    await row.getByRole('button', { name: 'Start upload of survey.bin' }).click();
    const uploadUrl = (await acknowledged).url();
    await screenshot(page, 'uploads-resume-before-reload');

    // The server holds part of the file, not all of it.
    const head = await fetch(uploadUrl, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${owner.token}` },
    });
    const stored = Number(head.headers.get('upload-offset'));
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(source.length);

    await page.reload();
    await throttle(-1);
    const unfinished = page.getByRole('region', { name: 'Unfinished uploads' });
    await unfinished.getByText('survey.bin').waitFor();
    await screenshot(page, 'uploads-resume-unfinished-listed');

    const patchOffsets: number[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PATCH' && r.url() === uploadUrl) patchOffsets.push(Number(r.headers()['upload-offset']));
    });
    await page.getByLabel('Upload', { exact: true }).setInputFiles(path);
    const again = page.getByRole('listitem', { name: 'Upload of survey.bin' });
    await again.getByText(/Resuming from \d+ %/).waitFor();
    await screenshot(page, 'uploads-resuming');
    await progressFull(page, 'Upload progress of survey.bin', 120_000);
    await again.getByText('Uploaded and ready.').waitFor({ timeout: 60_000 });
    expect(patchOffsets[0]).toBeGreaterThanOrEqual(stored);
    await expect(unfinished.count()).resolves.toBe(0);

    const product = productRow(page, 'survey.bin');
    await product.locator('.status-ready').waitFor();
    await screenshot(page, 'uploads-resumed-ready');
    const products = await json<Array<{ id: string; filename: string }>>(
      await call(`/projects/${projectId}/flights/${flightId}/data-products`, { token: owner.token }),
      200,
    );
    const id = products.find((p) => p.filename === 'survey.bin')!.id;
    const file = await call(`/data-products/${id}/file`, { token: owner.token });
    expect(file.status).toBe(200);
    expect(sha256(new Uint8Array(await file.arrayBuffer()))).toBe(sha256(readFileSync(path)));
    expectClean(watch);
    await context.close();
  });

  it('pauses and resumes, and goes on by itself after the connection drops', async () => {
    const owner = await newUser('pauser');
    const { projectId } = await projectWithFlight(owner);
    const path = join(scratch, 'flight-log.bin');
    writeFileSync(path, randomBytes(60 * 1000 * 1000));
    const { context, page, watch } = await newPage(browser);
    await signInThroughPage(page, owner.email, owner.password);
    await page.goto(`/app/projects/${projectId}`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const network = (offline: boolean, uploadThroughput = -1) =>
      cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput });
    await network(false, 10 * 1024 * 1024);

    await page.getByLabel('Upload', { exact: true }).setInputFiles(path);
    const row = page.getByRole('listitem', { name: 'Upload of flight-log.bin' });
    await row.getByRole('button', { name: 'Start upload of flight-log.bin' }).click();
    await row.getByText(/MB\/s/).waitFor();
    await row.getByRole('button', { name: 'Pause upload of flight-log.bin' }).click();
    await row.getByText('Paused. Resume goes on from where it stopped.').waitFor();
    await screenshot(page, 'uploads-paused');
    await row.getByRole('button', { name: 'Resume upload of flight-log.bin' }).click();
    await row.getByText(/MB\/s/).waitFor();

    await network(true);
    await row.getByText(/Connection lost — retrying/).waitFor();
    await screenshot(page, 'uploads-connection-lost');
    await network(false);
    await row.getByText('Uploaded and ready.').waitFor({ timeout: 90_000 });
    await progressFull(page, 'Upload progress of flight-log.bin');
    // The requests cut by going offline are what this test does; nothing else may go wrong.
    expect(watch.problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
    await context.close();
  });

  it('shows viewers no Upload control, and says plainly why the server refused a file', async () => {
    const owner = await newUser('owner');
    const viewer = await newUser('viewer');
    const { projectId } = await projectWithFlight(owner);
    await json(
      await call(`/projects/${projectId}/members`, {
        token: owner.token,
        json: { user_id: viewer.id, role: 'viewer' },
      }),
      200,
    );

    const seen = await newPage(browser);
    await signInThroughPage(seen.page, viewer.email, viewer.password);
    await seen.page.goto(`/app/projects/${projectId}`);
    await seen.page.getByRole('article', { name: 'Flight Morning' }).getByText('No data products').waitFor();
    await expect(seen.page.getByLabel('Upload', { exact: true }).count()).resolves.toBe(0);
    await screenshot(seen.page, 'uploads-viewer-no-control');
    expectClean(seen.watch);
    await seen.context.close();

    const { context, page, watch } = await newPage(browser);
    watch.allow((url, status) => url.endsWith('/uploads') && status === 415);
    await signInThroughPage(page, owner.email, owner.password);
    await page.goto(`/app/projects/${projectId}`);
    await page.getByLabel('Upload', { exact: true }).setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('field notes, not imagery\n'),
    });
    const row = page.getByRole('listitem', { name: 'Upload of notes.txt' });
    await row.getByLabel('Product type of notes.txt').selectOption('ortho');
    await row.getByText('the server will refuse notes.txt').waitFor();
    await row.getByRole('button', { name: 'Start upload of notes.txt' }).click();
    await expect(row.getByRole('alert').textContent()).resolves.toContain(
      'notes.txt cannot be uploaded as ortho: the server accepts .tif or .tiff for ortho; choose another type or file.',
    );
    await expect(row.getByRole('progressbar').count()).resolves.toBe(0);
    await screenshot(page, 'uploads-refused-type');
    expectClean(watch);
    await context.close();
  });

  it('says why processing failed, in GDAL’s words, and runs the job again on Retry', async () => {
    const owner = await newUser('failing');
    const { projectId } = await projectWithFlight(owner);
    const { context, page, watch } = await newPage(browser);
    await signInThroughPage(page, owner.email, owner.password);
    await page.goto(`/app/projects/${projectId}`);
    await page.getByLabel('Upload', { exact: true }).setInputFiles({
      name: 'broken.tif',
      mimeType: 'image/tiff',
      buffer: randomBytes(64 * 1024),
    });
    const row = page.getByRole('listitem', { name: 'Upload of broken.tif' });
    await row.getByRole('button', { name: 'Start upload of broken.tif' }).click();
    const product = productRow(page, 'broken.tif');
    const failure = product.getByRole('alert');
    await expect(failure.textContent()).resolves.toMatch(/^Processing failed: .*not recognized/s);
    await product.locator('.status-failed').waitFor();
    await screenshot(page, 'uploads-processing-failed');

    // After a reload the product's job is found again (GET /jobs?project=) and says the same.
    await page.reload();
    await expect(productRow(page, 'broken.tif').getByRole('alert').textContent()).resolves.toMatch(/not recognized/);
    const retry = productRow(page, 'broken.tif').getByRole('button', { name: 'Retry processing of broken.tif' });
    await retry.click();
    // The job ran again (a second attempt) and failed again, and the page followed it there.
    const job = async () => {
      const list = await json<{ jobs: Array<{ state: string; attempts: number }> }>(
        await call(`/jobs?project=${projectId}`, { token: owner.token }),
        200,
      );
      return `${list.jobs[0]?.state} after ${list.jobs[0]?.attempts} attempts`;
    };
    await expect.poll(job, { timeout: 60_000 }).toBe('failed after 2 attempts');
    await expect(productRow(page, 'broken.tif').getByRole('alert').textContent()).resolves.toMatch(/not recognized/);
    await screenshot(page, 'uploads-processing-retried');
    expectClean(watch);
    await context.close();
  });
});
