import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/**
 * What every response says to browsers: never sniff a type (a tile or a JSON body is not a page),
 * send no Referer (tile URLs carry tokens), and, unless the route gave a policy of its own (the
 * docs page), load nothing and be framed by no one: API answers are data, not documents.
 * It runs outermost, on the response Server-Timing made
 * (whose headers are its own, so they can be changed in place).
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'no-referrer');
  if (!headers.has('content-security-policy'))
    headers.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
});
