// Bundles the converter into one ES module for its container image: `node bundle.mjs <outfile>`.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('./src/server.ts', import.meta.url).pathname],
  outfile: process.argv[2] ?? 'dist/converter/server.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // pg loads its optional native binding only when asked to; the image does not have it.
  external: ['pg-native'],
  // pg is CommonJS and calls require() for Node's own modules.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
