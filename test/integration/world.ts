// The world the access matrix (access-matrix.test.ts) runs against, built through the public API
// only (no SQL, no GDAL on the test's side): tenant A's private project P with its members, a
// flight, data products with real files (a COG, a PMTiles archive), a vector layer, a STAC
// collection with items, a job and an upload; teams; and the seven personas that call it.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { baseUrl, call, json, newUser, seed, square, unique, type TestUser } from './helpers';

export const PERSONAS = ['anonymous', 'stranger', 'jumper', 'viewer', 'manager', 'owner', 'admin'] as const;
export type Persona = (typeof PERSONAS)[number];

/** How a persona authenticates: nothing, or an API key (keys do not expire mid-run as access tokens do). */
export interface Caller {
  persona: Persona;
  apiKey?: string;
  /** The user behind the persona (none for anonymous). */
  userId?: string;
}

/**
 * Every tenant object a case may name, by kind, so that a "nonexistent" twin of any request can be
 * made by substituting random values of the same kind (see `ghostIds`).
 */
export const ID_KINDS = {
  project: 'uuid',
  flight: 'uuid',
  product: 'uuid', // metadata only
  cog: 'uuid', // a data product whose file is a real COG
  cogKey: 'key', // its bucket key
  pmtiles: 'uuid', // a data product whose file is a PMTiles archive
  pmtilesName: 'key', // its bucket key without .pmtiles
  ingestKey: 'key', // a PMTiles archive under P, with no product of its own, for POST /ingest
  layer: 'uuid',
  feature: 'int',
  collection: 'uuid', // P's STAC collection (its id is P's)
  item: 'string', // a hand-made item in P's collection (data_product_id null)
  cogItem: 'uuid', // the published item of the COG product (its id is the product's)
  job: 'uuid',
  upload: 'hex32', // an unfinished upload made by the manager
  team: 'uuid', // team TA: owner O, members M and V; P belongs to it
  member: 'uuid', // a user who is (or is made) a member of P, for member removal
  teamMember: 'uuid', // a user who is (or is made) a member of TA
  apiKey: 'uuid', // an API key of the owner
} as const;
export type Ids = { -readonly [K in keyof typeof ID_KINDS]: string };

const ghostOf: Record<(typeof ID_KINDS)[keyof typeof ID_KINDS], (ghostProject: string) => string> = {
  uuid: () => randomUUID(),
  hex32: () => randomBytes(16).toString('hex'),
  int: () => String(900_000_000 + Math.floor(Math.random() * 99_999_999)),
  string: () => `ghost-${randomBytes(6).toString('hex')}`,
  key: (p) => `projects/${p}/ghost/${randomBytes(6).toString('hex')}`,
};

/** Ids of every kind the world has, each a random one (keys under a random project). */
export function ghostIds(): Ids {
  const project = randomUUID();
  const out = {} as Ids;
  for (const [name, kind] of Object.entries(ID_KINDS) as Array<[keyof Ids, (typeof ID_KINDS)[keyof Ids]]>) {
    out[name] = name === 'project' ? project : name === 'collection' ? project : ghostOf[kind](project);
  }
  // Keys keep their shape and extension, only their project and name are random.
  out.cogKey = `${out.cogKey}.tif`;
  out.ingestKey = `${out.ingestKey}.pmtiles`;
  return out;
}

/** Where things are, for the raster, PMTiles and vector requests (not tenant ids: never substituted). */
export interface Geo {
  /** A WebMercatorQuad tile over the COG's centre. */
  tile: { z: number; x: number; y: number };
  /** The COG's centre, lon/lat. */
  point: [number, number];
  /** A lon/lat box well inside the COG. */
  bbox: [number, number, number, number];
  /** A GeoJSON Feature of that box. */
  feature: Record<string, unknown>;
  /** A tile the PMTiles archive holds. */
  pmTile: { z: number; x: number; y: number; ext: string };
}

export interface Users {
  owner: TestUser;
  manager: TestUser;
  viewer: TestUser;
  stranger: TestUser;
  jumper: TestUser;
  /** Owns team T2, of which the jumper is a plain member. */
  otherTeamOwner: TestUser;
  /** Never a persona: the one added to and removed from memberships. */
  helper: TestUser;
}

