import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { type WorkContext } from './context';
import { runTool } from './tools';
import type { RunResult } from '../../../workers/jobs/protocol';
import { markVectorReady } from '../../../workers/data-products/store';

/** How GDAL opens each kind of vector file, and what it needs to find geometries in a CSV. */
function openSpec(path: string, filename: string): { source: string; options: string[] } {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.zip')) return { source: `/vsizip/${path}`, options: [] };
  if (lower.endsWith('.csv')) {
    return {
      source: path,
      options: [
        '-oo',
        'X_POSSIBLE_NAMES=lon,lng,long,longitude,x',
        '-oo',
        'Y_POSSIBLE_NAMES=lat,latitude,y',
        '-oo',
        'GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom',
        '-oo',
        'KEEP_GEOM_COLUMNS=NO',
        '-oo',
        'AUTODETECT_TYPE=YES',
        // A CSV carries no CRS: its coordinates are taken as longitude/latitude.
        '-s_srs',
        'EPSG:4326',
      ],
    };
  }
  return { source: path, options: [] };
}

/** libpq reads its connection from these, so the password never shows in a process list. */
function libpqEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  return {
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGDATABASE: decodeURIComponent(url.pathname.slice(1)),
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    ...(sslmode ? { PGSSLMODE: sslmode } : {}),
  };
}

const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']);
const fieldType = (dataType: string) =>
  NUMERIC.has(dataType) ? 'number' : dataType === 'boolean' ? 'boolean' : 'string';

/**
 * Vector file → PostGIS layers: ogr2ogr loads every layer of the file into a staging schema of
 * this attempt (reprojected to EPSG:4326, multi-geometries, invalid geometries made valid), then
 * one transaction replaces the product's layers with them, so a re-run never duplicates a feature.
 */
export async function convertVector({ run, request, store, db, dir }: WorkContext): Promise<Omit<RunResult, 'phases'>> {
  const { input } = request;
  const path = join(dir, input.filename);
  run.enter('transfer');
  run.progress(2, 'downloading the upload');
  await store.download(input.key, path);

  const jobStaging = `staging_${request.jobId.replace(/-/g, '').slice(0, 20)}`;
  const staging = `${jobStaging}_${request.attempt}`;
  // Earlier attempts killed mid-load leave their schemas behind: this job's are dropped first.
  const leftovers = await db.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1`, [
    `${jobStaging}\\_%`,
  ]);
  for (const { name } of leftovers.rows) await db.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await db.query(`CREATE SCHEMA ${staging}`);
  try {
    run.enter('gdal');
    const { source, options } = openSpec(path, input.filename);
    await runTool(
      run,
      'ogr2ogr',
      [
        // Only the staging schema is seen, so a layer named like one of our tables is never appended to it.
        '-f',
        'PostgreSQL',
        `PG:schemas=${staging} active_schema=${staging}`,
        source,
        ...options,
        '-lco',
        `SCHEMA=${staging}`,
        '-lco',
        'GEOMETRY_NAME=geom',
        '-lco',
        'FID=ogr_fid',
        '-lco',
        'SPATIAL_INDEX=NONE',
        '-lco',
        'LAUNDER=NO',
        '-t_srs',
        'EPSG:4326',
        '-nlt',
        'PROMOTE_TO_MULTI',
        '-dim',
        'XY',
        '-makevalid',
        '-progress',
      ],
      {
        env: libpqEnv(process.env.DATABASE_URL ?? ''),
        progress: { from: 10, to: 70, message: 'loading features (ogr2ogr)' },
      },
    );

    run.enter('db');
    run.progress(75, 'recording the layers');
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const tables = (
        await client.query<{ name: string }>(
          `SELECT f_table_name AS name FROM geometry_columns WHERE f_table_schema = $1 ORDER BY f_table_name`,
          [staging],
        )
      ).rows;
      if (tables.length === 0) throw new Error('the file has no layer with geometries');
      const layers: NonNullable<RunResult['layers']> = [];
      for (const table of tables) {
        const columns = (
          await client.query<{ column_name: string; data_type: string }>(
            `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name NOT IN ('geom', 'ogr_fid')`,
            [staging, table.name],
          )
        ).rows;
        const fields = Object.fromEntries(columns.map((c) => [c.column_name, fieldType(c.data_type)]));
        const qualified = `${staging}.${quoteIdent(table.name)}`;
        // The layer's type as its features have it (Polygon for polygons and multipolygons alike), else Geometry.
        const [{ types }] = (
          await client.query<{ types: string[] }>(
            `SELECT array_agg(DISTINCT replace(ST_GeometryType(geom), 'ST_Multi', 'ST_')) AS types FROM ${qualified}`,
          )
        ).rows as [{ types: string[] | null }];
        const geometryType = types?.length === 1 ? types[0]!.slice(3) : 'Geometry';
        const [layer] = (
          await client.query<{ id: string }>(
            `
          INSERT INTO vector_layers (project_id, data_product_id, name, geometry_type, fields, feature_count)
          VALUES ($1, $2, $3, $4, $5::jsonb, 0)
          ON CONFLICT (data_product_id, name) DO UPDATE SET geometry_type = excluded.geometry_type, fields = excluded.fields,
            version = vector_layers.version + 1, updated_at = now()
          RETURNING id`,
            [input.projectId, input.dataProductId, table.name, geometryType, JSON.stringify(fields)],
          )
        ).rows;
        await client.query('DELETE FROM vector_features WHERE layer_id = $1', [layer!.id]);
        const inserted = await client.query(
          `
          INSERT INTO vector_features (layer_id, properties, geom)
          SELECT $1, to_jsonb(s) - 'geom' - 'ogr_fid', s.geom FROM ${qualified} s WHERE s.geom IS NOT NULL ORDER BY s.ogr_fid`,
          [layer!.id],
        );
        await client.query('UPDATE vector_layers SET feature_count = $2 WHERE id = $1', [layer!.id, inserted.rowCount]);
        layers.push({ id: layer!.id, name: table.name, featureCount: inserted.rowCount ?? 0 });
      }
      await client.query(`DELETE FROM vector_layers WHERE data_product_id = $1 AND NOT (name = ANY($2))`, [
        input.dataProductId,
        tables.map((t) => t.name),
      ]);
      await markVectorReady(drizzle({ client }), input.dataProductId, { sourceKey: input.key, layers });
      await client.query('COMMIT');
      run.progress(95, `${layers.length} layer(s), ${layers.reduce((n, l) => n + l.featureCount, 0)} features`);
      return { dataProductId: input.dataProductId, keys: [], layers };
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS ${staging} CASCADE`).catch(() => undefined);
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
