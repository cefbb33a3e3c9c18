import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { dataProductStatus, dataProducts, vectorFeatures, vectorLayers } from '../platform/db/schema';
import { asGeoJSON, bboxOf, type Geometry } from '../platform/db/geometry';

/**
 * The only code that writes `data_products`: the Worker's routes, the upload completion, the Job
 * and the GDAL converter (which bundles this file, see containers/converter/Dockerfile) all come
 * here, so a product's lifecycle and its versioning rule are stated once. It imports nothing but
 * drizzle and the db schema, so that the converter's bundle stays small and free of Worker APIs.
 */

type ProductStatus = (typeof dataProductStatus.enumValues)[number];
type ProductRow = typeof dataProducts.$inferSelect;
type ProductInsert = typeof dataProducts.$inferInsert;

/**
 * The lifecycle: pending (registered, its job not yet started) → processing (its job runs) →
 * ready | failed. A failed product is processing again when its job is retried, and a ready one
 * stays ready: a job run again only makes it ready anew (the converter's write), never takes it back.
 * A manager's PATCH is outside the lifecycle: it may set any status by hand.
 */
const NEXT: Record<ProductStatus, readonly ProductStatus[]> = {
  pending: ['processing', 'ready', 'failed'],
  processing: ['processing', 'ready', 'failed'],
  failed: ['processing', 'ready', 'failed'],
  ready: ['ready'],
};

/** The statuses a product may move to `to` from, as a condition on its row (none when any may). */
function movesTo(to: ProductStatus): SQL | undefined {
  const from = dataProductStatus.enumValues.filter((status) => NEXT[status].includes(to));
  return from.length === dataProductStatus.enumValues.length ? undefined : inArray(dataProducts.status, from);
}

/** A product registered with a job to make it starts pending; one stored as it is (raw) is ready at once. */
export const initialStatus = (hasJob: boolean): ProductStatus => (hasJob ? 'pending' : 'ready');

/**
 * The versioning rule: the version (part of every tile cache key) moves only when the file does,
 * its SHA-256 or its key, so that running a job again changes no cache key. Postgres reads the
 * row's old values in SET, so this compares with the file the product had before the write.
 */
const versionAfterFile = (file: { key: string; sha256: string }): SQL =>
  sql`${dataProducts.version} + CASE WHEN ${dataProducts.metadata}->>'sha256' IS DISTINCT FROM ${file.sha256}
    OR ${dataProducts.r2Key} IS DISTINCT FROM ${file.key} THEN 1 ELSE 0 END`;

/** Keys added to (or replacing those of) the product's metadata, the others kept. */
const mergeMetadata = (patch: Record<string, unknown>): SQL =>
  sql`${dataProducts.metadata} || ${JSON.stringify(patch)}::jsonb`;

// ------------------------------------------------------------------ reads

export interface ProductWithGeometry {
  product: ProductRow;
  footprint: Geometry | null;
  bbox: [number, number, number, number] | null;
}

export type ProductLookup = { id: string } | { flightId: string } | { projectId: string };

const lookup = (by: ProductLookup): SQL =>
  'id' in by
    ? eq(dataProducts.id, by.id)
    : 'flightId' in by
      ? eq(dataProducts.flightId, by.flightId)
      : eq(dataProducts.projectId, by.projectId);

/**
 * Products by id, flight or project, oldest first, with their footprint as GeoJSON and its bbox;
 * `also` narrows them further (a caller's access predicate: this store knows no access rule).
 */
export function findProducts(db: Database, by: ProductLookup, also?: SQL): Promise<ProductWithGeometry[]> {
  return db
    .select({
      product: dataProducts,
      footprint: asGeoJSON(dataProducts.footprint),
      bbox: bboxOf(dataProducts.footprint),
    })
    .from(dataProducts)
    .where(and(lookup(by), also))
    .orderBy(asc(dataProducts.createdAt), asc(dataProducts.id));
}

/** The statistics stored with a product (`stats`), null where none were (or no such product). */
export async function productStatistics(db: Database, id: string): Promise<Record<string, unknown> | null> {
  const [row] = await db.select({ stats: dataProducts.stats }).from(dataProducts).where(eq(dataProducts.id, id));
  return row?.stats ?? null;
}

/** A project's ready products (a file to show), oldest first; `also` as for `findProducts`. */
export const readyProducts = (db: Database, projectId: string, also?: SQL): Promise<ProductWithGeometry[]> =>
  findProducts(db, { projectId }, and(eq(dataProducts.status, 'ready'), also));

// ------------------------------------------------------------------ registration and manual edits

