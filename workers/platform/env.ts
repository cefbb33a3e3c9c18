import type { Database } from './db/client';
import type { Principal } from './auth/principal';
import type { AuthTiming } from './auth/grants';
import type { UploadSession } from '../../durable-objects/upload-session';
import type { Job } from '../../durable-objects/job';
import type { Converter } from '../../durable-objects/converter';

/** Bindings declared in wrangler.toml, plus the secrets set with `wrangler secret put`. */
export interface Bindings {
  DATA: R2Bucket;
  /** The web app's built files (wrangler.toml [assets], web/dist). */
  ASSETS: Fetcher;
  /** One UploadSession Durable Object per tus upload. */
  UPLOADS: DurableObjectNamespace<UploadSession>;
  /** One Job Durable Object per processing job. */
  JOBS: DurableObjectNamespace<Job>;
  /** The converter as a Container (production); absent where CONVERTER_URL names a local process. */
  CONVERTER?: DurableObjectNamespace<Converter>;
  /**
   * The Worker's public URL (`https://tiles.example.org`): where the converter fetches a job's input
   * and sends its outputs, signed job URLs included. Never taken from a request's Host header,
   * which the client chooses. Jobs cannot start without it.
   */
  PUBLIC_BASE_URL?: string;
  /** A converter process reached over HTTP (dev and tests, where there is no Docker engine). */
  CONVERTER_URL?: string;
  /** Shared secret between the Worker and the converter (a secret, never in wrangler.toml). */
  CONVERTER_SECRET?: string;
  JOB_MAX_ATTEMPTS?: string;
  JOB_RETRY_BASE_SECONDS?: string;
  JOB_HEARTBEAT_SECONDS?: string;
  ENVIRONMENT: string;
  DB_DRIVER: 'pg' | 'neon';
  DATABASE_URL: string;
  JWT_SIGNING_KEYS: string;
  MAX_BODY_BYTES: string;
  ACCESS_TOKEN_TTL: string;
  REFRESH_TOKEN_TTL: string;
  RESOURCE_TOKEN_TTL: string;
  /**
   * How long an isolate trusts what it learnt about credentials and access (default 30): the delay
   * before a revocation made elsewhere reaches it, and why a warm tile costs no database round trip.
   */
  ACCESS_CACHE_SECONDS?: string;
  /** Cache-Control of rendered tiles and images; `public` becomes `private` for restricted data. */
  TILE_CACHE_CONTROL?: string;
  /** Bytes of rendered tiles each isolate keeps in front of the Cache API (default 16 MiB; 0 turns it off). */
  TILE_MEMORY_CACHE_BYTES?: string;
  /**
   * The request header that holds the client's address, set by what stands in front of the Worker
   * (`cf-connecting-ip` on Cloudflare). Unset, every client is one address (wrangler dev, where a
   * client could send any value).
   */
  CLIENT_ADDRESS_HEADER?: string;
  /** Origins allowed by CORS, comma-separated, or `*`. */
  CORS_ORIGINS?: string;
  /** "204" answers tiles missing from a PMTiles archive with 204 instead of 404. */
  PMTILES_MISSING_TILE?: string;
  /** Features per layer in one vector tile, at most (default 20000). */
  VECTOR_TILE_FEATURE_LIMIT?: string;
  /** Largest GeoJSON body for a new vector layer (default 32 MiB). */
  VECTOR_MAX_BODY_BYTES?: string;
  UPLOAD_MAX_SIZE?: string;
  UPLOAD_PART_SIZE?: string;
  UPLOAD_EXPIRY_SECONDS?: string;
}

export interface Variables {
  db: Database;
  /** null for anonymous requests; invalid credentials never reach a handler. */
  principal: Principal | null;
  /** Where authorization's time went (isolate caches or the database), for Server-Timing. */
  authTiming: AuthTiming;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
