import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { isRefusedInput } from '../platform/db/errors';
import { createRouter, errors, handBuilt, jsonBody, jsonResponse, bearerSecurity } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { requireProjectRole } from '../platform/auth/access';
import { validateCollection } from './collection';
import {
  assertSameId,
  collectionDocument,
  deleteCollection,
  insertCollection,
  replaceCollection,
  searchCollections,
  type CollectionRow,
} from './collection-store';
import { CatalogError } from '../engines/cql2/errors';
import { selectFields } from './fields';
import { mergePatch, validateItem, STAC_VERSION } from './item';
import { deleteItem, getItem, getStoredItem, runSearch, storedDocument, writeItems, type ItemRow } from './item-store';
import { itemDocuments as signedItemDocuments } from './assets';
import { requireCollectionWrite, visibleCollection } from './collection-access';
import { queryables } from './queryables';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  parseSearchBody,
  parseSearchParameters,
  planSearch,
  type SearchRequest,
} from './search';
import { visibleCollections, visibleItems, visibleItemsIn } from './visibility';
import { publishProject, unpublishProject } from './publish';
import { R2Source } from '../engines/raster/source';
import { Conformance, Queryables, type Link } from '../platform/http/ogc';
import { ItemCollection, ItemsCreated, StacCollection, StacCollections, StacItem, StacLandingPage } from './schemas';

const router = createRouter();
const tags = ['STAC'];
const JSON_TYPE = 'application/json';
const GEOJSON = 'application/geo+json';
const anyJson = z.record(z.string(), z.unknown());

/** Exactly what is implemented; each class is covered by tests (test/integration/stac.test.ts). */
export const CONFORMANCE = [
  'https://api.stacspec.org/v1.0.0/core',
  'https://api.stacspec.org/v1.0.0/collections',
  'https://api.stacspec.org/v1.0.0/ogcapi-features',
  'https://api.stacspec.org/v1.0.0/item-search',
  'https://api.stacspec.org/v1.0.0/item-search#sort',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#sort',
  'https://api.stacspec.org/v1.0.0/item-search#fields',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#fields',
  'https://api.stacspec.org/v1.0.0-rc.2/item-search#filter',
  'https://api.stacspec.org/v1.0.0-rc.1/item-search#query',
  'https://api.stacspec.org/v1.0.0/ogcapi-features/extensions/transaction',
  'https://api.stacspec.org/v1.0.0-rc.1/collection-search',
  'https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/simpletx',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions',
];

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;
const stacRoot = (c: Context<AppEnv>) => `${origin(c)}/stac`;

// ------------------------------------------------------------------ responses

/** Item documents for a page, their data products' asset links absolute and signed where private. */
const itemDocuments = (c: Context<AppEnv>, rows: ItemRow[]) =>
  signedItemDocuments(c.var.db, c.var.principal, rows, { origin: origin(c), root: stacRoot(c), env: c.env });

/** A FeatureCollection streamed feature by feature, so a 10,000-item page never becomes one string. */
function featureCollection(features: Array<Record<string, unknown>>, tail: Record<string, unknown>): never {
  const encoder = new TextEncoder();
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next === 0) controller.enqueue(encoder.encode('{"type":"FeatureCollection","features":['));
      const end = Math.min(features.length, next + 200);
      let chunk = '';
      for (; next < end; next++) chunk += (next > 0 ? ',' : '') + JSON.stringify(features[next]);
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (next >= features.length) {
        const rest = JSON.stringify(tail);
        controller.enqueue(encoder.encode(`],${rest.slice(1)}`));
        controller.close();
      }
    },
  });
  return handBuilt(new Response(stream, { headers: { 'content-type': GEOJSON } }));
}

