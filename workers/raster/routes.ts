import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { createRouter, errors, jsonResponse, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { TileJSON } from '../platform/http/tilejson';
import { cacheKey, cached, tileCacheControl } from '../platform/http/tile-cache';
import { metric } from '../platform/http/server-timing';
import { grantDataProduct, grantObjectKey, type ObjectGrant } from '../platform/auth/grants';
import { R2Source, ReadStats } from '../engines/raster/source';
import { withCog, type HeaderTier } from '../engines/raster/cog-cache';
import type { Cog } from '../engines/raster/cog';
import { cogInfo } from '../engines/raster/info';
import { renderGrid, renderTile, type Timings } from '../engines/raster/tile';
import {
  TILE_MATRIX_SETS,
  isValidTile,
  tileMatrixSet,
  tileMatrixSetDocument,
  zoomForResolution,
  type TileMatrixSet,
} from '../engines/raster/tms';
import { parseFormat, type ImageFormat } from '../engines/raster/image';
import { parseExpression, type Expression } from '../engines/raster/expression';
import { namedColormap, parseColormap } from '../engines/raster/colormaps';
import { process, render, renderBytesPerPixel, type RenderParams } from '../engines/raster/render';
import {
  datasetGrid,
  fitSize,
  pointValues,
  polygonBounds,
  statistics,
  toDatasetCrs,
  rasterize,
  type Polygons,
} from '../engines/raster/analysis';
import { BUDGET, assertPixels } from '../engines/raster/budget';
import { proj4ForCrs } from '../engines/raster/crs';
import {
  boundsIn,
  naturalResolution,
  transformBounds,
  transformer,
  type Grid,
  type Resampling,
} from '../engines/raster/warp';
import type { Block } from '../engines/raster/read';
import {
  CogInfo,
  CogInfoFeature,
  PointValues,
  Statistics,
  StatisticsFeatures,
  TileMatrixSetDocument,
  TileMatrixSets,
} from './schemas';

const router = createRouter();

// ---------------------------------------------------------------- parameters (TiTiler's names)

const list = (value: string | string[] | undefined) =>
  value === undefined
    ? []
    : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter((v) => v.length > 0);
const repeated = z.union([z.string(), z.array(z.string())]).optional();

const DatasetQuery = z.object({
  token: z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: 'Signed tile token from POST /data-products/{id}/token' }),
  bidx: repeated.openapi({
    description: 'Band indexes (1-based); repeat or comma-separate. Default: every band but alpha.',
  }),
  expression: z
    .string()
    .max(2048)
    .optional()
    .openapi({ description: 'Band math on b1…bn, e.g. (b4-b1)/(b4+b1); `;` separates output bands' }),
  nodata: z.string().max(32).optional().openapi({ description: 'Overrides the nodata value (a number or nan)' }),
  unscale: z.enum(['true', 'false']).default('false').openapi({ description: 'Apply the bands’ scale and offset' }),
  resampling: z.enum(['nearest', 'bilinear', 'cubic']).default('nearest'),
});

const VisualQuery = z.object({
  rescale: repeated.openapi({ description: 'min,max per band (repeat for several bands)' }),
  colormap_name: z.string().max(64).optional(),
  colormap: z
    .string()
    .max(65536)
    .optional()
    .openapi({ description: 'JSON colormap: {"value": [r,g,b,a]} or [[[min,max],[r,g,b,a]], …]' }),
  return_mask: z.enum(['true', 'false']).default('true').openapi({
    description: 'Alpha from the mask (PNG, WebP). A PNG whose pixels are all opaque has no alpha channel either way.',
  }),
});

const UrlQuery = z.object({
  url: z.string().min(1).max(1024).openapi({ description: 'Object key in the bucket, e.g. projects/<id>/ortho.tif' }),
});

type DatasetParams = z.infer<typeof DatasetQuery> & Partial<z.infer<typeof VisualQuery>> & { url?: string };

function parseNodata(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text.toLowerCase() === 'nan') return NaN;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ApiError(400, 'validation-error', 'nodata must be a number or nan.');
  return value;
}

interface Plan {
  /** 0-based bands read from the file. */
  bands: number[];
  expression?: Expression;
  nodata?: number | null;
  render: RenderParams;
}

