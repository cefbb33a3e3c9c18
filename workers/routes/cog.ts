import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { createRouter, errors, jsonResponse, UuidParam } from '../http/openapi';
import { ApiError } from '../http/problem';
import { signingKeys } from '../auth/signing-keys';
import { grantDataProduct, grantObjectKey, type ObjectGrant } from '../auth/object-access';
import { R2Source, ReadStats } from '../raster/source';
import { withCog } from '../raster/cog-cache';
import type { Cog } from '../raster/cog';
import { cogInfo } from '../raster/info';
import { renderTile, type Timings } from '../raster/tile';
import { TILE_MATRIX_SETS, isValidTile, tileMatrixSet, tileMatrixSetDocument } from '../raster/tms';
import { MEDIA_TYPES, encodeNpy, encodeVisual, parseFormat, toVisual } from '../raster/image';
import type { Resampling } from '../raster/warp';

const router = createRouter();

// ---------------------------------------------------------------- shared parameters

const list = (value: string | string[] | undefined) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')));

const bidx = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    const bands = list(value).map(Number);
    if (bands.some((b) => !Number.isInteger(b) || b < 1 || b > 1000)) {
      ctx.addIssue({ code: 'custom', message: 'band indexes are integers from 1' });
      return z.NEVER;
    }
    return bands;
  })
  .openapi({ description: 'Band indexes (1-based); repeat or comma-separate. Default: all bands.' });

const DatasetQuery = z.object({
  token: z.string().max(4096).optional().openapi({ description: 'Signed tile token from POST /data-products/{id}/token' }),
  bidx,
  nodata: z.union([z.literal('nan'), z.coerce.number()]).optional().openapi({ description: 'Overrides the nodata value' }),
  resampling: z.enum(['nearest', 'bilinear', 'cubic']).default('nearest'),
});

const UrlQuery = z.object({ url: z.string().min(1).max(1024).openapi({ description: 'Object key in the bucket, e.g. projects/<id>/ortho.tif' }) });

type Prefix = '/cog' | '/data-products/{dataProductId}';

async function grant(c: Context<AppEnv>, prefix: Prefix, query: { url?: string; token?: string }): Promise<ObjectGrant> {
  const keys = await signingKeys(c.env.JWT_SIGNING_KEYS);
  if (prefix === '/cog') return grantObjectKey(c.var.db, c.var.principal, keys, query.url!, query.token);
  return grantDataProduct(c.var.db, c.var.principal, keys, c.req.param('dataProductId')!, query.token);
}

interface Opened {
  grant: ObjectGrant;
  stats: ReadStats;
  started: number;
}

/** Authorizes, then runs `use` on the object's parsed header (re-read once if the object changed). */
async function withDataset<T>(c: Context<AppEnv>, prefix: Prefix, query: { url?: string; token?: string }, use: (cog: Cog, source: R2Source, opened: Opened) => Promise<T>): Promise<T> {
  const started = Date.now();
  const granted = await grant(c, prefix, query);
  const stats = new ReadStats();
  const source = new R2Source(c.env.DATA, granted.key, stats);
  return withCog(source, { cache: caches.default, waitUntil: (p) => c.executionCtx.waitUntil(p) }, (cog) => use(cog, source, { grant: granted, stats, started }));
}

function bandsOf(cog: Cog, requested: number[]): number[] {
  const bands = requested.length > 0 ? requested.map((b) => b - 1) : Array.from({ length: cog.bandCount }, (_, i) => i).filter((i) => i !== cog.alphaBand);
  for (const b of bands) if (b >= cog.bandCount) throw new ApiError(400, 'validation-error', `bidx ${b + 1} is out of range: the file has ${cog.bandCount} band(s).`);
  return bands;
}

function serverTiming(stats: ReadStats, timings: Timings, encode: number, total: number): string {
  return [
    `r2;dur=${stats.millis};desc="${stats.reads} reads, ${stats.bytes} bytes"`,
    `decode;dur=${Math.max(0, timings.read - stats.millis)}`,
    `warp;dur=${timings.warp}`,
    `encode;dur=${encode}`,
    `total;dur=${total}`,
  ].join(', ');
}

// ---------------------------------------------------------------- routes

const TILE_PATH = /^(\d+)(?:@([1-4])x)?(?:\.([a-z]+))?$/;

