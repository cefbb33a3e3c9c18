import { z } from '@hono/zod-openapi';
import { featureOf } from '../platform/http/geojson';
import { Link } from '../platform/http/ogc';

// What the raster endpoints answer, in TiTiler's shapes (rio-tiler's Info, BandStatistics, Point).
// NaN (an empty band's statistics, a NaN nodata value) is null in JSON, hence the nullable numbers.

const quad = z.array(z.number()).length(4);
const value = z.number().nullable();

export const CogInfo = z
  .object({
    bounds: quad.openapi({ description: 'In the dataset’s CRS' }),
    crs: z.string().openapi({ description: 'OGC CRS URI, or a proj4 string when the CRS has no EPSG code' }),
    band_metadata: z.array(z.tuple([z.string(), z.record(z.string(), z.string())])),
    band_descriptions: z.array(z.tuple([z.string(), z.string()])),
    dtype: z.string().openapi({ example: 'uint8' }),
    nodata_type: z.enum(['Alpha', 'Mask', 'Nodata', 'None']),
    colorinterp: z.array(z.string()),
    scales: z.array(z.number()),
    offsets: z.array(z.number()),
    colormap: z
      .record(z.string(), z.array(z.number()).length(4))
      .nullable()
      .openapi({ description: 'Palette index → RGBA' }),
    driver: z.literal('GTiff'),
    count: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    overviews: z.array(z.number().int()).openapi({ description: 'Decimation factors' }),
    nodata_value: value,
    geographic_bounds: quad.nullable().openapi({ description: 'WGS 84 (null when the CRS cannot be transformed)' }),
    proj4: z.string(),
    resolution: z.array(z.number()).length(2),
    block_size: z.array(z.number().int()).length(2),
    compression: z.string(),
    interleave: z.enum(['pixel', 'band']),
    is_tiled: z.boolean(),
    cloud_optimized: z.boolean(),
  })
  .openapi('CogInfo');

export const CogInfoFeature = featureOf(CogInfo).openapi('CogInfoFeature');
export type CogInfoFeature = z.infer<typeof CogInfoFeature>;

export const PointValues = z
  .object({
    coordinates: z.array(z.number()),
    values: z.array(value),
    band_names: z.array(z.string()),
    masked: z.array(z.boolean()),
  })
  .openapi('PointValues');

export const BandStatistics = z
  .looseObject({
    min: value,
    max: value,
    mean: value,
    count: z.number().int(),
    sum: z.number(),
    std: value,
    median: value,
    majority: value,
    minority: value,
    unique: z.number().int(),
    histogram: z.tuple([z.array(z.number()), z.array(z.number())]).openapi({ description: '[counts, bin edges]' }),
    valid_percent: z.number(),
    masked_pixels: z.number().int(),
    valid_pixels: z.number().int(),
    percentile_2: value.optional(),
    percentile_98: value.optional(),
  })
  .openapi('BandStatistics', { description: 'percentile_{p} for each percentile asked (2 and 98 by default)' });

export const Statistics = z
  .record(z.string(), BandStatistics)
  .openapi('Statistics', { description: 'Keyed by band name (b1, b2, …) or expression' });

const StatisticsFeature = featureOf(z.looseObject({ statistics: Statistics })).openapi('StatisticsFeature');

/** The Feature or FeatureCollection sent, each feature's properties gaining `statistics`. */
export const StatisticsFeatures = z
  .union([
    StatisticsFeature,
    z.looseObject({ type: z.literal('FeatureCollection'), features: z.array(StatisticsFeature) }),
  ])
  .openapi('StatisticsFeatures');
export type StatisticsFeatures = z.infer<typeof StatisticsFeatures>;

export const TileMatrixSets = z
  .object({
    tileMatrixSets: z.array(
      z.object({ id: z.string(), title: z.string(), uri: z.string(), crs: z.string(), links: z.array(Link) }),
    ),
  })
  .openapi('TileMatrixSets');

/** OGC Two Dimensional Tile Matrix Set 2.0, JSON encoding. */
export const TileMatrixSetDocument = z
  .object({
    id: z.string(),
    title: z.string(),
    uri: z.string(),
    crs: z.string(),
    orderedAxes: z.array(z.string()),
    tileMatrices: z.array(
      z.object({
        id: z.string(),
        scaleDenominator: z.number(),
        cellSize: z.number(),
        cornerOfOrigin: z.enum(['topLeft', 'bottomLeft']),
        pointOfOrigin: z.array(z.number()).length(2),
        tileWidth: z.number().int(),
        tileHeight: z.number().int(),
        matrixWidth: z.number().int(),
        matrixHeight: z.number().int(),
      }),
    ),
  })
  .openapi('TileMatrixSet');

/** GET /colorMaps, as TiTiler answers it: each colormap's name and a link to its values. */
export const ColorMapList = z
  .object({ colormaps: z.array(z.object({ id: z.string(), links: z.array(Link) })) })
  .openapi('ColorMapList');

/** A colormap's values, as TiTiler answers GET /colorMaps/{colorMapId}: each index "0"…"255" → [r, g, b, a]. */
export const ColorMapValues = z
  .record(z.string(), z.array(z.number().int().min(0).max(255)).length(4))
  .openapi('ColorMapValues', { example: { '0': [68, 1, 84, 255], '255': [253, 231, 36, 255] } });
