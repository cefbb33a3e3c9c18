import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { cacheKey, cached, tileCacheControl } from '../platform/http/tile-cache';
import { metric } from '../platform/http/server-timing';
import { text } from '../platform/http/schemas';
import { TileJSON } from '../platform/http/tilejson';
import { rowsOf } from '../platform/db/rows';
import { canReadSql, isUuid, requireProjectRole } from '../platform/auth/access';
import { FeatureCollection } from './geojson';
import { layersById, loadLayer, type LayerRow } from './layers';
import { vectorTile } from './mvt';
import { MAX_RESOURCE_TOKEN_TTL, vectorLayerScope } from '../platform/auth/tokens';
import { assertTokenStands, canReadProject, isolateCache, remembered, verifiedToken } from '../platform/auth/grants';
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

/** Ids of every layer the caller may read, oldest first. */
export async function readableLayerIds(c: Context<AppEnv>): Promise<string[]> {
  return rowsOf<{ id: string }>(
    await c.var.db.execute(sql`
    SELECT l.id FROM vector_layers l WHERE ${canReadSql(sql`l.project_id`, c.var.principal)} ORDER BY l.created_at, l.id LIMIT 1000`),
  ).map((r) => r.id);
}

/** Layers as tiles need them (no bounds), remembered like every other grant (../auth/grants.ts). */
const tileLayers = isolateCache<LayerRow | null>(2_000);

/**
 * The layers, if the caller may read every one: their project's readers, anyone for public
 * projects, or a `token` scoped to the layer (one layer per token).
 */
export async function readableLayers(
  c: Context<AppEnv>,
  ids: string[],
  options: { bounds?: boolean } = {},
): Promise<LayerRow[]> {
  const missing = () => new ApiError(404, 'not-found', 'No such layer.');
  if (ids.length === 0 || ids.length > 16 || !ids.every(isUuid)) throw missing();
  const token = c.req.query('token');
  if (token && ids.length > 1)
    throw new ApiError(
      400,
      'bad-request',
      'A token opens one layer: ask for its tiles alone, or sign in to combine layers.',
    );
  const claims = token ? await verifiedToken(c, token, vectorLayerScope(ids[0]!)) : null;
  const layers = options.bounds
    ? await layersById(c.var.db, ids, options)
    : await Promise.all(
        ids.map((id) =>
          remembered(
            c,
            tileLayers,
            id,
            async () => (await layersById(c.var.db, [id]))[0] ?? null,
            (l) => l !== null,
          ),
        ),
      );
  for (const id of ids) {
    const layer = layers.find((l) => l?.id === id);
    if (!layer) throw missing();
    if (claims) await assertTokenStands(c, claims, { projectId: layer.projectId, epoch: layer.epoch, isPublic: false });
    else if (!(await canReadProject(c, layer.projectId))) throw missing();
  }
  return ids.map((id) => layers.find((l) => l?.id === id)!);
}

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
    const ids = await readableLayerIds(c);
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
    const [layer] = await readableLayers(c, [match[1]!], { bounds: true });
    const origin = new URL(c.req.url).origin;
    const bounds = layer!.bounds ?? [-180, -85.0511287798066, 180, 85.0511287798066];
    return c.json(
      {
        tilejson: '3.0.0',
        name: layer!.name,
        description: layer!.description,
        version: String(layer!.version),
        scheme: 'xyz',
        tiles: [
          `${origin}/vector/${layer!.id}/{z}/{x}/{y}.mvt${c.req.query('token') ? `?token=${encodeURIComponent(c.req.query('token')!)}` : ''}`,
        ],
        vector_layers: [{ id: layer!.name, fields: layer!.fields, minzoom: 0, maxzoom: 22 }],
        minzoom: 0,
        maxzoom: 22,
        bounds,
        center: [(bounds[0]! + bounds[2]!) / 2, (bounds[1]! + bounds[3]!) / 2, 2],
      } satisfies TileJSON,
      200,
    );
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
    const [zoom, x, y] = [Number(p.z), Number(p.x), Number(p.y.split('.')[0])];
    if (zoom > 24 || x >= 2 ** zoom || y >= 2 ** zoom)
      throw new ApiError(400, 'bad-request', `Tile ${zoom}/${x}/${y} does not exist.`);
    const layers = await readableLayers(c, p.layers.split(','));
    const properties = c.req
      .valid('query')
      .properties?.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const started = performance.now();
    const key = await cacheKey(
      c,
      layers.map((l) => `${l.id.slice(0, 8)}v${l.version}`),
    );
    return cached(
      c,
      { key, cacheControl: tileCacheControl(c), hitTiming: () => [metric('total', performance.now() - started)] },
      async () => {
        const queried = performance.now();
        const tile = await vectorTile(c.var.db, layers, zoom, x, y, {
          properties,
          limit: numberVar(c.env, 'VECTOR_TILE_FEATURE_LIMIT'),
        });
        const now = performance.now();
        return new Response(tile, {
          headers: {
            'content-type': 'application/vnd.mapbox-vector-tile',
            'server-timing': [metric('db', now - queried), metric('total', now - started)].join(', '),
          },
        });
      },
    );
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/vector/{layerId}/token',
    tags: ['vector'],
    summary: 'A short-lived signed token that opens this layer’s tiles and TileJSON',
    description: `For any reader of the layer. \`expires_in\` defaults to RESOURCE_TOKEN_TTL and is capped at ${MAX_RESOURCE_TOKEN_TTL} s.`,
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
