// The access part of `npm run bench`: warm PMTiles tiles under load through our route (three ways in:
// by bucket key with an API key, by data product id with an API key, a public product read
// anonymously) beside a minimal PMTiles Worker, the design of protomaps' Cloudflare worker, serving
// the same archive from the same local R2 state under the same `wrangler dev`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import type { PMTiles } from 'pmtiles';
import { BENCH_ARCHIVE, benchArchiveTiles, type Tile } from './bench-archive';
import { DEV_DIR, ROOT } from './dev-env';
import { mean, percentile, round, serverTimingDur } from './figures';
import { BUCKET, freePort, stopWorker, type Stack } from './stack';
import { cpuMillis, descendantPids } from './system';

const CONNECTIONS = [16, 64];
const ROUNDS = 5;
/** Each timed run has a fixed request count, sized from its target's untimed run to take about this long. */
const ROUND_SECONDS = 3;
const WARM_PASSES = 3;

/**
 * The peer: protomaps' Cloudflare worker reduced to its tile path. A module-level
 * ResolvedValueCache keeps headers and directories across requests (a PMTiles per request is only
 * a handle on it, as in protomaps' worker); R2 range reads name the etag the cached header holds
 * and throw EtagMismatch when the archive changed; tile responses (404, 400 and 204 included) go
 * through the Cache API keyed by URL. `x-cache: HIT` lets the bench check that timed requests hit.
 * Left out: TileJSON, CORS origins, the 405 on POST.
 */
const PEER_WORKER = `import { EtagMismatch, PMTiles, ResolvedValueCache, TileType } from 'pmtiles';

const archiveCache = new ResolvedValueCache(25);

const FORMATS = new Map([
  [TileType.Mvt, ['mvt', 'application/x-protobuf']],
  [TileType.Png, ['png', 'image/png']],
  [TileType.Jpeg, ['jpg', 'image/jpeg']],
  [TileType.Webp, ['webp', 'image/webp']],
  [TileType.Avif, ['avif', 'image/avif']],
]);

class ArchiveNotFound extends Error {}

class R2Source {
  constructor(bucket, key) {
    this.bucket = bucket;
    this.key = key;
  }

  getKey() {
    return this.key;
  }

  async getBytes(offset, length, _signal, etag) {
    const object = await this.bucket.get(this.key, { range: { offset, length }, onlyIf: etag ? { etagMatches: etag } : undefined });
    if (!object) throw new ArchiveNotFound(this.key);
    // A failed precondition answers with metadata only: the archive changed under the cached header.
    if (!('body' in object)) throw new EtagMismatch();
    return { data: await object.arrayBuffer(), etag: object.etag };
  }
}

export default {
  async fetch(request, env, ctx) {
    const match = /^\\/([-a-zA-Z0-9_]+)\\/(\\d+)\\/(\\d+)\\/(\\d+)\\.([a-z]+)$/.exec(new URL(request.url).pathname);
    if (!match) return new Response('Invalid URL', { status: 404 });
    const cache = caches.default;
    const hit = await cache.match(request.url);
    if (hit) {
      const headers = new Headers(hit.headers);
      headers.set('vary', 'Origin');
      headers.set('x-cache', 'HIT');
      return new Response(hit.body, { headers, status: hit.status });
    }
    const respond = (body, status, contentType) => {
      const headers = new Headers({ 'cache-control': 'public, max-age=86400' });
      if (contentType) headers.set('content-type', contentType);
      ctx.waitUntil(cache.put(request.url, new Response(body, { headers, status })));
      headers.set('vary', 'Origin');
      return new Response(body, { headers, status });
    };
    const [, name, z, x, y, ext] = match;
    const archive = new PMTiles(new R2Source(env.BUCKET, env.PMTILES_PATH.replace('{name}', name)), archiveCache);
    try {
      const header = await archive.getHeader();
      if (Number(z) < header.minZoom || Number(z) > header.maxZoom) return respond(undefined, 404);
      const [extension, contentType] = FORMATS.get(header.tileType) ?? [];
      if (ext !== extension && !(extension === 'mvt' && ext === 'pbf')) return respond('Bad request: this archive holds .' + extension + ' tiles', 400);
      const tile = await archive.getZxy(Number(z), Number(x), Number(y));
      return tile ? respond(tile.data, 200, contentType) : respond(undefined, 204);
    } catch (error) {
      if (error instanceof ArchiveNotFound) return respond('Archive not found', 404);
      throw error;
    }
  },
};
`;

