// The jobs part of `npm run bench`: RGB.byte.tif uploaded with tus-js-client and converted to a COG
// by its job (converter process + GDAL + Postgres + STAC item), its wall time split by phase, beside
// `gdal_translate -of COG` run directly on the same file (the floor).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as tus from 'tus-js-client';
import { ROOT } from './dev-env';
import { percentile, round } from './figures';
import type { Stack } from './stack';

const FILE = `${ROOT}../shared/fixtures/raw/RGB.byte.tif`;
const ROUNDS = 5;

interface JobView {
  state: string;
  createdAt: string;
  finishedAt: string | null;
  result: { phases: Record<string, number> } | null;
  log: string[];
}

function upload(stack: Stack, data: Buffer, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: `${stack.baseUrl}/uploads`,
      chunkSize: 8 * 1024 * 1024,
      headers,
      retryDelays: [0, 1000],
      metadata: {
        project: stack.seed.demoProjectId,
        flight: stack.seed.demoFlightId,
        type: 'ortho',
        filename: 'RGB.byte.tif',
      },
      onError: reject,
      onSuccess: () => resolve(up.url!),
    });
    up.start();
  });
}

/** Seconds of a bare `gdal_translate -of COG` with the converter's creation options, on a local file. */
function bareGdal(out: string): number {
  rmSync(out, { force: true });
  const started = performance.now();
  execFileSync('gdal_translate', [
    '-q',
    '-of',
    'COG',
    '-co',
    'BLOCKSIZE=512',
    '-co',
    'BIGTIFF=IF_SAFER',
    '-co',
    'NUM_THREADS=ALL_CPUS',
    '-co',
    'COMPRESS=DEFLATE',
    '-co',
    'PREDICTOR=YES',
    FILE,
    out,
  ]);
  return (performance.now() - started) / 1000;
}

export async function benchJobs(stack: Stack): Promise<string[][]> {
  const headers = { 'x-api-key': stack.seed.admin.apiKey };
  const data = readFileSync(FILE);
  const dir = `${ROOT}.dev/job-bench`;
  mkdirSync(dir, { recursive: true });
  const runs: Array<{ wall: number; observed: number; phases: Record<string, number>; floor: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const status = (await (await fetch(await upload(stack, data, headers), { headers })).json()) as { jobId: string };
    const uploaded = performance.now();
    let job: JobView;
    for (;;) {
      job = (await (await fetch(`${stack.baseUrl}/jobs/${status.jobId}`, { headers })).json()) as JobView;
      if (['succeeded', 'failed', 'cancelled'].includes(job.state)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (job.state !== 'succeeded')
      throw new Error(`bench job ${status.jobId} ${job.state}: ${job.log.slice(-5).join(' / ')}`);
    runs.push({
      wall: (Date.parse(job.finishedAt!) - Date.parse(job.createdAt)) / 1000,
      observed: (performance.now() - uploaded) / 1000,
      phases: job.result!.phases,
      floor: bareGdal(`${dir}/floor.tif`),
    });
  }
  const median = (pick: (r: (typeof runs)[number]) => number) => percentile(runs.map(pick), 50);
  const phase = (name: string) => median((r) => r.phases[name] ?? 0);
  const wall = median((r) => r.wall);
  const floor = median((r) => r.floor);
  const accounted = ['queue', 'transfer', 'gdal', 'db', 'catalog'].reduce((sum, name) => sum + phase(name), 0);
  return [
    [
      `RGB.byte.tif (${round(data.length / 1024 / 1024, 1)} MiB, ${ROUNDS} runs, medians)`,
      `${round(wall, 2)}`,
      ...['queue', 'transfer', 'gdal', 'db', 'catalog'].map((name) => `${round(phase(name), 2)}`),
      `${round(Math.max(0, wall - accounted), 2)}`,
      `${round(
        median((r) => r.observed),
        2,
      )}`,
      `${round(floor, 2)}`,
      `${round(wall - floor, 2)}`,
    ],
  ];
}

export const JOB_BENCH_HEAD = [
  'job',
  'wall s',
  'queue s',
  'transfer s',
  'GDAL s (gdalinfo, gdal_translate, stats, preview)',
  'DB s',
  'STAC item s',
  'other s',
  'client sees it done s',
  'bare gdal_translate s',
  'overhead s (wall − bare)',
];
