import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/**
 * CORS for the origins in CORS_ORIGINS (comma-separated; `*` for any). Browsers on other origins
 * (map viewers, uploaders) may then read tiles and APIs; responses vary by Origin so caches keep
 * one answer per origin.
 */
export const corsAllowList = createMiddleware<AppEnv>((c, next) => {
  const allowed = (c.env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  return cors({
    origin: (origin) => (allowed.includes('*') || allowed.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'If-None-Match'],
    exposeHeaders: ['ETag', 'Server-Timing', 'X-Cache', 'Retry-After', 'Location'],
    maxAge: 86400,
  })(c, next);
});
