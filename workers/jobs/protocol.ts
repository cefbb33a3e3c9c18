/**
 * What the Job Durable Object and the converter say to each other, whichever transport carries it
 * (the Container binding in production, a local HTTP process in dev and tests). Shared by both
 * sides, so it stays free of Worker and Node APIs.
 */

/** Compressions the converter writes COGs in, each one the raster engine's codecs read. */
export const COG_COMPRESSIONS = ['deflate', 'lerc', 'jpeg', 'webp'] as const;

export interface JobInput {
  /** The source object in the DATA bucket. */
  key: string;
  filename: string;
  projectId: string;
  dataProductId: string;
  /** The data product type the file was uploaded as (ortho, dsm, multispectral, vector, pmtiles). */
  productType: string;
  /** COG compression asked for; lossless DEFLATE (or LERC for floats) when absent. */
  compression?: (typeof COG_COMPRESSIONS)[number];
  /** Reproject the COG to this CRS (`EPSG:n`); kept in its own CRS when absent. */
  crs?: string;
}

/** `POST /runs`: start (or, for the same attempt, keep) a run. */
export interface RunRequest {
  jobId: string;
  /** Attempts of one job are numbered; a newer attempt replaces an older one still running. */
  attempt: number;
  /** The GDAL work asked for, by its name in the converter's WORK table (a job kind's `converterWork`). */
  kind: string;
  input: JobInput;
  /** Where the converter reads its input and writes its outputs: job-scoped signed URLs. */
  io: { baseUrl: string; token: string };
}

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunEvent {
  seq: number;
  at: number;
  /** `progress` moves the bar (0–100) with a message; `log` is a line of a step's output. */
  type: 'progress' | 'log';
  progress?: number;
  message: string;
  /** The phase the run is in, timed for the bench: transfer, gdal, db. */
  phase?: RunPhase;
}

export type RunPhase = 'transfer' | 'gdal' | 'db';

/** What a run made: named in the job's result. */
export interface RunResult {
  dataProductId: string;
  keys: string[];
  /** Seconds spent per phase (the bench reads them). */
  phases: Partial<Record<RunPhase, number>>;
  layers?: Array<{ id: string; name: string; featureCount: number }>;
  cog?: { converted: boolean; sizeBytes: number };
}

/** `GET /runs/{jobId}?after=N`: the run's events after N, and how it ended. */
export interface RunStatus {
  jobId: string;
  attempt: number;
  state: RunState;
  events: RunEvent[];
  result?: RunResult;
  /** `transient` failures (a lost connection, a killed process) are retried; others are final. */
  error?: { message: string; transient: boolean };
}