/** Everything the query asks of the values, checked against the file. */
function plan(cog: Cog, query: DatasetParams): Plan {
  const expression = query.expression ? parseExpression(query.expression, cog.bandCount) : undefined;
  const requested = list(query.bidx).map(Number);
  // A band may be named twice (bidx=1&bidx=1&bidx=1 draws gray as RGB), but each is a plane of the window.
  const most = Math.max(3, Math.min(cog.bandCount, 16));
  if (requested.length > most)
    throw new ApiError(400, 'validation-error', `bidx lists ${most} bands at most (the file has ${cog.bandCount}).`);
  if (requested.some((b) => !Number.isInteger(b) || b < 1 || b > cog.bandCount)) {
    throw new ApiError(400, 'validation-error', `bidx must list bands from 1 to ${cog.bandCount}.`);
  }
  const bands =
    expression?.bands ??
    (requested.length > 0
      ? requested.map((b) => b - 1)
      : Array.from({ length: cog.bandCount }, (_, i) => i).filter((i) => i !== cog.alphaBand));
  const rescale =
    list(query.rescale).length === 0
      ? undefined
      : (Array.isArray(query.rescale) ? query.rescale : [query.rescale!]).map((r) => {
          const [lo, hi] = r.split(',').map(Number);
          if (!Number.isFinite(lo) || !Number.isFinite(hi))
            throw new ApiError(400, 'validation-error', `rescale must be min,max (got "${r}").`);
          return [lo!, hi!] as [number, number];
        });
  if (query.colormap_name && query.colormap)
    throw new ApiError(400, 'validation-error', 'Give colormap_name or colormap, not both.');
  const colormap = query.colormap_name
    ? { lut: namedColormap(query.colormap_name) }
    : query.colormap
      ? { custom: parseColormap(query.colormap) }
      : undefined;
  return {
    bands,
    expression,
    nodata: parseNodata(query.nodata),
    render: {
      expression,
      unscale: query.unscale === 'true',
      rescale,
      colormap,
      returnMask: query.return_mask !== 'false',
    },
  };
}

// ---------------------------------------------------------------- dataset access

type Prefix = '/cog' | '/data-products/{dataProductId}';

interface Opened {
  grant: ObjectGrant;
  stats: ReadStats;
  started: number;
  /** When authorization and the header were done and rendering began. */
  opened: number;
  header: HeaderTier;
}

function grant(c: Context<AppEnv>, prefix: Prefix, query: { url?: string; token?: string }): Promise<ObjectGrant> {
  if (prefix === '/cog') return grantObjectKey(c, query.url ?? '', query.token);
  return grantDataProduct(c, c.req.param('dataProductId') ?? '', query.token);
}

/** Authorizes (before any cache), then runs `use` on the object's header, re-read once if the object changed. */
async function withDataset<T>(
  c: Context<AppEnv>,
  prefix: Prefix,
  query: { url?: string; token?: string },
  use: (cog: Cog, source: R2Source, opened: Opened) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const granted = await grant(c, prefix, query);
  const stats = new ReadStats();
  const source = new R2Source(c.env.DATA, granted.key, stats);
  let header: HeaderTier = 'isolate';
  const options = {
    cache: caches.default,
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    loadedFrom: (tier: HeaderTier) => (header = tier),
  };
  return withCog(source, options, (cog) =>
    use(cog, source, { grant: granted, stats, started, opened: performance.now(), header }),
  );
}

const r2Metric = (stats: ReadStats) => metric('r2', stats.millis, `${stats.reads} reads, ${stats.bytes} bytes`);

/** Where a rendering's time went; `render` is from the cache's miss to the encoded image. */
function serverTiming(stats: ReadStats, timings: Timings, encode: number, opened: Opened, rendering: number): string {
  const now = performance.now();
  return [
    metric('open', opened.opened - opened.started, `authorization and header (${opened.header})`),
    r2Metric(stats),
    metric('decode', Math.max(0, timings.read - stats.millis)),
    metric('warp', timings.warp),
    metric('encode', encode),
    metric('render', now - rendering),
    metric('total', now - opened.started),
  ].join(', ');
}

/**
 * Renders a grid of `size` to the requested format, cached at the edge; Server-Timing tells where
 * time went. What the rendering will hold is checked against the budget before anything is read.
 */
async function respondWithImage(
  c: Context<AppEnv>,
  cog: Cog,
  opened: Opened,
  format: ImageFormat,
  planned: Plan,
  size: [number, number],
  make: (timings: Timings) => Promise<Block | null>,
) {
  assertPixels(size[0], size[1], renderBytesPerPixel(cog, planned.bands, planned.render, format), 'The image is');
  const key = await cacheKey(c, [opened.grant.version, cog.etag]);
  return cached(
    c,
    {
      key,
      cacheControl: tileCacheControl(c),
      hitTiming: () => [r2Metric(opened.stats), metric('total', performance.now() - opened.started)],
    },
    async () => {
      const rendering = performance.now();
      const timings: Timings = { read: 0, warp: 0 };
      const block = await make(timings);
      if (!block) throw new ApiError(404, 'not-found', 'This tile lies outside the dataset.');
      const encodeStart = performance.now();
      const { body, contentType } = await render(block, cog, planned.bands, planned.render, format);
      const encode = performance.now() - encodeStart;
      return new Response(body, {
        headers: {
          'content-type': contentType,
          'server-timing': serverTiming(opened.stats, timings, encode, opened, rendering),
        },
      });
    },
  );
}

