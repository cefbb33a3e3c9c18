// `npm run bench`: tile rendering speed and bytes read, beside GDAL doing the same work.
// Not a test: it prints figures. Starts its own stack (database edge_tiles_bench, fresh bucket).
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import pg from 'pg';
import { PMTiles } from 'pmtiles';
import { DiskSource } from './lib/disk-source';
import { createServer } from 'node:http';
import { aptInstall, fail, log } from './lib/system';
import { DEV_DIR, ROOT } from './lib/dev-env';
import { FIXTURES } from './lib/seed';
import { freePort, prepareStack, startWorker, stopWorker, type StackOptions } from './lib/stack';
import { benchStac } from './lib/stac-bench';
import { benchUploads } from './lib/upload-bench';
import { benchJobs, JOB_BENCH_HEAD } from './lib/job-bench';
import { percentile, round } from './lib/figures';

const HALF = 20037508.342789244;

const FILES = ['cog.tif', 'cog_rgb.tif'];
const TILES_PER_FILE = 24;

function ensurePythonGdal(): void {
  if (spawnSync('/usr/bin/python3', ['-c', 'from osgeo import gdal'], { stdio: 'ignore' }).status === 0) return;
  aptInstall(['python3-gdal'], 'GDAL for Python (the bench peer)');
}


function info(file: string) {
  const out = spawnSync('gdalinfo', ['-json', file], { encoding: 'utf8' });
  return JSON.parse(out.stdout) as { size: [number, number]; wgs84Extent: { coordinates: number[][][] } };
}

/** Native-zoom tiles over the dataset, the most central first. */
function nativeTiles(file: string): Array<{ z: number; x: number; y: number; bounds: number[] }> {
  const meta = info(file);
  const ring = meta.wgs84Extent.coordinates[0]!;
  const merc = ring.map(([lon, lat]) => [(lon! * HALF) / 180, (Math.log(Math.tan(((90 + lat!) * Math.PI) / 360)) * HALF) / Math.PI]);
  const xs = merc.map((p) => p[0]!);
  const ys = merc.map((p) => p[1]!);
  const natural = Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / Math.hypot(...meta.size);
  const z = Math.round(Math.log2((2 * HALF) / 256 / natural));
  const span = (2 * HALF) / 2 ** z;
  const [minx, maxx, miny, maxy] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const tiles = [];
  for (let x = Math.floor((minx + HALF) / span); x <= Math.floor((maxx + HALF) / span); x++) {
    for (let y = Math.floor((HALF - maxy) / span); y <= Math.floor((HALF - miny) / span); y++) {
      tiles.push({ z, x, y, bounds: [-HALF + x * span, HALF - (y + 1) * span, -HALF + (x + 1) * span, HALF - y * span] });
    }
  }
  // The tiles nearest the middle first: they are the ones wholly covered by data.
  const mid = [(minx + maxx) / 2, (miny + maxy) / 2];
  tiles.sort((a, b) => Math.hypot(a.bounds[0]! - mid[0]!, a.bounds[1]! - mid[1]!) - Math.hypot(b.bounds[0]! - mid[0]!, b.bounds[1]! - mid[1]!));
  tiles.splice(TILES_PER_FILE);
  return tiles;
}

