import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { serveTile } from '../platform/tiles/pipeline';
import { text } from '../platform/http/schemas';
import { requireProjectRole } from '../platform/auth/access';
import { TileJSON } from '../platform/http/tilejson';
import { FeatureCollection } from './geojson';
import { layersById, loadLayer, readableLayerIds, type LayerRow } from './layers';
import { LayerTiles } from './source';
import { readableLayers } from './readable';
import { MAX_RESOURCE_TOKEN_TTL, vectorLayerScope } from '../platform/auth/tokens';
import { numberVar } from '../platform/config';
import { ResourceTokenBody, ResourceTokenSchema, mintResourceToken } from '../platform/auth/resource-token';

const router = createRouter();

const LayerSchema = z
  .object({
    id: z.string().uuid(),
    project_id: z.string().uuid(),
    name: z.string(),
    description: z.string(),
    geometry_type: z.string(),
    fields: z.record(z.string(), z.string()),
    feature_count: z.number().int(),
    version: z.number().int(),
    bounds: z.array(z.number()).length(4).nullable(),
    tilejson: z.string(),
  })
  .openapi('VectorLayer');

const layerJson = (c: Context<AppEnv>, l: LayerRow): z.infer<typeof LayerSchema> => ({
  id: l.id,
  project_id: l.projectId,
  name: l.name,
  description: l.description,
  geometry_type: l.geometryType,
  fields: l.fields,
  feature_count: l.featureCount,
  version: l.version,
  bounds: l.bounds,
  tilejson: `${new URL(c.req.url).origin}/vector/${l.id}.json`,
});

const layerTiles = (c: Context<AppEnv>, layers: LayerRow[]) =>
  new LayerTiles(c.var.db, layers, numberVar(c.env, 'VECTOR_TILE_FEATURE_LIMIT'));

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/vector-layers',
    tags: ['vector'],
    summary: 'Load a GeoJSON FeatureCollection as a vector layer (managers)',
    description:
      'Coordinates are WGS 84 longitude/latitude. Malformed geometries are rejected naming the feature ' +
      '(`json.features.<i>.geometry…`); invalid ones (self-intersections…) are repaired with ST_MakeValid.',
    security: bearerSecurity,
    request: {
      params: z.object({ projectId: UuidParam }),
      query: z.object({
        name: text(200).pipe(z.string().min(1)).default('layer'),
        description: text(2000).default(''),
      }),
      body: jsonBody(FeatureCollection),
    },
    responses: {
      201: jsonResponse(LayerSchema.extend({ repaired: z.number().int() }), 'The layer'),
      ...errors(400, 401, 403, 404, 413),
    },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    const { name, description } = c.req.valid('query');
    const loaded = await loadLayer(c.var.db, projectId, name, description, c.req.valid('json'));
    const [layer] = await layersById(c.var.db, [loaded.id], { bounds: true });
    return c.json({ ...layerJson(c, layer!), repaired: loaded.repaired }, 201);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/vector',
    tags: ['vector'],
    summary: 'The vector layers the caller can read',
    responses: { 200: jsonResponse(z.object({ layers: z.array(LayerSchema) }), 'Layers'), ...errors(401) },
  }),
  async (c) => {
    const ids = await readableLayerIds(c.var.db, c.var.principal);
    const layers = await layersById(c.var.db, ids, { bounds: true });
    return c.json(
      {
        layers: ids.map((id) =>
          layerJson(
            c,
            layers.find((l) => l.id === id)!,
          ),
        ),
      },
      200,
    );
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/vector/{layer}',
    tags: ['vector'],
    summary: 'TileJSON 3.0.0 of a layer: /vector/{layerId}.json',
    request: {
      params: z.object({ layer: z.string().openapi({ example: '0b9d…e4.json' }) }),
      query: z.object({ token: z.string().optional() }),
    },
    responses: { 200: jsonResponse(TileJSON, 'TileJSON'), ...errors(401, 404) },
  }),
  async (c) => {
    const match = /^([0-9a-f-]{36})\.json$/i.exec(c.req.valid('param').layer);
    if (!match) throw new ApiError(404, 'not-found', 'Use /vector/{layerId}.json.');
    const layers = await readableLayers(c, [match[1]!], { bounds: true });
    const token = c.req.query('token');
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const template = `${new URL(c.req.url).origin}/vector/${layers[0]!.id}/{z}/{x}/{y}.mvt${query}`;
    return c.json(await layerTiles(c, layers).tileJson(template), 200);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/vector/{layers}/{z}/{x}/{y}',
    tags: ['vector'],
    summary: 'A Mapbox Vector Tile from PostGIS (ST_AsMVT): /vector/{layerId}[,{layerId}…]/{z}/{x}/{y}.mvt',
    description:
      'Extent 4096, buffer 64, clipped; low zooms simplified; at most VECTOR_TILE_FEATURE_LIMIT features per ' +
      'layer and tile, and the 10 s statement timeout. `properties` keeps only the attributes named.',
    request: {
      params: z.object({
        layers: z.string(),
        z: z.string().regex(/^\d{1,2}$/),
        x: z.string().regex(/^\d{1,8}$/),
        y: z
          .string()
          .regex(/^\d{1,8}\.(mvt|pbf)$/)
          .openapi({ example: '12.mvt' }),
      }),
      query: z.object({ properties: z.string().max(2000).optional(), token: z.string().optional() }),
    },
    responses: {
      200: {
        description: 'The tile',
        content: { 'application/vnd.mapbox-vector-tile': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      304: { description: 'Not modified' },
      ...errors(400, 401, 404),
    },
  }),
  async (c) => {
    const p = c.req.valid('param');
    const [z, x, y] = [Number(p.z), Number(p.x), Number(p.y.split('.')[0])];
    if (z > 24 || x >= 2 ** z || y >= 2 ** z)
      throw new ApiError(400, 'bad-request', `Tile ${z}/${x}/${y} does not exist.`);
    const properties = c.req
      .valid('query')
      .properties?.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const open = async () => layerTiles(c, await readableLayers(c, p.layers.split(',')));
    return serveTile(c, open, { z, x, y }, { properties });
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/vector/{layerId}/token',
    tags: ['vector'],
    summary: 'A short-lived signed token that opens this layer’s tiles and TileJSON',
    description:
      'For any reader of the layer. `expires_in` defaults to RESOURCE_TOKEN_TTL and is capped at ' +
      `${MAX_RESOURCE_TOKEN_TTL} s.`,
    security: bearerSecurity,
    request: { params: z.object({ layerId: UuidParam }), body: ResourceTokenBody },
    responses: { 201: jsonResponse(ResourceTokenSchema, 'The token'), ...errors(400, 401, 404, 413) },
  }),
  async (c) => {
    const { layerId } = c.req.valid('param');
    // Minting asks the database of now, with the caller's own credentials: no token mints a token.
    const [layer] = await layersById(c.var.db, [layerId]);
    if (!layer) throw new ApiError(404, 'not-found', 'Layer not found.');
    const access = await requireProjectRole(c.var.db, c.var.principal, layer.projectId, 'viewer', 'Layer');
    return c.json(
      await mintResourceToken(c, vectorLayerScope(layerId), access.epoch, c.req.valid('json')?.expires_in),
      201,
    );
  },
);

export default router;
