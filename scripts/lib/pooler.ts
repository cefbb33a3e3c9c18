import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { STATEMENT_TIMEOUT_MS } from '../../workers/platform/db/client';
import { DEV_DIR } from './dev-env';
import { aptInstall, commandExists, isRoot, log } from './system';

const PGBOUNCER = '/usr/sbin/pgbouncer';

export interface Pooler {
  /** What the Worker connects to: the same database, through the pooler. */
  url: string;
  /** Its admin console, read-only (`SHOW STATS`): how many transactions the Worker ran, for the bench. */
  statsUrl: string;
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction mode between the Worker and PostgreSQL, the way Neon's pooler (itself
 * PgBouncer) sits in front of production. A Worker opens a connection per request; through the
 * pooler it lands on a warm server backend (PostGIS loaded, catalogue cached) instead of starting
 * a new one, which here costs ~20 ms before the first PostGIS query. Scripts, migrations and the
 * converter keep connecting directly.
 */
export async function startPooler(databaseUrl: string, port: number): Promise<Pooler> {
  if (!commandExists(PGBOUNCER))
    aptInstall(['pgbouncer'], "PgBouncer (the local stand-in for Neon's connection pooler)");
  const upstream = new URL(databaseUrl);
  const database = decodeURIComponent(upstream.pathname.slice(1));
  const user = decodeURIComponent(upstream.username || 'postgres');
  const dir = `${DEV_DIR}/pooler-${port}`;
  mkdirSync(dir, { recursive: true });
  // PgBouncer will not run as root: it drops to the postgres user, which must read its files.
  chmodSync(dir, 0o755);
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const server = [
    `host=${upstream.hostname || '127.0.0.1'}`,
    `port=${upstream.port || '5432'}`,
    `dbname=${quote(database)}`,
    `user=${quote(user)}`,
    ...(upstream.password ? [`password=${quote(decodeURIComponent(upstream.password))}`] : []),
    // The statement timeout the Worker asks for at connection start, set on the pooled server connections instead.
    `connect_query=${quote(`SET statement_timeout = ${STATEMENT_TIMEOUT_MS}`)}`,
  ].join(' ');
  writeFileSync(`${dir}/users.txt`, `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    `${dir}/pgbouncer.ini`,
    [
      '[databases]',
      `${database} = ${server}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${dir}/users.txt`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 8',
      'ignore_startup_parameters = statement_timeout',
      `stats_users = ${user}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const child: ChildProcess = spawn(PGBOUNCER, [...(isRoot() ? ['-u', 'postgres'] : []), `${dir}/pgbouncer.ini`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  process.once('exit', () => child.kill('SIGKILL'));
  await waitForPort(port, () => (child.exitCode !== null ? `pgbouncer exited: ${stderr}` : null));
  log(`connection pooler (PgBouncer, transaction mode) at 127.0.0.1:${port}`);
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.password = '';
  const statsUrl = new URL(url);
  statsUrl.pathname = '/pgbouncer';
  return {
    url: url.toString(),
    statsUrl: statsUrl.toString(),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitForPort(port: number, failed: () => string | null, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const problem = failed();
    if (problem) throw new Error(problem);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the pooler did not listen on ${port} in ${timeoutMs / 1000} s`);
}