/** A search page with numberMatched, context and the `next` link (GET: a URL; POST: method, body, merge). */
async function searchResponse(
  c: Context<AppEnv>,
  request: SearchRequest,
  body?: Record<string, unknown>,
): Promise<never> {
  const plan = planSearch(request, visibleItems(c.var.principal));
  let found;
  try {
    found = await runSearch(c.var.db, plan);
  } catch (error) {
    // A geometry GEOS cannot compare (a self-intersecting polygon in S_OVERLAPS, say) is the caller's.
    const refused = isRefusedInput(error);
    if (refused)
      throw new CatalogError(
        request.intersects ? 'intersects' : 'filter',
        `PostGIS cannot use a value of this search: ${refused}`,
      );
    throw error;
  }
  const { page, matched } = found;
  const docs = (await itemDocuments(c, page.rows)).map((doc) => selectFields(doc, request.fields));
  const url = new URL(c.req.url);
  const links: Array<Record<string, unknown>> = [
    { rel: 'self', type: GEOJSON, href: url.toString() },
    { rel: 'root', type: JSON_TYPE, href: stacRoot(c) },
  ];
  if (page.next) {
    if (body)
      links.push({
        rel: 'next',
        type: GEOJSON,
        href: url.toString(),
        method: 'POST',
        body: { ...body, token: page.next },
        merge: false,
      });
    else {
      const next = new URL(url);
      next.searchParams.set('token', page.next);
      links.push({ rel: 'next', type: GEOJSON, href: next.toString(), method: 'GET' });
    }
  }
  return featureCollection(docs, {
    links,
    numberMatched: matched.count,
    numberReturned: docs.length,
    context: {
      returned: docs.length,
      limit: plan.limit,
      matched: matched.count,
      ...(matched.estimated ? { matched_is_estimate: true } : {}),
    },
  });
}

// ------------------------------------------------------------------ access

/** Replaces a collection with `doc` (checked), answering with what was stored. */
async function replaceWith(c: Context<AppEnv>, row: CollectionRow, doc: Record<string, unknown>) {
  assertSameId(doc.id, row.id);
  const record = validateCollection(doc);
  await replaceCollection(c.var.db, record);
  return collectionDocument({ ...row, content: record.content }, stacRoot(c));
}

const created = (location: string, doc: unknown) =>
  handBuilt(new Response(JSON.stringify(doc), { status: 201, headers: { 'content-type': JSON_TYPE, location } }));
const geojson = (doc: unknown) =>
  handBuilt(new Response(JSON.stringify(doc), { headers: { 'content-type': GEOJSON } }));

// ------------------------------------------------------------------ landing, conformance, queryables

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac',
    tags,
    summary: 'STAC API landing page',
    responses: { 200: jsonResponse(StacLandingPage, 'Catalog') },
  }),
  (c) => {
    const root = stacRoot(c);
    return c.json(
      {
        type: 'Catalog',
        stac_version: STAC_VERSION,
        id: 'edge-tiles',
        title: 'edge-tiles catalog',
        description: 'Drone and satellite imagery of the projects on this service, as STAC',
        conformsTo: CONFORMANCE,
        links: [
          { rel: 'self', type: JSON_TYPE, href: root },
          { rel: 'root', type: JSON_TYPE, href: root },
          { rel: 'conformance', type: JSON_TYPE, href: `${root}/conformance` },
          { rel: 'data', type: JSON_TYPE, href: `${root}/collections` },
          { rel: 'search', type: GEOJSON, href: `${root}/search`, method: 'GET' },
          { rel: 'search', type: GEOJSON, href: `${root}/search`, method: 'POST' },
          {
            rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables',
            type: 'application/schema+json',
            href: `${root}/queryables`,
          },
          {
            rel: 'service-desc',
            type: 'application/vnd.oai.openapi+json;version=3.1',
            href: `${origin(c)}/openapi.json`,
          },
          { rel: 'service-doc', type: 'text/html', href: `${origin(c)}/docs` },
        ],
      } satisfies StacLandingPage,
      200,
    );
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac/conformance',
    tags,
    summary: 'Conformance classes honoured',
    responses: { 200: jsonResponse(Conformance, 'Conformance') },
  }),
  (c) => c.json({ conformsTo: CONFORMANCE }, 200),
);

const schemaResponse = (schema: Record<string, unknown>) =>
  handBuilt(new Response(JSON.stringify(schema), { headers: { 'content-type': 'application/schema+json' } }));
