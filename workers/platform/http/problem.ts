import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { CatalogError } from '../../engines/cql2/errors';
import { RasterError } from '../../engines/raster/errors';
import { ERRORS, kindOf, type ErrorName, type Failure, type ProblemKind, type StatusOf } from '../errors';

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

/** Thrown anywhere below a route; the app's error handler turns it into problem+json. */
export class ApiError<N extends ErrorName = ErrorName> extends Error {
  constructor(
    /** The named error's status, which the compiler holds to the table's: written out so a reader sees it. */
    readonly status: StatusOf<N>,
    readonly error: N,
    detail?: string,
    readonly extra: { errors?: Problem['errors']; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? ERRORS[error].title);
  }
}

/** A Durable Object's refusal, thrown as the problem its name says. */
export const failed = (refusal: Failure): ApiError => new ApiError(refusal.status, refusal.error, refusal.message);

function respond(
  c: Context,
  status: number,
  kind: ProblemKind,
  detail: string,
  extra: ApiError['extra'] = {},
): Response {
  const body: Problem = { type: TYPE_BASE + kind, title: ERRORS[kind].title, status, detail };
  if (extra.errors !== undefined) body.errors = extra.errors;
  body.instance = new URL(c.req.url).pathname;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...extra.headers },
  });
}

/** The named error as problem+json, with the table's status, type and title. */
export function problemResponse(c: Context, error: ErrorName, detail: string, extra: ApiError['extra'] = {}): Response {
  const { status, kind } = ERRORS[error];
  return respond(c, status, kind, detail, extra);
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return problemResponse(c, err.error, err.message, err.extra);
  if (err instanceof CatalogError) return problemResponse(c, 'validation-error', err.message, { errors: err.errors });
  // The raster engine's errors and Hono's carry a status only: each is sent as that status's problem type.
  if (err instanceof RasterError || err instanceof HTTPException) {
    // Hono's JSON validator reports unparsable bodies as a 400 whose message says so.
    const malformed = err instanceof HTTPException && err.status === 400 && /json/i.test(err.message);
    return respond(c, err.status, malformed ? 'malformed-json' : (kindOf(err.status) ?? 'bad-request'), err.message);
  }
  console.error('unhandled error', c.req.method, c.req.url, err);
  return problemResponse(c, 'internal-error', 'An unexpected error occurred.');
}

export function notFound(c: Context): Response {
  return problemResponse(c, 'not-found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);
}
