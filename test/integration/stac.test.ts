import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { baseUrl, call, json, newUser, problem, seed, unique, type TestUser } from './helpers';
import { gdal } from './gdal';

interface Item {
  id: string;
  collection: string;
  bbox: number[];
  geometry?: unknown;
  properties: Record<string, unknown>;
  assets: Record<string, { href: string; roles?: string[] }>;
  links: Array<{ rel: string; href: string }>;
}
interface Link {
  rel: string;
  href: string;
  method?: string;
  body?: Record<string, unknown>;
  merge?: boolean;
}
interface Page {
  features: Item[];
  numberMatched: number;
  numberReturned: number;
  links: Link[];
  context: { limit: number; matched: number; returned: number };
}

const admin = { apiKey: seed.admin.apiKey };
const PLATFORMS = ['sentinel-2a', 'sentinel-2b', 'landsat-8', 'drone'];

/** A valid item: a small square at (x, y), acquired `day` days after 2020-01-01. */
function item(id: string, x: number, y: number, day: number, extra: Record<string, unknown> = {}) {
  const size = 0.05;
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + size, y],
          [x + size, y + size],
          [x, y + size],
          [x, y],
        ],
      ],
    },
    bbox: [x, y, x + size, y + size],
    properties: { datetime: new Date(Date.UTC(2020, 0, 1) + day * 86_400_000).toISOString(), ...extra },
    links: [],
    assets: {
      data: { href: `https://example.org/${id}.tif`, type: 'image/tiff; application=geotiff', roles: ['data'] },
    },
  };
}

function collection(id: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'Collection',
    stac_version: '1.0.0',
    id,
    description: `Test collection ${id}`,
    license: 'CC-BY-4.0',
    extent: { spatial: { bbox: [[-10, -10, 10, 10]] }, temporal: { interval: [['2020-01-01T00:00:00Z', null]] } },
    links: [],
    ...extra,
  };
}

const search = (query: string, options: { apiKey?: string; token?: string } = {}) =>
  call(`/stac/search?${query}`, options);
const post = (body: unknown, options: { apiKey?: string; token?: string } = {}) =>
  call('/stac/search', { ...options, json: body });

async function addItems(collectionId: string, items: unknown[], options: { apiKey?: string; token?: string } = admin) {
  for (let i = 0; i < items.length; i += 1000) {
    await json(
      await call(`/stac/collections/${collectionId}/items`, {
        ...options,
        json: { type: 'FeatureCollection', features: items.slice(i, i + 1000) },
      }),
      201,
    );
  }
}

/** Follows `next` links (GET or POST) to the end; returns every page. */
async function allPages(first: Response, options: { apiKey?: string } = {}): Promise<Page[]> {
  const pages = [await json<Page>(first, 200)];
  for (;;) {
    const next = pages[pages.length - 1]!.links.find((l) => l.rel === 'next');
    if (!next) return pages;
    const path = next.href.slice(baseUrl.length);
    const response =
      next.method === 'POST' ? await call(path, { ...options, json: next.body }) : await call(path, options);
    pages.push(await json<Page>(response, 200));
  }
}

