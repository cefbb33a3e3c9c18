import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../http/problem';
import { authenticateApiKey, looksLikeApiKey, writeKeyUses } from './api-keys';
import { sessionPrincipal } from './sessions';
import { signingKeys } from './signing-keys';
import { TokenError, verifyAccessToken } from './tokens';
import type { Principal } from './principal';
import { errorMessage } from '../util/error-message';

const invalid = (detail: string) =>
  new ApiError(401, 'invalid-token', detail, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

/**
 * Resolves `Authorization: Bearer <access token | API key>` or `X-API-Key` to a principal.
 * No credentials means anonymous; wrong credentials are a 401, never a silent downgrade.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  c.set('principal', await resolvePrincipal(c));
  await next();
  // While the request's database is still open; losing a count is no reason to fail a response.
  await writeKeyUses(c.var.db).catch((error: unknown) => console.error('writing API key uses failed', errorMessage(error)));
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

  const db = c.get('db');
  if (apiKeyHeader !== undefined || looksLikeApiKey(credential)) {
    const principal = await authenticateApiKey(db, credential);
    if (!principal) throw invalid('Unknown or revoked API key.');
    return principal;
  }
  try {
    const claims = await verifyAccessToken(await signingKeys(c.env.JWT_SIGNING_KEYS), credential);
    const principal = await sessionPrincipal(db, claims.sub, claims.sid);
    if (!principal) throw invalid('The session of this token has ended.');
    return principal;
  } catch (error) {
    if (error instanceof TokenError) throw invalid(`Access token rejected: ${error.message}.`);
    throw error;
  }
}

export function requirePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw new ApiError(401, 'unauthorized', 'Sign in or send an API key.', { headers: { 'www-authenticate': 'Bearer' } });
  return principal;
}

export function requireAdmin(c: Context<AppEnv>): Principal {
  const principal = requirePrincipal(c);
  if (!principal.isAdmin) throw new ApiError(403, 'forbidden', 'Administrators only.');
  return principal;
}