interface Peer {
  origin: string;
  wrangler: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs the peer under the same wrangler dev as ours, on the same --persist-to directory and bucket
 * name, so that it reads the very R2 objects our stack seeded. Wrangler bundles `pmtiles` from the
 * project's node_modules: the scratch folder is inside the project, so module resolution finds it.
 */
async function startPeer(persistTo: string, archiveKey: string): Promise<Peer> {
  const dir = `${DEV_DIR}/access-peer`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/worker.js`, PEER_WORKER);
  // Archives are named by the last segment of the URL; PMTILES_PATH, as in protomaps' worker, maps it to the key.
  const path = archiveKey.replace(BENCH_ARCHIVE, '{name}.pmtiles');
  writeFileSync(
    `${dir}/wrangler.toml`,
    [
      'name = "pmtiles-peer"',
      'main = "worker.js"',
      'compatibility_date = "2026-04-20"',
      '',
      '[vars]',
      `PMTILES_PATH = ${JSON.stringify(path)}`,
      '',
      '[[r2_buckets]]',
      'binding = "BUCKET"',
      `bucket_name = ${JSON.stringify(BUCKET)}`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const wrangler = spawn(
    `${ROOT}node_modules/.bin/wrangler`,
    [
      'dev',
      '--config',
      `${dir}/wrangler.toml`,
      '--persist-to',
      persistTo,
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
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopWorker(wrangler);
    rmSync(dir, { recursive: true, force: true });
  };
  // Any answer (the root is a 404) means the Worker is up.
  for (
    let tries = 0;
    !(await fetch(`${origin}/`).then(
      (r) => r.status === 404,
      () => false,
    ));
    tries++
  ) {
    if (tries > 240 || wrangler.exitCode !== null) {
      await stop();
      throw new Error('the PMTiles peer did not start');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { origin, wrangler, stop };
}

/** One side of the comparison: where its requests go, and the wrangler dev whose workerd does the work. */
interface Target {
  label: string;
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  wrangler: ChildProcess;
}

/** One timed run of one target. */
interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** CPU (user + system) per request, ms: the workerd processes, and wrangler's own Node process apart. */
  cpu: number;
  wranglerCpu: number;
  /** Transactions through the pooler per request. */
  xacts: number;
  /** The load generator's (this process's) CPU per request, ms, and its share of one core. */
  clientCpu: number;
  clientBusy: number;
}

/** Transactions PgBouncer has pooled for the database so far; the admin console's own queries are not among them. */
async function pooledTransactions(admin: pg.Client, database: string): Promise<number> {
  const { rows } = await admin.query<{ database: string; total_xact_count: string }>('SHOW STATS');
  // The database has no row until its first client.
  return Number(rows.find((r) => r.database === database)?.total_xact_count ?? 0);
}

/** Keep-alive load from autocannon, each connection cycling the target's URLs; every response's time, in ms. */
/**
 * Keep-alive load from autocannon, each connection cycling the target's URLs; every response's time,
 * in ms, and the wall time from the start to the last response (autocannon itself only finishes on
 * its next one-second tick, which would quantize every rate).
 */
function fire(
  target: Target,
  connections: number,
  limit: { amount: number },
): Promise<{ result: autocannon.Result; latencies: number[]; wall: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  let last = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.origin,
        connections,
        headers: target.headers,
        ...limit,
        requests: target.paths.map((path) => ({ method: 'GET' as const, path })),
      },
      (error: unknown, result) => (error ? reject(error) : resolve({ result, latencies, wall: last - started })),
    );
    instance.on('response', (_client, _status, _bytes, ms) => {
      latencies.push(ms);
      last = performance.now();
    });
  });
}

/** A timed run of `amount` requests, with the CPU the target's workerd processes and this process spent, and the pooler's transactions. */
async function measure(
  target: Target,
  connections: number,
  amount: number,
  admin: pg.Client,
  database: string,
): Promise<Run> {
  const [workerd, node] = [
    descendantPids(target.wrangler.pid!, 'workerd'),
    descendantPids(target.wrangler.pid!, 'node'),
  ];
  const [cpu0, node0, xacts0, client0] = [
    cpuMillis(workerd),
    cpuMillis(node),
    await pooledTransactions(admin, database),
    process.cpuUsage(),
  ];
  const { result, latencies, wall } = await fire(target, connections, { amount });
  const client = process.cpuUsage(client0);
  const [cpu, nodeCpu, xacts] = [
    cpuMillis(workerd) - cpu0,
    cpuMillis(node) - node0,
    (await pooledTransactions(admin, database)) - xacts0,
  ];
  if (result.non2xx > 0 || result.errors > 0 || latencies.length !== amount) {
    throw new Error(
      `${target.label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${latencies.length} of ${amount} answered`,
    );
  }
  const clientMs = (client.user + client.system) / 1000;
  return {
    rps: amount / (wall / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu: cpu / amount,
    wranglerCpu: nodeCpu / amount,
    xacts: xacts / amount,
    clientCpu: clientMs / amount,
    clientBusy: clientMs / wall,
  };
}

/** Sequential passes over every URL; the last pass's headers and each tile's body hash. */
async function warm(target: Target): Promise<{ headers: Headers[]; hashes: string[] }> {
  let last: { headers: Headers[]; hashes: string[] } = { headers: [], hashes: [] };
  for (let pass = 0; pass < WARM_PASSES; pass++) {
    last = { headers: [], hashes: [] };
    for (const path of target.paths) {
      const response = await fetch(`${target.origin}${path}`, { headers: target.headers });
      const body = await response.arrayBuffer();
      if (response.status !== 200)
        throw new Error(`${target.label} ${path}: ${response.status} ${new TextDecoder().decode(body).slice(0, 200)}`);
      last.headers.push(response.headers);
      last.hashes.push(createHash('sha256').update(new Uint8Array(body)).digest('hex'));
    }
  }
  return last;
}

const median = (values: number[]) => percentile(values, 50);
/** Median and range over rounds: `1.23× (1.1–1.4)`. */
const ratioFigure = (ratios: number[]) =>
  `${round(median(ratios), 2)}× (${round(Math.min(...ratios), 2)}–${round(Math.max(...ratios), 2)})`;

export const ACCESS_BENCH_TITLE = `bench: warm PMTiles tiles under load, ours beside a minimal PMTiles Worker (protomaps' Cloudflare worker design: pmtiles with a module-level ResolvedValueCache, R2 range reads with an etag check, the Cache API), both under the project's wrangler dev on the same --persist-to state and bucket, ${BENCH_ARCHIVE}, every tile at z12–15; a and b read the seeded data product, private in a private project, with the seed user's API key (a viewer through the demo team); c a second data product registered on the same object, public, read anonymously; caches warmed by ${WARM_PASSES} passes on each side (the last all hits), the timed requests on the same URLs. Load: autocannon, keep-alive, each connection cycling the URLs; per concurrency ${ROUNDS} rounds, each a fixed request count sized to take ~${ROUND_SECONDS} s, peer and ours a/b/c taking turns in an order rotated each round. req/s = requests ÷ the run's wall time; p50/p99 over every response's time at the client; ratios are per-round ours ÷ peer, median (range) over rounds; CPU = user + system time of the workerd processes under each side's wrangler dev (/proc/<pid>/stat), its change over the run ÷ requests; DB = PgBouncer's SHOW STATS total_xact_count for the database (only the Worker connects through it; the console's own queries are not counted), its change ÷ requests. Targets: ours ≥ 0.9× the peer's req/s with an API key, ≥ 1.2× for the public product, 0 DB transactions per warm request.`;

export const ACCESS_BENCH_HEAD = [
  'ours',
  'connections',
  'req/s ours / peer (median)',
  'req/s ours ÷ peer',
  'target',
  'p50 ms ours / peer',
  'p50 ours ÷ peer',
  'p99 ms ours / peer',
  'p99 ours ÷ peer',
  'workerd CPU ms/request ours / peer',
  'DB transactions/request ours (target 0)',
];

/** The rows of the table, and notes: what the load generator cost, the peer's pooler count, our Server-Timing on hits. */
export async function benchAccess(
  stack: Stack,
  worker: ChildProcess,
  persistTo: string,
): Promise<{ rows: string[][]; notes: string[] }> {
  const { local, tiles } = await benchArchiveTiles();
  const product = stack.seed.dataProducts[BENCH_ARCHIVE]!;
  const tilePaths = (prefix: string) => tiles.map(([z, x, y]) => `${prefix}/${z}/${x}/${y}.webp`);
  const userKey = { 'x-api-key': stack.seed.user.apiKey };
  // a and b read the seeded product, private in a private project; c a second product registered on
  // the same object, public (lookups by key find the older, private one). Registering needs a
  // manager, and the seed user is a viewer: the admin's key.
  const asAdmin = { 'x-api-key': stack.seed.admin.apiKey, 'content-type': 'application/json' };
  const publicProduct = await registerPublicProduct(stack, product.key, asAdmin);
  const peer = await startPeer(persistTo, product.key);
  const admin = new pg.Client({ connectionString: stack.pooler.statsUrl });
  await admin.connect();
  const database = decodeURIComponent(new URL(stack.pooler.url).pathname.slice(1));
  try {
    const ours = (label: string, prefix: string, headers: Record<string, string>): Target => ({
      label,
      origin: stack.baseUrl,
      paths: tilePaths(prefix),
      headers,
      wrangler: worker,
    });
    const peerTarget: Target = {
      label: 'peer',
      origin: peer.origin,
      paths: tilePaths(`/${BENCH_ARCHIVE.replace(/\.pmtiles$/, '')}`),
      headers: {},
      wrangler: peer.wrangler,
    };
    const variants = [
      ours(
        'a: /pmtiles/{bucket key}/…, X-API-Key (seed user)',
        `/pmtiles/${product.key.replace(/\.pmtiles$/, '')}`,
        userKey,
      ),
      ours('b: /pmtiles/{data product id}/…, X-API-Key (seed user)', `/pmtiles/${product.id}`, userKey),
      ours('c: /pmtiles/{data product id}/…, public product, anonymous', `/pmtiles/${publicProduct.id}`, {}),
    ];
    const targets = [peerTarget, ...variants];
    const serverTiming = await warmAll(targets, peerTarget, local, tiles);

    const rows: string[][] = [];
    const notes: string[] = [];
    for (const connections of CONNECTIONS) {
      const amounts = await runSizes(targets, connections);
      const runs = new Map<Target, Run[]>(targets.map((t) => [t, []]));
      for (let r = 0; r < ROUNDS; r++) {
        const order = [...targets.slice(r % targets.length), ...targets.slice(0, r % targets.length)];
        for (const target of order)
          runs.get(target)!.push(await measure(target, connections, amounts.get(target)!, admin, database));
      }
      const peerRuns = runs.get(peerTarget)!;
      for (const [k, variant] of variants.entries())
        rows.push(comparisonRow(variant, connections, runs.get(variant)!, peerRuns, k === 2 ? 1.2 : 0.9));
      notes.push(loadNote(connections, runs, peerTarget, variants, amounts));
    }
    notes.push(`Server-Timing of ours on the last warm pass (all hits): ${serverTiming.join('; ')}.`);
    return { rows, notes };
  } finally {
    await fetch(`${stack.baseUrl}/data-products/${publicProduct.id}`, { method: 'DELETE', headers: asAdmin }).catch(
      (error: unknown) => console.error('deleting the public product failed', error),
    );
    await admin.end();
    await peer.stop();
  }
}

/** Registers a second, public data product on the bench archive's object (variant c); the bench deletes it. */
async function registerPublicProduct(
  stack: Stack,
  key: string,
  asAdmin: Record<string, string>,
): Promise<{ id: string }> {
  const registered = await fetch(
    `${stack.baseUrl}/projects/${stack.seed.demoProjectId}/flights/${stack.seed.demoFlightId}/data-products`,
    {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ type: 'pmtiles', r2_key: key, is_public: true, filename: BENCH_ARCHIVE }),
    },
  );
  if (registered.status !== 201)
    throw new Error(`registering the public product: ${registered.status} ${await registered.text()}`);
  return (await registered.json()) as { id: string };
}

/**
 * Warms each side in turn (the two runtimes share the Cache API's files: no concurrent writes),
 * checking that every side serves the archive's own bytes and that the last pass hit; returns our
 * sides' Server-Timing on that pass.
 */
async function warmAll(targets: Target[], peerTarget: Target, local: PMTiles, tiles: Tile[]): Promise<string[]> {
  const expected = await Promise.all(
    tiles.map(async ([z, x, y]) =>
      createHash('sha256')
        .update(new Uint8Array((await local.getZxy(z, x, y))!.data))
        .digest('hex'),
    ),
  );
  const serverTiming: string[] = [];
  for (const target of targets) {
    const { headers, hashes } = await warm(target);
    if (hashes.some((h, i) => h !== expected[i]))
      throw new Error(`${target.label}: tile bytes differ from the archive on disk`);
    const misses = headers.filter((h) => h.get('x-cache') !== 'HIT').length;
    if (misses > 0)
      throw new Error(`${target.label}: ${misses} of ${headers.length} tiles still missed after ${WARM_PASSES} passes`);
    if (target !== peerTarget) {
      const means = (name: string) => round(mean(headers.map((h) => serverTimingDur({ headers: h }, name))), 2);
      serverTiming.push(
        `${target.label.slice(0, 1)}: means total ${means('total')} ms, cache ${means('cache')} ms, app ${means('app')} ms; e.g. "${headers.at(-1)!.get('server-timing')}"`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return serverTiming;
}

/**
 * Each target's request count for its timed runs at this concurrency, from two untimed runs: the
 * first opens connections and heats the code, the second gives the rate the count is sized from. A
 * count, not a duration: a run that ends on time cuts requests short, and their work would fall
 * into the next run's figures.
 */
async function runSizes(targets: Target[], connections: number): Promise<Map<Target, number>> {
  const amounts = new Map<Target, number>();
  for (const target of targets) {
    await fire(target, connections, { amount: connections * 4 });
    const { wall } = await fire(target, connections, { amount: connections * 8 });
    amounts.set(target, Math.max(connections * 4, Math.round((connections * 8 * ROUND_SECONDS * 1000) / wall)));
  }
  return amounts;
}

/** One row of the table: a variant of ours beside the peer, round by round, against its req/s goal. */
function comparisonRow(variant: Target, connections: number, ourRuns: Run[], peerRuns: Run[], goal: number): string[] {
  const ratios = (figure: keyof Run) => ourRuns.map((run, i) => run[figure] / peerRuns[i]![figure]);
  const both = (figure: keyof Run, digits = 1) => {
    const [ours, peer] = [ourRuns, peerRuns].map((runs) => round(median(runs.map((r) => r[figure])), digits));
    return `${ours} / ${peer}`;
  };
  const rpsRatio = median(ratios('rps'));
  const xacts = ourRuns.map((r) => r.xacts);
  const xactsRange = `${round(median(xacts), 3)} (${round(Math.min(...xacts), 3)}–${round(Math.max(...xacts), 3)})`;
  return [
    variant.label,
    String(connections),
    both('rps', 0),
    ratioFigure(ratios('rps')),
    `≥ ${goal}×: ${rpsRatio >= goal ? 'met' : 'not met'}`,
    both('p50'),
    ratioFigure(ratios('p50')),
    both('p99'),
    ratioFigure(ratios('p99')),
    `${both('cpu', 2)} (${round(median(ratios('cpu')), 1)}×)`,
    `${xactsRange}: ${Math.max(...xacts) === 0 ? 'met' : 'not met'}`,
  ];
}

/** What the measurement itself cost at this concurrency, and what the peer's runs counted at the pooler. */
function loadNote(
  connections: number,
  runs: Map<Target, Run[]>,
  peerTarget: Target,
  variants: Target[],
  amounts: Map<Target, number>,
): string {
  const peerRuns = runs.get(peerTarget)!;
  const all = [...runs.values()].flat();
  const ourRuns = variants.flatMap((v) => runs.get(v)!);
  const targets = [peerTarget, ...variants];
  const clientCpu = round(median(all.map((r) => r.clientCpu)), 2);
  const clientBusy = Math.round(median(peerRuns.map((r) => r.clientBusy)) * 100);
  const wranglerOurs = round(median(ourRuns.map((r) => r.wranglerCpu)), 2);
  const wranglerPeer = round(median(peerRuns.map((r) => r.wranglerCpu)), 2);
  const peerXacts = round(
    peerRuns.reduce((sum, r) => sum + r.xacts * amounts.get(peerTarget)!, 0),
    0,
  );
  const perRun = targets.map((t) => `${t === peerTarget ? 'peer' : t.label.slice(0, 1)} ${amounts.get(t)}`).join(', ');
  return (
    `${connections} connections: load generator (autocannon, in the bench's Node process) ${clientCpu} ms CPU ` +
    `per request, ${clientBusy} % of one core in the peer's runs; wrangler's own Node process (not in the CPU ` +
    `column) ours ${wranglerOurs} / peer ${wranglerPeer} ms CPU per request; pooler transactions during the ` +
    `peer's runs: ${peerXacts} (it has no database: any would be another client of the pooler); ` +
    `requests per run: ${perRun}.`
  );
}
