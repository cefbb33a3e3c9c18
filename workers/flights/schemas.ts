import { z } from '@hono/zod-openapi';
import { iso, isoDateTime } from '../platform/http/schemas';
import type { FlightRow } from './store';

/** A flight as the API shows it (its routes, and the shared view of a project). */
export const FlightSchema = z
  .object({
    id: z.string().uuid(),
    project_id: z.string().uuid(),
    name: z.string(),
    acquisition_date: z.string().openapi({ format: 'date' }),
    platform: z.string(),
    sensor: z.string(),
    altitude_m: z.number().nullable(),
    forward_overlap: z.number().nullable(),
    side_overlap: z.number().nullable(),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .openapi('Flight');

export const flightJson = (f: FlightRow): z.infer<typeof FlightSchema> => ({
  id: f.id,
  project_id: f.projectId,
  name: f.name,
  acquisition_date: f.acquisitionDate,
  platform: f.platform,
  sensor: f.sensor,
  altitude_m: f.altitudeM,
  forward_overlap: f.forwardOverlap,
  side_overlap: f.sideOverlap,
  created_at: iso(f.createdAt),
  updated_at: iso(f.updatedAt),
});
