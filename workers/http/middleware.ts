import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { createDatabase } from '../db/client';
import { numberVar } from '../config';
import { problemResponse } from './problem';

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
 * Reads the rest of a rejected body without keeping it, up to a bound, before answering. Cancelling
 * the body instead, or draining it after the answer, breaks the request that follows it in wrangler
 * dev. Cloudflare itself caps request bodies at 100 MB.
 */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, limit = 128 * 1024 * 1024): Promise<void> {
  let read = 0;
  try {
    while (read < limit) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away: nothing left to discard.
  }
}

/**
 * Rejects bodies over MAX_BODY_BYTES with 413: by Content-Length when given, else by counting the
 * streamed bytes.
 */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  const body = c.req.raw.body;
  // tus chunks stream through to their upload (limited by Tus-Max-Size, and by Cloudflare to 100 MB).
  if (!body || /^\/uploads(\/|$)/.test(new URL(c.req.url).pathname)) return next();
  // Vector layers arrive as GeoJSON documents, far larger than any other JSON body.
  const maxSize = c.req.method === 'POST' && /\/vector-layers$/.test(new URL(c.req.url).pathname)
    ? numberVar(c.env, 'VECTOR_MAX_BODY_BYTES')
    : numberVar(c.env, 'MAX_BODY_BYTES');
  const tooLarge = () => problemResponse(c, 413, 'payload-too-large', `Request bodies are limited to ${maxSize} bytes.`);
  const declared = c.req.header('content-length');
  if (declared !== undefined && !c.req.header('transfer-encoding')) {
    if (Number(declared) > maxSize) {
      await discard(body.getReader());
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
      await discard(reader);
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
