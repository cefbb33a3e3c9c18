// The hostile part of `npm run bench`: every hostile input class of issue 18 sent once to a warm
// wrangler dev, with its status, its time at the client and the growth of workerd's memory while it
// ran (RSS sampled every 5 ms, peak over the value just before). workerd in wrangler dev has no
// memory cap: what a request would cost a 128 MB production isolate shows as growth here.
import { type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { DEV_DIR } from './dev-env';
import { round } from './figures';
import { HOSTILE_FILES } from './hostile-files';
import { hostileRequests, type HostileRequest } from './hostile-requests';
import { FIXTURES } from './seed';
import type { Stack } from './stack';
import { workerdRss } from './system';

const MiB = 1024 * 1024;

/** A request to weigh: a hostile one, or an ordinary one answered 200. */
type Probe = Omit<HostileRequest, 'status'> & { status: number };

export const HOSTILE_BENCH_HEAD = ['input', 'status (expected)', 'time ms', 'workerd RSS growth MiB, peak during'];

/** The bucket objects the requests name: the hostile files and cog.tif as reads.tif. */
export function hostileBenchObjects(): Array<{ name: string; file: string }> {
  const dir = `${DEV_DIR}/hostile-objects`;
  mkdirSync(dir, { recursive: true });
  const objects = Object.entries(HOSTILE_FILES).map(([name, { file }]) => {
    writeFileSync(`${dir}/${name}`, file());
    return { name, file: `${dir}/${name}` };
  });
  writeFileSync(`${dir}/reads.tif`, readFileSync(`${FIXTURES}/cog/cog.tif`));
  return [...objects, { name: 'reads.tif', file: `${dir}/reads.tif` }];
}

export async function benchHostile(stack: Stack, worker: ChildProcess): Promise<string[][]> {
  const headers = { 'x-api-key': stack.seed.admin.apiKey };
  // Warm: the isolate's code, its database connections and the header of the ordinary COG.
  for (let i = 0; i < 3; i++)
    await (
      await fetch(`${stack.baseUrl}/cog/info?url=${encodeURIComponent(stack.seed.objects['reads.tif']!)}`, { headers })
    ).arrayBuffer();
  const rows: string[][] = [];
  const cog = `url=${encodeURIComponent(stack.seed.objects['reads.tif']!)}`;
  // Ordinary requests first, for scale.
  const ordinary: Probe[] = [
    {
      name: 'ordinary: a 256-px tile (bilinear)',
      path: `/cog/tiles/WebMercatorQuad/10/350/198.png?${cog}&resampling=bilinear&rescale=0,3000`,
      status: 200,
    },
    { name: 'ordinary: a 1024-px preview', path: `/cog/preview.png?${cog}&rescale=0,3000`, status: 200 },
  ];
  const probes: Probe[] = [...ordinary, ...hostileRequests(stack.seed)];
  for (const request of probes) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = workerdRss(worker);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, workerdRss(worker));
    }, 5);
    const started = performance.now();
    const response = await fetch(`${stack.baseUrl}${request.path}`, {
      method: request.method ?? 'GET',
      headers: request.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, workerdRss(worker));
    rows.push([
      request.name,
      `${response.status} (${request.status})`,
      String(round(elapsed)),
      String(round((peak - before) / MiB, 1)),
    ]);
  }
  return rows;
}
