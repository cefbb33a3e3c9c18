import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { baseUrl, call, json, newUser, problem, type TestUser } from './helpers';
import { gdal } from './gdal';

const SOURCE = JSON.parse(readFileSync(`${FIXTURES}/vector/us-states.geojson`, 'utf8')) as {
  features: Array<{ properties: { name: string; density: number } }>;
};

interface Page {
  features: Array<{ id: number; properties: { name?: string; density?: number } }>;
  numberMatched: number;
  numberReturned: number;
  links: Array<{ rel: string; href: string }>;
}

describe('OGC API Features', () => {
  let owner: TestUser;
  let apiKey: string;
  let layer: string;
  const items = (query = '') => `/features/collections/${layer}/items${query}`;

  beforeAll(async () => {
    owner = await newUser('features');
    apiKey = (await json<{ key: string }>(await call('/api-keys', { token: owner.token, json: { name: 'ogr' } }), 201))
      .key;
    const project = (
      await json<{ id: string }>(await call('/projects', { token: owner.token, json: { title: 'Features' } }), 201)
    ).id;
    layer = (
      await json<{ id: string }>(
        await call(`/projects/${project}/vector-layers?name=us-states`, {
          token: owner.token,
          body: readFileSync(`${FIXTURES}/vector/us-states.geojson`),
          headers: { 'content-type': 'application/json' },
        }),
        201,
      )
    ).id;
  });

  it('landing page, conformance and collections link up', async () => {
    const landing = await json<{ links: Array<{ rel: string; href: string }> }>(await call('/features'), 200);
    expect(landing.links.map((l) => l.rel)).toEqual(
      expect.arrayContaining(['self', 'service-desc', 'conformance', 'data']),
    );
    const conformance = await json<{ conformsTo: string[] }>(await call('/features/conformance'), 200);
    expect(conformance.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    expect(conformance.conformsTo).toContain('http://www.opengis.net/spec/cql2/1.0/conf/cql2-text');
    const collections = await json<{ collections: Array<{ id: string; links: Array<{ rel: string }> }> }>(
      await call('/features/collections', { apiKey }),
      200,
    );
    const ours = collections.collections.find((c) => c.id === layer)!;
    expect(ours.links.map((l) => l.rel)).toEqual(expect.arrayContaining(['self', 'items']));
    const anonymous = await json<{ collections: Array<{ id: string }> }>(await call('/features/collections'), 200);
    expect(anonymous.collections.map((c) => c.id)).not.toContain(layer);
    const queryables = await json<{ properties: Record<string, { type?: string }> }>(
      await call(`/features/collections/${layer}/queryables`, { apiKey }),
      200,
    );
    expect(queryables.properties.density!.type).toBe('number');
  });

  it('a bbox inside Alabama returns Alabama', async () => {
    const page = await json<Page>(await call(items('?bbox=-87.0,32.5,-86.5,33.0'), { apiKey }), 200);
    expect(page.features.map((f) => f.properties.name)).toEqual(['Alabama']);
    expect(page.numberMatched).toBe(1);
  });

  it('pages through all 52 states with limit=10, each exactly once, by next links', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${baseUrl}${items('?limit=10')}`;
    let pages = 0;
    while (url) {
      const response: Response = await fetch(url, { headers: { 'x-api-key': apiKey } });
      expect(response.headers.get('content-type')).toMatch(/geo\+json/);
      const page = await json<Page>(response, 200);
      expect(page.numberMatched).toBe(52);
      expect(page.numberReturned).toBe(page.features.length);
      seen.push(...page.features.map((f) => f.properties.name!));
      url = page.links.find((l) => l.rel === 'next')?.href;
      pages++;
    }
    expect(pages).toBe(6);
    expect(seen).toHaveLength(52);
    expect(new Set(seen).size).toBe(52);
    expect(new Set(seen)).toEqual(new Set(SOURCE.features.map((f) => f.properties.name)));
  });

  it('filter=density > 100 returns exactly the states whose density exceeds 100 in the source', async () => {
    const page = await json<Page>(
      await call(items(`?limit=100&filter=${encodeURIComponent('density > 100')}`), { apiKey }),
      200,
    );
    const expected = SOURCE.features
      .filter((f) => f.properties.density > 100)
      .map((f) => f.properties.name)
      .sort();
    expect(page.features.map((f) => f.properties.name).sort()).toEqual(expected);
  });

  it('CQL2 text: AND/OR/NOT, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS; sortby and properties', async () => {
    const names = async (filter: string, extra = '') =>
      (
        await json<Page>(await call(items(`?limit=100&filter=${encodeURIComponent(filter)}${extra}`), { apiKey }), 200)
      ).features
        .map((f) => f.properties.name)
        .sort();
    expect(await names("name LIKE 'New %'")).toEqual(['New Hampshire', 'New Jersey', 'New Mexico', 'New York']);
    expect(await names("name IN ('Alabama', 'Texas') AND NOT density < 50")).toEqual(['Alabama', 'Texas']);
    expect(await names('density BETWEEN 500 AND 1000')).toEqual(
      SOURCE.features
        .filter((f) => f.properties.density >= 500 && f.properties.density <= 1000)
        .map((f) => f.properties.name)
        .sort(),
    );
    expect(await names('name IS NULL')).toEqual([]);
    expect(await names("S_INTERSECTS(geometry, POINT(-86.8 32.8)) OR name = 'Texas'")).toEqual(['Alabama', 'Texas']);
    expect(await names('S_INTERSECTS(geometry, BBOX(-87.0, 32.5, -86.5, 33.0))')).toEqual(['Alabama']);
    const sorted = await json<Page>(await call(items('?limit=3&sortby=-density&properties=name'), { apiKey }), 200);
    expect(sorted.features.map((f) => f.properties)).toEqual([
      { name: 'District of Columbia' },
      { name: 'New Jersey' },
      { name: 'Puerto Rico' },
    ]);
    const one = sorted.features[0]!;
    const feature = await json<{ id: number; properties: { name: string } }>(
      await call(items(`/${one.id}`), { apiKey }),
      200,
    );
    expect(feature.properties.name).toBe('District of Columbia');
  });

  it('hostile inputs are 400/404 problem+json and run no SQL', async () => {
    for (const filter of [
      "name = 'x'; DROP TABLE users; --",
      'density > 100) OR (1=1',
      'pg_sleep(10) > 0',
      "name = 'a'::text",
      'density > 1e999999',
      'S_INTERSECTS(geometry, POINT(1 2); DROP TABLE users)',
    ]) {
      await problem(await call(items(`?filter=${encodeURIComponent(filter)}`), { apiKey }), 400, 'validation-error');
    }
    // A tautology is valid CQL2: it is evaluated as data and matches everything, nothing more.
    const all = await json<Page>(
      await call(items(`?filter=${encodeURIComponent("name = 'x' OR 1=1")}`), { apiKey }),
      200,
    );
    expect(all.numberMatched).toBe(52);
    await problem(await call(items('?bbox=-1e308,-1e308,1e308,1e308'), { apiKey }), 400);
    await problem(await call(items('?bbox=1,2,3'), { apiKey }), 400);
    await problem(await call(items('?limit=-1'), { apiKey }), 400);
    await problem(await call(items('?datetime=yesterday'), { apiKey }), 400);
    await problem(await call(items('?sortby=password'), { apiKey }), 400);
    await problem(await call('/features/collections/no-such-collection/items', { apiKey }), 404);
    await problem(await call(`/features/collections/${layer}/items/999999999`, { apiKey }), 404);
    const users = await json(await call('/users/me', { token: owner.token }), 200);
    expect(users).toBeTruthy();
  });

  it('GDAL’s OGC API Features driver reads the layer with its 52 features', () => {
    const out = gdal('ogrinfo', [
      '-ro',
      '-al',
      '-so',
      `OAPIF:${baseUrl}/features`,
      '--config',
      'GDAL_HTTP_HEADERS',
      `X-API-Key: ${apiKey}`,
    ]);
    expect(out).toMatch(new RegExp(`Layer name: ${layer}`));
    expect(out).toMatch(/Feature Count: 52/);
  });
});
