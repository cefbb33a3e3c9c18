import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiKeys, users } from '../db/schema';
import { randomToken, sha256Hex } from './crypto';
import type { Principal } from './principal';
import { isUuid } from './access';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** `etk_<prefix>_<secret>`: the prefix finds the row, the secret is only ever stored as SHA-256. */
const KEY_PATTERN = /^etk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export const isWellFormedApiKey = (value: string): boolean => KEY_PATTERN.test(value);

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('etk_');
}

export async function generateApiKey(): Promise<{ key: string; prefix: string; secretHash: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const prefix = Array.from(bytes, (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('');
  const key = `etk_${prefix}_${randomToken(32)}`;
  return { key, prefix, secretHash: await sha256Hex(key) };
}

/**
 * Resolves a key to its owner with a read only: a map opening fires dozens of tile requests with
 * the same key at once, and writing its row on each would queue them all behind one row lock and a
 * commit. A deleted key has no row; isolates that remembered it forget it within ACCESS_CACHE_SECONDS.
 */
export async function authenticateApiKey(db: Database, key: string): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const secretHash = await sha256Hex(key);
  const [row] = await db
    .select({ id: apiKeys.id, userId: users.id, email: users.email, isAdmin: users.isAdmin })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.prefix, match[1]!), eq(apiKeys.secretHash, secretHash)));
  if (!row) return null;
  return { userId: row.userId, email: row.email, isAdmin: row.isAdmin, via: 'api_key', apiKeyId: row.id };
}

/** Uses counted in this isolate since they were last written: per key, how many and the latest. */
let uncounted = new Map<string, { uses: number; last: number }>();
let lastWrite = 0;
/**
 * How often an isolate writes its keys' use counts, at most: as long as it trusts what it knows of a
 * key (ACCESS_CACHE_SECONDS), so that a warm map costs the database nothing but this one statement.
 */
const WRITE_EVERY_MS = 30_000;

/** One use of a key, counted in the isolate (the key itself may come from its cache). */
export function countUse(id: string): void {
  const entry = uncounted.get(id);
  if (entry) {
    entry.uses += 1;
    entry.last = Date.now();
  } else uncounted.set(id, { uses: 1, last: Date.now() });
}

/**
 * Adds the isolate's counted uses to the keys' rows in one statement, at most every few seconds
 * unless `now`; what a failed write held is counted again. An isolate that is evicted loses the
 * uses of its last few seconds: the counts are for the owner's information, not for billing.
 */
export const keyUsesDue = (): boolean => uncounted.size > 0 && Date.now() - lastWrite >= WRITE_EVERY_MS;

export async function writeKeyUses(db: Database, now = false): Promise<void> {
  if (uncounted.size === 0 || (!now && !keyUsesDue())) return;
  const batch = uncounted;
  uncounted = new Map();
  lastWrite = Date.now();
  const rows = [...batch].map(
    ([id, { uses, last }]) => sql`(${id}::uuid, ${uses}::bigint, to_timestamp(${last / 1000}::float8))`,
  );
  try {
    await db.execute(sql`UPDATE ${apiKeys} SET request_count = ${apiKeys.requestCount} + u.uses, last_used_at = greatest(${apiKeys.lastUsedAt}, u.last)
      FROM (VALUES ${sql.join(rows, sql`, `)}) AS u(id, uses, last) WHERE ${apiKeys.id} = u.id`);
  } catch (error) {
    for (const [id, { uses, last }] of batch) {
      const entry = uncounted.get(id);
      uncounted.set(id, { uses: uses + (entry?.uses ?? 0), last: Math.max(last, entry?.last ?? 0) });
    }
    throw error;
  }
}

/** Whether the key still exists (a deleted key has no row). */
export async function apiKeyExists(db: Database, id: string): Promise<boolean> {
  const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id));
  return row !== undefined;
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
