import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { jsonBody } from '../http/openapi';
import { isoDateTime } from '../http/schemas';
import { numberVar } from '../config';
import { signingKeys } from './signing-keys';
import { MAX_RESOURCE_TOKEN_TTL, TILES_AUDIENCE, credentialOf, signResourceToken } from './tokens';

/** The request and answer of every "mint a tile token" route (data products, vector layers). */
export const ResourceTokenBody = {
  ...jsonBody(z.object({ expires_in: z.number().int().min(30).max(MAX_RESOURCE_TOKEN_TTL).optional() }).optional()),
  required: false,
};

export const ResourceTokenSchema = z
  .object({
    token: z.string().openapi({ description: 'Put it in the `token` query parameter of tile URLs' }),
    token_type: z.literal('resource'),
    audience: z.literal(TILES_AUDIENCE),
    scope: z.string(),
    expires_in: z.number().int(),
    expires_at: isoDateTime,
  })
  .openapi('ResourceToken');

/** Whose a token is: its holder (null: anonymous) and the credential it was minted with. */
export interface TokenHolder {
  sub: string | null;
  credential: string | null;
}

/** The caller: tokens they mint are theirs, and end with the sign-in or API key they were minted with. */
const callerHolder = (c: Context<AppEnv>): TokenHolder => ({
  sub: c.var.principal?.userId ?? null,
  credential: credentialOf(c.var.principal),
});

/**
 * Signs a token for `scope` in the project's access `epoch`, held by `holder` (the caller unless
 * said otherwise); the caller has already checked, with the database's answer of now, that the
 * holder may read it.
 */
export async function mintResourceToken(
  c: Context<AppEnv>,
  scope: string,
  epoch: number,
  expiresIn: number | undefined,
  holder: TokenHolder = callerHolder(c),
): Promise<z.infer<typeof ResourceTokenSchema>> {
  const ttl = Math.min(expiresIn ?? numberVar(c.env, 'RESOURCE_TOKEN_TTL'), MAX_RESOURCE_TOKEN_TTL);
  const token = await signResourceToken(await signingKeys(c.env.JWT_SIGNING_KEYS), { ...holder, scope, epoch }, ttl);
  c.header('cache-control', 'no-store');
  return {
    token,
    token_type: 'resource',
    audience: TILES_AUDIENCE,
    scope,
    expires_in: ttl,
    expires_at: new Date(Date.now() + ttl * 1000).toISOString(),
  };
}