const CollectionParams = z.object({ collectionId: z.string().max(256) });
const SchemaResponses = {
  200: { description: 'JSON Schema', content: { 'application/schema+json': { schema: Queryables } } },
  ...errors(404),
};

for (const kind of ['queryables', 'sortables'] as const) {
  router.openapi(
    createRoute({
      method: 'get',
      path: `/stac/${kind}`,
      tags,
      summary: `${kind === 'queryables' ? 'Queryables' : 'Sortables'} across the catalog`,
      responses: SchemaResponses,
    }),
    async (c) =>
      schemaResponse(
        await queryables(c.var.db, visibleItems(c.var.principal), `${stacRoot(c)}/${kind}`, `${kind} of the catalog`),
      ),
  );
  router.openapi(
    createRoute({
      method: 'get',
      path: `/stac/collections/{collectionId}/${kind}`,
      tags,
      summary: `${kind === 'queryables' ? 'Queryables' : 'Sortables'} of a collection`,
      request: { params: CollectionParams },
      responses: SchemaResponses,
    }),
    async (c) => {
      const { collectionId } = c.req.valid('param');
      await visibleCollection(c, collectionId);
      const where = visibleItemsIn(c.var.principal, collectionId);
      return schemaResponse(
        await queryables(
          c.var.db,
          where,
          `${stacRoot(c)}/collections/${collectionId}/${kind}`,
          `${kind} of ${collectionId}`,
        ),
      );
    },
  );
}

// ------------------------------------------------------------------ collections

const CollectionSearchQuery = z.object({
  q: z
    .string()
    .max(1000)
    .optional()
    .openapi({ description: 'Free text: comma-separated terms, any of which matches title, description or keywords' }),
  bbox: z.string().optional(),
  datetime: z.string().optional(),
  limit: z
    .string()
    .optional()
    .openapi({ description: `Default 10, at most ${MAX_LIMIT}` }),
  token: z.string().max(256).optional(),
});

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac/collections',
    tags,
    summary: 'Collections the caller can see (collection search: q, bbox, datetime)',
    request: { query: CollectionSearchQuery },
    responses: { 200: jsonResponse(StacCollections, 'Collections'), ...errors(400) },
  }),
  async (c) => {
    const query = c.req.valid('query');
    // Collection search takes the item search's bbox, datetime and limit rules.
    const parsed = parseSearchParameters({
      bbox: query.bbox,
      datetime: query.datetime,
      limit: query.limit ?? String(DEFAULT_LIMIT),
    });
    const q = query.q
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const page = await searchCollections(c.var.db, visibleCollections(c.var.principal), {
      q,
      bbox: parsed.bbox,
      datetime: parsed.datetime,
      limit: parsed.limit,
      after: query.token,
    });
    const root = stacRoot(c);
    const url = new URL(c.req.url);
    const links: Link[] = [
      { rel: 'self', type: JSON_TYPE, href: url.toString() },
      { rel: 'root', type: JSON_TYPE, href: root },
      { rel: 'parent', type: JSON_TYPE, href: root },
    ];
    if (page.next) {
      const next = new URL(url);
      next.searchParams.set('token', page.next);
      links.push({ rel: 'next', type: JSON_TYPE, href: next.toString() });
    }
    return c.json(
      { collections: page.rows.map((row) => collectionDocument(row, root)), links, numberReturned: page.rows.length },
      200,
    );
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac/collections/{collectionId}',
    tags,
    summary: 'A collection',
    request: { params: CollectionParams },
    responses: { 200: jsonResponse(StacCollection, 'Collection'), ...errors(404) },
  }),
  async (c) =>
    c.json(collectionDocument(await visibleCollection(c, c.req.valid('param').collectionId), stacRoot(c)), 200),
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/stac/collections',
    tags,
    summary: 'Create a collection outside any project (administrators)',
    description: 'A project’s own collection is created by POST /projects/{projectId}/stac/publish.',
    security: bearerSecurity,
    request: { body: jsonBody(anyJson, 'A STAC Collection') },
    responses: { 201: jsonResponse(StacCollection, 'Created'), ...errors(400, 401, 403, 409, 413) },
  }),
  async (c) => {
    if (!c.var.principal)
      throw new ApiError(401, 'unauthorized', 'Sign in to change the catalog.', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    if (!c.var.principal.isAdmin)
      throw new ApiError(
        403,
        'forbidden',
        'Collections outside projects are created by administrators; publish a project to create its collection.',
      );
    const record = validateCollection(c.req.valid('json'));
    if (!(await insertCollection(c.var.db, record, { projectId: null, published: true })))
      throw new ApiError(409, 'conflict', `A collection "${record.id}" already exists.`);
    const row: CollectionRow = { id: record.id, project_id: null, is_published: true, content: record.content };
    return created(`${stacRoot(c)}/collections/${encodeURIComponent(record.id)}`, collectionDocument(row, stacRoot(c)));
  },
);

