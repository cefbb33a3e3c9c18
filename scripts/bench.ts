// `npm run bench`: tile rendering speed and bytes read, beside GDAL doing the same work.
// Not a test: it prints figures. Starts its own stack (database edge_tiles_bench, fresh bucket).
import { readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { BENCH_ARCHIVE, benchArchiveTiles } from './lib/bench-archive';
import { log } from './lib/system';
import { DEV_DIR, ROOT } from './lib/dev-env';
import { RASTER_BENCH_HEAD, benchRaster, rasterBenchObjects } from './lib/raster-bench';
import { FIXTURES } from './lib/seed';
import { freePort, prepareStack, startWorker, stopStack, stopWorker, type StackOptions } from './lib/stack';
import { benchStac } from './lib/stac-bench';
import { benchUploads } from './lib/upload-bench';
import { benchJobs, JOB_BENCH_HEAD } from './lib/job-bench';
import { ACCESS_BENCH_HEAD, ACCESS_BENCH_TITLE, benchAccess } from './lib/access-bench';
import { mean, percentile, round, serverTimingDur } from './lib/figures';
import { HOSTILE_BENCH_HEAD, benchHostile, hostileBenchObjects } from './lib/hostile-bench';
import { WEB_BENCH_HEAD, benchWeb } from './lib/web-bench';
import { buildWeb, ensureChromium } from './lib/web';

/** Runs `count` requests through `concurrency` workers; latencies in ms, and requests per second. */
async function load(urls: string[], concurrency: number, headers: Record<string, string>) {
  const latencies: number[] = [];
  const server: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const t = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
        latencies.push(performance.now() - t);
        server.push(serverTimingDur(response, 'total'));
      }
    }),
  );
  return { latencies, server, rps: urls.length / ((performance.now() - started) / 1000) };
}

/**
 * PMTiles under concurrent load beside the pmtiles library on disk; PostGIS MVT beside bare ST_AsMVT.
 * `restart` gives a new Worker isolate on the same local state, whose tile cache tiers differ:
 * its memory is empty while the Cache API still holds every tile.
 */
