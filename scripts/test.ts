// `npm test`: every suite. Unit tests run inside workerd (vitest-pool-workers); integration tests
// run in Node against a real `wrangler dev` on a fresh, migrated, seeded PostgreSQL database.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { log } from './lib/system';
import { DEV_DIR, ROOT } from './lib/dev-env';
import { freePort, prepareStack, startWorker, stopWorker, type StackOptions } from './lib/stack';

function vitest(config: string, env: NodeJS.ProcessEnv = {}): number {
  const result = spawnSync(`${ROOT}node_modules/.bin/vitest`, ['run', '--config', config], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

const options: StackOptions = {
  database: 'edge_tiles_test',
  databaseUrl: process.env.TEST_DATABASE_URL,
  fresh: true,
  envName: 'test',
  persistTo: `${ROOT}.wrangler/test-state`,
  port: await freePort(),
  seedFile: `${DEV_DIR}/seed.test.json`,
};

rmSync(options.persistTo, { recursive: true, force: true });
const stack = await prepareStack(options);

log('unit tests (workerd)');
const unit = vitest('test/unit/vitest.config.mts');

log(`integration tests against wrangler dev at ${stack.baseUrl}`);
const worker = await startWorker(stack, options, process.env.CI ? 'ignore' : 'inherit');
let integration = 1;
try {
  integration = vitest('test/integration/vitest.config.mts', { EDGE_TILES_SEED: options.seedFile });
} finally {
  await stopWorker(worker);
}

log(`unit: ${unit === 0 ? 'passed' : 'FAILED'}, integration: ${integration === 0 ? 'passed' : 'FAILED'}`);
process.exit(unit === 0 && integration === 0 ? 0 : 1);
