// The raster part of `npm run bench`: our tiles beside GDAL warping (and encoding) the same tiles.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { aptInstall, fail } from './system';
import { ROOT } from './dev-env';
import { FIXTURES } from './seed';
import { freePort, type Stack } from './stack';
import { mean, percentile, round, serverTimingDur } from './figures';

const HALF = 20037508.342789244;
export const RASTER_FILES = ['cog.tif', 'cog_rgb.tif'];
/** Renders per file in the cold pass; small files have few tiles, so their tiles repeat. */
const RENDERS = 24;
/**
 * Untimed renders of each format first: V8 optimises the hot loops only after they have run a
 * while, and WebAssembly functions only after about a thousand calls (libjpeg-turbo took 0.39 ms
 * a block at first and 0.17 ms after 1,600 blocks), which a busy isolate is long past.
 */
const WARM_RENDERS = 300;

/** Objects the bench needs besides the seed: one copy of each file per cold render, PNG and .npy. */
export function rasterBenchObjects(): Array<{ name: string; file: string }> {
  return RASTER_FILES.flatMap((name) =>
    Array.from({ length: 2 * RENDERS }, (_, i) => ({ name: copyName(name, i), file: `${FIXTURES}/cog/${name}` })),
  );
}
const copyName = (name: string, i: number) => `bench-copy-${i}-${name}`;

export function ensurePythonGdal(): void {
  if (spawnSync('/usr/bin/python3', ['-c', 'from osgeo import gdal'], { stdio: 'ignore' }).status === 0) return;
  aptInstall(['python3-gdal'], 'GDAL for Python (the bench peer)');
}

function info(file: string) {
  const out = spawnSync('gdalinfo', ['-json', file], { encoding: 'utf8' });
  return JSON.parse(out.stdout) as { size: [number, number]; wgs84Extent: { coordinates: number[][][] } };
}

interface Tile {
  z: number;
  x: number;
  y: number;
  bounds: number[];
}

/** Native-zoom tiles over the dataset, the most central first. */
function nativeTiles(file: string): Tile[] {
  const meta = info(file);
  const ring = meta.wgs84Extent.coordinates[0]!;
  const merc = ring.map(([lon, lat]) => [
    (lon! * HALF) / 180,
    (Math.log(Math.tan(((90 + lat!) * Math.PI) / 360)) * HALF) / Math.PI,
  ]);
  const xs = merc.map((p) => p[0]!);
  const ys = merc.map((p) => p[1]!);
  const natural =
    Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / Math.hypot(...meta.size);
  const z = Math.round(Math.log2((2 * HALF) / 256 / natural));
  const span = (2 * HALF) / 2 ** z;
  const [minx, maxx, miny, maxy] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const tiles = [];
  for (let x = Math.floor((minx + HALF) / span); x <= Math.floor((maxx + HALF) / span); x++) {
    for (let y = Math.floor((HALF - maxy) / span); y <= Math.floor((HALF - miny) / span); y++) {
      tiles.push({
        z,
        x,
        y,
        bounds: [-HALF + x * span, HALF - (y + 1) * span, -HALF + (x + 1) * span, HALF - y * span],
      });
    }
  }
  // The tiles nearest the middle first: they are the ones wholly covered by data.
  const mid = [(minx + maxx) / 2, (miny + maxy) / 2];
  tiles.sort(
    (a, b) =>
      Math.hypot(a.bounds[0]! - mid[0]!, a.bounds[1]! - mid[1]!) -
      Math.hypot(b.bounds[0]! - mid[0]!, b.bounds[1]! - mid[1]!),
  );
  return tiles.slice(0, RENDERS);
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
    res.writeHead(range ? 206 : 200, {
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
      'accept-ranges': 'bytes',
    });
    createReadStream(file, { start, end }).pipe(res);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/file.tif`,
    counter: `http://127.0.0.1:${port}/counter`,
    close: () => server.close(),
  };
}

/** GDAL in one long-lived python3-gdal process, asked for one tile at a time (scripts/bench/gdal_warp.py). */
class GdalPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor(job: object) {
    this.child = spawn('/usr/bin/python3', [`${ROOT}scripts/bench/gdal_warp.py`]);
    this.child.stderr.pipe(process.stderr);
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    this.child.stdin.write(`${JSON.stringify(job)}\n`);
  }

  async ask<T>(command: string): Promise<T> {
    if (command) this.child.stdin.write(`${command}\n`);
    const line = await this.lines.next();
    if (line.done) fail(`gdal_warp.py exited (${this.child.exitCode}) before answering "${command}"`);
    return JSON.parse(line.value) as T;
  }

  /** Waits for the peer's warm-up, so its first answer is not timed against ours. */
  ready = () => this.ask<{ ready: true }>('');
  cold = (i: number) => this.ask<{ warp: number; png: number }>(`cold ${i}`);
  warm = (i: number) => this.ask<{ warp: number }>(`warm ${i}`);
  run = () => this.ask<{ warp: number[] }>('run');
  remote = () => this.ask<{ remote: number[]; bytes: number[]; requests: number[] }>('remote');
  close = () => this.child.stdin.end();
}

