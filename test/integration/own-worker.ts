import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  crashWorker,
  freePort,
  resendOnRestart,
  startWorker,
  stopWorker,
  type StackOptions,
} from '../../scripts/lib/stack';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * A `wrangler dev` of a test's own, on its own state, that the test may kill with SIGKILL and
 * start again on the same state (a crash of the server). Its env file is the suite's plus `extra`.
 */
export class OwnWorker {
  baseUrl = '';
  private child: ChildProcess | null = null;
  private readonly options: StackOptions;
  private readonly envFile: string;

  constructor(
    name: string,
    private readonly extra: Record<string, string> = {},
  ) {
    this.options = {
      database: 'unused',
      envName: 'unused',
      persistTo: `${ROOT}.wrangler/${name}-state`,
      port: 0,
      seedFile: 'unused',
    };
    this.envFile = `${ROOT}.dev/${name}.env`;
  }

  async start(): Promise<void> {
    if (!this.options.port) {
      this.options.port = await freePort();
      this.baseUrl = `http://127.0.0.1:${this.options.port}`;
      rmSync(this.options.persistTo, { recursive: true, force: true });
      // The suite's settings, but this Worker's own public URL (its jobs call it back, not the
      // suite's) and the test's own settings in place of the suite's.
      const settings: Record<string, string> = { PUBLIC_BASE_URL: this.baseUrl, ...this.extra };
      const suite = readFileSync(process.env.EDGE_TILES_ENV_FILE ?? `${ROOT}.dev/dev.env`, 'utf8')
        .trimEnd()
        .split('\n')
        .filter((line) => !Object.hasOwn(settings, line.slice(0, line.indexOf('='))));
      writeFileSync(
        this.envFile,
        `${[...suite, ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)].join('\n')}\n`,
      );
    }
    this.child = await startWorker(
      { envFile: this.envFile, baseUrl: this.baseUrl },
      this.options,
      process.env.OWN_WORKER_LOG ? 'inherit' : 'ignore',
      true,
    );
  }

  /** Sends a request again when the restarted Worker's proxy dropped it (../../scripts/lib/stack.ts). */
  resend(send: () => Promise<Response>): Promise<Response> {
    return resendOnRestart(send);
  }

  crash(): Promise<void> {
    return this.child ? crashWorker(this.child) : Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.child) await stopWorker(this.child);
    rmSync(this.options.persistTo, { recursive: true, force: true });
  }
}
