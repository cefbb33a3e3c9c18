import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { createRouter, errors, jsonResponse } from '../platform/http/openapi';
import { Conformance, Queryables } from '../platform/http/ogc';
import { ApiError } from '../platform/http/problem';
import { layersById, readableLayerIds, type LayerRow } from '../vector/layers';
import { compileCql2 } from '../engines/cql2/cql2';
import { isRefusedInput } from '../platform/db/errors';
import { parseCql2Text } from '../engines/cql2/cql2-text';
import { featureResolver, getItem, queryItems } from './store';
import { Collection, Collections, Feature, FeatureCollection, LandingPage } from './schemas';
import { readableLayers } from '../vector/readable';

const router = createRouter();
const tags = ['features (OGC API)'];
const GEOJSON = 'application/geo+json';
const JSON_TYPE = 'application/json';

/** Exactly the classes implemented: Part 1 core + GeoJSON, Part 3 filtering with CQL2 text. */
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
];

const base = (c: Context<AppEnv>) => `${new URL(c.req.url).origin}/features`;
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

function collectionJson(c: Context<AppEnv>, layer: LayerRow) {
  const href = `${base(c)}/collections/${layer.id}`;
  return {
    id: layer.id,
    title: layer.name,
    description: layer.description,
    itemType: 'feature',
    crs: [CRS84],
    extent: { spatial: { bbox: [layer.bounds ?? [-180, -90, 180, 90]], crs: CRS84 } },
    links: [
      { href, rel: 'self', type: JSON_TYPE, title: layer.name },
      { href: `${href}/items`, rel: 'items', type: GEOJSON, title: 'Features' },
      {
        href: `${href}/queryables`,
        rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables',
        type: 'application/schema+json',
        title: 'Queryables',
      },
      {
        href: `${new URL(c.req.url).origin}/vector/${layer.id}.json`,
        rel: 'describedby',
        type: JSON_TYPE,
        title: 'TileJSON (vector tiles)',
      },
    ],
  };
}

router.openapi(
  createRoute({
    method: 'get',
    path: '/features',
    tags,
    summary: 'OGC API Features landing page',
    responses: { 200: jsonResponse(LandingPage, 'Landing page') },
  }),
  (c) =>
    c.json(
      {
        title: 'edge-tiles features',
        description: 'Vector layers as OGC API Features',
        links: [
          { href: base(c), rel: 'self', type: JSON_TYPE, title: 'This document' },
          {
            href: `${new URL(c.req.url).origin}/openapi.json`,
            rel: 'service-desc',
            type: 'application/vnd.oai.openapi+json;version=3.1',
            title: 'API definition',
          },
          {
            href: `${new URL(c.req.url).origin}/docs`,
            rel: 'service-doc',
            type: 'text/html',
            title: 'API documentation',
          },
          { href: `${base(c)}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Conformance' },
          { href: `${base(c)}/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
        ],
      },
      200,
    ),
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/features/conformance',
    tags,
    summary: 'Conformance classes honoured',
    responses: { 200: jsonResponse(Conformance, 'Conformance') },
  }),
  (c) => c.json({ conformsTo: CONFORMANCE }, 200),
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/features/collections',
    tags,
    summary: 'The layers the caller can read',
    responses: { 200: jsonResponse(Collections, 'Collections') },
  }),
  async (c) => {
    const ids = await readableLayerIds(c.var.db, c.var.principal);
    const layers = await layersById(c.var.db, ids, { bounds: true });
    return c.json(
      {
        links: [{ href: `${base(c)}/collections`, rel: 'self', type: JSON_TYPE }],
        collections: ids.map((id) =>
          collectionJson(
            c,
            layers.find((l) => l.id === id)!,
          ),
        ),
      },
      200,
    );
  },
);

const CollectionParams = z.object({ collectionId: z.string() });

router.openapi(
  createRoute({
    method: 'get',
    path: '/features/collections/{collectionId}',
    tags,
    summary: 'A collection',
    request: { params: CollectionParams },
    responses: { 200: jsonResponse(Collection, 'Collection'), ...errors(404) },
  }),
  async (c) =>
    c.json(
      collectionJson(c, (await readableLayers(c, [c.req.valid('param').collectionId], { bounds: true }))[0]!),
      200,
    ),
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/features/collections/{collectionId}/queryables',
    tags,
    summary: 'Queryable properties (JSON Schema)',
    request: { params: CollectionParams },
    responses: {
      200: {
        description: 'Queryables',
        content: { 'application/schema+json': { schema: Queryables } },
      },
      ...errors(404),
    },
  }),
  async (c) => {
    const [layer] = await readableLayers(c, [c.req.valid('param').collectionId]);
    return c.json(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `${base(c)}/collections/${layer!.id}/queryables`,
        type: 'object',
        title: layer!.name,
        properties: {
          geometry: { $ref: 'https://geojson.org/schema/Geometry.json' },
          ...Object.fromEntries(Object.entries(layer!.fields).map(([name, type]) => [name, { title: name, type }])),
        },
        additionalProperties: false,
      } satisfies Queryables,
      200,
      { 'content-type': 'application/schema+json' },
    );
  },
);

