import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../platform/env';
import { errors, jsonResponse } from '../platform/http/openapi';
import { cogInfo } from '../engines/raster/info';
import { boundsIn } from '../engines/raster/warp';
import { withDataset, type Dataset } from './dataset';
import { DatasetQuery } from './query';
import { CogInfo, CogInfoFeature } from './schemas';

/** `/info` (TiTiler's). */
export function infoEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/info`,
    tags: dataset.tags,
    summary: 'Dataset metadata (TiTiler /cog/info)',
    request: { params: dataset.path({}), query: dataset.query(DatasetQuery.pick({ token: true })) },
    responses: { 200: jsonResponse(CogInfo, 'Info'), ...errors(400, 401, 404) },
  });
  router.openapi(route, async (c) =>
    c.json(await withDataset(c, dataset, c.req.valid('query').token, async (cog) => cogInfo(cog)), 200),
  );
}

/** `/info.geojson`: the footprint as a Feature whose properties are the info. */
export function infoGeoJsonEndpoint(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  const route = createRoute({
    method: 'get',
    path: `${dataset.base}/info.geojson`,
    tags: dataset.tags,
    summary: 'Dataset metadata as a GeoJSON Feature of its footprint',
    request: { params: dataset.path({}), query: dataset.query(DatasetQuery.pick({ token: true })) },
    responses: {
      200: { description: 'Feature', content: { 'application/geo+json': { schema: CogInfoFeature } } },
      ...errors(400, 401, 404),
    },
  });
  router.openapi(route, async (c) => {
    const feature = await withDataset(c, dataset, c.req.valid('query').token, async (cog) => {
      const [w, s, e, n] = boundsIn(cog, 'EPSG:4326') ?? [0, 0, 0, 0];
      const ring = [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ];
      return {
        type: 'Feature',
        bbox: [w, s, e, n],
        geometry: { type: 'Polygon', coordinates: [ring] },
        properties: cogInfo(cog),
      } satisfies CogInfoFeature;
    });
    return c.json(feature, 200, { 'content-type': 'application/geo+json' });
  });
}