export interface World {
  callers: Record<Persona, Caller>;
  users: Users;
  ids: Ids;
  geo: Geo;
  /** The jumper's own team T1, the team T2 they belong to, and T2's project (theirs to read, through T2). */
  jumperTeams: { own: string; member: string; memberProject: string };
  /** A second layer of P and a second product of P, for tokens scoped to something else. */
  otherLayer: string;
  /** The marker property only P's hand-made item carries (for queryables). */
  markerProperty: string;
  /** A second COG product in P: a token for it must not open `cog`. */
  otherCog: string;
  otherCogKey: string;
  /** A plain GeoTIFF under P (RGB.byte.tif, stripped, no overviews) that takes the converter seconds: running jobs. */
  rasterKey: string;
  /** A share link of P made by its manager (an hour long), minted once the world is built. */
  share: string;
}

// ---------------------------------------------------------------- small API helpers

export const b64 = (s: string) => Buffer.from(s).toString('base64');
const TUS = { 'tus-resumable': '1.0.0' };

/** Calls as a user (access token), for building the world. */
const as = (user: TestUser) => ({ token: user.token });

export async function apiKeyOf(user: TestUser, name = 'matrix'): Promise<{ id: string; key: string }> {
  return json<{ id: string; key: string }>(await call('/api-keys', { ...as(user), json: { name } }), 201);
}

export function tusMetadata(project: string, flight: string, type: string, filename: string): string {
  return `project ${b64(project)},flight ${b64(flight)},type ${b64(type)},filename ${b64(filename)}`;
}

/** A tus upload in one request (creation-with-upload) or, without bytes, an unfinished one of `length`. */
export async function tusCreate(
  user: TestUser,
  project: string,
  flight: string,
  type: string,
  filename: string,
  bytes?: Uint8Array,
  length = bytes?.length ?? 1024,
): Promise<{ id: string; url: string }> {
  const response = await fetch(`${baseUrl}/uploads`, {
    method: 'POST',
    headers: {
      ...TUS,
      authorization: `Bearer ${user.token}`,
      'upload-length': String(length),
      'upload-metadata': tusMetadata(project, flight, type, filename),
      ...(bytes ? { 'content-type': 'application/offset+octet-stream' } : {}),
    },
    body: bytes,
  });
  const text = await response.text();
  expect(response.status, `POST /uploads: ${text}`).toBe(201);
  const url = response.headers.get('location')!;
  if (bytes) expect(response.headers.get('upload-offset'), `POST /uploads with ${filename}`).toBe(String(bytes.length));
  return { id: url.split('/').pop()!, url };
}

interface UploadStatus {
  state: string;
  key: string | null;
  jobId: string | null;
  dataProductId: string | null;
}

export async function uploadStatus(user: TestUser, id: string): Promise<UploadStatus> {
  return json<UploadStatus>(await call(`/uploads/${id}`, as(user)), 200);
}

interface JobView {
  id: string;
  state: string;
  error: string | null;
  dataProductId: string;
}

