import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PMTiles } from 'pmtiles';
import { PbfReader } from 'pbf';
import { VectorTile } from '@mapbox/vector-tile';
import { DiskSource } from '../../scripts/lib/disk-source';
import { OwnWorker } from './own-worker';
import { waitForHealth } from '../../scripts/lib/converter';
import { baseUrl, call, databaseUrl, json, newUser, problem, type TestUser } from './helpers';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURES = `${ROOT}../shared/fixtures`;
const WORK = `${ROOT}.dev/jobs-test`;
const converterUrl = process.env.EDGE_TILES_CONVERTER_URL ?? '';

interface JobView {
  id: string;
  kind: string;
  state: string;
  progress: number;
  message: string;
  attempts: number;
  log: string[];
  result: {
    dataProductId: string;
    keys: string[];
    layers?: Array<{ id: string; name: string; featureCount: number }>;
    stacItem?: { collection: string; item: string };
    phases: Record<string, number>;
  } | null;
  error: string | null;
  dataProductId: string;
}
interface JobEvent {
  seq: number;
  type: 'state' | 'progress';
  state: string;
  progress: number;
  message: string;
  attempt: number;
}
interface Target {
  projectId: string;
  flightId: string;
  user: TestUser;
}

const auth = (user: TestUser) => ({ authorization: `Bearer ${user.token}` });

async function newTarget(label: string): Promise<Target> {
  const user = await newUser(label);
  const project = await json<{ id: string }>(
    await call('/projects', { token: user.token, json: { title: `Jobs ${label}` } }),
    201,
  );
  const flight = await json<{ id: string }>(
    await call(`/projects/${project.id}/flights`, {
      token: user.token,
      json: { acquisition_date: '2024-06-01', name: 'Jobs flight' },
    }),
    201,
  );
  return { projectId: project.id, flightId: flight.id, user };
}

/** Uploads a file with the real tus client; answers the upload's JSON status (which names its job). */
async function upload(
  target: Target,
  file: string,
  type: string,
  server = baseUrl,
): Promise<{ id: string; jobId: string | null; dataProductId: string | null; key: string }> {
  const filename = file.split('/').pop()!;
  const url = await new Promise<string>((resolve, reject) => {
    const up = new tus.Upload(readFileSync(file), {
      endpoint: `${server}/uploads`,
      headers: auth(target.user),
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000],
      metadata: { project: target.projectId, flight: target.flightId, type, filename },
      onError: reject,
      onSuccess: () => resolve(up.url!),
    });
    up.start();
  });
  return json(await fetch(url, { headers: auth(target.user) }), 200);
}

async function job(id: string, user: TestUser, server = baseUrl): Promise<JobView> {
  return json<JobView>(await fetch(`${server}/jobs/${id}`, { headers: auth(user) }), 200);
}

async function waitFor(
  id: string,
  user: TestUser,
  until: (j: JobView) => boolean,
  server = baseUrl,
  timeoutMs = 120_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await job(id, user, server).catch(() => null);
    if (current && until(current)) return current;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${current?.state} (${current?.message})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const finished = (j: JobView) => ['succeeded', 'failed', 'cancelled'].includes(j.state);

/** The job's server-sent events, read with a plain HTTP client until the server ends the stream. */
async function events(id: string, user: TestUser): Promise<JobEvent[]> {
  const response = await fetch(`${baseUrl}/jobs/${id}/events`, { headers: auth(user) });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const fields = Object.fromEntries(
        block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      );
      const event = JSON.parse(fields.data!) as JobEvent;
      expect(Number(fields.id)).toBe(event.seq);
      expect(fields.event).toBe(event.type);
      return event;
    });
}

function gdalJson<T>(command: string, args: string[]): T {
  return JSON.parse(execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as T;
}

async function download(path: string, user: TestUser, to: string): Promise<Buffer> {
  const response = await call(path, { token: user.token });
  expect(response.status, path).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  writeFileSync(to, bytes);
  return bytes;
}

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A slow conversion: RGB.byte.tif blown up 8×, DEFLATE-compressed so that the upload itself stays quick. */
function bigTiff(): string {
  const file = `${WORK}/big.tif`;
  rmSync(file, { force: true });
  execFileSync('gdal_translate', [
    '-q',
    '-outsize',
    '800%',
    '800%',
    '-r',
    'bilinear',
    '-co',
    'TILED=YES',
    '-co',
    'COMPRESS=DEFLATE',
    `${FIXTURES}/raw/RGB.byte.tif`,
    file,
  ]);
  return file;
}

const converterSecret = () =>
  readFileSync(process.env.EDGE_TILES_ENV_FILE ?? `${ROOT}.dev/dev.env`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CONVERTER_SECRET='))!
    .slice('CONVERTER_SECRET='.length);
const gdalRunning = (jobId: string) => spawnSync('pgrep', ['-f', `${jobId}.*cog.tif`]).status === 0;

beforeAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
});

