/**
 * What the browser app's pages may load: only this origin (the API, tiles, the basemap), images
 * from data: and blob: URLs (MapLibre decodes tiles into them) and MapLibre's worker, which it
 * starts from a blob: URL. Used by the Worker for deep links and by the web build for its static
 * pages (web/vite.config.ts writes it into the assets' _headers), so both say the same.
 */
export const APP_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "child-src 'self' blob:",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  // The app's forms are handled by its scripts; none is ever sent by the browser itself.
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where the app lives on the Worker's origin; every other path is the API's. */
export const APP_BASE = '/app/';