const TILE_PATH = /^(\d+)(?:@([1-4])x)?(?:\.([a-z]+))?$/;

/**
 * `preview.png`-style segments: Hono cannot split a parameter inside a segment, so the segment is
 * the parameter and anything but `<name>` or `<name>.<format>` is an unknown route.
 */
function segment(c: Context<AppEnv>, value: string, name: string): string | undefined {
  const match = new RegExp(`^${name}(?:\\.([a-z]+))?$`).exec(value);
  if (!match) throw new ApiError(404, 'not-found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);
  return match[1];
}

function parseBbox(text: string): [number, number, number, number] {
  const values = text.split(',').map(Number);
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v)))
    throw new ApiError(400, 'validation-error', 'bbox is minx,miny,maxx,maxy.');
  return values as [number, number, number, number];
}

function formatOf(text: string | undefined, fallback: ImageFormat = 'png'): ImageFormat {
  if (text === undefined || text === '') return fallback;
  const format = parseFormat(text);
  if (!format) throw new ApiError(400, 'validation-error', `Unknown format .${text}: use png, jpg, jpeg, webp or npy.`);
  return format;
}

function tmsOf(id: string): TileMatrixSet {
  const tms = tileMatrixSet(id);
  if (!tms) throw new ApiError(404, 'not-found', `Unknown TileMatrixSet ${id}; see /tileMatrixSets.`);
  return tms;
}

const binary = (description: string) => ({
  description,
  content: Object.fromEntries(
    ['image/png', 'image/jpeg', 'image/webp', 'application/x-binary'].map((t) => [
      t,
      { schema: z.string().openapi({ format: 'binary' }) },
    ]),
  ),
});

const GeoJsonInput = z
  .object({
    type: z.enum(['Feature', 'FeatureCollection']),
  })
  .passthrough()
  .openapi('GeoJSONFeatureOrCollection');

