import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Runs in Node against a real `wrangler dev` and PostgreSQL, started by scripts/test.ts
// (or by `npm run dev`, when run alone with `npm run test:integration`).
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
