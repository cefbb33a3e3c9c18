import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { jobState } from '../platform/db/schema';
import {
  createRouter,
  errors,
  jsonBody,
  jsonResponse,
  bearerSecurity,
  ProblemSchema,
  UuidParam,
} from '../platform/http/openapi';
import { ApiError, failed } from '../platform/http/problem';
import type { Outcome } from '../platform/errors';
import { COG_COMPRESSIONS } from './protocol';
import { drain } from '../platform/http/drain';
import { serveObject } from '../platform/http/object-response';
import { isUuid, requireProjectRole, type ProjectRole } from '../platform/auth/access';
import { signingKeys } from '../platform/auth/signing-keys';
import { TokenError, verifyResourceToken } from '../platform/auth/tokens';
import { JOB_KIND_NAMES, JOB_PRODUCT_TYPES, jobKindFor } from './kinds';
import { listJobs } from './store';
import { ingest } from './ingest';
import { jobEventStream } from './events';
import { isPlainKey, projectOfKey } from '../platform/auth/grants';
import { productTypeOf } from '../engines/tus/protocol';
import { jobIoScope } from './io';
import { MAX_REQUEST_BODY, publicBaseUrl } from '../platform/config';
import type { JobView } from '../../durable-objects/job';
import { findFlight } from '../flights/store';
import { requireCollectionWrite } from '../catalog/collection-access';

const router = createRouter();

const JobSchema = z
  .object({
    id: z.string().uuid(),
    kind: z.enum(JOB_KIND_NAMES),
    state: z.enum(jobState.enumValues),
    progress: z.number().openapi({ description: '0–100' }),
    message: z.string(),
    attempts: z.number().int(),
    log: z.array(z.string()).openapi({ description: 'The last lines of each step, GDAL’s stderr included' }),
    result: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'What was made: dataProductId, R2 keys, layers, STAC item, seconds per phase' }),
    error: z.string().nullable(),
    projectId: z.string().uuid(),
    dataProductId: z.string().uuid(),
    uploadId: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('Job');

const JobParams = z.object({ jobId: UuidParam });

const stub = (c: Context<AppEnv>, id: string) => c.env.JOBS.get(c.env.JOBS.idFromName(id));

/** The job, if the caller has `minimum` on its project; a job one cannot read does not exist for them. */
async function authorizedJob(c: Context<AppEnv>, id: string, minimum: ProjectRole): Promise<JobView> {
  const job = isUuid(id) ? await stub(c, id).status() : null;
  if (!job) throw new ApiError(404, 'not-found', 'Job not found.');
  await requireProjectRole(c.var.db, c.var.principal, job.projectId, minimum, 'Job');
  return job;
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw failed(outcome);
}

router.openapi(
  createRoute({
    method: 'get',
    path: '/jobs/{jobId}',
    tags: ['jobs'],
    summary: 'A job: state, progress, attempts, log and result',
    security: bearerSecurity,
    request: { params: JobParams },
    responses: { 200: jsonResponse(JobSchema, 'The job'), ...errors(401, 404) },
  }),
  async (c) =>
    c.json(await authorizedJob(c, c.req.valid('param').jobId, 'viewer'), 200, { 'cache-control': 'no-store' }),
);

const JobListQuery = z.object({
  project: z.string().uuid().optional(),
  state: z.enum(jobState.enumValues).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional().openapi({ description: 'From the `next` link' }),
});

const JobListSchema = z
  .object({
    jobs: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        state: z.string(),
        progress: z.number(),
        message: z.string(),
        attempts: z.number(),
        project_id: z.string().nullable(),
        data_product_id: z.string().nullable(),
        upload_id: z.string().nullable(),
        error: z.string().nullable(),
        created_at: z.string(),
        updated_at: z.string(),
      }),
    ),
    links: z.array(z.object({ rel: z.string(), href: z.string() })),
  })
  .openapi('JobList');

