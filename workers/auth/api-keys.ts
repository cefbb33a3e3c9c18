import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiKeys, users } from '../db/schema';
import { randomToken, sha256Hex } from './crypto';
import type { Principal } from './principal';

/** `etk_<prefix>_<secret>`: the prefix finds the row, the secret is only ever stored as SHA-256. */
const KEY_PATTERN = /^etk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

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
 * Resolves a key to its owner and counts the use in the same statement. A deleted key has no
 * row, so it stops working on the very next request.
 */
export async function authenticateApiKey(db: Database, key: string): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const secretHash = await sha256Hex(key);
  const rows = await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()`, requestCount: sql`${apiKeys.requestCount} + 1` })
    .from(users)
    .where(and(eq(apiKeys.prefix, match[1]!), eq(apiKeys.secretHash, secretHash), eq(users.id, apiKeys.userId)))
    .returning({ id: apiKeys.id, userId: users.id, email: users.email, isAdmin: users.isAdmin });
  const row = rows[0];
  return row ? { userId: row.userId, email: row.email, isAdmin: row.isAdmin, via: 'api_key', apiKeyId: row.id } : null;
}
