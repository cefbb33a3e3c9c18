import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { RASTER_PRODUCT_TYPES, dataProducts, flights, projects, stacCollections } from '../platform/db/schema';
import { asGeoJSON } from '../platform/db/geometry';
import { rowsOf } from '../platform/db/rows';
import { statistics } from '../engines/raster/analysis';
import type { Cog } from '../engines/raster/cog';
import { withCog, type HeaderCache } from '../engines/raster/cog-cache';
import { RasterError } from '../engines/raster/errors';
import type { Source } from '../engines/raster/source';
import type { BandStatistics } from '../engines/raster/statistics';
import { boundsIn } from '../engines/raster/warp';
import type { CollectionRecord } from './collection';
import { insertCollection, upsertProjectCollection } from './collection-store';
import type { ItemRecord } from './item';
import { writeItems } from './item-store';
import { sqlList } from '../platform/db/sql';
import { storedBand } from '../data-products/statistics';

export const EXTENSIONS = {
  projection: 'https://stac-extensions.github.io/projection/v1.1.0/schema.json',
  raster: 'https://stac-extensions.github.io/raster/v1.1.0/schema.json',
  eo: 'https://stac-extensions.github.io/eo/v1.1.0/schema.json',
};

const COG_MEDIA_TYPE = 'image/tiff; application=geotiff; profile=cloud-optimized';

export interface ProductForItem {
  id: string;
  type: string;
  filename: string;
  footprint: unknown;
  updatedAt: Date;
  createdAt: Date;
}

export interface FlightForItem {
  id: string;
  name: string;
  acquisitionDate: string;
  platform: string;
  sensor: string;
  altitudeM: number | null;
}

/** What an item says of a band's values. */
export type ItemBandStatistics = Pick<BandStatistics, 'min' | 'max' | 'mean' | 'std' | 'valid_percent' | 'histogram'>;

/**
 * Statistics the converter stored with the product (exact, from `gdalinfo -stats -hist`), if it
 * stored all an item states for every band.
 */
function storedStatistics(stats: Record<string, unknown> | null, bands: number): ItemBandStatistics[] | null {
  const out: ItemBandStatistics[] = [];
  for (let i = 1; i <= bands; i++) {
    const s = storedBand(stats, i);
    if (!s || s.mean === undefined || s.std === undefined || !s.histogram) return null;
    out.push({ ...s, mean: s.mean, std: s.std, valid_percent: s.valid_percent ?? 100, histogram: s.histogram });
  }
  return out;
}

const COMMON_NAMES = new Set(['red', 'green', 'blue', 'nir', 'alpha', 'gray']);
const RASTER_TYPES: Record<string, string> = {
  uint8: 'uint8',
  int8: 'int8',
  uint16: 'uint16',
  int16: 'int16',
  uint32: 'uint32',
  int32: 'int32',
  float32: 'float32',
  float64: 'float64',
};

/**
 * Paths of a data product's own endpoints. They are stored relative to the API root and made
 * absolute (and signed, for private data) when an item is served, so a host or key change never
 * leaves a stale URL in the catalog.
 */
const productAssetPaths = (id: string) => ({
  data: `/data-products/${id}/file`,
  tilejson: `/data-products/${id}/WebMercatorQuad/tilejson.json`,
  thumbnail: `/data-products/${id}/preview.png?max_size=256`,
});

/** rasterio's affine order [a, b, c, d, e, f]: x = a·col + b·row + c, y = d·col + e·row + f. */
const affine = (cog: Cog) => [cog.levels[0]!.resX, 0, cog.originX, 0, -cog.levels[0]!.resY, cog.originY];

/**
 * A flight's data product (a COG) as a STAC item: the COG as `data`, TileJSON and a preview, with
 * the projection, raster and eo extensions read from the file itself.
 */
