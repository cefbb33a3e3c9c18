import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from './problem';
import { parseRange } from './range';

/**
 * A bucket object as an HTTP response: ETag and If-None-Match, byte ranges guarded by If-Range,
 * and a read pinned to the etag it announced, so two versions of an object are never mixed.
 */
export async function serveObject(c: Context<AppEnv>, key: string): Promise<Response> {
  const head = await c.env.DATA.head(key);
  if (!head) throw new ApiError(404, 'not-found', 'The object is not in the bucket.');
  const etag = head.httpEtag;
  const headers = new Headers({
    'accept-ranges': 'bytes',
    etag,
    'content-type':
      head.httpMetadata?.contentType ?? (/\.tiff?$/i.test(key) ? 'image/tiff' : 'application/octet-stream'),
    'last-modified': head.uploaded.toUTCString(),
    'cache-control': 'private, max-age=0, must-revalidate',
  });
  if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
  // A range read against a changed object would mix two files: If-Range falls back to the whole one.
  const ifRange = c.req.header('if-range');
  const range = ifRange && ifRange !== etag ? null : parseRange(c.req.header('range'), head.size);
  if (range) {
    headers.set('content-range', `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
    headers.set('content-length', String(range.length));
  } else headers.set('content-length', String(head.size));
  if (c.req.method === 'HEAD') return new Response(null, { status: range ? 206 : 200, headers });
  const object = await c.env.DATA.get(key, { range: range ?? undefined, onlyIf: { etagMatches: head.etag } });
  if (!object || !('body' in object))
    throw new ApiError(409, 'conflict', 'The file changed while it was being read; retry.');
  return new Response(object.body, { status: range ? 206 : 200, headers });
}
