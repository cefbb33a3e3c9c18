import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { RASTER_PRODUCT_TYPES, type dataProducts } from '../platform/db/schema';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { geometryOut, isoDateTime } from '../platform/http/schemas';
import { numberVar } from '../platform/config';
import { requirePrincipal } from '../platform/auth/middleware';
import { canRead, canReadDataProductSql, projectAccess, requireProjectRole } from '../platform/auth/access';
import { signingKeys } from '../platform/auth/signing-keys';
import {
  MAX_SHARE_TTL,
  MIN_SHARE_TTL,
  TokenError,
  dataProductScope,
  signShareToken,
  verifyShareToken,
  type ShareClaims,
} from '../platform/auth/tokens';
import { ResourceTokenSchema, mintResourceToken } from '../platform/auth/resource-token';
import { projectById } from '../projects/store';
import { flightsOf } from '../flights/store';
import { FlightSchema, flightJson } from '../flights/schemas';
import { readyProducts } from '../data-products/store';
import { DataProductSchema, dataProductJson } from '../data-products/schemas';

/*
 * Share links: a project's manager hands out a link that opens the project read-only, without an
 * account, for a chosen time. The link is a signed token (audience `share`, ../platform/auth/tokens.ts):
 * nothing is stored, and it dies when it expires, when the project's access epoch moves (access
 * taken away from anyone, a product made private…) and when its maker no longer reads the project.
 */

const router = createRouter();

type ProductRow = typeof dataProducts.$inferSelect;

const ShareBody = z.object({
  expires_in: z
    .number()
    .int()
    .min(MIN_SHARE_TTL)
    .max(MAX_SHARE_TTL)
    .openapi({ description: `Seconds the link works for: ${MIN_SHARE_TTL} to ${MAX_SHARE_TTL} (30 days)` }),
});

const ShareSchema = z
  .object({
    token: z.string().openapi({ description: 'The link’s token: GET /shares/{token} opens the project with it' }),
    project_id: z.string().uuid(),
    expires_in: z.number().int(),
    expires_at: isoDateTime,
  })
  .openapi('Share');

// Where its file lies in the bucket is none of the link holder's business.
const SharedDataProduct = DataProductSchema.omit({ r2_key: true })
  .extend({
    tiles: ResourceTokenSchema.extend({
      tilejson: z.string().openapi({ description: 'TileJSON of its tiles, the token in it' }),
    }).openapi({ description: 'A tile token of the product’s own (at most 1 h, and never past the share)' }),
  })
  .openapi('SharedDataProduct');

const SharedProjectSchema = z
  .object({
    project: z.object({ id: z.string().uuid(), title: z.string(), description: z.string(), boundary: geometryOut }),
    flights: z.array(FlightSchema),
    data_products: z.array(SharedDataProduct).openapi({
      description: 'The ready ones with tiles (rasters, PMTiles) its maker may read; raw files are not shared',
    }),
    expires_at: isoDateTime.openapi({ description: 'When the share itself expires' }),
  })
  .openapi('SharedProject');

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/shares',
    tags: ['shares'],
    summary: 'A link that opens the project read-only to whoever holds it (managers)',
    description:
      'The link works until `expires_at`, and stops working once access to the project changes (a member ' +
      'removed, a product made private…) or its maker no longer reads the project.',
    security: bearerSecurity,
    request: { params: z.object({ projectId: UuidParam }), body: jsonBody(ShareBody) },
    responses: { 201: jsonResponse(ShareSchema, 'The share'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    const access = await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    const sharer = requirePrincipal(c);
    const { expires_in } = c.req.valid('json');
    const keys = await signingKeys(c.env.JWT_SIGNING_KEYS);
    const token = await signShareToken(keys, { sub: sharer.userId, projectId, epoch: access.epoch }, expires_in);
    c.header('cache-control', 'no-store');
    const expires_at = new Date(Date.now() + expires_in * 1000).toISOString();
    return c.json({ token, project_id: projectId, expires_in, expires_at }, 201);
  },
);

