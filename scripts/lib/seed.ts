import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../../workers/platform/db/schema';
import type { Database } from '../../workers/platform/db/client';
import { hashPassword, verifyPassword } from '../../workers/platform/auth/password';
import { generateApiKey } from '../../workers/platform/auth/api-keys';
import { randomToken, sha256Hex } from '../../workers/platform/auth/crypto';
import { markRasterReady } from '../../workers/data-products/store';
import { describeRaster, type GdalInfo } from '../../containers/converter/src/describe';
import { putLocalObjects } from './local-r2';
import { ROOT } from './dev-env';

export const FIXTURES = join(ROOT, '..', 'shared', 'fixtures');

/** The shape of .dev/seed.json: everything a person, a tool or a test needs to use the demo data. */
export interface SeedFile {
  baseUrl: string;
  admin: { id: string; email: string; password: string; apiKey: string };
  user: { id: string; email: string; password: string; apiKey: string };
  demoTeamId: string;
  demoProjectId: string;
  demoFlightId: string;
  dataProducts: Record<string, { id: string; key: string; type: string }>;
  /** Extra files put in the bucket (tests: truncated and foreign files), by name → key. */
  objects: Record<string, string>;
}

interface SeedOptions {
  databaseUrl: string;
  baseUrl: string;
  /** wrangler dev's --persist-to directory, whose local R2 receives the fixture files. */
  persistTo: string;
  bucketName: string;
  outFile: string;
  /** Files to put under projects/<demo>/objects/ as they are, with no data product. */
  extraObjects?: Array<{ name: string; file: string }>;
}

/** The Worker's query builder (no relational schema: nothing here uses `db.query`), so the stores take it. */
type Db = Database;
type Account = SeedFile['admin'];

/** Fixture files served as demo data products: the valid COGs and PMTiles archives. */
function demoFixtures(): Array<{ name: string; file: string; type: 'ortho' | 'dsm' | 'pmtiles' }> {
  const cogs = readdirSync(join(FIXTURES, 'cog'))
    .filter((f) => f.endsWith('.tif'))
    .map((name) => ({
      name,
      file: join(FIXTURES, 'cog', name),
      type: name.startsWith('dsm') ? ('dsm' as const) : ('ortho' as const),
    }));
  const archives = readdirSync(join(FIXTURES, 'pmtiles'))
    .filter((f) => f.endsWith('.pmtiles') && !/^(invalid|empty)/.test(f))
    .map((name) => ({ name, file: join(FIXTURES, 'pmtiles', name), type: 'pmtiles' as const }));
  return [...cogs, ...archives].sort((a, b) => a.name.localeCompare(b.name));
}

/** Creates the account, or keeps it (and its password and key) when the previous seed's still work. */
async function ensureAccount(
  db: Db,
  email: string,
  name: string,
  isAdmin: boolean,
  previous: Account | undefined,
): Promise<Account> {
  let [user] = await db
    .select()
    .from(schema.users)
    .where(sql`lower(${schema.users.email}) = ${email}`);
  let password = previous?.password;
  if (!user || !password || !(await verifyPassword(password, user.passwordHash))) {
    password = randomToken(12);
    const passwordHash = await hashPassword(password);
    [user] = user
      ? await db.update(schema.users).set({ passwordHash, isAdmin }).where(eq(schema.users.id, user.id)).returning()
      : await db.insert(schema.users).values({ email, name, isAdmin, passwordHash }).returning();
  }
  let apiKey = previous?.apiKey;
  const keyRows = apiKey
    ? await db
        .select()
        .from(schema.apiKeys)
        .where(and(eq(schema.apiKeys.userId, user!.id), eq(schema.apiKeys.secretHash, await sha256Hex(apiKey))))
    : [];
  if (!apiKey || keyRows.length === 0) {
    const generated = await generateApiKey();
    await db
      .insert(schema.apiKeys)
      .values({ userId: user!.id, name: 'seed', prefix: generated.prefix, secretHash: generated.secretHash });
    apiKey = generated.key;
  }
  return { id: user!.id, email, password, apiKey };
}

