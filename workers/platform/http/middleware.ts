import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { createDatabase } from '../db/client';
import { numberVar } from '../config';
import { problemResponse } from './problem';
import { drain } from './drain';

/**
 * A lazily connecting database for the request. It is closed before the response leaves: closed
 * from waitUntil instead, workerd cancels the socket mid-close and the driver reports an error.
 */
export const database = createMiddleware<AppEnv>(async (c, next) => {
  const handle = createDatabase({ url: c.env.DATABASE_URL, driver: c.env.DB_DRIVER });
  c.set('db', handle.db);
  try {
    await next();
  } finally {
    await handle.close().catch(() => undefined);
  }
});

/**
 * Rejects bodies over MAX_BODY_BYTES with 413: by Content-Length when given, else by counting the
 * streamed bytes.
 */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  const body = c.req.raw.body;
  // tus chunks and the converter's outputs stream through to R2 (limited by their routes, and by Cloudflare to 100 MB).
  if (!body || /^\/(uploads(\/|$)|jobs\/[^/]+\/io\/)/.test(new URL(c.req.url).pathname)) return next();
  // Vector layers arrive as GeoJSON documents, far larger than any other JSON body.
  const maxSize =
    c.req.method === 'POST' && /\/vector-layers$/.test(new URL(c.req.url).pathname)
      ? numberVar(c.env, 'VECTOR_MAX_BODY_BYTES')
      : numberVar(c.env, 'MAX_BODY_BYTES');
  const tooLarge = () => problemResponse(c, 'payload-too-large', `Request bodies are limited to ${maxSize} bytes.`);
  const declared = c.req.header('content-length');
  if (declared !== undefined && !c.req.header('transfer-encoding')) {
    if (Number(declared) > maxSize) {
      await drain(body);
      return tooLarge();
    }
    return next();
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxSize) {
      reader.releaseLock();
      await drain(body);
      return tooLarge();
    }
    chunks.push(value);
  }
  const buffered = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    buffered.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.req.raw = new Request(c.req.raw, { body: buffered });
  return next();
});