const decodeCursor = (cursor: string): [string, string] => {
  try {
    const [at, id] = JSON.parse(atob(cursor)) as [string, string];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && isUuid(id)) return [at, id];
  } catch {
    /* answered below */
  }
  throw new ApiError(400, 'bad-request', 'cursor is not one this API gave out.');
};

router.openapi(
  createRoute({
    method: 'get',
    path: '/jobs',
    tags: ['jobs'],
    summary: 'Jobs of the projects one can read, newest first (from the jobs table)',
    security: bearerSecurity,
    request: { query: JobListQuery },
    responses: { 200: jsonResponse(JobListSchema, 'A page of jobs'), ...errors(400, 401, 404) },
  }),
  async (c) => {
    const { project, state, limit, cursor } = c.req.valid('query');
    const principal = c.var.principal;
    if (!principal)
      throw new ApiError(401, 'unauthorized', 'Sign in to list jobs.', { headers: { 'www-authenticate': 'Bearer' } });
    if (project) await requireProjectRole(c.var.db, principal, project, 'viewer');
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await listJobs(c.var.db, principal, { project, state, after, limit });
    const page = rows.slice(0, limit);
    const links = [{ rel: 'self', href: c.req.url }];
    if (rows.length > limit) {
      const last = page.at(-1)!;
      const next = new URL(c.req.url);
      next.searchParams.set('cursor', btoa(JSON.stringify([last.created_at, last.id])));
      links.push({ rel: 'next', href: next.toString() });
    }
    return c.json({ jobs: page, links }, 200, { 'cache-control': 'no-store' });
  },
);

for (const action of ['cancel', 'retry'] as const) {
  router.openapi(
    createRoute({
      method: 'post',
      path: `/jobs/{jobId}/${action}`,
      tags: ['jobs'],
      security: bearerSecurity,
      summary:
        action === 'cancel'
          ? 'Cancel a queued or running job (its converter processes are killed)'
          : 'Run a finished job again (its outputs are replaced, never doubled)',
      request: { params: JobParams },
      responses: { 200: jsonResponse(JobSchema, 'The job'), ...errors(401, 403, 404, 409) },
    }),
    async (c) => {
      const { jobId } = c.req.valid('param');
      await authorizedJob(c, jobId, 'manager');
      const job = stub(c, jobId);
      return c.json(unwrap(action === 'cancel' ? await job.cancel() : await job.retry()), 200);
    },
  );
}

router.get('/jobs/:jobId/events', async (c) => {
  const jobId = c.req.param('jobId');
  const { projectId } = await authorizedJob(c, jobId, 'viewer');
  const resume = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0);
  const after = Number.isSafeInteger(resume) && resume > 0 ? resume : 0;
  const reader = { principal: c.var.principal, projectId };
  const events = jobEventStream(c.env, stub(c, jobId), reader, after, (work) => c.executionCtx.waitUntil(work));
  return new Response(events, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  });
});

const IngestBody = z
  .object({
    key: z
      .string()
      .min(1)
      .max(1024)
      .openapi({ description: 'An object already in the bucket, under projects/{projectId}/' }),
    flight: z.string().uuid().openapi({ description: 'The project’s flight the product belongs to' }),
    type: z.enum(JOB_PRODUCT_TYPES).optional().openapi({ description: 'Guessed from the file name when absent' }),
    collection: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .openapi({ description: 'STAC collection for the item (rasters); the project’s own when absent' }),
    properties: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Merged into the STAC item’s properties' }),
    compression: z.enum(COG_COMPRESSIONS).optional(),
    crs: z
      .string()
      .regex(/^EPSG:\d{4,6}$/)
      .optional()
      .openapi({ description: 'Reproject the COG to this CRS (rasters), e.g. EPSG:3857' }),
  })
  .openapi('Ingest');

