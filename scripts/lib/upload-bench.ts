// The uploads part of `npm run bench`: tus-js-client through `wrangler dev` into R2 multipart parts,
// beside the floor (a Worker under its own wrangler dev putting the same bytes into R2 in one go),
// with the peak memory of the workerd process that runs the Worker.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as tus from 'tus-js-client';
import { ROOT } from './dev-env';
import { round } from './figures';
import { freePort, stopWorker, type Stack } from './stack';
import { workerdRss } from './system';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const ROUNDS = 5;

function upload(stack: Stack, data: Buffer, chunkSize: number, apiKey: string): Promise<number> {
  const seed = stack.seed;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${stack.baseUrl}/uploads`,
      chunkSize,
      headers: { 'X-API-Key': apiKey },
      // The client's own policy: a request on a keep-alive socket the server has closed is sent again.
      retryDelays: [0, 1000],
      metadata: {
        project: seed.demoProjectId,
        flight: seed.demoFlightId,
        type: 'raw',
        filename: `bench-${chunkSize}.bin`,
      },
      onError: reject,
      onSuccess: () => resolve(performance.now() - started),
    }).start();
  });
}

/**
 * The floor: a Worker that puts a request's body straight into R2, in the same local runtime as
 * ours (its own `wrangler dev`, so the bytes take the same path through wrangler's proxy and workerd).
 */
async function startFloor(): Promise<{ put: (data: Buffer) => Promise<number>; stop: () => Promise<void> }> {
  const dir = `${ROOT}.dev/upload-floor`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/worker.js`,
    `export default { async fetch(request, env) {
    if (request.method !== 'PUT') return new Response(null, { status: 204 });
    const length = Number(request.headers.get('content-length'));
    await env.DATA.put('floor.bin', request.body.pipeThrough(new FixedLengthStream(length)));
    return new Response(null, { status: 201 });
  } };\n`,
  );
  writeFileSync(
    `${dir}/wrangler.toml`,
    'name = "upload-floor"\nmain = "worker.js"\ncompatibility_date = "2026-04-20"\n\n[[r2_buckets]]\nbinding = "DATA"\nbucket_name = "upload-floor"\n',
  );
  const port = await freePort();
  const child = spawn(
    `${ROOT}node_modules/.bin/wrangler`,
    [
      'dev',
      '--config',
      `${dir}/wrangler.toml`,
      '--persist-to',
      `${dir}/state`,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(await freePort()),
      '--show-interactive-dev-session=false',
    ],
    { cwd: dir, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    await stopWorker(child);
    rmSync(dir, { recursive: true, force: true });
  };
  for (
    let tries = 0;
    !(await fetch(url).then(
      (r) => r.status === 204,
      () => false,
    ));
    tries++
  ) {
    if (tries > 240) {
      await stop();
      throw new Error('the floor worker did not start');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const put = async (data: Buffer) => {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'PUT',
      body: data,
      headers: { 'content-length': String(data.length) },
    });
    if (response.status !== 201) throw new Error(`floor put: ${response.status}`);
    return performance.now() - started;
  };
  return { put, stop };
}

/** Rounds alternate floor and ours, so a machine that slows down or speeds up mid-run skews neither. */
export async function benchUploads(stack: Stack, worker: ChildProcess): Promise<string[][]> {
  const data = randomBytes(SIZE);
  const mbps = (ms: number) => round(SIZE / 1e6 / (ms / 1000));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const chunks = [8 * MiB, 64 * MiB];
  const floorTimes: number[] = [];
  const ours = chunks.map(() => ({ times: [] as number[], peak: 0 }));
  const floor = await startFloor();
  try {
    for (let i = 0; i < ROUNDS; i++) {
      floorTimes.push(await floor.put(data));
      for (const [k, chunk] of chunks.entries()) {
        const baseline = workerdRss(worker);
        let peak = baseline;
        const sampler = setInterval(() => {
          peak = Math.max(peak, workerdRss(worker));
        }, 100);
        try {
          ours[k]!.times.push(await upload(stack, data, chunk, stack.seed.admin.apiKey));
        } finally {
          clearInterval(sampler);
        }
        ours[k]!.peak = Math.max(ours[k]!.peak, peak - baseline);
      }
    }
  } finally {
    await floor.stop();
  }
  const floorRate = mbps(median(floorTimes));
  return chunks.map((chunk, k) => {
    const rate = mbps(median(ours[k]!.times));
    return [
      `256 MiB, chunks of ${chunk / MiB} MiB`,
      `${rate} MB/s`,
      `${floorRate} MB/s`,
      `${Math.round((rate / floorRate) * 100)} %`,
      `${round(ours[k]!.peak / MiB)} MiB`,
    ];
  });
}
