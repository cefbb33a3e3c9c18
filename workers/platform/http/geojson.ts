import { z } from '@hono/zod-openapi';
import { geometryOut } from './schemas';

export const bbox = z.array(z.number()).openapi({ description: 'minx, miny, maxx, maxy (or 6 numbers in 3D)' });

/** A GeoJSON Feature (RFC 7946) whose properties are `properties`. */
export const featureOf = <P extends z.ZodType>(properties: P) =>
  z.object({
    type: z.literal('Feature'),
    id: z.union([z.string(), z.number()]).optional(),
    bbox: bbox.optional(),
    geometry: geometryOut,
    properties,
  });

/** Free properties, as GeoJSON lets a feature carry any. */
export const anyProperties = z.record(z.string(), z.unknown()).nullable();