router.openapi(
  createRoute({
    method: 'put',
    path: '/stac/collections/{collectionId}',
    tags,
    summary: 'Replace a collection (project managers; administrators)',
    security: bearerSecurity,
    request: { params: CollectionParams, body: jsonBody(anyJson, 'A STAC Collection') },
    responses: { 200: jsonResponse(StacCollection, 'Replaced'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const row = await requireCollectionWrite(c, c.req.valid('param').collectionId, 'manager');
    return c.json(await replaceWith(c, row, c.req.valid('json')), 200);
  },
);

router.openapi(
  createRoute({
    method: 'patch',
    path: '/stac/collections/{collectionId}',
    tags,
    summary: 'Change part of a collection (JSON Merge Patch)',
    security: bearerSecurity,
    request: { params: CollectionParams, body: jsonBody(anyJson, 'RFC 7396 merge patch') },
    responses: { 200: jsonResponse(StacCollection, 'Patched'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const row = await requireCollectionWrite(c, c.req.valid('param').collectionId, 'manager');
    return c.json(
      await replaceWith(c, row, mergePatch(row.content, c.req.valid('json')) as Record<string, unknown>),
      200,
    );
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/stac/collections/{collectionId}',
    tags,
    summary: 'Delete a collection and its items (project owners; administrators)',
    security: bearerSecurity,
    request: { params: CollectionParams },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { collectionId } = c.req.valid('param');
    await requireCollectionWrite(c, collectionId, 'owner');
    await deleteCollection(c.var.db, collectionId);
    return c.body(null, 204);
  },
);

// ------------------------------------------------------------------ items and search

const SearchQuery = z.object({
  collections: z.string().optional().openapi({ description: 'Comma-separated collection ids' }),
  ids: z.string().optional().openapi({ description: 'Comma-separated item ids' }),
  bbox: z.string().optional().openapi({ description: 'minx,miny,maxx,maxy (or 6 numbers for 3D)' }),
  intersects: z.string().optional().openapi({ description: 'A GeoJSON geometry' }),
  datetime: z
    .string()
    .optional()
    .openapi({ description: 'An RFC 3339 instant or an interval a/b with .. for an open end' }),
  limit: z
    .string()
    .optional()
    .openapi({ description: `Default ${DEFAULT_LIMIT}; larger than ${MAX_LIMIT} is clamped` }),
  token: z.string().max(4096).optional(),
  filter: z.string().optional(),
  'filter-lang': z.string().optional(),
  'filter-crs': z.string().optional(),
  query: z.string().optional().openapi({ description: 'Query extension, as JSON' }),
  sortby: z.string().optional().openapi({ description: 'e.g. -datetime,+id' }),
  fields: z.string().optional().openapi({ description: 'e.g. id,-geometry,properties.gsd' }),
});
const ItemCollectionResponse = {
  200: { description: 'ItemCollection', content: { [GEOJSON]: { schema: ItemCollection } } },
  ...errors(400),
};

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac/search',
    tags,
    summary: 'Item search',
    request: { query: SearchQuery },
    responses: ItemCollectionResponse,
  }),
  (c) => searchResponse(c, parseSearchParameters(c.req.valid('query'))),
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/stac/search',
    tags,
    summary: 'Item search (JSON body; filter defaults to CQL2 JSON)',
    request: { body: jsonBody(anyJson, 'Search body') },
    responses: { ...ItemCollectionResponse, ...errors(400, 413) },
  }),
  (c) => {
    const body = c.req.valid('json');
    return searchResponse(c, parseSearchBody(body), body);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac/collections/{collectionId}/items',
    tags,
    summary: 'Items of a collection (filter, sort, fields as in search)',
    request: { params: CollectionParams, query: SearchQuery.omit({ collections: true }) },
    responses: { ...ItemCollectionResponse, ...errors(404) },
  }),
  async (c) => {
    const { collectionId } = c.req.valid('param');
    await visibleCollection(c, collectionId);
    const request = parseSearchParameters(c.req.valid('query'));
    return searchResponse(c, { ...request, collections: [collectionId] });
  },
);