interface FeatureLike {
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
function featuresOf(body: Record<string, unknown>): Array<{ feature: FeatureLike; polygons: Polygons }> {
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

// ---------------------------------------------------------------- routes

function mount(prefix: Prefix) {
  const byKey = prefix === '/cog';
  const base = byKey ? '/cog' : '/data-products/{dataProductId}';
  const tags = [byKey ? 'raster (by key)' : 'raster (by data product)'];
  const params = byKey ? z.object({}) : z.object({ dataProductId: UuidParam });
  const withUrl = <T extends z.ZodRawShape>(schema: z.ZodObject<T>) => (byKey ? schema.merge(UrlQuery) : schema);
  const Render = withUrl(DatasetQuery.merge(VisualQuery));
  const access = (q: { url?: string; token?: string }) => ({ url: q.url, token: q.token });

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/info`,
      tags,
      summary: 'Dataset metadata (TiTiler /cog/info)',
      request: { params, query: withUrl(DatasetQuery.pick({ token: true })) },
      responses: { 200: jsonResponse(CogInfo, 'Info'), ...errors(400, 401, 404) },
    }),
    async (c) => c.json(await withDataset(c, prefix, access(c.req.valid('query')), async (cog) => cogInfo(cog)), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/info.geojson`,
      tags,
      summary: 'Dataset metadata as a GeoJSON Feature of its footprint',
      request: { params, query: withUrl(DatasetQuery.pick({ token: true })) },
      responses: {
        200: { description: 'Feature', content: { 'application/geo+json': { schema: CogInfoFeature } } },
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const feature = await withDataset(c, prefix, access(c.req.valid('query')), async (cog) => {
        const [w, s, e, n] = boundsIn(cog, 'EPSG:4326') ?? [0, 0, 0, 0];
        return {
          type: 'Feature',
          bbox: [w, s, e, n],
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [w, s],
                [e, s],
                [e, n],
                [w, n],
                [w, s],
              ],
            ],
          },
          properties: cogInfo(cog),
        } satisfies CogInfoFeature;
      });
      return c.json(feature, 200, { 'content-type': 'application/geo+json' });
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/tiles/{tileMatrixSetId}/{z}/{x}/{y}`,
      tags,
      summary: 'A map tile (TiTiler /cog/tiles)',
      description:
        '`y` may carry a scale and a format: `{y}@2x.png`. Formats: png (default), jpg/jpeg, webp, npy (values ' +
        'then mask). Tiles wholly outside the dataset are 404 so map clients over-zoom.',
      request: {
        params: params.extend({
          tileMatrixSetId: z.string().openapi({ example: 'WebMercatorQuad' }),
          z: z.string().regex(/^\d{1,3}$/),
          x: z.string().regex(/^\d{1,10}$/),
          y: z.string().regex(TILE_PATH).openapi({ example: '1234@2x.png' }),
        }),
        query: Render.extend({
          tilesize: z.enum(['256', '512']).optional(),
          buffer: z.coerce.number().int().min(0).max(64).default(0),
          padding: z.coerce.number().int().min(0).max(64).default(0).openapi({
            description: 'Extra source pixels read around the tile for resampling (the kernel margin is always read)',
          }),
        }),
      },
      responses: { 200: binary('The tile'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
    }),
    async (c) => {
      const path = c.req.valid('param');
      const query = c.req.valid('query') as DatasetParams & { tilesize?: string; buffer: number; padding: number };
      const tms = tmsOf(path.tileMatrixSetId);
      const [, yText, scaleText, formatText] = TILE_PATH.exec(path.y)!;
      const [z, x, y] = [Number(path.z), Number(path.x), Number(yText)];
      const format = formatOf(formatText);
      if (!isValidTile(tms, z, x, y))
        throw new ApiError(
          400,
          'validation-error',
          `Tile ${z}/${x}/${y} does not exist in ${tms.id} (zoom 0–${tms.maxZoom}).`,
        );
      const size = Number(query.tilesize ?? 256) * Number(scaleText ?? 1);
      return withDataset(c, prefix, access(query), async (cog, source, opened) => {
        const planned = plan(cog, query);
        const side = size + 2 * query.buffer;
        return respondWithImage(c, cog, opened, format, planned, [side, side], (timings) =>
          renderTile(cog, source, tms, z, x, y, {
            size,
            buffer: query.buffer,
            padding: query.padding,
            bands: planned.bands,
            resampling: query.resampling as Resampling,
            nodata: planned.nodata,
            timings,
          }),
        );
      });
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{tileMatrixSetId}/tilejson.json`,
      tags,
      summary: 'TileJSON 3.0 for a map client',
      request: {
        params: params.extend({ tileMatrixSetId: z.string() }),
        query: Render.extend({
          tile_format: z.string().optional(),
          tile_scale: z.coerce.number().int().min(1).max(4).default(1),
          minzoom: z.coerce.number().int().min(0).max(30).optional(),
          maxzoom: z.coerce.number().int().min(0).max(30).optional(),
        }),
      },
      responses: { 200: jsonResponse(TileJSON, 'TileJSON'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const query = c.req.valid('query') as DatasetParams & {
        tile_format?: string;
        tile_scale: number;
        minzoom?: number;
        maxzoom?: number;
      };
      const tms = tmsOf(c.req.valid('param').tileMatrixSetId);
      const format = query.tile_format ? formatOf(query.tile_format) : null;
      const tilejson = await withDataset(c, prefix, access(query), async (cog) => {
        plan(cog, query);
        const zooms = zoomRange(cog, tms);
        const bounds = boundsIn(cog, 'EPSG:4326') ?? [-180, -90, 180, 90];
        const passThrough = new URL(c.req.url).searchParams;
        for (const name of ['tile_format', 'tile_scale', 'minzoom', 'maxzoom']) passThrough.delete(name);
        const origin = new URL(c.req.url).origin;
        const path = new URL(c.req.url).pathname.replace(/\/[^/]+\/tilejson\.json$/, '');
        const suffix = `${query.tile_scale > 1 ? `@${query.tile_scale}x` : ''}${format ? `.${format === 'jpeg' ? 'jpg' : format}` : ''}`;
        const search = passThrough.toString();
        const minzoom = query.minzoom ?? zooms.minzoom;
        const maxzoom = query.maxzoom ?? zooms.maxzoom;
        return {
          tilejson: '3.0.0',
          name: cog.key.split('/').pop() ?? cog.key,
          version: '1.0.0',
          scheme: 'xyz',
          tiles: [`${origin}${path}/tiles/${tms.id}/{z}/{x}/{y}${suffix}${search ? `?${search}` : ''}`],
          minzoom,
          maxzoom,
          bounds,
          center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minzoom],
        } satisfies TileJSON;
      });
      return c.json(tilejson, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{tileMatrixSetId}/WMTSCapabilities.xml`,
      tags,
      summary: 'OGC WMTS 1.0 capabilities (for QGIS and GDAL)',
      request: {
        params: params.extend({ tileMatrixSetId: z.string() }),
        query: Render.extend({ tile_format: z.string().optional() }),
      },
      responses: {
        200: { description: 'Capabilities', content: { 'application/xml': { schema: z.string() } } },
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const query = c.req.valid('query') as DatasetParams & { tile_format?: string };
      const tms = tmsOf(c.req.valid('param').tileMatrixSetId);
      const format = formatOf(query.tile_format);
      const xml = await withDataset(c, prefix, access(query), async (cog) => {
        plan(cog, query);
        const url = new URL(c.req.url);
        url.searchParams.delete('tile_format');
        const path = url.pathname.replace(/\/[^/]+\/WMTSCapabilities\.xml$/, '');
        const search = url.searchParams.toString();
        const template = `${url.origin}${path}/tiles/${tms.id}/{TileMatrix}/{TileCol}/{TileRow}.${format === 'jpeg' ? 'jpg' : format}${search ? `?${search}` : ''}`;
        return wmtsCapabilities(cog, tms, template, format, zoomRange(cog, tms));
      });
      return c.body(xml, 200, { 'content-type': 'application/xml' });
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/point/{coordinates}`,
      tags,
      summary: 'Pixel values at a point (TiTiler /cog/point/{lon},{lat})',
      request: {
        params: params.extend({
          coordinates: z
            .string()
            .regex(/^-?\d+(\.\d+)?(e-?\d+)?,-?\d+(\.\d+)?(e-?\d+)?$/i)
            .openapi({ example: '-57.1,73.2' }),
        }),
        query: withUrl(DatasetQuery.extend({ coord_crs: z.string().max(128).default('EPSG:4326') })),
      },
      responses: {
        200: jsonResponse(PointValues, 'Values'),
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const [x, y] = c.req.valid('param').coordinates.split(',').map(Number) as [number, number];
      const query = c.req.valid('query') as DatasetParams & { coord_crs: string };
      const result = await withDataset(c, prefix, access(query), async (cog, source) => {
        const planned = plan(cog, query);
        const { values, valid } = await pointValues(cog, source, x, y, proj4ForCrs(query.coord_crs), {
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
        const names = planned.expression
          ? planned.expression.source.split(';').map((e) => e.trim())
          : planned.bands.map((b) => `b${b + 1}`);
        return {
          coordinates: [x, y],
          values: out.bands.map((b) => (Number.isFinite(b[0]!) ? b[0]! : null)),
          band_names: names,
          masked: out.bands.map(() => out.mask[0] === 0),
        };
      });
      return c.json(result, 200);
    },
  );

  const StatisticsQuery = withUrl(
    DatasetQuery.extend({
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
    }),
  );
  type StatisticsParams = DatasetParams & {
    max_size: number;
    p?: string | string[];
    histogram_bins: number;
    histogram_range?: string;
    coord_crs: string;
  };

  const runStatistics = (
    c: Context<AppEnv>,
    cog: Cog,
    source: R2Source,
    query: StatisticsParams,
    polygons?: Polygons,
    spent?: { pixels: number },
  ) => {
    const planned = plan(cog, query);
    const percentiles = list(query.p).map(Number);
    if (percentiles.some((p) => !(p >= 0 && p <= 100)))
      throw new ApiError(400, 'validation-error', 'p must be percentiles between 0 and 100.');
    let range: [number, number] | undefined;
    if (query.histogram_range) {
      const [lo, hi] = query.histogram_range.split(',').map(Number);
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo! >= hi!)
        throw new ApiError(400, 'validation-error', 'histogram_range must be min,max with min < max.');
      range = [lo!, hi!];
    }
    const integer = !planned.expression && !planned.render.unscale && !cog.dataType.startsWith('float');
    return statistics(cog, source, {
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
        planned.expression || planned.render.unscale
          ? null
          : planned.nodata === undefined
            ? cog.nodata
            : planned.nodata,
      spent,
    }).then((bands) => {
      const names = planned.expression
        ? planned.expression.source.split(';').map((e) => e.trim())
        : planned.bands.map((b) => `b${b + 1}`);
      return Object.fromEntries(bands.map((s, i) => [names[i]!, s]));
    });
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/statistics`,
      tags,
      summary: 'Per-band statistics (TiTiler /cog/statistics)',
      request: { params, query: StatisticsQuery },
      responses: {
        200: jsonResponse(Statistics, 'Statistics keyed b1, b2, …'),
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const query = c.req.valid('query') as StatisticsParams;
      return c.json(
        await withDataset(c, prefix, access(query), (cog, source) => runStatistics(c, cog, source, query)),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: `${base}/statistics`,
      tags,
      summary: 'Statistics inside polygons: a Feature or FeatureCollection comes back with them in its properties',
      request: {
        params,
        query: StatisticsQuery,
        body: { required: true, content: { 'application/json': { schema: GeoJsonInput } } },
      },
      responses: {
        200: {
          description: 'The features with properties.statistics',
          content: { 'application/geo+json': { schema: StatisticsFeatures } },
        },
        ...errors(400, 401, 404, 413),
      },
    }),
    async (c) => {
      const query = c.req.valid('query') as StatisticsParams;
      const body = c.req.valid('json') as Record<string, unknown>;
      const features = featuresOf(body);
      const result = await withDataset(c, prefix, access(query), async (cog, source) => {
        const out = [];
        // The features share one request's pixel budget.
        const spent = { pixels: 0 };
        for (const { feature, polygons } of features) {
          const stats = await runStatistics(c, cog, source, query, polygons, spent);
          out.push({ ...feature, properties: { ...(feature.properties ?? {}), statistics: stats } });
        }
        return body.type === 'FeatureCollection' ? { ...body, features: out } : out[0];
      });
      return c.json(result as StatisticsFeatures, 200, { 'content-type': 'application/geo+json' });
    },
  );

  const ImageQuery = Render.extend({
    max_size: z.coerce.number().int().min(1).max(4096).default(1024),
    width: z.coerce.number().int().min(1).max(4096).optional(),
    height: z.coerce.number().int().min(1).max(4096).optional(),
  });
  type ImageParams = DatasetParams & { max_size: number; width?: number; height?: number };

  const sizeFor = (query: ImageParams, naturalWidth: number, naturalHeight: number): [number, number] => {
    if (query.width && query.height) return [query.width, query.height];
    if (query.width) return [query.width, Math.max(1, Math.round((query.width * naturalHeight) / naturalWidth))];
    if (query.height) return [Math.max(1, Math.round((query.height * naturalWidth) / naturalHeight)), query.height];
    return fitSize(naturalWidth, naturalHeight, query.max_size);
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{preview}`,
      tags,
      summary: 'The whole dataset as one image (TiTiler /cog/preview[.{format}])',
      description: 'The path segment is `preview` or `preview.{format}`.',
      request: {
        params: params.extend({ preview: z.string().openapi({ example: 'preview.png' }) }),
        query: ImageQuery,
      },
      responses: { 200: binary('The image'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
    }),
    async (c) => {
      const query = c.req.valid('query') as ImageParams;
      const format = formatOf(segment(c, c.req.valid('param').preview, 'preview'));
      return withDataset(c, prefix, access(query), async (cog, source, opened) => {
        const planned = plan(cog, query);
        const [width, height] = sizeFor(query, cog.width, cog.height);
        const grid: Grid = { ...datasetGrid(cog, 0), width, height };
        return respondWithImage(c, cog, opened, format, planned, [width, height], (timings) =>
          renderGrid(cog, source, grid, {
            bands: planned.bands,
            resampling: query.resampling as Resampling,
            nodata: planned.nodata,
            timings,
          }),
        );
      });
    },
  );

  const renderPart = (
    c: Context<AppEnv>,
    query: ImageParams & { coord_crs?: string; dst_crs?: string },
    bbox: [number, number, number, number],
    format: ImageFormat,
    size: [number, number] | null,
    polygons?: Polygons,
  ) =>
    withDataset(c, prefix, access(query), async (cog, source, opened) => {
      const planned = plan(cog, query);
      const coordProj = proj4ForCrs(query.coord_crs ?? 'EPSG:4326');
      const dstProj = query.dst_crs ? proj4ForCrs(query.dst_crs) : coordProj;
      const bounds = dstProj === coordProj ? bbox : transformBounds(bbox, transformer(coordProj, dstProj));
      if (!bounds || !(bounds[0] < bounds[2] && bounds[1] < bounds[3]))
        throw new ApiError(400, 'validation-error', 'The bbox must have minx < maxx and miny < maxy.');
      const extent = boundsIn(cog, dstProj);
      if (
        !extent ||
        bounds[0] >= extent[2] ||
        bounds[2] <= extent[0] ||
        bounds[1] >= extent[3] ||
        bounds[3] <= extent[1]
      ) {
        throw new ApiError(404, 'not-found', 'The area lies outside the dataset.');
      }
      const natural = naturalResolution(cog, dstProj);
      const [width, height] =
        size ??
        sizeFor(
          query,
          Math.max(1, Math.round((bounds[2] - bounds[0]) / natural)),
          Math.max(1, Math.round((bounds[3] - bounds[1]) / natural)),
        );
      const grid: Grid = { proj4: dstProj, bounds, width, height };
      return respondWithImage(c, cog, opened, format, planned, [width, height], async (timings) => {
        const block = await renderGrid(cog, source, grid, {
          bands: planned.bands,
          resampling: query.resampling as Resampling,
          nodata: planned.nodata,
          timings,
        });
        if (polygons) {
          const inside = rasterize(
            dstProj === coordProj
              ? polygons
              : polygons.map((p) => p.map((r) => r.map(([px, py]) => transformer(coordProj, dstProj)(px!, py!)))),
            grid,
          );
          for (let i = 0; i < inside.length; i++) if (!inside[i]) block.mask[i] = 0;
        }
        return block;
      });
    });

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/bbox/{bbox}/{size}`,
      tags,
      summary:
        'An area as an image, size given (TiTiler /cog/bbox/{minx},{miny},{maxx},{maxy}/{width}x{height}.{format})',
      request: {
        params: params.extend({
          bbox: z.string().openapi({ example: '-61,72,-60,73' }),
          size: z
            .string()
            .regex(/^(\d{1,4})x(\d{1,4})\.([a-z]+)$/)
            .openapi({ example: '512x512.png' }),
        }),
        query: ImageQuery.extend({
          coord_crs: z.string().max(128).default('EPSG:4326'),
          dst_crs: z.string().max(128).optional(),
        }),
      },
      responses: { 200: binary('The image'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const [, w, h, f] = /^(\d{1,4})x(\d{1,4})\.([a-z]+)$/.exec(p.size)!;
      const size: [number, number] = [Number(w), Number(h)];
      if (size[0] < 1 || size[1] < 1 || size[0] > 4096 || size[1] > 4096)
        throw new ApiError(400, 'validation-error', 'width and height are 1 to 4096.');
      return renderPart(c, c.req.valid('query') as ImageParams, parseBbox(p.bbox), formatOf(f), size);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/bbox/{bbox}`,
      tags,
      summary: 'An area as an image (TiTiler /cog/bbox/{minx},{miny},{maxx},{maxy}.{format})',
      request: {
        params: params.extend({ bbox: z.string().openapi({ example: '-61,72,-60,73.png' }) }),
        query: ImageQuery.extend({
          coord_crs: z.string().max(128).default('EPSG:4326'),
          dst_crs: z.string().max(128).optional(),
        }),
      },
      responses: { 200: binary('The image'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
    }),
    async (c) => {
      const match = /^(.*)\.([a-z]+)$/.exec(c.req.valid('param').bbox);
      if (!match)
        throw new ApiError(400, 'validation-error', 'The path is /bbox/{minx},{miny},{maxx},{maxy}.{format}.');
      return renderPart(c, c.req.valid('query') as ImageParams, parseBbox(match[1]!), formatOf(match[2]), null);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: `${base}/{feature}`,
      tags,
      summary: 'The area of a GeoJSON Feature as an image, masked outside it (TiTiler /cog/feature[.{format}])',
      description: 'The path segment is `feature` or `feature.{format}`.',
      request: {
        params: params.extend({ feature: z.string().openapi({ example: 'feature.png' }) }),
        query: ImageQuery.extend({
          coord_crs: z.string().max(128).default('EPSG:4326'),
          dst_crs: z.string().max(128).optional(),
        }),
        body: { required: true, content: { 'application/json': { schema: GeoJsonInput } } },
      },
      responses: { 200: binary('The image'), ...errors(400, 401, 404, 413) },
    }),
    async (c) => {
      const features = featuresOf(c.req.valid('json') as Record<string, unknown>);
      if (features.length !== 1) throw new ApiError(400, 'validation-error', 'Send exactly one Feature.');
      const { polygons } = features[0]!;
      const format = formatOf(segment(c, c.req.valid('param').feature, 'feature'));
      return renderPart(c, c.req.valid('query') as ImageParams, polygonBounds(polygons), format, null, polygons);
    },
  );
}

