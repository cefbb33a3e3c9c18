import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnWorker } from './own-worker';
import { baseUrl, call, databaseUrl, json, newUser, problem, type TestUser } from './helpers';

const MiB = 1024 * 1024;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha = (algorithm: 'sha1' | 'sha256', data: Uint8Array, encoding: 'base64' | 'hex' = 'base64') =>
  createHash(algorithm).update(data).digest(encoding);

interface Target {
  projectId: string;
  flightId: string;
  auth: Record<string, string>;
}

async function uploadCount(projectId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return Number(
      (await client.query('SELECT count(*) AS n FROM uploads WHERE project_id = $1', [projectId])).rows[0].n,
    );
  } finally {
    await client.end();
  }
}

function metadata(target: Target, filename = 'scene.bin', type = 'raw'): string {
  return `project ${b64(target.projectId)},flight ${b64(target.flightId)},type ${b64(type)},filename ${b64(filename)}`;
}

/** POST /uploads by hand (the protocol tests need exact headers). */
async function create(
  target: Target,
  length: number,
  headers: Record<string, string> = {},
  base = baseUrl,
): Promise<Response> {
  return fetch(`${base}/uploads`, {
    method: 'POST',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': String(length),
      'upload-metadata': metadata(target),
      ...target.auth,
      ...headers,
    },
  });
}

function patch(
  url: string,
  target: Target,
  offset: number,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      ...target.auth,
      ...headers,
    },
    body,
  });
}

const head = (url: string, target: Target) =>
  fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', ...target.auth } });

/** The finished upload's file, read back through the API, hashed. */
async function storedSha256(url: string, target: Target, base = baseUrl): Promise<string> {
  const status = await json<{ state: string; dataProductId: string }>(
    await fetch(url, { headers: { accept: 'application/json', ...target.auth } }),
    200,
  );
  expect(status.state).toBe('completed');
  const response = await fetch(`${base}/data-products/${status.dataProductId}/file`, { headers: target.auth });
  expect(response.status).toBe(200);
  const hash = createHash('sha256');
  for await (const chunk of response.body!) hash.update(chunk as Uint8Array);
  return hash.digest('hex');
}

