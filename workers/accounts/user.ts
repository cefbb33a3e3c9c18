import { z } from '@hono/zod-openapi';
import type { users } from '../platform/db/schema';
import { iso, isoDateTime } from '../platform/http/schemas';

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
