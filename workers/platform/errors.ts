import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** tus' status for a chunk whose Upload-Checksum does not match, which HTTP does not name. */
type TusStatus = 460;

/**
 * Every error the API answers with, by name, as tusd keeps its named errors: the problem type it is
 * sent as (`kind`: the problem's `type` is a stable URI ending in it, which clients switch on), its
 * HTTP status and its title. Routes throw `ApiError`s, the tus handlers `TusError`s and the Durable
 * Objects return `Failure`s, each naming a row here; http/problem.ts alone turns a row into a response.
 */
export const ERRORS = {
  'bad-request': { kind: 'bad-request', status: 400, title: 'Bad request' },
  'validation-error': { kind: 'validation-error', status: 400, title: 'Request validation failed' },
  'malformed-json': { kind: 'malformed-json', status: 400, title: 'Malformed JSON body' },
  unauthorized: { kind: 'unauthorized', status: 401, title: 'Authentication required' },
  'invalid-credentials': { kind: 'invalid-credentials', status: 401, title: 'Invalid credentials' },
  'invalid-token': { kind: 'invalid-token', status: 401, title: 'Invalid or expired token' },
  forbidden: { kind: 'forbidden', status: 403, title: 'Forbidden' },
  'not-found': { kind: 'not-found', status: 404, title: 'Not found' },
  'method-not-allowed': { kind: 'method-not-allowed', status: 405, title: 'Method not allowed' },
  conflict: { kind: 'conflict', status: 409, title: 'Conflict' },
  'payload-too-large': { kind: 'payload-too-large', status: 413, title: 'Payload too large' },
  'unsupported-media-type': { kind: 'unsupported-media-type', status: 415, title: 'Unsupported media type' },
  'range-not-satisfiable': { kind: 'range-not-satisfiable', status: 416, title: 'Range not satisfiable' },
  unprocessable: { kind: 'unprocessable', status: 422, title: 'Cannot process this resource' },
  'too-many-requests': { kind: 'too-many-requests', status: 429, title: 'Too many requests' },
  'internal-error': { kind: 'internal-error', status: 500, title: 'Internal server error' },
  'service-unavailable': { kind: 'service-unavailable', status: 503, title: 'Service unavailable' },
  // tus 1.0's own statuses, sent as the problem type that says what they are.
  'upload-expired': { kind: 'not-found', status: 410, title: 'Not found' },
  'unsupported-tus-version': { kind: 'bad-request', status: 412, title: 'Bad request' },
  'upload-locked': { kind: 'conflict', status: 423, title: 'Conflict' },
  'checksum-mismatch': { kind: 'bad-request', status: 460, title: 'Bad request' },
} as const satisfies Record<string, { kind: string; status: ContentfulStatusCode | TusStatus; title: string }>;

export type ErrorName = keyof typeof ERRORS;

/** The problem types: a kind not in the table does not compile. */
export type ProblemKind = (typeof ERRORS)[ErrorName]['kind'];

/** The status a named error is sent with. */
export type StatusOf<N extends ErrorName> = (typeof ERRORS)[N]['status'];

/**
 * The problem type sent with `status` by default (the table's own row for it), for errors that carry
 * only a status: Hono's, the raster engine's.
 */
export function kindOf(status: number): ProblemKind | undefined {
  return Object.values(ERRORS).find((row) => row.status === status && ERRORS[row.kind] === row)?.kind;
}

/** A Durable Object's refusal over RPC: thrown errors lose their class across RPC, so errors travel as values. */
export interface Failure<N extends ErrorName = ErrorName> {
  ok: false;
  error: N;
  status: StatusOf<N>;
  message: string;
}

/** What a Durable Object's RPC method answers: its value, or a named error. */
export type Outcome<T, N extends ErrorName = ErrorName> = { ok: true; value: T } | Failure<N>;

export const failure = <N extends ErrorName>(error: N, message: string): Failure<N> => ({
  ok: false,
  error,
  status: ERRORS[error].status,
  message,
});
