import { Container } from '@cloudflare/containers';
import type { Bindings } from '../workers/platform/env';

/**
 * The GDAL converter as a Cloudflare Container (production): one instance per job, started on the
 * Job's first request and put to sleep when idle. Its image is `containers/converter/Dockerfile`.
 * In dev and tests it is not used: the same server runs as a local process at CONVERTER_URL.
 */
export class Converter extends Container<Bindings> {
  override defaultPort = 8080;
  override sleepAfter = '15m';

  constructor(ctx: DurableObjectState<Record<string, never>>, env: Bindings) {
    super(ctx, env);
    this.envVars = { CONVERTER_SECRET: env.CONVERTER_SECRET ?? '', DATABASE_URL: env.DATABASE_URL, PORT: '8080' };
  }
}