function mount(prefix: Prefix) {
  const base = prefix === '/cog' ? '/cog' : '/data-products/{dataProductId}';
  const tag = prefix === '/cog' ? 'raster (by key)' : 'raster (by data product)';
  const params = prefix === '/cog' ? z.object({}) : z.object({ dataProductId: UuidParam });
  const Query = prefix === '/cog' ? DatasetQuery.merge(UrlQuery) : DatasetQuery;

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/info`,
      tags: [tag],
      summary: 'Dataset metadata (TiTiler /cog/info)',
      request: { params, query: Query.pick({ token: true, ...(prefix === '/cog' ? { url: true } : {}) } as never) },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'Info'), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const query = c.req.valid('query') as { url?: string; token?: string };
      return c.json(await withDataset(c, prefix, query, async (cog) => cogInfo(cog)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: `${base}/tiles/{tileMatrixSetId}/{z}/{x}/{y}`,
      tags: [tag],
      summary: 'A map tile (TiTiler /cog/tiles)',
      description: '`y` may carry a scale and a format: `{y}@2x.png`. Formats: png (default), jpg/jpeg, webp, npy (values and mask, for analysis). Tiles wholly outside the dataset are 404.',
      request: {
        params: params.extend({
          tileMatrixSetId: z.string().openapi({ example: 'WebMercatorQuad' }),
          z: z.coerce.number().int().min(0).max(30),
          x: z.coerce.number().int().min(0),
          y: z.string().regex(TILE_PATH).openapi({ example: '1234@2x.png' }),
        }),
        query: Query.extend({
          tilesize: z.coerce.number().int().refine((v) => v === 256 || v === 512, 'must be 256 or 512').optional(),
          buffer: z.coerce.number().int().min(0).max(64).default(0),
          return_mask: z.enum(['true', 'false']).default('true'),
        }),
      },
      responses: {
        200: { description: 'The tile', content: Object.fromEntries(Object.values(MEDIA_TYPES).map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }])) },
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const path = c.req.valid('param');
      const query = c.req.valid('query') as z.infer<typeof DatasetQuery> & { url?: string; tilesize?: number; buffer: number; return_mask: 'true' | 'false' };
      const tms = tileMatrixSet(path.tileMatrixSetId);
      if (!tms) throw new ApiError(404, 'not-found', `Unknown TileMatrixSet ${path.tileMatrixSetId}; see /tileMatrixSets.`);
      const [, yText, scaleText, formatText] = TILE_PATH.exec(path.y)!;
      const y = Number(yText);
      const format = formatText === undefined ? 'png' : parseFormat(formatText);
      if (!format) throw new ApiError(400, 'validation-error', `Unknown tile format .${formatText}: use png, jpg, jpeg, webp or npy.`);
      if (!isValidTile(tms, path.z, path.x, y)) throw new ApiError(400, 'validation-error', `Tile ${path.z}/${path.x}/${y} does not exist in ${tms.id} (zoom 0–${tms.maxZoom}).`);
      const size = (query.tilesize ?? 256) * Number(scaleText ?? 1);

      return withDataset(c, prefix, query, async (cog, source, opened) => {
        const timings: Timings = { read: 0, warp: 0 };
        const bands = bandsOf(cog, query.bidx ?? []);
        const nodata = query.nodata === undefined ? undefined : query.nodata === 'nan' ? NaN : query.nodata;
        const block = await renderTile(cog, source, tms, path.z, path.x, y, { size, buffer: query.buffer, bands, resampling: query.resampling as Resampling, nodata, timings });
        if (!block) throw new ApiError(404, 'not-found', 'This tile lies outside the dataset.');
        const encodeStart = Date.now();
        const body = format === 'npy'
          ? encodeNpy(block.bands, block.mask, block.width, block.height, cog.dataType)
          : await encodeVisual(toVisual(block, cog.dataType, bands.length === 1 ? cog.palette : null), format, { returnMask: query.return_mask === 'true' });
        const encode = Date.now() - encodeStart;
        return new Response(body, {
          headers: {
            'content-type': MEDIA_TYPES[format],
            'server-timing': serverTiming(opened.stats, timings, encode, Date.now() - opened.started),
          },
        });
      });
    },
  );
}

mount('/cog');
mount('/data-products/{dataProductId}');

router.openapi(
  createRoute({
    method: 'get',
    path: '/tileMatrixSets',
    tags: ['raster (by key)'],
    summary: 'The TileMatrixSets tiles can be asked in',
    responses: { 200: jsonResponse(z.object({ tileMatrixSets: z.array(z.record(z.string(), z.unknown())) }), 'TileMatrixSets') },
  }),
  (c) => {
    const origin = new URL(c.req.url).origin;
    return c.json({
      tileMatrixSets: Object.values(TILE_MATRIX_SETS).map((t) => ({
        id: t.id,
        title: t.title,
        uri: t.uri,
        crs: t.crs,
        links: [{ href: `${origin}/tileMatrixSets/${t.id}`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme', type: 'application/json' }],
      })),
    }, 200);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/tileMatrixSets/{tileMatrixSetId}',
    tags: ['raster (by key)'],
    summary: 'One TileMatrixSet (OGC 2-0 JSON)',
    request: { params: z.object({ tileMatrixSetId: z.string() }) },
    responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'TileMatrixSet'), ...errors(404) },
  }),
  (c) => {
    const tms = tileMatrixSet(c.req.valid('param').tileMatrixSetId);
    if (!tms) throw new ApiError(404, 'not-found', 'Unknown TileMatrixSet.');
    return c.json(tileMatrixSetDocument(tms), 200);
  },
);

export default router;
