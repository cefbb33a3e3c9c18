import type { Database } from '../platform/db/client';
import { RASTER_PRODUCT_TYPES } from '../platform/db/schema';
import type { ProductType } from '../engines/tus/protocol';
import { R2Source } from '../engines/raster/source';
import { RasterError } from '../engines/raster/errors';
import { catalogProduct, type CatalogTarget } from '../catalog/publish';
import { errorMessage } from '../platform/util/error-message';
import { JobInputError } from './input-error';
import { registerArchive } from './register-archive';
import type { JobInput, RunResult } from './protocol';

/**
 * The job kinds: what each asks of the converter (or does in the Worker itself) and what it does
 * once that work has succeeded. The Job Durable Object runs any of them without knowing which, so
 * a new kind is an entry here (and, for new GDAL work, a handler in the converter's WORK table).
 */

/** What a kind's steps may use: the bucket, and a database opened for the step. */
export interface KindContext {
  bucket: R2Bucket;
  withDatabase<T>(use: (db: Database) => Promise<T>): Promise<T>;
}

/** The job as its steps see it. */
export interface KindJob {
  input: JobInput;
  catalog?: CatalogTarget;
}

/** What the work made, as the converter reports it (its own timings aside). */
export type WorkResult = Omit<RunResult, 'phases'>;

/** Phases a completion step is timed as in the job's result (beside the converter's own). */
export type CompletionPhase = 'catalog';

/**
 * Run once the work has succeeded, before the job has: what it answers joins the job's result. A
 * JobInputError fails the job at once; any other error is retried as a transient failure.
 */
export interface CompletionStep {
  phase: CompletionPhase;
  /** The job's message while the step runs. */
  message: string;
  run(context: KindContext, job: KindJob): Promise<{ stacItem?: { collection: string; item: string } }>;
}

export type JobKind = {
  /** The data product types whose uploads and ingests get a job of this kind. */
  productTypes: readonly ProductType[];
  completion?: CompletionStep;
} & (
  | {
      /** GDAL work: its name in the converter's WORK table (containers/converter/src/server.ts). */
      converterWork: string;
    }
  | {
      /** Work that needs no GDAL, done by the Job itself; JobInputError when the input is at fault. */
      runInWorker(context: KindContext, input: JobInput): Promise<WorkResult>;
    }
);

/** Raster products get their STAC item once their COG is recorded. */
const catalogue: CompletionStep = {
  phase: 'catalog',
  message: 'cataloguing (STAC item)',
  async run({ bucket, withDatabase }, { input, catalog }) {
    try {
      const stacItem = await withDatabase((db) =>
        catalogProduct(db, input.dataProductId, (key) => new R2Source(bucket, key), {}, catalog),
      );
      return { stacItem };
    } catch (error) {
      const message = `the STAC item could not be written: ${errorMessage(error)}`;
      // A file the raster reader refuses is refused again on retry; anything else may pass.
      throw error instanceof RasterError ? new JobInputError(message) : new Error(message);
    }
  },
};

/** The names, as a tuple for the API's enum; the table below must hold an entry for each. */
export const JOB_KIND_NAMES = ['raster', 'vector', 'pmtiles'] as const;
export type JobKindName = (typeof JOB_KIND_NAMES)[number];

const KINDS: Record<JobKindName, JobKind> = {
  raster: { productTypes: RASTER_PRODUCT_TYPES, converterWork: 'raster', completion: catalogue },
  vector: { productTypes: ['vector'], converterWork: 'vector' },
  pmtiles: {
    productTypes: ['pmtiles'],
    runInWorker: ({ bucket, withDatabase }, input) => withDatabase((db) => registerArchive(db, bucket, input)),
  },
};

export const jobKind = (name: JobKindName): JobKind => KINDS[name];

/** The job an upload of each data product type gets; raw files are stored as they are, with none. */
export function jobKindFor(productType: string): JobKindName | null {
  return JOB_KIND_NAMES.find((name) => KINDS[name].productTypes.some((type) => type === productType)) ?? null;
}

/** The product types some job turns into a data product, in the order of the kinds above. */
export const JOB_PRODUCT_TYPES = JOB_KIND_NAMES.flatMap((name) => KINDS[name].productTypes);