/** Zooms worth asking: from the coarsest overview's to the native resolution's. */
function zoomRange(cog: Cog, tms: TileMatrixSet): { minzoom: number; maxzoom: number } {
  if (!boundsIn(cog, tms.proj4)) return { minzoom: 0, maxzoom: tms.maxZoom };
  const natural = naturalResolution(cog, tms.proj4);
  const coarsest = cog.levels[cog.levels.length - 1]!;
  const maxzoom = zoomForResolution(tms, natural);
  const minzoom = Math.min(maxzoom, zoomForResolution(tms, natural * (cog.width / coarsest.width)));
  return { minzoom, maxzoom };
}

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);

function wmtsCapabilities(
  cog: Cog,
  tms: TileMatrixSet,
  template: string,
  format: ImageFormat,
  zooms: { minzoom: number; maxzoom: number },
): string {
  const document = tileMatrixSetDocument(tms);
  const [w, s, e, n] = boundsIn(cog, 'EPSG:4326') ?? [-180, -90, 180, 90];
  const crsUrn = tms.id === 'WebMercatorQuad' ? 'urn:ogc:def:crs:EPSG::3857' : 'urn:ogc:def:crs:OGC:1.3:CRS84';
  const matrices = document.tileMatrices
    .slice(zooms.minzoom, zooms.maxzoom + 1)
    .map(
      (m) => `
      <TileMatrix>
        <ows:Identifier>${m.id}</ows:Identifier>
        <ScaleDenominator>${m.scaleDenominator}</ScaleDenominator>
        <TopLeftCorner>${tms.id === 'WorldCRS84Quad' ? `${m.pointOfOrigin[0]} ${m.pointOfOrigin[1]}` : `${m.pointOfOrigin[0]} ${m.pointOfOrigin[1]}`}</TopLeftCorner>
        <TileWidth>${m.tileWidth}</TileWidth>
        <TileHeight>${m.tileHeight}</TileHeight>
        <MatrixWidth>${m.matrixWidth}</MatrixWidth>
        <MatrixHeight>${m.matrixHeight}</MatrixHeight>
      </TileMatrix>`,
    )
    .join('');
  const mime = format === 'npy' ? 'application/x-binary' : `image/${format}`;
  const title = escapeXml(cog.key.split('/').pop() ?? 'dataset');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">
  <ows:ServiceIdentification>
    <ows:Title>edge-tiles</ows:Title>
    <ows:ServiceType>OGC WMTS</ows:ServiceType>
    <ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
  </ows:ServiceIdentification>
  <Contents>
    <Layer>
      <ows:Title>${title}</ows:Title>
      <ows:Identifier>default</ows:Identifier>
      <ows:WGS84BoundingBox crs="urn:ogc:def:crs:OGC:2:84">
        <ows:LowerCorner>${w} ${s}</ows:LowerCorner>
        <ows:UpperCorner>${e} ${n}</ows:UpperCorner>
      </ows:WGS84BoundingBox>
      <Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
      <Format>${mime}</Format>
      <TileMatrixSetLink><TileMatrixSet>${tms.id}</TileMatrixSet></TileMatrixSetLink>
      <ResourceURL format="${mime}" resourceType="tile" template="${escapeXml(template)}"/>
    </Layer>
    <TileMatrixSet>
      <ows:Identifier>${tms.id}</ows:Identifier>
      <ows:SupportedCRS>${crsUrn}</ows:SupportedCRS>${matrices}
    </TileMatrixSet>
  </Contents>
</Capabilities>`;
}

mount('/cog');
mount('/data-products/{dataProductId}');

router.openapi(
  createRoute({
    method: 'get',
    path: '/tileMatrixSets',
    tags: ['raster (by key)'],
    summary: 'The TileMatrixSets tiles can be asked in',
    responses: {
      200: jsonResponse(TileMatrixSets, 'TileMatrixSets'),
    },
  }),
  (c) => {
    const origin = new URL(c.req.url).origin;
    return c.json(
      {
        tileMatrixSets: Object.values(TILE_MATRIX_SETS).map((t) => ({
          id: t.id,
          title: t.title,
          uri: t.uri,
          crs: t.crs,
          links: [
            {
              href: `${origin}/tileMatrixSets/${t.id}`,
              rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme',
              type: 'application/json',
            },
          ],
        })),
      },
      200,
    );
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/tileMatrixSets/{tileMatrixSetId}',
    tags: ['raster (by key)'],
    summary: 'One TileMatrixSet (OGC 2.0 JSON)',
    request: { params: z.object({ tileMatrixSetId: z.string() }) },
    responses: { 200: jsonResponse(TileMatrixSetDocument, 'TileMatrixSet'), ...errors(404) },
  }),
  (c) => c.json(tileMatrixSetDocument(tmsOf(c.req.valid('param').tileMatrixSetId)), 200),
);

export default router;
