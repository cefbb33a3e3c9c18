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

/**
 * Signs a token for `scope` in the project's access `epoch`; the caller has already checked, with
 * the database's answer of now, that the principal may read it.
 */
export async function mintResourceToken(
  c: Context<AppEnv>,
  scope: string,
  epoch: number,
  expiresIn: number | undefined,
): Promise<z.infer<typeof ResourceTokenSchema>> {
  const ttl = Math.min(expiresIn ?? numberVar(c.env, 'RESOURCE_TOKEN_TTL'), MAX_RESOURCE_TOKEN_TTL);
  const principal = c.var.principal;
  const token = await signResourceToken(
    await signingKeys(c.env.JWT_SIGNING_KEYS),
    { sub: principal?.userId ?? null, scope, epoch, credential: credentialOf(principal) },
    ttl,
  );
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