export function dataProductItem(
  collectionId: string,
  product: ProductForItem,
  flight: FlightForItem,
  cog: Cog,
  wgs84: [number, number, number, number],
  stats: ItemBandStatistics[],
): ItemRecord & { dataProductId: string } {
  const [minx, miny, maxx, maxy] = wgs84;
  const geometry = (product.footprint as ItemRecord['geometry'] | null) ?? {
    type: 'Polygon' as const,
    coordinates: [
      [
        [minx, miny],
        [maxx, miny],
        [maxx, maxy],
        [minx, maxy],
        [minx, miny],
      ],
    ],
  };
  const acquired = new Date(`${flight.acquisitionDate}T00:00:00Z`);
  const rasterBands = cog.descriptions.map((_, i) => {
    const s = stats[i];
    return {
      data_type: RASTER_TYPES[cog.dataType] ?? cog.dataType,
      ...(cog.nodata !== null ? { nodata: Number.isNaN(cog.nodata) ? 'nan' : cog.nodata } : {}),
      ...(cog.scales[i] !== undefined && cog.scales[i] !== 1 ? { scale: cog.scales[i] } : {}),
      ...(cog.offsets[i] ? { offset: cog.offsets[i] } : {}),
      ...(!cog.crs.isGeographic ? { spatial_resolution: cog.levels[0]!.resX } : {}),
      ...(s
        ? {
            statistics: { minimum: s.min, maximum: s.max, mean: s.mean, stddev: s.std, valid_percent: s.valid_percent },
            histogram: {
              count: s.histogram[0].length,
              min: s.histogram[1][0],
              max: s.histogram[1][s.histogram[1].length - 1],
              buckets: s.histogram[0],
            },
          }
        : {}),
    };
  });
  const eoBands = cog.descriptions.map((description, i) => {
    const interpretation = (cog.colorInterpretation[i] ?? '').toLowerCase();
    return {
      name: description || `b${i + 1}`,
      ...(COMMON_NAMES.has(interpretation) ? { common_name: interpretation } : {}),
    };
  });
  const paths = productAssetPaths(product.id);
  return {
    collectionId,
    id: product.id,
    dataProductId: product.id,
    geometry,
    bbox: [minx, miny, maxx, maxy],
    datetime: acquired,
    endDatetime: acquired,
    properties: {
      datetime: acquired.toISOString(),
      title: `${flight.name || 'Flight'} ${flight.acquisitionDate}: ${product.type}`,
      created: product.createdAt.toISOString(),
      updated: product.updatedAt.toISOString(),
      ...(flight.platform ? { platform: flight.platform } : {}),
      ...(flight.sensor ? { instruments: [flight.sensor] } : {}),
      ...(!cog.crs.isGeographic ? { gsd: cog.levels[0]!.resX } : {}),
      'edge:flight_id': flight.id,
      'edge:product_type': product.type,
      ...(flight.altitudeM !== null ? { 'edge:altitude_m': flight.altitudeM } : {}),
      'proj:epsg': cog.crs.epsg,
      ...(cog.crs.epsg ? { 'proj:code': `EPSG:${cog.crs.epsg}` } : {}),
      'proj:shape': [cog.height, cog.width],
      'proj:transform': affine(cog),
      'proj:bbox': cog.bounds,
    },
    assets: {
      data: {
        href: paths.data,
        type: COG_MEDIA_TYPE,
        roles: ['data'],
        title: product.filename || `${product.type} (COG)`,
        'raster:bands': rasterBands,
        'eo:bands': eoBands,
      },
      tilejson: {
        href: paths.tilejson,
        type: 'application/json',
        roles: ['tiles'],
        title: 'TileJSON (WebMercatorQuad)',
      },
      thumbnail: { href: paths.thumbnail, type: 'image/png', roles: ['thumbnail'], title: 'Preview' },
    },
    links: [],
    stacExtensions: [EXTENSIONS.projection, EXTENSIONS.raster, EXTENSIONS.eo],
    extra: {},
  };
}

