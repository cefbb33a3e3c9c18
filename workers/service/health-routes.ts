import { createRoute, z } from '@hono/zod-openapi';
import { pingDatabase } from '../platform/db/client';
import { createRouter, jsonResponse } from '../platform/http/openapi';
import { errorMessage } from '../platform/util/error-message';

const router = createRouter();

const Status = z.enum(['ok', 'error']);
const HealthSchema = z
  .object({ status: Status, db: Status, r2: Status, detail: z.record(z.string(), z.string()).optional() })
  .openapi('Health');

async function probe(check: () => Promise<unknown>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

router.openapi(
  createRoute({
    method: 'get',
    path: '/health',
    tags: ['service'],
    summary: 'Liveness of the Worker and its database and bucket',
    responses: {
      200: jsonResponse(HealthSchema, 'Everything answers'),
      503: jsonResponse(HealthSchema, 'A dependency failed; the failing part is named'),
    },
  }),
  async (c) => {
    const [dbError, r2Error] = await Promise.all([
      probe(() => pingDatabase(c.var.db)),
      probe(() => c.env.DATA.head('health/probe')),
    ]);
    c.header('cache-control', 'no-store');
    const detail: Record<string, string> = {};
    if (dbError) detail.db = dbError;
    if (r2Error) detail.r2 = r2Error;
    const body = {
      status: dbError || r2Error ? ('error' as const) : ('ok' as const),
      db: dbError ? ('error' as const) : ('ok' as const),
      r2: r2Error ? ('error' as const) : ('ok' as const),
    };
    return dbError || r2Error ? c.json({ ...body, detail }, 503) : c.json(body, 200);
  },
);

export default router;
