import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { Pool as NeonPool } from '@neondatabase/serverless';
import pg from 'pg';
/**
 * The query builder both drivers share. Without drizzle's relational `db.query` API: building its
 * schema map took 75 µs of every request's CPU, tile hits included, for a feature nothing uses.
 */
export type Database = PgDatabase<PgQueryResultHKT>;

export interface DatabaseHandle {
  db: Database;
  /** Closes the connection; call once the request no longer needs it. */
  close(): Promise<void>;
}

export interface DatabaseConfig {
  url: string;
  driver: 'pg' | 'neon';
}

/**
 * No statement of an API request may run longer than this (tiles and feature queries included); set
 * at connection start, so it costs no round trip.
 */
export const STATEMENT_TIMEOUT_MS = 10_000;

/**
 * One client per request: Workers cannot share sockets between requests. Pools connect lazily,
 * so a request that never queries never connects.
 */
export function createDatabase({ url, driver }: DatabaseConfig): DatabaseHandle {
  if (driver === 'neon') {
    const pool = new NeonPool({ connectionString: url, max: 1, statement_timeout: STATEMENT_TIMEOUT_MS });
    return { db: drizzleNeon({ client: pool }), close: () => pool.end() };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: 5000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
  });
  let closing = false;
  // An idle client that loses its socket emits 'error' on the pool, and an unheard 'error' kills the
  // isolate. Closing always emits one too (workerd cancels the socket's pending read): not news.
  pool.on('error', (err) => {
    if (!closing) console.error('postgres connection error', err.message);
  });
  return {
    db: drizzlePg({ client: pool }),
    close: () => {
      closing = true;
      return pool.end();
    },
  };
}

/**
 * A database for one piece of work outside a request (Durable Objects, cron), closed when it ends
 * (a close that fails after the work is not the work's failure).
 */
export async function withDatabase<T>(config: DatabaseConfig, use: (db: Database) => Promise<T>): Promise<T> {
  const handle = createDatabase(config);
  try {
    return await use(handle.db);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Whether the database answers: resolves once it has run a trivial statement, throws otherwise. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`SELECT 1`);
}
