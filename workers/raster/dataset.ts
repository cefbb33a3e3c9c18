import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { UuidParam } from '../platform/http/openapi';
import { grantDataProduct, grantObjectKey, type ObjectGrant } from '../platform/auth/grants';
import { R2Source, ReadStats } from '../engines/raster/source';
import { withCog, type HeaderTier } from '../engines/raster/cog-cache';
import type { Cog } from '../engines/raster/cog';
import { productStatistics } from '../data-products/store';
import { displayRange, storedBand } from '../data-products/statistics';

/**
 * How the raster endpoints find their dataset (TiTiler's `path_dependency`): a bucket key in `url=`,
 * a data product's id in the path, and next a mosaic or a parcel layer. The endpoints
 * (./endpoints.ts) are built once per way, and know nothing else of it.
 */
export interface Dataset {
  /** The path the endpoints hang under. */
  base: string;
  tags: string[];
  /** The endpoint's path parameters with the dataset's own. */
  path<S extends z.ZodRawShape>(shape: S): z.ZodObject<S>;
  /** The endpoint's query with the dataset's own parameters, documented and validated with it. */
  query<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodObject<S>;
  /** Authorizes the caller for the dataset the request names (before any cache). */
  grant(c: Context<AppEnv>, token: string | undefined): Promise<ObjectGrant>;
  /**
   * Per band (0-based) of its `bandCount`, the range of values an image stretches it over when the
   * request names no `rescale`, from statistics stored with the dataset (null for a band without);
   * null where the dataset stores none.
   */
  storedRanges(
    c: Context<AppEnv>,
    grant: ObjectGrant,
    bandCount: number,
  ): Promise<Array<[number, number] | null> | null>;
}

const UrlQuery = z.object({
  url: z.string().min(1).max(1024).openapi({ description: 'Object key in the bucket, e.g. projects/<id>/ortho.tif' }),
});

/*
 * The dataset's own parameters are validated with the endpoint's but typed apart: an endpoint sees
 * only what every dataset shares, and a dataset reads its own from the request it validated.
 */
const extended = <S extends z.ZodRawShape>(schema: z.ZodObject<S>, own: z.ZodRawShape): z.ZodObject<S> =>
  schema.extend(own) as unknown as z.ZodObject<S>;

/** `/cog/…?url=<key>`: any object of the bucket the caller may read. */
export const byKey: Dataset = {
  base: '/cog',
  tags: ['raster (by key)'],
  path: (shape) => z.object(shape),
  query: (schema) => extended(schema, UrlQuery.shape),
  grant: (c, token) => grantObjectKey(c, c.req.query('url') ?? '', token),
  // A bare key has no statistics of its own: images of data that is not 8-bit need their rescale.
  storedRanges: async () => null,
};

/** `/data-products/{id}/…`: a data product's current object. */
export const byDataProduct: Dataset = {
  base: '/data-products/{dataProductId}',
  tags: ['raster (by data product)'],
  path: (shape) => extended(z.object(shape), { dataProductId: UuidParam }),
  query: (schema) => schema,
  grant: (c, token) => grantDataProduct(c, c.req.param('dataProductId') ?? '', token),
  // The statistics the converter stored, read only when an image needs them (see ./query.ts).
  storedRanges: async (c, grant, bandCount) => {
    if (!grant.dataProductId) return null;
    const stats = await productStatistics(c.var.db, grant.dataProductId);
    if (!stats) return null;
    return Array.from({ length: bandCount }, (_, i) => {
      const band = storedBand(stats, i + 1);
      return band ? displayRange(band) : null;
    });
  },
};

/** A dataset once authorized and its header read: what a rendering needs besides the COG. */
export interface Opened {
  grant: ObjectGrant;
  source: R2Source;
  stats: ReadStats;
  started: number;
  /** When authorization and the header were done and rendering began. */
  opened: number;
  header: HeaderTier;
}

/** Authorizes (before any cache), then runs `use` on the object's header, re-read once if the object changed. */
export async function withDataset<T>(
  c: Context<AppEnv>,
  dataset: Dataset,
  token: string | undefined,
  use: (cog: Cog, opened: Opened) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const granted = await dataset.grant(c, token);
  const stats = new ReadStats();
  const source = new R2Source(c.env.DATA, granted.key, stats);
  let header: HeaderTier = 'isolate';
  const options = {
    cache: caches.default,
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    loadedFrom: (tier: HeaderTier) => (header = tier),
  };
  return withCog(source, options, (cog) =>
    use(cog, { grant: granted, source, stats, started, opened: performance.now(), header }),
  );
}
