import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyMigrations } from '../../scripts/lib/postgres';
import { baseUrl, databaseUrl } from './helpers';

describe('the database', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  it('re-running the migrations is a no-op', async () => {
    const before = await client.query('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id');
    await applyMigrations(databaseUrl());
    const after = await client.query('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id');
    expect(after.rows).toEqual(before.rows);
    expect(before.rows.length).toBeGreaterThanOrEqual(2);
  });

  it('has PostGIS polygon columns with GiST indexes, and a generated 3857 copy for tiling', async () => {
    const columns = await client.query<{ table: string; column: string; type: string; srid: number }>(
      'SELECT f_table_name AS table, f_geometry_column AS column, type, srid FROM geometry_columns ORDER BY 1, 2',
    );
    expect(columns.rows).toEqual(
      expect.arrayContaining([
        { table: 'projects', column: 'boundary', type: 'MULTIPOLYGON', srid: 4326 },
        { table: 'data_products', column: 'footprint', type: 'MULTIPOLYGON', srid: 4326 },
        { table: 'stac_items', column: 'geometry', type: 'GEOMETRY', srid: 4326 },
        { table: 'vector_features', column: 'geom', type: 'GEOMETRY', srid: 4326 },
        { table: 'vector_features', column: 'geom_3857', type: 'GEOMETRY', srid: 3857 },
        { table: 'parcels', column: 'geom', type: 'MULTIPOLYGON', srid: 4326 },
      ]),
    );
    const gist = await client.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'",
    );
    expect(gist.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        'projects_boundary_gist',
        'data_products_footprint_gist',
        'stac_items_geometry_gist',
        'vector_features_geom_gist',
        'vector_features_geom_3857_gist',
        'parcels_geom_gist',
      ]),
    );
  });

  it('keeps the 3857 copy of a feature in step with its geometry', async () => {
    const {
      rows: [project],
    } = await client.query<{ id: string }>(
      "INSERT INTO projects (title) VALUES ('generated column check') RETURNING id",
    );
    const {
      rows: [layer],
    } = await client.query<{ id: string }>(
      'INSERT INTO vector_layers (project_id, name) VALUES ($1, $2) RETURNING id',
      [project!.id, 'check'],
    );
    const {
      rows: [feature],
    } = await client.query<{ x: number }>(
      "INSERT INTO vector_features (layer_id, geom) VALUES ($1, ST_GeomFromText('POINT(10 0)', 4326)) RETURNING ST_X(geom_3857) AS x",
      [layer!.id],
    );
    expect(feature!.x).toBeCloseTo(1113194.9, 0);
    await client.query('DELETE FROM projects WHERE id = $1', [project!.id]);
  });

  it('prunes stale sign-in attempts and ended sessions on the hourly cron', async () => {
    await client.query(
      "INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ('old@example.org', '198.18.1.1', false, now() - interval '2 days')",
    );
    await client.query(
      "INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ('new@example.org', '198.18.1.1', false, now())",
    );
    const response = await fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent('17 * * * *')}`);
    expect(response.status).toBe(200);
    const left = await client.query<{ email: string }>("SELECT email FROM login_attempts WHERE ip = '198.18.1.1'");
    expect(left.rows.map((r) => r.email)).toEqual(['new@example.org']);
  });
});
