import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../platform/env';
import { errors, jsonResponse } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { serveTile } from '../platform/tiles/pipeline';
import { assertPixels } from '../engines/raster/budget';
import { renderBytesPerPixel } from '../engines/raster/render';
import { isValidTile } from '../engines/raster/tms';
import { withDataset, type Dataset } from './dataset';
import { CogTiles } from './cog-tiles';
import { RenderQuery, extensionOf, formatOf, plan, tmsOf } from './query';
import { binary } from './responses';
import { TileJSON } from '../platform/http/tilejson';
import { wmtsCapabilities, zoomRange } from './wmts';

const TILE_PATH = /^(\d+)(?:@([1-4])x)?(?:\.([a-z]+))?$/;

/** `/tiles/{tileMatrixSetId}/{z}/{x}/{y}[@{scale}x][.{format}]` (TiTiler's tiles endpoint). */
export function tileEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/tiles/{tileMatrixSetId}/{z}/{x}/{y}`,
    tags: dataset.tags,
    summary: 'A map tile (TiTiler /cog/tiles)',
    description:
      '`y` may carry a scale and a format: `{y}@2x.png`. Formats: png (default), jpg/jpeg, webp, npy (values ' +
      'then mask). Tiles wholly outside the dataset are 404 so map clients over-zoom.',
    request: {
      params: dataset.path({
        tileMatrixSetId: z.string().openapi({ example: 'WebMercatorQuad' }),
        z: z.string().regex(/^\d{1,3}$/),
        x: z.string().regex(/^\d{1,10}$/),
        y: z.string().regex(TILE_PATH).openapi({ example: '1234@2x.png' }),
      }),
      query: dataset.query(
        RenderQuery.extend({
          tilesize: z.enum(['256', '512']).optional(),
          buffer: z.coerce.number().int().min(0).max(64).default(0),
          padding: z.coerce.number().int().min(0).max(64).default(0).openapi({
            description: 'Extra source pixels read around the tile for resampling (the kernel margin is always read)',
          }),
        }),
      ),
    },
    responses: { 200: binary('The tile'), 304: { description: 'Not modified' }, ...errors(400, 401, 404) },
  });
  router.openapi(route, async (c) => {
    const path = c.req.valid('param');
    const query = c.req.valid('query');
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
    return withDataset(c, dataset, query.token, async (cog, opened) => {
      const planned = plan(cog, query);
      const side = size + 2 * query.buffer;
      const open = async () => {
        assertPixels(side, side, renderBytesPerPixel(cog, planned.bands, planned.render, format), 'The image is');
        return new CogTiles(cog, opened, tms);
      };
      const params = {
        format,
        planned,
        size,
        buffer: query.buffer,
        padding: query.padding,
        resampling: query.resampling,
      };
      return serveTile(c, open, { z, x, y }, params, opened.started);
    });
  });
}

/** The tiles' URL template for a client: this request's path and parameters, its own taken out and `add` put in. */
function tilesTemplate(
  url: URL,
  document: RegExp,
  tail: string,
  own: string[],
  add: Record<string, string> = {},
): string {
  const search = new URLSearchParams(url.searchParams);
  for (const name of own) search.delete(name);
  for (const [name, value] of Object.entries(add)) search.set(name, value);
  const query = search.toString();
  return `${url.origin}${url.pathname.replace(document, '')}${tail}${query ? `?${query}` : ''}`;
}

/**
 * `/{tileMatrixSetId}/tilejson.json`. Its tiles are 512 px unless asked otherwise (TiTiler 2's
 * default, `tilesize`); a client that names only `tile_scale` (TiTiler 1's) gets 256 × scale, as it
 * did. The document says how big they are in `tileSize`, which MapLibre reads for a raster source
 * (without it, it assumes 512 and would draw 256-px tiles at half their resolution).
 */
export function tileJsonEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/{tileMatrixSetId}/tilejson.json`,
    tags: dataset.tags,
    summary: 'TileJSON 3.0 for a map client',
    request: {
      params: dataset.path({ tileMatrixSetId: z.string() }),
      query: dataset.query(
        RenderQuery.extend({
          tile_format: z.string().optional(),
          tilesize: z.enum(['256', '512']).optional().openapi({
            description:
              'Pixels a side of the tiles (before tile_scale): 512 by default, 256 when only tile_scale is given',
          }),
          tile_scale: z.coerce.number().int().min(1).max(4).optional().openapi({
            description: 'Tiles of tilesize × tile_scale pixels, asked as {y}@{scale}x (TiTiler 1)',
          }),
          minzoom: z.coerce.number().int().min(0).max(30).optional(),
          maxzoom: z.coerce.number().int().min(0).max(30).optional(),
        }),
      ),
    },
    responses: { 200: jsonResponse(TileJSON, 'TileJSON'), ...errors(400, 401, 404) },
  });
  router.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const tms = tmsOf(c.req.valid('param').tileMatrixSetId);
    const format = query.tile_format ? formatOf(query.tile_format) : null;
    const tilesize = query.tilesize ?? (query.tile_scale === undefined ? '512' : '256');
    const scale = query.tile_scale ?? 1;
    const suffix = `${scale > 1 ? `@${scale}x` : ''}${format ? `.${extensionOf(format)}` : ''}`;
    const template = tilesTemplate(
      new URL(c.req.url),
      /\/[^/]+\/tilejson\.json$/,
      `/tiles/${tms.id}/{z}/{x}/{y}${suffix}`,
      ['tile_format', 'tile_scale', 'tilesize', 'minzoom', 'maxzoom'],
      // 256 is the tile endpoint's own default: its URLs stay as TiTiler 1 clients knew them.
      tilesize === '256' ? {} : { tilesize },
    );
    const tilejson = await withDataset(c, dataset, query.token, async (cog, opened) => {
      plan(cog, query);
      const tiles = new CogTiles(cog, opened, tms);
      const document = await tiles.tileJson(template);
      // The client's zooms, if it names them, and the centre at the coarsest of them.
      const minzoom = query.minzoom ?? tiles.minzoom;
      const [lon = 0, lat = 0] = document.center ?? [];
      return { ...document, minzoom, maxzoom: query.maxzoom ?? tiles.maxzoom, center: [lon, lat, minzoom] };
    });
    return c.json({ ...tilejson, tileSize: Number(tilesize) * scale }, 200);
  });
}

