import { describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { baseUrl, call, json, newUser, problem, seed } from './helpers';

describe('signed resource tokens for tiles', () => {
  it('are short-lived, audience "tiles", scoped to one data product, and verify against the JWKS', async () => {
    const product = seed.dataProducts['cog.tif']!;
    const minted = await json<{ token: string; expires_in: number; scope: string }>(
      await call(`/data-products/${product.id}/token`, { method: 'POST', apiKey: seed.user.apiKey }),
      201,
    );
    expect(minted.expires_in).toBeLessThanOrEqual(3600);
    const { payload } = await jwtVerify(minted.token, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), {
      audience: 'tiles',
      issuer: 'edge-tiles',
    });
    expect(payload.scope).toBe(`data_product:${product.id}`);
    expect(payload.exp! - payload.iat!).toBe(minted.expires_in);
  });

  it('honour a shorter lifetime and refuse a longer one', async () => {
    const product = seed.dataProducts['cog.tif']!;
    const short = await json<{ expires_in: number }>(
      await call(`/data-products/${product.id}/token`, { apiKey: seed.user.apiKey, json: { expires_in: 120 } }),
      201,
    );
    expect(short.expires_in).toBe(120);
    await problem(
      await call(`/data-products/${product.id}/token`, { apiKey: seed.user.apiKey, json: { expires_in: 86_400 } }),
      400,
      'validation-error',
    );
  });

  it('are not an access token', async () => {
    const product = seed.dataProducts['cog.tif']!;
    const { token } = await json<{ token: string }>(
      await call(`/data-products/${product.id}/token`, { method: 'POST', apiKey: seed.user.apiKey }),
      201,
    );
    await problem(await call('/users/me', { token }), 401, 'invalid-token');
  });

  it('cannot be minted by someone who cannot read the product', async () => {
    const outsider = await newUser('tokenless');
    await problem(
      await call(`/data-products/${seed.dataProducts['cog.tif']!.id}/token`, { method: 'POST', token: outsider.token }),
      404,
      'not-found',
    );
  });
});
