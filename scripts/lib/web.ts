// The web app (web/): built into web/dist, which wrangler serves as the Worker's static assets.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ROOT } from './dev-env';
import { aptInstall, fail, log } from './system';

/** Where Debian puts it; test/browser/browser.ts launches the same path. */
export const CHROMIUM = '/usr/bin/chromium';
const VITE = `${ROOT}node_modules/.bin/vite`;
const WEB = `${ROOT}web`;

/** One production build (npm test, deploys): wrangler refuses to start without the assets folder. */
export function buildWeb(): void {
  log('web app: vite build');
  if (spawnSync(VITE, ['build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' }).status !== 0)
    fail('the web app did not build (see above)');
}

/** `npm run dev`: rebuilds on every change; wrangler dev serves each new build (reload the page). */
export function watchWeb(): ChildProcess {
  return spawn(VITE, ['build', '--watch', '--mode', 'development', '--logLevel', 'warn'], {
    cwd: WEB,
    stdio: 'inherit',
  });
}

/** Debian's Chromium, which the browser tests drive (playwright-core never downloads a browser). */
export function ensureChromium(): void {
  if (!existsSync(CHROMIUM)) aptInstall(['chromium'], 'Chromium (for the browser tests)');
}
