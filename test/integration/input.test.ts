import { beforeAll, describe, expect, it } from 'vitest';
import { call, json, newUser, problem, seed, type TestUser } from './helpers';

/** Strings shaped like SQL, HTML, template, path and header attacks: data, never code. */
const HOSTILE = [
  "Robert'); DROP TABLE users;--",
  "' OR '1'='1' --",
  '"; SELECT pg_sleep(10); --',
  '<script>alert("x")</script><img src=x onerror=alert(1)>',
  '{{7*7}} ${7*7} #{7*7} <%= 7*7 %>',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '%00%27%22\\x00\\\\',
  'line\nbreak\r\nheader: injected',
  'ʼ OR 1=1 — ✓ 🚁 日本語 \u202Eevil',
  '$1 $$ :name ?',
];

describe('hostile strings in every text field', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser('hostile');
  });

  it('are stored and returned verbatim', async () => {
    for (const text of HOSTILE) {
      const team = await json<{ id: string; name: string; description: string }>(
        await call('/teams', { token: user.token, json: { name: text, description: text } }),
        201,
      );
      expect(team).toMatchObject({ name: text, description: text });

      const project = await json<{ id: string; title: string; description: string }>(
        await call('/projects', { token: user.token, json: { title: text, description: text } }),
        201,
      );
      expect(project).toMatchObject({ title: text, description: text });
      expect(await json(await call(`/projects/${project.id}`, { token: user.token }), 200)).toMatchObject({
        title: text,
        description: text,
      });

      const flight = await json<{ id: string }>(
        await call(`/projects/${project.id}/flights`, {
          token: user.token,
          json: { acquisition_date: '2024-01-01', name: text, platform: text, sensor: text },
        }),
        201,
      );
      expect(flight).toMatchObject({ name: text, platform: text, sensor: text });

      const product = await json<{ id: string }>(
        await call(`/projects/${project.id}/flights/${flight.id}/data-products`, {
          token: user.token,
          json: { type: 'ortho', filename: text, crs: text, metadata: { [text]: text } },
        }),
        201,
      );
      expect(await json(await call(`/data-products/${product.id}`, { token: user.token }), 200)).toMatchObject({
        filename: text,
        crs: text,
        metadata: { [text]: text },
      });

      const key = await json<{ name: string }>(
        await call('/api-keys', { token: user.token, json: { name: text } }),
        201,
      );
      expect(key.name).toBe(text);

      const registered = await json<{ name: string }>(
        await call('/auth/register', {
          json: {
            email: `h${Math.random().toString(36).slice(2)}@example.org`,
            password: text.padEnd(8, '.'),
            name: text,
          },
        }),
        201,
      );
      expect(registered.name).toBe(text);
    }
  });

  it('in ids and query parameters are just unknown resources', async () => {
    for (const id of ["1' OR '1'='1", '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc', 'abc']) {
      await problem(await call(`/projects/${encodeURIComponent(id)}`, { token: user.token }), 404, 'not-found');
      await problem(await call(`/data-products/${encodeURIComponent(id)}`, { token: user.token }), 404, 'not-found');
      await problem(await call(`/teams/${encodeURIComponent(id)}`, { token: user.token }), 404, 'not-found');
    }
    await problem(await call("/projects?public=1'--", { token: user.token }), 400, 'validation-error');
  });

  it('log in as nobody', async () => {
    await problem(
      await call('/auth/token', { json: { email: "admin@edge-tiles.local' --", password: "' OR '1'='1" } }),
      400,
      'validation-error',
    );
    await problem(
      await call('/auth/token', {
        json: { email: 'admin@edge-tiles.local', password: "' OR '1'='1" },
        headers: { 'cf-connecting-ip': '198.18.0.1' },
      }),
      401,
      'invalid-credentials',
    );
  });
});

