import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SignJWT, base64url, createRemoteJWKSet, generateKeyPair, jwtVerify } from 'jose';
import { baseUrl, call, databaseUrl, json, login, newUser, problem, signAsService, unique } from './helpers';
import { OwnWorker } from './own-worker';

describe('registration and sign-in', () => {
  it('registers, signs in and answers /users/me', async () => {
    const user = await newUser('alice');
    const me = await json<{ id: string; email: string; is_admin: boolean }>(
      await call('/users/me', { token: user.token }),
      200,
    );
    expect(me).toMatchObject({ id: user.id, email: user.email, is_admin: false });
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    const user = await newUser('dup');
    await problem(
      await call('/auth/register', { json: { email: user.email.toUpperCase(), password: 'another password' } }),
      409,
      'conflict',
    );
  });

  it('refuses a wrong password and an unknown account alike', async () => {
    const user = await newUser('wrongpw');
    const wrong = await problem(await login(user.email, 'not the password'), 401, 'invalid-credentials');
    const unknown = await problem(
      await login(`${unique('ghost')}@example.org`, 'whatever1'),
      401,
      'invalid-credentials',
    );
    expect(wrong.detail).toBe(unknown.detail);
  });

  it('issues access tokens signed with a published key (verifiable from the JWKS alone)', async () => {
    const user = await newUser('jwks');
    const jwks = createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(user.token, jwks, { audience: 'api', issuer: 'edge-tiles' });
    expect(payload.sub).toBe(user.id);
    expect(protectedHeader.kid).toBeTruthy();
    expect(protectedHeader.alg).toBe('ES256');
  });
});

describe('refresh and logout', () => {
  it('rotates refresh tokens, and a reused one ends the whole sign-in', async () => {
    const user = await newUser('refresh');
    const first = await json<{ access_token: string; refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }),
      200,
    );
    expect(first.refresh_token).not.toBe(user.refreshToken);
    await json(await call('/users/me', { token: first.access_token }), 200);
    // The sign-in goes on with its new token, then the old one comes back: it leaked.
    const second = await json<{ access_token: string; refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: first.refresh_token } }),
      200,
    );

    await problem(await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'invalid-token');
    // The reuse revoked the family: the newer tokens are dead too.
    await problem(await call('/auth/refresh', { json: { refresh_token: second.refresh_token } }), 401, 'invalid-token');
    await problem(await call('/users/me', { token: second.access_token }), 401, 'invalid-token');
  });

  it('a refresh whose answer was lost may be sent again at once: a new pair, and the lost one is dead', async () => {
    const user = await newUser('refresh-retry');
    const lost = await json<{ access_token: string; refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }),
      200,
    );
    // The page reloaded before it stored `lost`, and its next page sends the same token.
    const again = await json<{ access_token: string; refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }),
      200,
    );
    expect(again.refresh_token).not.toBe(lost.refresh_token);
    await json(await call('/users/me', { token: again.access_token }), 200);
    const next = await json<{ refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: again.refresh_token } }),
      200,
    );
    // The dropped successor was never rotated: presenting it is a reuse, which ends the sign-in.
    await problem(await call('/auth/refresh', { json: { refresh_token: lost.refresh_token } }), 401, 'invalid-token');
    await problem(await call('/auth/refresh', { json: { refresh_token: next.refresh_token } }), 401, 'invalid-token');
  });

  it('cannot: past the grace after its rotation, the old token is a reuse even if its successor was never used', async () => {
    const user = await newUser('refresh-late');
    const first = await json<{ access_token: string; refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }),
      200,
    );
    // As if the rotation were 31 s old (the grace is 30 s).
    const db = new pg.Client({ connectionString: databaseUrl() });
    await db.connect();
    try {
      const aged = await db.query(
        "UPDATE sessions SET revoked_at = revoked_at - interval '31 seconds' WHERE user_id = $1 AND rotated_to IS NOT NULL",
        [user.id],
      );
      expect(aged.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    await problem(await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'invalid-token');
    await problem(await call('/users/me', { token: first.access_token }), 401, 'invalid-token');
  });

  it('cannot: the second chance is given once; the same token a third time ends the sign-in', async () => {
    const user = await newUser('refresh-thrice');
    const refresh = () => call('/auth/refresh', { json: { refresh_token: user.refreshToken } });
    await json(await refresh(), 200);
    const again = await json<{ access_token: string }>(await refresh(), 200);
    await problem(await refresh(), 401, 'invalid-token');
    await problem(await call('/users/me', { token: again.access_token }), 401, 'invalid-token');
  });

  it('cannot: a token ended by logout is not "lost", however soon it comes again', async () => {
    const user = await newUser('refresh-logout');
    const first = await json<{ refresh_token: string }>(
      await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }),
      200,
    );
    expect((await call('/auth/logout', { json: { refresh_token: first.refresh_token } })).status).toBe(204);
    await problem(await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'invalid-token');
    await problem(await call('/auth/refresh', { json: { refresh_token: first.refresh_token } }), 401, 'invalid-token');
  });

  it('logout ends the session at once, for access and refresh tokens', async () => {
    const user = await newUser('logout');
    expect((await call('/auth/logout', { method: 'POST', token: user.token })).status).toBe(204);
    await problem(await call('/users/me', { token: user.token }), 401, 'invalid-token');
    await problem(await call('/auth/refresh', { json: { refresh_token: user.refreshToken } }), 401, 'invalid-token');
  });

  it('logout by refresh token alone works too, and leaves other sign-ins alone', async () => {
    const user = await newUser('logout2');
    const other = await json<{ access_token: string }>(await login(user.email, user.password), 200);
    expect((await call('/auth/logout', { json: { refresh_token: user.refreshToken } })).status).toBe(204);
    await problem(await call('/users/me', { token: user.token }), 401, 'invalid-token');
    await json(await call('/users/me', { token: other.access_token }), 200);
  });
});

