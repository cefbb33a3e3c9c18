import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baseUrl,
  call,
  databaseUrl,
  json,
  newUser,
  problem,
  seed,
  signAsService,
  square,
  type TestUser,
} from './helpers';
import { fileProduct, projectWithFlight } from './world';

interface Share {
  token: string;
  project_id: string;
  expires_in: number;
  expires_at: string;
}

interface SharedProduct {
  id: string;
  status: string;
  stats: unknown;
  bands: unknown;
  tiles: {
    token: string;
    audience: string;
    scope: string;
    expires_in: number;
    expires_at: string;
    tilejson: string | null;
  };
}

interface View {
  project: { id: string; title: string; description: string; boundary: { type: string } | null };
  flights: Array<{ id: string }>;
  data_products: SharedProduct[];
  expires_at: string;
}

const as = (user: TestUser) => ({ token: user.token });

let db: pg.Client;
let owner: TestUser;
let manager: TestUser;
let viewer: TestUser;
let stranger: TestUser;
let project: string;
let flight: string;
let cog: string;
let pending: string;
let raw: string;

const share = async (by: TestUser, expiresIn = 3600, target = project) =>
  json<Share>(await call(`/projects/${target}/shares`, { ...as(by), json: { expires_in: expiresIn } }), 201);
const view = async (token: string) => json<View>(await call(`/shares/${encodeURIComponent(token)}`), 200);
const refused = (token: string) => call(`/shares/${encodeURIComponent(token)}`);

/** A private project: owner, manager, viewer; a flight; a ready COG product and a pending one. */
async function privateProject(
  title: string,
): Promise<{ project: string; flight: string; cog: string; pending: string; raw: string }> {
  const boundary = square(-61, 72, 1);
  const at = await projectWithFlight(owner, { title, description: 'shared', boundary, is_public: false });
  for (const [user, role] of [
    [manager, 'manager'],
    [viewer, 'viewer'],
  ] as const)
    await json(await call(`/projects/${at.project}/members`, { ...as(owner), json: { user_id: user.id, role } }), 200);
  const stats = { b1: { min: 1, max: 7872 } };
  const ready = await fileProduct(manager, owner, at, 'cog/cog.tif', { type: 'ortho', stats });
  const notYet = await json<{ id: string }>(
    await call(`/projects/${at.project}/flights/${at.flight}/data-products`, { ...as(owner), json: { type: 'dsm' } }),
    201,
  );
  // The upload made a raw product of its own (ready: stored as it is), which has no tiles.
  return { ...at, cog: ready.id, pending: notYet.id, raw: ready.raw };
}

beforeAll(async () => {
  [owner, manager, viewer, stranger] = await Promise.all([
    newUser('share-owner'),
    newUser('share-manager'),
    newUser('share-viewer'),
    newUser('share-stranger'),
  ]);
  ({ project, flight, cog, pending, raw } = await privateProject('Shared'));
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
}, 60_000);
afterAll(() => db.end());

describe('making a share link', () => {
  it('a manager makes one: a signed token of audience "share" for the project, in its access epoch', async () => {
    const before = Date.now();
    const made = await share(manager, 7200);
    expect(made).toMatchObject({ project_id: project, expires_in: 7200 });
    expect(Math.abs(Date.parse(made.expires_at) - (before + 7200_000))).toBeLessThan(5000);
    const { payload } = await jwtVerify(made.token, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), {
      audience: 'share',
      issuer: 'edge-tiles',
    });
    expect(payload).toMatchObject({ sub: manager.id, scope: `project:${project}` });
    expect(typeof payload.ep).toBe('number');
    expect(payload.exp! - payload.iat!).toBe(7200);
  });

  it('so do the owner and administrators', async () => {
    await share(owner);
    await json(await call(`/projects/${project}/shares`, { apiKey: seed.admin.apiKey, json: { expires_in: 60 } }), 201);
  });

  it('a viewer cannot (403); a stranger and an anonymous caller are told the project does not exist (404)', async () => {
    const body = { json: { expires_in: 3600 } };
    await problem(await call(`/projects/${project}/shares`, { ...as(viewer), ...body }), 403, 'forbidden');
    await problem(await call(`/projects/${project}/shares`, { ...as(stranger), ...body }), 404, 'not-found');
    await problem(await call(`/projects/${project}/shares`, body), 404, 'not-found');
    await problem(await call(`/projects/${randomUUID()}/shares`, { ...as(stranger), ...body }), 404, 'not-found');
  });

  it('lives from a minute to 30 days: beyond is 400 naming expires_in', async () => {
    for (const expires of [59, 30 * 86_400 + 1, 1.5, '3600', undefined]) {
      const refusal = await problem(
        await call(`/projects/${project}/shares`, { ...as(manager), json: { expires_in: expires } }),
        400,
        'validation-error',
      );
      expect(refusal.errors?.map((e) => e.path)).toEqual(['json.expires_in']);
    }
    expect((await share(manager, 60)).expires_in).toBe(60);
    expect((await share(manager, 30 * 86_400)).expires_in).toBe(30 * 86_400);
  });
});