export async function waitForJob(
  user: TestUser,
  id: string,
  until: (state: string) => boolean,
  timeoutMs = 60_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await json<JobView>(await call(`/jobs/${id}`, as(user)), 200);
    if (until(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
export const terminal = (state: string) => ['succeeded', 'failed', 'cancelled'].includes(state);

export const fixture = (path: string) => new Uint8Array(readFileSync(`${FIXTURES}/${path}`));

/** A project of `owner`'s with `fields` (a title at least), and a flight in it. */
export async function projectWithFlight(
  owner: TestUser,
  fields: Record<string, unknown>,
): Promise<{ project: string; flight: string }> {
  const project = await json<{ id: string }>(await call('/projects', { ...as(owner), json: fields }), 201);
  const flight = await json<{ id: string }>(
    await call(`/projects/${project.id}/flights`, { ...as(owner), json: { acquisition_date: '2025-05-01' } }),
    201,
  );
  return { project: project.id, flight: flight.id };
}

/**
 * A fixture file under the project as a ready data product: uploaded raw by `uploader` (tus, stored
 * as it is, no converter), then registered by `registrar` with `product`'s fields and the upload's
 * key. The upload made a raw product of its own (`raw`), which stays unless the caller deletes it.
 */
export async function fileProduct(
  uploader: TestUser,
  registrar: TestUser,
  at: { project: string; flight: string },
  file: string,
  product: Record<string, unknown>,
): Promise<{ id: string; key: string; raw: string }> {
  const upload = await tusCreate(uploader, at.project, at.flight, 'raw', file.split('/').pop()!, fixture(file));
  const status = await uploadStatus(uploader, upload.id);
  expect(status.state).toBe('completed');
  const registered = await json<{ id: string }>(
    await call(`/projects/${at.project}/flights/${at.flight}/data-products`, {
      ...as(registrar),
      json: { status: 'ready', r2_key: status.key, ...product },
    }),
    201,
  );
  return { id: registered.id, key: status.key!, raw: status.dataProductId! };
}

// ---------------------------------------------------------------- geometry

function tileOf(lon: number, lat: number, z: number) {
  const n = 2 ** z;
  const x = Math.min(n - 1, Math.floor(((lon + 180) / 360) * n));
  const r = (lat * Math.PI) / 180;
  const y = Math.min(n - 1, Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n));
  return { z, x, y };
}

const layerCollection = (x: number, y: number) => ({
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { name: 'a', height: 1 }, geometry: square(x, y) },
    { type: 'Feature', properties: { name: 'b', height: 2 }, geometry: square(x + 0.02, y) },
  ],
});

export const stacItem = (collection: string, id: string, extra: Record<string, unknown> = {}) => ({
  type: 'Feature',
  stac_version: '1.0.0',
  id,
  collection,
  geometry: square(10, 45),
  bbox: [10, 45, 10.01, 45.01],
  properties: { datetime: '2025-05-01T10:00:00Z', ...extra },
  links: [],
  assets: {},
});

// ---------------------------------------------------------------- building it

/** A private project owned by `owner` with `manager` and `viewer` as members (and, optionally, a team). */
export async function memberProject(users: Users, title: string, team: string | null): Promise<string> {
  const project = await json<{ id: string }>(
    await call('/projects', {
      ...as(users.owner),
      json: { title, boundary: square(10, 45), is_public: false, team_id: team },
    }),
    201,
  );
  for (const [user, role] of [
    [users.manager, 'manager'],
    [users.viewer, 'viewer'],
  ] as const) {
    await json(
      await call(`/projects/${project.id}/members`, { ...as(users.owner), json: { user_id: user.id, role } }),
      200,
    );
  }
  return project.id;
}

/** A team owned by the owner, with the manager and the viewer as plain members. */
export async function memberTeam(users: Users, name: string): Promise<string> {
  const team = await json<{ id: string }>(await call('/teams', { ...as(users.owner), json: { name } }), 201);
  for (const user of [users.manager, users.viewer]) {
    await json(await call(`/teams/${team.id}/members`, { ...as(users.owner), json: { user_id: user.id } }), 200);
  }
  return team.id;
}

