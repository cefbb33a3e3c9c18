// `npm run dev`: installs what is missing (PostgreSQL + PostGIS, GDAL), migrates and seeds the
// local database and bucket, starts wrangler dev and prints where to go. Ctrl-C stops it.
import { log } from './lib/system';
import { DEV_DIR, ROOT } from './lib/dev-env';
import { prepareStack, startSeededWorker, stopStack, stopWorker, type StackOptions } from './lib/stack';

const options: StackOptions = {
  database: 'edge_tiles',
  databaseUrl: process.env.DATABASE_URL,
  envName: 'dev',
  persistTo: `${ROOT}.wrangler/state`,
  port: Number(process.env.PORT ?? 8787),
  seedFile: `${DEV_DIR}/seed.json`,
};

const stack = await prepareStack(options);
const worker = await startSeededWorker(stack, options);
const { seed } = stack;
log(`ready: ${stack.baseUrl}
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
        .then(() => stopStack(stack))
        .then(() => process.exit(0)),
  );
}
worker.on('exit', (code) => void stopStack(stack).then(() => process.exit(code ?? 0)));
