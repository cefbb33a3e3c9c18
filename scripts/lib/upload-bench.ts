// The uploads part of `npm run bench`: tus-js-client through `wrangler dev` into R2 multipart parts,
// beside the floor (a Worker in the same local runtime putting the same bytes into R2 in one go),
// with the peak memory of the workerd process that runs the Worker.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import * as tus from 'tus-js-client';
import { ROOT } from './dev-env';
import { round } from './figures';
import type { Stack } from './stack';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const ROUNDS = 3;

/** RSS of the workerd processes under `parent` (wrangler spawns workerd), in bytes. */
function workerdRss(parent: ChildProcess): number {
  const pids = execFileSync('pgrep', ['-f', 'workerd'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  let total = 0;
  for (const pid of pids) {
    try {
      // Only the workerd that belongs to this wrangler (its descendant).
      let ancestor = pid;
      while (ancestor > 1 && ancestor !== parent.pid) ancestor = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${ancestor}/status`, 'utf8'))![1]);
      if (ancestor !== parent.pid) continue;
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}

function upload(stack: Stack, data: Buffer, chunkSize: number, apiKey: string): Promise<number> {
  const seed = stack.seed;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${stack.baseUrl}/uploads`, chunkSize, headers: { 'X-API-Key': apiKey }, retryDelays: [],
      metadata: { project: seed.demoProjectId, flight: seed.demoFlightId, type: 'raw', filename: `bench-${chunkSize}.bin` },
      onError: reject,
      onSuccess: () => resolve(performance.now() - started),
    }).start();
  });
}

/** The floor: one Worker request whose body goes straight into `R2.put`, in workerd through Miniflare. */
async function directPut(data: Buffer): Promise<number[]> {
  const persist = `${ROOT}.wrangler/upload-bench-floor`;
  rmSync(persist, { recursive: true, force: true });
  const mf = new Miniflare({
    modules: true,
    script: `export default { async fetch(request, env) {
      const length = Number(request.headers.get('content-length'));
      await env.DATA.put('floor.bin', request.body.pipeThrough(new FixedLengthStream(length)));
      return new Response(null, { status: 204 });
    } }`,
    r2Buckets: { DATA: 'floor' },
    r2Persist: `${persist}/r2`,
  });
  const times: number[] = [];
  try {
    const url = await mf.ready;
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      const response = await fetch(url, { method: 'PUT', body: data, headers: { 'content-length': String(data.length) } });
      if (response.status !== 204) throw new Error(`floor put: ${response.status}`);
      times.push(performance.now() - started);
    }
  } finally {
    await mf.dispose();
    rmSync(persist, { recursive: true, force: true });
  }
  return times;
}

export async function benchUploads(stack: Stack, worker: ChildProcess): Promise<string[][]> {
  const data = randomBytes(SIZE);
  const mbps = (ms: number) => round(SIZE / 1e6 / (ms / 1000));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const floor = mbps(median(await directPut(data)));
  const rows: string[][] = [];
  for (const chunk of [8 * MiB, 64 * MiB]) {
    const baseline = workerdRss(worker);
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, workerdRss(worker)); }, 100);
    const times: number[] = [];
    try {
      for (let i = 0; i < ROUNDS; i++) times.push(await upload(stack, data, chunk, stack.seed.admin.apiKey));
    } finally {
      clearInterval(sampler);
    }
    const ours = mbps(median(times));
    rows.push([`256 MiB, chunks of ${chunk / MiB} MiB`, `${ours} MB/s`, `${floor} MB/s`, `${Math.round((ours / floor) * 100)} %`, `${round((peak - baseline) / MiB)} MiB`]);
  }
  return rows;
}
