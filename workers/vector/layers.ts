import { asc, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { rowsOf } from '../platform/db/rows';
import { vectorLayers } from '../platform/db/schema';
import { canReadSql } from '../platform/auth/access';
import type { Principal } from '../platform/auth/principal';
import { fieldTypes, type FeatureCollectionInput } from './geojson';

export interface LoadedLayer {
  id: string;
  featureCount: number;
  repaired: number;
}

/**
 * Stores a FeatureCollection as a layer in one transaction: geometries in EPSG:4326 (the 3857
 * copy follows by itself), invalid ones repaired with ST_MakeValid and counted.
 */
export async function loadLayer(
  db: Database,
  projectId: string,
  name: string,
  description: string,
  collection: FeatureCollectionInput,
): Promise<LoadedLayer> {
  const types = new Set(collection.features.map((f) => f.geometry.type.replace(/^Multi/, '')));
  const geometryType = types.size === 1 ? [...types][0]! : 'Geometry';
  return db.transaction(async (tx) => {
    const [layer] = await tx
      .insert(vectorLayers)
      .values({
        projectId,
        name,
        description,
        geometryType,
        fields: fieldTypes(collection.features),
        featureCount: collection.features.length,
      })
      .returning({ id: vectorLayers.id });
    const features = JSON.stringify(collection.features.map((f) => ({ g: f.geometry, p: f.properties ?? {} })));
    const result = await tx.execute(sql`
      WITH input AS (
        SELECT ord, ST_SetSRID(ST_GeomFromGeoJSON(item->>'g'), 4326) AS geom, item->'p' AS properties
        FROM jsonb_array_elements(${features}::jsonb) WITH ORDINALITY AS t(item, ord)
      ), inserted AS (
        INSERT INTO vector_features (layer_id, properties, geom)
        SELECT ${layer!.id}, properties, CASE WHEN ST_IsValid(geom) THEN geom ELSE ST_MakeValid(geom) END
        FROM input ORDER BY ord
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM input WHERE NOT ST_IsValid(geom))::int AS repaired, (SELECT count(*) FROM inserted)::int AS inserted`);
    const [counts] = rowsOf<{ repaired: number; inserted: number }>(result);
    return { id: layer!.id, featureCount: counts?.inserted ?? 0, repaired: counts?.repaired ?? 0 };
  });
}

export interface LayerRow {
  id: string;
  projectId: string;
  name: string;
  description: string;
  geometryType: string;
  fields: Record<string, string>;
  featureCount: number;
  version: number;
  bounds: [number, number, number, number] | null;
  /** The access epoch of the layer's project (tokens minted before it moved are refused). */
  epoch: number;
}

/**
 * Layers by id in one query; with `bounds`, their WGS 84 extent too, which scans every feature,
 * so tile and item requests go without it.
 */
export async function layersById(db: Database, ids: string[], options: { bounds?: boolean } = {}): Promise<LayerRow[]> {
  if (ids.length === 0) return [];
  const bounds = options.bounds
    ? sql`(SELECT CASE WHEN e IS NULL THEN NULL ELSE json_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) END
              FROM (SELECT ST_Extent(geom) AS e FROM vector_features WHERE layer_id = l.id) x)`
    : sql`NULL::json`;
  const result = await db.execute(sql`
    SELECT l.id, l.project_id AS "projectId", l.name, l.description, l.geometry_type AS "geometryType", l.fields,
           l.feature_count AS "featureCount", l.version, ${bounds} AS bounds, p.access_epoch AS epoch
    FROM vector_layers l JOIN projects p ON p.id = l.project_id WHERE l.id IN ${ids}`);
  return rowsOf<LayerRow>(result);
}

/** Ids of every layer `principal` may read, oldest first. */
export async function readableLayerIds(db: Database, principal: Principal | null): Promise<string[]> {
  const rows = await db
    .select({ id: vectorLayers.id })
    .from(vectorLayers)
    .where(canReadSql(vectorLayers.projectId, principal))
    .orderBy(asc(vectorLayers.createdAt), asc(vectorLayers.id))
    .limit(1000);
  return rows.map((r) => r.id);
}

/** The `properties` of `vector_features f`, reduced to the keys asked for (all when `keep` is absent). */
export function selectedProperties(keep: string[] | undefined): SQL {
  if (keep === undefined) return sql`f.properties`;
  if (keep.length === 0) return sql`'{}'::jsonb`;
  return sql`(SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(f.properties) WHERE key IN ${keep})`;
}
