import { exports } from 'cloudflare:workers';
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../workers/platform/env';
import { cached } from '../../workers/platform/http/tile-cache';

const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://edge.test${path}`, init));

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string }>;
}

async function expectProblem(response: Response, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = await response.json<Problem>();
  expect(body.type).toBe(`https://edge-tiles.dev/problems/${type}`);
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  return body;
}

describe('HTTP conventions (no database needed)', () => {
  it('answers unknown routes with 404 problem+json', async () => {
    await expectProblem(await call('/no/such/route'), 404, 'not-found');
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const response = await call('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "a@b.c", ',
    });
    await expectProblem(response, 400, 'malformed-json');
  });

  it('names each invalid field', async () => {
    const response = await call('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'not-an-email', password: 'short' }),
    });
    const body = await expectProblem(response, 400, 'validation-error');
    expect(body.errors?.map((e) => e.path).sort()).toEqual(['json.email', 'json.password']);
  });

  it('rejects NUL characters, which PostgreSQL text cannot store', async () => {
    const response = await call('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.org', password: 'long enough', name: 'a\u0000b' }),
    });
    await expectProblem(response, 400, 'validation-error');
  });

  it('answers bodies over MAX_BODY_BYTES with 413, with or without Content-Length', async () => {
    const big = JSON.stringify({ email: 'a@b.org', password: 'x'.repeat(10_000) });
    await expectProblem(
      await call('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big }),
      413,
      'payload-too-large',
    );
    const stream = new Blob([big]).stream();
    const chunked = await call('/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(chunked, 413, 'payload-too-large');
  });

  it('answers a non-JSON content type with 415', async () => {
    await expectProblem(
      await call('/auth/token', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      415,
      'unsupported-media-type',
    );
  });

  it('answers a malformed Authorization header with 401', async () => {
    await expectProblem(await call('/users/me', { headers: { authorization: 'Basic abc' } }), 401, 'invalid-token');
  });

  it('answers anonymous calls to private routes with 401', async () => {
    const response = await call('/users/me');
    await expectProblem(response, 401, 'unauthorized');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('reports an unreachable database as 503 naming the part', async () => {
    const response = await call('/health');
    expect(response.status).toBe(503);
    const body = await response.json<{ status: string; db: string; r2: string }>();
    expect(body).toMatchObject({ status: 'error', db: 'error', r2: 'ok' });
  });

  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const response = await call('/openapi.json');
    expect(response.status).toBe(200);
    const doc = await response.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/auth/token',
      '/auth/register',
      '/auth/refresh',
      '/auth/logout',
      '/users/me',
      '/api-keys',
      '/api-keys/{id}',
      '/teams',
      '/projects',
      '/projects/{projectId}',
      '/projects/{projectId}/members',
      '/projects/{projectId}/flights',
      '/data-products/{dataProductId}',
      '/data-products/{dataProductId}/token',
      '/health',
      '/.well-known/jwks.json',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(doc.paths['/projects/{projectId}']!).sort()).toEqual(['delete', 'get', 'patch']);
  });

  it('serves a docs page that renders the document', async () => {
    const response = await call('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain("fetch('/openapi.json')");
  });

  it('publishes the public signing keys', async () => {
    const response = await call('/.well-known/jwks.json');
    const { keys } = await response.json<{ keys: Array<Record<string, string>> }>();
    expect(keys.map((k) => k.kid).sort()).toEqual(['unit-a', 'unit-b']);
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  it('answers CORS preflights for allowed origins only, and varies by Origin', async () => {
    const preflight = await call('/projects', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://viewer.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://viewer.example');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key');
    const stranger = await call('/openapi.json', { headers: { origin: 'https://evil.example' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await call('/openapi.json', { headers: { origin: 'https://qgis.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://qgis.example');
    expect(allowed.headers.get('vary')).toMatch(/origin/i);
    expect(allowed.headers.get('access-control-expose-headers')).toMatch(/ETag/);
  });
});

describe('security headers (issue 18)', () => {
  const sha256 = async (text: string) =>
    btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))));

  it('every answer, problems and failures included, forbids sniffing, referrers and framing, and varies by Origin once', async () => {
    const answers = [
      await call('/openapi.json', { headers: { origin: 'https://qgis.example' } }),
      await call('/no/such/route', { headers: { origin: 'https://qgis.example' } }),
      await call('/health'),
      await call('/projects', {
        method: 'OPTIONS',
        headers: { origin: 'https://viewer.example', 'access-control-request-method': 'POST' },
      }),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    expect(answers[0]!.headers.get('vary')).toBe('Origin');
  });

  it('the docs page runs its own inline script and style, by hash, and nothing else', async () => {
    const page = await call('/docs');
    const html = await page.text();
    const inner = (tag: string) => html.slice(html.indexOf(`<${tag}>`) + tag.length + 2, html.indexOf(`</${tag}>`));
    const policy = page.headers.get('content-security-policy')!;
    expect(policy).toContain(`script-src 'sha256-${await sha256(inner('script'))}'`);
    expect(policy).toContain(`style-src 'sha256-${await sha256(inner('style'))}'`);
    expect(policy).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    // One inline script and one inline style, and no inline style attributes the policy would block.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/ style="/);
  });
});

describe('the tile cache', () => {
  /** A route that renders `size` bytes once per key; `renders` counts what reached the renderer. */
  function tileRoute(memoryBytes: string) {
    const app = new Hono<AppEnv>();
    const counter = { renders: 0 };
    app.get('/tile/:key/:size', (c) => {
      c.set('principal', null);
      const key = `https://render-cache.test/${c.req.param('key')}`;
      return cached(c, { key, cacheControl: 'public, max-age=60', hitTiming: () => [] }, async () => {
        counter.renders++;
        const bytes = new Uint8Array(Number(c.req.param('size'))).map((_, i) => (i * 7 + counter.renders) % 251);
        return new Response(bytes, { headers: { 'content-type': 'image/png' } });
      });
    });
    const get = async (path: string) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(
        new Request(`http://edge.test${path}`),
        { ...env, TILE_MEMORY_CACHE_BYTES: memoryBytes },
        ctx,
      );
      const body = new Uint8Array(await response.arrayBuffer());
      await waitOnExecutionContext(ctx);
      const tier = /cache;dur=[\d.]+;desc="(\w+)"/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? null;
      return {
        state: response.headers.get('x-cache'),
        tier,
        body,
        type: response.headers.get('content-type'),
        etag: response.headers.get('etag'),
      };
    };
    return { get, counter };
  }
  const unique = () => crypto.randomUUID();

  it('answers a hot tile from the isolate, the same bytes every time, rendered once', async () => {
    const { get, counter } = tileRoute(String(1024 * 1024));
    const path = `/tile/${unique()}/3000`;
    const first = await get(path);
    expect(first).toMatchObject({ state: 'MISS', tier: 'miss', type: 'image/png' });
    for (let i = 0; i < 3; i++) {
      const again = await get(path);
      expect(again).toMatchObject({ state: 'HIT', tier: 'isolate', type: 'image/png', etag: first.etag });
      expect(again.body).toEqual(first.body);
    }
    expect(counter.renders).toBe(1);
  });

  it('falls back on the Cache API, and keeps what it found there in the isolate', async () => {
    const path = `/tile/${unique()}/3000`;
    const off = tileRoute('0');
    const first = await off.get(path);
    expect(first.state).toBe('MISS');
    expect(await off.get(path)).toMatchObject({ state: 'HIT', tier: 'edge', body: first.body });
    const on = tileRoute(String(1024 * 1024));
    expect(await on.get(path)).toMatchObject({ state: 'HIT', tier: 'edge', body: first.body });
    expect(await on.get(path)).toMatchObject({ state: 'HIT', tier: 'isolate', body: first.body });
    expect(off.counter.renders + on.counter.renders).toBe(1);
  });

  it('does not let one big rendering fill the isolate tier', async () => {
    const { get } = tileRoute('16000');
    const small = `/tile/${unique()}/900`;
    const big = `/tile/${unique()}/1100`;
    await get(small);
    await get(big);
    expect((await get(small)).tier).toBe('isolate');
    expect((await get(big)).tier).toBe('edge');
  });
});
