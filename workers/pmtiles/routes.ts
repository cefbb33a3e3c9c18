import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PMTiles } from 'pmtiles';
import type { AppEnv } from '../platform/env';
import { createRouter, ProblemSchema } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { serveTile } from '../platform/tiles/pipeline';
import { grantDataProduct, grantObjectKey, type ObjectGrant } from '../platform/auth/grants';
import { isUuid } from '../platform/auth/access';
import { openArchive } from '../engines/pmtiles/archive';
import { ArchiveTiles, guard } from './source';
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

/** The archive a request names (a data product id or a bucket key), once the caller may read it. */
async function authorizedArchive(
  c: Context<AppEnv>,
  name: string,
): Promise<{ granted: ObjectGrant; archive: PMTiles }> {
  const token = c.req.query('token');
  const granted = await (isUuid(name) ? grantDataProduct(c, name, token) : grantObjectKey(c, `${name}.pmtiles`, token));
  return { granted, archive: openArchive(c.env.DATA, granted.key) };
}

function tokenSuffix(c: Context<AppEnv>): string {
  const token = c.req.query('token');
  return token ? `?token=${encodeURIComponent(token)}` : '';
}

router.get('/pmtiles/*', async (c) => {
  const request = parse(new URL(c.req.url).pathname);
  if (!request)
    throw new ApiError(
      404,
      'not-found',
      'Use /pmtiles/{name}/{z}/{x}/{y}.{ext}, /pmtiles/{name}.json or /pmtiles/{name}/metadata.',
    );
  const missingStatus = c.env.PMTILES_MISSING_TILE === '204' ? 204 : 404;
  if (request.kind === 'tile') {
    const coord = { z: request.z, x: request.x, y: request.y };
    const open = async () => {
      const { granted, archive } = await authorizedArchive(c, request.name);
      const tiles = await ArchiveTiles.open(archive, granted, { extension: request.ext, missingStatus });
      tiles.check(coord);
      return tiles;
    };
    return serveTile(c, open, coord, undefined);
  }
  const { granted, archive } = await authorizedArchive(c, request.name);
  if (request.kind === 'metadata') return c.json((await guard(() => archive.getMetadata())) as Record<string, unknown>);
  const tiles = await ArchiveTiles.open(archive, granted, { missingStatus });
  const base = `${new URL(c.req.url).origin}/pmtiles/${request.name.split('/').map(encodeURIComponent).join('/')}`;
  return c.json(await tiles.tileJson(`${base}${tiles.tilePath}${tokenSuffix(c)}`));
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
