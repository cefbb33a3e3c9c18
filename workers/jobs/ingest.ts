import type { Database } from '../platform/db/client';
import type { Bindings } from '../platform/env';
import type { ProductType } from '../engines/tus/protocol';
import type { CatalogTarget } from '../catalog/publish';
import { createProduct, initialStatus } from '../data-products/store';
import type { JobView } from '../../durable-objects/job';
import type { JobKindName } from './kinds';
import type { JobInput } from './protocol';

export interface IngestRequest {
  /** An object already in the bucket, under its project's prefix. */
  key: string;
  filename: string;
  projectId: string;
  flightId: string;
  type: ProductType;
  kind: JobKindName;
  /** The Worker's origin, for the converter's signed URLs. */
  origin: string;
  options: Pick<JobInput, 'compression' | 'crs'>;
  catalog: CatalogTarget;
}

/**
 * io-data's ingest: an object already in the bucket becomes a pending data product, and the job that
 * makes it is started. Answers the job as it is once queued.
 */
export async function ingest(db: Database, jobs: Bindings['JOBS'], request: IngestRequest): Promise<JobView> {
  const { key, filename, projectId, type } = request;
  const dataProductId = await createProduct(db, {
    projectId,
    flightId: request.flightId,
    type,
    status: initialStatus(true),
    r2Key: key,
    filename,
  });
  const id = crypto.randomUUID();
  return jobs.get(jobs.idFromName(id)).start({
    id,
    kind: request.kind,
    uploadId: null,
    origin: request.origin,
    input: { key, filename, projectId, dataProductId, productType: type, ...request.options },
    catalog: request.catalog,
  });
}
