import { sql, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import type { Database } from '../platform/db/client';
import { loginAttempts } from '../platform/db/schema';

export interface ThrottleLimits {
  windowSeconds: number;
  /** Failed sign-ins to one account from one address, since the account's last success. */
  perAccountAddress: number;
  /**
   * Failed sign-ins to one account from all addresses, since its last success: wide enough that one
   * attacker cannot lock the owner out cheaply (it takes this many guesses from this many ÷
   * `perAccountAddress` addresses), narrow enough to stop a distributed guess at a password.
   */
  perAccount: number;
  /** Failed sign-ins from one address, whatever the account (password spraying). */
  perAddress: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  windowSeconds: 900,
  perAccountAddress: 5,
  perAccount: 100,
  perAddress: 30,
};

/**
 * The client's address, from the header named by CLIENT_ADDRESS_HEADER: `cf-connecting-ip` where
 * Cloudflare sets it (staging, production; it overwrites what the client sent). Where nothing in
 * front of the Worker sets it (wrangler dev), a client could name any address: every client is
 * then one address, `local`.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const header = c.env.CLIENT_ADDRESS_HEADER?.trim();
  if (!header) return 'local';
  return c.req.header(header)?.trim() || 'unknown';
}

/** Seconds until another attempt is allowed for this account from this address, or 0 if one is allowed now. */
export async function loginRetryAfter(
  db: Database,
  email: string,
  address: string,
  limits: ThrottleLimits,
): Promise<number> {
  const window = sql`now() - make_interval(secs => ${limits.windowSeconds})`;
  const sinceLastSuccess = sql`${loginAttempts.at} > coalesce((SELECT max(s.at) FROM ${loginAttempts} s WHERE lower(s.email) = lower(${email}) AND s.succeeded), '-infinity')`;
  const forAccount = sql`lower(${loginAttempts.email}) = lower(${email}) AND ${sinceLastSuccess}`;
  const fromAddress = sql`${loginAttempts.ip} = ${address}`;
  const forPair = sql`${forAccount} AND ${fromAddress}`;
  const count = (filter: SQL) => sql<number>`count(*) FILTER (WHERE ${filter})::int`;
  const oldest = (filter: SQL) =>
    sql<number | null>`extract(epoch FROM min(${loginAttempts.at}) FILTER (WHERE ${filter}))::float8`;
  const [row] = await db
    .select({
      pair: count(forPair),
      oldestPair: oldest(forPair),
      account: count(forAccount),
      oldestAccount: oldest(forAccount),
      address: count(fromAddress),
      oldestAddress: oldest(fromAddress),
    })
    .from(loginAttempts)
    .where(
      sql`NOT ${loginAttempts.succeeded} AND ${loginAttempts.at} > ${window} AND (lower(${loginAttempts.email}) = lower(${email}) OR ${fromAddress})`,
    );
  if (!row) return 0;
  const waitFor = (oldestEpoch: number | null) =>
    oldestEpoch === null ? 1 : Math.max(1, Math.ceil(oldestEpoch + limits.windowSeconds - Date.now() / 1000));
  if (row.pair >= limits.perAccountAddress) return waitFor(row.oldestPair);
  if (row.account >= limits.perAccount) return waitFor(row.oldestAccount);
  if (row.address >= limits.perAddress) return waitFor(row.oldestAddress);
  return 0;
}

export async function recordLoginAttempt(
  db: Database,
  email: string,
  address: string,
  succeeded: boolean,
): Promise<void> {
  await db.insert(loginAttempts).values({ email, ip: address, succeeded });
}