router.openapi(
  createRoute({
    method: 'post',
    path: '/ingest',
    tags: ['jobs'],
    security: bearerSecurity,
    summary: 'Turn an object already in the bucket into a data product (io-data’s ingest): answers the job',
    request: { body: jsonBody(IngestBody) },
    responses: { 202: jsonResponse(JobSchema, 'Queued; Location is the job'), ...errors(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const projectId = isPlainKey(body.key) ? projectOfKey(body.key) : null;
    const filename = body.key.slice(body.key.lastIndexOf('/') + 1);
    if (!projectId || !filename)
      throw new ApiError(400, 'bad-request', 'key must be an object under projects/{projectId}/.');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    await findFlight(c.var.db, projectId, body.flight);
    const type = body.type ?? productTypeOf(filename);
    const kind = type ? jobKindFor(type) : null;
    if (!type || !kind)
      throw new ApiError(
        400,
        'bad-request',
        `Cannot tell what "${filename}" is: name its type (${JOB_PRODUCT_TYPES.join(', ')}).`,
      );
    if (body.collection) await requireCollectionWrite(c, body.collection, 'manager');
    if (body.properties && JSON.stringify(body.properties).length > 65_536)
      throw new ApiError(400, 'bad-request', 'properties are limited to 64 KiB.');
    const datetime = body.properties?.datetime;
    if (datetime !== undefined && (typeof datetime !== 'string' || Number.isNaN(Date.parse(datetime)))) {
      throw new ApiError(400, 'bad-request', 'properties.datetime must be an RFC 3339 date-time.');
    }
    if (!(await c.env.DATA.head(body.key)))
      throw new ApiError(404, 'not-found', `No object "${body.key}" in the bucket.`);
    const job = await ingest(c.var.db, c.env.JOBS, {
      key: body.key,
      filename,
      projectId,
      flightId: body.flight,
      type,
      kind,
      origin: publicBaseUrl(c.env),
      options: {
        ...(body.compression ? { compression: body.compression } : {}),
        ...(body.crs ? { crs: body.crs } : {}),
      },
      catalog: {
        ...(body.collection ? { collectionId: body.collection } : {}),
        ...(body.properties ? { properties: body.properties } : {}),
      },
    });
    return c.json(job, 202, { location: `${new URL(c.req.url).origin}/jobs/${job.id}` });
  },
);

// ------------------------------------------------------------------ the converter's signed URLs

/**
 * What attempt `attempt` of the job may touch: the token must be the attempt's own, and the
 * attempt still the job's running one, so an attempt that was superseded or cancelled writes nothing.
 */
async function ioGrant(c: Context<AppEnv>) {
  const jobId = c.req.param('jobId') ?? '';
  const attempt = Number(c.req.param('attempt'));
  const token = c.req.query('token');
  if (!isUuid(jobId) || !Number.isSafeInteger(attempt) || !token)
    throw new ApiError(401, 'unauthorized', 'A signed job URL is needed.');
  try {
    await verifyResourceToken(await signingKeys(c.env.JWT_SIGNING_KEYS), token, jobIoScope(jobId, attempt));
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(401, 'invalid-token', `Job URL rejected: ${error.message}.`);
    throw error;
  }
  const grant = await stub(c, jobId).ioGrant(attempt);
  if (!grant) throw new ApiError(403, 'forbidden', 'This attempt of the job is over.');
  const path = new URL(c.req.url).pathname;
  const encoded = path.slice(path.indexOf('/', path.indexOf(`/io/${attempt}/`) + `/io/${attempt}/`.length) + 1);
  try {
    return { ...grant, key: encoded.split('/').map(decodeURIComponent).join('/') };
  } catch {
    throw new ApiError(400, 'bad-request', 'The object key is not valid percent-encoding.');
  }
}

async function writableKey(c: Context<AppEnv>): Promise<string> {
  const grant = await ioGrant(c);
  if (!grant.key.startsWith(grant.writePrefix) || !isPlainKey(grant.key)) {
    throw new ApiError(403, 'forbidden', `This job writes under ${grant.writePrefix} only.`);
  }
  return grant.key;
}

/** A body of known length, within Cloudflare's request limit (R2 needs the length up front). */
function sizedBody(c: Context<AppEnv>): ReadableStream<Uint8Array> {
  const length = Number(c.req.header('content-length'));
  if (!Number.isSafeInteger(length) || length < 0)
    throw new ApiError(400, 'bad-request', 'Content-Length is required.');
  if (length > MAX_REQUEST_BODY)
    throw new ApiError(
      413,
      'payload-too-large',
      `Bodies are limited to ${MAX_REQUEST_BODY} bytes: send larger files as multipart uploads.`,
    );
  return c.req.raw.body ?? new Response('').body!;
}

const io =
  (handler: (c: Context<AppEnv>) => Promise<Response>) =>
  async (c: Context<AppEnv>): Promise<Response> => {
    try {
      return await handler(c);
    } catch (error) {
      await drain(c.req.raw.body);
      throw error;
    }
  };

router.get(
  '/jobs/:jobId/io/:attempt/objects/*',
  io(async (c) => {
    const grant = await ioGrant(c);
    if (grant.key !== grant.readKey) throw new ApiError(403, 'forbidden', 'This job reads its own input only.');
    return serveObject(c, grant.key);
  }),
);

/** The object's type, as the converter declares it. */
const contentTypeOf = (c: Context<AppEnv>) => ({
  contentType: c.req.header('content-type') ?? 'application/octet-stream',
});

router.put(
  '/jobs/:jobId/io/:attempt/objects/*',
  io(async (c) => {
    const key = await writableKey(c);
    const object = await c.env.DATA.put(key, sizedBody(c), { httpMetadata: contentTypeOf(c) });
    return c.json({ key, size: object.size, etag: object.etag }, 201);
  }),
);

const PartsBody = z.object({
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().max(200) }))
    .min(1)
    .max(10_000),
});

