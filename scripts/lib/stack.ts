import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { aptInstall, commandExists, log } from './system';
import { prepareDatabase } from './postgres';
import { ROOT, writeWorkerEnvFile } from './dev-env';
import { seed, type SeedFile } from './seed';
import { startConverter, type ConverterProcess } from './converter';
import { startPooler, type Pooler } from './pooler';

export const BUCKET = 'edge-tiles-dev';

export interface StackOptions {
  /** Name of the local database, used unless `databaseUrl` is given. */
  database: string;
  databaseUrl?: string;
  fresh?: boolean;
  /** Name of the generated env file under .dev/ that wrangler dev loads. */
  envName: string;
  persistTo: string;
  port: number;
  seedFile: string;
  extraObjects?: Array<{ name: string; file: string }>;
  /** The local converter's port (a free one when absent) and its multipart part size. */
  converterPort?: number;
  converterPartSize?: number;
  /** More settings for the Worker's env file. */
  workerVars?: Record<string, string>;
}

export interface Stack {
  /** The database, directly (scripts, tests and the converter connect here). */
  databaseUrl: string;
  /** The Worker's way to it: the local connection pooler. */
  pooler: Pooler;
  envFile: string;
  baseUrl: string;
  seed: SeedFile;
  converter: ConverterProcess;
}

/** GDAL is what the converter and the reference renderings run on (ogr2ogr writes to PostGIS with it too). */
export function ensureGdal(): void {
  if (!commandExists('gdalinfo')) aptInstall(['gdal-bin'], 'GDAL');
}

/** The unit tests' colormaps are compared with matplotlib's (test/unit/vitest.config.mts): Debian's, in /usr/bin/python3. */
export function ensureMatplotlib(): void {
  if (spawnSync('/usr/bin/python3', ['-c', 'import matplotlib'], { stdio: 'ignore' }).status === 0) return;
  aptInstall(['python3-matplotlib'], 'matplotlib (the colormap tests compare with it)');
}

/** Everything the Worker needs before it starts: system packages, a migrated database, secrets, seed data. */
export async function prepareStack(options: StackOptions): Promise<Stack> {
  ensureGdal();
  const databaseUrl = await prepareDatabase(options.database, {
    explicitUrl: options.databaseUrl,
    fresh: options.fresh,
  });
  const converter = await startConverter({
    port: options.converterPort ?? (await freePort()),
    databaseUrl,
    partSize: options.converterPartSize,
  });
  const pooler = await startPooler(databaseUrl, await freePort());
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const envFile = await writeWorkerEnvFile(options.envName, pooler.url, converter, baseUrl, options.workerVars);
  log('seeding demo data');
  const seeded = await seed({
    databaseUrl,
    baseUrl,
    persistTo: options.persistTo,
    bucketName: BUCKET,
    outFile: options.seedFile,
    extraObjects: options.extraObjects,
  });
  return { databaseUrl, pooler, envFile, baseUrl, seed: seeded, converter };
}

/** Stops the stack's local services (the Worker is stopped on its own). */
export async function stopStack(stack: Stack): Promise<void> {
  await Promise.all([stack.converter.stop(), stack.pooler.stop()]);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `wrangler dev` and waits until it is healthy. `crashable` puts it (and the workerd it
 * spawns) in a process group of its own, so that `crashWorker` can kill both at once.
 */
export async function startWorker(
  stack: Pick<Stack, 'envFile' | 'baseUrl'>,
  options: StackOptions,
  output: 'inherit' | 'ignore' = 'inherit',
  crashable = false,
): Promise<ChildProcess> {
  const args = [
    'dev',
    '--env',
    'dev',
    '--env-file',
    stack.envFile,
    '--persist-to',
    options.persistTo,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--inspector-port',
    String(await freePort()),
    '--show-interactive-dev-session=false',
    // Exposes /__scheduled, so the cron handler can be run on demand (locally only).
    '--test-scheduled',
  ];
  const child = spawn(`${ROOT}node_modules/.bin/wrangler`, args, {
    cwd: ROOT,
    detached: crashable,
    stdio: ['ignore', output, output],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  await waitForHealth(stack.baseUrl, child);
  return child;
}

/**
 * The stack's Worker, and then the part of the seed that needs it running: the demo project
 * published in the catalog through the API (`publishDemo`).
 */
export async function startSeededWorker(
  stack: Stack,
  options: StackOptions,
  output: 'inherit' | 'ignore' = 'inherit',
): Promise<ChildProcess> {
  const child = await startWorker(stack, options, output);
  try {
    log('publishing the demo project in the catalog');
    await publishDemo(stack.seed);
  } catch (error) {
    await stopWorker(child);
    throw error;
  }
  return child;
}

/**
 * The second half of the seed, once the Worker runs: the demo project published in the STAC catalog
 * by the API itself (POST /projects/{id}/stac/publish, as the admin), since publishing reads every
 * COG's header from the bucket the Worker serves, with the Worker's own code (docs/decisions.md).
 * Publishing again refreshes the same collection and items, so every start may do it.
 */
async function publishDemo(seeded: SeedFile): Promise<void> {
  const response = await resendOnRestart(() =>
    fetch(`${seeded.baseUrl}/projects/${seeded.demoProjectId}/stac/publish`, {
      method: 'POST',
      headers: { 'x-api-key': seeded.admin.apiKey },
    }),
  );
  const text = await response.text();
  if (!response.ok) throw new Error(`publishing the demo project answered ${response.status}: ${text}`);
  const result = JSON.parse(text) as { items: number; skipped: Array<{ data_product_id: string; reason: string }> };
  const names = new Map(Object.entries(seeded.dataProducts).map(([name, p]) => [p.id, name]));
  for (const { data_product_id, reason } of result.skipped)
    log(`not published: ${names.get(data_product_id) ?? data_product_id}: ${reason}`);
  log(`the demo project is in the catalog with ${result.items} items`);
}

/**
 * Sends a request again when wrangler dev's proxy answers that the Worker "restarted mid-request":
 * its connection to workerd dropped (seen on the first POST after a start) and, as it says, only
 * GET and HEAD are resent by the proxy itself.
 */
export async function resendOnRestart(send: () => Promise<Response>): Promise<Response> {
  const response = await send();
  if (response.status !== 503 || !(await response.clone().text()).includes('restarted mid-request')) return response;
  return send();
}

async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      last = `${response.status} ${await response.text()}`;
      if (response.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill('SIGTERM');
  throw new Error(`the Worker at ${baseUrl} did not become healthy in ${timeoutMs / 1000} s: ${last}`);
}

export function stopWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** Kills a `crashable` worker and its workerd with SIGKILL, as a crash would: nothing gets to clean up. */
export function crashWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid!, 'SIGKILL');
  });
}
