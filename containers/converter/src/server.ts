// The GDAL converter: a small HTTP server that runs one job attempt per request to `POST /runs`,
// in the background, and reports on it at `GET /runs/{jobId}`. The Job Durable Object polls it.
// In production it runs in a Cloudflare Container (Dockerfile beside this folder); in dev and
// tests it runs as a local process with Debian's gdal-bin.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import type { RunRequest } from '../../../workers/jobs/protocol';
import { CancelledError, Run } from './run';
import { SignedUrlStore } from './store';
import { convertRaster } from './raster';
import { convertVector } from './vector';

const PORT = Number(process.env.PORT ?? 8080);
const SECRET = process.env.CONVERTER_SECRET ?? '';
/** A finished run is kept this long for the Job to collect its last events. */
const KEEP_FINISHED_MS = 60 * 60 * 1000;
const MAX_REQUEST_BYTES = 64 * 1024;
const WORK_DIR = process.env.CONVERTER_WORK_DIR ?? join(tmpdir(), 'edge-tiles-converter');

if (!SECRET) {
  console.error('CONVERTER_SECRET is not set: the converter refuses to start without its shared secret.');
  process.exit(1);
}
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set: the converter writes its rows to Postgres.');
  process.exit(1);
}

const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const runs = new Map<string, Run>();
const WORK = { raster: convertRaster, vector: convertVector } as const;

async function execute(run: Run): Promise<void> {
  const { request } = run;
  const dir = join(WORK_DIR, `${request.jobId}-${request.attempt}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  run.hide(dir);
  try {
    const store = new SignedUrlStore(run, request.io.baseUrl, request.io.token);
    run.succeed(await WORK[request.kind as keyof typeof WORK]({ run, request, store, db, dir }));
  } catch (error) {
    if (!(error instanceof CancelledError)) run.fail(error);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    setTimeout(() => {
      if (runs.get(run.jobId) === run) runs.delete(run.jobId);
    }, KEEP_FINISHED_MS).unref();
  }
}

function authorized(req: IncomingMessage): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${SECRET}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

const problem = (res: ServerResponse, status: number, detail: string) =>
  send(res, status, { title: detail, status, detail });

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The input is saved under its own name in the run's directory: never a path out of it. */
const isPlainFilename = (name: unknown): name is string =>
  typeof name === 'string' &&
  name.length > 0 &&
  name.length <= 255 &&
  !/[/\\\0]/.test(name) &&
  name !== '.' &&
  name !== '..';

function isRunRequest(body: unknown): body is RunRequest {
  const r = body as RunRequest;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.jobId === 'string' &&
    /^[\w-]{1,64}$/.test(r.jobId) &&
    Number.isInteger(r.attempt) &&
    r.kind in WORK &&
    typeof r.input?.key === 'string' &&
    isPlainFilename(r.input?.filename) &&
    /^[\w-]{36}$/.test(r.input?.dataProductId ?? '') &&
    /^[\w-]{36}$/.test(r.input?.projectId ?? '') &&
    typeof r.io?.baseUrl === 'string' &&
    typeof r.io?.token === 'string'
  );
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://converter');
    if (url.pathname === '/health') return send(res, 200, { ok: true, runs: runs.size, pid: process.pid });
    if (!authorized(req)) return problem(res, 401, 'The converter needs its shared secret.');
    if (url.pathname === '/runs' && req.method === 'POST') {
      const body = await readJson(req).catch(() => null);
      if (!isRunRequest(body)) return problem(res, 400, 'Not a run request.');
      const current = runs.get(body.jobId);
      // The same attempt asked twice (a retried request) is the run already going.
      if (current && current.request.attempt === body.attempt) return send(res, 200, current.status(0));
      if (current && current.request.attempt > body.attempt)
        return problem(res, 409, `Attempt ${current.request.attempt} of this job is newer.`);
      current?.cancel();
      const run = new Run(body);
      runs.set(body.jobId, run);
      void execute(run);
      return send(res, 202, run.status(0));
    }
    const match = /^\/runs\/([\w-]{1,64})$/.exec(url.pathname);
    const run = match ? runs.get(match[1]!) : undefined;
    if (!match) return problem(res, 404, 'No such route.');
    if (!run) return problem(res, 404, 'No such run: the converter does not know this job (it may have restarted).');
    if (req.method === 'GET') return send(res, 200, run.status(Number(url.searchParams.get('after') ?? 0) || 0));
    if (req.method === 'DELETE') {
      run.cancel();
      return send(res, 200, run.status(0));
    }
    return problem(res, 405, 'Method not allowed.');
  } catch (error) {
    console.error('converter request failed', error);
    if (!res.headersSent) problem(res, 500, 'The converter failed to answer.');
  }
});

server.listen(PORT, process.env.HOST ?? '0.0.0.0', () => console.log(`converter listening on ${PORT}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const run of runs.values()) run.cancel();
    server.close();
    void db.end().finally(() => process.exit(0));
  });
}