/** What one render cost, from its Server-Timing (milliseconds; the runtime's clock ticks in whole ones). */
function serverTiming(response: Response) {
  const reads = /desc="(\d+) reads, (\d+) bytes"/.exec(response.headers.get('server-timing') ?? '');
  const dur = (name: string) => serverTimingDur(response, name);
  return {
    reads: Number(reads?.[1] ?? 0),
    bytes: Number(reads?.[2] ?? 0),
    render: dur('render'),
    r2: dur('r2'),
    encode: dur('encode'),
    lookup: dur('cache'),
    total: dur('total'),
  };
}

type Measured = ReturnType<typeof serverTiming> & { client: number };

async function get(url: string, headers: Record<string, string>): Promise<Measured> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (response.status !== 200) fail(`${url}: ${response.status}`);
  return { client: performance.now() - started, ...serverTiming(response) };
}

export const RASTER_BENCH_HEAD = [
  'file',
  'tiles',
  'zoom',
  'GDAL warp ms p50 / p95',
  'ours .npy render ms p50 / p95',
  '.npy render ÷ GDAL warp (p50)',
  '.npy render ÷ GDAL warp (means)',
  'GDAL warp back to back ms p50',
  '.npy render ÷ GDAL back-to-back warp (p50)',
  'ours client ms p50',
  'tile cache lookup (miss) ms p50',
  'ours render ms p50 / p95',
  'of which R2 / PNG encode ms p50',
  'GDAL PNG encode ms p50',
  'render ÷ GDAL warp (p50)',
  'render ÷ (GDAL warp + PNG) (p50)',
  'GDAL /vsicurl/ warp ms p50 / p95',
  'render ÷ GDAL /vsicurl/ warp (p50)',
  'render ÷ (GDAL /vsicurl/ warp + PNG) (p50)',
  'decode + warp ÷ GDAL warp (means)',
  'tile bytes cached: decode + warp ÷ GDAL warm warp (means)',
  'our R2 reads / bytes per tile',
  'GDAL /vsicurl/ requests / bytes per tile',
  'cache hit ms p50 (client / in-Worker)',
];

/**
 * 256-px tiles at native zoom (nearest), header warm, tile cache cold: .npy (values and mask, what
 * gdal.Warp to MEM gives too) and PNG, GDAL warping the same tile in turn. The cold passes render
 * each tile from its own copy of the file, so no tile bytes are in the isolate yet (as GDAL's
 * block cache is flushed before each tile); the second pass renders them again from one object,
 * whose tile bytes the earlier renders left in the isolate (GDAL: block cache left warm). GDAL is
 * also timed the usual way, tile after tile with nothing of ours in between.
 */
