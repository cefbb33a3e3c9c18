import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
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

/** Rejects bodies over MAX_BODY_BYTES with 413, counting streamed bytes too (no Content-Length needed). */
export const limitBody = createMiddleware<AppEnv>((c, next) =>
  bodyLimit({
    maxSize: numberVar(c.env, 'MAX_BODY_BYTES'),
    onError: (ctx) => problemResponse(ctx, 413, 'payload-too-large', `Request bodies are limited to ${numberVar(c.env, 'MAX_BODY_BYTES')} bytes.`),
  })(c, next),
);
