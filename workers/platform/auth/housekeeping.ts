import { lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginAttempts, memberLookups, sessions } from '../db/schema';

/**
 * Deletes what no check reads any more: sign-in attempts and member look-ups older than a day (the
 * throttles look back 15 minutes and an hour) and refresh tokens a day past their expiry or revocation.
 */
export async function pruneAuthRecords(db: Database): Promise<{ loginAttempts: number; sessions: number }> {
  const dayAgo = sql`now() - interval '1 day'`;
  const attempts = await db
    .delete(loginAttempts)
    .where(lt(loginAttempts.at, dayAgo))
    .returning({ id: loginAttempts.id });
  await db.delete(memberLookups).where(lt(memberLookups.at, dayAgo));
  const ended = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, dayAgo), lt(sessions.revokedAt, dayAgo)))
    .returning({ id: sessions.id });
  return { loginAttempts: attempts.length, sessions: ended.length };
}