const ItemParams = z.object({ collectionId: z.string().max(256), itemId: z.string().max(256) });

router.openapi(
  createRoute({
    method: 'get',
    path: '/stac/collections/{collectionId}/items/{itemId}',
    tags,
    summary: 'An item',
    request: { params: ItemParams },
    responses: { 200: { description: 'Item', content: { [GEOJSON]: { schema: StacItem } } }, ...errors(404) },
  }),
  async (c) => {
    const { collectionId, itemId } = c.req.valid('param');
    const row = await getItem(c.var.db, visibleItems(c.var.principal), collectionId, itemId);
    if (!row) throw new ApiError(404, 'not-found', `No item "${itemId}" in collection "${collectionId}".`);
    const [doc] = await itemDocuments(c, [row]);
    return geojson(doc);
  },
);

/** How many items one POST may carry (bigger loads: `npm run stac:load`). */
const MAX_ITEMS_PER_POST = 1000;

router.openapi(
  createRoute({
    method: 'post',
    path: '/stac/collections/{collectionId}/items',
    tags,
    summary: 'Add an item, or a FeatureCollection of items (project managers)',
    security: bearerSecurity,
    request: { params: CollectionParams, body: jsonBody(anyJson, 'A STAC Item or a FeatureCollection of them') },
    responses: { 201: jsonResponse(ItemsCreated, 'Created'), ...errors(400, 401, 403, 404, 409, 413) },
  }),
  async (c) => {
    const { collectionId } = c.req.valid('param');
    await requireCollectionWrite(c, collectionId, 'manager');
    const body = c.req.valid('json');
    const bulk = body.type === 'FeatureCollection';
    if (
      bulk &&
      (!Array.isArray(body.features) || body.features.length === 0 || body.features.length > MAX_ITEMS_PER_POST)
    ) {
      throw new CatalogError('features', `must be an array of 1 to ${MAX_ITEMS_PER_POST} items`);
    }
    const records = bulk
      ? (body.features as unknown[]).map((f, i) => validateItem(f, collectionId, `features.${i}`))
      : [validateItem(body, collectionId)];
    const ids = new Set<string>();
    records.forEach((r, i) => {
      if (ids.has(r.id)) throw new CatalogError(bulk ? `features.${i}.id` : 'id', `"${r.id}" appears twice`);
      ids.add(r.id);
    });
    const existing = await writeItems(c.var.db, records, 'insert');
    if (existing.length)
      throw new ApiError(
        409,
        'conflict',
        `Items already exist in "${collectionId}": ${existing.slice(0, 10).join(', ')}. Use PUT to replace one.`,
      );
    const collection = `${stacRoot(c)}/collections/${encodeURIComponent(collectionId)}`;
    const location = `${collection}/items/${encodeURIComponent(records[0]!.id)}`;
    if (bulk)
      return created(`${stacRoot(c)}/collections/${encodeURIComponent(collectionId)}/items`, {
        added: records.length,
        ids: records.map((r) => r.id),
      });
    const row = await getStoredItem(c.var.db, collectionId, records[0]!.id);
    const [doc] = await itemDocuments(c, [row!]);
    return created(location, doc);
  },
);

