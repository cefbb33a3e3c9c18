import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { errors } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { serveRendering } from '../platform/tiles/pipeline';
import type { Cog } from '../engines/raster/cog';
import { renderGrid, type Timings } from '../engines/raster/tile';
import type { ImageFormat } from '../engines/raster/image';
import { renderBytesPerPixel } from '../engines/raster/render';
import { datasetGrid, polygonBounds, rasterize, type Polygons } from '../engines/raster/analysis';
import { assertPixels } from '../engines/raster/budget';
import { proj4ForCrs } from '../engines/raster/crs';
import { boundsIn, naturalResolution, transformBounds, transformer, type Grid } from '../engines/raster/warp';
import type { Block } from '../engines/raster/read';
import { withDataset, type Dataset, type Opened } from './dataset';
import { CogRenderer } from './cog-tiles';
import {
  AreaQuery,
  ImageQuery,
  formatOf,
  parseBbox,
  plan,
  segment,
  sizeFor,
  takesStoredRescale,
  withStoredRescale,
  type ImageParams,
  type Plan,
} from './query';
import { GeoJsonInput, featuresOf } from './features-input';
import { binary } from './responses';

/** An image of the dataset through the rendering pipeline, its size checked against the budget first. */
function serveImage(
  c: Context<AppEnv>,
  cog: Cog,
  opened: Opened,
  image: { format: ImageFormat; planned: Plan; size: [number, number] },
  make: (timings: Timings) => Promise<Block | null>,
): Promise<Response> {
  const { format, planned, size } = image;
  const open = async () => {
    assertPixels(size[0], size[1], renderBytesPerPixel(cog, planned.bands, planned.render, format), 'The image is');
    return new CogRenderer(cog, opened);
  };
  return serveRendering(c, open, (renderer) => renderer.draw(format, planned, make), opened.started);
}

/**
 * `/preview[.{format}]` (TiTiler's): the whole dataset. A preview (a STAC item's thumbnail among
 * them) is asked for without parameters, so data that is not 8-bit is stretched over the ranges the
 * dataset stores (./query.ts, `withStoredRescale`) when the request names none. The ranges are read
 * only then; they change with the product's version, which is in the cache key.
 */
