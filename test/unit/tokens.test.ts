import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { SignJWT, base64url, exportJWK, generateKeyPair } from 'jose';
import { signingKeys } from '../../workers/platform/auth/signing-keys';
import {
  TokenError,
  dataProductScope,
  signAccessToken,
  signResourceToken,
  signShareToken,
  verifyAccessToken,
  verifyResourceToken,
  verifyShareToken,
  ISSUER,
  MAX_SHARE_TTL,
} from '../../workers/platform/auth/tokens';

const keys = () => signingKeys(env.JWT_SIGNING_KEYS);
const claims = { sub: '11111111-1111-4111-8111-111111111111', sid: '22222222-2222-4222-8222-222222222222' };

function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
  change(decoded);
  return [header, base64url.encode(JSON.stringify(decoded)), signature].join('.');
}

describe('access tokens', () => {
  it('round-trip and carry a kid of the active key', async () => {
    const set = await keys();
    const token = await signAccessToken(set, claims, 60);
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0]!)));
    expect(header.kid).toBe(set.active.kid);
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!)));
    // The expiry comes back too: isolates remember a verified token until then.
    expect(await verifyAccessToken(set, token)).toEqual({ ...claims, expiresAt: payload.exp * 1000 });
  });

  it('reject a tampered payload', async () => {
    const token = await signAccessToken(await keys(), claims, 60);
    const forged = tamper(token, (p) => {
      p.sub = '33333333-3333-4333-8333-333333333333';
    });
    await expect(verifyAccessToken(await keys(), forged)).rejects.toBeInstanceOf(TokenError);
  });

  it('reject an expired token', async () => {
    const set = await keys();
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: 'ES256', kid: set.active.kid })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience('api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(set.active.privateKey);
    await expect(verifyAccessToken(set, token)).rejects.toThrow(/expired/);
  });

  it('reject alg "none"', async () => {
    const token = await signAccessToken(await keys(), claims, 60);
    const [, payload] = token.split('.');
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    await expect(verifyAccessToken(await keys(), unsigned)).rejects.toBeInstanceOf(TokenError);
  });

  it('reject an unknown kid, even if well signed', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: 'ES256', kid: 'stranger' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience('api')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    await expect(verifyAccessToken(await keys(), token)).rejects.toThrow(/unknown signing key/);
  });

  it('reject a known kid whose signature comes from another key', async () => {
    const set = await keys();
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: 'ES256', kid: set.active.kid })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience('api')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    await expect(verifyAccessToken(set, token)).rejects.toBeInstanceOf(TokenError);
  });

  it('reject the wrong audience: a tile token is not an access token', async () => {
    const set = await keys();
    const tile = await signResourceToken(set, { sub: claims.sub, scope: dataProductScope(claims.sid) }, 60);
    await expect(verifyAccessToken(set, tile)).rejects.toBeInstanceOf(TokenError);
  });

  it('accept tokens from a key being rotated out (verify by kid)', async () => {
    const set = await keys();
    const older = [...set.byKid.values()].find((k) => k.kid !== set.active.kid)!;
    const token = await signAccessToken({ active: older, byKid: set.byKid }, claims, 60);
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!)));
    expect(await verifyAccessToken(set, token)).toEqual({ ...claims, expiresAt: payload.exp * 1000 });
  });
});

