import { z } from 'zod';

/**
 * GeoJSON geometries (RFC 7946) checked strictly enough that PostGIS never rejects one: positions
 * of 2 or 3 finite numbers, lines of 2+ positions, closed rings of 4+.
 */
const position = z.array(z.number().finite()).min(2).max(3);
const line = z.array(position).min(2);
const ring = z
  .array(position)
  .min(4)
  .refine((r) => r[0]!.every((v, i) => v === r[r.length - 1]![i]), { message: 'a linear ring must be closed' });

const point = z.object({ type: z.literal('Point'), coordinates: position });
const lineString = z.object({ type: z.literal('LineString'), coordinates: line });
export const polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1) });
const multiPoint = z.object({ type: z.literal('MultiPoint'), coordinates: z.array(position).min(1) });
const multiLineString = z.object({ type: z.literal('MultiLineString'), coordinates: z.array(line).min(1) });
export const multiPolygon = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(ring).min(1)).min(1),
});
const simple = z.discriminatedUnion('type', [point, lineString, polygon, multiPoint, multiLineString, multiPolygon]);
const geometryCollection = z.object({
  type: z.literal('GeometryCollection'),
  geometries: z.array(simple).min(1).max(1000),
});

export const geometry = z.discriminatedUnion('type', [
  point,
  lineString,
  polygon,
  multiPoint,
  multiLineString,
  multiPolygon,
  geometryCollection,
]);
export type Geometry = z.infer<typeof geometry>;

/** The geometry, or an error saying what is wrong with it (first problem only). */
export function checkGeometry(value: unknown): Geometry {
  const result = geometry.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new Error(`${issue.message}${where}`);
}

function positions(g: Geometry): number[][] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'LineString':
    case 'MultiPoint':
      return g.coordinates;
    case 'Polygon':
    case 'MultiLineString':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
    case 'GeometryCollection':
      return g.geometries.flatMap(positions);
  }
}

/** [minx, miny, maxx, maxy] of a geometry's positions. */
export function geometryBounds(g: Geometry): [number, number, number, number] {
  const all = positions(g);
  const xs = all.map((p) => p[0]!);
  const ys = all.map((p) => p[1]!);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Whether every position lies in longitude/latitude range. */
export const isLonLat = (g: Geometry): boolean =>
  positions(g).every(([x, y]) => Math.abs(x!) <= 180 && Math.abs(y!) <= 90);
