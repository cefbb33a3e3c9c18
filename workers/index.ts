import type { Bindings } from './platform/env';
import { withDatabase } from './platform/db/client';
import { pruneAuthRecords } from './platform/auth/housekeeping';
import { createApp } from './app';

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
