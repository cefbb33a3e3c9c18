// `npm run stac:load -- file.ndjson [--collection id]`: bulk-loads STAC Collections and Items (one JSON
// document per line) into DATABASE_URL, or the local dev database. For migrations and benchmarks.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createDatabase } from '../workers/platform/db/client';
import { prepareDatabase } from './lib/postgres';
import { loadStac } from './lib/stac-load';
import { fail, log } from './lib/system';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { collection: { type: 'string' } } });
if (positionals.length !== 1) fail('usage: npm run stac:load -- file.ndjson [--collection id]');
const url = await prepareDatabase('edge_tiles', { explicitUrl: process.env.DATABASE_URL });
const handle = createDatabase({ url, driver: 'pg' });
try {
  const lines = createInterface({ input: createReadStream(positionals[0]!), crlfDelay: Infinity });
  const result = await loadStac(handle.db, lines, {
    collection: values.collection,
    progress: (n) => {
      if (n % 50_000 === 0) log(`${n} items`);
    },
  });
  log(
    `loaded ${result.collections} collections and ${result.items} items in ${result.seconds.toFixed(1)} s (${Math.round(result.items / result.seconds)} items/s)`,
  );
} catch (error) {
  fail((error as Error).message);
} finally {
  await handle.close();
}
