import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PMTiles } from 'pmtiles';
import type { AppEnv } from '../platform/env';
import { createRouter, ProblemSchema } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { cacheKey, cached, tileCacheControl } from '../platform/http/tile-cache';
import { metric } from '../platform/http/server-timing';
import { grantDataProduct, grantObjectKey, type ObjectGrant } from '../platform/auth/grants';
import { isUuid } from '../platform/auth/access';
import { ArchiveNotFound, TILE_FORMATS, openArchive } from '../engines/pmtiles/archive';
import { errorMessage } from '../platform/util/error-message';
import { TileJSON } from '../platform/http/tilejson';
import { PMTilesMetadata } from './schemas';

const router = createRouter();

type Request =
  | { kind: 'tile'; name: string; z: number; x: number; y: number; ext: string }
  | { kind: 'tilejson'; name: string }
  | { kind: 'metadata'; name: string };

/** Archive names are data product ids or bucket keys, slashes included, so the path is parsed here. */
function parse(path: string): Request | null {
  const rest = path.replace(/^\/pmtiles\//, '');
  const decode = (s: string) => s.split('/').map(decodeURIComponent).join('/');
  let m = /^(.+)\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})\.([A-Za-z0-9]+)$/.exec(rest);
  if (m)
    return {
      kind: 'tile',
      name: decode(m[1]!),
      z: Number(m[2]),
      x: Number(m[3]),
      y: Number(m[4]),
      ext: m[5]!.toLowerCase(),
    };
  m = /^(.+)\.json$/.exec(rest);
  if (m) return { kind: 'tilejson', name: decode(m[1]!) };
  m = /^(.+)\/metadata$/.exec(rest);
  if (m) return { kind: 'metadata', name: decode(m[1]!) };
  return null;
}

function grant(c: Context<AppEnv>, name: string): Promise<ObjectGrant> {
  const token = c.req.query('token');
  return isUuid(name) ? grantDataProduct(c, name, token) : grantObjectKey(c, `${name}.pmtiles`, token);
}

/** Library errors for what is wrong with the file itself become 422; a missing object 404. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof ArchiveNotFound) throw new ApiError(404, 'not-found', 'No such archive.');
    throw new ApiError(422, 'unprocessable', `Not a readable PMTiles v3 archive: ${errorMessage(error)}`);
  }
}

function tokenSuffix(c: Context<AppEnv>): string {
  const token = c.req.query('token');
  return token ? `?token=${encodeURIComponent(token)}` : '';
}

async function tile(
  c: Context<AppEnv>,
  request: Extract<Request, { kind: 'tile' }>,
  archive: PMTiles,
  granted: ObjectGrant,
): Promise<Response> {
  const started = performance.now();
  const header = await guard(() => archive.getHeader());
  const format = TILE_FORMATS[header.tileType];
  if (!format) throw new ApiError(422, 'unprocessable', `Unsupported tile type ${header.tileType} in this archive.`);
  if (!format.extensions.includes(request.ext)) {
    throw new ApiError(
      400,
      'bad-request',
      `This archive holds ${format.extensions[0]} tiles: ask for .${format.extensions.join(' or .')}, not .${request.ext}.`,
    );
  }
  const { z: zoom, x, y } = request;
  if (x >= 2 ** zoom || y >= 2 ** zoom)
    throw new ApiError(400, 'bad-request', `Tile ${zoom}/${x}/${y} does not exist.`);
  if (zoom < header.minZoom || zoom > header.maxZoom)
    throw new ApiError(404, 'not-found', `The archive covers zooms ${header.minZoom}–${header.maxZoom}.`);
  const key = await cacheKey(c, [granted.version, header.etag ?? '']);
  return cached(
    c,
    { key, cacheControl: tileCacheControl(c), hitTiming: () => [metric('total', performance.now() - started)] },
    async () => {
      const found = await guard(() => archive.getZxy(zoom, x, y));
      if (!found) {
        if (c.env.PMTILES_MISSING_TILE === '204') return new Response(null, { status: 204 });
        throw new ApiError(404, 'not-found', 'The archive has no tile here.');
      }
      return new Response(found.data, {
        headers: { 'content-type': format.mediaType, 'server-timing': metric('total', performance.now() - started) },
      });
    },
  );
}

router.get('/pmtiles/*', async (c) => {
  const request = parse(new URL(c.req.url).pathname);
  if (!request)
    throw new ApiError(
      404,
      'not-found',
      'Use /pmtiles/{name}/{z}/{x}/{y}.{ext}, /pmtiles/{name}.json or /pmtiles/{name}/metadata.',
    );
  const granted = await grant(c, request.name);
  const archive = openArchive(c.env.DATA, granted.key);
  if (request.kind === 'tile') return tile(c, request, archive, granted);
  if (request.kind === 'metadata') return c.json((await guard(() => archive.getMetadata())) as Record<string, unknown>);
  const origin = new URL(c.req.url).origin;
  const base = `${origin}/pmtiles/${request.name.split('/').map(encodeURIComponent).join('/')}`;
  const tilejson = (await guard(() => archive.getTileJson(base))) as { tiles: string[] } & Record<string, unknown>;
  return c.json({ ...tilejson, tiles: tilejson.tiles.map((t) => `${t}${tokenSuffix(c)}`) });
});

// The routes above are parsed by hand (names hold slashes); their documentation is declared here.
const problems = Object.fromEntries(
  [400, 401, 404, 422].map((s) => [
    s,
    { description: 'Problem', content: { 'application/problem+json': { schema: ProblemSchema } } },
  ]),
);
router.openAPIRegistry.registerPath({
  method: 'get',
  path: '/pmtiles/{name}/{z}/{x}/{y}.{ext}',
  tags: ['pmtiles'],
  summary: 'A tile of a PMTiles archive in the bucket',
  description:
    'Zooms outside the archive are 404; a tile the archive lacks is 404 (or 204 with ' +
    'PMTILES_MISSING_TILE=204); the wrong extension is 400; a malformed archive 422.',
  request: {
    params: z.object({
      name: z.string(),
      z: z.string(),
      x: z.string(),
      y: z.string(),
      ext: z.enum(['mvt', 'pbf', 'png', 'jpg', 'jpeg', 'webp', 'avif']),
    }),
  },
  responses: {
    200: { description: 'The tile' },
    204: { description: 'No tile here (when configured)' },
    304: { description: 'Not modified' },
    ...problems,
  },
});
router.openAPIRegistry.registerPath({
  method: 'get',
  path: '/pmtiles/{name}.json',
  tags: ['pmtiles'],
  summary: 'TileJSON 3.0.0 of the archive (vector_layers for MVT)',
  request: { params: z.object({ name: z.string() }) },
  responses: {
    200: { description: 'TileJSON', content: { 'application/json': { schema: TileJSON } } },
    ...problems,
  },
});
router.openAPIRegistry.registerPath({
  method: 'get',
  path: '/pmtiles/{name}/metadata',
  tags: ['pmtiles'],
  summary: 'The archive’s JSON metadata',
  request: { params: z.object({ name: z.string() }) },
  responses: {
    200: { description: 'Metadata', content: { 'application/json': { schema: PMTilesMetadata } } },
    ...problems,
  },
});

export default router;