/** `/{tileMatrixSetId}/WMTSCapabilities.xml`, for QGIS and GDAL. */
export function wmtsEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/{tileMatrixSetId}/WMTSCapabilities.xml`,
    tags: dataset.tags,
    summary: 'OGC WMTS 1.0 capabilities (for QGIS and GDAL)',
    request: {
      params: dataset.path({ tileMatrixSetId: z.string() }),
      query: dataset.query(RenderQuery.extend({ tile_format: z.string().optional() })),
    },
    responses: {
      200: { description: 'Capabilities', content: { 'application/xml': { schema: z.string() } } },
      ...errors(400, 401, 404),
    },
  });
  router.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const tms = tmsOf(c.req.valid('param').tileMatrixSetId);
    const format = formatOf(query.tile_format);
    const template = tilesTemplate(
      new URL(c.req.url),
      /\/[^/]+\/WMTSCapabilities\.xml$/,
      `/tiles/${tms.id}/{TileMatrix}/{TileCol}/{TileRow}.${extensionOf(format)}`,
      ['tile_format'],
    );
    const xml = await withDataset(c, dataset, query.token, async (cog) => {
      plan(cog, query);
      return wmtsCapabilities(cog, tms, template, format, zoomRange(cog, tms));
    });
    return c.body(xml, 200, { 'content-type': 'application/xml' });
  });
}
