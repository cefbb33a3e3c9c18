import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, Bindings } from './env';
import { withDatabase } from './db/client';
import { pruneAuthRecords } from './auth/housekeeping';
import { createRouter } from './http/openapi';
import { notFound, onError } from './http/problem';
import { database, limitBody } from './http/middleware';
import { corsAllowList } from './http/cors';
import { appTiming } from './http/server-timing';
import { securityHeaders } from './http/security-headers';
import { authenticate } from './auth/middleware';
import { REVOKING_WRITES, revokesAccess } from './auth/grants';
import { mountDocs } from './routes/docs';
import health from './routes/health';
import auth from './routes/auth';
import users from './routes/users';
import apiKeys from './routes/api-keys';
import teams from './routes/teams';
import projects from './routes/projects';
import flights from './routes/flights';
import dataProducts from './routes/data-products';
import cog from './routes/cog';
import pmtiles from './routes/pmtiles';
import vector from './routes/vector';
import features from './routes/features';
import stac from './routes/stac';
import uploads from './routes/uploads';
import jobs from './routes/jobs';

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
    pmtiles,
    vector,
    features,
    stac,
    uploads,
    jobs,
  ])
    app.route('/', routes);
  mountDocs(app);
  return app;
}

const app = createApp();

export { UploadSession } from '../durable-objects/upload-session';
export { Job } from '../durable-objects/job';
export { Converter } from '../durable-objects/converter';

export default {
  fetch: app.fetch,
  /** Hourly housekeeping (the cron triggers in wrangler.toml). */
  async scheduled(_controller, env) {
    const pruned = await withDatabase({ url: env.DATABASE_URL, driver: env.DB_DRIVER }, pruneAuthRecords);
    console.log('housekeeping', JSON.stringify(pruned));
  },
} satisfies ExportedHandler<Bindings>;
