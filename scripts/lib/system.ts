import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export function log(message: string): void {
  console.log(`[edge-tiles] ${message}`);
}

export function fail(message: string): never {
  console.error(`[edge-tiles] ${message}`);
  process.exit(1);
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
}

export function output(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

const isRoot = (): boolean => process.getuid?.() === 0;
let aptUpdated = false;

/** Installs Debian packages when we may (root with apt); otherwise says exactly what is missing. */
export function aptInstall(packages: string[], why: string): void {
  if (!isRoot() || !commandExists('apt-get')) {
    fail(
      `${why} is missing. Install it (Debian: \`sudo apt-get install ${packages.join(' ')}\`) or run as root, then retry.`,
    );
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log('apt-get update');
    run('apt-get', ['update', '-q'], env);
    aptUpdated = true;
  }
  log(`installing ${packages.join(' ')} (${why})`);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], env);
}

export { isRoot };

/** A process's name and its /proc/<pid>/stat fields from the third (state) on; null once it has ended. */
function procStat(pid: number): { name: string; fields: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name sits in parentheses and may hold spaces and parentheses itself.
    const close = stat.lastIndexOf(')');
    return { name: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
  } catch {
    return null;
  }
}

/** The processes named `name` among `root`'s descendants (wrangler dev runs its workerd processes a few levels down). */
export function descendantPids(root: number, name: string): number[] {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    const stat = Number.isInteger(pid) ? procStat(pid) : null;
    if (!stat) continue;
    names.set(pid, stat.name);
    const parent = Number(stat.fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found: number[] = [];
  for (let queue = [...(children.get(root) ?? [])]; queue.length > 0;) {
    const pid = queue.shift()!;
    if (names.get(pid) === name) found.push(pid);
    queue = queue.concat(children.get(pid) ?? []);
  }
  return found;
}

let clockTicks: number | undefined;

/** User plus system CPU time the processes have used so far, in ms (processes that have ended count 0). */
export function cpuMillis(pids: number[]): number {
  clockTicks ??= Number(output('getconf', ['CLK_TCK']) ?? 100);
  let ticks = 0;
  for (const pid of pids) {
    const fields = procStat(pid)?.fields;
    // utime and stime are the 14th and 15th fields of the stat line.
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / clockTicks) * 1000;
}

/** RSS of the workerd processes under `parent` (wrangler spawns workerd), in bytes. */
export function workerdRss(parent: { pid?: number }): number {
  let total = 0;
  for (const pid of descendantPids(parent.pid!, 'workerd')) {
    try {
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}
