import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { aptInstall, commandExists, fail, isRoot, log, output, run } from './system';

/** Used when DATABASE_URL is not set: the local cluster on its default port. */
const LOCAL_SERVER = 'postgres://postgres:postgres@127.0.0.1:5432';

async function tryConnect(url: string): Promise<{ ok: true } | { ok: false; error: Error & { code?: string } }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error as Error & { code?: string } };
  }
}

function clusterVersion(): string | null {
  const versions = output('sh', ['-c', 'ls /etc/postgresql 2>/dev/null | sort -n | tail -1']);
  return versions || null;
}

function startLocalCluster(): void {
  const version = clusterVersion();
  if (!version) fail('PostgreSQL is installed but no cluster exists (see pg_createcluster).');
  log(`starting PostgreSQL ${version} cluster`);
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
}

/** Ensures a local PostgreSQL with PostGIS is installed and running; returns the server URL. */
async function ensureLocalServer(): Promise<string> {
  if (!commandExists('pg_ctlcluster') && !commandExists('postgres')) {
    aptInstall(['postgresql', 'postgresql-contrib'], 'PostgreSQL');
  }
  let probe = await tryConnect(`${LOCAL_SERVER}/postgres`);
  if (!probe.ok && probe.error.code === 'ECONNREFUSED') {
    startLocalCluster();
    for (let i = 0; i < 30 && !probe.ok; i++) {
      await new Promise((r) => setTimeout(r, 500));
      probe = await tryConnect(`${LOCAL_SERVER}/postgres`);
    }
  }
  // 28P01/28000: a fresh Debian cluster has no password for `postgres`; set the dev one over the socket.
  if (!probe.ok && (probe.error.code === '28P01' || probe.error.code === '28000') && isRoot()) {
    log('setting the local development password of role postgres');
    run('runuser', ['-u', 'postgres', '--', 'psql', '-q', '-c', "ALTER ROLE postgres PASSWORD 'postgres'"]);
    probe = await tryConnect(`${LOCAL_SERVER}/postgres`);
  }
  if (!probe.ok)
    fail(`cannot reach PostgreSQL at 127.0.0.1:5432: ${probe.error.message}. Set DATABASE_URL to use another server.`);
  return LOCAL_SERVER;
}

async function ensurePostgis(adminUrl: string, local: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ available: boolean; major: string }>(
      "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') AS available, current_setting('server_version_num')::int / 10000 AS major",
    );
    const row = rows[0];
    if (row?.available) return;
    if (!local) fail('the PostgreSQL server at DATABASE_URL has no PostGIS extension available.');
    aptInstall([`postgresql-${row?.major}-postgis-3`], 'PostGIS');
  } finally {
    await client.end();
  }
}

/**
 * Returns a migrated database: `explicitUrl` as given, or `databaseName` on the local server
 * (installed and started if needed). `fresh` drops a local database first, for tests.
 */
export async function prepareDatabase(
  databaseName: string,
  options: { explicitUrl?: string; fresh?: boolean } = {},
): Promise<string> {
  let url: string;
  if (options.explicitUrl) {
    url = options.explicitUrl;
    await ensurePostgis(url, false);
  } else {
    const server = await ensureLocalServer();
    await ensurePostgis(`${server}/postgres`, true);
    const admin = new pg.Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    const quoted = `"${databaseName.replace(/"/g, '""')}"`;
    try {
      if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
      if (exists.rowCount === 0) {
        log(`creating database ${databaseName}`);
        await admin.query(`CREATE DATABASE ${quoted}`);
      }
    } finally {
      await admin.end();
    }
    url = `${server}/${databaseName}`;
  }
  await applyMigrations(url);
  return url;
}

export async function applyMigrations(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(drizzle({ client: pool }), {
      migrationsFolder: new URL('../../migrations', import.meta.url).pathname,
    });
  } finally {
    await pool.end();
  }
}
