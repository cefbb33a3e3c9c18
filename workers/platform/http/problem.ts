import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CatalogError } from '../../engines/cql2/errors';
import { RasterError } from '../../engines/raster/errors';

/** RFC 9457 problem details. `type` is a stable URI clients may switch on. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Array<{ path: string; message: string }>;
}

const TYPE_BASE = 'https://edge-tiles.dev/problems/';

const TITLES = {
  'bad-request': 'Bad request',
  'validation-error': 'Request validation failed',
  'malformed-json': 'Malformed JSON body',
  unauthorized: 'Authentication required',
  'invalid-credentials': 'Invalid credentials',
  'invalid-token': 'Invalid or expired token',
  forbidden: 'Forbidden',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'range-not-satisfiable': 'Range not satisfiable',
  'unsupported-media-type': 'Unsupported media type',
  unprocessable: 'Cannot process this resource',
  'too-many-requests': 'Too many requests',
  'service-unavailable': 'Service unavailable',
  'internal-error': 'Internal server error',
} as const satisfies Record<string, string>;

/** The named problems: a kind not in the table does not compile. */
export type ProblemKind = keyof typeof TITLES;

/** Thrown anywhere below a route; the app's error handler turns it into problem+json. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly kind: ProblemKind,
    detail?: string,
    readonly extra: { errors?: Problem['errors']; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? TITLES[kind]);
  }
}

export function problemBody(status: number, kind: ProblemKind, detail?: string, errors?: Problem['errors']): Problem {
  const body: Problem = { type: TYPE_BASE + kind, title: TITLES[kind], status };
  if (detail !== undefined) body.detail = detail;
  if (errors !== undefined) body.errors = errors;
  return body;
}

export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  kind: ProblemKind,
  detail?: string,
  extra: ApiError['extra'] = {},
): Response {
  const body = problemBody(status, kind, detail, extra.errors);
  body.instance = new URL(c.req.url).pathname;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...extra.headers },
  });
}

const HTTP_KINDS: Partial<Record<number, ProblemKind>> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  503: 'service-unavailable',
};

export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return problemResponse(c, err.status, err.kind, err.message, err.extra);
  if (err instanceof RasterError) {
    return problemResponse(
      c,
      err.status,
      ({ 400: 'bad-request', 404: 'not-found', 422: 'unprocessable' } as const)[err.status],
      err.message,
    );
  }
  if (err instanceof CatalogError) {
    return problemResponse(c, 400, 'validation-error', err.message, { errors: err.errors });
  }
  if (err instanceof HTTPException) {
    // Hono's JSON validator reports unparsable bodies this way.
    const kind = err.status === 400 && /json/i.test(err.message) ? 'malformed-json' : HTTP_KINDS[err.status];
    return problemResponse(c, err.status, kind ?? 'bad-request', err.message);
  }
  console.error('unhandled error', c.req.method, c.req.url, err);
  return problemResponse(c, 500, 'internal-error', 'An unexpected error occurred.');
}

export function notFound(c: Context): Response {
  return problemResponse(c, 404, 'not-found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);
}
