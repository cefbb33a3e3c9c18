import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { DEV_DIR, ROOT } from './dev-env';
import { log } from './system';

export interface ConverterOptions {
  port: number;
  databaseUrl: string;
  /** Outputs above this go up in multipart parts of this size (R2's minimum part is 5 MiB). */
  partSize?: number;
  output?: 'inherit' | 'ignore';
}

export interface ConverterProcess {
  url: string;
  secret: string;
  /** The running process' pid (it changes when the supervisor restarts it). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/**
 * The GDAL converter as a local process (no Docker engine here), kept running the way a container
 * runtime would: if it dies it is started again, with no memory of its runs.
 */
export async function startConverter(options: ConverterOptions): Promise<ConverterProcess> {
  const secret = randomBytes(24).toString('hex');
  const url = `http://127.0.0.1:${options.port}`;
  const workDir = `${DEV_DIR}/converter-${options.port}`;
  mkdirSync(workDir, { recursive: true });
  let child: ChildProcess | null = null;
  let stopping = false;
  const launch = () => {
    child = spawn(`${ROOT}node_modules/.bin/tsx`, [`${ROOT}containers/converter/src/server.ts`], {
      cwd: ROOT,
      stdio: ['ignore', options.output ?? 'ignore', options.output ?? 'ignore'],
      env: {
        ...process.env,
        PORT: String(options.port),
        HOST: '127.0.0.1',
        CONVERTER_SECRET: secret,
        DATABASE_URL: options.databaseUrl,
        CONVERTER_WORK_DIR: workDir,
        ...(options.partSize ? { CONVERTER_PART_SIZE: String(options.partSize) } : {}),
      },
    });
    child.once('exit', () => {
      if (!stopping) setTimeout(launch, 200);
    });
  };
  launch();
  // Never outlive the script that started it, however that script ends.
  process.once('exit', () => {
    stopping = true;
    child?.kill('SIGKILL');
  });
  await waitForHealth(url);
  log(`converter at ${url}`);
  return {
    url,
    secret,
    pid: () => child?.pid,
    stop: () =>
      new Promise((resolve) => {
        stopping = true;
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child?.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export async function waitForHealth(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the converter at ${url} did not answer in ${timeoutMs / 1000} s`);
}
