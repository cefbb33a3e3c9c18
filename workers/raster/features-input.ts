import { z } from '@hono/zod-openapi';
import { ApiError } from '../platform/http/problem';
import { BUDGET } from '../engines/raster/budget';
import type { Polygons } from '../engines/raster/analysis';

/** The GeoJSON a statistics or feature request sends: areas as Polygons or MultiPolygons. */
export const GeoJsonInput = z
  .object({
    type: z.enum(['Feature', 'FeatureCollection']),
  })
  .passthrough()
  .openapi('GeoJSONFeatureOrCollection');

export interface FeatureLike {
  type: 'Feature';
  geometry: { type: string; coordinates: unknown } | null;
  properties?: Record<string, unknown> | null;
}

function polygonsOf(feature: FeatureLike): Polygons {
  const geometry = feature.geometry;
  const valid = (rings: unknown): rings is number[][][] =>
    Array.isArray(rings) &&
    rings.length > 0 &&
    rings.every(
      (r) =>
        Array.isArray(r) &&
        r.length >= 4 &&
        r.every(
          (p) => Array.isArray(p) && p.length >= 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)),
        ),
    );
  if (geometry?.type === 'Polygon' && valid(geometry.coordinates)) return [geometry.coordinates];
  if (
    geometry?.type === 'MultiPolygon' &&
    Array.isArray(geometry.coordinates) &&
    geometry.coordinates.length > 0 &&
    geometry.coordinates.every(valid)
  ) {
    return geometry.coordinates as number[][][][];
  }
  throw new ApiError(
    400,
    'validation-error',
    'Each feature needs a Polygon or MultiPolygon geometry with closed rings of [x, y] positions.',
  );
}

/** The body's features with their polygons, within the feature and vertex caps (rasterizing costs rows × vertices). */
export function featuresOf(body: Record<string, unknown>): Array<{ feature: FeatureLike; polygons: Polygons }> {
  const features = body.type === 'FeatureCollection' ? body.features : [body];
  if (!Array.isArray(features) || features.length === 0 || features.length > BUDGET.features) {
    throw new ApiError(
      400,
      'validation-error',
      `Send a Feature or a FeatureCollection of 1 to ${BUDGET.features} features.`,
    );
  }
  let vertices = 0;
  return features.map((f) => {
    if (!f || typeof f !== 'object' || (f as { type?: unknown }).type !== 'Feature')
      throw new ApiError(400, 'validation-error', 'FeatureCollection members must be Features.');
    const polygons = polygonsOf(f as FeatureLike);
    for (const polygon of polygons) for (const ring of polygon) vertices += ring.length;
    if (vertices > BUDGET.vertices)
      throw new ApiError(
        400,
        'validation-error',
        `The geometries have more than ${BUDGET.vertices} vertices in all: simplify them or send fewer.`,
      );
    return { feature: f as FeatureLike, polygons };
  });
}