describe('resource (tile) tokens', () => {
  const product = '44444444-4444-4444-8444-444444444444';

  it('open exactly their scope', async () => {
    const set = await keys();
    const token = await signResourceToken(set, { sub: null, scope: dataProductScope(product), epoch: 7 }, 60);
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!)));
    expect(await verifyResourceToken(set, token, dataProductScope(product))).toEqual({
      sub: null,
      scope: dataProductScope(product),
      epoch: 7,
      credential: null,
      expiresAt: payload.exp * 1000,
    });
    const held = await signResourceToken(
      set,
      { sub: claims.sub, scope: dataProductScope(product), epoch: 7, credential: `key:${product}` },
      60,
    );
    expect((await verifyResourceToken(set, held, dataProductScope(product))).credential).toBe(`key:${product}`);
    await expect(verifyResourceToken(set, token, dataProductScope(claims.sub))).rejects.toThrow(/another resource/);
  });

  it('carry no epoch where none was given (job I/O), which no project scope accepts', async () => {
    const set = await keys();
    const token = await signResourceToken(set, { sub: null, scope: dataProductScope(product) }, 60);
    expect((await verifyResourceToken(set, token, dataProductScope(product))).epoch).toBeNull();
  });

  it('never live longer than an hour', async () => {
    const set = await keys();
    const token = await signResourceToken(set, { sub: null, scope: dataProductScope(product) }, 86_400);
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!)));
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.aud).toBe('tiles');
  });

  it('are not accepted where an access token is, nor the reverse', async () => {
    const set = await keys();
    const access = await signAccessToken(set, claims, 60);
    await expect(verifyResourceToken(set, access, dataProductScope(product))).rejects.toBeInstanceOf(TokenError);
  });
});

describe('signing key configuration', () => {
  it('publishes public parts only', async () => {
    const set = await keys();
    for (const key of set.byKid.values()) {
      expect(key.publicJwk.d).toBeUndefined();
      expect(key.publicJwk.kid).toBe(key.kid);
    }
  });

  it('refuses public-only or kid-less keys', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    await expect(
      signingKeys(JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'p', alg: 'ES256' }] })),
    ).rejects.toThrow(/not a private key/);
    await expect(
      signingKeys(JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256' }] })),
    ).rejects.toThrow(/kid/);
    await expect(signingKeys('{"keys":[]}')).rejects.toThrow(/no keys/);
  });
});

describe('share tokens', () => {
  const share = { sub: claims.sub, projectId: '44444444-4444-4444-8444-444444444444', epoch: 3 };

  it('round-trip: the project, its epoch and the maker, with the expiry', async () => {
    const set = await keys();
    const token = await signShareToken(set, share, 600);
    const verified = await verifyShareToken(set, token);
    expect(verified).toMatchObject(share);
    expect(Math.abs(verified.expiresAt - (Date.now() + 600_000))).toBeLessThan(2000);
  });

  it('live 30 days at most', async () => {
    const set = await keys();
    const verified = await verifyShareToken(set, await signShareToken(set, share, MAX_SHARE_TTL * 2));
    expect(verified.expiresAt - Date.now()).toBeLessThanOrEqual(MAX_SHARE_TTL * 1000);
  });

  it('are neither access nor tile tokens, and neither of those is one', async () => {
    const set = await keys();
    const token = await signShareToken(set, share, 600);
    await expect(verifyAccessToken(set, token)).rejects.toBeInstanceOf(TokenError);
    await expect(verifyResourceToken(set, token, `project:${share.projectId}`)).rejects.toBeInstanceOf(TokenError);
    const tile = await signResourceToken(set, { sub: claims.sub, scope: `project:${share.projectId}`, epoch: 3 }, 60);
    await expect(verifyShareToken(set, tile)).rejects.toBeInstanceOf(TokenError);
    await expect(verifyShareToken(set, await signAccessToken(set, claims, 60))).rejects.toBeInstanceOf(TokenError);
  });

  it('reject a tampered project or epoch', async () => {
    const set = await keys();
    const token = await signShareToken(set, share, 600);
    for (const change of [
      (p: Record<string, unknown>) => (p.scope = 'project:55555555-5555-4555-8555-555555555555'),
      (p: Record<string, unknown>) => (p.ep = 4),
    ])
      await expect(verifyShareToken(set, tamper(token, change))).rejects.toBeInstanceOf(TokenError);
  });

  it('need a project and an epoch', async () => {
    const set = await keys();
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: set.active.kid })
        .setSubject(claims.sub)
        .setIssuer(ISSUER)
        .setAudience('share')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(set.active.privateKey);
    await expect(verifyShareToken(set, await sign({ scope: 'project:x', ep: 1.5 }))).rejects.toThrow(/ep/);
    await expect(verifyShareToken(set, await sign({ scope: 'data_product:x', ep: 1 }))).rejects.toThrow(/project/);
    await expect(verifyShareToken(set, await sign({ ep: 1 }))).rejects.toThrow(/project/);
  });
});