/**
 * Every refusal of a link is this one 401, whatever the reason once its signature holds: a link to
 * a deleted project answers as one whose access changed, so a link tells nothing of what exists.
 */
const refused = (reason: string) => new ApiError(401, 'invalid-token', `Share link rejected: ${reason}.`);

/** The link's claims, if it is a share link of this service that has not expired (a 401 otherwise). */
async function shareClaims(c: Context<AppEnv>, token: string): Promise<ShareClaims> {
  try {
    return await verifyShareToken(await signingKeys(c.env.JWT_SIGNING_KEYS), token);
  } catch (error) {
    if (error instanceof TokenError) throw refused(error.message);
    throw error;
  }
}

const hasTiles = (product: ProductRow): boolean =>
  product.type === 'pmtiles' || RASTER_PRODUCT_TYPES.some((type) => type === product.type);

/** Where a map client finds a product's tiles, the token in the URL (it is carried into the tile URLs). */
function tileJsonUrl(origin: string, product: ProductRow, token: string): string {
  const query = `?token=${encodeURIComponent(token)}`;
  if (product.type === 'pmtiles') return `${origin}/pmtiles/${product.id}.json${query}`;
  return `${origin}/data-products/${product.id}/WebMercatorQuad/tilejson.json${query}`;
}

router.openapi(
  createRoute({
    method: 'get',
    path: '/shares/{token}',
    tags: ['shares'],
    summary: 'The project a share link opens: read-only, no credentials needed',
    description:
      'The project, its flights and its ready data products, each with a fresh tile token (at most 1 h, never ' +
      'past the share): ask again to refresh them. A forged, expired or withdrawn link is 401.',
    request: { params: z.object({ token: z.string().max(4096) }) },
    responses: { 200: jsonResponse(SharedProjectSchema, 'The shared project'), ...errors(401) },
  }),
  async (c) => {
    const claims = await shareClaims(c, c.req.valid('param').token);
    const sharer = { userId: claims.sub };
    // The database's answer of now, as for every page: no isolate cache may keep a withdrawn link open.
    const access = await projectAccess(c.var.db, sharer, claims.projectId);
    if (!canRead(access) || access.epoch !== claims.epoch) throw refused('it no longer opens its project');
    const [project, flights, products] = await Promise.all([
      projectById(c.var.db, null, claims.projectId),
      flightsOf(c.var.db, claims.projectId),
      readyProducts(c.var.db, claims.projectId, canReadDataProductSql(sharer)),
    ]);
    if (!project) throw refused('it no longer opens its project');
    // Tile tokens are the maker's (so they die with the maker's access too) and outlive neither the share nor an hour.
    const left = Math.max(1, Math.floor((claims.expiresAt - Date.now()) / 1000));
    const ttl = Math.min(numberVar(c.env, 'RESOURCE_TOKEN_TTL'), left);
    const holder = { sub: claims.sub, credential: null };
    const origin = new URL(c.req.url).origin;
    // A link opens a map: products without tiles (raw uploads, vector sources) get no token, so their
    // files stay closed to it.
    const shown = products.filter((row) => hasTiles(row.product));
    const data_products = await Promise.all(
      shown.map(async (row) => {
        const token = await mintResourceToken(c, dataProductScope(row.product.id), access.epoch, ttl, holder);
        const { r2_key: _key, ...product } = dataProductJson(row);
        return { ...product, tiles: { ...token, tilejson: tileJsonUrl(origin, row.product, token.token) } };
      }),
    );
    c.header('cache-control', 'no-store');
    return c.json(
      {
        project: {
          id: project.id,
          title: project.title,
          description: project.description,
          boundary: project.boundary,
        },
        flights: flights.map(flightJson),
        data_products,
        expires_at: new Date(claims.expiresAt).toISOString(),
      },
      200,
    );
  },
);

export default router;
