import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/** Request and response headers of tus 1.0 (tus-js-client and Uppy send and read them cross-origin). */
const TUS_HEADERS = [
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Defer-Length',
  'Upload-Metadata',
  'Upload-Offset',
  'Upload-Checksum',
  'Upload-Concat',
];

/**
 * CORS for the origins in CORS_ORIGINS (comma-separated; `*` for any). Browsers on other origins
 * (map viewers, uploaders) may then read tiles and APIs; responses vary by Origin so caches keep
 * one answer per origin.
 */
export const corsAllowList = createMiddleware<AppEnv>((c, next) => {
  // An OPTIONS that is no preflight is tus' capability query: the route answers it.
  if (c.req.method === 'OPTIONS' && !c.req.header('access-control-request-method')) return next();
  return corsFor(c.env.CORS_ORIGINS ?? '')(c, next);
});

/** The middleware for one CORS_ORIGINS value, made once per isolate rather than per request. */
let made: { origins: string; middleware: ReturnType<typeof cors> } | undefined;
function corsFor(origins: string): ReturnType<typeof cors> {
  if (made?.origins === origins) return made.middleware;
  const allowed = origins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  made = { origins, middleware: makeCors(allowed) };
  return made.middleware;
}

const makeCors = (allowed: string[]) =>
  cors({
    origin: (origin) => (allowed.includes('*') || allowed.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'X-API-Key',
      'If-None-Match',
      'Range',
      'If-Range',
      'X-Requested-With',
      'X-HTTP-Method-Override',
      ...TUS_HEADERS,
    ],
    exposeHeaders: [
      'ETag',
      'Server-Timing',
      'X-Cache',
      'Retry-After',
      'Location',
      'Content-Range',
      'Accept-Ranges',
      ...TUS_HEADERS,
      'Tus-Version',
      'Tus-Extension',
      'Tus-Max-Size',
      'Tus-Checksum-Algorithm',
      'Upload-Expires',
      'Upload-Max-Chunk-Size',
    ],
    maxAge: 86400,
  });
