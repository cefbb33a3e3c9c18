import { z } from '@hono/zod-openapi';
import { isLonLat, multiPolygon, polygon } from '../../engines/cql2/geojson';

/** PostgreSQL text cannot hold NUL; everything else, however hostile-looking, is stored verbatim. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' });

export const email = z
  .string()
  .trim()
  .max(254)
  .email()
  .transform((s) => s.toLowerCase())
  .openapi({ format: 'email', example: 'ada@example.org' });

export const isoDateTime = z.string().openapi({ format: 'date-time' });

export const iso = (date: Date): string => date.toISOString();
export const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** A GeoJSON Polygon or MultiPolygon in WGS 84 longitude/latitude; stored as MultiPolygon. */
export const areaGeometry = z
  .discriminatedUnion('type', [polygon, multiPolygon])
  .refine(isLonLat, { message: 'coordinates must be longitude/latitude (EPSG:4326)' })
  .openapi('AreaGeometry', { description: 'GeoJSON Polygon or MultiPolygon (EPSG:4326)' });

export const geometryOut = z
  .object({ type: z.string(), coordinates: z.unknown().optional(), geometries: z.array(z.unknown()).optional() })
  .nullable()
  .openapi({ description: 'GeoJSON geometry (EPSG:4326)' });