export async function buildWorld(): Promise<World> {
  const [owner, manager, viewer, stranger, jumper, otherTeamOwner, helper] = await Promise.all(
    ['owner', 'manager', 'viewer', 'stranger', 'jumper', 't2owner', 'helper'].map((label) =>
      newUser(`matrix-${label}`),
    ),
  );
  const users: Users = {
    owner: owner!,
    manager: manager!,
    viewer: viewer!,
    stranger: stranger!,
    jumper: jumper!,
    otherTeamOwner: otherTeamOwner!,
    helper: helper!,
  };

  // Personas call with API keys of their own.
  const keys = await Promise.all(
    [users.stranger, users.jumper, users.viewer, users.manager, users.owner].map((u) => apiKeyOf(u, 'persona')),
  );
  const callers: Record<Persona, Caller> = {
    anonymous: { persona: 'anonymous' },
    stranger: { persona: 'stranger', apiKey: keys[0]!.key, userId: users.stranger.id },
    jumper: { persona: 'jumper', apiKey: keys[1]!.key, userId: users.jumper.id },
    viewer: { persona: 'viewer', apiKey: keys[2]!.key, userId: users.viewer.id },
    manager: { persona: 'manager', apiKey: keys[3]!.key, userId: users.manager.id },
    owner: { persona: 'owner', apiKey: keys[4]!.key, userId: users.owner.id },
    admin: { persona: 'admin', apiKey: seed.admin.apiKey, userId: seed.admin.id },
  };

  // Teams: TA holds P (owner O, members M and V). The jumper owns T1 and is a plain member of T2;
  // neither team has anything to do with P.
  const team = await memberTeam(users, unique('matrix TA'));
  const own = await json<{ id: string }>(
    await call('/teams', { ...as(users.jumper), json: { name: unique('matrix T1') } }),
    201,
  );
  const member = await json<{ id: string }>(
    await call('/teams', { ...as(users.otherTeamOwner), json: { name: unique('matrix T2') } }),
    201,
  );
  await json(
    await call(`/teams/${member.id}/members`, {
      ...as(users.otherTeamOwner),
      json: { user_id: users.jumper.id, role: 'member' },
    }),
    200,
  );
  // T2 has a project of its own, which its members (the jumper) rightly read.
  const t2Project = await json<{ id: string }>(
    await call('/projects', { ...as(users.otherTeamOwner), json: { title: 'T2 project', team_id: member.id } }),
    201,
  );

  // P, private, in TA.
  const project = await memberProject(users, unique('matrix P'), team);
  const flight = await json<{ id: string }>(
    await call(`/projects/${project}/flights`, {
      ...as(users.owner),
      json: { acquisition_date: '2025-05-01', name: 'matrix flight' },
    }),
    201,
  );
  const product = await json<{ id: string }>(
    await call(`/projects/${project}/flights/${flight.id}/data-products`, {
      ...as(users.owner),
      json: { type: 'ortho', filename: 'metadata-only.tif' },
    }),
    201,
  );

  // Real files under P: raw uploads (stored as they are, no converter), then registered as products.
  const registered: string[] = [];
  const keys2: string[] = [];
  for (const file of ['cog/cog.tif', 'cog/cog_rgb.tif']) {
    const cog = await fileProduct(users.manager, users.owner, { project, flight: flight.id }, file, {
      type: 'ortho',
      filename: file.split('/').pop(),
    });
    // The raw product the upload made goes, so that each key names one product.
    expect((await call(`/data-products/${cog.raw}`, { ...as(users.owner), method: 'DELETE' })).status).toBe(204);
    registered.push(cog.id);
    keys2.push(cog.key);
  }
  const ingestUpload = await tusCreate(
    users.manager,
    project,
    flight.id,
    'raw',
    'ingest.pmtiles',
    fixture('pmtiles/test_fixture_1.pmtiles'),
  );
  const rasterUpload = await tusCreate(
    users.manager,
    project,
    flight.id,
    'raw',
    'RGB.byte.tif',
    fixture('raw/RGB.byte.tif'),
  );
  const ingestStatus = await uploadStatus(users.manager, ingestUpload.id);
  const rasterStatus = await uploadStatus(users.manager, rasterUpload.id);
  for (const status of [ingestStatus, rasterStatus]) {
    expect(
      (await call(`/data-products/${status.dataProductId}`, { ...as(users.owner), method: 'DELETE' })).status,
    ).toBe(204);
  }

  // A PMTiles upload: its job registers the archive (no converter), and is P's job.
  const pmUpload = await tusCreate(
    users.manager,
    project,
    flight.id,
    'pmtiles',
    'toner.pmtiles',
    fixture('pmtiles/stamen_toner_z3.pmtiles'),
  );
  const pmStatus = await uploadStatus(users.manager, pmUpload.id);
  const job = await waitForJob(users.owner, pmStatus.jobId!, terminal);
  expect(job.state, `PMTiles job: ${job.error}`).toBe('succeeded');

  // An unfinished upload of the manager's.
  const upload = await tusCreate(users.manager, project, flight.id, 'raw', 'pending.bin', undefined, 4096);

  // Vector layers.
  const layer = await json<{ id: string }>(
    await call(`/projects/${project}/vector-layers?name=matrix`, {
      ...as(users.manager),
      json: layerCollection(10, 45),
    }),
    201,
  );
  const otherLayer = await json<{ id: string }>(
    await call(`/projects/${project}/vector-layers?name=matrix2`, {
      ...as(users.manager),
      json: layerCollection(10.1, 45),
    }),
    201,
  );
  const items = await json<{ features: Array<{ id: number | string }> }>(
    await call(`/features/collections/${layer.id}/items`, as(users.owner)),
    200,
  );

  // STAC: P published (its COG products become items), plus a hand-made item with a property no one else has.
  const published = await json<{ items: number; skipped: unknown[] }>(
    await call(`/projects/${project}/stac/publish`, { ...as(users.owner), method: 'POST' }),
    200,
  );
  expect(published.skipped).toEqual([]);
  expect(published.items).toBe(2);
  const markerProperty = `matrix_marker_${randomBytes(4).toString('hex')}`;
  const item = `matrix-item-${randomBytes(4).toString('hex')}`;
  await json(
    await call(`/stac/collections/${project}/items`, {
      ...as(users.owner),
      json: stacItem(project, item, { [markerProperty]: 1 }),
    }),
    201,
  );

  const apiKey = await apiKeyOf(users.owner, 'listed');

  // Where the COG is.
  const info = await json<{ bbox: [number, number, number, number] }>(
    await call(`/data-products/${registered[0]}/info.geojson`, as(users.owner)),
    200,
  );
  const [w, s, e, n] = info.bbox;
  const point: [number, number] = [(w + e) / 2, (s + n) / 2];
  const bbox: [number, number, number, number] = [w + (e - w) / 4, s + (n - s) / 4, e - (e - w) / 4, n - (n - s) / 4];
  const tilejson = await json<{ minzoom: number; maxzoom: number }>(
    await call(`/data-products/${registered[0]}/WebMercatorQuad/tilejson.json`, as(users.owner)),
    200,
  );
  const geo: Geo = {
    tile: tileOf(point[0], point[1], tilejson.maxzoom),
    point,
    bbox,
    feature: {
      type: 'Feature',
      properties: {},
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [bbox[0], bbox[1]],
            [bbox[2], bbox[1]],
            [bbox[2], bbox[3]],
            [bbox[0], bbox[3]],
            [bbox[0], bbox[1]],
          ],
        ],
      },
    },
    pmTile: { z: 0, x: 0, y: 0, ext: 'png' },
  };

  // Last, once nothing more moves P's access epoch (deleting the raw products above did).
  const share = await json<{ token: string }>(
    await call(`/projects/${project}/shares`, { ...as(users.manager), json: { expires_in: 3600 } }),
    201,
  );

  return {
    callers,
    users,
    ids: {
      project,
      flight: flight.id,
      product: product.id,
      cog: registered[0]!,
      cogKey: keys2[0]!,
      pmtiles: job.dataProductId,
      pmtilesName: pmStatus.key!.replace(/\.pmtiles$/, ''),
      ingestKey: ingestStatus.key!,
      layer: layer.id,
      feature: String(items.features[0]!.id),
      collection: project,
      item,
      cogItem: registered[0]!,
      job: job.id,
      upload: upload.id,
      team,
      member: users.helper.id,
      teamMember: users.helper.id,
      apiKey: apiKey.id,
    },
    geo,
    jumperTeams: { own: own.id, member: member.id, memberProject: t2Project.id },
    otherLayer: otherLayer.id,
    markerProperty,
    otherCog: registered[1]!,
    otherCogKey: keys2[1]!,
    rasterKey: rasterStatus.key!,
    share: share.token,
  };
}

