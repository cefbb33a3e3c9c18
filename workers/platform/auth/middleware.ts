import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { withDatabase } from '../db/client';
import { ApiError } from '../http/problem';
import {
  authenticateApiKey,
  countUse,
  isWellFormedApiKey,
  keyUsesDue,
  looksLikeApiKey,
  writeKeyUses,
} from './api-keys';
import { sessionPrincipal } from './sessions';
import { signingKeys } from './signing-keys';
import { TokenError, verifyAccessToken, type AccessClaims } from './tokens';
import type { Principal } from './principal';
import { isolateCache, remembered, verifiedClaims } from './grants';
import { errorMessage } from '../util/error-message';

const invalid = (detail: string) =>
  new ApiError(401, 'invalid-token', detail, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

const MAX_CREDENTIAL_LENGTH = 4096;

/** Who an API key or a session is, as this isolate recently learnt it (./grants.ts says for how long). */
const principals = isolateCache<Principal | null>(5_000);
/** Access tokens whose signature was verified (kept like the principals, never past their expiry). */
const accessTokens = isolateCache<AccessClaims & { expiresAt: number }>(2_000);

/**
 * Resolves `Authorization: Bearer <access token | API key>` or `X-API-Key` to a principal.
 * No credentials means anonymous; wrong credentials are a 401, never a silent downgrade.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  c.set('authTiming', { millis: 0, db: false });
  const principal = await resolvePrincipal(c);
  c.set('principal', principal);
  if (principal?.apiKeyId) countUse(principal.apiKeyId);
  await next();
  // Off the response's path, on a connection of its own; losing a count is no reason to fail anything.
  if (keyUsesDue())
    c.executionCtx.waitUntil(
      withDatabase({ url: c.env.DATABASE_URL, driver: c.env.DB_DRIVER }, (db) => writeKeyUses(db)).catch(
        (error: unknown) => console.error('writing API key uses failed', errorMessage(error)),
      ),
    );
});

async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const apiKeyHeader = c.req.header('x-api-key');
  const authorization = c.req.header('authorization');
  let credential: string | undefined;
  if (apiKeyHeader !== undefined) credential = apiKeyHeader.trim();
  else if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw invalid('Authorization must be "Bearer <token>".');
    credential = match[1];
  }
  if (credential === undefined) return null;
  // Nothing this long is a credential of ours; and nothing unchecked becomes a cache key.
  if (credential.length > MAX_CREDENTIAL_LENGTH) throw invalid('Credentials are at most 4096 characters.');

  if (apiKeyHeader !== undefined || looksLikeApiKey(credential)) {
    const key = credential;
    if (!isWellFormedApiKey(key)) throw invalid('Unknown or revoked API key.');
    const principal = await remembered(c, principals, `key|${key}`, () => authenticateApiKey(c.var.db, key));
    if (!principal) throw invalid('Unknown or revoked API key.');
    return principal;
  }
  const token = credential;
  let claims;
  try {
    claims = await verifiedClaims(c, accessTokens, token, async () =>
      verifyAccessToken(await signingKeys(c.env.JWT_SIGNING_KEYS), token),
    );
  } catch (error) {
    if (error instanceof TokenError) throw invalid(`Access token rejected: ${error.message}.`);
    throw error;
  }
  const { sub, sid } = claims;
  const principal = await remembered(c, principals, `session|${sub}|${sid}`, () =>
    sessionPrincipal(c.var.db, sub, sid),
  );
  if (!principal) throw invalid('The session of this token has ended.');
  return principal;
}

export function requirePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal)
    throw new ApiError(401, 'unauthorized', 'Sign in or send an API key.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  return principal;
}

export function requireAdmin(c: Context<AppEnv>): Principal {
  const principal = requirePrincipal(c);
  if (!principal.isAdmin) throw new ApiError(403, 'forbidden', 'Administrators only.');
  return principal;
}
