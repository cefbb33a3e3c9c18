import { describe, expect, it } from 'vitest';
import { call, json, seed } from './helpers';

describe('the running stack', () => {
  it('is healthy: database and bucket answer', async () => {
    expect(await json(await call('/health'), 200)).toEqual({ status: 'ok', db: 'ok', r2: 'ok' });
  });

  it('was seeded in the documented shape', () => {
    expect(seed.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const account of [seed.admin, seed.user]) {
      expect(account.email).toMatch(/@/);
      expect(account.password.length).toBeGreaterThanOrEqual(12);
      expect(account.apiKey).toMatch(/^etk_/);
    }
    expect(seed.demoProjectId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seed.demoFlightId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(seed.dataProducts)).toEqual(
      expect.arrayContaining([
        'cog.tif',
        'cog_rgb.tif',
        'dsm_lerc.tif',
        'stamen_toner_z3.pmtiles',
        'test_fixture_1.pmtiles',
      ]),
    );
    for (const product of Object.values(seed.dataProducts))
      expect(product.key).toMatch(new RegExp(`^projects/${seed.demoProjectId}/`));
  });

  it('lets the seeded accounts sign in with their passwords and keys', async () => {
    for (const account of [seed.admin, seed.user]) {
      const tokens = await json<{ access_token: string }>(
        await call('/auth/token', { json: { email: account.email, password: account.password } }),
        200,
      );
      const viaToken = await json<{ email: string }>(await call('/users/me', { token: tokens.access_token }), 200);
      const viaKey = await json<{ email: string }>(await call('/users/me', { apiKey: account.apiKey }), 200);
      expect(viaToken.email).toBe(account.email);
      expect(viaKey.email).toBe(account.email);
    }
  });

  it('put the fixture files into the bucket behind their data products', async () => {
    const { readFileSync } = await import('node:fs');
    const { FIXTURES } = await import('../../scripts/lib/seed');
    const cog = seed.dataProducts['cog.tif']!;
    const product = await json<{ r2_key: string; file: { size: number; etag: string } }>(
      await call(`/data-products/${cog.id}`, { apiKey: seed.user.apiKey }),
      200,
    );
    expect(product.r2_key).toBe(cog.key);
    expect(product.file.size).toBe(readFileSync(`${FIXTURES}/cog/cog.tif`).length);
  });

  it('lets the admin read every project, members or not', async () => {
    const outsiderProject = await json<{ id: string }>(
      await call('/projects', { apiKey: seed.user.apiKey, json: { title: 'user-only project' } }),
      201,
    );
    const listed = await json<Array<{ id: string }>>(await call('/projects', { apiKey: seed.admin.apiKey }), 200);
    expect(listed.map((p) => p.id)).toEqual(expect.arrayContaining([seed.demoProjectId, outsiderProject.id]));
    const read = await json<{ role: string }>(
      await call(`/projects/${outsiderProject.id}`, { apiKey: seed.admin.apiKey }),
      200,
    );
    expect(read.role).toBe('owner');
  });

  it('published the demo project in the catalog: its readers find every COG product as an item', async () => {
    const cogs = Object.values(seed.dataProducts)
      .filter((p) => p.type !== 'pmtiles')
      .map((p) => p.id);
    const reader = { apiKey: seed.user.apiKey };
    const search = await json<{ features: Array<{ id: string; collection: string }> }>(
      await call(`/stac/search?collections=${seed.demoProjectId}&limit=100`, reader),
      200,
    );
    expect(search.features.map((f) => f.id)).toEqual(expect.arrayContaining(cogs));
    expect(new Set(search.features.map((f) => f.collection))).toEqual(new Set([seed.demoProjectId]));
    const collections = await json<{ collections: Array<{ id: string }> }>(
      await call('/stac/collections?limit=1000', reader),
      200,
    );
    expect(collections.collections.map((c) => c.id)).toContain(seed.demoProjectId);
  });

  it('published it as the private project it is: anonymous callers find none of it', async () => {
    expect(
      (
        await json<{ is_public: boolean }>(
          await call(`/projects/${seed.demoProjectId}`, { apiKey: seed.user.apiKey }),
          200,
        )
      ).is_public,
    ).toBe(false);
    const search = await json<{ features: unknown[]; numberMatched: number }>(
      await call(`/stac/search?collections=${seed.demoProjectId}`),
      200,
    );
    expect([search.features.length, search.numberMatched]).toEqual([0, 0]);
    const collections = await json<{ collections: Array<{ id: string }> }>(
      await call('/stac/collections?limit=1000'),
      200,
    );
    expect(collections.collections.map((c) => c.id)).not.toContain(seed.demoProjectId);
  });
});