/** Serves a file with range requests, counting what it sends: GDAL's /vsicurl/ reads through it. */
async function rangeServer(file: string) {
  const size = statSync(file).size;
  const served = { bytes: 0, requests: 0 };
  const server = createServer((req, res) => {
    if (req.url === '/counter') return void res.end(JSON.stringify(served));
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    served.requests += 1;
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
      return void res.end();
    }
    served.bytes += end - start + 1;
    res.writeHead(range ? 206 : 200, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    createReadStream(file, { start, end }).pipe(res);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/file.tif`, counter: `http://127.0.0.1:${port}/counter`, close: () => server.close() };
}

function runGdal(job: object): Promise<{ times: number[]; bytes: number[]; requests: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [`${ROOT}scripts/bench/gdal_warp.py`], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`gdal_warp.py exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
}

function timing(response: Response) {
  const header = response.headers.get('server-timing') ?? '';
  const reads = /desc="(\d+) reads, (\d+) bytes"/.exec(header);
  const render = /render;dur=(\d+)/.exec(header);
  return { reads: Number(reads?.[1] ?? 0), bytes: Number(reads?.[2] ?? 0), total: Number(render?.[1] ?? NaN) };
}

/** Runs `count` requests through `concurrency` workers; latencies in ms, and requests per second. */
async function load(urls: string[], concurrency: number, headers: Record<string, string>) {
  const latencies: number[] = [];
  const server: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const t = performance.now();
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
      latencies.push(performance.now() - t);
      server.push(Number(/total;dur=(\d+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN));
    }
  }));
  return { latencies, server, rps: urls.length / ((performance.now() - started) / 1000) };
}

const vectorRows: string[][] = [];

/** PMTiles under concurrent load beside the pmtiles library on disk; PostGIS MVT beside bare ST_AsMVT. */
async function benchVector(stack: Awaited<ReturnType<typeof prepareStack>>) {
  const headers = { 'x-api-key': stack.seed.admin.apiKey };
  // PMTiles: every tile the USGS archive holds at zooms 12–13 (a few hundred), through wrangler dev.
  const file = 'usgs-mt-whitney-8-15-webp-512.pmtiles';
  const local = new PMTiles(new DiskSource(`${FIXTURES}/pmtiles/${file}`));
  const header = await local.getHeader();
  const tiles: Array<[number, number, number]> = [];
  for (const z of [12, 13]) {
    const n = 2 ** z;
    const x0 = Math.floor(((header.minLon + 180) / 360) * n);
    const x1 = Math.floor(((header.maxLon + 180) / 360) * n);
    const yOf = (lat: number) => Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n);
    for (let x = x0; x <= x1; x++) for (let y = yOf(header.maxLat); y <= yOf(header.minLat); y++) if (await local.getZxy(z, x, y)) tiles.push([z, x, y]);
  }
  const name = stack.seed.dataProducts[file]!.key.replace(/\.pmtiles$/, '');
  const run = Date.now();
  const urls = (suffix: string) => tiles.map(([z, x, y]) => `${stack.baseUrl}/pmtiles/${name}/${z}/${x}/${y}.webp?${suffix}`);
  await load(urls(`warm=${run}`), 4, headers);
  const miss = await load(urls(`miss=${run}`), 8, headers);
  const hit = await load(urls(`miss=${run}`), 8, headers);
  const floor: number[] = [];
  for (const [z, x, y] of tiles) {
    const t = performance.now();
    await local.getZxy(z, x, y);
    floor.push(performance.now() - t);
  }
  vectorRows.push([`PMTiles ${file}, ${tiles.length} tiles, 8 concurrent`, `miss ${round(percentile(miss.latencies, 50))} / ${round(percentile(miss.latencies, 95))} ms, ${round(miss.rps)} req/s`,
    `hit ${round(percentile(hit.latencies, 50))} / ${round(percentile(hit.latencies, 95))} ms, ${round(hit.rps)} req/s`, `pmtiles on disk ${round(percentile(floor, 50), 2)} / ${round(percentile(floor, 95), 2)} ms`,
    `miss/hit p50 ${round(percentile(miss.latencies, 50) / percentile(hit.latencies, 50), 2)}× (client), in-Worker ${round(percentile(miss.server, 50))} vs ${round(percentile(hit.server, 50))} ms`]);

  // MVT: us-states as a PostGIS layer; the endpoint beside the same ST_AsMVT query on the database.
  const layer = await (await fetch(`${stack.baseUrl}/projects/${stack.seed.demoProjectId}/vector-layers?name=states`, {
    method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: readFileSync(`${FIXTURES}/vector/us-states.geojson`),
  })).json() as { id: string };
  const mvtTiles: Array<[number, number, number]> = [];
  for (const z of [4, 5, 6]) {
    const n = 2 ** z;
    for (let x = Math.floor((-125 + 180) / 360 * n); x <= Math.floor((-67 + 180) / 360 * n); x++) {
      for (let y = Math.floor(n * 0.34); y <= Math.floor(n * 0.42); y++) mvtTiles.push([z, x, y]);
    }
  }
  const endpoint: number[] = [];
  const serverDb: number[] = [];
  for (const [z, x, y] of mvtTiles) {
    const t = performance.now();
    const response = await fetch(`${stack.baseUrl}/vector/${layer.id}/${z}/${x}/${y}.mvt?run=${run}`, { headers });
    await response.arrayBuffer();
    endpoint.push(performance.now() - t);
    serverDb.push(Number(/db;dur=(\d+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN));
  }
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  const bare: number[] = [];
  for (const [z, x, y] of mvtTiles) {
    const t = performance.now();
    await client.query(`SELECT ST_AsMVT(t.*, 'states', 4096, 'geom', 'fid') FROM (
      SELECT f.id AS fid, f.properties, ST_AsMVTGeom(CASE WHEN $4::float8 > 0 THEN ST_SimplifyPreserveTopology(f.geom_3857, $4::float8) ELSE f.geom_3857 END, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM vector_features f WHERE f.layer_id = $5 AND f.geom_3857 && ST_TileEnvelope($1, $2, $3, margin => 0.015625) ORDER BY f.id LIMIT 20000) t WHERE t.geom IS NOT NULL`,
      [z, x, y, z < 14 ? 40075016.68557849 / 2 ** z / 4096 / 2 : 0, layer.id]);
    bare.push(performance.now() - t);
  }
  await client.end();
  vectorRows.push([`PostGIS MVT us-states, ${mvtTiles.length} tiles z4–6`, `endpoint ${round(percentile(endpoint, 50))} / ${round(percentile(endpoint, 95))} ms (client)`,
    `in-Worker db ${round(percentile(serverDb, 50))} / ${round(percentile(serverDb, 95))} ms`, `bare SQL ${round(percentile(bare, 50), 2)} / ${round(percentile(bare, 95), 2)} ms`,
    `overhead p50 ${round(percentile(serverDb, 50) / percentile(bare, 50), 2)}× (in-Worker) / ${round(percentile(endpoint, 50) / percentile(bare, 50), 2)}× (client)`]);
}

ensurePythonGdal();
const options: StackOptions = {
  database: 'edge_tiles_bench',
  fresh: true,
  envName: 'bench',
  persistTo: `${ROOT}.wrangler/bench-state`,
  port: await freePort(),
  seedFile: `${DEV_DIR}/seed.bench.json`,
};
rmSync(options.persistTo, { recursive: true, force: true });
const stack = await prepareStack(options);
const worker = await startWorker(stack, options, 'ignore');
const rows: string[][] = [];
let uploadRows: string[][] = [];
let jobRows: string[][] = [];
try {
  for (const name of FILES) {
    const product = stack.seed.dataProducts[name];
    if (!product) fail(`${name} was not seeded`);
    const file = `${FIXTURES}/cog/${name}`;
    const tiles = nativeTiles(file);
    const headers = { 'x-api-key': stack.seed.admin.apiKey };
    const base = `${stack.baseUrl}/data-products/${product.id}`;
    await fetch(`${base}/info`, { headers });
    // One untimed render per tile position first, so the isolate's code paths are warm; then cold-cache renders.
    const run = `${Date.now()}`;
    for (const t of tiles) await (await fetch(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?_warm=${run}`, { headers })).arrayBuffer();
    const client: number[] = [];
    const server: number[] = [];
    const reads: number[] = [];
    const bytes: number[] = [];
    // Small files have few tiles: render them in several rounds (each round a fresh cache key).
    const rounds = Math.ceil(TILES_PER_FILE / tiles.length);
    for (let round = 0; round < rounds; round++) for (const t of tiles) {
      const started = performance.now();
      const response = await fetch(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?_cold=${run}-${round}`, { headers });
      await response.arrayBuffer();
      client.push(performance.now() - started);
      const measured = timing(response);
      server.push(measured.total);
      reads.push(measured.reads);
      bytes.push(measured.bytes);
    }
    const hits: number[] = [];
    for (const t of tiles) {
      const started = performance.now();
      await (await fetch(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?_cold=${run}-0`, { headers })).arrayBuffer();
      hits.push(performance.now() - started);
    }
    const http = await rangeServer(file);
    const gdal = await runGdal({ file, url: http.url, counter: http.counter, tiles: tiles.map((t) => t.bounds) });
    http.close();
    const ours50 = percentile(server, 50);
    const gdal50 = percentile(gdal.times, 50);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    rows.push([
      name, `${tiles.length}×${rounds}`, `z${tiles[0]!.z}`,
      `${round(percentile(client, 50))} / ${round(percentile(client, 95))}`,
      `${round(percentile(server, 50))} / ${round(percentile(server, 95))}`,
      `${round(gdal50)} / ${round(percentile(gdal.times, 95))}`,
      `${round(ours50 / gdal50, 2)}×`,
      `${round(mean(reads))} / ${Math.round(mean(bytes))}`,
      `${round(mean(gdal.requests))} / ${Math.round(mean(gdal.bytes))}`,
      `${round(percentile(hits, 50))}`,
    ]);
  }
  await benchVector(stack);
  uploadRows = await benchUploads(stack, worker);
  jobRows = await benchJobs(stack);
} finally {
  await stopWorker(worker);
  await stack.converter.stop();
}

