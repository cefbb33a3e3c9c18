import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import {
  createRouter,
  errors,
  jsonBody,
  jsonResponse,
  bearerSecurity,
  ProblemSchema,
  UuidParam,
} from '../platform/http/openapi';
import { serveObject } from '../platform/http/object-response';
import { grantDataProduct } from '../platform/auth/grants';
import { ApiError } from '../platform/http/problem';
import { areaGeometry, iso, text } from '../platform/http/schemas';
import { requireDataProductRole, requireProjectRole } from '../platform/auth/access';
import { dataProductScope, MAX_RESOURCE_TOKEN_TTL } from '../platform/auth/tokens';
import { ResourceTokenBody, ResourceTokenSchema, mintResourceToken } from '../platform/auth/resource-token';
import { findFlight } from '../flights/store';
import { createProduct, deleteProduct, editProduct, findProducts, type ProductLookup } from './store';
import {
  DataProductSchema,
  JsonObject,
  ProductStatus,
  ProductType,
  dataProductJson,
  type DataProductJson,
} from './schemas';

const router = createRouter();

async function loadDataProducts(c: Context<AppEnv>, by: ProductLookup): Promise<DataProductJson[]> {
  return (await findProducts(c.var.db, by)).map(dataProductJson);
}

async function productAsJson(c: Context<AppEnv>, id: string): Promise<DataProductJson> {
  const [product] = await loadDataProducts(c, { id });
  if (!product) throw new ApiError(404, 'not-found', 'Data product not found.');
  return product;
}

/** Object keys stay inside the project's prefix, so a product can never point at another project's files. */
function checkKey(projectId: string, key: string | null | undefined): void {
  if (key === null || key === undefined) return;
  const segments = key.split('/');
  if (!key.startsWith(`projects/${projectId}/`) || segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw new ApiError(400, 'validation-error', `r2_key must be a path under projects/${projectId}/.`, {
      errors: [
        { path: 'json.r2_key', message: `must start with projects/${projectId}/ and hold no empty, . or .. segments` },
      ],
    });
  }
}

const Fields = {
  status: ProductStatus,
  r2_key: text(1024).nullable(),
  filename: text(1024),
  is_public: z.boolean(),
  footprint: areaGeometry.nullable(),
  crs: text(20_000).nullable(),
  resolution: z.tuple([z.number().positive(), z.number().positive()]).nullable(),
  bands: z.array(JsonObject).max(1000).nullable(),
  stats: JsonObject.nullable(),
  metadata: JsonObject,
};
const CreateBody = z
  .object({
    type: ProductType,
    ...Fields,
  })
  .partial({
    status: true,
    r2_key: true,
    filename: true,
    is_public: true,
    footprint: true,
    crs: true,
    resolution: true,
    bands: true,
    stats: true,
    metadata: true,
  });
const PatchBody = z.object(Fields).partial();

const columns = (b: z.infer<typeof PatchBody>) => ({
  status: b.status,
  r2Key: b.r2_key,
  filename: b.filename,
  isPublic: b.is_public,
  footprint: b.footprint,
  crs: b.crs,
  resolution: b.resolution,
  bands: b.bands,
  stats: b.stats,
  metadata: b.metadata,
});

const FlightParams = z.object({ projectId: UuidParam, flightId: UuidParam });
const ProductParams = z.object({ dataProductId: UuidParam });