// ---------------------------------------------------------------- throwaway objects for destructive cases

/** What a destructive case works on instead of the world's own object, made anew for each persona. */
export type Fresh = (w: World) => Promise<Partial<Ids>>;

const owner = (w: World) => as(w.users.owner);

export const fresh = {
  /** A project like P (O owns it, M manages, V views, in TA). */
  project: async (w: World) => ({ project: await memberProject(w.users, unique('matrix doomed'), w.ids.team) }),
  /** Such a project, published: its own collection. */
  publishedProject: async (w: World) => {
    const project = await memberProject(w.users, unique('matrix doomed catalog'), w.ids.team);
    await json(await call(`/projects/${project}/stac/publish`, { ...owner(w), method: 'POST' }), 200);
    return { project, collection: project };
  },
  flight: async (w: World) => ({
    flight: (
      await json<{ id: string }>(
        await call(`/projects/${w.ids.project}/flights`, { ...owner(w), json: { acquisition_date: '2025-06-01' } }),
        201,
      )
    ).id,
  }),
  product: async (w: World) => ({
    product: (
      await json<{ id: string }>(
        await call(`/projects/${w.ids.project}/flights/${w.ids.flight}/data-products`, {
          ...owner(w),
          json: { type: 'dsm' },
        }),
        201,
      )
    ).id,
  }),
  /** The helper, (again) a viewer of P. */
  member: async (w: World) => {
    await json(
      await call(`/projects/${w.ids.project}/members`, {
        ...owner(w),
        json: { user_id: w.users.helper.id, role: 'viewer' },
      }),
      200,
    );
    return { member: w.users.helper.id };
  },
  /** The helper, (again) a member of TA. */
  teamMember: async (w: World) => {
    await json(await call(`/teams/${w.ids.team}/members`, { ...owner(w), json: { user_id: w.users.helper.id } }), 200);
    return { teamMember: w.users.helper.id };
  },
  team: async (w: World) => ({ team: await memberTeam(w.users, unique('matrix doomed team')) }),
  item: async (w: World) => {
    const item = `matrix-doomed-${randomBytes(4).toString('hex')}`;
    await json(
      await call(`/stac/collections/${w.ids.collection}/items`, {
        ...owner(w),
        json: stacItem(w.ids.collection, item),
      }),
      201,
    );
    return { item };
  },
  /** An unfinished upload of the manager's, 16 bytes long. */
  upload: async (w: World) => ({
    upload: (await tusCreate(w.users.manager, w.ids.project, w.ids.flight, 'raw', 'doomed.bin', undefined, 16)).id,
  }),
  apiKey: async (w: World) => ({ apiKey: (await apiKeyOf(w.users.owner, 'doomed')).id }),
  /** A finished job (a PMTiles registration, no converter). */
  finishedJob: async (w: World) => {
    const job = await json<{ id: string }>(
      await call('/ingest', { ...owner(w), json: { key: w.ids.ingestKey, flight: w.ids.flight, type: 'pmtiles' } }),
      202,
    );
    expect((await waitForJob(w.users.owner, job.id, terminal)).state).toBe('succeeded');
    return { job: job.id };
  },
  /**
   * A job still running: a GeoTIFF → COG conversion with reprojection, which takes the converter
   * seconds (2.7–5.7 s measured here); the case's requests take a fraction of that.
   */
  runningJob: async (w: World) => {
    const job = await json<{ id: string; state: string }>(
      await call('/ingest', {
        ...owner(w),
        json: { key: w.rasterKey, flight: w.ids.flight, type: 'ortho', crs: 'EPSG:3857', compression: 'lerc' },
      }),
      202,
    );
    expect(terminal(job.state), 'the throwaway job ended before the case could use it').toBe(false);
    return { job: job.id };
  },
} satisfies Record<string, Fresh>;

/** Stops a throwaway job that a case left running (the converter has two cores to share). */
export async function stopJob(w: World, job: string): Promise<void> {
  const state = await json<{ state: string }>(await call(`/jobs/${job}`, { apiKey: seed.admin.apiKey }), 200);
  if (!terminal(state.state))
    await (await call(`/jobs/${job}/cancel`, { apiKey: seed.admin.apiKey, method: 'POST' })).arrayBuffer();
}
