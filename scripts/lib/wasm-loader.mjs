// Node module hook: `import x from 'a.wasm'` yields a compiled WebAssembly.Module, as wrangler's
// bundler does for the Worker, so the raster library runs unchanged under Node for profiling.
import { register } from 'node:module';

if (!globalThis.__edgeTilesWasmHook) {
  globalThis.__edgeTilesWasmHook = true;
  register(import.meta.url);
}

export async function load(url, context, next) {
  if (url.endsWith('.wasm')) {
    return {
      format: 'module',
      shortCircuit: true,
      source: `import { readFileSync } from 'node:fs'; export default new WebAssembly.Module(readFileSync(new URL(${JSON.stringify(url)})));`,
    };
  }
  return next(url, context);
}