export function previewEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/{preview}`,
    tags: dataset.tags,
    summary: 'The whole dataset as one image (TiTiler /cog/preview[.{format}])',
    description: 'The path segment is `preview` or `preview.{format}`.',
    request: {
      params: dataset.path({ preview: z.string().openapi({ example: 'preview.png' }) }),
      query: dataset.query(ImageQuery),
    },
    responses: { 200: binary('The image'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
  });
  router.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const format = formatOf(segment(c.req.raw, c.req.valid('param').preview, 'preview'));
    return withDataset(c, dataset, query.token, async (cog, opened) => {
      const asked = plan(cog, query);
      // .npy carries the values themselves: no rescale applies, so none is looked up.
      const planned =
        format !== 'npy' && takesStoredRescale(asked, cog)
          ? withStoredRescale(asked, cog, await dataset.storedRanges(c, opened.grant, cog.bandCount))
          : asked;
      const size = sizeFor(query, cog.width, cog.height);
      const grid: Grid = { ...datasetGrid(cog, 0), width: size[0], height: size[1] };
      return serveImage(c, cog, opened, { format, planned, size }, (timings) =>
        renderGrid(cog, opened.source, grid, {
          bands: planned.bands,
          resampling: query.resampling,
          nodata: planned.nodata,
          timings,
        }),
      );
    });
  });
}

type AreaParams = ImageParams & { coord_crs: string; dst_crs?: string };

/** The area's bounds in the image's CRS, refused unless they overlap the dataset. */
function areaBounds(cog: Cog, bbox: [number, number, number, number], coordProj: string, dstProj: string) {
  const bounds = dstProj === coordProj ? bbox : transformBounds(bbox, transformer(coordProj, dstProj));
  if (!bounds || !(bounds[0] < bounds[2] && bounds[1] < bounds[3]))
    throw new ApiError(400, 'validation-error', 'The bbox must have minx < maxx and miny < maxy.');
  const extent = boundsIn(cog, dstProj);
  if (!extent || bounds[0] >= extent[2] || bounds[2] <= extent[0] || bounds[1] >= extent[3] || bounds[3] <= extent[1]) {
    throw new ApiError(404, 'not-found', 'The area lies outside the dataset.');
  }
  return bounds;
}

/** An area as an image: of `size`, or as `sizeFor` says; masked outside `polygons` if given. */
function serveArea(
  c: Context<AppEnv>,
  dataset: Dataset,
  query: AreaParams,
  area: { bbox: [number, number, number, number]; format: ImageFormat; size: [number, number] | null },
  polygons?: Polygons,
): Promise<Response> {
  return withDataset(c, dataset, query.token, async (cog, opened) => {
    const planned = plan(cog, query);
    const coordProj = proj4ForCrs(query.coord_crs);
    const dstProj = query.dst_crs ? proj4ForCrs(query.dst_crs) : coordProj;
    const bounds = areaBounds(cog, area.bbox, coordProj, dstProj);
    const natural = naturalResolution(cog, dstProj);
    const size =
      area.size ??
      sizeFor(
        query,
        Math.max(1, Math.round((bounds[2] - bounds[0]) / natural)),
        Math.max(1, Math.round((bounds[3] - bounds[1]) / natural)),
      );
    const grid: Grid = { proj4: dstProj, bounds, width: size[0], height: size[1] };
    return serveImage(c, cog, opened, { format: area.format, planned, size }, async (timings) => {
      const block = await renderGrid(cog, opened.source, grid, {
        bands: planned.bands,
        resampling: query.resampling,
        nodata: planned.nodata,
        timings,
      });
      if (polygons) {
        const toImage = transformer(coordProj, dstProj);
        const projected =
          dstProj === coordProj ? polygons : polygons.map((p) => p.map((r) => r.map(([px, py]) => toImage(px!, py!))));
        const inside = rasterize(projected, grid);
        for (let i = 0; i < inside.length; i++) if (!inside[i]) block.mask[i] = 0;
      }
      return block;
    });
  });
}

const SIZED = /^(\d{1,4})x(\d{1,4})\.([a-z]+)$/;

/** `/bbox/{minx},{miny},{maxx},{maxy}/{width}x{height}.{format}` (TiTiler's). */
export function sizedAreaEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/bbox/{bbox}/{size}`,
    tags: dataset.tags,
    summary:
      'An area as an image, size given (TiTiler /cog/bbox/{minx},{miny},{maxx},{maxy}/{width}x{height}.{format})',
    request: {
      params: dataset.path({
        bbox: z.string().openapi({ example: '-61,72,-60,73' }),
        size: z.string().regex(SIZED).openapi({ example: '512x512.png' }),
      }),
      query: dataset.query(AreaQuery),
    },
    responses: { 200: binary('The image'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
  });
  router.openapi(route, async (c) => {
    const p = c.req.valid('param');
    const [, w, h, f] = SIZED.exec(p.size)!;
    const size: [number, number] = [Number(w), Number(h)];
    if (size[0] < 1 || size[1] < 1 || size[0] > 4096 || size[1] > 4096)
      throw new ApiError(400, 'validation-error', 'width and height are 1 to 4096.');
    return serveArea(c, dataset, c.req.valid('query'), { bbox: parseBbox(p.bbox), format: formatOf(f), size });
  });
}

/** `/bbox/{minx},{miny},{maxx},{maxy}.{format}` (TiTiler's). */
export function areaEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/bbox/{bbox}`,
    tags: dataset.tags,
    summary: 'An area as an image (TiTiler /cog/bbox/{minx},{miny},{maxx},{maxy}.{format})',
    request: {
      params: dataset.path({ bbox: z.string().openapi({ example: '-61,72,-60,73.png' }) }),
      query: dataset.query(AreaQuery),
    },
    responses: { 200: binary('The image'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
  });
  router.openapi(route, async (c) => {
    const match = /^(.*)\.([a-z]+)$/.exec(c.req.valid('param').bbox);
    if (!match) throw new ApiError(400, 'validation-error', 'The path is /bbox/{minx},{miny},{maxx},{maxy}.{format}.');
    const area = { bbox: parseBbox(match[1]!), format: formatOf(match[2]), size: null };
    return serveArea(c, dataset, c.req.valid('query'), area);
  });
}

/** POST `/feature[.{format}]` (TiTiler's): the feature's area, masked outside it. */
export function featureEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'post',
    path: `${dataset.base}/{feature}`,
    tags: dataset.tags,
    summary: 'The area of a GeoJSON Feature as an image, masked outside it (TiTiler /cog/feature[.{format}])',
    description: 'The path segment is `feature` or `feature.{format}`.',
    request: {
      params: dataset.path({ feature: z.string().openapi({ example: 'feature.png' }) }),
      query: dataset.query(AreaQuery),
      body: { required: true, content: { 'application/json': { schema: GeoJsonInput } } },
    },
    responses: { 200: binary('The image'), ...errors(400, 401, 404, 413) },
  });
  router.openapi(route, async (c) => {
    const features = featuresOf(c.req.valid('json'));
    if (features.length !== 1) throw new ApiError(400, 'validation-error', 'Send exactly one Feature.');
    const { polygons } = features[0]!;
    const format = formatOf(segment(c.req.raw, c.req.valid('param').feature, 'feature'));
    const area = { bbox: polygonBounds(polygons), format, size: null };
    return serveArea(c, dataset, c.req.valid('query'), area, polygons);
  });
}