export async function benchRaster(stack: Stack): Promise<string[][]> {
  ensurePythonGdal();
  const rows: string[][] = [];
  const headers = { 'x-api-key': stack.seed.admin.apiKey };
  for (const name of RASTER_FILES) {
    const product = stack.seed.dataProducts[name];
    if (!product) fail(`${name} was not seeded`);
    const file = `${FIXTURES}/cog/${name}`;
    const tiles = nativeTiles(file);
    const sequence = Array.from({ length: RENDERS }, (_, i) => tiles[i % tiles.length]!);
    const copy = (i: number) =>
      encodeURIComponent(stack.seed.objects[copyName(name, i)] ?? fail(`${copyName(name, i)} was not seeded`));
    const copies = sequence.map((_, i) => copy(i));
    const npyCopies = sequence.map((_, i) => copy(RENDERS + i));
    const base = `${stack.baseUrl}/data-products/${product.id}`;
    const run = `${Date.now()}`;
    // Untimed: code paths warm and optimised by the JIT, as in an isolate that has served a while
    // (WARM_RENDERS renders over the tile positions), then every copy's header.
    for (let i = 0; i < WARM_RENDERS; i++) {
      const t = tiles[i % tiles.length]!;
      await get(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?_warm=${run}-${i}`, headers);
    }
    for (let i = 0; i < WARM_RENDERS; i++) {
      const t = tiles[i % tiles.length]!;
      await get(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.npy?_warm=${run}-${i}`, headers);
    }
    for (const url of [...copies, ...npyCopies]) await get(`${stack.baseUrl}/cog/info?url=${url}`, headers);
    const http = await rangeServer(file);
    const peer = new GdalPeer({ file, url: http.url, counter: http.counter, tiles: sequence.map((t) => t.bounds) });
    await peer.ready();
    // Tile by tile, our .npy and PNG renders and GDAL's warp (+ PNG) take turns, each first in turn,
    // so that none meets the machine in a different state: a slow phase of the host, collected
    // garbage or local R2's caches weigh on all three alike.
    const npy: Measured[] = [];
    const cold: Measured[] = [];
    const gdal = { cold: [] as number[], png: [] as number[], warm: [] as number[] };
    for (const [i, t] of sequence.entries()) {
      const turns = [
        async () =>
          npy.push(
            await get(
              `${stack.baseUrl}/cog/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.npy?url=${npyCopies[i]}`,
              headers,
            ),
          ),
        async () =>
          cold.push(
            await get(`${stack.baseUrl}/cog/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?url=${copies[i]}`, headers),
          ),
        async () => {
          const { warp, png } = await peer.cold(i);
          gdal.cold.push(warp);
          gdal.png.push(png);
        },
      ];
      for (const turn of [...turns.slice(i % 3), ...turns.slice(0, i % 3)]) await turn();
    }
    const warm: Measured[] = [];
    for (const [i, t] of sequence.entries()) {
      warm.push(await get(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?_again=${run}-${i}`, headers));
      gdal.warm.push((await peer.warm(i)).warp);
    }
    const hits: Measured[] = [];
    for (const [i, t] of sequence.entries())
      hits.push(await get(`${base}/tiles/WebMercatorQuad/${t.z}/${t.x}/${t.y}.png?_again=${run}-${i}`, headers));
    const backToBack = (await peer.run()).warp;
    const remote = await peer.remote();
    peer.close();
    http.close();

    const p = (values: number[], q = 50) => round(percentile(values, q));
    const of = (list: Measured[], key: keyof Measured) => list.map((m) => m[key]);
    const render = of(cold, 'render');
    const npyRender = of(npy, 'render');
    // What is left of a render once R2 and the PNG encoder are taken out: decoding, warping and the glue.
    const decodeWarp = (list: Measured[]) => list.map((m) => m.render - m.r2 - m.encode);
    const ratio = (a: number, b: number) => `${round(a / b, 2)}×`;
    rows.push([
      name,
      `${tiles.length}${tiles.length < RENDERS ? ` ×${Math.ceil(RENDERS / tiles.length)}` : ''}`,
      `z${tiles[0]!.z}`,
      `${round(percentile(gdal.cold, 50), 2)} / ${round(percentile(gdal.cold, 95), 2)}`,
      `${p(npyRender)} / ${p(npyRender, 95)}`,
      ratio(percentile(npyRender, 50), percentile(gdal.cold, 50)),
      `${round(mean(npyRender), 2)} ÷ ${round(mean(gdal.cold), 2)} = ${ratio(mean(npyRender), mean(gdal.cold))}`,
      `${round(percentile(backToBack, 50), 2)}`,
      ratio(percentile(npyRender, 50), percentile(backToBack, 50)),
      `${p(of(cold, 'client'))}`,
      `${p(of(cold, 'lookup'))}`,
      `${p(render)} / ${p(render, 95)}`,
      `${p(of(cold, 'r2'))} / ${p(of(cold, 'encode'))}`,
      `${round(percentile(gdal.png, 50), 2)}`,
      ratio(percentile(render, 50), percentile(gdal.cold, 50)),
      ratio(percentile(render, 50), percentile(gdal.cold, 50) + percentile(gdal.png, 50)),
      `${round(percentile(remote.remote, 50), 2)} / ${round(percentile(remote.remote, 95), 2)}`,
      ratio(percentile(render, 50), percentile(remote.remote, 50)),
      ratio(percentile(render, 50), percentile(remote.remote, 50) + percentile(gdal.png, 50)),
      `${round(mean(decodeWarp(cold)), 2)} ÷ ${round(mean(gdal.cold), 2)} = ${ratio(mean(decodeWarp(cold)), mean(gdal.cold))}`,
      `${round(mean(decodeWarp(warm)), 2)} ÷ ${round(mean(gdal.warm), 2)} = ${ratio(mean(decodeWarp(warm)), mean(gdal.warm))}`,
      `${round(mean(of(cold, 'reads')))} / ${Math.round(mean(of(cold, 'bytes')))}`,
      `${round(mean(remote.requests))} / ${Math.round(mean(remote.bytes))}`,
      `${p(of(hits, 'client'))} / ${p(of(hits, 'total'))}`,
    ]);
  }
  return rows;
}
