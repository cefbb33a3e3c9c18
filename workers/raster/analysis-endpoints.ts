import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../platform/env';
import { errors, jsonResponse } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import type { Cog } from '../engines/raster/cog';
import { pointValues, statistics, toDatasetCrs, type Polygons } from '../engines/raster/analysis';
import { proj4ForCrs } from '../engines/raster/crs';
import { process } from '../engines/raster/render';
import type { Block } from '../engines/raster/read';
import { withDataset, type Dataset, type Opened } from './dataset';
import { DatasetQuery, bandNames, list, plan, repeated } from './query';
import { GeoJsonInput, featuresOf } from './features-input';
import { PointValues, Statistics, StatisticsFeatures } from './schemas';

/** `/point/{lon},{lat}` (TiTiler's). */
export function pointEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/point/{coordinates}`,
    tags: dataset.tags,
    summary: 'Pixel values at a point (TiTiler /cog/point/{lon},{lat})',
    request: {
      params: dataset.path({
        coordinates: z
          .string()
          .regex(/^-?\d+(\.\d+)?(e-?\d+)?,-?\d+(\.\d+)?(e-?\d+)?$/i)
          .openapi({ example: '-57.1,73.2' }),
      }),
      query: dataset.query(DatasetQuery.extend({ coord_crs: z.string().max(128).default('EPSG:4326') })),
    },
    responses: {
      200: jsonResponse(PointValues, 'Values'),
      ...errors(400, 401, 404),
    },
  });
  router.openapi(route, async (c) => {
    const [x, y] = c.req.valid('param').coordinates.split(',').map(Number) as [number, number];
    const query = c.req.valid('query');
    const result = await withDataset(c, dataset, query.token, async (cog, opened) => {
      const planned = plan(cog, query);
      const { values, valid } = await pointValues(cog, opened.source, x, y, proj4ForCrs(query.coord_crs), {
        bands: planned.bands,
        nodata: planned.nodata,
      });
      const block: Block = {
        width: 1,
        height: 1,
        bands: values.map((v) => Float64Array.of(v)),
        mask: Uint8Array.of(valid ? 1 : 0),
      };
      const out = process(block, cog, planned.bands, planned.render).block;
      return {
        coordinates: [x, y],
        values: out.bands.map((b) => (Number.isFinite(b[0]!) ? b[0]! : null)),
        band_names: bandNames(planned),
        masked: out.bands.map(() => out.mask[0] === 0),
      };
    });
    return c.json(result, 200);
  });
}

const StatisticsQuery = DatasetQuery.extend({
  max_size: z.coerce
    .number()
    .int()
    .min(0)
    .max(4096)
    .default(1024)
    .openapi({ description: '0 reads the full resolution' }),
  p: repeated.openapi({ description: 'Percentiles to compute (default 2 and 98)' }),
  histogram_bins: z.coerce.number().int().min(1).max(1000).default(10),
  histogram_range: z.string().max(64).optional().openapi({ description: 'min,max of the histogram' }),
  coord_crs: z.string().max(128).default('EPSG:4326'),
});
type StatisticsParams = z.infer<typeof StatisticsQuery>;

function histogramRange(text: string | undefined): [number, number] | undefined {
  if (!text) return undefined;
  const [lo, hi] = text.split(',').map(Number);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo! >= hi!)
    throw new ApiError(400, 'validation-error', 'histogram_range must be min,max with min < max.');
  return [lo!, hi!];
}

/** Per-band statistics keyed by band name, within `polygons` if given; `spent` is the request's pixel budget so far. */
function runStatistics(
  cog: Cog,
  opened: Opened,
  query: StatisticsParams,
  polygons?: Polygons,
  spent?: { pixels: number },
) {
  const planned = plan(cog, query);
  const percentiles = list(query.p).map(Number);
  if (percentiles.some((p) => !(p >= 0 && p <= 100)))
    throw new ApiError(400, 'validation-error', 'p must be percentiles between 0 and 100.');
  const range = histogramRange(query.histogram_range);
  const integer = !planned.expression && !planned.render.unscale && !cog.dataType.startsWith('float');
  return statistics(cog, opened.source, {
    bands: planned.bands,
    nodata: planned.nodata,
    maxSize: query.max_size,
    percentiles: percentiles.length > 0 ? percentiles : [2, 98],
    bins: query.histogram_bins,
    range,
    integer,
    polygons: polygons && toDatasetCrs(cog, polygons, proj4ForCrs(query.coord_crs)),
    transform: (block) => process(block, cog, planned.bands, planned.render).block,
    perBandNodata:
      planned.expression || planned.render.unscale ? null : planned.nodata === undefined ? cog.nodata : planned.nodata,
    spent,
  }).then((bands) => {
    const names = bandNames(planned);
    return Object.fromEntries(bands.map((s, i) => [names[i]!, s]));
  });
}

/** GET `/statistics` (TiTiler's). */
export function statisticsEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/statistics`,
    tags: dataset.tags,
    summary: 'Per-band statistics (TiTiler /cog/statistics)',
    request: { params: dataset.path({}), query: dataset.query(StatisticsQuery) },
    responses: {
      200: jsonResponse(Statistics, 'Statistics keyed b1, b2, …'),
      ...errors(400, 401, 404),
    },
  });
  router.openapi(route, async (c) => {
    const query = c.req.valid('query');
    return c.json(await withDataset(c, dataset, query.token, (cog, opened) => runStatistics(cog, opened, query)), 200);
  });
}

/** POST `/statistics`: the features come back with their statistics in their properties. */
export function featureStatisticsEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'post',
    path: `${dataset.base}/statistics`,
    tags: dataset.tags,
    summary: 'Statistics inside polygons: a Feature or FeatureCollection comes back with them in its properties',
    request: {
      params: dataset.path({}),
      query: dataset.query(StatisticsQuery),
      body: { required: true, content: { 'application/json': { schema: GeoJsonInput } } },
    },
    responses: {
      200: {
        description: 'The features with properties.statistics',
        content: { 'application/geo+json': { schema: StatisticsFeatures } },
      },
      ...errors(400, 401, 404, 413),
    },
  });
  router.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const body = c.req.valid('json');
    const features = featuresOf(body);
    const result = await withDataset(c, dataset, query.token, async (cog, opened) => {
      const out = [];
      // The features share one request's pixel budget.
      const spent = { pixels: 0 };
      for (const { feature, polygons } of features) {
        const stats = await runStatistics(cog, opened, query, polygons, spent);
        out.push({ ...feature, properties: { ...(feature.properties ?? {}), statistics: stats } });
      }
      return body.type === 'FeatureCollection' ? { ...body, features: out } : out[0]!;
    });
    return c.json(result as StatisticsFeatures, 200, { 'content-type': 'application/geo+json' });
  });
}