const number = z.number().finite();
const ItemsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10)
    .openapi({ description: 'Items per page (1–10000; larger values are clamped)' }),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  bbox: z.string().max(200).optional().openapi({ description: 'minLon,minLat,maxLon,maxLat (CRS84)' }),
  datetime: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'Accepted for conformance; layers have no temporal extent, so it selects everything' }),
  properties: z.string().max(2000).optional(),
  sortby: z.string().max(500).optional().openapi({ description: '+name or -density, comma-separated' }),
  filter: z.string().max(8192).optional(),
  'filter-lang': z.enum(['cql2-text']).default('cql2-text'),
  'filter-crs': z.literal(CRS84).optional(),
});

function parseBbox(text: string): [number, number, number, number] {
  const values = text.split(',').map(Number);
  if ((values.length !== 4 && values.length !== 6) || values.some((v) => !number.safeParse(v).success))
    throw new ApiError(400, 'validation-error', 'bbox is minLon,minLat,maxLon,maxLat (or 6 numbers with heights).');
  const [minx, miny, maxx, maxy] = values.length === 4 ? values : [values[0]!, values[1]!, values[3]!, values[4]!];
  if (minx! < -180 || maxx! > 180 || miny! < -90 || maxy! > 90 || miny! > maxy!)
    throw new ApiError(400, 'validation-error', 'bbox must lie within -180,-90,180,90 with minLat ≤ maxLat.');
  return [minx!, miny!, maxx!, maxy!];
}

const DATETIME =
  /^(\.\.|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?)(\/(\.\.|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?))?$/;

router.openapi(
  createRoute({
    method: 'get',
    path: '/features/collections/{collectionId}/items',
    tags,
    summary: 'Features, filtered and paged',
    request: { params: CollectionParams, query: ItemsQuery },
    responses: {
      200: { description: 'FeatureCollection', content: { [GEOJSON]: { schema: FeatureCollection } } },
      ...errors(400, 404),
    },
  }),
  async (c) => {
    const [layer] = await readableLayers(c, [c.req.valid('param').collectionId]);
    const query = c.req.valid('query');
    if (query.datetime !== undefined && !DATETIME.test(query.datetime))
      throw new ApiError(
        400,
        'validation-error',
        'datetime is an RFC 3339 instant or an interval with /, open ends as ..',
      );
    const limit = Math.min(query.limit, 10_000);
    const filter = query.filter ? compileCql2(parseCql2Text(query.filter), featureResolver(layer!.fields)) : undefined;
    const sortby = query.sortby
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const descending = s.startsWith('-');
        const name = s.replace(/^[+-]/, '');
        if (!Object.hasOwn(layer!.fields, name))
          throw new ApiError(400, 'validation-error', `sortby: unknown property "${name}".`);
        return { name, descending };
      });
    let page;
    try {
      page = await queryItems(c.var.db, {
        layerId: layer!.id,
        fields: layer!.fields,
        bbox: query.bbox ? parseBbox(query.bbox) : undefined,
        filter,
        properties: query.properties
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        sortby,
        limit,
        offset: query.offset,
      });
    } catch (error) {
      // Values PostGIS refuses (a malformed WKT literal, a text value compared to a number) are the caller's.
      if (isRefusedInput(error))
        throw new ApiError(400, 'validation-error', 'filter: a value or geometry in it cannot be used.');
      throw error;
    }
    const url = new URL(c.req.url);
    const link = (offset: number) => {
      const next = new URL(url);
      next.searchParams.set('offset', String(offset));
      next.searchParams.set('limit', String(limit));
      return next.toString();
    };
    const links = [
      { href: url.toString(), rel: 'self', type: GEOJSON },
      { href: `${base(c)}/collections/${layer!.id}`, rel: 'collection', type: JSON_TYPE },
    ];
    if (query.offset + page.features.length < page.numberMatched)
      links.push({ href: link(query.offset + limit), rel: 'next', type: GEOJSON });
    if (query.offset > 0) links.push({ href: link(Math.max(0, query.offset - limit)), rel: 'prev', type: GEOJSON });
    return c.json(
      {
        type: 'FeatureCollection',
        features: page.features,
        numberMatched: page.numberMatched,
        numberReturned: page.features.length,
        timeStamp: new Date().toISOString(),
        links,
      } satisfies FeatureCollection,
      200,
      { 'content-type': GEOJSON },
    );
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/features/collections/{collectionId}/items/{featureId}',
    tags,
    summary: 'One feature',
    request: { params: CollectionParams.extend({ featureId: z.string() }) },
    responses: {
      200: { description: 'Feature', content: { [GEOJSON]: { schema: Feature } } },
      ...errors(404),
    },
  }),
  async (c) => {
    const { collectionId, featureId } = c.req.valid('param');
    const [layer] = await readableLayers(c, [collectionId]);
    const id = Number(featureId);
    const feature = Number.isSafeInteger(id) && id > 0 ? await getItem(c.var.db, layer!.id, id) : null;
    if (!feature) throw new ApiError(404, 'not-found', 'No such feature.');
    const href = `${base(c)}/collections/${layer!.id}`;
    return c.json(
      {
        ...feature,
        links: [
          { href: `${href}/items/${id}`, rel: 'self', type: GEOJSON },
          { href, rel: 'collection', type: JSON_TYPE },
        ],
      },
      200,
      { 'content-type': GEOJSON },
    );
  },
);

export default router;