/** Registers a product; answers its id. */
export async function createProduct(db: Database, values: ProductInsert): Promise<string> {
  const [created] = await db.insert(dataProducts).values(values).returning({ id: dataProducts.id });
  return created!.id;
}

/**
 * The product an upload completes, written once: its id was decided when the upload was created, so
 * a completion retried after a crash inserts nothing. A query to run (or to join to the upload's own
 * row in one statement).
 */
export const createProductOnce = (db: Database, values: ProductInsert & { id: string }) =>
  db.insert(dataProducts).values(values).onConflictDoNothing({ target: dataProducts.id });

/** A manager's change: any change moves the version, which invalidates cached tiles. */
export async function editProduct(db: Database, id: string, changes: Partial<ProductInsert>): Promise<void> {
  await db
    .update(dataProducts)
    .set({ ...changes, version: sql`${dataProducts.version} + 1`, updatedAt: new Date() })
    .where(eq(dataProducts.id, id));
}

export async function deleteProduct(db: Database, id: string): Promise<void> {
  await db.delete(dataProducts).where(eq(dataProducts.id, id));
}

// ------------------------------------------------------------------ the lifecycle, driven by jobs

/** The status a job's state gives its product; null where it says nothing (queued, succeeded, cancelled). */
const statusOfJob = (state: string): ProductStatus | null =>
  state === 'running' ? 'processing' : state === 'failed' ? 'failed' : null;

/**
 * The product following its job's state (see the lifecycle above), as a query to run with the job's
 * own row; null when the state moves nothing.
 */
export function followJob(db: Database, productId: string, jobState: string) {
  const status = statusOfJob(jobState);
  if (!status) return null;
  return db
    .update(dataProducts)
    .set({ status, updatedAt: sql`now()` })
    .where(and(eq(dataProducts.id, productId), movesTo(status)));
}

/** A raster made into a COG: its file, grid and statistics described; ready. */
export interface RasterFile {
  key: string;
  sha256: string;
  /** The footprint in WGS 84, as gdalinfo gives it (absent when it cannot say). */
  footprint: Geometry | null;
  crs: string | null;
  resolution: [number, number];
  bands: Array<Record<string, unknown>>;
  stats: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export async function markRasterReady(db: Database, id: string, file: RasterFile): Promise<void> {
  await db
    .update(dataProducts)
    .set({
      status: 'ready',
      r2Key: file.key,
      footprint: sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(file.footprint)}), 4326))`,
      crs: file.crs,
      resolution: file.resolution,
      bands: file.bands,
      stats: file.stats,
      metadata: mergeMetadata(file.metadata),
      version: versionAfterFile(file),
      updatedAt: sql`now()`,
    })
    .where(and(eq(dataProducts.id, id), movesTo('ready')));
}

/** A vector file loaded into layers (already written): its footprint is their features' extent; ready. */
export async function markVectorReady(
  db: Database,
  id: string,
  loaded: { sourceKey: string; layers: unknown[] },
): Promise<void> {
  // A hair wider than the features, so that a single point still has an area.
  const extent = db
    .select({
      footprint: sql`ST_Multi(ST_Envelope(ST_Expand(ST_SetSRID(ST_Extent(${vectorFeatures.geom})::geometry, 4326), 1e-7)))`,
    })
    .from(vectorFeatures)
    .innerJoin(vectorLayers, eq(vectorLayers.id, vectorFeatures.layerId))
    .where(eq(vectorLayers.dataProductId, id));
  await db
    .update(dataProducts)
    .set({
      status: 'ready',
      updatedAt: sql`now()`,
      footprint: sql`${extent}`,
      metadata: mergeMetadata({ source_key: loaded.sourceKey, layers: loaded.layers }),
    })
    .where(and(eq(dataProducts.id, id), movesTo('ready')));
}

/** A PMTiles archive checked in place: its footprint is the archive's bounds; ready. */
export async function markArchiveReady(
  db: Database,
  id: string,
  archive: { bounds: [number, number, number, number]; description: Record<string, unknown> },
): Promise<void> {
  const [minLon, minLat, maxLon, maxLat] = archive.bounds;
  await db
    .update(dataProducts)
    .set({
      status: 'ready',
      updatedAt: sql`now()`,
      footprint: sql`ST_Multi(ST_MakeEnvelope(${minLon}, ${minLat}, ${maxLon}, ${maxLat}, 4326))`,
      metadata: mergeMetadata({ pmtiles: archive.description }),
    })
    .where(and(eq(dataProducts.id, id), movesTo('ready')));
}