describe('GeoTIFF → COG', () => {
  let target: Target;
  let uploaded: Awaited<ReturnType<typeof upload>>;
  let done: JobView;

  beforeAll(async () => {
    target = await newTarget('cog');
    uploaded = await upload(target, `${FIXTURES}/raw/RGB.byte.tif`, 'ortho');
    done = await waitFor(uploaded.jobId!, target.user, finished);
  });

  it('the upload names its job and product; the job runs with progress events in order, to success', async () => {
    expect(uploaded.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.state, done.log.join('\n')).toBe('succeeded');
    expect(done).toMatchObject({ kind: 'raster', progress: 100, attempts: 1, dataProductId: uploaded.dataProductId });
    const stream = await events(uploaded.jobId!, target.user);
    expect(stream.map((e) => e.seq)).toEqual([...stream.map((e) => e.seq)].sort((a, b) => a - b));
    expect(stream[0]).toMatchObject({ type: 'state', state: 'queued' });
    expect(stream.at(-1)).toMatchObject({ type: 'state', state: 'succeeded', progress: 100 });
    const progress = stream.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.progress).toBeGreaterThanOrEqual(progress[i - 1]!.progress);
    expect(progress.some((e) => /gdal_translate/.test(e.message))).toBe(true);
    expect(done.log.some((line) => line.startsWith('$ gdal_translate -of COG'))).toBe(true);
    // Seconds per phase, as the bench reports them.
    expect(Object.keys(done.result!.phases).sort()).toEqual(['catalog', 'db', 'gdal', 'queue', 'transfer']);
    // The mirror for listing agrees.
    const listed = await json<{ jobs: Array<{ id: string; state: string }> }>(
      await call(`/jobs?project=${target.projectId}&state=succeeded`, { token: target.user.token }),
      200,
    );
    expect(listed.jobs.map((j) => j.id)).toContain(uploaded.jobId);
  });

  it('the output passes GDAL’s COG checks and keeps the source’s pixels; statistics and footprint are GDAL’s', async () => {
    const product = await json<{
      status: string;
      r2_key: string;
      footprint: { coordinates: number[][][][] };
      stats: Record<string, { min: number; max: number; mean: number; std: number }>;
      crs: string;
    }>(await call(`/data-products/${uploaded.dataProductId}`, { token: target.user.token }), 200);
    expect(product.status).toBe('ready');
    expect(product.crs).toBe('EPSG:32618');
    expect(done.result!.keys).toContain(product.r2_key);
    await download(`/data-products/${uploaded.dataProductId}/file`, target.user, `${WORK}/out.tif`);
    const info = gdalJson<{
      metadata: { IMAGE_STRUCTURE: Record<string, string> };
      bands: Array<{ overviews?: unknown[]; checksum: number }>;
    }>('gdalinfo', ['-json', '-checksum', '-mdd', 'all', `${WORK}/out.tif`]);
    expect(info.metadata.IMAGE_STRUCTURE.LAYOUT).toBe('COG');
    expect(info.bands[0]!.overviews!.length).toBeGreaterThanOrEqual(1);
    // A copy of the source, so that gdalinfo -stats writes its .aux.xml here and not beside the fixture.
    writeFileSync(`${WORK}/source.tif`, readFileSync(`${FIXTURES}/raw/RGB.byte.tif`));
    const source = gdalJson<{
      wgs84Extent: { coordinates: number[][][] };
      bands: Array<{ minimum: number; maximum: number; mean: number; stdDev: number; checksum: number }>;
    }>('gdalinfo', ['-json', '-stats', '-checksum', `${WORK}/source.tif`]);
    source.bands.forEach((b, i) => {
      expect(info.bands[i]!.checksum).toBe(b.checksum);
      const s = product.stats[`b${i + 1}`]!;
      expect(s.min).toBe(b.minimum);
      expect(s.max).toBe(b.maximum);
      expect(Math.abs(s.mean - b.mean) / b.mean).toBeLessThan(1e-4);
      expect(Math.abs(s.std - b.stdDev) / b.stdDev).toBeLessThan(1e-4);
    });
    const ring = product.footprint.coordinates[0]![0]!;
    const expected = source.wgs84Extent.coordinates[0]!;
    const box = (points: number[][]) => [
      Math.min(...points.map((p) => p[0]!)),
      Math.min(...points.map((p) => p[1]!)),
      Math.max(...points.map((p) => p[0]!)),
      Math.max(...points.map((p) => p[1]!)),
    ];
    box(ring).forEach((v, i) => expect(v).toBeCloseTo(box(expected)[i]!, 6));
  });

  it('its STAC item carries the same statistics, and /cog/tiles renders it', async () => {
    const item = await json<{
      bbox: number[];
      properties: Record<string, unknown>;
      assets: { data: { 'raster:bands': Array<{ statistics: { minimum: number; maximum: number; mean: number } }> } };
    }>(
      await call(`/stac/collections/${target.projectId}/items/${uploaded.dataProductId}`, { token: target.user.token }),
      200,
    );
    expect(item.properties['proj:epsg']).toBe(32618);
    const product = await json<{ r2_key: string; stats: Record<string, { min: number; max: number; mean: number }> }>(
      await call(`/data-products/${uploaded.dataProductId}`, { token: target.user.token }),
      200,
    );
    item.assets.data['raster:bands'].forEach((band, i) => {
      expect(band.statistics).toMatchObject({
        minimum: product.stats[`b${i + 1}`]!.min,
        maximum: product.stats[`b${i + 1}`]!.max,
        mean: product.stats[`b${i + 1}`]!.mean,
      });
    });
    // The tile under the product's centre at zoom 10.
    const [lon, lat] = [(item.bbox[0]! + item.bbox[2]!) / 2, (item.bbox[1]! + item.bbox[3]!) / 2];
    const n = 2 ** 10;
    const x = Math.floor(((lon + 180) / 360) * n);
    const y = Math.floor(
      ((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n,
    );
    // The product's own tile route, and /cog/tiles on its key (TiTiler's url=).
    for (const path of [`/data-products/${uploaded.dataProductId}/tiles`, '/cog/tiles']) {
      const tile = await call(`${path}/WebMercatorQuad/10/${x}/${y}.png?url=${encodeURIComponent(product.r2_key)}`, {
        token: target.user.token,
      });
      expect(tile.status).toBe(200);
      expect(tile.headers.get('content-type')).toBe('image/png');
      expect((await tile.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it('running it again changes nothing: same product, same version, one item, the same objects', async () => {
    const before = await query<{ version: number; n: number }>(
      'SELECT version, (SELECT count(*)::int FROM stac_items WHERE data_product_id = $1) AS n FROM ' +
        'data_products WHERE id = $1',
      [uploaded.dataProductId],
    );
    await json(await call(`/jobs/${uploaded.jobId}/retry`, { token: target.user.token, method: 'POST' }), 200);
    const again = await waitFor(uploaded.jobId!, target.user, finished);
    expect(again.state).toBe('succeeded');
    expect(again.result!.keys).toEqual(done.result!.keys);
    const after = await query<{ version: number; n: number }>(
      'SELECT version, (SELECT count(*)::int FROM stac_items WHERE data_product_id = $1) AS n FROM ' +
        'data_products WHERE id = $1',
      [uploaded.dataProductId],
    );
    expect(after).toEqual(before);
    expect(after[0]!.n).toBe(1);
  });

  it('POST /ingest turns an object already in the bucket into a product, in the collection and with the properties asked for', async () => {
    const accepted = await call('/ingest', {
      token: target.user.token,
      json: {
        key: uploaded.key,
        flight: target.flightId,
        properties: { datetime: '2024-06-02T10:00:00Z', 'survey:site': 'test site' },
      },
    });
    const queued = await json<JobView>(accepted, 202);
    expect(accepted.headers.get('location')).toBe(`${baseUrl}/jobs/${queued.id}`);
    const ingested = await waitFor(queued.id, target.user, finished);
    expect(ingested.state, ingested.log.join('\n')).toBe('succeeded');
    expect(ingested.dataProductId).not.toBe(uploaded.dataProductId);
    const item = await json<{ properties: Record<string, unknown> }>(
      await call(`/stac/collections/${target.projectId}/items/${ingested.dataProductId}`, { token: target.user.token }),
      200,
    );
    expect(item.properties).toMatchObject({ datetime: '2024-06-02T10:00:00Z', 'survey:site': 'test site' });
  });

  it('a job calls back the configured public URL, whatever Host header its request carried', async () => {
    // fetch() drops a Host header; node:http sends it as given, and wrangler dev passes it on.
    const body = JSON.stringify({ key: uploaded.key, flight: target.flightId });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpRequest(
        `${baseUrl}/ingest`,
        {
          method: 'POST',
          headers: {
            host: 'attacker.invalid:9',
            authorization: `Bearer ${target.user.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    expect(answer.status, answer.text).toBe(202);
    const done = await waitFor((JSON.parse(answer.text) as JobView).id, target.user, finished);
    // Had the converter been sent to attacker.invalid, its first fetch would have failed.
    expect(done.state, done.log.join('\n')).toBe('succeeded');
    expect(done.attempts).toBe(1);
  });

  it('reprojects on request: a COG in EPSG:3857 with the same footprint', async () => {
    const queued = await json<JobView>(
      await call('/ingest', {
        token: target.user.token,
        json: { key: uploaded.key, flight: target.flightId, crs: 'EPSG:3857' },
      }),
      202,
    );
    const done = await waitFor(queued.id, target.user, finished);
    expect(done.state, done.log.join('\n')).toBe('succeeded');
    expect(done.log.some((line) => line.startsWith('$ gdalwarp -of COG -t_srs EPSG:3857'))).toBe(true);
    // Readers see GDAL's commands and words, not the converter's file system (issue 18).
    expect(done.log.some((line) => line.includes('<work>/source.tif'))).toBe(true);
    expect(done.log.join('\n')).not.toMatch(/edge-tiles-converter|\/tmp\/|\.dev\//);
    const product = await json<{ crs: string; footprint: { coordinates: number[][][][] } }>(
      await call(`/data-products/${done.dataProductId}`, { token: target.user.token }),
      200,
    );
    expect(product.crs).toBe('EPSG:3857');
    await download(`/data-products/${done.dataProductId}/file`, target.user, `${WORK}/mercator.tif`);
    const info = gdalJson<{
      stac: { 'proj:epsg': number };
      metadata: { IMAGE_STRUCTURE: Record<string, string> };
      bands: Array<{ noDataValue?: number }>;
    }>('gdalinfo', ['-json', '-mdd', 'all', `${WORK}/mercator.tif`]);
    expect(info.stac['proj:epsg']).toBe(3857);
    expect(info.metadata.IMAGE_STRUCTURE.LAYOUT).toBe('COG');
    // The source's nodata (0) marks the area outside it once reprojected.
    expect(info.bands.map((b) => b.noDataValue)).toEqual([0, 0, 0]);
    const source = gdalJson<{ wgs84Extent: { coordinates: number[][][] } }>('gdalinfo', [
      '-json',
      `${FIXTURES}/raw/RGB.byte.tif`,
    ]);
    const xs = (ring: number[][]) => ring.map((p) => p[0]!);
    expect(Math.min(...xs(product.footprint.coordinates[0]![0]!))).toBeCloseTo(
      Math.min(...xs(source.wgs84Extent.coordinates[0]!)),
      2,
    );
  });

  it('lists the jobs of one’s own projects, newest first, page by page', async () => {
    type Page = {
      jobs: Array<{ id: string; project_id: string; state: string; created_at: string }>;
      links: Array<{ rel: string; href: string }>;
    };
    const all = await json<Page>(await call('/jobs?limit=100', { token: target.user.token }), 200);
    expect(all.jobs.length).toBeGreaterThanOrEqual(3);
    expect(all.jobs.every((j) => j.project_id === target.projectId)).toBe(true);
    expect(all.jobs.map((j) => j.id)).toContain(uploaded.jobId);
    const times = all.jobs.map((j) => Date.parse(j.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const seen: string[] = [];
    let next: string | undefined = `${baseUrl}/jobs?limit=1`;
    while (next) {
      const page: Page = await json<Page>(await fetch(next, { headers: auth(target.user) }), 200);
      seen.push(...page.jobs.map((j) => j.id));
      next = page.links.find((l) => l.rel === 'next')?.href;
    }
    expect(seen).toEqual(all.jobs.map((j) => j.id));
    const stranger = await newUser('jobs-lister');
    expect((await json<Page>(await call('/jobs', { token: stranger.token }), 200)).jobs).toEqual([]);
    await problem(await call(`/jobs?project=${target.projectId}`, { token: stranger.token }), 404);
    const failedOnes = await json<Page>(
      await call(`/jobs?project=${target.projectId}&state=failed`, { token: target.user.token }),
      200,
    );
    expect(failedOnes.jobs.every((j) => j.state === 'failed')).toBe(true);
  });

  it('refuses what it cannot or may not do', async () => {
    const stranger = await newUser('jobs-stranger');
    await problem(await call(`/jobs/${uploaded.jobId}`, { token: stranger.token }), 404, 'not-found');
    await problem(await call(`/jobs/${uploaded.jobId}`), 404, 'not-found');
    await problem(await call(`/jobs/${uploaded.jobId}/cancel`, { token: stranger.token, method: 'POST' }), 404);
    await problem(
      await call(`/jobs/${uploaded.jobId}/cancel`, { token: target.user.token, method: 'POST' }),
      409,
      'conflict',
    );
    await problem(await call('/jobs/not-a-job', { token: target.user.token }), 404);
    await problem(await call('/jobs?cursor=bm9wZQ', { token: target.user.token }), 400);
    await problem(await call('/jobs'), 401);
    const ingest = (body: unknown, token = target.user.token) => call('/ingest', { token, json: body });
    await problem(await ingest({ key: 'elsewhere/file.tif', flight: target.flightId }), 400);
    await problem(await ingest({ key: `projects/${target.projectId}/../x/file.tif`, flight: target.flightId }), 400);
    await problem(await ingest({ key: `projects/${target.projectId}/missing.tif`, flight: target.flightId }), 404);
    await problem(await ingest({ key: `projects/${target.projectId}/notes.txt`, flight: target.flightId }), 400);
    await problem(await ingest({ key: uploaded.key, flight: target.flightId }, stranger.token), 404);
    await problem(await ingest({ key: uploaded.key }), 400);
    await problem(await ingest({ key: uploaded.key, flight: target.flightId, crs: 'EPSG:3857; rm -rf /' }), 400);
    await problem(
      await ingest({ key: uploaded.key, flight: target.flightId, properties: { datetime: 'yesterday' } }),
      400,
    );
    await problem(
      await call('/ingest', {
        token: target.user.token,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"key": ',
      }),
      400,
    );
    // Point clouds: refused at upload time, before any byte is sent.
    const refused = await fetch(`${baseUrl}/uploads`, {
      method: 'POST',
      headers: {
        ...auth(target.user),
        'tus-resumable': '1.0.0',
        'upload-length': '100',
        'upload-metadata': Object.entries({
          project: target.projectId,
          flight: target.flightId,
          type: 'point_cloud',
          filename: 'cloud.laz',
        })
          .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
          .join(','),
      },
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/not supported yet/);
  });
});

describe('vector files → PostGIS layers', () => {
  let target: Target;
  beforeAll(async () => {
    target = await newTarget('vector');
  });

  /** Features as GDAL reads them from the file, reprojected to EPSG:4326. */
  const reference = (source: string, openOptions: string[]) =>
    gdalJson<{ features: Array<{ geometry: { coordinates: unknown } }> }>('ogr2ogr', [
      '-f',
      'GeoJSON',
      '-t_srs',
      'EPSG:4326',
      ...openOptions,
      '/vsistdout/',
      source,
    ]);
  type Coordinates = number | Coordinates[];
  const firstPosition = (coordinates: unknown): number[] => {
    const nested = coordinates as Coordinates[];
    return Array.isArray(nested[0]) ? firstPosition(nested[0]) : (nested as number[]);
  };

  async function convert(file: string, source: string, expectedLayer: string, openOptions: string[] = []) {
    const uploaded = await upload(target, file, 'vector');
    const done = await waitFor(uploaded.jobId!, target.user, finished);
    expect(done.state, done.log.join('\n')).toBe('succeeded');
    const expected = reference(source, openOptions);
    expect(done.result!.layers).toEqual([
      { id: expect.any(String), name: expectedLayer, featureCount: expected.features.length },
    ]);
    const layerId = done.result!.layers![0]!.id;
    const tilejson = await json<{ vector_layers: Array<{ id: string }> }>(
      await call(`/vector/${layerId}.json`, { token: target.user.token }),
      200,
    );
    expect(tilejson.vector_layers.map((l) => l.id)).toEqual([expectedLayer]);
    const items = await json<{ numberMatched: number; features: Array<{ geometry: { coordinates: unknown } }> }>(
      await call(`/features/collections/${layerId}/items?limit=1000`, { token: target.user.token }),
      200,
    );
    expect(items.numberMatched).toBe(expected.features.length);
    const [x, y] = firstPosition(items.features[0]!.geometry.coordinates);
    const [ex, ey] = firstPosition(expected.features[0]!.geometry.coordinates);
    expect(x).toBeCloseTo(ex!, 6);
    expect(y).toBeCloseTo(ey!, 6);
    return { uploaded, layerId, count: expected.features.length };
  }

  it('us-states.geojson: 52 states, Alabama among them, density a number', async () => {
    const { layerId, count } = await convert(
      `${FIXTURES}/vector/us-states.geojson`,
      `${FIXTURES}/vector/us-states.geojson`,
      'us-states',
    );
    expect(count).toBe(52);
    // The tile over Alabama (z4) carries it.
    const tile = await call(`/vector/${layerId}/4/4/6.mvt`, { token: target.user.token });
    expect(tile.status).toBe(200);
    const decoded = new VectorTile(new PbfReader(new Uint8Array(await tile.arrayBuffer())));
    const layer = decoded.layers['us-states']!;
    const names = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties.name);
    expect(names).toContain('Alabama');
    const dense = await json<{ numberMatched: number }>(
      await call(`/features/collections/${layerId}/items?filter=${encodeURIComponent('density > 100')}`, {
        token: target.user.token,
      }),
      200,
    );
    const source = JSON.parse(readFileSync(`${FIXTURES}/vector/us-states.geojson`, 'utf8')) as {
      features: Array<{ properties: { density: number } }>;
    };
    expect(dense.numberMatched).toBe(source.features.filter((f) => f.properties.density > 100).length);
  });

  it('a zipped Shapefile (box.shp), reprojected to longitude/latitude', async () => {
    execFileSync('zip', [
      '-q',
      '-j',
      `${WORK}/box.zip`,
      ...['shp', 'shx', 'dbf', 'prj'].map((e) => `${FIXTURES}/vector/box.${e}`),
    ]);
    await convert(`${WORK}/box.zip`, `/vsizip/${WORK}/box.zip`, 'box');
  });

  it('a CSV with longitude/latitude columns, its other columns kept as typed attributes', async () => {
    writeFileSync(`${WORK}/stations.csv`, 'name,lon,lat,depth\nA,-73.5,45.5,1.5\nB,-73.6,45.6,2\nC,-73.7,45.7,30\n');
    const { layerId, count } = await convert(`${WORK}/stations.csv`, `${WORK}/stations.csv`, 'stations', [
      '-oo',
      'X_POSSIBLE_NAMES=lon',
      '-oo',
      'Y_POSSIBLE_NAMES=lat',
      '-s_srs',
      'EPSG:4326',
    ]);
    expect(count).toBe(3);
    const deep = await json<{ features: Array<{ properties: Record<string, unknown> }> }>(
      await call(`/features/collections/${layerId}/items?filter=${encodeURIComponent('depth > 2')}`, {
        token: target.user.token,
      }),
      200,
    );
    expect(deep.features.map((f) => f.properties)).toEqual([{ name: 'C', depth: 30 }]);
  });

  it('a GeoPackage made here by ogr2ogr, and a re-run replaces its features rather than adding to them', async () => {
    execFileSync('ogr2ogr', [
      '-f',
      'GPKG',
      '-nln',
      'parcels',
      `${WORK}/parcels.gpkg`,
      `${FIXTURES}/vector/parcels.geojson`,
    ]);
    const { uploaded, layerId, count } = await convert(`${WORK}/parcels.gpkg`, `${WORK}/parcels.gpkg`, 'parcels');
    await json(await call(`/jobs/${uploaded.jobId}/retry`, { token: target.user.token, method: 'POST' }), 200);
    expect((await waitFor(uploaded.jobId!, target.user, finished)).state).toBe('succeeded');
    const rows = await query<{ layers: number; features: number }>(
      'SELECT count(DISTINCT l.id)::int AS layers, count(f.id)::int AS features FROM vector_layers l JOIN ' +
        'vector_features f ON f.layer_id = l.id WHERE l.data_product_id = $1',
      [uploaded.dataProductId],
    );
    expect(rows[0]).toEqual({ layers: 1, features: count });
    // Each attempt's staging schema is gone once it has been loaded.
    const staging = await query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE $1`, [
      `staging\\_${uploaded.jobId!.replace(/-/g, '').slice(0, 20)}%`,
    ]);
    expect(staging[0]!.n).toBe(0);
    expect(
      (
        await json<{ numberMatched: number }>(
          await call(`/features/collections/${layerId}/items`, { token: target.user.token }),
          200,
        )
      ).numberMatched,
    ).toBe(count);
  });
});

describe('PMTiles archives', () => {
  let target: Target;
  beforeAll(async () => {
    target = await newTarget('pmtiles');
  });

  it('a valid archive is checked and registered: its footprint is its bounds, and its tiles are served', async () => {
    const uploaded = await upload(target, `${FIXTURES}/pmtiles/stamen_toner_z3.pmtiles`, 'pmtiles');
    const done = await waitFor(uploaded.jobId!, target.user, finished);
    expect(done).toMatchObject({ kind: 'pmtiles', state: 'succeeded', attempts: 1 });
    const header = await new PMTiles(new DiskSource(`${FIXTURES}/pmtiles/stamen_toner_z3.pmtiles`)).getHeader();
    const product = await json<{ status: string; footprint: { coordinates: number[][][][] } }>(
      await call(`/data-products/${uploaded.dataProductId}`, { token: target.user.token }),
      200,
    );
    expect(product.status).toBe('ready');
    const ring = product.footprint.coordinates[0]![0]!;
    expect(Math.min(...ring.map((p) => p[0]!))).toBeCloseTo(header.minLon, 6);
    expect(Math.max(...ring.map((p) => p[1]!))).toBeCloseTo(header.maxLat, 6);
    const tile = await call(`/pmtiles/${uploaded.dataProductId}/1/0/0.png`, { token: target.user.token });
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
  });

  it('a malformed archive fails for good, with the reader’s reason', async () => {
    const uploaded = await upload(target, `${FIXTURES}/pmtiles/invalid.pmtiles`, 'pmtiles');
    const failed = await waitFor(uploaded.jobId!, target.user, finished);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
    expect(failed.error).toMatch(/not a readable PMTiles v3 archive/);
  });
});

describe('faults', () => {
  let target: Target;
  let big: string;
  beforeAll(async () => {
    target = await newTarget('faults');
    big = bigTiff();
  });

  it('a corrupt TIFF fails with GDAL’s message in the log, and the upload is kept', async () => {
    const truncated = `${WORK}/truncated.tif`;
    const original = readFileSync(`${FIXTURES}/raw/RGB.byte.tif`);
    writeFileSync(truncated, original.subarray(0, Math.floor(original.length * 0.4)));
    const uploaded = await upload(target, truncated, 'ortho');
    const failed = await waitFor(uploaded.jobId!, target.user, finished);
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatch(/^(gdalinfo|gdal_translate) failed: ERROR \d+: .*TIFF/);
    expect(failed.log.some((line) => /ERROR \d+:/.test(line))).toBe(true);
    const product = await json<{ status: string; r2_key: string }>(
      await call(`/data-products/${uploaded.dataProductId}`, { token: target.user.token }),
      200,
    );
    expect(product).toMatchObject({ status: 'failed', r2_key: uploaded.key });
    const kept = await download(`/data-products/${uploaded.dataProductId}/file`, target.user, `${WORK}/kept.tif`);
    expect(kept.equals(readFileSync(truncated))).toBe(true);
  });

  it('the converter killed mid-job: the job is retried and succeeds, with one product, one item and multipart outputs', async () => {
    const uploaded = await upload(target, big, 'ortho');
    // Listening from the start: the stream follows the job through the retry to its end.
    const streamed = events(uploaded.jobId!, target.user);
    await waitFor(uploaded.jobId!, target.user, (j) => /gdal_translate/.test(j.message) || finished(j));
    const { pid } = (await (await fetch(`${converterUrl}/health`)).json()) as { pid: number };
    process.kill(pid, 'SIGKILL');
    const done = await waitFor(uploaded.jobId!, target.user, finished, baseUrl, 240_000);
    expect(done.state, done.log.join('\n')).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.log.some((line) => /attempt 1 failed/.test(line))).toBe(true);
    const states = (await streamed).filter((e) => e.type === 'state').map((e) => `${e.state}@${e.attempt}`);
    expect(states).toEqual(['queued@0', 'running@1', 'queued@1', 'running@2', 'succeeded@2']);
    const [rows] = await query<{ products: number; items: number }>(
      `SELECT (SELECT count(*)::int FROM data_products WHERE id = $1) AS products, (SELECT count(*)::int FROM stac_items WHERE data_product_id = $1) AS items`,
      [uploaded.dataProductId],
    );
    expect(rows).toEqual({ products: 1, items: 1 });
    await download(`/data-products/${uploaded.dataProductId}/file`, target.user, `${WORK}/big-out.tif`);
    const info = gdalJson<{ size: number[]; metadata: { IMAGE_STRUCTURE: Record<string, string> } }>('gdalinfo', [
      '-json',
      '-mdd',
      'all',
      `${WORK}/big-out.tif`,
    ]);
    expect(info.metadata.IMAGE_STRUCTURE.LAYOUT).toBe('COG');
    expect(info.size).toEqual(gdalJson<{ size: number[] }>('gdalinfo', ['-json', big]).size);
  }, 300_000);

  it('cancelling a running job stops its GDAL process, and it stays cancelled', async () => {
    const uploaded = await upload(target, big, 'ortho');
    await waitFor(uploaded.jobId!, target.user, (j) => /gdal_translate/.test(j.message) || finished(j));
    expect(gdalRunning(uploaded.jobId!)).toBe(true);
    const cancelled = await json<JobView>(
      await call(`/jobs/${uploaded.jobId}/cancel`, { token: target.user.token, method: 'POST' }),
      200,
    );
    expect(cancelled.state).toBe('cancelled');
    const run = await fetch(`${converterUrl}/runs/${uploaded.jobId}`, {
      headers: { authorization: `Bearer ${converterSecret()}` },
    });
    expect(((await run.json()) as { state: string }).state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 3000));
    expect(gdalRunning(uploaded.jobId!)).toBe(false);
    expect((await job(uploaded.jobId!, target.user)).state).toBe('cancelled');
    const stream = await events(uploaded.jobId!, target.user);
    expect(stream.at(-1)).toMatchObject({ type: 'state', state: 'cancelled' });
  }, 120_000);

  describe('wrangler dev restarted mid-job', () => {
    const server = new OwnWorker('jobs-test');
    beforeAll(() => server.start(), 180_000);
    afterAll(() => server.stop());

    it('the job’s state survives and the job finishes', async () => {
      const uploaded = await upload(target, big, 'ortho', server.baseUrl);
      const running = await waitFor(
        uploaded.jobId!,
        target.user,
        (j) => /gdal_translate/.test(j.message) || finished(j),
        server.baseUrl,
      );
      expect(running.state).toBe('running');
      await server.crash();
      await server.start();
      const after = await job(uploaded.jobId!, target.user, server.baseUrl);
      expect(after.id).toBe(uploaded.jobId);
      expect(['running', 'queued', 'succeeded']).toContain(after.state);
      expect(after.attempts).toBeGreaterThanOrEqual(1);
      const done = await waitFor(uploaded.jobId!, target.user, finished, server.baseUrl, 240_000);
      expect(done.state, done.log.join('\n')).toBe('succeeded');
      const [rows] = await query<{ products: number; items: number; status: string }>(
        `SELECT (SELECT count(*)::int FROM data_products WHERE id = $1) AS products, (SELECT count(*)::int FROM stac_items WHERE data_product_id = $1) AS items,
          (SELECT status::text FROM data_products WHERE id = $1) AS status`,
        [uploaded.dataProductId],
      );
      expect(rows).toEqual({ products: 1, items: 1, status: 'ready' });
    }, 300_000);
  });
});

describe('the converter’s container entry point', () => {
  it('bundles into the one file the Dockerfile runs, which serves and guards its API', async () => {
    const out = `${WORK}/bundle/server.mjs`;
    execFileSync('node', [`${ROOT}containers/converter/bundle.mjs`, out]);
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const server = spawn('node', [out], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        CONVERTER_SECRET: 'bundle-test',
        DATABASE_URL: databaseUrl(),
      },
      stdio: 'ignore',
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url);
      expect((await fetch(`${url}/runs/${crypto.randomUUID()}`)).status).toBe(401);
      expect(
        (await fetch(`${url}/runs/${crypto.randomUUID()}`, { headers: { authorization: 'Bearer bundle-test' } }))
          .status,
      ).toBe(404);
      const refused = await fetch(`${url}/runs`, {
        method: 'POST',
        headers: { authorization: 'Bearer bundle-test' },
        body: '{"jobId": "x"}',
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      server.kill();
    }
  });
});