router.post(
  '/jobs/:jobId/io/:attempt/multipart/*',
  io(async (c) => {
    const key = await writableKey(c);
    const uploadId = c.req.query('uploadId');
    if (!uploadId) {
      const upload = await c.env.DATA.createMultipartUpload(key, { httpMetadata: contentTypeOf(c) });
      return c.json({ uploadId: upload.uploadId }, 201);
    }
    const parsed = PartsBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success)
      throw new ApiError(400, 'bad-request', 'The body must be {"parts": [{"partNumber", "etag"}, …]}.');
    const object = await c.env.DATA.resumeMultipartUpload(key, uploadId).complete(parsed.data.parts);
    return c.json({ key, size: object.size, etag: object.etag }, 200);
  }),
);

router.put(
  '/jobs/:jobId/io/:attempt/multipart/*',
  io(async (c) => {
    const key = await writableKey(c);
    const uploadId = c.req.query('uploadId');
    const partNumber = Number(c.req.query('partNumber'));
    if (!uploadId || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)
      throw new ApiError(400, 'bad-request', 'uploadId and partNumber (1–10000) are required.');
    const part = await c.env.DATA.resumeMultipartUpload(key, uploadId).uploadPart(partNumber, sizedBody(c));
    return c.json(part, 200);
  }),
);

const problems = Object.fromEntries(
  [401, 403, 404].map((s) => [
    s,
    { description: 'Problem', content: { 'application/problem+json': { schema: ProblemSchema } } },
  ]),
);
router.openAPIRegistry.registerPath({
  method: 'get',
  path: '/jobs/{jobId}/events',
  tags: ['jobs'],
  security: bearerSecurity,
  request: { params: JobParams },
  summary: 'Server-sent events of the job (`state`, `progress`) until it ends; resumes after Last-Event-ID',
  responses: { 200: { description: 'text/event-stream' }, ...problems },
});

export default router;
