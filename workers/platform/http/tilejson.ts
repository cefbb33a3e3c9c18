import { z } from '@hono/zod-openapi';

/** A layer of a vector tile set: its attribute names and their types. */
const VectorLayer = z
  .object({
    id: z.string(),
    fields: z.record(z.string(), z.string()).openapi({ description: 'Attribute name → type' }),
    description: z.string().optional(),
    minzoom: z.number().int().optional(),
    maxzoom: z.number().int().optional(),
  })
  .openapi('TileJSONVectorLayer');

/**
 * TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0), as every tile source
 * of this service (COG, PMTiles, PostGIS) describes itself to a map client.
 */
export const TileJSON = z
  .object({
    tilejson: z.literal('3.0.0'),
    tiles: z.array(z.string()).openapi({ description: 'URL templates with {z}, {x} and {y}' }),
    name: z.string().optional(),
    description: z.string().optional(),
    version: z.string().optional(),
    attribution: z.string().optional(),
    scheme: z.literal('xyz').optional(),
    minzoom: z.number().int().optional(),
    maxzoom: z.number().int().optional(),
    bounds: z.array(z.number()).length(4).optional().openapi({ description: 'west, south, east, north (WGS 84)' }),
    center: z.array(z.number()).length(3).optional().openapi({ description: 'longitude, latitude, zoom' }),
    vector_layers: z.array(VectorLayer).optional().openapi({ description: 'Required for vector tiles' }),
    tileSize: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({
        description:
          'Pixels a side of the raster tiles the template returns (not in TileJSON 3.0.0; MapLibre reads it ' +
          'for raster sources, and assumes 512 without it). Absent for vector tiles.',
      }),
  })
  .openapi('TileJSON');
export type TileJSON = z.infer<typeof TileJSON>;
