import { and, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { memberLookups, users } from '../db/schema';
import { ApiError } from '../http/problem';
import { isUuid } from './access';

/**
 * Look-ups by e-mail one account may make in an hour. Adding a member by e-mail tells the caller
 * whether an account exists and its name (a project's members see each other's); this bounds how
 * fast that can list accounts. By user id nothing is learnt: ids are only shown to those who share
 * a project or team with the user.
 */
export const MEMBER_LOOKUPS_PER_HOUR = 60;

/** Counts one look-up by e-mail, or refuses it past the hourly allowance; a caller's look-ups queue on a lock, so concurrent ones cannot all slip under it. */
async function countLookup(db: Database, callerId: string): Promise<void> {
  const retryAfter = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('member_lookups'), hashtext(${callerId}))`);
    const [row] = await tx
      .select({
        count: sql<number>`count(*)::int`,
        oldest: sql<number | null>`extract(epoch FROM min(${memberLookups.at}))::float8`,
      })
      .from(memberLookups)
      .where(and(eq(memberLookups.userId, callerId), gt(memberLookups.at, sql`now() - interval '1 hour'`)));
    if (row && row.count >= MEMBER_LOOKUPS_PER_HOUR)
      return Math.max(1, Math.ceil((row.oldest ?? Date.now() / 1000) + 3600 - Date.now() / 1000));
    await tx.insert(memberLookups).values({ userId: callerId });
    return 0;
  });
  if (retryAfter > 0) {
    throw new ApiError(
      429,
      'too-many-requests',
      `At most ${MEMBER_LOOKUPS_PER_HOUR} members may be looked up by e-mail an hour; retry in ${retryAfter} s, or add them by user_id.`,
      {
        headers: { 'retry-after': String(retryAfter) },
      },
    );
  }
}

/** The user a membership request names, by `user_id` or `email` (throttled per caller). */
export async function findMemberUser(
  db: Database,
  callerId: string,
  ref: { user_id?: string; email?: string },
): Promise<{ id: string; email: string; name: string }> {
  if (ref.email !== undefined) await countLookup(db, callerId);
  const where =
    ref.user_id !== undefined
      ? isUuid(ref.user_id)
        ? eq(users.id, ref.user_id)
        : undefined
      : ref.email !== undefined
        ? sql`lower(${users.email}) = lower(${ref.email})`
        : undefined;
  const [user] = where
    ? await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(where)
    : [];
  if (!user) throw new ApiError(404, 'not-found', 'No such user.');
  return user;
}
