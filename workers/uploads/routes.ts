import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { MAX_REQUEST_BODY, numberVar, publicBaseUrl } from '../platform/config';
import { createRouter, ProblemSchema } from '../platform/http/openapi';
import { drain } from '../platform/http/drain';
import { problemResponse } from '../platform/http/problem';
import { canRead, isUuid, projectAccess, roleAtLeast } from '../platform/auth/access';
import { jobKindFor } from '../jobs/kinds';
import type { Outcome } from '../platform/errors';
import type { Caller } from '../../durable-objects/upload-session';
import { createUpload, uploadProject } from './store';
import { flightOf } from '../flights/store';
import { UploadStatusSchema } from './schemas';
import {
  CHECKSUM_ALGORITHMS,
  OFFSET_CONTENT_TYPE,
  TUS_EXTENSIONS,
  TUS_VERSION,
  TusError,
  parseChecksum,
  parseMetadata,
  parseSize,
  uploadTarget,
  type UploadStatus,
} from '../engines/tus/protocol';

const router = createRouter();

/** R2 multipart uploads hold at most 10,000 parts. */
const MAX_PARTS = 10_000;

/** Equal part size: as configured, but never so small that 10,000 parts fall short of the largest upload. */
const partSize = (c: Context<AppEnv>) =>
  Math.max(numberVar(c.env, 'UPLOAD_PART_SIZE'), Math.ceil(numberVar(c.env, 'UPLOAD_MAX_SIZE') / MAX_PARTS));

function tusHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'tus-resumable': TUS_VERSION, 'cache-control': 'no-store', ...extra };
}

function tusError(c: Context<AppEnv>, error: TusError): Response {
  const extra: Record<string, string> = error.error === 'unsupported-tus-version' ? { 'tus-version': TUS_VERSION } : {};
  return problemResponse(c, error.error, error.message, { headers: tusHeaders(extra) });
}

/** Every tus request but OPTIONS names the protocol version it speaks. */
function checkVersion(c: Context<AppEnv>): void {
  const version = c.req.header('tus-resumable');
  if (version !== TUS_VERSION)
    throw new TusError(
      'unsupported-tus-version',
      `Tus-Resumable must be ${TUS_VERSION} (got ${version ?? 'nothing'}).`,
    );
}

function caller(c: Context<AppEnv>): Caller {
  const principal = c.var.principal;
  if (!principal) throw new TusError('unauthorized', 'Sign in (or send an API key) to upload.');
  return { userId: principal.userId, isAdmin: principal.isAdmin };
}

/** One answer for what does not exist and what the caller may not see (as the session says it). */
const NOT_FOUND = { Project: 'Project not found.', Upload: 'No such upload.' } as const;

/**
 * Uploading needs the manager role on the project, for the whole upload, not only its creation:
 * whoever cannot read the project is told it does not exist, as for any other route.
 */
async function requireManager(c: Context<AppEnv>, projectId: string, what: 'Project' | 'Upload'): Promise<void> {
  const access = await projectAccess(c.var.db, c.var.principal, projectId);
  if (!canRead(access)) throw new TusError('not-found', NOT_FOUND[what]);
  if (!roleAtLeast(access.role, 'manager'))
    throw new TusError('forbidden', 'Uploading needs the manager or owner role on the project.');
}

/** The upload's session, once the caller is known to still manage the upload's project. */
async function managedSession(c: Context<AppEnv>) {
  const id = c.req.param('uploadId') ?? '';
  const stub = session(c, id);
  const projectId = await uploadProject(c.var.db, id);
  // No row: never made, or its project was deleted (the row with it). Either way it is gone.
  if (!projectId) throw new TusError('not-found', NOT_FOUND.Upload);
  await requireManager(c, projectId, 'Upload');
  return stub;
}

const session = (c: Context<AppEnv>, id: string) => {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new TusError('not-found', 'No such upload.');
  return c.env.UPLOADS.get(c.env.UPLOADS.idFromName(id));
};

function statusHeaders(status: UploadStatus): Record<string, string> {
  return tusHeaders({
    'upload-offset': String(status.offset),
    ...(status.length === null ? { 'upload-defer-length': '1' } : { 'upload-length': String(status.length) }),
    ...(status.metadata ? { 'upload-metadata': status.metadata } : {}),
    ...(status.state === 'completed' ? {} : { 'upload-expires': new Date(status.expiresAt).toUTCString() }),
  });
}