describe('opening a share link', () => {
  it('shows the project, its flights and its ready products to anyone holding it, no credentials needed', async () => {
    const made = await share(manager);
    const response = await refused(made.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const shared = (await response.json()) as View;
    expect(shared.project).toEqual({
      id: project,
      title: 'Shared',
      description: 'shared',
      boundary: expect.objectContaining({ type: 'MultiPolygon' }),
    });
    expect(shared.flights.map((f) => f.id)).toEqual([flight]);
    // A link opens a map: the ready products with tiles. Not a pending one, not a raw file (no
    // token for it, so its file stays closed), and not where anything lies in the bucket.
    expect(shared.data_products.map((p) => p.id)).toEqual([cog]);
    expect(shared.data_products.map((p) => p.id)).not.toContain(pending);
    expect(shared.data_products.map((p) => p.id)).not.toContain(raw);
    expect(shared.data_products.every((p) => !('r2_key' in p))).toBe(true);
    expect(Math.abs(Date.parse(shared.expires_at) - Date.parse(made.expires_at))).toBeLessThan(2000);
    // The product as GET /data-products/{id} shows it (but for its key), statistics included.
    const {
      file: _file,
      r2_key: _key,
      ...direct
    } = await json<Record<string, unknown>>(await call(`/data-products/${cog}`, as(viewer)), 200);
    const { tiles, ...product } = shared.data_products.find((p) => p.id === cog)!;
    expect(product).toEqual(direct);
    expect(tiles).toMatchObject({ audience: 'tiles', scope: `data_product:${cog}`, token_type: 'resource' });
    expect(tiles.expires_in).toBeLessThanOrEqual(3600);
  });

  it("hands out tile tokens that open the product's tiles by TileJSON, with no header at all", async () => {
    const shared = await view((await share(manager)).token);
    const { tiles } = shared.data_products.find((p) => p.id === cog)!;
    expect(tiles.tilejson).toContain(`/data-products/${cog}/WebMercatorQuad/tilejson.json?token=`);
    // What a browser does with an <img> or MapLibre's fetch: a plain GET, the token in the URL, no
    // custom header, so no CORS preflight either.
    const tilejson = (await (await fetch(tiles.tilejson!)).json()) as {
      tiles: string[];
      maxzoom: number;
      bounds: number[];
    };
    const [w, s, e, n] = tilejson.bounds as [number, number, number, number];
    const z = tilejson.maxzoom;
    const x = Math.floor((((w + e) / 2 + 180) / 360) * 2 ** z);
    const lat = (((s + n) / 2) * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * 2 ** z);
    const url = tilejson.tiles[0]!.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y));
    expect(new URL(url).searchParams.get('token')).toBe(tiles.token);
    const tile = await fetch(`${url}&rescale=0,8000`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
  });

  it('never hands out a tile token that outlives the share', async () => {
    const shared = await view((await share(manager, 90)).token);
    const { tiles } = shared.data_products[0]!;
    expect(tiles.expires_in).toBeLessThanOrEqual(90);
    expect(Date.parse(tiles.expires_at)).toBeLessThanOrEqual(Date.parse(shared.expires_at) + 1000);
  });

  it('a share of a public project works the same', async () => {
    const open = await json<{ id: string }>(
      await call('/projects', { ...as(owner), json: { title: 'Open', is_public: true } }),
      201,
    );
    const made = await share(owner, 600, open.id);
    const shared = await view(made.token);
    expect(shared.project.id).toBe(open.id);
    expect(shared.data_products).toEqual([]);
  });
});

describe('a share link that no longer stands is 401, telling nothing of the project', () => {
  it('when it has expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signAsService({ sub: manager.id, scope: `project:${project}`, ep: 0 }, 'share', {
      issuedAt: now - 7200,
      expiresAt: now - 60,
    });
    const body = await problem(await refused(expired), 401, 'invalid-token');
    expect(body.detail).toMatch(/expired/);
  });

  it('for a project that does not exist, as for one whose access changed', async () => {
    const ghost = await signAsService({ sub: manager.id, scope: `project:${randomUUID()}`, ep: 0 }, 'share', {
      expiresAt: '1h',
    });
    const gone = await problem(await refused(ghost), 401, 'invalid-token');
    const stale = await signAsService({ sub: manager.id, scope: `project:${project}`, ep: -1 }, 'share', {
      expiresAt: '1h',
    });
    const changed = await problem(await refused(stale), 401, 'invalid-token');
    // The same answer but for `instance` (the path, which holds the token).
    expect({ ...changed, instance: undefined }).toEqual({ ...gone, instance: undefined });
  });

  it("once the project's access epoch moves (a member removed): the link, and the tile tokens it gave", async () => {
    const own = await privateProject('Shared, then not');
    const made = await share(manager, 3600, own.project);
    const { tiles } = (await view(made.token)).data_products.find((p) => p.id === own.cog)!;
    const info = `/data-products/${own.cog}/info?token=${encodeURIComponent(tiles.token)}`;
    expect((await call(info)).status).toBe(200);
    expect(
      (await call(`/projects/${own.project}/members/${viewer.id}`, { ...as(owner), method: 'DELETE' })).status,
    ).toBe(204);
    await problem(await refused(made.token), 401, 'invalid-token');
    await problem(await call(info), 401, 'invalid-token');
    // A link made now, in the new epoch, works.
    expect((await view((await share(manager, 3600, own.project)).token)).project.id).toBe(own.project);
  });

  it('once its maker no longer reads the project (an administrator demoted: no epoch moves)', async () => {
    const own = await privateProject('Shared by an admin');
    const admin = await newUser('share-admin');
    await db.query('UPDATE users SET is_admin = true WHERE id = $1', [admin.id]);
    try {
      const made = await share(admin, 3600, own.project);
      expect((await view(made.token)).project.id).toBe(own.project);
      await db.query('UPDATE users SET is_admin = false WHERE id = $1', [admin.id]);
      await problem(await refused(made.token), 401, 'invalid-token');
    } finally {
      await db.query('UPDATE users SET is_admin = false WHERE id = $1', [admin.id]);
    }
  });
});