describe('STAC API', () => {
  let curated: string;

  beforeAll(async () => {
    curated = unique('curated').toLowerCase();
    await json(
      await call('/stac/collections', {
        ...admin,
        json: collection(curated, { title: 'Curated archive', keywords: ['wetlands', 'sentinel'] }),
      }),
      201,
    );
    // 40 items over a 2° grid and 400 days, properties varied for filters and sorting.
    await addItems(
      curated,
      Array.from({ length: 40 }, (_, i) =>
        item(`c-${String(i).padStart(2, '0')}`, (i % 8) * 0.25, Math.floor(i / 8) * 0.25, i * 10, {
          platform: PLATFORMS[i % 4],
          'eo:cloud_cover': (i * 7) % 100,
          ...(i % 5 === 0 ? {} : { gsd: 10 + (i % 3) * 10 }),
        }),
      ),
    );
  });

  describe('core', () => {
    it('landing page links, conformance and the OpenAPI description', async () => {
      const landing = await json<{ type: string; conformsTo: string[]; links: Link[] }>(await call('/stac'), 200);
      expect(landing.type).toBe('Catalog');
      const rels = landing.links.map((l) => l.rel);
      expect(rels).toEqual(
        expect.arrayContaining(['self', 'root', 'conformance', 'data', 'search', 'service-desc', 'service-doc']),
      );
      expect(
        landing.links
          .filter((l) => l.rel === 'search')
          .map((l) => l.method)
          .sort(),
      ).toEqual(['GET', 'POST']);
      const desc = landing.links.find((l) => l.rel === 'service-desc')!;
      const openapi = await json<{ openapi: string; paths: Record<string, unknown> }>(await fetch(desc.href), 200);
      expect(openapi.openapi).toMatch(/^3\.1/);
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/stac/search', '/stac/collections/{collectionId}/items']),
      );
      const conformance = await json<{ conformsTo: string[] }>(await call('/stac/conformance'), 200);
      expect(conformance.conformsTo).toEqual(landing.conformsTo);
      expect(conformance.conformsTo).toEqual(
        expect.arrayContaining(['https://api.stacspec.org/v1.0.0/core', 'https://api.stacspec.org/v1.0.0/item-search']),
      );
    });

    it('collections, a collection, its items and one item, with the media types the spec names', async () => {
      const list = await call('/stac/collections?limit=100');
      expect(list.headers.get('content-type')).toMatch(/^application\/json/);
      const collections = await json<{ collections: Array<{ id: string; links: Link[] }> }>(list, 200);
      const ours = collections.collections.find((c) => c.id === curated)!;
      expect(ours.links.map((l) => l.rel)).toEqual(expect.arrayContaining(['self', 'root', 'parent', 'items']));
      const one = await json<{ id: string; extent: unknown; keywords: string[] }>(
        await call(`/stac/collections/${curated}`),
        200,
      );
      expect(one.keywords).toEqual(['wetlands', 'sentinel']);
      const items = await call(`/stac/collections/${curated}/items?limit=5`);
      expect(items.headers.get('content-type')).toBe('application/geo+json');
      const page = await json<Page>(items, 200);
      expect(page.numberReturned).toBe(5);
      expect(page.numberMatched).toBe(40);
      // Default order: newest first.
      expect(page.features.map((f) => f.id)).toEqual(['c-39', 'c-38', 'c-37', 'c-36', 'c-35']);
      const single = await call(`/stac/collections/${curated}/items/c-07`);
      expect(single.headers.get('content-type')).toBe('application/geo+json');
      const doc = await json<Item>(single, 200);
      expect(doc.collection).toBe(curated);
      expect(doc.links.map((l) => l.rel)).toEqual(expect.arrayContaining(['self', 'parent', 'collection', 'root']));
      await problem(await call(`/stac/collections/${curated}/items/nope`), 404, 'not-found');
      await problem(await call('/stac/collections/nope'), 404, 'not-found');
    });

    it('search by bbox (2D and 3D), intersects, datetime (instant, closed, open), ids and collections', async () => {
      const ids = async (response: Response) => (await json<Page>(response, 200)).features.map((f) => f.id).sort();
      const c = `collections=${curated}&limit=100`;
      // Cells at x 0–0.30, y 0–0.05: items 0, 1 (x 0.25 starts inside).
      expect(await ids(await search(`${c}&bbox=0,0,0.3,0.04`))).toEqual(['c-00', 'c-01']);
      expect(await ids(await search(`${c}&bbox=0,0,-100,0.3,0.04,100`))).toEqual(['c-00', 'c-01']);
      expect(
        await ids(await post({ collections: [curated], intersects: { type: 'Point', coordinates: [0.26, 0.26] } })),
      ).toEqual(['c-09']);
      expect(await ids(await search(`${c}&datetime=2020-01-11T00:00:00Z`))).toEqual(['c-01']);
      expect(await ids(await search(`${c}&datetime=2020-01-01T00:00:00Z/2020-01-21T00:00:00Z`))).toEqual([
        'c-00',
        'c-01',
        'c-02',
      ]);
      expect(await ids(await search(`${c}&datetime=../2020-01-11T00:00:00Z`))).toEqual(['c-00', 'c-01']);
      expect((await ids(await search(`${c}&datetime=2021-01-01T00:00:00Z/..`))).length).toBe(40 - 37);
      expect(await ids(await search(`${c}&ids=c-03,c-05,missing`))).toEqual(['c-03', 'c-05']);
      expect(await ids(await post({ collections: [curated], ids: ['c-04'] }))).toEqual(['c-04']);
      expect((await json<Page>(await search('collections=no-such-collection'), 200)).numberMatched).toBe(0);
    });

    it('limit defaults to 10 and is clamped to 10,000', async () => {
      const page = await json<Page>(await search(`collections=${curated}`), 200);
      expect(page.numberReturned).toBe(10);
      expect(page.context.limit).toBe(10);
      const clamped = await json<Page>(await search(`collections=${curated}&limit=50000`), 200);
      expect(clamped.context.limit).toBe(10_000);
      expect(clamped.numberReturned).toBe(40);
    });

    it('answers every malformed search with a 400 naming the parameter', async () => {
      const cases: Array<[Response | Promise<Response>, string]> = [
        [search('bbox=0,0,1,1&intersects={"type":"Point","coordinates":[0,0]}'), 'bbox'],
        [post({ bbox: [0, 0, 1, 1], intersects: { type: 'Point', coordinates: [0, 0] } }), 'bbox'],
        [search('bbox=0,0,1'), 'bbox'],
        [search('bbox=0,0,1,2,3'), 'bbox'],
        [search('bbox=2,0,1,1'), 'bbox'],
        [search('bbox=0,3,1,1'), 'bbox'],
        [search('bbox=a,b,c,d'), 'bbox'],
        [post({ bbox: [0, 0, 1] }), 'bbox'],
        [search('datetime=yesterday'), 'datetime'],
        [search('datetime=2020-13-45T00:00:00Z'), 'datetime'],
        [search('datetime=2021-01-01T00:00:00Z/2020-01-01T00:00:00Z'), 'datetime'],
        [search('datetime=../..'), 'datetime'],
        [search('datetime=2020-01-01T00:00:00Z/2020-02-01T00:00:00Z/2020-03-01T00:00:00Z'), 'datetime'],
        [search('limit=0'), 'limit'],
        [search('limit=-5'), 'limit'],
        [search('limit=ten'), 'limit'],
        [search('intersects={"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}'), 'intersects'],
        [search('intersects=not-json'), 'intersects'],
        [search('filter=eo:cloud_cover <'), 'filter'],
        [search('filter=S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))'), 'filter'],
        // Well-formed but self-intersecting: GEOS refuses it for overlaps and crossings.
        [search(`filter=${encodeURIComponent('S_OVERLAPS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))')}`), 'filter'],
        [search(`filter=${encodeURIComponent('S_CROSSES(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))')}`), 'filter'],
        [search(`filter-lang=cql2-json&filter=${encodeURIComponent('{"op":"frobnicate","args":[]}')}`), 'filter'],
        [search('filter-lang=klingon&filter=x=1'), 'filter-lang'],
        [search('token=garbage'), 'token'],
        [search('sortby=geometry'), 'sortby'],
        [search('query={"gsd":{"near":3}}'), 'query.gsd.near'],
      ];
      for (const [pending, field] of cases) {
        const body = await problem(await pending, 400, 'validation-error');
        expect(body.errors?.[0]?.path, body.detail).toBe(field);
      }
    });
  });

  describe('paging', () => {
    it('visits every item of a 10,000-item collection exactly once at limit=100, while items are being inserted', async () => {
      const id = unique('paging').toLowerCase();
      await json(await call('/stac/collections', { ...admin, json: collection(id) }), 201);
      // Many items share a datetime, so the order must fall back to the id to be total.
      const original = Array.from({ length: 10_000 }, (_, i) =>
        item(`p-${i}`, (i % 100) * 0.05, Math.floor(i / 100) * 0.05 - 5, i % 500),
      );
      await addItems(id, original);
      const seen = new Map<string, number>();
      const visit = (page: Page) => page.features.forEach((f) => seen.set(f.id, (seen.get(f.id) ?? 0) + 1));
      let first = await json<Page>(await search(`collections=${id}&limit=100`), 200);
      visit(first);
      expect(first.numberMatched).toBe(10_000);
      let inserted = 0;
      let pages = 1;
      while (first.links.some((l) => l.rel === 'next')) {
        const next = first.links.find((l) => l.rel === 'next')!;
        // Between pages, new items land before, among and after the ones still to come.
        const batch = [0, 250, 499].map((day) => item(`new-${inserted++}`, 1, -4, day));
        const [page] = await Promise.all([
          call(next.href.slice(baseUrl.length)).then((r) => json<Page>(r, 200)),
          call(`/stac/collections/${id}/items`, {
            ...admin,
            json: { type: 'FeatureCollection', features: batch },
          }).then((r) => json(r, 201)),
        ]);
        first = page;
        visit(page);
        pages++;
      }
      const originalSeen = original.map((o) => seen.get(o.id));
      expect(
        originalSeen.every((n) => n === 1),
        'each original item exactly once',
      ).toBe(true);
      expect(
        [...seen.values()].every((n) => n === 1),
        'no item twice',
      ).toBe(true);
      expect(pages).toBeGreaterThanOrEqual(100);
    });

    it('POST search pages with next links that carry method, body and merge', async () => {
      const pages = await allPages(
        await post({ collections: [curated], limit: 15, sortby: [{ field: 'eo:cloud_cover', direction: 'asc' }] }),
      );
      expect(pages.map((p) => p.numberReturned)).toEqual([15, 15, 10]);
      const next = pages[0]!.links.find((l) => l.rel === 'next')!;
      expect(next.method).toBe('POST');
      expect(next.merge).toBe(false);
      expect(next.body).toMatchObject({ collections: [curated], limit: 15 });
      const clouds = pages.flatMap((p) => p.features.map((f) => f.properties['eo:cloud_cover'] as number));
      expect(clouds).toEqual([...clouds].sort((a, b) => a - b));
      expect(new Set(pages.flatMap((p) => p.features.map((f) => f.id))).size).toBe(40);
    });

    it('a token from another sort order is refused', async () => {
      const page = await json<Page>(await search(`collections=${curated}&limit=5`), 200);
      const token = new URL(page.links.find((l) => l.rel === 'next')!.href).searchParams.get('token')!;
      await problem(await search(`collections=${curated}&limit=5&sortby=id&token=${token}`), 400, 'validation-error');
    });
  });

  describe('extensions', () => {
    const filterIds = async (filter: string, lang: 'cql2-text' | 'cql2-json' = 'cql2-text') => {
      const page = await json<Page>(
        await search(`collections=${curated}&limit=100&filter-lang=${lang}&filter=${encodeURIComponent(filter)}`),
        200,
      );
      return page.features.map((f) => f.id).sort();
    };
    const expected = (predicate: (i: number) => boolean) =>
      Array.from({ length: 40 }, (_, i) => i)
        .filter(predicate)
        .map((i) => `c-${String(i).padStart(2, '0')}`);

    it('filter: CQL2 text and JSON give the same answers (comparison, logical, LIKE, IN, BETWEEN, IS NULL)', async () => {
      const cloud = (i: number) => (i * 7) % 100;
      const cases: Array<[string, unknown, (i: number) => boolean]> = [
        ['"eo:cloud_cover" < 20', { op: '<', args: [{ property: 'eo:cloud_cover' }, 20] }, (i) => cloud(i) < 20],
        [
          "platform = 'drone' AND gsd >= 20",
          {
            op: 'and',
            args: [
              { op: '=', args: [{ property: 'platform' }, 'drone'] },
              { op: '>=', args: [{ property: 'gsd' }, 20] },
            ],
          },
          (i) => i % 4 === 3 && i % 5 !== 0 && 10 + (i % 3) * 10 >= 20,
        ],
        [
          "platform LIKE 'sentinel%' OR NOT (gsd <> 10)",
          {
            op: 'or',
            args: [
              { op: 'like', args: [{ property: 'platform' }, 'sentinel%'] },
              { op: 'not', args: [{ op: '<>', args: [{ property: 'gsd' }, 10] }] },
            ],
          },
          (i) => i % 4 < 2 || (i % 5 !== 0 && i % 3 === 0),
        ],
        [
          "platform IN ('landsat-8', 'drone')",
          { op: 'in', args: [{ property: 'platform' }, ['landsat-8', 'drone']] },
          (i) => i % 4 >= 2,
        ],
        [
          '"eo:cloud_cover" BETWEEN 10 AND 30',
          { op: 'between', args: [{ property: 'eo:cloud_cover' }, 10, 30] },
          (i) => cloud(i) >= 10 && cloud(i) <= 30,
        ],
        ['gsd IS NULL', { op: 'isNull', args: [{ property: 'gsd' }] }, (i) => i % 5 === 0],
        [
          "id NOT IN ('c-00') AND collection = '" + curated + "' AND gsd IS NOT NULL AND platform NOT LIKE '%2a'",
          {
            op: 'and',
            args: [
              { op: 'not', args: [{ op: 'in', args: [{ property: 'id' }, ['c-00']] }] },
              { op: '=', args: [{ property: 'collection' }, curated] },
              { op: 'not', args: [{ op: 'isNull', args: [{ property: 'gsd' }] }] },
              { op: 'not', args: [{ op: 'like', args: [{ property: 'platform' }, '%2a'] }] },
            ],
          },
          (i) => i !== 0 && i % 5 !== 0 && i % 4 !== 0,
        ],
      ];
      for (const [text, jsonFilter, predicate] of cases) {
        expect(await filterIds(text), text).toEqual(expected(predicate));
        expect(await filterIds(JSON.stringify(jsonFilter), 'cql2-json'), text).toEqual(expected(predicate));
      }
      // POST defaults to CQL2 JSON.
      const posted = await json<Page>(await post({ collections: [curated], limit: 100, filter: cases[0]![1] }), 200);
      expect(posted.features.map((f) => f.id).sort()).toEqual(expected(cases[0]![2]));
    });

    it('filter: spatial and temporal functions', async () => {
      expect(await filterIds('S_INTERSECTS(geometry, POLYGON((0 0, 0.3 0, 0.3 0.04, 0 0.04, 0 0)))')).toEqual([
        'c-00',
        'c-01',
      ]);
      expect(await filterIds('S_INTERSECTS(geometry, BBOX(0, 0, 0.3, 0.04))')).toEqual(['c-00', 'c-01']);
      expect(await filterIds('S_WITHIN(geometry, BBOX(-1, -1, 0.2, 0.2))')).toEqual(['c-00']);
      expect(await filterIds('S_CONTAINS(geometry, POINT(0.51 0.26))')).toEqual(['c-10']);
      expect(
        await filterIds(
          JSON.stringify({
            op: 's_intersects',
            args: [{ property: 'geometry' }, { type: 'Point', coordinates: [0.26, 0.26] }],
          }),
          'cql2-json',
        ),
      ).toEqual(['c-09']);
      // c-00 is the square (0, 0)–(0.05, 0.05).
      expect(await filterIds('S_EQUALS(geometry, POLYGON((0 0, 0.05 0, 0.05 0.05, 0 0.05, 0 0)))')).toEqual(['c-00']);
      expect(await filterIds('S_TOUCHES(geometry, POLYGON((0.05 0, 0.1 0, 0.1 0.05, 0.05 0.05, 0.05 0)))')).toEqual([
        'c-00',
      ]);
      expect(
        await filterIds('S_OVERLAPS(geometry, POLYGON((0.02 0.02, 0.1 0.02, 0.1 0.1, 0.02 0.1, 0.02 0.02)))'),
      ).toEqual(['c-00']);
      expect(await filterIds('S_CROSSES(geometry, LINESTRING(-1 0.025, 0.025 0.025))')).toEqual(['c-00']);
      expect(await filterIds('S_DISJOINT(geometry, BBOX(0, 0, 0.3, 0.04))')).toEqual(expected((i) => i > 1));
      expect(
        await filterIds("T_INTERSECTS(datetime, INTERVAL('2020-01-01T00:00:00Z', '2020-01-21T00:00:00Z'))"),
      ).toEqual(['c-00', 'c-01', 'c-02']);
      expect(await filterIds("T_EQUALS(datetime, TIMESTAMP('2020-01-11T00:00:00Z'))")).toEqual(['c-01']);
      expect(await filterIds("T_DISJOINT(datetime, INTERVAL('2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z'))")).toEqual(
        expected((i) => i * 10 > 366),
      );
      expect(await filterIds("T_BEFORE(datetime, TIMESTAMP('2020-01-11T00:00:00Z'))")).toEqual(['c-00']);
      expect(await filterIds("T_AFTER(datetime, TIMESTAMP('2021-01-01T00:00:00Z'))")).toEqual(
        expected((i) => i * 10 > 366),
      );
      expect(await filterIds("T_DURING(datetime, INTERVAL('2020-01-05T00:00:00Z', '..'))")).toEqual(
        expected((i) => i > 0),
      );
      expect(await filterIds("datetime >= TIMESTAMP('2021-01-01T00:00:00Z')")).toEqual(expected((i) => i * 10 > 366));
    });

    it('query extension', async () => {
      const ids = async (query: unknown) =>
        (await json<Page>(await post({ collections: [curated], limit: 100, query }), 200)).features
          .map((f) => f.id)
          .sort();
      expect(await ids({ platform: { eq: 'drone' }, 'eo:cloud_cover': { lt: 50 } })).toEqual(
        expected((i) => i % 4 === 3 && (i * 7) % 100 < 50),
      );
      expect(await ids({ platform: { startsWith: 'sentinel' } })).toEqual(expected((i) => i % 4 < 2));
      expect(await ids({ platform: { in: ['landsat-8'] } })).toEqual(expected((i) => i % 4 === 2));
      const got = (
        await json<Page>(
          await search(`collections=${curated}&limit=100&query=${encodeURIComponent('{"gsd":{"gte":30}}')}`),
          200,
        )
      ).features
        .map((f) => f.id)
        .sort();
      expect(got).toEqual(expected((i) => i % 5 !== 0 && i % 3 === 2));
    });

    it('sort: by properties and fields, both directions, with sortables', async () => {
      const page = await json<Page>(await search(`collections=${curated}&limit=100&sortby=-eo:cloud_cover,+id`), 200);
      const clouds = page.features.map((f) => f.properties['eo:cloud_cover'] as number);
      expect(clouds).toEqual([...clouds].sort((a, b) => b - a));
      const byId = await json<Page>(
        await post({ collections: [curated], limit: 100, sortby: [{ field: 'id', direction: 'asc' }] }),
        200,
      );
      expect(byId.features.map((f) => f.id)).toEqual(expected(() => true));
      // Mixed directions page exactly too.
      const pages = await allPages(await search(`collections=${curated}&limit=7&sortby=platform,-datetime`));
      const order = pages.flatMap((p) =>
        p.features.map((f) => [f.properties.platform as string, f.properties.datetime as string] as const),
      );
      expect(order.length).toBe(40);
      const sorted = [...order].sort((a, b) => a[0].localeCompare(b[0]) || b[1].localeCompare(a[1]));
      expect(order).toEqual(sorted);
      const sortables = await json<{ properties: Record<string, unknown> }>(
        await call(`/stac/collections/${curated}/sortables`),
        200,
      );
      expect(Object.keys(sortables.properties)).toEqual(
        expect.arrayContaining(['id', 'datetime', 'eo:cloud_cover', 'platform']),
      );
    });

    it('fields: include and exclude', async () => {
      const page = await json<Page>(
        await search(`collections=${curated}&limit=1&fields=properties.platform,-geometry,-assets`),
        200,
      );
      const f = page.features[0]!;
      expect(f.geometry).toBeUndefined();
      expect(f.assets).toBeUndefined();
      expect(Object.keys(f.properties).sort()).toEqual(['datetime', 'platform']);
      expect(f.id).toBeDefined();
      const posted = await json<Page>(
        await post({
          collections: [curated],
          limit: 1,
          fields: { include: ['properties'], exclude: ['properties.gsd', 'links'] },
        }),
        200,
      );
      expect(posted.features[0]!.properties['eo:cloud_cover']).toBeDefined();
      expect(posted.features[0]!.properties.gsd).toBeUndefined();
      expect(posted.features[0]!.links).toBeUndefined();
      const whole = await json<Page>(await search(`collections=${curated}&limit=1`), 200);
      expect(whole.features[0]!.properties.platform).toBeDefined();
      expect(whole.features[0]!.assets.data).toBeDefined();
    });

    it('queryables: global and per collection, with the properties found', async () => {
      const response = await call(`/stac/collections/${curated}/queryables`);
      expect(response.headers.get('content-type')).toBe('application/schema+json');
      const schema = await json<{ properties: Record<string, { type?: string }> }>(response, 200);
      expect(schema.properties['eo:cloud_cover']!.type).toBe('number');
      expect(schema.properties.platform!.type).toBe('string');
      expect(schema.properties.geometry).toBeDefined();
      const global = await json<{ properties: Record<string, unknown> }>(await call('/stac/queryables'), 200);
      expect(global.properties.datetime).toBeDefined();
    });

    it('collection search: q, bbox, datetime', async () => {
      const ids = async (query: string) =>
        (
          await json<{ collections: Array<{ id: string }> }>(await call(`/stac/collections?limit=10000&${query}`), 200)
        ).collections.map((c) => c.id);
      expect(await ids('q=wetlands')).toContain(curated);
      expect(await ids('q=Curated,nothing-like-this')).toContain(curated);
      expect(await ids('q=no-such-word-anywhere')).not.toContain(curated);
      expect(await ids('bbox=5,5,6,6')).toContain(curated);
      expect(await ids('bbox=50,50,60,60')).not.toContain(curated);
      expect(await ids('datetime=2019-01-01T00:00:00Z/2019-06-01T00:00:00Z')).not.toContain(curated);
      expect(await ids('datetime=2025-01-01T00:00:00Z/..')).toContain(curated);
      await problem(await call('/stac/collections?bbox=1,1,0,0'), 400, 'validation-error');
    });
  });

  describe('transactions', () => {
    it('create, replace, patch and delete items and collections, validated on write', async () => {
      const id = unique('tx').toLowerCase();
      await json(await call('/stac/collections', { ...admin, json: collection(id) }), 201);
      await problem(await call('/stac/collections', { ...admin, json: collection(id) }), 409, 'conflict');
      const created = await call(`/stac/collections/${id}/items`, { ...admin, json: item('one', 1, 1, 3, { gsd: 5 }) });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`${baseUrl}/stac/collections/${id}/items/one`);
      await problem(
        await call(`/stac/collections/${id}/items`, { ...admin, json: item('one', 1, 1, 3) }),
        409,
        'conflict',
      );
      const replaced = await json<Item>(
        await call(`/stac/collections/${id}/items/one`, {
          ...admin,
          method: 'PUT',
          json: item('one', 2, 2, 4, { gsd: 7 }),
        }),
        200,
      );
      expect(replaced.bbox[0]).toBe(2);
      expect(replaced.properties.gsd).toBe(7);
      const patched = await json<Item>(
        await call(`/stac/collections/${id}/items/one`, {
          ...admin,
          method: 'PATCH',
          json: { properties: { gsd: null, platform: 'drone' } },
        }),
        200,
      );
      expect(patched.properties.gsd).toBeUndefined();
      expect(patched.properties.platform).toBe('drone');
      expect(patched.bbox[0]).toBe(2);
      const found = await json<Page>(
        await search(`collections=${id}&filter=${encodeURIComponent("platform = 'drone'")}`),
        200,
      );
      expect(found.features.map((f) => f.id)).toEqual(['one']);
      const collectionPatched = await json<{ title: string; description: string }>(
        await call(`/stac/collections/${id}`, { ...admin, method: 'PATCH', json: { title: 'Renamed' } }),
        200,
      );
      expect(collectionPatched.title).toBe('Renamed');
      await json(
        await call(`/stac/collections/${id}`, { ...admin, method: 'PUT', json: collection(id, { title: 'Put back' }) }),
        200,
      );
      expect((await json<{ title: string }>(await call(`/stac/collections/${id}`), 200)).title).toBe('Put back');
      expect((await call(`/stac/collections/${id}/items/one`, { ...admin, method: 'DELETE' })).status).toBe(204);
      await problem(await call(`/stac/collections/${id}/items/one`), 404, 'not-found');
      expect((await call(`/stac/collections/${id}`, { ...admin, method: 'DELETE' })).status).toBe(204);
      await problem(await call(`/stac/collections/${id}`), 404, 'not-found');
    });

    it('refuses invalid items and collections with errors that name the field', async () => {
      const id = unique('invalid').toLowerCase();
      await json(await call('/stac/collections', { ...admin, json: collection(id) }), 201);
      const good = item('ok', 1, 1, 1);
      const cases: Array<[unknown, string]> = [
        [{ ...good, id: '' }, 'id'],
        [{ ...good, id: 'has/slash' }, 'id'],
        [{ ...good, type: 'Thing' }, 'type'],
        [{ ...good, stac_version: undefined }, 'stac_version'],
        [{ ...good, properties: {} }, 'properties.datetime'],
        [{ ...good, properties: { datetime: 'soon' } }, 'properties.datetime'],
        [{ ...good, properties: { datetime: null, start_datetime: '2020-01-01T00:00:00Z' } }, 'properties.datetime'],
        [
          {
            ...good,
            properties: {
              datetime: null,
              start_datetime: '2020-02-01T00:00:00Z',
              end_datetime: '2020-01-01T00:00:00Z',
            },
          },
          'properties.end_datetime',
        ],
        [{ ...good, bbox: [5, 5, 6, 6] }, 'bbox'],
        [{ ...good, bbox: [1, 1, 2] }, 'bbox'],
        [{ ...good, bbox: undefined }, 'bbox'],
        [
          {
            ...good,
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [0, 0],
                  [1, 0],
                  [1, 1],
                ],
              ],
            },
          },
          'geometry.coordinates.0',
        ],
        [{ ...good, geometry: null }, 'geometry'],
        [{ ...good, links: [{ href: 'x' }] }, 'links.0.rel'],
        [{ ...good, assets: { data: { title: 'no href' } } }, 'assets.data.href'],
        [{ ...good, collection: 'another' }, 'collection'],
        [{ ...good, properties: { ...good.properties, note: 'nul \u0000 byte' } }, 'properties'],
      ];
      for (const [body, field] of cases) {
        const answer = await problem(
          await call(`/stac/collections/${id}/items`, { ...admin, json: body }),
          400,
          'validation-error',
        );
        expect(answer.errors?.[0]?.path, JSON.stringify(body).slice(0, 120)).toBe(field);
      }
      const bulk = await problem(
        await call(`/stac/collections/${id}/items`, {
          ...admin,
          json: { type: 'FeatureCollection', features: [good, { ...good, id: 'two', bbox: [9, 9, 9.1, 9.1] }] },
        }),
        400,
      );
      expect(bulk.errors?.[0]?.path).toBe('features.1.bbox');
      expect((await json<Page>(await search(`collections=${id}`), 200)).numberMatched).toBe(0);
      const collectionCases: Array<[unknown, string]> = [
        [{ ...collection('x'), description: undefined }, 'description'],
        [{ ...collection('x'), license: 7 }, 'license'],
        [
          { ...collection('x'), extent: { spatial: { bbox: [[0, 0, 1]] }, temporal: { interval: [[null, null]] } } },
          'extent.spatial.bbox.0',
        ],
        [
          {
            ...collection('x'),
            extent: {
              spatial: { bbox: [[0, 0, 1, 1]] },
              temporal: { interval: [['2021-01-01T00:00:00Z', '2020-01-01T00:00:00Z']] },
            },
          },
          'extent.temporal.interval.0',
        ],
      ];
      for (const [body, field] of collectionCases) {
        const answer = await problem(
          await call('/stac/collections', { ...admin, json: body }),
          400,
          'validation-error',
        );
        expect(answer.errors?.[0]?.path).toBe(field);
      }
      await problem(
        await call(`/stac/collections/${id}/items/ok`, { ...admin, method: 'PUT', json: { ...good, id: 'other' } }),
        404,
      );
      await json(await call(`/stac/collections/${id}/items`, { ...admin, json: good }), 201);
      const mismatch = await problem(
        await call(`/stac/collections/${id}/items/ok`, { ...admin, method: 'PUT', json: { ...good, id: 'other' } }),
        400,
      );
      expect(mismatch.errors?.[0]?.path).toBe('id');
    });

    it('writes are role-checked', async () => {
      const stranger = await newUser('stac-stranger');
      await problem(await call('/stac/collections', { json: collection('anon-made') }), 401);
      await problem(await call('/stac/collections', { token: stranger.token, json: collection('user-made') }), 403);
      await problem(
        await call(`/stac/collections/${curated}/items`, { token: stranger.token, json: item('intruder', 1, 1, 1) }),
        403,
      );
      await problem(
        await call(`/stac/collections/${curated}/items/c-00`, { token: stranger.token, method: 'DELETE' }),
        403,
      );
      await problem(await call(`/stac/collections/${curated}`, { method: 'DELETE' }), 401);
      expect((await json<Page>(await search(`collections=${curated}&ids=c-00`), 200)).numberMatched).toBe(1);
    });
  });

  describe('projects in the catalog', () => {
    let owner: TestUser;
    let projectId: string;
    // Earlier runs on the same database leave public copies of these items: each run marks its own.
    const marker = unique('secret');
    const mine = `filter=${encodeURIComponent(`secret = '${marker}'`)}`;
    const count = async (query: string, options: { token?: string } = {}) =>
      (await json<Page>(await search(query, options), 200)).numberMatched;

    beforeAll(async () => {
      owner = await newUser('stac-owner');
      projectId = (
        await json<{ id: string }>(
          await call('/projects', {
            token: owner.token,
            json: { title: 'Private survey', description: 'Wetland flights' },
          }),
          201,
        )
      ).id;
      const published = await json<{ collection: string; published: boolean; items: number }>(
        await call(`/projects/${projectId}/stac/publish`, { token: owner.token, method: 'POST' }),
        200,
      );
      expect(published).toMatchObject({ collection: projectId, published: true, items: 0 });
      await addItems(
        projectId,
        Array.from({ length: 5 }, (_, i) => item(`private-${i}`, 3, 3 + i * 0.1, i, { secret: marker, [marker]: i })),
        { token: owner.token },
      );
    });

    it('private items never appear to others, counts included; a public project shows them', async () => {
      const stranger = await newUser('stac-other');
      expect(await count(`collections=${projectId}`, { token: owner.token })).toBe(5);
      expect(await count(`collections=${projectId}`)).toBe(0);
      expect(await count(`collections=${projectId}`, { token: stranger.token })).toBe(0);
      expect(await count(mine)).toBe(0);
      expect(await count(`bbox=2.9,2.9,3.2,3.6&${mine}`)).toBe(0);
      expect(await count(`bbox=2.9,2.9,3.2,3.6&${mine}`, { token: owner.token })).toBe(5);
      await problem(await call(`/stac/collections/${projectId}`), 404);
      await problem(await call(`/stac/collections/${projectId}/items/private-0`), 404);
      await problem(await call(`/stac/collections/${projectId}/items`), 404);
      const anonymousCollections = await json<{ collections: Array<{ id: string }> }>(
        await call('/stac/collections?limit=10000'),
        200,
      );
      expect(anonymousCollections.collections.map((c) => c.id)).not.toContain(projectId);
      // Property names are data too: the private ones stay out of anonymous queryables.
      expect(
        (await json<{ properties: Record<string, unknown> }>(await call('/stac/queryables'), 200)).properties[marker],
      ).toBeUndefined();
      expect(
        (
          await json<{ properties: Record<string, unknown> }>(
            await call(`/stac/collections/${projectId}/queryables`, { token: owner.token }),
            200,
          )
        ).properties[marker],
      ).toBeDefined();

      await json(
        await call(`/projects/${projectId}`, { token: owner.token, method: 'PATCH', json: { is_public: true } }),
        200,
      );
      expect(await count(`collections=${projectId}`)).toBe(5);
      expect((await json<Item>(await call(`/stac/collections/${projectId}/items/private-0`), 200)).id).toBe(
        'private-0',
      );

      // Unpublished: gone from the catalog for everyone but the project's managers.
      const withdrawn = await json<{ published: boolean; items: number }>(
        await call(`/projects/${projectId}/stac/unpublish`, { token: owner.token, method: 'POST' }),
        200,
      );
      expect(withdrawn).toMatchObject({ published: false, items: 5 });
      expect(await count(`collections=${projectId}`)).toBe(0);
      expect(await count(`collections=${projectId}`, { token: stranger.token })).toBe(0);
      expect(await count(`collections=${projectId}`, { token: owner.token })).toBe(5);
      await problem(await call(`/projects/${projectId}/stac/publish`, { token: stranger.token, method: 'POST' }), 403);
      await json(await call(`/projects/${projectId}/stac/publish`, { token: owner.token, method: 'POST' }), 200);
      expect(await count(`collections=${projectId}`)).toBe(5);
    });
  });

  describe('data products as items', () => {
    const demo = seed.demoProjectId;
    const product = () => seed.dataProducts['cog.tif']!;

    beforeAll(async () => {
      const published = await json<{ items: number; skipped: unknown[] }>(
        await call(`/projects/${demo}/stac/publish`, { ...admin, method: 'POST' }),
        200,
      );
      expect(published.items).toBeGreaterThan(0);
    });

    it('an item per COG with proj, raster and eo, and signed asset links for private data', async () => {
      const doc = await json<Item & { stac_extensions: string[] }>(
        await call(`/stac/collections/${demo}/items/${product().id}`, admin),
        200,
      );
      expect(doc.stac_extensions.some((e) => e.includes('/projection/'))).toBe(true);
      const info = JSON.parse(gdal('gdalinfo', ['-json', `${FIXTURES}/cog/cog.tif`])) as {
        size: [number, number];
        geoTransform: number[];
        stac?: unknown;
      };
      expect(doc.properties['proj:shape']).toEqual([info.size[1], info.size[0]]);
      const [c, a, b, f, d, e] = info.geoTransform;
      const transform = doc.properties['proj:transform'] as number[];
      [a, b, c, d, e, f].forEach((value, i) => expect(transform[i]).toBeCloseTo(value!, 6));
      const data = doc.assets.data!;
      expect(data.roles).toEqual(['data']);
      const href = new URL(data.href);
      expect(href.searchParams.get('token')).toBeTruthy();
      const bands = (data as unknown as { 'raster:bands': Array<{ data_type: string }> })['raster:bands'];
      const gdalType = (
        JSON.parse(gdal('gdalinfo', ['-json', `${FIXTURES}/cog/cog.tif`])) as { bands: Array<{ type: string }> }
      ).bands[0]!.type;
      expect(bands[0]!.data_type).toBe(gdalType === 'Byte' ? 'uint8' : gdalType.toLowerCase());
      // The signed link opens the file for anyone holding it, byte ranges included; without the token it is closed.
      const bytes = readFileSync(`${FIXTURES}/cog/cog.tif`);
      const part = await fetch(href, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
      const tail = await fetch(href, { headers: { range: 'bytes=-16' } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 16))).toBe(true);
      const head = await fetch(href, { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      await problem(await fetch(href, { headers: { range: `bytes=${bytes.length + 10}-` } }), 416);
      href.searchParams.delete('token');
      expect([401, 404]).toContain((await fetch(href)).status);
      await problem(await call(`/stac/collections/${demo}/items/${product().id}`), 404);
    });

    it('GDAL reads the catalog with its STACIT driver and gets the source file’s values', () => {
      const url = `STACIT:"${baseUrl}/stac/search?collections=${demo}&ids=${product().id}"`;
      const config = ['--config', 'GDAL_HTTP_HEADERS', `X-API-Key: ${seed.admin.apiKey}`];
      const info = JSON.parse(gdal('gdalinfo', ['-json', ...config, url])) as { size: number[] };
      const source = JSON.parse(gdal('gdalinfo', ['-json', `${FIXTURES}/cog/cog.tif`])) as {
        size: number[];
        wgs84Extent: { coordinates: number[][][] };
      };
      expect(info.size).toEqual(source.size);
      const ring = source.wgs84Extent.coordinates[0]!;
      const [lon0, lat0] = ring[0]!;
      const [lon1, lat1] = ring[2]!;
      for (const [fx, fy] of [
        [0.5, 0.5],
        [0.25, 0.7],
        [0.8, 0.3],
      ]) {
        const lon = String(lon0! + (lon1! - lon0!) * fx!);
        const lat = String(lat0! + (lat1! - lat0!) * fy!);
        const ours = gdal('gdallocationinfo', ['-valonly', '-wgs84', ...config, url, lon, lat]).trim();
        const truth = gdal('gdallocationinfo', ['-valonly', '-wgs84', `${FIXTURES}/cog/cog.tif`, lon, lat]).trim();
        expect(ours.length).toBeGreaterThan(0);
        expect(ours).toBe(truth);
      }
    });
  });
});