async function findOrCreate<T>(find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T> {
  return (await find()) ?? create();
}

export async function seed(options: SeedOptions): Promise<SeedFile> {
  const previous: Partial<SeedFile> = existsSync(options.outFile)
    ? JSON.parse(readFileSync(options.outFile, 'utf8'))
    : {};
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  const db: Db = drizzle({ client: pool });
  try {
    const admin = await ensureAccount(db, 'admin@edge-tiles.local', 'Demo admin', true, previous.admin);
    const user = await ensureAccount(db, 'user@edge-tiles.local', 'Demo user', false, previous.user);
    const team = await ensureDemoTeam(db, admin, user);
    const project = await ensureDemoProject(db, team.id, admin, user);
    const flight = await ensureDemoFlight(db, project.id);

    const fixtures = demoFixtures();
    const dataProducts = await ensureDataProducts(db, project.id, flight.id, fixtures);
    const objects: SeedFile['objects'] = {};
    for (const extra of options.extraObjects ?? [])
      objects[extra.name] = `projects/${project.id}/objects/${extra.name}`;
    await putLocalObjects(options.persistTo, options.bucketName, [
      ...fixtures.map((f) => ({ key: dataProducts[f.name]!.key, file: f.file })),
      ...(options.extraObjects ?? []).map((e) => ({ key: objects[e.name]!, file: e.file })),
    ]);

    const out: SeedFile = {
      baseUrl: options.baseUrl,
      admin,
      user,
      demoTeamId: team.id,
      demoProjectId: project.id,
      demoFlightId: flight.id,
      dataProducts,
      objects,
    };
    mkdirSync(dirname(options.outFile), { recursive: true });
    writeFileSync(options.outFile, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
    return out;
  } finally {
    await pool.end();
  }
}

/** The admin's demo team, the user a member of it. */
async function ensureDemoTeam(db: Db, admin: Account, user: Account): Promise<{ id: string }> {
  const team = await findOrCreate(
    async () =>
      (
        await db
          .select()
          .from(schema.teams)
          .where(and(eq(schema.teams.name, 'Demo team'), eq(schema.teams.createdBy, admin.id)))
      )[0],
    async () =>
      (
        await db
          .insert(schema.teams)
          .values({ name: 'Demo team', description: 'Seeded for local development', createdBy: admin.id })
          .returning()
      )[0]!,
  );
  await db
    .insert(schema.teamMembers)
    .values([
      { teamId: team.id, userId: admin.id, role: 'owner' },
      { teamId: team.id, userId: user.id, role: 'member' },
    ])
    .onConflictDoNothing();
  return team;
}

/** The admin's demo project in the demo team, the user only a viewer of it. */
async function ensureDemoProject(db: Db, teamId: string, admin: Account, user: Account): Promise<{ id: string }> {
  const project = await findOrCreate(
    async () =>
      (
        await db
          .select()
          .from(schema.projects)
          .where(and(eq(schema.projects.title, 'Demo project'), eq(schema.projects.createdBy, admin.id)))
      )[0],
    async () =>
      (
        await db
          .insert(schema.projects)
          .values({
            title: 'Demo project',
            description: 'Fixture imagery from rio-tiler, rasterio and PMTiles (see ../shared/fixtures/README.md)',
            teamId,
            createdBy: admin.id,
          })
          .returning()
      )[0]!,
  );
  await db
    .insert(schema.projectMembers)
    .values([
      { projectId: project.id, userId: admin.id, role: 'owner' },
      { projectId: project.id, userId: user.id, role: 'viewer' },
    ])
    .onConflictDoNothing();
  return project;
}

async function ensureDemoFlight(db: Db, projectId: string): Promise<{ id: string }> {
  return findOrCreate(
    async () =>
      (
        await db
          .select()
          .from(schema.flights)
          .where(and(eq(schema.flights.projectId, projectId), eq(schema.flights.name, 'Demo flight')))
      )[0],
    async () =>
      (
        await db
          .insert(schema.flights)
          .values({
            projectId,
            name: 'Demo flight',
            acquisitionDate: '2024-06-01',
            platform: 'fixtures',
            sensor: 'mixed',
          })
          .returning()
      )[0]!,
  );
}

/**
 * A ready data product per fixture, found by its key on a later seed, so ids stay stable across seeds.
 * A COG is described as the converter describes the COGs it makes (footprint, CRS, bands, exact
 * statistics and histogram), through the same store call, so the demo products render and publish
 * like converted ones; a fixture already described with the same bytes is not described again.
 */
async function ensureDataProducts(
  db: Db,
  projectId: string,
  flightId: string,
  fixtures: ReturnType<typeof demoFixtures>,
): Promise<SeedFile['dataProducts']> {
  const dataProducts: SeedFile['dataProducts'] = {};
  for (const fixture of fixtures) {
    const key = `projects/${projectId}/fixtures/${fixture.name}`;
    const product = await findOrCreate(
      async () =>
        (
          await db
            .select()
            .from(schema.dataProducts)
            .where(and(eq(schema.dataProducts.projectId, projectId), eq(schema.dataProducts.r2Key, key)))
        )[0],
      async () =>
        (
          await db
            .insert(schema.dataProducts)
            .values({
              projectId,
              flightId,
              type: fixture.type,
              status: 'ready',
              r2Key: key,
              filename: fixture.name,
            })
            .returning()
        )[0]!,
    );
    dataProducts[fixture.name] = { id: product.id, key, type: fixture.type };
    if (fixture.type === 'pmtiles') continue;
    const bytes = readFileSync(fixture.file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (product.stats && product.metadata.sha256 === sha256) continue;
    const described = describeFixture(fixture.file);
    if (!described.geoTransform) throw new Error(`the fixture ${fixture.name} has no geotransform`);
    // The product's version moves with the recorded file (the store's rule), so nothing rendered
    // before these statistics existed is served from a cache after them.
    await markRasterReady(db, product.id, {
      key,
      sha256,
      ...describeRaster(described, described.geoTransform),
      metadata: { sha256, size_bytes: bytes.length },
    });
  }
  return dataProducts;
}

/**
 * `gdalinfo -json -stats -hist` of a fixture, as the converter runs it on a COG it made. PAM is off:
 * the fixtures are read-only and shared, and GDAL would otherwise try to write an .aux.xml beside them.
 */
function describeFixture(file: string): GdalInfo {
  const out = execFileSync('gdalinfo', ['-json', '-stats', '-hist', '-mdd', 'all', file], {
    encoding: 'utf8',
    env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as GdalInfo;
}
