import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The web app in headless Chromium (Debian's, driven by playwright-core) against the stack that
// scripts/test.ts started (or `npm run dev`, when run alone with `npm run test:browser`).
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
