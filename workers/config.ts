import type { Bindings } from './env';

const DEFAULTS = {
  MAX_BODY_BYTES: 1_048_576,
  VECTOR_MAX_BODY_BYTES: 32 * 1024 * 1024,
  VECTOR_TILE_FEATURE_LIMIT: 20_000,
  ACCESS_TOKEN_TTL: 900,
  REFRESH_TOKEN_TTL: 2_592_000,
  RESOURCE_TOKEN_TTL: 3600,
};

/** Numeric settings from wrangler vars, with the documented defaults when unset or malformed. */
export function numberVar(env: Bindings, name: keyof typeof DEFAULTS): number {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : DEFAULTS[name];
}
