import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errors, jsonResponse } from '../platform/http/openapi';
import { TILE_MATRIX_SETS, tileMatrixSetDocument } from '../engines/raster/tms';
import { tmsOf } from './query';
import { TileMatrixSetDocument, TileMatrixSets } from './schemas';
import { byDataProduct, byKey } from './dataset';
import { rasterEndpoints } from './endpoints';

const router = createRouter();
for (const dataset of [byKey, byDataProduct]) rasterEndpoints(router, dataset);

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
