import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { iso, isoDateTime, isoOrNull, text } from '../platform/http/schemas';
import { requirePrincipal } from '../platform/auth/middleware';
import {
  apiKeysOf,
  createApiKey,
  deleteApiKey,
  generateApiKey,
  writeKeyUses,
  type ApiKeyRow,
} from '../platform/auth/api-keys';

const router = createRouter();

const ApiKeySchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'Public part of the key, to recognise it' }),
    created_at: isoDateTime,
    last_used_at: isoDateTime.nullable(),
    request_count: z.number().int(),
  })
  .openapi('ApiKey');

const NewApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The secret; shown this once only' }),
}).openapi('NewApiKey');

function apiKeyJson(row: ApiKeyRow): z.infer<typeof ApiKeySchema> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    created_at: iso(row.createdAt),
    last_used_at: isoOrNull(row.lastUsedAt),
    request_count: row.requestCount,
  };
}

router.openapi(
  createRoute({
    method: 'post',
    path: '/api-keys',
    tags: ['api keys'],
    summary: 'Create an API key',
    description: 'Send it as `X-API-Key: <key>` or `Authorization: Bearer <key>`. Only its hash is stored.',
    security: bearerSecurity,
    request: { body: jsonBody(z.object({ name: text(200).pipe(z.string().min(1)) })) },
    responses: { 201: jsonResponse(NewApiKeySchema, 'The key, with its secret'), ...errors(400, 401, 413) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const { key, prefix, secretHash } = await generateApiKey();
    const name = c.req.valid('json').name;
    const row = await createApiKey(c.var.db, { userId: principal.userId, name, prefix, secretHash });
    c.header('cache-control', 'no-store');
    return c.json({ ...apiKeyJson(row), key }, 201);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/api-keys',
    tags: ['api keys'],
    summary: "The caller's API keys (without secrets)",
    description:
      'Use counts are written by each Worker isolate every few seconds, so uses elsewhere may take that long to show.',
    security: bearerSecurity,
    responses: { 200: jsonResponse(z.array(ApiKeySchema), 'Keys, newest first'), ...errors(401) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    await writeKeyUses(c.var.db, true);
    const rows = await apiKeysOf(c.var.db, principal.userId);
    return c.json(rows.map(apiKeyJson), 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/api-keys/{id}',
    tags: ['api keys'],
    summary: 'Revoke an API key; it stops working at once',
    security: bearerSecurity,
    request: { params: z.object({ id: UuidParam }) },
    responses: { 204: { description: 'Revoked' }, ...errors(401, 404) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const { id } = c.req.valid('param');
    if (!(await deleteApiKey(c.var.db, principal.userId, id)))
      throw new ApiError(404, 'not-found', 'API key not found.');
    return c.body(null, 204);
  },
);

export default router;