const head = ['file', 'tiles', 'zoom', 'ours ms p50/p95 (client)', 'ours render ms p50/p95 (Server-Timing)', 'GDAL ms p50/p95', 'ratio p50', 'our R2 reads/bytes per tile', 'GDAL /vsicurl/ requests/bytes per tile', 'cache hit ms p50'];
/** A Markdown table, columns padded, ready to paste into the README. */
function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
log('bench: 256-px PNG tiles at native zoom, header warm, tile cache cold (nearest). Ours: client = whole request through wrangler dev\'s local proxy; render = R2 reads + decode + warp + encode after authorization (Server-Timing). GDAL: gdal.Warp to MEM in one process from the local file; ratio = our render p50 / GDAL p50.');
console.log(table(head, rows));
log('bench: vector tiles (client latency through wrangler dev\'s local proxy)');
const vhead = ['what', 'cache miss', 'cache hit / in-Worker', 'floor', 'ratio'];
console.log(table(vhead, vectorRows));
log('bench: tus uploads through wrangler dev (tus-js-client, median of 5) beside one R2.put of the same bytes by a Worker under wrangler dev too (target: ≥ 70 %)');
console.log(table(['upload', 'ours', 'direct R2.put', 'ours / direct', 'workerd RSS growth (peak)'], uploadRows));

log('bench: a GeoTIFF → COG job (tus upload of RGB.byte.tif, converter process, GDAL, Postgres, STAC item), job wall time from creation to success by phase, beside bare gdal_translate -of COG on the same file (target: overhead < 2 s)');
console.log(table(JOB_BENCH_HEAD, jobRows));

const stac = await benchStac();
log('bench: STAC search over 1,000,000 synthetic items in 50 collections, anonymous, client latency through wrangler dev (target: every p95 < 150 ms)');
const shead = ['search', 'runs', 'p50 ms', 'p95 ms', 'first pass p50 / p95 ms (cold pages)', 'items per page', 'numberMatched estimated'];
console.log(table(shead, stac.rows));
log('bench: the plans PostgreSQL ran for one request of each kind (EXPLAIN ANALYZE of the page query)');
console.log(stac.plans.join('\n\n'));
