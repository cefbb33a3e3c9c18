import { sql } from 'drizzle-orm';
import {
  pgTable,
  pgEnum,
  uuid,
  text,
  boolean,
  timestamp,
  integer,
  bigint,
  bigserial,
  doublePrecision,
  date,
  jsonb,
  primaryKey,
  index,
  uniqueIndex,
  customType,
} from 'drizzle-orm/pg-core';
import { geometry } from './geometry';

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const projectRole = pgEnum('project_role', ['viewer', 'manager', 'owner']);
export const teamRole = pgEnum('team_role', ['member', 'owner']);
export const dataProductType = pgEnum('data_product_type', [
  'ortho',
  'dsm',
  'multispectral',
  'pmtiles',
  'vector',
  'point_cloud',
  'raw',
]);
/** The types drawn as rasters (COGs): a job converts them, the catalog publishes them. */
export const RASTER_PRODUCT_TYPES = ['ortho', 'dsm', 'multispectral'] as const satisfies ReadonlyArray<
  (typeof dataProductType.enumValues)[number]
>;
export const dataProductStatus = pgEnum('data_product_status', ['pending', 'processing', 'ready', 'failed']);
export const uploadState = pgEnum('upload_state', [
  'created',
  'uploading',
  'completed',
  'expired',
  'terminated',
  'failed',
]);
export const jobState = pgEnum('job_state', ['queued', 'running', 'succeeded', 'failed', 'cancelled']);

// ---------------------------------------------------------------- accounts

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    passwordHash: text('password_hash').notNull(),
    isAdmin: boolean('is_admin').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
);

/** Refresh tokens. Rotated on every use; reuse of a rotated token revokes its whole family. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** The session a refresh replaced this one with: set by a rotation, not by a logout or a drop. */
    rotatedTo: uuid('rotated_to'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sessions_token_hash_idx').on(t.tokenHash), index('sessions_family_idx').on(t.familyId)],
);

export const loginAttempts = pgTable(
  'login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    email: text('email').notNull(),
    ip: text('ip').notNull(),
    succeeded: boolean('succeeded').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('login_attempts_email_at_idx').on(sql`lower(${t.email})`, t.at),
    index('login_attempts_ip_at_idx').on(t.ip, t.at),
  ],
);

export const memberLookups = pgTable(
  'member_lookups',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('member_lookups_user_at_idx').on(t.userId, t.at)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Public part of the key, used to find the row; the secret part is only stored hashed. */
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_keys_prefix_idx').on(t.prefix), index('api_keys_user_idx').on(t.userId)],
);