/** Runs a tus handler: protocol errors and DO outcomes become statuses with problem+json bodies. */
const tus =
  (handler: (c: Context<AppEnv>) => Promise<Response>) =>
  async (c: Context<AppEnv>): Promise<Response> => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof TusError) {
        await drain(c.req.raw.body);
        return tusError(c, error);
      }
      throw error;
    }
  };

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new TusError(outcome.error, outcome.message);
  return outcome.value;
}

const options = (c: Context<AppEnv>) =>
  c.body(null, 204, {
    'tus-resumable': TUS_VERSION,
    'tus-version': TUS_VERSION,
    'tus-extension': TUS_EXTENSIONS.join(','),
    'tus-max-size': String(numberVar(c.env, 'UPLOAD_MAX_SIZE')),
    'tus-checksum-algorithm': CHECKSUM_ALGORITHMS.join(','),
    // Not part of tus: the largest chunk Cloudflare lets through, for clients choosing chunkSize.
    'upload-max-chunk-size': String(MAX_REQUEST_BODY),
  });
router.options('/uploads', options);
router.options('/uploads/:uploadId', options);

router.post(
  '/uploads',
  tus(async (c) => {
    checkVersion(c);
    const who = caller(c);
    const metadataHeader = c.req.header('upload-metadata') ?? '';
    const metadata = parseMetadata(metadataHeader);
    const target = uploadTarget(metadata);
    const length = parseSize(c.req.header('upload-length'), 'Upload-Length');
    const deferred = c.req.header('upload-defer-length');
    if (length === undefined && deferred !== '1')
      throw new TusError('bad-request', 'Send Upload-Length, or Upload-Defer-Length: 1.');
    if (length !== undefined && deferred !== undefined)
      throw new TusError('bad-request', 'Send Upload-Length or Upload-Defer-Length, not both.');
    const maxSize = numberVar(c.env, 'UPLOAD_MAX_SIZE');
    if (length !== undefined && length > maxSize)
      throw new TusError('payload-too-large', `Uploads are limited to ${maxSize} bytes (Tus-Max-Size).`);
    const hasBody = c.req.raw.body !== null && c.req.header('content-length') !== '0';
    if (hasBody && c.req.header('content-type') !== OFFSET_CONTENT_TYPE)
      throw new TusError('unsupported-media-type', `A body sent with the creation must be ${OFFSET_CONTENT_TYPE}.`);
    if (!isUuid(target.projectId) || !isUuid(target.flightId))
      throw new TusError('bad-request', 'Upload-Metadata: project and flight must be ids (UUIDs).');
    await requireManager(c, target.projectId, 'Project');
    if (!(await flightOf(c.var.db, target.projectId, target.flightId)))
      throw new TusError('bad-request', 'Upload-Metadata: the flight is not one of the project’s.');
    const fileChecksum = metadata.checksum ? (parseChecksum(metadata.checksum) ?? null) : null;

    const origin = publicBaseUrl(c.env);
    const id = crypto.randomUUID().replace(/-/g, '');
    const expirySeconds = numberVar(c.env, 'UPLOAD_EXPIRY_SECONDS');
    await createUpload(c.var.db, {
      id,
      projectId: target.projectId,
      flightId: target.flightId,
      userId: who.userId,
      type: target.type,
      filename: target.filename,
      length: length ?? null,
      metadata,
      expiresAt: new Date(Date.now() + expirySeconds * 1000),
    });
    const stub = session(c, id);
    let status: UploadStatus = await stub.create({
      id,
      userId: who.userId,
      target,
      metadata: metadataHeader,
      length: length ?? null,
      maxSize,
      partSize: partSize(c),
      expirySeconds,
      fileChecksum,
      dataProductId: crypto.randomUUID(),
      jobId: jobKindFor(target.type) ? crypto.randomUUID() : null,
      origin,
    });
    // creation-with-upload: the first chunk rides on the POST. The upload exists either way, so a chunk
    // that is refused (a failed checksum, say) still answers 201 with the offset reached (tus 1.0).
    if (hasBody) {
      const patched = await stub.patch(
        who,
        { offset: 0, checksum: parseChecksum(c.req.header('upload-checksum')) },
        c.req.raw.body,
      );
      if (patched.ok) status = patched.value;
    }
    const location = `${new URL(c.req.url).origin}/uploads/${id}`;
    return c.body(null, 201, { ...statusHeaders(status), location });
  }),
);

