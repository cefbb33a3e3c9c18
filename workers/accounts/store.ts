import { eq, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { users } from '../platform/db/schema';

export type UserRow = typeof users.$inferSelect;

/** The new user, or undefined when the e-mail address is taken. */
export async function createUser(
  db: Database,
  user: { email: string; name: string; passwordHash: string },
): Promise<UserRow | undefined> {
  const [created] = await db.insert(users).values(user).onConflictDoNothing().returning();
  return created;
}

/** The user signing in as `address` (already lower-case: addresses match whatever their case). */
export async function userByEmail(db: Database, address: string): Promise<UserRow | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${address}`);
  return user;
}

export async function userById(db: Database, id: string): Promise<UserRow | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user;
}
