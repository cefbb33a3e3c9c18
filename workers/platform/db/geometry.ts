import { customType } from 'drizzle-orm/pg-core';
import { sql, type SQL, type AnyColumn } from 'drizzle-orm';

/** A GeoJSON geometry object (RFC 7946). */
export interface Geometry {
  type: 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon' | 'GeometryCollection';
  coordinates?: unknown;
  geometries?: Geometry[];
}

type GeometryKind = 'Geometry' | 'Polygon' | 'MultiPolygon' | 'Point';

/**
 * PostGIS geometry column (drizzle's built-in one is point-only). Writes take GeoJSON and are
 * converted in SQL; reads must go through `asGeoJSON(column)`, because the driver hands back
 * hex EWKB, which is never what an API wants.
 */
export function geometry(name: string, kind: GeometryKind, srid = 4326) {
  return customType<{ data: Geometry; driverData: string }>({
    dataType: () => `geometry(${kind},${srid})`,
    toDriver: (value: Geometry): SQL => {
      const geom = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(value)}), ${srid})`;
      return kind === 'MultiPolygon' ? sql`ST_Multi(${geom})` : geom;
    },
  })(name);
}

export function asGeoJSON(column: AnyColumn | SQL): SQL<Geometry | null> {
  return sql<Geometry | null>`ST_AsGeoJSON(${column}, 9)::json`;
}

/** [minx, miny, maxx, maxy] of a geometry, or null. */
export function bboxOf(column: AnyColumn | SQL): SQL<[number, number, number, number] | null> {
  return sql<
    [number, number, number, number] | null
  >`CASE WHEN ${column} IS NULL THEN NULL ELSE json_build_array(ST_XMin(${column}), ST_YMin(${column}), ST_XMax(${column}), ST_YMax(${column})) END`;
}
