import { SignJWT, jwtVerify, errors, type JWTPayload, type JWTHeaderParameters } from 'jose';
import type { SigningKeySet } from './signing-keys';

export const ISSUER = 'edge-tiles';
export const ACCESS_AUDIENCE = 'api';
export const TILES_AUDIENCE = 'tiles' as const;
export const SHARE_AUDIENCE = 'share' as const;
export const MAX_RESOURCE_TOKEN_TTL = 3600;
/** A share link lives at least a minute (less is a mistake, not a link) and at most 30 days. */
export const MIN_SHARE_TTL = 60;
export const MAX_SHARE_TTL = 30 * 24 * 3600;

export class TokenError extends Error {}

export interface AccessClaims {
  sub: string;
  /** Session (refresh-token family) the token belongs to; logout ends it. */
  sid: string;
}

export interface ResourceClaims {
  sub: string | null;
  /** What the token opens, e.g. `data_product:<uuid>`. */
  scope: string;
  /**
   * The access epoch of the project the scope belongs to when the token was minted: the token dies
   * once the epoch moves (workers/platform/auth/grants.ts). Null for scopes outside projects (job I/O).
   */
  epoch: number | null;
  /**
   * The sign-in (`session:<family>`) or API key (`key:<id>`) it was minted with: ending that ends
   * the token too. Null for anonymous tokens and job I/O.
   */
  credential: string | null;
}

async function sign(keys: SigningKeySet, claims: JWTPayload, audience: string, ttlSeconds: number): Promise<string> {
  const { active } = keys;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: active.alg, kid: active.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${Math.floor(ttlSeconds)}s`)
    .sign(active.privateKey);
}

async function verify(keys: SigningKeySet, token: string, audience: string): Promise<JWTPayload> {
  const algorithms = [...new Set([...keys.byKid.values()].map((k) => k.alg))];
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const key = header.kid === undefined ? undefined : keys.byKid.get(header.kid);
        if (!key || key.alg !== header.alg) throw new TokenError('unknown signing key');
        return key.publicKey;
      },
      { issuer: ISSUER, audience, algorithms, requiredClaims: ['exp', 'iat', 'sub'] },
    );
    return payload;
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenError('token expired');
    if (error instanceof errors.JOSEError) throw new TokenError(`token rejected: ${error.code}`);
    throw new TokenError('token rejected');
  }
}

export function signAccessToken(keys: SigningKeySet, claims: AccessClaims, ttlSeconds: number): Promise<string> {
  return sign(keys, { sub: claims.sub, sid: claims.sid }, ACCESS_AUDIENCE, ttlSeconds);
}

export async function verifyAccessToken(
  keys: SigningKeySet,
  token: string,
): Promise<AccessClaims & { expiresAt: number }> {
  const payload = await verify(keys, token, ACCESS_AUDIENCE);
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string')
    throw new TokenError('token lacks sub or sid');
  return { sub: payload.sub, sid: payload.sid, expiresAt: (payload.exp ?? 0) * 1000 };
}

export function signResourceToken(
  keys: SigningKeySet,
  claims: Pick<ResourceClaims, 'sub' | 'scope'> & { epoch?: number; credential?: string | null },
  ttlSeconds: number,
): Promise<string> {
  const ttl = Math.min(ttlSeconds, MAX_RESOURCE_TOKEN_TTL);
  const optional = {
    ...(claims.epoch === undefined ? {} : { ep: claims.epoch }),
    ...(claims.credential ? { cred: claims.credential } : {}),
  };
  return sign(keys, { sub: claims.sub ?? 'anonymous', scope: claims.scope, ...optional }, TILES_AUDIENCE, ttl);
}

/** Checks signature, `kid`, audience, expiry and that the token opens exactly `scope`. */
export async function verifyResourceToken(
  keys: SigningKeySet,
  token: string,
  scope: string,
): Promise<ResourceClaims & { expiresAt: number }> {
  const payload = await verify(keys, token, TILES_AUDIENCE);
  if (payload.scope !== scope) throw new TokenError('token is for another resource');
  const epoch = typeof payload.ep === 'number' && Number.isSafeInteger(payload.ep) ? payload.ep : null;
  const credential = typeof payload.cred === 'string' ? payload.cred : null;
  return {
    sub: payload.sub === 'anonymous' ? null : (payload.sub ?? null),
    scope,
    epoch,
    credential,
    expiresAt: (payload.exp ?? 0) * 1000,
  };
}

/**
 * A share link (`GET /shares/{token}`): it opens one project read-only, in the access epoch it was
 * made in, for as long as its maker (`sub`) still reads the project. Its own audience, so it is
 * neither an access token nor a tile token, and neither of those is one of it.
 */
export interface ShareClaims {
  sub: string;
  projectId: string;
  epoch: number;
  expiresAt: number;
}

export function signShareToken(
  keys: SigningKeySet,
  claims: Pick<ShareClaims, 'sub' | 'projectId' | 'epoch'>,
  ttlSeconds: number,
): Promise<string> {
  const ttl = Math.min(ttlSeconds, MAX_SHARE_TTL);
  return sign(keys, { sub: claims.sub, scope: projectScope(claims.projectId), ep: claims.epoch }, SHARE_AUDIENCE, ttl);
}

/** Checks signature, `kid`, audience and expiry, and that the token names a project and an epoch. */
export async function verifyShareToken(keys: SigningKeySet, token: string): Promise<ShareClaims> {
  const payload = await verify(keys, token, SHARE_AUDIENCE);
  const projectId = typeof payload.scope === 'string' ? /^project:(.+)$/.exec(payload.scope)?.[1] : undefined;
  if (!projectId) throw new TokenError('token names no project');
  if (typeof payload.ep !== 'number' || !Number.isSafeInteger(payload.ep)) throw new TokenError('token lacks ep');
  if (typeof payload.sub !== 'string') throw new TokenError('token lacks sub');
  return { sub: payload.sub, projectId, epoch: payload.ep, expiresAt: (payload.exp ?? 0) * 1000 };
}

/** What a resource token minted by `principal` names as its credential (see ResourceClaims). */
export function credentialOf(principal: { apiKeyId?: string; sessionFamilyId?: string } | null): string | null {
  if (principal?.apiKeyId) return `key:${principal.apiKeyId}`;
  if (principal?.sessionFamilyId) return `session:${principal.sessionFamilyId}`;
  return null;
}

export const dataProductScope = (id: string): string => `data_product:${id}`;
export const vectorLayerScope = (id: string): string => `vector_layer:${id}`;
export const projectScope = (id: string): string => `project:${id}`;
