import { spawn } from 'node:child_process';
import { CancelledError, type Run } from './run';

/** Lines of a tool's stderr quoted in a failure message (the whole of it goes to the run's log). */
const QUOTED_LINES = 6;

export class ToolError extends Error {}

export interface ToolOptions {
  /** GDAL's "0...10...20" progress on stdout, mapped onto this span of the job's progress. */
  progress?: { from: number; to: number; message: string };
  env?: NodeJS.ProcessEnv;
  /** Kept from stdout (gdalinfo -json); otherwise stdout goes to the log. */
  captureStdout?: boolean;
}

/**
 * Runs a command-line tool (GDAL's) as a child of the run: killed when the run is cancelled, its
 * stderr in the run's log, a non-zero exit a ToolError quoting the tool's own last lines.
 */
export function runTool(run: Run, command: string, args: string[], options: ToolOptions = {}): Promise<string> {
  run.check();
  run.log(`$ ${command} ${args.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    run.adopt(child);
    let stdout = '';
    const stderr: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (options.captureStdout) stdout += chunk;
      else if (options.progress) {
        // "0...10...20...30" arrives a few characters at a time: the last whole number counts.
        const numbers = [...(partial + chunk).matchAll(/(\d+)(?=\.|\s|$)/g)].map((m) => Number(m[1]));
        partial = (partial + chunk).slice(-8);
        const done = numbers.filter((n) => n <= 100).at(-1);
        if (done !== undefined && run.state === 'running') {
          const { from, to, message } = options.progress;
          run.progress(from + ((to - from) * done) / 100, `${message} ${done}%`);
        }
      } else for (const line of chunk.split('\n')) run.log(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        stderr.push(line);
        run.log(line);
      }
    });
    child.once('error', (error) => reject(new ToolError(`${command} could not start: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (run.abort.signal.aborted) return reject(new CancelledError());
      if (code === 0) return resolve(stdout);
      const quoted = stderr.slice(-QUOTED_LINES).join(' / ') || `exit ${code ?? signal}`;
      reject(new ToolError(`${command} failed: ${quoted}`));
    });
  });
}

export async function runJson<T>(run: Run, command: string, args: string[], options: ToolOptions = {}): Promise<T> {
  const out = await runTool(run, command, args, { ...options, captureStdout: true });
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new ToolError(`${command} printed something that is not JSON`);
  }
}
