import { z } from '@hono/zod-openapi';

/** GeoJSON (RFC 7946) checked strictly enough that PostGIS can always parse what passes. */
// Longitudes past ±180 occur in real data crossing the antimeridian (Alaska in us-states.geojson).
const lon = z.number().finite().min(-540).max(540);
const lat = z.number().finite().min(-90).max(90);
const position = z.union([z.tuple([lon, lat]), z.tuple([lon, lat, z.number().finite()])]);
const line = z.array(position).min(2);
const ring = z
  .array(position)
  .min(4)
  .refine((r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1], {
    message: 'a linear ring must be closed',
  });

const simple = [
  z.object({ type: z.literal('Point'), coordinates: position }),
  z.object({ type: z.literal('MultiPoint'), coordinates: z.array(position).min(1) }),
  z.object({ type: z.literal('LineString'), coordinates: line }),
  z.object({ type: z.literal('MultiLineString'), coordinates: z.array(line).min(1) }),
  z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1)).min(1) }),
] as const;

// Collections hold simple geometries only: RFC 7946 advises against nesting them, and a
// non-recursive schema keeps the OpenAPI document finite.
const geometry = z.discriminatedUnion('type', [
  ...simple,
  z.object({
    type: z.literal('GeometryCollection'),
    geometries: z.array(z.discriminatedUnion('type', [...simple])).min(1),
  }),
]);

export const FeatureCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z
      .array(
        z.object({
          type: z.literal('Feature'),
          id: z.union([z.string(), z.number()]).optional(),
          geometry,
          properties: z.record(z.string(), z.unknown()).nullable().default({}),
        }),
      )
      .min(1)
      .max(200_000),
  })
  .openapi('FeatureCollection');

export type FeatureCollectionInput = z.infer<typeof FeatureCollection>;

/** Attribute name → type (number, boolean or string), as TileJSON's `fields` and queryables want. */
export function fieldTypes(
  features: FeatureCollectionInput['features'],
): Record<string, 'number' | 'boolean' | 'string'> {
  const seen: Record<string, Set<string>> = {};
  for (const feature of features) {
    for (const [key, value] of Object.entries(feature.properties ?? {})) {
      if (value === null || value === undefined) continue;
      (seen[key] ??= new Set()).add(typeof value);
    }
  }
  return Object.fromEntries(
    Object.entries(seen).map(([key, types]) => [
      key,
      types.size === 1 && (types.has('number') || types.has('boolean'))
        ? ([...types][0] as 'number' | 'boolean')
        : 'string',
    ]),
  );
}
