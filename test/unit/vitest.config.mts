import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { exportJWK, generateKeyPair } from 'jose';

// Fresh keys for every run: two signing keys, so rotation (verify by kid) is exercised.
async function testSigningKeys(): Promise<string> {
  const keys = [];
  for (const kid of ['unit-a', 'unit-b']) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' });
  }
  return JSON.stringify({ keys });
}

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)), environment: 'dev' },
      miniflare: {
        bindings: {
          JWT_SIGNING_KEYS: await testSigningKeys(),
          // Unit tests never reach a database; a closed port lets /health prove it names the failing part.
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
          MAX_BODY_BYTES: '4096',
          CORS_ORIGINS: 'https://viewer.example,https://qgis.example',
          // A converter that is not there (a closed port): jobs must retry, back off and give up.
          CONVERTER_URL: 'http://127.0.0.1:1',
          CONVERTER_SECRET: 'unit',
          JOB_MAX_ATTEMPTS: '3',
        },
      },
    })),
  ],
  resolve: {
    // pg require()s pg-protocol, whose "import" entry is ESM in a CommonJS package; wrangler's
    // bundler copes, the test runner's module loader does not, so point it at the CommonJS build.
    alias: { 'pg-protocol': fileURLToPath(new URL('../../node_modules/pg-protocol/dist/index.js', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/unit/**/*.test.ts'],
    // The first request loads the whole Worker through Vite's transform pipeline, which takes seconds.
    testTimeout: 30_000,
  },
});