export const teams = pgTable('teams', {
  id: id(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: teamRole('role').notNull().default('member'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

// ---------------------------------------------------------------- projects and imagery

export const projects = pgTable(
  'projects',
  {
    id: id(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    boundary: geometry('boundary', 'MultiPolygon'),
    isPublic: boolean('is_public').notNull().default(false),
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /**
     * Bumped (by triggers, migration 0005) by every change that can take access to the project away;
     * signed tile tokens carry the epoch they were minted in and die when it moves.
     */
    accessEpoch: integer('access_epoch').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('projects_boundary_gist').using('gist', t.boundary), index('projects_team_idx').on(t.teamId)],
);

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: projectRole('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_idx').on(t.userId)],
);

export const flights = pgTable(
  'flights',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    acquisitionDate: date('acquisition_date').notNull(),
    platform: text('platform').notNull().default(''),
    sensor: text('sensor').notNull().default(''),
    altitudeM: doublePrecision('altitude_m'),
    forwardOverlap: doublePrecision('forward_overlap'),
    sideOverlap: doublePrecision('side_overlap'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('flights_project_idx').on(t.projectId, t.acquisitionDate)],
);

export const dataProducts = pgTable(
  'data_products',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    flightId: uuid('flight_id')
      .notNull()
      .references(() => flights.id, { onDelete: 'cascade' }),
    type: dataProductType('type').notNull(),
    status: dataProductStatus('status').notNull().default('pending'),
    /** Object key in the DATA bucket, always under `projects/{projectId}/`. */
    r2Key: text('r2_key'),
    filename: text('filename').notNull().default(''),
    isPublic: boolean('is_public').notNull().default(false),
    footprint: geometry('footprint', 'MultiPolygon'),
    crs: text('crs'),
    resolution: jsonb('resolution').$type<[number, number]>(),
    bands: jsonb('bands').$type<Array<Record<string, unknown>>>(),
    stats: jsonb('stats').$type<Record<string, unknown>>(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** Bumped whenever the file or its metadata changes; part of every tile cache key. */
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('data_products_flight_idx').on(t.flightId),
    index('data_products_project_idx').on(t.projectId),
    index('data_products_r2_key_idx').on(t.r2Key),
    index('data_products_footprint_gist').using('gist', t.footprint),
  ],
);

export const uploads = pgTable(
  'uploads',
  {
    id: text('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    flightId: uuid('flight_id').references(() => flights.id, { onDelete: 'set null' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    type: dataProductType('type').notNull(),
    filename: text('filename').notNull(),
    length: bigint('length', { mode: 'number' }),
    offset: bigint('offset', { mode: 'number' }).notNull().default(0),
    state: uploadState('state').notNull().default('created'),
    r2Key: text('r2_key'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    dataProductId: uuid('data_product_id').references(() => dataProducts.id, { onDelete: 'set null' }),
    jobId: text('job_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('uploads_project_idx').on(t.projectId, t.createdAt)],
);

/** Listing mirror of the Job Durable Objects, which own the state. */
export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    dataProductId: uuid('data_product_id').references(() => dataProducts.id, { onDelete: 'set null' }),
    uploadId: text('upload_id').references(() => uploads.id, { onDelete: 'set null' }),
    state: jobState('state').notNull().default('queued'),
    progress: integer('progress').notNull().default(0),
    message: text('message').notNull().default(''),
    attempts: integer('attempts').notNull().default(0),
    input: jsonb('input').$type<Record<string, unknown>>().notNull().default({}),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('jobs_project_state_idx').on(t.projectId, t.state, t.createdAt)],
);

// ---------------------------------------------------------------- STAC catalog

export const stacCollections = pgTable(
  'stac_collections',
  {
    id: text('id').primaryKey(),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    title: text('title').notNull().default(''),
    description: text('description').notNull().default(''),
    license: text('license').notNull().default('proprietary'),
    extentGeometry: geometry('extent_geometry', 'Geometry'),
    temporalStart: timestamp('temporal_start', { withTimezone: true }),
    temporalEnd: timestamp('temporal_end', { withTimezone: true }),
    /** The rest of the STAC Collection document (keywords, providers, summaries, links, ...). */
    content: jsonb('content').$type<Record<string, unknown>>().notNull().default({}),
    isPublished: boolean('is_published').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('stac_collections_project_idx').on(t.projectId)],
);

export const stacItems = pgTable(
  'stac_items',
  {
    collectionId: text('collection_id')
      .notNull()
      .references(() => stacCollections.id, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    geometry: geometry('geometry', 'Geometry').notNull(),
    /** The item's bbox as written (2D or 3D). */
    bbox: jsonb('bbox').$type<number[]>().notNull(),
    /** Start of the item's time span: its `datetime`, or `start_datetime` for a range (as pgstac). */
    datetime: timestamp('datetime', { withTimezone: true }).notNull(),
    /** End of the span: `datetime` again for an instant. */
    endDatetime: timestamp('end_datetime', { withTimezone: true }).notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    assets: jsonb('assets').$type<Record<string, unknown>>().notNull().default({}),
    links: jsonb('links').$type<Array<Record<string, unknown>>>().notNull().default([]),
    stacExtensions: jsonb('stac_extensions').$type<string[]>().notNull().default([]),
    /** Other top-level members of the item, kept as written. */
    extra: jsonb('extra').$type<Record<string, unknown>>().notNull().default({}),
    dataProductId: uuid('data_product_id').references(() => dataProducts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.collectionId, t.id] }),
    index('stac_items_geometry_gist').using('gist', t.geometry),
    index('stac_items_collection_datetime_idx').on(t.collectionId, t.datetime, t.id),
    // The default order of a search across collections: datetime, then the primary key.
    index('stac_items_datetime_idx').on(t.datetime, t.collectionId, t.id),
    index('stac_items_data_product_idx').on(t.dataProductId),
  ],
);

// ---------------------------------------------------------------- vector data

export const vectorLayers = pgTable(
  'vector_layers',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    dataProductId: uuid('data_product_id').references(() => dataProducts.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    geometryType: text('geometry_type').notNull().default('Geometry'),
    fields: jsonb('fields').$type<Record<string, string>>().notNull().default({}),
    featureCount: integer('feature_count').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('vector_layers_project_idx').on(t.projectId),
    // A converted file's layers are replaced by name when its job runs again, never added twice.
    uniqueIndex('vector_layers_product_name_idx').on(t.dataProductId, t.name),
  ],
);

const geometry3857 = customType<{ data: string }>({ dataType: () => 'geometry(Geometry,3857)' });

export const vectorFeatures = pgTable(
  'vector_features',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    layerId: uuid('layer_id')
      .notNull()
      .references(() => vectorLayers.id, { onDelete: 'cascade' }),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    geom: geometry('geom', 'Geometry').notNull(),
    /** Kept in step by Postgres itself, so tiling never reprojects per request. */
    geom3857: geometry3857('geom_3857').generatedAlwaysAs(sql`ST_Transform(geom, 3857)`),
  },
  (t) => [
    index('vector_features_layer_idx').on(t.layerId, t.id),
    index('vector_features_geom_gist').using('gist', t.geom),
    index('vector_features_geom_3857_gist').using('gist', t.geom3857),
  ],
);

// ---------------------------------------------------------------- parcels (zonal statistics, CbM)

export const parcels = pgTable(
  'parcels',
  {
    id: id(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    parcelId: text('parcel_id').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    geom: geometry('geom', 'MultiPolygon').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('parcels_project_parcel_idx').on(t.projectId, t.parcelId),
    index('parcels_geom_gist').using('gist', t.geom),
  ],
);

export const parcelSignatures = pgTable(
  'parcel_signatures',
  {
    parcelId: uuid('parcel_id')
      .notNull()
      .references(() => parcels.id, { onDelete: 'cascade' }),
    dataProductId: uuid('data_product_id')
      .notNull()
      .references(() => dataProducts.id, { onDelete: 'cascade' }),
    band: integer('band').notNull(),
    acquiredOn: date('acquired_on').notNull(),
    count: integer('count').notNull(),
    mean: doublePrecision('mean'),
    std: doublePrecision('std'),
    min: doublePrecision('min'),
    max: doublePrecision('max'),
    p25: doublePrecision('p25'),
    p50: doublePrecision('p50'),
    p75: doublePrecision('p75'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.parcelId, t.dataProductId, t.band] }),
    index('parcel_signatures_series_idx').on(t.parcelId, t.band, t.acquiredOn),
  ],
);