router.get(
  '/uploads/:uploadId',
  tus(async (c) => {
    // Hono routes HEAD here too: HEAD is tus' offset query, GET the status for people and the web app.
    const isHead = c.req.method === 'HEAD';
    if (isHead) checkVersion(c);
    const who = caller(c);
    const status = unwrap(await (await managedSession(c)).head(who));
    if (isHead) return c.body(null, 200, statusHeaders(status));
    return c.json(
      {
        id: status.id,
        offset: status.offset,
        length: status.length,
        state: status.state,
        expiresAt: new Date(status.expiresAt).toISOString(),
        key: status.key,
        jobId: status.jobId,
        dataProductId: status.dataProductId,
        error: status.error,
      },
      200,
      { 'cache-control': 'no-store' },
    );
  }),
);

router.patch(
  '/uploads/:uploadId',
  tus(async (c) => {
    checkVersion(c);
    const who = caller(c);
    if (c.req.header('content-type') !== OFFSET_CONTENT_TYPE)
      throw new TusError('unsupported-media-type', `PATCH bodies must be ${OFFSET_CONTENT_TYPE}.`);
    const offset = parseSize(c.req.header('upload-offset'), 'Upload-Offset');
    if (offset === undefined) throw new TusError('bad-request', 'Upload-Offset is required.');
    const checksum = parseChecksum(c.req.header('upload-checksum'));
    const length = parseSize(c.req.header('upload-length'), 'Upload-Length');
    const status = unwrap(await (await managedSession(c)).patch(who, { offset, checksum, length }, c.req.raw.body));
    return c.body(null, 204, statusHeaders(status));
  }),
);

router.on(
  'DELETE',
  '/uploads/:uploadId',
  tus(async (c) => {
    checkVersion(c);
    const who = caller(c);
    unwrap(await (await managedSession(c)).terminate(who));
    return c.body(null, 204, tusHeaders());
  }),
);

// The routes above speak tus' headers, so they are declared for the OpenAPI document here.
const tusParams = z.object({ uploadId: z.string().openapi({ description: '32 hex digits' }) });
const problems = Object.fromEntries(
  [400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 423, 460].map((s) => [
    s,
    { description: 'Problem', content: { 'application/problem+json': { schema: ProblemSchema } } },
  ]),
);
const tusDoc =
  'tus 1.0.0 (https://tus.io/protocols/resumable-upload) with creation, creation-with-upload, creation-defer-length, expiration, checksum (sha1, sha256) and termination. Upload-Metadata names project, flight, type and filename (optional checksum "sha256 <base64>" of the whole file). Chunks must stay under 100 MB (Cloudflare\'s request limit).';
router.openAPIRegistry.registerPath({
  method: 'options',
  path: '/uploads',
  tags: ['uploads (tus)'],
  summary: 'tus capabilities (Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm)',
  description: tusDoc,
  responses: { 204: { description: 'Capabilities in headers' } },
});
router.openAPIRegistry.registerPath({
  method: 'post',
  path: '/uploads',
  tags: ['uploads (tus)'],
  summary: 'Create an upload (managers of the project)',
  description: tusDoc,
  responses: { 201: { description: 'Created; Location is the upload URL' }, ...problems },
});
router.openAPIRegistry.registerPath({
  method: 'head',
  path: '/uploads/{uploadId}',
  tags: ['uploads (tus)'],
  summary: 'The upload’s offset',
  request: { params: tusParams },
  responses: { 200: { description: 'Upload-Offset, Upload-Length, Upload-Expires' }, ...problems },
});
router.openAPIRegistry.registerPath({
  method: 'get',
  path: '/uploads/{uploadId}',
  tags: ['uploads (tus)'],
  summary: 'The upload’s status as JSON: offset, length, state, jobId, dataProductId',
  request: { params: tusParams },
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: UploadStatusSchema } } },
    ...problems,
  },
});
router.openAPIRegistry.registerPath({
  method: 'patch',
  path: '/uploads/{uploadId}',
  tags: ['uploads (tus)'],
  summary: 'Append a chunk at Upload-Offset',
  request: { params: tusParams },
  responses: { 204: { description: 'Accepted; Upload-Offset is the new offset' }, ...problems },
});
router.openAPIRegistry.registerPath({
  method: 'delete',
  path: '/uploads/{uploadId}',
  tags: ['uploads (tus)'],
  summary: 'Terminate an unfinished upload',
  request: { params: tusParams },
  responses: { 204: { description: 'Terminated' }, ...problems },
});

export default router;
