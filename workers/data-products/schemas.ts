import { z } from '@hono/zod-openapi';
import { dataProductStatus, dataProductType } from '../platform/db/schema';
import { geometryOut, iso, isoDateTime } from '../platform/http/schemas';
import type { ProductWithGeometry } from './store';

export const ProductType = z.enum(dataProductType.enumValues);
export const ProductStatus = z.enum(dataProductStatus.enumValues);
/** A JSON object of any members (bands, statistics, metadata: as their writers left them). */
export const JsonObject = z.record(z.string(), z.unknown());

/** A data product as the API shows it (its routes, and the shared view of a project). */
export const DataProductSchema = z
  .object({
    id: z.string().uuid(),
    project_id: z.string().uuid(),
    flight_id: z.string().uuid(),
    type: ProductType,
    status: ProductStatus,
    r2_key: z.string().nullable(),
    filename: z.string(),
    is_public: z.boolean(),
    footprint: geometryOut,
    bbox: z.array(z.number()).length(4).nullable(),
    crs: z.string().nullable(),
    resolution: z.array(z.number()).nullable(),
    bands: z.array(JsonObject).nullable(),
    stats: JsonObject.nullable(),
    metadata: JsonObject,
    version: z.number().int(),
    file: z
      .object({ size: z.number().int(), etag: z.string(), uploaded: isoDateTime })
      .nullable()
      .optional()
      .openapi({ description: 'The object in the bucket, on single reads; null when r2_key names no object yet' }),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .openapi('DataProduct');
export type DataProductJson = z.infer<typeof DataProductSchema>;

export const dataProductJson = ({ product: p, footprint, bbox }: ProductWithGeometry): DataProductJson => ({
  id: p.id,
  project_id: p.projectId,
  flight_id: p.flightId,
  type: p.type,
  status: p.status,
  r2_key: p.r2Key,
  filename: p.filename,
  is_public: p.isPublic,
  footprint,
  bbox,
  crs: p.crs,
  resolution: p.resolution,
  bands: p.bands,
  stats: p.stats,
  metadata: p.metadata,
  version: p.version,
  created_at: iso(p.createdAt),
  updated_at: iso(p.updatedAt),
});