describe('hostile access tokens all get 401', () => {
  const decode = (part: string) =>
    JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>;
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

  it('tampered payload', async () => {
    const victim = await newUser('victim');
    const attacker = await newUser('attacker');
    const [header, payload, signature] = attacker.token.split('.');
    const forged = [header, encode({ ...decode(payload!), sub: victim.id }), signature].join('.');
    await problem(await call('/users/me', { token: forged }), 401, 'invalid-token');
  });

  it('expired', async () => {
    const user = await newUser('expired');
    const claims = decode(user.token.split('.')[1]!);
    const now = Math.floor(Date.now() / 1000);
    const expired = await signAsService({ sub: user.id, sid: claims.sid }, 'api', {
      issuedAt: now - 3600,
      expiresAt: now - 60,
    });
    const body = await problem(await call('/users/me', { token: expired }), 401, 'invalid-token');
    expect(body.detail).toMatch(/expired/);
  });

  it('alg none', async () => {
    const user = await newUser('algnone');
    const payload = user.token.split('.')[1]!;
    await problem(
      await call('/users/me', { token: `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.` }),
      401,
      'invalid-token',
    );
  });

  it('unknown kid', async () => {
    const user = await newUser('kid');
    const claims = decode(user.token.split('.')[1]!);
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: 'ES256', kid: 'not-ours' })
      .setSubject(user.id)
      .setIssuer('edge-tiles')
      .setAudience('api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await problem(await call('/users/me', { token }), 401, 'invalid-token');
  });

  it('wrong audience (a tile token used as an access token)', async () => {
    const user = await newUser('aud');
    const claims = decode(user.token.split('.')[1]!);
    const token = await signAsService({ sub: user.id, sid: claims.sid }, 'tiles', { expiresAt: '5m' });
    await problem(await call('/users/me', { token }), 401, 'invalid-token');
  });

  it('garbage', async () => {
    await problem(await call('/users/me', { token: 'not.a.jwt' }), 401, 'invalid-token');
    await problem(await call('/users/me', { headers: { authorization: 'Bearer' } }), 401, 'invalid-token');
  });
});

describe('sign-in throttling', () => {
  const address = (net: string) => `${net}.${(Date.now() % 200) + 1}`;

  it('locks one address out of an account after repeated failures; the owner elsewhere still signs in (issue 18)', async () => {
    const user = await newUser('throttle');
    const attacker = address('198.51.100');
    for (let i = 0; i < 5; i++)
      await problem(await login(user.email, `wrong-${i}-pw`, attacker), 401, 'invalid-credentials');
    const locked = await login(user.email, user.password, attacker);
    await problem(locked, 429, 'too-many-requests');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await json(await login(user.email, user.password, address('203.0.113')), 200);
  });

  it('locks an account everywhere only past a ceiling that takes many addresses to reach', async () => {
    const user = await newUser('ceiling');
    // 100 failures from 20 addresses, 5 each (each pair then locked on its own).
    for (let a = 0; a < 20; a++) {
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          login(user.email, `wrong-${a}-${i}`, `198.18.${a}.7`).then((r) => problem(r, 401, 'invalid-credentials')),
        ),
      );
    }
    await problem(await login(user.email, user.password, '198.19.0.1'), 429, 'too-many-requests');
  });

  it('limits one address trying many accounts', async () => {
    const ip = address('192.0.2');
    for (let i = 0; i < 30; i++)
      await problem(await login(`${unique('spray')}@example.org`, 'guess-1234', ip), 401, 'invalid-credentials');
    const user = await newUser('bystander');
    await problem(await login(user.email, user.password, ip), 429, 'too-many-requests');
    // The same account from another address is unaffected.
    await json(await login(user.email, user.password, '192.0.2.254'), 200);
  });

  it('trusts no client-sent address where nothing in front of the Worker sets it (wrangler dev)', async () => {
    const server = new OwnWorker('untrusted-address', { CLIENT_ADDRESS_HEADER: '' });
    await server.start();
    try {
      const at = (path: string, init: RequestInit) => fetch(`${server.baseUrl}${path}`, init);
      const post = (path: string, body: unknown, ip: string) =>
        at(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
          body: JSON.stringify(body),
        });
      const email = `${unique('bystander')}@example.org`;
      expect(
        (await post('/auth/register', { email, password: 'right-password-1', name: 'bystander' }, '10.0.0.1')).status,
      ).toBe(201);
      // A password spray, each guess claiming another address: they all count against the one address
      // there is, so the per-address limit (30) stops it (sooner if earlier tests failed from it too).
      const statuses: number[] = [];
      for (let i = 0; i <= 30 && !statuses.includes(429); i++) {
        statuses.push(
          (
            await post(
              '/auth/token',
              { email: `${unique('sprayed')}@example.org`, password: 'guess-1234' },
              `10.0.1.${i}`,
            )
          ).status,
        );
      }
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
      await problem(
        await post('/auth/token', { email, password: 'right-password-1' }, '10.0.2.1'),
        429,
        'too-many-requests',
      );
    } finally {
      await server.stop();
    }
  });
});
