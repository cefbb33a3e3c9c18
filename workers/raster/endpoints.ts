import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../platform/env';
import type { Dataset } from './dataset';
import { infoEndpoint, infoGeoJsonEndpoint } from './info-endpoints';
import { tileEndpoint, tileJsonEndpoint, wmtsEndpoint } from './map-endpoints';
import { featureStatisticsEndpoint, pointEndpoint, statisticsEndpoint } from './analysis-endpoints';
import { areaEndpoint, featureEndpoint, previewEndpoint, sizedAreaEndpoint } from './image-endpoints';

/**
 * TiTiler's raster endpoints, built for each way a dataset is found. In this order: `/{preview}`
 * and `/{feature}` take any segment the others have not.
 */
const ENDPOINTS: Array<(router: OpenAPIHono<AppEnv>, dataset: Dataset) => void> = [
  infoEndpoint,
  infoGeoJsonEndpoint,
  tileEndpoint,
  tileJsonEndpoint,
  wmtsEndpoint,
  pointEndpoint,
  statisticsEndpoint,
  featureStatisticsEndpoint,
  previewEndpoint,
  sizedAreaEndpoint,
  areaEndpoint,
  featureEndpoint,
];

/** Adds TiTiler's raster endpoints for datasets found as `dataset` says. */
export function rasterEndpoints(router: OpenAPIHono<AppEnv>, dataset: Dataset): void {
  for (const endpoint of ENDPOINTS) endpoint(router, dataset);
}
