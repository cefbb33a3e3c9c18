import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import type { AuthTiming } from '../auth/grants';

/** One Server-Timing metric, its duration to a tenth of a millisecond. */
export function metric(name: string, millis?: number, description?: string): string {
  let out = name;
  if (millis !== undefined) out += `;dur=${Math.round(millis * 10) / 10}`;
  if (description !== undefined) out += `;desc="${description}"`;
  return out;
}

const authMetric = (timing: AuthTiming): string => metric('auth', timing.millis, timing.db ? 'db' : 'isolate');

/**
 * Adds `auth`, authorization's time and whether it asked the database (`desc="db"`) or answered from
 * the isolate's memory (`desc="isolate"`), and `app`, the Worker's whole time on the request
 * (authentication, queries, rendering, closing the database), to the Server-Timing the route wrote,
 * so that clients can tell them from the network.
 */
export const appTiming = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const own = c.res.headers.get('server-timing');
  const auth = c.get('authTiming');
  const app = [...(auth ? [authMetric(auth)] : []), metric('app', performance.now() - started)].join(', ');
  c.res = new Response(c.res.body, c.res);
  c.res.headers.set('server-timing', own ? `${own}, ${app}` : app);
});