async function benchVector(
  stack: Awaited<ReturnType<typeof prepareStack>>,
  restart: () => Promise<void>,
): Promise<string[][]> {
  const rows: string[][] = [];
  const headers = { 'x-api-key': stack.seed.admin.apiKey };
  // PMTiles: every tile the USGS archive holds at zooms 12–15, through wrangler dev.
  const file = BENCH_ARCHIVE;
  const { local, tiles } = await benchArchiveTiles();
  const name = stack.seed.dataProducts[file]!.key.replace(/\.pmtiles$/, '');
  const run = Date.now();
  const urls = (suffix: string) =>
    tiles.map(([z, x, y]) => `${stack.baseUrl}/pmtiles/${name}/${z}/${x}/${y}.webp?${suffix}`);
  await load(urls(`warm=${run}`), 4, headers);
  const miss = await load(urls(`miss=${run}`), 8, headers);
  await restart();
  // The new isolate's archive header and database connections, so that only the tile tier differs.
  await load(urls(`warm=${run}`).slice(0, 8), 4, headers);
  const edge = await load(urls(`miss=${run}`), 8, headers);
  const isolate = await load(urls(`miss=${run}`), 8, headers);
  const floor: number[] = [];
  for (const [z, x, y] of tiles) {
    const t = performance.now();
    await local.getZxy(z, x, y);
    floor.push(performance.now() - t);
  }
  const clientFigures = (r: Awaited<ReturnType<typeof load>>) =>
    `${round(percentile(r.latencies, 50))} / ${round(percentile(r.latencies, 95))} ms, ${round(r.rps)} req/s; in-Worker mean ${round(mean(r.server), 2)} ms`;
  const ratios = (hit: Awaited<ReturnType<typeof load>>) =>
    `miss÷hit in-Worker means ${round(mean(miss.server) / mean(hit.server), 1)}×, client p50 ${round(percentile(miss.latencies, 50) / percentile(hit.latencies, 50), 2)}×`;
  const what = `PMTiles ${file}, ${tiles.length} tiles, 8 concurrent`;
  const onDisk = `pmtiles on disk ${round(percentile(floor, 50), 2)} / ${round(percentile(floor, 95), 2)} ms`;
  rows.push([
    `${what}: hits from the Cache API (new isolate)`,
    `miss ${clientFigures(miss)}`,
    `hit ${clientFigures(edge)}`,
    onDisk,
    ratios(edge),
  ]);
  rows.push([
    `${what}: hits from the isolate's memory`,
    'same misses',
    `hit ${clientFigures(isolate)}`,
    onDisk,
    ratios(isolate),
  ]);

  // MVT: us-states as a PostGIS layer; the endpoint beside the same ST_AsMVT query on the database.
  const layer = (await (
    await fetch(`${stack.baseUrl}/projects/${stack.seed.demoProjectId}/vector-layers?name=states`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: readFileSync(`${FIXTURES}/vector/us-states.geojson`),
    })
  ).json()) as { id: string };
  const mvtTiles: Array<[number, number, number]> = [];
  for (const z of [4, 5, 6]) {
    const n = 2 ** z;
    for (let x = Math.floor(((-125 + 180) / 360) * n); x <= Math.floor(((-67 + 180) / 360) * n); x++) {
      for (let y = Math.floor(n * 0.34); y <= Math.floor(n * 0.42); y++) mvtTiles.push([z, x, y]);
    }
  }
  // The bare query on a direct connection, and through the same pooler as the Worker's.
  const direct = new pg.Client({ connectionString: stack.databaseUrl });
  const pooled = new pg.Client({ connectionString: stack.pooler.url });
  await Promise.all([direct.connect(), pooled.connect()]);
  const bareTile = (client: pg.Client, [z, x, y]: [number, number, number]) =>
    client.query(
      `SELECT ST_AsMVT(t.*, 'states', 4096, 'geom', 'fid') FROM (
      SELECT f.id AS fid, f.properties, ST_AsMVTGeom(CASE WHEN $4::float8 > 0 THEN ST_SimplifyPreserveTopology(f.geom_3857, $4::float8) ELSE f.geom_3857 END, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM vector_features f WHERE f.layer_id = $5 AND f.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 0.015625) ORDER BY f.id LIMIT 20000) t WHERE t.geom IS NOT NULL`,
      [z, x, y, z < 14 ? 40075016.68557849 / 2 ** z / 4096 / 2 : 0, layer.id],
    );
  const endpointTile = async ([z, x, y]: [number, number, number], pass: string) => {
    const response = await fetch(`${stack.baseUrl}/vector/${layer.id}/${z}/${x}/${y}.mvt?run=${run}-${pass}`, {
      headers,
    });
    await response.arrayBuffer();
    return response;
  };
  // One untimed pass each (connections, backends and pages warm), then the two alternate tile by
  // tile, so that both meet the same state of the machine, each after a pause in which the work a
  // response leaves behind (its cache write, closing its connection) is done.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  for (const tile of mvtTiles) {
    await endpointTile(tile, 'warm');
    await bareTile(direct, tile);
    await bareTile(pooled, tile);
  }
  const endpoint: number[] = [];
  const serverDb: number[] = [];
  const bare: number[] = [];
  const barePooled: number[] = [];
  for (const tile of mvtTiles) {
    await settle();
    let t = performance.now();
    const response = await endpointTile(tile, 'timed');
    endpoint.push(performance.now() - t);
    serverDb.push(serverTimingDur(response, 'db'));
    await settle();
    t = performance.now();
    await bareTile(direct, tile);
    bare.push(performance.now() - t);
    await settle();
    t = performance.now();
    await bareTile(pooled, tile);
    barePooled.push(performance.now() - t);
  }
  await Promise.all([direct.end(), pooled.end()]);
  // The runtime's clock ticks in whole milliseconds, so the in-Worker figures compare as means too.
  const figures = (values: number[]) =>
    `${round(percentile(values, 50), 2)} / ${round(percentile(values, 95), 2)} ms, mean ${round(mean(values), 2)}`;
  rows.push([
    `PostGIS MVT us-states, ${mvtTiles.length} tiles z4–6`,
    `endpoint ${round(percentile(endpoint, 50))} / ${round(percentile(endpoint, 95))} ms (client)`,
    `in-Worker db ${figures(serverDb)}`,
    `bare SQL direct ${figures(bare)}; through the pooler ${figures(barePooled)}`,
    `overhead (in-Worker db ÷ bare, means): ${round(mean(serverDb) / mean(bare), 2)}× direct, ${round(mean(serverDb) / mean(barePooled), 2)}× pooled`,
  ]);
  return rows;
}

// `npm run bench -- raster vector` runs only those parts; no argument runs them all.
const PARTS = ['raster', 'vector', 'access', 'uploads', 'jobs', 'stac', 'hostile', 'web'] as const;
const asked = process.argv.slice(2);
for (const part of asked)
  if (!(PARTS as readonly string[]).includes(part))
    throw new Error(`unknown bench part ${part}: choose from ${PARTS.join(', ')}`);
const runs = (part: (typeof PARTS)[number]) => asked.length === 0 || asked.includes(part);

