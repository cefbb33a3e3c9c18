import { ApiError } from '../platform/http/problem';
import { createRouter } from '../platform/http/openapi';
import { APP_BASE, APP_CONTENT_SECURITY_POLICY } from './app-policy';

/**
 * The web app's pages. Its files are static assets (web/dist/app/…) answered before the Worker
 * runs; what reaches these routes is a path that names no file: a deep link (/app/projects/…),
 * answered with the app's index.html so that its router takes over after a reload, or a missing
 * file of the build (under /app/assets/), which stays a 404.
 */
const router = createRouter();

router.get('/', (c) => c.redirect(APP_BASE, 302));

router.get(`${APP_BASE}*`, async (c) => {
  const path = new URL(c.req.url).pathname;
  // Only the build's folder holds files; anything else is a page of the app, whatever it ends with
  // (a share link's token ends in a dot and base64url).
  if (path.startsWith(`${APP_BASE}assets/`)) throw new ApiError(404, 'not-found', `No file at ${path}.`);
  const index = await c.env.ASSETS.fetch(new URL(APP_BASE, c.req.url));
  if (!index.ok) throw new ApiError(404, 'not-found', 'The web app is not built: run `npm run build -w web`.');
  const page = new Response(index.body, index);
  page.headers.set('content-security-policy', APP_CONTENT_SECURITY_POLICY);
  page.headers.set('cache-control', 'no-cache');
  return page;
});

export default router;
