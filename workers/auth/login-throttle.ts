import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { loginAttempts } from '../db/schema';

export interface ThrottleLimits {
  windowSeconds: number;
  /** Failed logins for one account since its last success, within the window. */
  perAccount: number;
  /** Failed logins from one address within the window, whatever the account. */
  perIp: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { windowSeconds: 900, perAccount: 5, perIp: 30 };

/** Seconds until another attempt is allowed, or 0 if one is allowed now. */
export async function loginRetryAfter(db: Database, email: string, ip: string, limits: ThrottleLimits): Promise<number> {
  const window = sql`now() - make_interval(secs => ${limits.windowSeconds})`;
  const sinceLastSuccess = sql`${loginAttempts.at} > coalesce((SELECT max(s.at) FROM ${loginAttempts} s WHERE lower(s.email) = lower(${email}) AND s.succeeded), '-infinity')`;
  const forAccount = sql`lower(${loginAttempts.email}) = lower(${email}) AND ${sinceLastSuccess}`;
  const forIp = sql`${loginAttempts.ip} = ${ip}`;
  const [row] = await db
    .select({
      accountFailures: sql<number>`count(*) FILTER (WHERE ${forAccount})::int`,
      oldestAccount: sql<number | null>`extract(epoch FROM min(${loginAttempts.at}) FILTER (WHERE ${forAccount}))::float8`,
      ipFailures: sql<number>`count(*) FILTER (WHERE ${forIp})::int`,
      oldestIp: sql<number | null>`extract(epoch FROM min(${loginAttempts.at}) FILTER (WHERE ${forIp}))::float8`,
    })
    .from(loginAttempts)
    .where(sql`NOT ${loginAttempts.succeeded} AND ${loginAttempts.at} > ${window} AND (lower(${loginAttempts.email}) = lower(${email}) OR ${forIp})`);
  if (!row) return 0;
  const waitFor = (oldestEpoch: number | null) =>
    oldestEpoch === null ? 1 : Math.max(1, Math.ceil(oldestEpoch + limits.windowSeconds - Date.now() / 1000));
  if (row.accountFailures >= limits.perAccount) return waitFor(row.oldestAccount);
  if (row.ipFailures >= limits.perIp) return waitFor(row.oldestIp);
  return 0;
}

export async function recordLoginAttempt(db: Database, email: string, ip: string, succeeded: boolean): Promise<void> {
  await db.insert(loginAttempts).values({ email, ip, succeeded });
}
