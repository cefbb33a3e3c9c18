import { lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginAttempts, sessions } from '../db/schema';

/**
 * Deletes what no check reads any more: sign-in attempts older than a day (the throttle looks back
 * 15 minutes) and refresh tokens a day past their expiry or revocation.
 */
export async function pruneAuthRecords(db: Database): Promise<{ loginAttempts: number; sessions: number }> {
  const dayAgo = sql`now() - interval '1 day'`;
  const attempts = await db.delete(loginAttempts).where(lt(loginAttempts.at, dayAgo)).returning({ id: loginAttempts.id });
  const ended = await db.delete(sessions).where(or(lt(sessions.expiresAt, dayAgo), lt(sessions.revokedAt, dayAgo))).returning({ id: sessions.id });
  return { loginAttempts: attempts.length, sessions: ended.length };
}
