import type { Bindings } from './env';

/** Numeric settings from wrangler vars, with the documented defaults when unset or malformed. */
export function numberVar(env: Bindings, name: 'MAX_BODY_BYTES' | 'ACCESS_TOKEN_TTL' | 'REFRESH_TOKEN_TTL' | 'RESOURCE_TOKEN_TTL'): number {
  const defaults = { MAX_BODY_BYTES: 1_048_576, ACCESS_TOKEN_TTL: 900, REFRESH_TOKEN_TTL: 2_592_000, RESOURCE_TOKEN_TTL: 3600 };
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : defaults[name];
}