router.openapi(
  createRoute({
    method: 'get',
    path: '/projects/{projectId}/flights/{flightId}/data-products',
    tags: ['data products'],
    summary: "A flight's data products",
    request: { params: FlightParams },
    responses: { 200: jsonResponse(z.array(DataProductSchema), 'Data products'), ...errors(401, 404) },
  }),
  async (c) => {
    const { projectId, flightId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'viewer');
    await findFlight(c.var.db, projectId, flightId);
    return c.json(await loadDataProducts(c, { flightId }), 200);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/flights/{flightId}/data-products',
    tags: ['data products'],
    summary: 'Register a data product (managers)',
    description: 'Metadata only: files arrive through uploads and jobs.',
    security: bearerSecurity,
    request: { params: FlightParams, body: jsonBody(CreateBody) },
    responses: { 201: jsonResponse(DataProductSchema, 'The data product'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { projectId, flightId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    await findFlight(c.var.db, projectId, flightId);
    const body = c.req.valid('json');
    checkKey(projectId, body.r2_key);
    const id = await createProduct(c.var.db, { ...columns(body), type: body.type, projectId, flightId });
    return c.json(await productAsJson(c, id), 201);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/data-products/{dataProductId}',
    tags: ['data products'],
    summary: 'A data product',
    request: { params: ProductParams },
    responses: { 200: jsonResponse(DataProductSchema, 'The data product'), ...errors(401, 404) },
  }),
  async (c) => {
    const { dataProductId } = c.req.valid('param');
    await requireDataProductRole(c.var.db, c.var.principal, dataProductId, 'viewer');
    const product = await productAsJson(c, dataProductId);
    const object = product.r2_key ? await c.env.DATA.head(product.r2_key) : null;
    const file = object ? { size: object.size, etag: object.httpEtag, uploaded: iso(object.uploaded) } : null;
    return c.json({ ...product, file }, 200);
  },
);

router.openapi(
  createRoute({
    method: 'patch',
    path: '/data-products/{dataProductId}',
    tags: ['data products'],
    summary: 'Change a data product (managers)',
    description: 'Every change bumps `version`, which invalidates cached tiles.',
    security: bearerSecurity,
    request: { params: ProductParams, body: jsonBody(PatchBody) },
    responses: { 200: jsonResponse(DataProductSchema, 'The data product'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { dataProductId } = c.req.valid('param');
    const access = await requireDataProductRole(c.var.db, c.var.principal, dataProductId, 'manager');
    const body = c.req.valid('json');
    checkKey(access.projectId, body.r2_key);
    await editProduct(c.var.db, dataProductId, columns(body));
    return c.json(await productAsJson(c, dataProductId), 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/data-products/{dataProductId}',
    tags: ['data products'],
    summary: 'Delete a data product (managers)',
    security: bearerSecurity,
    request: { params: ProductParams },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { dataProductId } = c.req.valid('param');
    await requireDataProductRole(c.var.db, c.var.principal, dataProductId, 'manager');
    await deleteProduct(c.var.db, dataProductId);
    return c.body(null, 204);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/data-products/{dataProductId}/token',
    tags: ['data products'],
    summary: 'A short-lived signed token that opens this data product’s tiles',
    description:
      'Anyone who can read the data product may mint one. `expires_in` defaults to RESOURCE_TOKEN_TTL and is ' +
      `capped at ${MAX_RESOURCE_TOKEN_TTL} s.`,
    security: bearerSecurity,
    request: { params: ProductParams, body: ResourceTokenBody },
    responses: { 201: jsonResponse(ResourceTokenSchema, 'The token'), ...errors(400, 401, 404, 413) },
  }),
  async (c) => {
    const { dataProductId } = c.req.valid('param');
    const access = await requireDataProductRole(c.var.db, c.var.principal, dataProductId, 'viewer');
    return c.json(
      await mintResourceToken(c, dataProductScope(dataProductId), access.epoch, c.req.valid('json')?.expires_in),
      201,
    );
  },
);

const FileQuery = z.object({
  token: z.string().optional().openapi({ description: 'A resource token scoped to this data product' }),
});

/**
 * The product's file itself, with byte ranges, so that GDAL (`/vsicurl/`), rasterio and STAC
 * clients can read a COG straight from the catalog's asset links.
 */
async function serveFile(c: Context<AppEnv>): Promise<Response> {
  const granted = await grantDataProduct(c, c.req.param('dataProductId') ?? '', c.req.query('token'));
  return serveObject(c, granted.key);
}

router.openapi(
  createRoute({
    method: 'get',
    path: '/data-products/{dataProductId}/file',
    tags: ['data products'],
    summary: 'The data product’s file (byte ranges supported)',
    description:
      'Readers of the product, or anyone with a resource token scoped to it. `Range: bytes=…` gets a 206 with ' +
      'that part; `If-Range` and `If-None-Match` take the ETag.',
    request: { params: ProductParams, query: FileQuery },
    responses: {
      200: {
        description: 'The whole file',
        content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      206: {
        description: 'The requested byte range',
        content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      304: { description: 'Not modified' },
      ...errors(401, 404, 409),
      416: { description: 'Range not satisfiable', content: { 'application/problem+json': { schema: ProblemSchema } } },
    },
  }),
  // Hono runs HEAD requests through GET routes; the handler then skips reading the body.
  (c) => serveFile(c),
);

export default router;
