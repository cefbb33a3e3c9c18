import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { ApiError } from '../http/problem';
import { isUuid } from './access';

/** The user a membership request names, by `user_id` or `email`. */
export async function findMemberUser(db: Database, ref: { user_id?: string; email?: string }): Promise<{ id: string; email: string; name: string }> {
  const where = ref.user_id !== undefined
    ? (isUuid(ref.user_id) ? eq(users.id, ref.user_id) : undefined)
    : ref.email !== undefined ? sql`lower(${users.email}) = lower(${ref.email})` : undefined;
  const [user] = where ? await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(where) : [];
  if (!user) throw new ApiError(404, 'not-found', 'No such user.');
  return user;
}
