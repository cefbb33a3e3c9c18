// The API as one Hono app: middleware, then every area's routes. workers/index.ts serves it; scripts
// import it to write the OpenAPI document the web app's client is typed from.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './platform/env';
import { createRouter } from './platform/http/openapi';
import { notFound, onError } from './platform/http/problem';
import { database, limitBody } from './platform/http/middleware';
import { corsAllowList } from './platform/http/cors';
import { appTiming } from './platform/http/server-timing';
import { securityHeaders } from './platform/http/security-headers';
import { authenticate } from './platform/auth/middleware';
import { REVOKING_WRITES, revokesAccess } from './platform/auth/grants';
import { mountDocs } from './service/docs-routes';
import health from './service/health-routes';
import auth from './accounts/auth-routes';
import users from './accounts/users-routes';
import apiKeys from './accounts/api-keys-routes';
import teams from './teams/routes';
import projects from './projects/routes';
import flights from './flights/routes';
import dataProducts from './data-products/routes';
import cog from './raster/routes';
import colorMaps from './raster/colormap-routes';
import pmtiles from './pmtiles/routes';
import vector from './vector/routes';
import features from './features/routes';
import stac from './catalog/routes';
import uploads from './uploads/routes';
import jobs from './jobs/routes';
import shares from './shares/routes';
import webApp from './service/app-routes';

export function createApp(): OpenAPIHono<AppEnv> {
  const app = createRouter();
  app.onError(onError);
  app.notFound(notFound);
  app.use('*', securityHeaders, appTiming, corsAllowList, limitBody, database, authenticate);
  for (const [methods, path] of REVOKING_WRITES) app.on(methods, path, revokesAccess);
  for (const routes of [
    health,
    auth,
    users,
    apiKeys,
    teams,
    projects,
    flights,
    dataProducts,
    cog,
    colorMaps,
    pmtiles,
    vector,
    features,
    stac,
    uploads,
    jobs,
    shares,
    webApp,
  ])
    app.route('/', routes);
  mountDocs(app);
  return app;
}
