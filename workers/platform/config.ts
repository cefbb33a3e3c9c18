import type { Bindings } from './env';
import { ApiError } from './http/problem';

const DEFAULTS = {
  MAX_BODY_BYTES: 1_048_576,
  VECTOR_MAX_BODY_BYTES: 32 * 1024 * 1024,
  VECTOR_TILE_FEATURE_LIMIT: 20_000,
  /** Rendered tiles each isolate keeps in front of the Cache API ("0" turns the tier off). */
  TILE_MEMORY_CACHE_BYTES: 16 * 1024 * 1024,
  ACCESS_TOKEN_TTL: 900,
  REFRESH_TOKEN_TTL: 2_592_000,
  RESOURCE_TOKEN_TTL: 3600,
  /** How long an isolate trusts what it learnt about credentials and access (workers/platform/auth/grants.ts). */
  ACCESS_CACHE_SECONDS: 30,
  /** Tus-Max-Size: 100 GiB. */
  UPLOAD_MAX_SIZE: 100 * 1024 ** 3,
  /** R2 multipart part size: 10,000 parts of 16 MiB hold 156 GiB. */
  UPLOAD_PART_SIZE: 16 * 1024 ** 2,
  /** An upload idle this long expires (R2 itself aborts multipart uploads after 7 days). */
  UPLOAD_EXPIRY_SECONDS: 86_400,
  /** A job is tried this many times before it fails for good (transient failures only). */
  JOB_MAX_ATTEMPTS: 4,
  /** Retries wait this long, doubled at each attempt. */
  JOB_RETRY_BASE_SECONDS: 10,
  /** A running job whose converter has not answered for this long is retried. */
  JOB_HEARTBEAT_SECONDS: 120,
};

/** Cloudflare refuses request bodies over 100 MB: larger files arrive in chunks or multipart parts. */
export const MAX_REQUEST_BODY = 100_000_000;

/** Numeric settings from wrangler vars, with the documented defaults when unset or malformed. */
export function numberVar(env: Bindings, name: keyof typeof DEFAULTS): number {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : DEFAULTS[name];
}

/**
 * The Worker's public URL from PUBLIC_BASE_URL, for the converter's callbacks; a 503 when it is not
 * set: a job whose URLs came from the request's Host header would follow wherever the client said.
 */
export function publicBaseUrl(env: Bindings): string {
  try {
    return new URL(env.PUBLIC_BASE_URL?.trim() ?? '').origin;
  } catch {
    throw new ApiError(
      503,
      'service-unavailable',
      'Processing is not configured on this server (PUBLIC_BASE_URL is not a URL).',
    );
  }
}