async function replaceItem(
  c: Context<AppEnv>,
  collectionId: string,
  itemId: string,
  body: Record<string, unknown>,
): Promise<never> {
  if (body.id !== itemId) throw new CatalogError('id', `is "${String(body.id)}" but the URL names "${itemId}"`);
  await writeItems(c.var.db, [validateItem(body, collectionId)], 'upsert');
  const row = await getStoredItem(c.var.db, collectionId, itemId);
  const [doc] = await itemDocuments(c, [row!]);
  return geojson(doc);
}

async function existingItem(c: Context<AppEnv>, collectionId: string, itemId: string): Promise<ItemRow> {
  const row = await getStoredItem(c.var.db, collectionId, itemId);
  if (!row) throw new ApiError(404, 'not-found', `No item "${itemId}" in collection "${collectionId}".`);
  return row;
}

router.openapi(
  createRoute({
    method: 'put',
    path: '/stac/collections/{collectionId}/items/{itemId}',
    tags,
    summary: 'Replace an item (project managers)',
    security: bearerSecurity,
    request: { params: ItemParams, body: jsonBody(anyJson, 'A STAC Item') },
    responses: {
      200: { description: 'Item', content: { [GEOJSON]: { schema: StacItem } } },
      ...errors(400, 401, 403, 404, 413),
    },
  }),
  async (c) => {
    const { collectionId, itemId } = c.req.valid('param');
    await requireCollectionWrite(c, collectionId, 'manager');
    await existingItem(c, collectionId, itemId);
    return replaceItem(c, collectionId, itemId, c.req.valid('json'));
  },
);

router.openapi(
  createRoute({
    method: 'patch',
    path: '/stac/collections/{collectionId}/items/{itemId}',
    tags,
    summary: 'Change part of an item (JSON Merge Patch; project managers)',
    security: bearerSecurity,
    request: { params: ItemParams, body: jsonBody(anyJson, 'RFC 7396 merge patch') },
    responses: {
      200: { description: 'Item', content: { [GEOJSON]: { schema: StacItem } } },
      ...errors(400, 401, 403, 404, 413),
    },
  }),
  async (c) => {
    const { collectionId, itemId } = c.req.valid('param');
    await requireCollectionWrite(c, collectionId, 'manager');
    const row = await existingItem(c, collectionId, itemId);
    return replaceItem(
      c,
      collectionId,
      itemId,
      mergePatch(storedDocument(row), c.req.valid('json')) as Record<string, unknown>,
    );
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/stac/collections/{collectionId}/items/{itemId}',
    tags,
    summary: 'Delete an item (project managers)',
    security: bearerSecurity,
    request: { params: ItemParams },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { collectionId, itemId } = c.req.valid('param');
    await requireCollectionWrite(c, collectionId, 'manager');
    if (!(await deleteItem(c.var.db, collectionId, itemId)))
      throw new ApiError(404, 'not-found', `No item "${itemId}" in collection "${collectionId}".`);
    return c.body(null, 204);
  },
);

// ------------------------------------------------------------------ publishing a project

const ProjectParams = z.object({ projectId: z.string().openapi({ format: 'uuid' }) });
const PublishResult = z
  .object({
    collection: z.string(),
    published: z.boolean(),
    items: z.number().int(),
    skipped: z.array(z.object({ data_product_id: z.string(), reason: z.string() })),
  })
  .openapi('StacPublishResult');

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/stac/publish',
    tags,
    security: bearerSecurity,
    summary: 'Publish the project to the catalog (managers)',
    description:
      'Creates or refreshes the project’s collection (id = the project id) and one item per COG data product, ' +
      'read from the files themselves; publishing again updates them. Who may see it follows the project: ' +
      'public projects are in anonymous searches, private ones only for their readers.',
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(PublishResult, 'Published'), ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    const cache = { cache: caches.default, waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p) };
    return c.json(await publishProject(c.var.db, projectId, (key) => new R2Source(c.env.DATA, key), cache), 200);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/stac/unpublish',
    tags,
    security: bearerSecurity,
    summary: 'Withdraw the project from the catalog (managers); its items stay for a later publish',
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(PublishResult, 'Unpublished'), ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    const result = await unpublishProject(c.var.db, projectId);
    if (!result) throw new ApiError(404, 'not-found', 'The project has not been published.');
    return c.json(result, 200);
  },
);

export default router;