describe('tus uploads', () => {
  let owner: TestUser;
  let target: Target;

  beforeAll(async () => {
    owner = await newUser('uploader');
    const projectId = (
      await json<{ id: string }>(await call('/projects', { token: owner.token, json: { title: 'Uploads' } }), 201)
    ).id;
    const flightId = (
      await json<{ id: string }>(
        await call(`/projects/${projectId}/flights`, {
          token: owner.token,
          json: { acquisition_date: '2025-05-01', name: 'Field day' },
        }),
        201,
      )
    ).id;
    target = { projectId, flightId, auth: { authorization: `Bearer ${owner.token}` } };
  });

  describe('protocol', () => {
    it('OPTIONS advertises version, extensions, maximum size and checksum algorithms', async () => {
      const response = await fetch(`${baseUrl}/uploads`, { method: 'OPTIONS' });
      expect(response.status).toBe(204);
      expect(response.headers.get('tus-version')).toBe('1.0.0');
      expect(response.headers.get('tus-extension')!.split(',')).toEqual(
        expect.arrayContaining([
          'creation',
          'creation-with-upload',
          'creation-defer-length',
          'expiration',
          'checksum',
          'termination',
        ]),
      );
      expect(Number(response.headers.get('tus-max-size'))).toBeGreaterThan(0);
      expect(response.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256');
      const preflight = await fetch(`${baseUrl}/uploads/abc`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://uploader.example',
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'tus-resumable,upload-offset,upload-checksum',
        },
      });
      expect(preflight.headers.get('access-control-allow-headers')!.toLowerCase()).toContain('upload-offset');
    });

    it('answers each protocol error with its status and creates nothing', async () => {
      const before = await uploadCount(target.projectId);
      const stranger = await newUser('not-a-member');
      const version = await create(target, 10, { 'tus-resumable': '0.2.2' });
      expect(version.status).toBe(412);
      expect(version.headers.get('tus-version')).toBe('1.0.0');
      await problem(await create(target, 200 * 1024 ** 3), 413);
      await problem(await create({ ...target, auth: {} }, 10), 401);
      // A private project is 404 to strangers, on writes too (issue 17): as if it did not exist.
      await problem(
        await create({ ...target, auth: { authorization: `Bearer ${stranger.token}` } }, 10),
        404,
        'not-found',
      );
      await problem(await create(target, 10, { 'upload-metadata': metadata(target, 'scene.zip', 'ortho') }), 415);
      await problem(await create(target, 10, { 'upload-metadata': `project ${b64(target.projectId)}` }), 400);
      const wrongType = await fetch(`${baseUrl}/uploads`, {
        method: 'POST',
        headers: {
          'tus-resumable': '1.0.0',
          'upload-length': '3',
          'upload-metadata': metadata(target),
          'content-type': 'text/plain',
          ...target.auth,
        },
        body: 'abc',
      });
      await problem(wrongType, 415);
      expect(await uploadCount(target.projectId)).toBe(before);
    });

    it('PATCH: content type, offset and checksum are checked; a failed chunk changes nothing', async () => {
      const data = randomBytes(64 * 1024);
      const created = await create(target, data.length);
      expect(created.status).toBe(201);
      expect(created.headers.get('upload-expires')).toBeTruthy();
      const url = created.headers.get('location')!;
      await problem(await patch(url, target, 0, data, { 'content-type': 'application/octet-stream' }), 415);
      await problem(await patch(url, target, 5, data), 409);
      const mismatch = await patch(url, target, 0, data, { 'upload-checksum': `sha1 ${sha('sha1', randomBytes(8))}` });
      expect(mismatch.status).toBe(460);
      await problem(await patch(url, target, 0, data, { 'upload-checksum': `md5 ${sha('sha1', data)}` }), 400);
      await problem(await patch(url, target, 0, data, { 'tus-resumable': '2.0.0' }), 412);
      const status = await head(url, target);
      expect(status.status).toBe(200);
      expect(status.headers.get('upload-offset')).toBe('0');
      expect(status.headers.get('cache-control')).toBe('no-store');
      const first = await patch(url, target, 0, data.subarray(0, 1000), {
        'upload-checksum': `sha1 ${sha('sha1', data.subarray(0, 1000))}`,
      });
      expect(first.status).toBe(204);
      expect(first.headers.get('upload-offset')).toBe('1000');
      const rest = await patch(url, target, 1000, data.subarray(1000), {
        'upload-checksum': `sha256 ${sha('sha256', data.subarray(1000))}`,
      });
      expect(rest.status).toBe(204);
      expect(await storedSha256(url, target)).toBe(sha('sha256', data, 'hex'));
      const stranger = await newUser('peeker');
      expect((await head(url, { ...target, auth: { authorization: `Bearer ${stranger.token}` } })).status).toBe(404);
    });

    it('two concurrent PATCHes at one offset: one wins, the bytes stay intact', async () => {
      const data = randomBytes(24 * MiB);
      const url = (await create(target, data.length)).headers.get('location')!;
      const rival = randomBytes(24 * MiB);
      const [a, b] = await Promise.all([patch(url, target, 0, data), patch(url, target, 0, rival)]);
      const statuses = [a.status, b.status].sort();
      expect(statuses[0]).toBe(204);
      expect([409, 423]).toContain(statuses[1]);
      const winner = a.status === 204 ? data : rival;
      expect(await storedSha256(url, target)).toBe(sha('sha256', winner, 'hex'));
    });

    it('creation-defer-length, and termination', async () => {
      const deferred = await fetch(`${baseUrl}/uploads`, {
        method: 'POST',
        headers: {
          'tus-resumable': '1.0.0',
          'upload-defer-length': '1',
          'upload-metadata': metadata(target),
          ...target.auth,
        },
      });
      expect(deferred.status).toBe(201);
      const url = deferred.headers.get('location')!;
      expect((await head(url, target)).headers.get('upload-defer-length')).toBe('1');
      const data = randomBytes(3000);
      expect((await patch(url, target, 0, data.subarray(0, 1000))).status).toBe(204);
      expect((await patch(url, target, 1000, data.subarray(1000), { 'upload-length': '3000' })).status).toBe(204);
      expect(await storedSha256(url, target)).toBe(sha('sha256', data, 'hex'));

      // creation-with-upload whose chunk is refused: the upload still exists, at offset 0.
      const refused = await fetch(`${baseUrl}/uploads`, {
        method: 'POST',
        headers: {
          'tus-resumable': '1.0.0',
          'upload-length': '100',
          'upload-metadata': metadata(target),
          'content-type': 'application/offset+octet-stream',
          'upload-checksum': `sha1 ${sha('sha1', randomBytes(4))}`,
          ...target.auth,
        },
        body: randomBytes(100),
      });
      expect(refused.status).toBe(201);
      expect(refused.headers.get('upload-offset')).toBe('0');

      const doomed = (await create(target, 5000)).headers.get('location')!;
      expect((await patch(doomed, target, 0, randomBytes(100))).status).toBe(204);
      const deleted = await fetch(doomed, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', ...target.auth } });
      expect(deleted.status).toBe(204);
      expect((await head(doomed, target)).status).toBe(404);
      await problem(await patch(doomed, target, 100, randomBytes(10)), 404);
    });

    it('completion records the upload and its data product, and starts its job', async () => {
      const data = randomBytes(1234);
      const url = (
        await create(target, data.length, {
          'upload-metadata': `${metadata(target, 'ortho.tif', 'ortho')},checksum ${b64(`sha256 ${sha('sha256', data)}`)}`,
        })
      ).headers.get('location')!;
      expect((await patch(url, target, 0, data)).status).toBe(204);
      const status = await json<{
        state: string;
        dataProductId: string;
        jobId: string;
        offset: number;
        length: number;
      }>(await fetch(url, { headers: { accept: 'application/json', ...target.auth } }), 200);
      expect(status).toMatchObject({ state: 'completed', offset: 1234, length: 1234 });
      const product = await json<{ type: string; status: string; r2_key: string; filename: string }>(
        await call(`/data-products/${status.dataProductId}`, { token: owner.token }),
        200,
      );
      expect(product).toMatchObject({ type: 'ortho', filename: 'ortho.tif' });
      expect(product.r2_key).toBe(`projects/${target.projectId}/uploads/${url.split('/').pop()}/ortho.tif`);
      // Random bytes are no GeoTIFF: the job that started fails on GDAL's word, for good.
      let job: { state: string; kind: string; upload_id: string; error: string | null } | undefined;
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      for (let tries = 0; tries < 150 && !['failed', 'succeeded'].includes(job?.state ?? ''); tries++) {
        await new Promise((r) => setTimeout(r, 200));
        job = (await client.query('SELECT state, kind, upload_id, error FROM jobs WHERE id = $1', [status.jobId]))
          .rows[0];
      }
      const upload = (
        await client.query('SELECT state, data_product_id FROM uploads WHERE id = $1', [url.split('/').pop()])
      ).rows[0];
      await client.end();
      expect(job).toMatchObject({ state: 'failed', kind: 'raster', upload_id: url.split('/').pop() });
      expect(job!.error).toMatch(/gdalinfo failed: .*not recognized as a supported file format/);
      expect(upload).toMatchObject({ state: 'completed', data_product_id: status.dataProductId });

      // A whole-file checksum that does not match fails the upload and keeps no file.
      const wrong = (
        await create(target, data.length, {
          'upload-metadata': `${metadata(target)},checksum ${b64(`sha256 ${sha('sha256', randomBytes(4))}`)}`,
        })
      ).headers.get('location')!;
      expect((await patch(wrong, target, 0, data)).status).toBe(204);
      const failed = await json<{ state: string; error: string }>(
        await fetch(wrong, { headers: { accept: 'application/json', ...target.auth } }),
        200,
      );
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatch(/sha256/);
    });
  });

  /**
   * The real client through crashes: its own `wrangler dev` (killed with SIGKILL mid-upload and
   * started again on the same state), a 1 GiB random file, and the stored object's SHA-256.
   */
  describe('resuming across a crash of the server', () => {
    // Its own server, with a short expiry so that expiry can be watched too.
    const server = new OwnWorker('upload-test', { UPLOAD_EXPIRY_SECONDS: '40' });
    let file: Buffer;
    let fileSha: string;
    const GiB = 1024 * MiB;

    beforeAll(async () => {
      await server.start();
      file = randomBytes(GiB);
      fileSha = sha('sha256', file, 'hex');
    }, 180_000);

    afterAll(() => server.stop());

    async function crashAndResume(chunkSize: number, withCreation: boolean): Promise<void> {
      const common = {
        endpoint: `${server.baseUrl}/uploads`,
        chunkSize,
        headers: target.auth,
        uploadDataDuringCreation: withCreation,
        metadata: { project: target.projectId, flight: target.flightId, type: 'raw', filename: `big-${chunkSize}.bin` },
        // The client's own policy: a request on a keep-alive socket the server closed is retried.
        retryDelays: [0, 1000, 3000],
      };
      let url = '';
      await new Promise<void>((resolve, reject) => {
        let crashed = false;
        const upload = new tus.Upload(file, {
          ...common,
          onError: (error) => (crashed ? undefined : reject(error)),
          onSuccess: () => reject(new Error('finished before the crash')),
          onProgress: (sent, total) => {
            if (crashed || sent < total * 0.35) return;
            crashed = true;
            url = upload.url!;
            upload
              .abort()
              .then(() => server.crash())
              .then(resolve, reject);
          },
        });
        upload.start();
      });
      await server.start();
      const resumedAt = Number((await head(url, { ...target })).headers.get('upload-offset'));
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBeLessThan(file.length);
      await new Promise<void>((resolve, reject) => {
        new tus.Upload(file, { ...common, uploadUrl: url, onError: reject, onSuccess: () => resolve() }).start();
      });
      expect(await storedSha256(url, target, server.baseUrl)).toBe(fileSha);
    }

    it('1 GiB in chunks of 5 MiB + 17 bytes', () => crashAndResume(5 * MiB + 17, false), 600_000);
    it('1 GiB in chunks of 1 MiB', () => crashAndResume(MiB, false), 600_000);
    it('1 GiB in chunks of 64 MiB', () => crashAndResume(64 * MiB, false), 600_000);
    it('1 GiB with creation-with-upload (chunks of 8 MiB)', () => crashAndResume(8 * MiB, true), 600_000);

    it('an idle upload expires (410), with nothing left of it', async () => {
      const started = await server.resend(() => create(target, 10 * MiB, {}, server.baseUrl));
      expect(started.status, await started.text()).toBe(201);
      const url = started.headers.get('location')!;
      expect((await patch(url, target, 0, randomBytes(6 * MiB))).status).toBe(204);
      const expires = Date.parse((await head(url, target)).headers.get('upload-expires')!);
      await new Promise((r) => setTimeout(r, expires - Date.now() + 3000));
      expect((await head(url, target)).status).toBe(410);
      await problem(await patch(url, target, 6 * MiB, randomBytes(10)), 410);
      const status = await fetch(url, { headers: { accept: 'application/json', ...target.auth } });
      expect(status.status).toBe(410);
    }, 120_000);
  });
});
