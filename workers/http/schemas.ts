import { z } from '@hono/zod-openapi';

/** PostgreSQL text cannot hold NUL; everything else, however hostile-looking, is stored verbatim. */
export const text = (max: number) =>
  z.string().max(max).refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' });

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

const position = z.array(z.number().finite()).min(2).max(3);
const ring = z
  .array(position)
  .min(4)
  .refine((r) => r[0]!.every((v, i) => v === r[r.length - 1]![i]), { message: 'a linear ring must be closed' });

const polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) });
const multiPolygon = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1)).min(1) });

/** A GeoJSON Polygon or MultiPolygon in WGS 84 longitude/latitude; stored as MultiPolygon. */
export const areaGeometry = z
  .discriminatedUnion('type', [polygon, multiPolygon])
  .refine(
    (g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat(2).every(([x, y]) => Math.abs(x!) <= 180 && Math.abs(y!) <= 90),
    { message: 'coordinates must be longitude/latitude (EPSG:4326)' },
  )
  .openapi('AreaGeometry', { description: 'GeoJSON Polygon or MultiPolygon (EPSG:4326)' });

export const geometryOut = z.object({ type: z.string(), coordinates: z.unknown().optional(), geometries: z.array(z.unknown()).optional() }).nullable().openapi({ description: 'GeoJSON geometry (EPSG:4326)' });
