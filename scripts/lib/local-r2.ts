import { readFileSync, statSync } from 'node:fs';
import { Miniflare } from 'miniflare';

/**
 * Writes files into the bucket that `wrangler dev --persist-to <persistTo>` serves, using the same
 * Miniflare storage wrangler uses. Must run while that wrangler dev is not running.
 */
export async function putLocalObjects(
  persistTo: string,
  bucketName: string,
  objects: Array<{ key: string; file: string }>,
): Promise<void> {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 204 }); } }',
    r2Buckets: { DATA: bucketName },
    r2Persist: `${persistTo}/v3/r2`,
  });
  try {
    const bucket = await mf.getR2Bucket('DATA');
    for (const { key, file } of objects) {
      const existing = await bucket.head(key);
      if (existing && existing.size === statSync(file).size) continue;
      // Miniflare's proxy serialises only plain ArrayBuffers, not Node Buffers that view a shared pool.
      const bytes = readFileSync(file);
      await bucket.put(key, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  } finally {
    await mf.dispose();
  }
}
