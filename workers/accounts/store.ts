import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { apiKeys, users } from '../platform/db/schema';
import { isUuid } from '../platform/auth/access';

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

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

export async function createApiKey(
  db: Database,
  key: { userId: string; name: string; prefix: string; secretHash: string },
): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values(key).returning();
  return row!;
}

/** A user's API keys, newest first. */
export function apiKeysOf(db: Database, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
}

/** Deletes one of a user's API keys; false when they have none by that id. */
export async function deleteApiKey(db: Database, userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const deleted = await db
    .delete(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
    .returning({ id: apiKeys.id });
  return deleted.length > 0;
}
