import { eq, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { uploads } from '../platform/db/schema';
import { createProductOnce } from '../data-products/store';

/** The `uploads` table: a listing mirror of the UploadSession Durable Objects, which own each upload's truth. */

type UploadInsert = typeof uploads.$inferInsert;
type ProductValues = Parameters<typeof createProductOnce>[1];

/** The project an upload belongs to; null when there is no such row (never made, or its project deleted). */
export async function uploadProject(db: Database, id: string): Promise<string | null> {
  const [upload] = await db.select({ projectId: uploads.projectId }).from(uploads).where(eq(uploads.id, id));
  return upload?.projectId ?? null;
}

export async function createUpload(db: Database, values: UploadInsert): Promise<void> {
  await db.insert(uploads).values(values);
}

/** The upload's row as it stands: its state and how far it got. */
export async function mirrorUpload(
  db: Database,
  upload: { id: string; state: NonNullable<UploadInsert['state']>; offset: number },
): Promise<void> {
  await db
    .update(uploads)
    .set({ state: upload.state, offset: upload.offset, updatedAt: sql`now()` })
    .where(eq(uploads.id, upload.id));
}

/**
 * A completed upload and its data product, in one statement: the product is written once (its id
 * was decided when the upload was created), so a completion retried after a crash writes it again harmlessly.
 */
export async function recordCompletion(
  db: Database,
  upload: { id: string; offset: number; length: number | null; key: string; jobId: string | null },
  product: ProductValues,
): Promise<void> {
  const created = db.$with('product').as(createProductOnce(db, product));
  await db
    .with(created)
    .update(uploads)
    .set({
      state: 'completed',
      offset: upload.offset,
      length: upload.length,
      r2Key: upload.key,
      dataProductId: product.id,
      jobId: upload.jobId,
      completedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(eq(uploads.id, upload.id));
}