describe('malformed and oversized requests', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser('malformed');
  });

  it('malformed JSON is 400 problem+json on every writing route', async () => {
    for (const [method, path] of [
      ['POST', '/auth/register'],
      ['POST', '/auth/token'],
      ['POST', '/projects'],
      ['POST', '/teams'],
      ['POST', '/api-keys'],
    ]) {
      await problem(
        await call(path!, {
          method,
          token: user.token,
          body: '{"title": "x",',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'malformed-json',
      );
    }
  });

  it('wrong shapes name the field', async () => {
    const body = await problem(
      await call('/projects', {
        token: user.token,
        json: {
          title: 42,
          boundary: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 1],
              ],
            ],
          },
        },
      }),
      400,
      'validation-error',
    );
    expect(body.errors!.map((e) => e.path)).toEqual(
      expect.arrayContaining(['json.title', 'json.boundary.coordinates.0']),
    );
    await problem(
      await call('/projects', { token: user.token, json: ['not', 'an', 'object'] }),
      400,
      'validation-error',
    );
    await problem(
      await call('/projects', { token: user.token, json: { title: 'nul \u0000 inside' } }),
      400,
      'validation-error',
    );
  });

  it('bodies over the limit are 413, with or without Content-Length', async () => {
    const huge = JSON.stringify({ title: 'x', description: 'y'.repeat(2 * 1024 * 1024) });
    await problem(
      await call('/projects', { token: user.token, body: huge, headers: { 'content-type': 'application/json' } }),
      413,
      'payload-too-large',
    );
    const stream = new Blob([huge]).stream();
    const response = await fetch(`${(await import('./helpers')).baseUrl}/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await problem(response, 413, 'payload-too-large');
  });

  it('data product keys cannot leave their project', async () => {
    const project = await json<{ id: string }>(
      await call('/projects', { token: user.token, json: { title: 'keys' } }),
      201,
    );
    const flight = await json<{ id: string }>(
      await call(`/projects/${project.id}/flights`, { token: user.token, json: { acquisition_date: '2024-01-01' } }),
      201,
    );
    for (const key of [
      'projects/other/file.tif',
      `projects/${project.id}/../other/file.tif`,
      `projects/${project.id}//x.tif`,
      'file.tif',
    ]) {
      await problem(
        await call(`/projects/${project.id}/flights/${flight.id}/data-products`, {
          token: user.token,
          json: { type: 'ortho', r2_key: key },
        }),
        400,
        'validation-error',
      );
    }
    await json(
      await call(`/projects/${project.id}/flights/${flight.id}/data-products`, {
        token: user.token,
        json: { type: 'ortho', r2_key: `projects/${project.id}/a/b.tif` },
      }),
      201,
    );
  });
});

describe('hostile parameters that used to reach a 500 (issue 18)', () => {
  const admin = { apiKey: seed.admin.apiKey };
  const product = () => seed.dataProducts['cog.tif']!.id;
  const tile = (query: string) => `/data-products/${product()}/tiles/WebMercatorQuad/0/0/0.png?rescale=0,8000&${query}`;

  it('each is a 4xx problem+json that says what is wrong', async () => {
    const cases: Array<[path: string, status: number, detail: RegExp]> = [
      ['/cog/info?url=projects%2Fa%00b.tif', 400, /control characters/],
      ['/pmtiles/a%00b/metadata', 400, /control characters/],
      [tile('colormap_name=__proto__'), 400, /Unknown colormap_name "__proto__"/],
      [tile('colormap_name=constructor'), 400, /Unknown colormap_name "constructor"/],
      [tile('colormap_name=hasOwnProperty_r'), 400, /Unknown colormap_name/],
      [tile(Array.from({ length: 4000 }, () => 'bidx=1').join('&')), 400, /bidx lists 3 bands at most/],
      [
        tile(`expression=${encodeURIComponent(Array.from({ length: 682 }, () => 'b1').join(';'))}`),
        400,
        /4 bands at most \(got 682\)/,
      ],
      [`/stac/search?sortby=${Array.from({ length: 200 }, (_, i) => `p${i}`).join(',')}`, 400, /16 fields at most/],
      [
        `/stac/search?filter-lang=cql2-text&filter=${encodeURIComponent(`${'('.repeat(4000)}a=1${')'.repeat(4000)}`)}`,
        400,
        /nests too deeply/,
      ],
      [
        `/stac/search?filter-lang=cql2-text&filter=${encodeURIComponent(`${'NOT '.repeat(1000)}a=1`)}`,
        400,
        /nests too deeply/,
      ],
      [
        `/stac/search?filter-lang=cql2-text&filter=${encodeURIComponent(`S_INTERSECTS(geometry, POLYGON(${'('.repeat(1000)}0 0${')'.repeat(1000)}))`)}`,
        400,
        /nests too deeply/,
      ],
    ];
    for (const [path, status, detail] of cases) {
      const body = await problem(await call(path, admin), status);
      expect(body.detail, path).toMatch(detail);
    }
  });
});
