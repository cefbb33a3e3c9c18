import { spawnSync } from 'node:child_process';

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
    fail(`${why} is missing. Install it (Debian: \`sudo apt-get install ${packages.join(' ')}\`) or run as root, then retry.`);
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