/** A project's collection, its extent spanning the items published into it. */
export function projectCollection(
  project: { id: string; title: string; description: string },
  items: Array<Pick<ItemRecord, 'bbox' | 'datetime' | 'endDatetime' | 'properties'>>,
): CollectionRecord {
  const boxes = items.map((i) => i.bbox);
  const bbox: [number, number, number, number] = boxes.length
    ? [
        Math.min(...boxes.map((b) => b[0]!)),
        Math.min(...boxes.map((b) => b[1]!)),
        Math.max(...boxes.map((b) => b[2]!)),
        Math.max(...boxes.map((b) => b[3]!)),
      ]
    : [-180, -90, 180, 90];
  const times = items.map((i) => i.datetime.getTime());
  const start = times.length ? new Date(Math.min(...times)) : null;
  const end = items.length ? new Date(Math.max(...items.map((i) => i.endDatetime.getTime()))) : null;
  const description = project.description || `Imagery of the project "${project.title}"`;
  return {
    id: project.id,
    title: project.title,
    description,
    license: 'proprietary',
    bbox,
    temporalStart: start,
    temporalEnd: end,
    content: {
      type: 'Collection',
      stac_version: '1.0.0',
      stac_extensions: [],
      id: project.id,
      title: project.title,
      description,
      license: 'proprietary',
      extent: {
        spatial: { bbox: [bbox] },
        temporal: { interval: [[start?.toISOString() ?? null, end?.toISOString() ?? null]] },
      },
      summaries: { 'edge:product_type': [...new Set(items.map((i) => i.properties['edge:product_type']))] },
      links: [],
    },
  };
}

/** Data product types whose file is a COG, and so an item with a COG asset. */
/** Statistics in `raster:bands` come from an overview no larger than this (like TiTiler's default). */
const STATISTICS_SIZE = 1024;

export interface PublishResult {
  collection: string;
  published: boolean;
  items: number;
  skipped: Array<{ data_product_id: string; reason: string }>;
}

type ProductRow = typeof dataProducts.$inferSelect;
type FlightRow = typeof flights.$inferSelect;

/** Products with their flights, as items are made of them. */
const productsWithFlights = (db: Database) =>
  db
    .select({ product: dataProducts, footprint: asGeoJSON(dataProducts.footprint), flight: flights })
    .from(dataProducts)
    .innerJoin(flights, eq(flights.id, dataProducts.flightId));

/**
 * The item of one COG product, read from the file; statistics are the converter's exact ones
 * when it stored them, else measured on an overview. A RasterError says why the file cannot be.
 */
async function productItem(
  collectionId: string,
  product: ProductRow,
  footprint: unknown,
  flight: FlightRow,
  open: (key: string) => Source,
  cache: HeaderCache,
) {
  const source = open(product.r2Key!);
  return withCog(source, cache, async (cog) => {
    const wgs84 = boundsIn(cog, 'EPSG:4326');
    if (!wgs84) throw new RasterError(422, 'its bounds cannot be expressed in longitude/latitude');
    const bands = cog.descriptions.map((_, i) => i);
    const stats =
      storedStatistics(product.stats, bands.length) ??
      (await statistics(cog, source, {
        bands,
        nodata: cog.nodata,
        maxSize: STATISTICS_SIZE,
        percentiles: [2, 98],
        bins: 10,
        integer: !cog.dataType.startsWith('float'),
      }));
    return dataProductItem(
      collectionId,
      { ...product, footprint },
      { ...flight, acquisitionDate: String(flight.acquisitionDate) },
      cog,
      wgs84,
      stats,
    );
  });
}

/**
 * Writes items into the project's collection: the collection is created first if it is missing
 * (its items reference it), and its extent then spans everything it holds.
 */
async function intoProjectCollection(
  db: Database,
  projectId: string,
  publish: boolean,
  write: () => Promise<unknown>,
): Promise<void> {
  const [project] = await db
    .select({ id: projects.id, title: projects.title, description: projects.description })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!project) throw new Error(`project ${projectId} does not exist`);
  await insertCollection(db, projectCollection(project, []), { projectId, published: publish });
  await write();
  const items = rowsOf<{ bbox: number[]; datetime: string; end_datetime: string; type: unknown }>(
    await db.execute(sql`
    SELECT bbox, datetime, end_datetime, properties -> 'edge:product_type' AS type FROM stac_items WHERE collection_id = ${projectId}`),
  ).map((r) => ({
    bbox: r.bbox,
    datetime: new Date(r.datetime),
    endDatetime: new Date(r.end_datetime),
    properties: { 'edge:product_type': r.type },
  }));
  await upsertProjectCollection(db, projectCollection(project, items), projectId, publish);
}

