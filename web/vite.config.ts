import { mkdirSync, writeFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { APP_BASE, APP_CONTENT_SECURITY_POLICY } from '../workers/service/app-policy.ts';

/**
 * Headers of the static files (Workers static assets read `_headers` at the assets' root): the
 * app's policy on its pages, and a year's caching for the content-hashed bundles.
 */
function assetHeaders(): Plugin {
  return {
    name: 'asset-headers',
    closeBundle() {
      mkdirSync('dist', { recursive: true });
      writeFileSync(
        'dist/_headers',
        [
          `${APP_BASE}*`,
          `  Content-Security-Policy: ${APP_CONTENT_SECURITY_POLICY}`,
          '  X-Content-Type-Options: nosniff',
          '  Referrer-Policy: no-referrer',
          `${APP_BASE}assets/*`,
          '  Cache-Control: public, max-age=31536000, immutable',
          '',
        ].join('\n'),
      );
    },
  };
}

// The app lives under /app/ on the Worker's origin (the API owns every other path), and is built
// into the Worker's static assets (wrangler.toml [assets], directory web/dist).
export default defineConfig({
  base: APP_BASE,
  plugins: [assetHeaders()],
  build: {
    outDir: `dist${APP_BASE}`,
    emptyOutDir: true,
    sourcemap: true,
    // MapLibre alone is ~1 MB minified; the budget that matters is gzipped (docs/web.md).
    chunkSizeWarningLimit: 1500,
  },
});
