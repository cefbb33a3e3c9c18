import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { users } from '../platform/db/schema';
import { createRouter, errors, jsonResponse, bearerSecurity } from '../platform/http/openapi';
import { iso, isoDateTime } from '../platform/http/schemas';
import { requirePrincipal } from '../platform/auth/middleware';
import { ApiError } from '../platform/http/problem';

export const UserSchema = z
  .object({
    id: z.string().uuid(),
    email: z.string(),
    name: z.string(),
    is_admin: z.boolean(),
    created_at: isoDateTime,
  })
  .openapi('User');

export function userJson(user: typeof users.$inferSelect): z.infer<typeof UserSchema> {
  return { id: user.id, email: user.email, name: user.name, is_admin: user.isAdmin, created_at: iso(user.createdAt) };
}

const router = createRouter();

router.openapi(
  createRoute({
    method: 'get',
    path: '/users/me',
    tags: ['auth'],
    summary: 'The signed-in user',
    security: bearerSecurity,
    responses: { 200: jsonResponse(UserSchema, 'The caller'), ...errors(401) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const [user] = await c.var.db.select().from(users).where(eq(users.id, principal.userId));
    if (!user) throw new ApiError(401, 'unauthorized', 'This account no longer exists.');
    return c.json(userJson(user), 200);
  },
);

export default router;