/** A Markdown table, columns padded, ready to paste into docs/benchmarks.md. */
function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const options: StackOptions = {
  database: 'edge_tiles_bench',
  fresh: true,
  envName: 'bench',
  persistTo: `${ROOT}.wrangler/bench-state`,
  port: await freePort(),
  seedFile: `${DEV_DIR}/seed.bench.json`,
  extraObjects: [...(runs('raster') ? rasterBenchObjects() : []), ...(runs('hostile') ? hostileBenchObjects() : [])],
};
// wrangler serves the app's build as the Worker's assets, whichever part runs.
buildWeb();
if (runs('web')) ensureChromium();
rmSync(options.persistTo, { recursive: true, force: true });
const stack = await prepareStack(options);
let worker = await startWorker(stack, options, 'ignore');
const restartWorker = async () => {
  await stopWorker(worker);
  worker = await startWorker(stack, options, 'ignore');
};
/** What each part found: a title for the log line and its table. */
const printed: Array<{ title: string; table: string }> = [];
try {
  if (runs('raster')) {
    printed.push({
      title:
        'bench: 256-px tiles at native zoom, header warm, tile cache cold (nearest). Ours: .npy render = R2 ' +
        'reads + decode + warp into values and mask, the output gdal.Warp to MEM gives, written as .npy; ' +
        "client = the whole PNG request through wrangler dev's local proxy; render = R2 reads + decode + warp " +
        "+ PNG encode, from the tile cache's miss to the encoded image (Server-Timing; the runtime clock ticks " +
        'in whole ms; the cache lookup before it is its own column); cold passes: each render from its own ' +
        'copy of the file, so no tile bytes are cached. GDAL: one long-lived python3-gdal process on the local ' +
        'file, gdal.Warp to MEM with its block cache flushed before each tile, then the PNG driver on the ' +
        'result, taking turns with our .npy and PNG renders tile by tile (back to back: the same warps and ' +
        'encodes one after another with nothing of ours in between, as GDAL is usually timed); warm: the block ' +
        'cache left as the previous tiles left it; /vsicurl/: the same warps reading the file over HTTP from a ' +
        'local server, headers read beforehand and each tile from its own URL, as our cold pass.',
      table: table(RASTER_BENCH_HEAD, await benchRaster(stack)),
    });
  }
  if (runs('web')) {
    printed.push({
      title:
        'bench: the web app in headless Chromium (cold browser cache each run): JavaScript downloaded, gzipped ' +
        '(-9) as Cloudflare would serve it, and the time from navigation until every request of the first view ' +
        'was answered (network idle)',
      table: table(WEB_BENCH_HEAD, await benchWeb(stack)),
    });
  }
  if (runs('vector')) {
    printed.push({
      title: "bench: vector tiles (client latency through wrangler dev's local proxy)",
      table: table(
        ['what', 'cache miss', 'cache hit / in-Worker', 'floor', 'ratio'],
        await benchVector(stack, restartWorker),
      ),
    });
  }
  if (runs('access')) {
    const access = await benchAccess(stack, worker, options.persistTo);
    printed.push({
      title: ACCESS_BENCH_TITLE,
      table: [table(ACCESS_BENCH_HEAD, access.rows), '', ...access.notes].join('\n'),
    });
  }
  if (runs('uploads')) {
    printed.push({
      title:
        'bench: tus uploads through wrangler dev (tus-js-client, median of 5) beside one R2.put of the same ' +
        'bytes by a Worker under wrangler dev too (target: ≥ 70 %)',
      table: table(
        ['upload', 'ours', 'direct R2.put', 'ours / direct', 'workerd RSS growth (peak)'],
        await benchUploads(stack, worker),
      ),
    });
  }
  if (runs('hostile')) {
    printed.push({
      title:
        'bench: hostile inputs (issue 18), each once on a warm wrangler dev: status, client time, workerd RSS ' +
        'growth while it ran (targets: 4xx, < 1 s, growth well under 128 MB)',
      table: table(HOSTILE_BENCH_HEAD, await benchHostile(stack, worker)),
    });
  }
  if (runs('jobs')) {
    printed.push({
      title:
        'bench: a GeoTIFF → COG job (tus upload of RGB.byte.tif, converter process, GDAL, Postgres, STAC ' +
        'item), job wall time from creation to success by phase, beside bare gdal_translate -of COG on the ' +
        'same file (target: overhead < 2 s)',
      table: table(JOB_BENCH_HEAD, await benchJobs(stack)),
    });
  }
} finally {
  await stopWorker(worker);
  await stopStack(stack);
}
for (const part of printed) {
  log(part.title);
  console.log(part.table);
}

if (runs('stac')) {
  const stac = await benchStac();
  log(
    'bench: STAC search over 1,000,000 synthetic items in 50 collections, anonymous, client latency through ' +
      'wrangler dev (target: every p95 < 150 ms)',
  );
  const shead = [
    'search',
    'runs',
    'p50 ms',
    'p95 ms',
    'first pass p50 / p95 ms (cold pages)',
    'items per page',
    'numberMatched estimated',
  ];
  console.log(table(shead, stac.rows));
  log('bench: the plans PostgreSQL ran for one request of each kind (EXPLAIN ANALYZE of the page query)');
  console.log(stac.plans.join('\n\n'));
}