/**
 * Publishes a project: its collection, and an item per COG data product read from the file itself
 * (projection, bands, statistics). Items of products that are gone are removed; a product whose
 * file cannot be read is skipped and reported, not fatal.
 */
export async function publishProject(
  db: Database,
  projectId: string,
  open: (key: string) => Source,
  cache: HeaderCache,
): Promise<PublishResult> {
  const products = await productsWithFlights(db)
    .where(
      and(
        eq(dataProducts.projectId, projectId),
        inArray(dataProducts.type, [...RASTER_PRODUCT_TYPES]),
        isNotNull(dataProducts.r2Key),
        eq(dataProducts.status, 'ready'),
      ),
    )
    .orderBy(asc(dataProducts.createdAt));
  const items: Array<ItemRecord & { dataProductId: string }> = [];
  const skipped: PublishResult['skipped'] = [];
  for (const { product, footprint, flight } of products) {
    try {
      items.push(await productItem(projectId, product, footprint, flight, open, cache));
    } catch (error) {
      if (!(error instanceof RasterError)) throw error;
      skipped.push({ data_product_id: product.id, reason: error.message });
    }
  }
  const kept = items.map((i) => i.id);
  await intoProjectCollection(db, projectId, true, async () => {
    await db.execute(sql`DELETE FROM stac_items WHERE collection_id = ${projectId} AND data_product_id IS NOT NULL
      ${kept.length ? sql`AND id NOT IN (${sqlList(kept)})` : sql``}`);
    await writeItems(db, items, 'upsert');
  });
  return { collection: projectId, published: true, items: items.length, skipped };
}

export interface CatalogTarget {
  /** A collection of the caller's choosing (io-data's ingest); the project's own collection when absent. */
  collectionId?: string;
  /** Merged into the item's properties (a `datetime` among them sets the item's time). */
  properties?: Record<string, unknown>;
}

/**
 * Catalogues one ready COG product (a finished job): its item is written or replaced, and the
 * project's collection, created unpublished if it did not exist, spans it. Running it again
 * rewrites the same item.
 */
export async function catalogProduct(
  db: Database,
  productId: string,
  open: (key: string) => Source,
  cache: HeaderCache,
  target: CatalogTarget = {},
): Promise<{ collection: string; item: string }> {
  const [row] = await productsWithFlights(db).where(eq(dataProducts.id, productId));
  if (!row?.product.r2Key) throw new Error(`data product ${productId} has no file`);
  const collectionId = target.collectionId ?? row.product.projectId;
  const item = await productItem(collectionId, row.product, row.footprint, row.flight, open, cache);
  if (target.properties) {
    Object.assign(item.properties, target.properties);
    if (typeof target.properties.datetime === 'string')
      item.datetime = item.endDatetime = new Date(target.properties.datetime);
  }
  const write = () => writeItems(db, [item], 'upsert');
  await (target.collectionId ? write() : intoProjectCollection(db, row.product.projectId, false, write));
  return { collection: collectionId, item: item.id };
}

/** Hides the project's collection from the catalog (its items are kept for the next publish); null if it was never published. */
export async function unpublishProject(db: Database, projectId: string): Promise<PublishResult | null> {
  const updated = await db
    .update(stacCollections)
    .set({ isPublished: false, updatedAt: new Date() })
    .where(eq(stacCollections.projectId, projectId))
    .returning({ id: stacCollections.id });
  if (updated.length === 0) return null;
  const [count] = rowsOf<{ n: number }>(
    await db.execute(sql`SELECT count(*)::int AS n FROM stac_items WHERE collection_id = ${updated[0]!.id}`),
  );
  return { collection: updated[0]!.id, published: false, items: count?.n ?? 0, skipped: [] };
}
