// `npm run dev`: installs what is missing (PostgreSQL + PostGIS, GDAL), migrates and seeds the
// local database and bucket, starts wrangler dev and prints where to go. Ctrl-C stops it.
import { log } from './lib/system';
import { DEV_DIR, ROOT } from './lib/dev-env';
import { prepareStack, startSeededWorker, stopStack, stopWorker, type StackOptions } from './lib/stack';
import { buildWeb, watchWeb } from './lib/web';

const options: StackOptions = {
  // DEV_DATABASE: another local database, for a second checkout's stack beside this one (with PORT).
  database: process.env.DEV_DATABASE ?? 'edge_tiles',
  databaseUrl: process.env.DATABASE_URL,
  envName: 'dev',
  persistTo: `${ROOT}.wrangler/state`,
  port: Number(process.env.PORT ?? 8787),
  seedFile: `${DEV_DIR}/seed.json`,
};

buildWeb();
const stack = await prepareStack(options);
const web = watchWeb();
const worker = await startSeededWorker(stack, options);
const { seed } = stack;
log(`ready: ${stack.baseUrl}/app/
  web app        ${stack.baseUrl}/app/ (rebuilt on every change under web/: reload the page)
  API docs       ${stack.baseUrl}/docs
  OpenAPI        ${stack.baseUrl}/openapi.json
  health         ${stack.baseUrl}/health
  converter      ${stack.converter.url} (GDAL, local process)
  admin          ${seed.admin.email} / ${seed.admin.password}
  user           ${seed.user.email} / ${seed.user.password}
  demo project   ${seed.demoProjectId}
  everything (API keys, data product ids) is in .dev/seed.json`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(
    signal,
    () =>
      void stopWorker(worker)
        .then(() => web.kill())
        .then(() => stopStack(stack))
        .then(() => process.exit(0)),
  );
}
worker.on('exit', (code) => void stopStack(stack).then(() => process.exit(code ?? 0)));
