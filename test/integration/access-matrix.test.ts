// The access matrix: every operation of GET /openapi.json, called by seven personas against the
// objects of one private project P, each answer checked against one rule (`outcome` and `judgeTenant` below):
//
//   - a persona with the role the case names (admins act as owners) gets exactly the case's status;
//   - a persona who cannot read P (anonymous, a stranger, the "jumper" who owns one unrelated team
//     and belongs to another) gets what the same request gets for objects that do not exist (random
//     ids and keys: same status, same problem type), and never a 2xx, 403 or 409;
//   - a persona who reads P without the role gets 403.
//
// Lists and searches must hold P's objects for its readers and nothing of P for anyone else.
// Operations that concern no tenant's objects still have a case (`untenanted`, with the reason).
// A new operation without a case, or a case without its operation, fails the suite.
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, call, json, signAsService, square, unique } from './helpers';
import {
  PERSONAS,
  buildWorld,
  fresh,
  ghostIds,
  stacItem,
  stopJob,
  tusMetadata,
  type Caller,
  type Fresh,
  type Ids,
  type Persona,
  type World,
} from './world';

// ---------------------------------------------------------------- the cases' vocabulary

type Role = 'viewer' | 'manager' | 'owner';
/** Who a persona is to the object a case touches. */
type Scope = 'project' | 'team' | 'uploader' | 'keyholder';
type Level = 'none' | Role;

/**
 * Each persona's standing per scope. `none` means "cannot see the object at all".
 * - project: P's roles (O owner, M manager, V viewer); admins act as owners.
 * - team: team TA's roles, `viewer` standing for a plain member (M and V), `owner` for its owner O and admins.
 * - uploader: a tus upload is its uploader's (the manager made them), as long as they manage P, and the admins'
 *   (`owner` below). P's viewer reads P without managing it (`viewer`: 403); to anyone else, P's owner
 *   included, someone else's upload does not exist (durable-objects/upload-session.ts).
 * - keyholder: an API key is its holder's (the owner's); to anyone else, admins included, it does not exist.
 */
const STANDING: Record<Scope, Record<Persona, Level>> = {
  project: {
    anonymous: 'none',
    stranger: 'none',
    jumper: 'none',
    viewer: 'viewer',
    manager: 'manager',
    owner: 'owner',
    admin: 'owner',
  },
  team: {
    anonymous: 'none',
    stranger: 'none',
    jumper: 'none',
    viewer: 'viewer',
    manager: 'viewer',
    owner: 'owner',
    admin: 'owner',
  },
  uploader: {
    anonymous: 'none',
    stranger: 'none',
    jumper: 'none',
    viewer: 'viewer',
    manager: 'owner',
    owner: 'none',
    admin: 'owner',
  },
  keyholder: {
    anonymous: 'none',
    stranger: 'none',
    jumper: 'none',
    viewer: 'none',
    manager: 'none',
    owner: 'owner',
    admin: 'none',
  },
};
const RANK: Record<Level, number> = { none: 0, viewer: 1, manager: 2, owner: 3 };

interface Req {
  method?: string;
  path: string;
  json?: unknown;
  body?: Uint8Array | string;
  headers?: Record<string, string>;
}
type Make = (ids: Ids, w: World) => Req;

interface Answer {
  status: number;
  type: string | undefined;
  detail: string | undefined;
  body: unknown;
  text: string;
}

interface Common {
  /** Shown after the operation when an operation has several cases. */
  label?: string;
  req: Make;
  /** Undoes what a successful call made (a project, a team…), with the caller's own credentials. */
  after?: (w: World, caller: Caller, answer: Answer) => Promise<void>;
}

/** An object of a tenant: the rule of the file applies. */
interface TenantCase extends Common {
  kind: 'tenant';
  scope: Scope;
  /** `public`: the API lets anyone do it on public data; P is private, so here it takes a viewer. */
  min: Role | 'public';
  status: number;
  /** Destructive: each persona works on a throwaway object, the one allowed to (the last) included. */
  fresh?: Fresh;
  cleanup?: (w: World, ids: Partial<Ids>) => Promise<void>;
  /** More to check on the successful answer. */
  check?: (answer: Answer, w: World) => void;
}

/** A list or search: everyone may call it; P's objects are in it for P's readers only. */
interface ListCase extends Common {
  kind: 'list';
  scope: Scope;
  status: number;
  /** Anonymous callers get 401. */
  signedIn?: boolean;
  /** The ids (or names) the answer holds, following `next` links. */
  found: (answer: Answer) => string[];
  /** What of P's must be there for readers, and absent for everyone else. */
  of: (w: World) => string[];
  /**
   * Searches selecting P's objects only: numberMatched must count exactly what the caller gets over
   * all pages, which for anyone who cannot read P is nothing at all.
   */
  matched?: boolean;
  /** Readers get exactly `of`, nothing more. */
  exact?: boolean;
  /**
   * An answer drawn from a sample of the visible items (queryables): while a reader sees more items
   * than the sample holds, presence is checked on `instead` (the same answer for P's collection alone).
   * Absence for everyone else is checked on the answer itself regardless.
   */
  sampled?: { instead: Make };
}

/** Nothing of any tenant's: every persona must get a non-5xx answer, exactly `status` when given. */
interface UntenantedCase extends Common {
  kind: 'untenanted';
  why: string;
  status?: number;
  /** Anonymous callers get 401, everyone else `status`. */
  signedIn?: boolean;
}

/** Administrators only: 401 anonymous, 403 everyone else. */
interface AdminCase extends Common {
  kind: 'admin';
  status: number;
}

type Case = TenantCase | ListCase | UntenantedCase | AdminCase;

const read = (min: Role | 'public', req: Make, extra: Partial<TenantCase> = {}): TenantCase => ({
  kind: 'tenant',
  scope: 'project',
  min,
  status: 200,
  req,
  ...extra,
});
const write = (min: Role, status: number, req: Make, extra: Partial<TenantCase> = {}): TenantCase => ({
  kind: 'tenant',
  scope: 'project',
  min,
  status,
  req,
  ...extra,
});
const destroy = (min: Role, status: number, make: Fresh, req: Make, extra: Partial<TenantCase> = {}): TenantCase => ({
  kind: 'tenant',
  scope: 'project',
  min,
  status,
  req,
  fresh: make,
  ...extra,
});
const untenanted = (why: string, req: Make, extra: Partial<UntenantedCase> = {}): UntenantedCase => ({
  kind: 'untenanted',
  why,
  req,
  ...extra,
});
const list = (
  scope: Scope,
  req: Make,
  found: ListCase['found'],
  of: ListCase['of'],
  extra: Partial<ListCase> = {},
): ListCase => ({ kind: 'list', scope, status: 200, req, found, of, ...extra });

const get = (path: string, headers?: Record<string, string>): Req => ({ path, headers });
const post = (path: string, body?: unknown): Req => ({ method: 'POST', path, json: body });
const patch = (path: string, body: unknown): Req => ({ method: 'PATCH', path, json: body });
const put = (path: string, body: unknown): Req => ({ method: 'PUT', path, json: body });
const del = (path: string, headers?: Record<string, string>): Req => ({ method: 'DELETE', path, headers });

const TUS = { 'tus-resumable': '1.0.0' };
const q = encodeURIComponent;
const ids =
  <T extends { id: string }>(key: string) =>
  (a: Answer) =>
    ((a.body as Record<string, T[]>)[key] ?? []).map((x) => x.id);
const features = ids('features');
const stacCollection = (id: string) => ({
  type: 'Collection',
  stac_version: '1.0.0',
  id,
  description: `Collection ${id}`,
  license: 'CC-BY-4.0',
  extent: { spatial: { bbox: [[10, 45, 10.1, 45.1]] }, temporal: { interval: [['2025-01-01T00:00:00Z', null]] } },
  links: [],
});
/** How many items /stac/queryables and /stac/sortables take their property names from (workers/catalog/queryables.ts). */
const QUERYABLES_SAMPLE = 500;
const propertyNames = (a: Answer) => Object.keys((a.body as { properties?: object }).properties ?? {});

// Raster requests: the same paths under /cog (by key, ?url=) and /data-products/{id}.
const raster = (base: (i: Ids) => string, query: (i: Ids) => string) => ({
  info: (i: Ids) => get(`${base(i)}/info?${query(i)}`),
  infoGeojson: (i: Ids) => get(`${base(i)}/info.geojson?${query(i)}`),
  tile: (i: Ids, w: World) =>
    get(
      `${base(i)}/tiles/WebMercatorQuad/${w.geo.tile.z}/${w.geo.tile.x}/${w.geo.tile.y}.png?rescale=0,8000&${query(i)}`,
    ),
  tilejson: (i: Ids) => get(`${base(i)}/WebMercatorQuad/tilejson.json?${query(i)}`),
  wmts: (i: Ids) => get(`${base(i)}/WebMercatorQuad/WMTSCapabilities.xml?${query(i)}`),
  point: (i: Ids, w: World) => get(`${base(i)}/point/${w.geo.point.join(',')}?${query(i)}`),
  statistics: (i: Ids) => get(`${base(i)}/statistics?${query(i)}`),
  statisticsPost: (i: Ids, w: World) => post(`${base(i)}/statistics?${query(i)}`, w.geo.feature),
  preview: (i: Ids) => get(`${base(i)}/preview.png?max_size=64&rescale=0,8000&${query(i)}`),
  bboxSized: (i: Ids, w: World) => get(`${base(i)}/bbox/${w.geo.bbox.join(',')}/32x32.png?rescale=0,8000&${query(i)}`),
  bbox: (i: Ids, w: World) => get(`${base(i)}/bbox/${w.geo.bbox.join(',')}.png?max_size=64&rescale=0,8000&${query(i)}`),
  feature: (i: Ids, w: World) => post(`${base(i)}/feature.png?max_size=64&rescale=0,8000&${query(i)}`, w.geo.feature),
});
const byKey = raster(
  () => '/cog',
  (i) => `url=${q(i.cogKey)}`,
);
const byProduct = raster(
  (i) => `/data-products/${i.cog}`,
  () => '',
);

const pmtilesBy = (name: (i: Ids) => string, label: string) => ({
  tile: read(
    'public',
    (i, w) => get(`/pmtiles/${name(i)}/${w.geo.pmTile.z}/${w.geo.pmTile.x}/${w.geo.pmTile.y}.${w.geo.pmTile.ext}`),
    { label },
  ),
  tilejson: read('public', (i) => get(`/pmtiles/${name(i)}.json`), { label }),
  metadata: read('public', (i) => get(`/pmtiles/${name(i)}/metadata`), { label }),
});
const pmById = pmtilesBy((i) => i.pmtiles, 'by data product id');
const pmByKey = pmtilesBy((i) => i.pmtilesName, 'by bucket key');

/** Deletes what a signed-in persona made for itself (a project, a team…). */
const undo = (path: (body: { id: string }) => string) => async (_: World, caller: Caller, answer: Answer) => {
  const response = await send(caller, del(path(answer.body as { id: string })));
  expect(response.status, `cleaning up after ${caller.persona}`).toBe(204);
};

// ---------------------------------------------------------------- the table: one entry per operation of /openapi.json

const CASES: Record<string, Case | Case[]> = {
  // service and accounts
  'GET /health': untenanted('liveness of the service', () => get('/health'), { status: 200 }),
  'POST /auth/register': untenanted(
    'creates an account; no tenant yet',
    () => post('/auth/register', { email: `${unique('matrix-reg')}@example.org`, password: 'long enough password' }),
    { status: 201 },
  ),
  'POST /auth/token': untenanted(
    'sign-in with credentials, not with a persona',
    (_, w) => post('/auth/token', { email: w.users.helper.email, password: w.users.helper.password }),
    { status: 200 },
  ),
  'POST /auth/refresh': untenanted(
    'exchanges a refresh token (an unknown one here)',
    () => post('/auth/refresh', { refresh_token: randomBytes(24).toString('base64url') }),
    { status: 401 },
  ),
  'POST /auth/logout': untenanted(
    'ends a session named by a refresh token (an unknown one here, so no persona is signed out)',
    () => post('/auth/logout', { refresh_token: randomBytes(24).toString('base64url') }),
    { status: 401 },
  ),
  'GET /.well-known/jwks.json': untenanted('public keys', () => get('/.well-known/jwks.json'), { status: 200 }),
  'GET /users/me': untenanted("the caller's own account", () => get('/users/me'), { status: 200, signedIn: true }),

  // API keys: the holder's own
  'POST /api-keys': untenanted('a key of the caller, for the caller', () => post('/api-keys', { name: 'matrix' }), {
    status: 201,
    signedIn: true,
    after: async (_, caller, answer) => {
      await send(caller, del(`/api-keys/${(answer.body as { id: string }).id}`));
    },
  }),
  'GET /api-keys': list(
    'keyholder',
    () => get('/api-keys'),
    (a) => (a.body as Array<{ id: string }>).map((k) => k.id),
    (w) => [w.ids.apiKey],
    { signedIn: true },
  ),
  'DELETE /api-keys/{id}': {
    kind: 'tenant',
    scope: 'keyholder',
    min: 'owner',
    status: 204,
    fresh: fresh.apiKey,
    req: (i) => del(`/api-keys/${i.apiKey}`),
  },

  // teams: TA (owner O, members M and V) holds P
  'POST /teams': untenanted('a new team of the caller', () => post('/teams', { name: unique('matrix own team') }), {
    status: 201,
    signedIn: true,
    after: undo((t) => `/teams/${t.id}`),
  }),
  'GET /teams': list(
    'team',
    () => get('/teams'),
    (a) => (a.body as Array<{ id: string }>).map((t) => t.id),
    (w) => [w.ids.team],
    { signedIn: true },
  ),
  'GET /teams/{teamId}': {
    kind: 'tenant',
    scope: 'team',
    min: 'viewer',
    status: 200,
    req: (i) => get(`/teams/${i.team}`),
  },
  'PATCH /teams/{teamId}': {
    kind: 'tenant',
    scope: 'team',
    min: 'owner',
    status: 200,
    req: (i) => patch(`/teams/${i.team}`, { description: 'matrix' }),
  },
  'DELETE /teams/{teamId}': {
    kind: 'tenant',
    scope: 'team',
    min: 'owner',
    status: 204,
    fresh: fresh.team,
    req: (i) => del(`/teams/${i.team}`),
  },
  'GET /teams/{teamId}/members': {
    kind: 'tenant',
    scope: 'team',
    min: 'viewer',
    status: 200,
    req: (i) => get(`/teams/${i.team}/members`),
  },
  'POST /teams/{teamId}/members': {
    kind: 'tenant',
    scope: 'team',
    min: 'owner',
    status: 200,
    req: (i) => post(`/teams/${i.team}/members`, { user_id: i.teamMember }),
  },
  'DELETE /teams/{teamId}/members/{userId}': {
    kind: 'tenant',
    scope: 'team',
    min: 'owner',
    status: 204,
    fresh: fresh.teamMember,
    req: (i) => del(`/teams/${i.team}/members/${i.teamMember}`),
  },

  // projects
  'GET /projects': [
    list(
      'project',
      () => get('/projects'),
      (a) => (a.body as Array<{ id: string }>).map((p) => p.id),
      (w) => [w.ids.project],
    ),
    list(
      'project',
      () => get('/projects?public=true'),
      (a) => (a.body as Array<{ id: string }>).map((p) => p.id),
      (w) => [w.ids.project],
      { label: 'public=true' },
    ),
  ],
  'POST /projects': untenanted(
    'a new project of the caller',
    () => post('/projects', { title: 'matrix own project' }),
    { status: 201, signedIn: true, after: undo((p) => `/projects/${p.id}`) },
  ),
  'GET /projects/{projectId}': read('public', (i) => get(`/projects/${i.project}`)),
  'PATCH /projects/{projectId}': [
    write('manager', 200, (i) => patch(`/projects/${i.project}`, { description: 'matrix' }), { label: 'description' }),
    write('owner', 200, (i) => patch(`/projects/${i.project}`, { is_public: false }), { label: 'is_public' }),
  ],
  'DELETE /projects/{projectId}': destroy('owner', 204, fresh.project, (i) => del(`/projects/${i.project}`)),
  'GET /projects/{projectId}/members': read('viewer', (i) => get(`/projects/${i.project}/members`)),
  'POST /projects/{projectId}/members': write('owner', 200, (i) =>
    post(`/projects/${i.project}/members`, { user_id: i.member, role: 'viewer' }),
  ),
  'DELETE /projects/{projectId}/members/{userId}': destroy('owner', 204, fresh.member, (i) =>
    del(`/projects/${i.project}/members/${i.member}`),
  ),

  // flights
  'GET /projects/{projectId}/flights': read('public', (i) => get(`/projects/${i.project}/flights`)),
  'POST /projects/{projectId}/flights': write('manager', 201, (i) =>
    post(`/projects/${i.project}/flights`, { acquisition_date: '2025-07-01' }),
  ),
  'GET /projects/{projectId}/flights/{flightId}': read('public', (i) =>
    get(`/projects/${i.project}/flights/${i.flight}`),
  ),
  'PATCH /projects/{projectId}/flights/{flightId}': write('manager', 200, (i) =>
    patch(`/projects/${i.project}/flights/${i.flight}`, { sensor: 'matrix' }),
  ),
  'DELETE /projects/{projectId}/flights/{flightId}': destroy('manager', 204, fresh.flight, (i) =>
    del(`/projects/${i.project}/flights/${i.flight}`),
  ),

  // data products
  'GET /projects/{projectId}/flights/{flightId}/data-products': read('public', (i) =>
    get(`/projects/${i.project}/flights/${i.flight}/data-products`),
  ),
  'POST /projects/{projectId}/flights/{flightId}/data-products': write('manager', 201, (i) =>
    post(`/projects/${i.project}/flights/${i.flight}/data-products`, { type: 'raw' }),
  ),
  'GET /data-products/{dataProductId}': read('public', (i) => get(`/data-products/${i.product}`)),
  'PATCH /data-products/{dataProductId}': write('manager', 200, (i) =>
    patch(`/data-products/${i.product}`, { metadata: { matrix: true } }),
  ),
  'DELETE /data-products/{dataProductId}': destroy('manager', 204, fresh.product, (i) =>
    del(`/data-products/${i.product}`),
  ),
  'POST /data-products/{dataProductId}/token': write('viewer', 201, (i) => post(`/data-products/${i.cog}/token`)),
  'GET /data-products/{dataProductId}/file': read(
    'public',
    (i) => get(`/data-products/${i.cog}/file`, { range: 'bytes=0-15' }),
    { status: 206 },
  ),

  // raster by key
  'GET /cog/info': read('public', byKey.info),
  'GET /cog/info.geojson': read('public', byKey.infoGeojson),
  'GET /cog/tiles/{tileMatrixSetId}/{z}/{x}/{y}': read('public', byKey.tile),
  'GET /cog/{tileMatrixSetId}/tilejson.json': read('public', byKey.tilejson),
  'GET /cog/{tileMatrixSetId}/WMTSCapabilities.xml': read('public', byKey.wmts),
  'GET /cog/point/{coordinates}': read('public', byKey.point),
  'GET /cog/statistics': read('public', byKey.statistics),
  'POST /cog/statistics': read('public', byKey.statisticsPost),
  'GET /cog/{preview}': read('public', byKey.preview),
  'GET /cog/bbox/{bbox}/{size}': read('public', byKey.bboxSized),
  'GET /cog/bbox/{bbox}': read('public', byKey.bbox),
  'POST /cog/{feature}': read('public', byKey.feature),
  // raster by data product
  'GET /data-products/{dataProductId}/info': read('public', byProduct.info),
  'GET /data-products/{dataProductId}/info.geojson': read('public', byProduct.infoGeojson),
  'GET /data-products/{dataProductId}/tiles/{tileMatrixSetId}/{z}/{x}/{y}': read('public', byProduct.tile),
  'GET /data-products/{dataProductId}/{tileMatrixSetId}/tilejson.json': read('public', byProduct.tilejson),
  'GET /data-products/{dataProductId}/{tileMatrixSetId}/WMTSCapabilities.xml': read('public', byProduct.wmts),
  'GET /data-products/{dataProductId}/point/{coordinates}': read('public', byProduct.point),
  'GET /data-products/{dataProductId}/statistics': read('public', byProduct.statistics),
  'POST /data-products/{dataProductId}/statistics': read('public', byProduct.statisticsPost),
  'GET /data-products/{dataProductId}/{preview}': read('public', byProduct.preview),
  'GET /data-products/{dataProductId}/bbox/{bbox}/{size}': read('public', byProduct.bboxSized),
  'GET /data-products/{dataProductId}/bbox/{bbox}': read('public', byProduct.bbox),
  'POST /data-products/{dataProductId}/{feature}': read('public', byProduct.feature),
  'GET /tileMatrixSets': untenanted('tiling schemes', () => get('/tileMatrixSets'), { status: 200 }),
  'GET /tileMatrixSets/{tileMatrixSetId}': untenanted('a tiling scheme', () => get('/tileMatrixSets/WebMercatorQuad'), {
    status: 200,
  }),
  'GET /colorMaps': untenanted('the colormaps colormap_name takes', () => get('/colorMaps'), { status: 200 }),
  'GET /colorMaps/{colorMapId}': [
    untenanted('a colormap’s values', () => get('/colorMaps/viridis'), { status: 200, label: 'json' }),
    untenanted('a colormap’s ramp', () => get('/colorMaps/viridis_r?f=png&orientation=vertical'), {
      status: 200,
      label: 'png',
    }),
  ],

  // PMTiles, by data product id and by bucket key
  'GET /pmtiles/{name}/{z}/{x}/{y}.{ext}': [pmById.tile, pmByKey.tile],
  'GET /pmtiles/{name}.json': [pmById.tilejson, pmByKey.tilejson],
  'GET /pmtiles/{name}/metadata': [pmById.metadata, pmByKey.metadata],

  // vector layers
  'POST /projects/{projectId}/vector-layers': write('manager', 201, (i) =>
    post(`/projects/${i.project}/vector-layers?name=matrix-new`, {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { n: 1 }, geometry: square(10, 45) }],
    }),
  ),
  'GET /vector': list(
    'project',
    () => get('/vector'),
    ids('layers'),
    (w) => [w.ids.layer, w.otherLayer],
  ),
  'GET /vector/{layer}': read('public', (i) => get(`/vector/${i.layer}.json`)),
  'GET /vector/{layers}/{z}/{x}/{y}': read('public', (i) => get(`/vector/${i.layer}/0/0/0.mvt`)),
  'POST /vector/{layerId}/token': write('viewer', 201, (i) => post(`/vector/${i.layer}/token`)),

  // OGC API Features
  'GET /features': untenanted('landing page', () => get('/features'), { status: 200 }),
  'GET /features/conformance': untenanted('conformance classes', () => get('/features/conformance'), { status: 200 }),
  'GET /features/collections': list(
    'project',
    () => get('/features/collections'),
    ids('collections'),
    (w) => [w.ids.layer, w.otherLayer],
  ),
  'GET /features/collections/{collectionId}': read('public', (i) => get(`/features/collections/${i.layer}`)),
  'GET /features/collections/{collectionId}/queryables': read('public', (i) =>
    get(`/features/collections/${i.layer}/queryables`),
  ),
  'GET /features/collections/{collectionId}/items': read(
    'public',
    (i) => get(`/features/collections/${i.layer}/items`),
    {
      check: (a) => expect(features(a).length, 'features of the layer').toBe(2),
    },
  ),
  'GET /features/collections/{collectionId}/items/{featureId}': read('public', (i) =>
    get(`/features/collections/${i.layer}/items/${i.feature}`),
  ),

  // STAC: P's collection (published), its COG item and a hand-made item carrying a property of its own
  'GET /stac': untenanted('landing page', () => get('/stac'), { status: 200 }),
  'GET /stac/conformance': untenanted('conformance classes', () => get('/stac/conformance'), { status: 200 }),
  'GET /stac/queryables': list(
    'project',
    () => get('/stac/queryables'),
    propertyNames,
    (w) => [w.markerProperty],
    { sampled: { instead: (i) => get(`/stac/collections/${i.collection}/queryables`) } },
  ),
  'GET /stac/sortables': list(
    'project',
    () => get('/stac/sortables'),
    propertyNames,
    (w) => [w.markerProperty],
    { sampled: { instead: (i) => get(`/stac/collections/${i.collection}/sortables`) } },
  ),
  'GET /stac/collections/{collectionId}/queryables': read(
    'public',
    (i) => get(`/stac/collections/${i.collection}/queryables`),
    {
      check: (a, w) => expect(propertyNames(a), 'queryables of P').toContain(w.markerProperty),
    },
  ),
  'GET /stac/collections/{collectionId}/sortables': read('public', (i) =>
    get(`/stac/collections/${i.collection}/sortables`),
  ),
  'GET /stac/collections': list(
    'project',
    () => get('/stac/collections?limit=100'),
    ids('collections'),
    (w) => [w.ids.collection],
  ),
  'POST /stac/collections': {
    kind: 'admin',
    status: 201,
    req: () => post('/stac/collections', stacCollection(`matrix-${randomBytes(4).toString('hex')}`)),
    after: undo((c) => `/stac/collections/${c.id}`),
  },
  'GET /stac/collections/{collectionId}': read('public', (i) => get(`/stac/collections/${i.collection}`)),
  'PUT /stac/collections/{collectionId}': write('manager', 200, (i) =>
    put(`/stac/collections/${i.collection}`, stacCollection(i.collection)),
  ),
  'PATCH /stac/collections/{collectionId}': write('manager', 200, (i) =>
    patch(`/stac/collections/${i.collection}`, { description: 'matrix' }),
  ),
  'DELETE /stac/collections/{collectionId}': destroy('owner', 204, fresh.publishedProject, (i) =>
    del(`/stac/collections/${i.collection}`),
  ),
  'GET /stac/search': [
    list(
      'project',
      (i) => get(`/stac/search?ids=${q(`${i.item},${i.cogItem}`)}`),
      features,
      (w) => [w.ids.item, w.ids.cogItem],
      { matched: true, exact: true, label: 'ids' },
    ),
    list(
      'project',
      (i) => get(`/stac/search?filter=${q(`id = '${i.item}'`)}`),
      features,
      (w) => [w.ids.item],
      { matched: true, exact: true, label: 'filter on id' },
    ),
    list(
      'project',
      (_, w) => get(`/stac/search?filter=${q(`${w.markerProperty} = 1`)}`),
      features,
      (w) => [w.ids.item],
      { matched: true, exact: true, label: 'filter on its property' },
    ),
    list(
      'project',
      (i) => get(`/stac/search?collections=${q(i.collection)}&limit=100`),
      features,
      (w) => [w.ids.item, w.ids.cogItem],
      { matched: true, label: 'collections=<P>' },
    ),
  ],
  'POST /stac/search': [
    list(
      'project',
      (i) => post('/stac/search', { ids: [i.item, i.cogItem] }),
      features,
      (w) => [w.ids.item, w.ids.cogItem],
      { matched: true, exact: true, label: 'ids' },
    ),
    list(
      'project',
      (i) => post('/stac/search', { filter: { op: '=', args: [{ property: 'id' }, i.item] } }),
      features,
      (w) => [w.ids.item],
      { matched: true, exact: true, label: 'filter on id' },
    ),
    list(
      'project',
      (i) => post('/stac/search', { collections: [i.collection], limit: 100 }),
      features,
      (w) => [w.ids.item, w.ids.cogItem],
      { matched: true, label: 'collections' },
    ),
  ],
  'GET /stac/collections/{collectionId}/items': read(
    'public',
    (i) => get(`/stac/collections/${i.collection}/items?limit=100`),
    {
      check: (a, w) => expect(features(a), 'items of P').toEqual(expect.arrayContaining([w.ids.item, w.ids.cogItem])),
    },
  ),
  'POST /stac/collections/{collectionId}/items': write('manager', 201, (i) =>
    post(
      `/stac/collections/${i.collection}/items`,
      stacItem(i.collection, `matrix-new-${randomBytes(4).toString('hex')}`),
    ),
  ),
  'GET /stac/collections/{collectionId}/items/{itemId}': read('public', (i) =>
    get(`/stac/collections/${i.collection}/items/${i.item}`),
  ),
  'PUT /stac/collections/{collectionId}/items/{itemId}': write('manager', 200, (i, w) =>
    put(`/stac/collections/${i.collection}/items/${i.item}`, stacItem(i.collection, i.item, { [w.markerProperty]: 1 })),
  ),
  'PATCH /stac/collections/{collectionId}/items/{itemId}': write('manager', 200, (i) =>
    patch(`/stac/collections/${i.collection}/items/${i.item}`, { properties: { note: 'matrix' } }),
  ),
  'DELETE /stac/collections/{collectionId}/items/{itemId}': destroy('manager', 204, fresh.item, (i) =>
    del(`/stac/collections/${i.collection}/items/${i.item}`),
  ),
  'POST /projects/{projectId}/stac/publish': write('manager', 200, (i) => post(`/projects/${i.project}/stac/publish`)),
  'POST /projects/{projectId}/stac/unpublish': destroy('manager', 200, fresh.publishedProject, (i) =>
    post(`/projects/${i.project}/stac/unpublish`),
  ),

  // tus uploads
  'OPTIONS /uploads': untenanted('tus capabilities', () => ({ method: 'OPTIONS', path: '/uploads' }), { status: 204 }),
  'POST /uploads': write('manager', 201, (i) => ({
    method: 'POST',
    path: '/uploads',
    headers: {
      ...TUS,
      'upload-length': '16',
      'upload-metadata': tusMetadata(i.project, i.flight, 'raw', 'matrix.bin'),
    },
  })),
  'HEAD /uploads/{uploadId}': {
    kind: 'tenant',
    scope: 'uploader',
    min: 'owner',
    status: 200,
    req: (i) => ({ method: 'HEAD', path: `/uploads/${i.upload}`, headers: TUS }),
  },
  'GET /uploads/{uploadId}': {
    kind: 'tenant',
    scope: 'uploader',
    min: 'owner',
    status: 200,
    req: (i) => get(`/uploads/${i.upload}`),
  },
  'PATCH /uploads/{uploadId}': {
    kind: 'tenant',
    scope: 'uploader',
    min: 'owner',
    status: 204,
    fresh: fresh.upload,
    req: (i) => ({
      method: 'PATCH',
      path: `/uploads/${i.upload}`,
      headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: new Uint8Array(16),
    }),
  },
  'DELETE /uploads/{uploadId}': {
    kind: 'tenant',
    scope: 'uploader',
    min: 'owner',
    status: 204,
    fresh: fresh.upload,
    req: (i) => del(`/uploads/${i.upload}`, TUS),
  },

  // jobs
  'GET /jobs/{jobId}': read('viewer', (i) => get(`/jobs/${i.job}`)),
  'GET /jobs': [
    list(
      'project',
      () => get('/jobs?limit=100'),
      ids('jobs'),
      (w) => [w.ids.job],
      { signedIn: true },
    ),
    read('viewer', (i) => get(`/jobs?project=${i.project}&limit=100`), {
      label: 'project=<P>',
      check: (a, w) => expect(ids('jobs')(a), 'jobs of P').toContain(w.ids.job),
    }),
  ],
  'POST /jobs/{jobId}/cancel': destroy('manager', 200, fresh.runningJob, (i) => post(`/jobs/${i.job}/cancel`), {
    cleanup: (w, made) => stopJob(w, made.job!),
  }),
  'POST /jobs/{jobId}/retry': destroy('manager', 200, fresh.finishedJob, (i) => post(`/jobs/${i.job}/retry`)),
  'POST /ingest': write('manager', 202, (i) =>
    post('/ingest', { key: i.ingestKey, flight: i.flight, type: 'pmtiles' }),
  ),
  'GET /jobs/{jobId}/events': read('viewer', (i) => get(`/jobs/${i.job}/events`)),

  // share links: P's managers make them; the link itself is what opens P's shared view
  'POST /projects/{projectId}/shares': write('manager', 201, (i) =>
    post(`/projects/${i.project}/shares`, { expires_in: 3600 }),
  ),
  'GET /shares/{token}': untenanted(
    "the link is its own credential: whoever holds it reads P's shared view, whatever else they send " +
      '(the refusals are under "share links" below)',
    (_, w) => get(`/shares/${q(w.share)}`),
    { status: 200 },
  ),
};

/** Served, but not in the document (and checked to stay out of it): the same rules. */
const UNDOCUMENTED: Record<string, Case> = {
  'GET /openapi.json': untenanted('the API description', () => get('/openapi.json'), { status: 200 }),
  'GET /docs': untenanted('the API documentation page', () => get('/docs'), { status: 200 }),
  // The converter's signed URLs: the job's token opens them, a persona's credentials never do.
  'GET /jobs/{jobId}/io/{attempt}/objects/{key}': untenanted(
    'signed job URL: credentials are no substitute for its token',
    (i) => get(`/jobs/${i.job}/io/1/objects/${i.cogKey}`),
    { status: 401 },
  ),
  'PUT /jobs/{jobId}/io/{attempt}/objects/{key}': untenanted(
    'signed job URL',
    (i) => ({
      method: 'PUT',
      path: `/jobs/${i.job}/io/1/objects/projects/${i.project}/data-products/x/y.tif`,
      body: 'x',
    }),
    { status: 401 },
  ),
  'POST /jobs/{jobId}/io/{attempt}/multipart/{key}': untenanted(
    'signed job URL',
    (i) => ({ method: 'POST', path: `/jobs/${i.job}/io/1/multipart/projects/${i.project}/data-products/x/y.tif` }),
    { status: 401 },
  ),
  'PUT /jobs/{jobId}/io/{attempt}/multipart/{key}': untenanted(
    'signed job URL',
    (i) => ({
      method: 'PUT',
      path: `/jobs/${i.job}/io/1/multipart/projects/${i.project}/data-products/x/y.tif?uploadId=x&partNumber=1`,
      body: 'x',
    }),
    { status: 401 },
  ),
};

// ---------------------------------------------------------------- calling and judging

async function send(caller: Caller, req: Req): Promise<Answer> {
  const headers: Record<string, string> = { ...req.headers };
  if (caller.apiKey) headers['x-api-key'] = caller.apiKey;
  let body: BodyInit | undefined = req.body;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  const method = req.method ?? 'GET';
  const response = await fetch(`${baseUrl}${req.path}`, { method, headers, body, signal: AbortSignal.timeout(45_000) });
  const text = method === 'HEAD' ? '' : Buffer.from(await response.arrayBuffer()).toString('utf8');
  let parsed: unknown;
  const contentType = response.headers.get('content-type') ?? '';
  if (/json/.test(contentType)) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  const problem = contentType.startsWith('application/problem+json')
    ? (parsed as { type?: string; detail?: string })
    : undefined;
  return { status: response.status, type: problem?.type, detail: problem?.detail, body: parsed, text };
}

const is2xx = (status: number) => status >= 200 && status < 300;
const show = (a: Answer) =>
  `${a.status}${a.type ? ` ${a.type.replace('https://edge-tiles.dev/problems/', '')}` : ''}${a.detail ? ` (${a.detail})` : ''}`;

/** What one persona must get from a tenant case: the whole rule of this file. */
function outcome(c: TenantCase, persona: Persona): 'can' | 'forbidden' | 'as-nonexistent' {
  const level = STANDING[c.scope][persona];
  const needed: Level = c.min === 'public' ? 'viewer' : c.min;
  if (RANK[level] >= RANK[needed]) return 'can';
  return level === 'none' ? 'as-nonexistent' : 'forbidden';
}

/** What the allowed personas have, in words. */
function needs(c: TenantCase): string {
  if (c.scope === 'team') return c.min === 'owner' ? 'ownership of team TA' : 'membership of team TA';
  if (c.scope === 'uploader') return 'the upload as its uploader, managing P';
  if (c.scope === 'keyholder') return 'the key as its holder';
  return `the ${c.min === 'public' ? 'viewer (public on public data)' : c.min} role on P`;
}

let world: World;

/** Runs one tenant case for one persona and judges the answer. */
async function judgeTenant(c: TenantCase, where: string, persona: Persona): Promise<void> {
  const caller = world.callers[persona];
  const made = c.fresh ? await c.fresh(world) : {};
  const idsNow: Ids = { ...world.ids, ...made };
  try {
    const req = c.req(idsNow, world);
    const at = `${persona} ${req.method ?? 'GET'} ${req.path} [${where}]`;
    const expected = outcome(c, persona);
    if (expected === 'as-nonexistent') {
      // The twin first: had the real request changed something, the twin would not tell.
      const twinReq = c.req(ghostIds(), world);
      const twin = await send(caller, twinReq);
      const got = await send(caller, req);
      expect(
        twin.status,
        `${persona} ${twinReq.method ?? 'GET'} ${twinReq.path}: a nonexistent object must not be a server error (${show(twin)})`,
      ).toBeLessThan(500);
      expect(
        { status: got.status, type: got.type },
        `${at}: got ${show(got)}, expected what a nonexistent object gets: ${show(twin)}`,
      ).toEqual({ status: twin.status, type: twin.type });
      expect(
        is2xx(got.status) || got.status === 403 || got.status === 409,
        `${at}: got ${show(got)}, expected no 2xx, 403 or 409 for someone who cannot read P`,
      ).toBe(false);
      return;
    }
    const got = await send(caller, req);
    if (expected === 'forbidden') {
      // HEAD answers have no body to carry a problem type.
      const type = req.method === 'HEAD' ? undefined : 'https://edge-tiles.dev/problems/forbidden';
      expect(
        { status: got.status, type: got.type },
        `${at}: got ${show(got)}, expected 403 forbidden (reads P, lacks ${needs(c)})`,
      ).toEqual({ status: 403, type });
      return;
    }
    expect(got.status, `${at}: got ${show(got)}, expected ${c.status} (has ${needs(c)})`).toBe(c.status);
    c.check?.(got, world);
    await c.after?.(world, caller, got);
  } finally {
    await c.cleanup?.(world, made);
  }
}

/** Follows `next` links of a list (GET links, or POST links with a body), collecting every page. */
async function allPages(caller: Caller, first: Answer): Promise<Answer[]> {
  const pages = [first];
  for (let i = 0; i < 200; i++) {
    const links =
      (pages.at(-1)!.body as { links?: Array<{ rel: string; href: string; method?: string; body?: unknown }> })
        ?.links ?? [];
    const next = links.find((l) => l.rel === 'next');
    if (!next) return pages;
    const path = next.href.slice(new URL(next.href).origin.length);
    const answer = await send(caller, next.method === 'POST' ? post(path, next.body) : get(path));
    expect(answer.status, `${caller.persona} ${path}: next page`).toBe(200);
    pages.push(answer);
  }
  throw new Error('more than 200 pages');
}

async function judgeList(c: ListCase, where: string, persona: Persona): Promise<void> {
  const caller = world.callers[persona];
  const req = c.req(world.ids, world);
  const at = `${persona} ${req.method ?? 'GET'} ${req.path} [${where}]`;
  const first = await send(caller, req);
  if (c.signedIn && persona === 'anonymous') {
    expect(first.status, `${at}: got ${show(first)}, expected 401 (sign-in needed)`).toBe(401);
    return;
  }
  expect(first.status, `${at}: got ${show(first)}, expected ${c.status}`).toBe(c.status);
  const found = (await allPages(caller, first)).flatMap(c.found);
  const ofP = c.of(world);
  const reader = STANDING[c.scope][persona] !== 'none';
  const matched = (first.body as { numberMatched?: number }).numberMatched;
  if (!reader) {
    expect(
      found.filter((id) => ofP.includes(id)),
      `${at}: lists ${ofP.filter((id) => found.includes(id)).join(', ')} of P, expected none (cannot read P)`,
    ).toEqual([]);
    if (c.matched) {
      expect(found, `${at}: lists ${found.join(', ')}, expected nothing (only P's objects match)`).toEqual([]);
      expect(matched, `${at}: numberMatched ${matched}, expected 0 (only P's objects match)`).toBe(0);
    }
    return;
  }
  let present = found;
  let from = at;
  if (c.sampled) {
    const visible = (await send(caller, get('/stac/search?limit=1'))).body as { numberMatched: number };
    if (visible.numberMatched > QUERYABLES_SAMPLE) {
      const instead = c.sampled.instead(world.ids, world);
      const answer = await send(caller, instead);
      expect(answer.status, `${persona} GET ${instead.path}: got ${show(answer)}, expected 200`).toBe(200);
      present = c.found(answer);
      from = `${persona} GET ${instead.path} (${visible.numberMatched} items visible, more than the ${QUERYABLES_SAMPLE} that ${req.path} samples)`;
    }
  }
  expect(
    ofP.filter((id) => !present.includes(id)),
    `${from}: misses these of P, expected all (reads P)`,
  ).toEqual([]);
  if (c.exact)
    expect([...found].sort(), `${at}: lists ${found.join(', ')}, expected exactly ${ofP.join(', ')}`).toEqual(
      [...ofP].sort(),
    );
  if (c.matched)
    expect(matched, `${at}: numberMatched ${matched}, expected ${found.length} (what the pages hold)`).toBe(
      found.length,
    );
}

async function judgeOpen(c: UntenantedCase | AdminCase, where: string, persona: Persona): Promise<void> {
  const caller = world.callers[persona];
  const req = c.req(world.ids, world);
  const at = `${persona} ${req.method ?? 'GET'} ${req.path} [${where}]`;
  const got = await send(caller, req);
  expect(got.status, `${at}: got ${show(got)}, expected no server error`).toBeLessThan(500);
  let status: number | undefined;
  if (c.kind === 'admin') status = persona === 'admin' ? c.status : persona === 'anonymous' ? 401 : 403;
  else status = c.signedIn && persona === 'anonymous' ? 401 : c.status;
  if (status !== undefined) expect(got.status, `${at}: got ${show(got)}, expected ${status}`).toBe(status);
  if (is2xx(got.status)) await c.after?.(world, caller, got);
}

function judge(c: Case, where: string, persona: Persona): Promise<void> {
  if (c.kind === 'tenant') return judgeTenant(c, where, persona);
  if (c.kind === 'list') return judgeList(c, where, persona);
  return judgeOpen(c, where, persona);
}

/** Personas in the order they call: those who must be refused first, the ones allowed last. */
function order(c: Case): Persona[] {
  if (c.kind !== 'tenant') return [...PERSONAS];
  const rank = { 'as-nonexistent': 0, forbidden: 1, can: 2 };
  return [...PERSONAS].sort((a, b) => rank[outcome(c, a)] - rank[outcome(c, b)]);
}

function title(c: Case, persona: Persona): string {
  if (c.kind === 'tenant') {
    const o = outcome(c, persona);
    return `${persona}: ${o === 'can' ? `can (${c.status})` : o === 'forbidden' ? 'cannot (403)' : 'cannot (as if it did not exist)'}`;
  }
  if (c.kind === 'list')
    return `${persona}: ${STANDING[c.scope][persona] === 'none' ? "sees nothing of P's" : "sees P's"}`;
  if (c.kind === 'admin') return `${persona}: ${persona === 'admin' ? `can (${c.status})` : 'cannot'}`;
  return `${persona}: ${c.why}`;
}

// ---------------------------------------------------------------- the suite

const entries = (table: Record<string, Case | Case[]>) =>
  Object.entries(table).flatMap(([operation, cs]) => (Array.isArray(cs) ? cs : [cs]).map((c) => ({ operation, c })));
// Destructive cases (their own throwaway objects) run last, so the world stays as built for the rest.
const ALL = [...entries(CASES), ...entries(UNDOCUMENTED)];
const RUN = [...ALL.filter(({ c }) => !('fresh' in c && c.fresh)), ...ALL.filter(({ c }) => 'fresh' in c && c.fresh)];

beforeAll(async () => {
  world = await buildWorld();
}, 180_000);

describe('the world', () => {
  it('has the escalation path: the jumper owns one team and is a plain member of another, and nothing else', async () => {
    const teams = await send(world.callers.jumper, get('/teams'));
    expect((teams.body as Array<{ id: string; role: string }>).map((t) => [t.id, t.role]).sort()).toEqual(
      [
        [world.jumperTeams.own, 'owner'],
        [world.jumperTeams.member, 'member'],
      ].sort(),
    );
    expect((await send(world.callers.stranger, get('/teams'))).body).toEqual([]);
  });

  it("gives the jumper what their teams give and no more: T2's project as a viewer", async () => {
    const t2Project = await send(world.callers.jumper, get(`/projects/${world.jumperTeams.memberProject}`));
    expect(
      [t2Project.status, (t2Project.body as { role?: string }).role],
      `jumper GET T2's project: ${show(t2Project)}`,
    ).toEqual([200, 'viewer']);
  });

  it('covers every operation of /openapi.json, and names none that is not there', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await call('/openapi.json'), 200);
    const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => methods.has(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(
      operations.filter((o) => !(o in CASES)),
      'operations without a case',
    ).toEqual([]);
    expect(
      Object.keys(CASES).filter((k) => !operations.includes(k)),
      'cases of operations not in the document',
    ).toEqual([]);
    expect(
      Object.keys(UNDOCUMENTED).filter((k) => operations.includes(k)),
      'undocumented routes now documented: move them to CASES',
    ).toEqual([]);
  });
});

describe.each(RUN.map(({ operation, c }) => ({ name: c.label ? `${operation} (${c.label})` : operation, c })))(
  '$name',
  ({ name, c }) => {
    for (const persona of order(c)) it(title(c, persona), () => judge(c, name, persona));
  },
);

describe('signed tile tokens', () => {
  const anonymous = (): Caller => world.callers.anonymous;
  const mint = async (path: string) =>
    (await json<{ token: string }>(await call(path, { method: 'POST', apiKey: world.callers.viewer.apiKey }), 201))
      .token;

  /** Opens what it was minted for (can), and nothing else: another object of P answers as a nonexistent one (cannot). */
  async function opensOnly(token: string, made: string, other: string, ghost: string, at: (id: string) => string) {
    const can = await send(anonymous(), get(at(made)));
    expect(can.status, `anonymous GET ${at(made)}: got ${show(can)}, expected 200 (the token is for it)`).toBe(200);
    const twin = await send(anonymous(), get(at(ghost)));
    const cannot = await send(anonymous(), get(at(other)));
    expect(
      { status: cannot.status, type: cannot.type },
      `anonymous GET ${at(other)} with a token for ${made}: got ${show(cannot)}, expected what a nonexistent object gets: ${show(twin)}`,
    ).toEqual({ status: twin.status, type: twin.type });
    expect(
      is2xx(cannot.status) || cannot.status === 403 || cannot.status === 409,
      `anonymous GET ${at(other)}: got ${show(cannot)}, expected no 2xx, 403 or 409`,
    ).toBe(false);
  }

  it("a data product's token, minted by a viewer, opens its tiles by id for anyone, and no other product's", async () => {
    const token = await mint(`/data-products/${world.ids.cog}/token`);
    await opensOnly(
      token,
      world.ids.cog,
      world.otherCog,
      randomUUID(),
      (id) => `/data-products/${id}/info?token=${q(token)}`,
    );
    await opensOnly(
      token,
      world.ids.cog,
      world.otherCog,
      randomUUID(),
      (id) =>
        `/data-products/${id}/tiles/WebMercatorQuad/${world.geo.tile.z}/${world.geo.tile.x}/${world.geo.tile.y}.png?rescale=0,8000&token=${q(token)}`,
    );
  });

  it("a data product's token opens its file by key (/cog?url=), and no other product's key", async () => {
    const token = await mint(`/data-products/${world.ids.cog}/token`);
    const keys: Record<string, string> = { [world.ids.cog]: world.ids.cogKey, [world.otherCog]: world.otherCogKey };
    const ghost = `projects/${randomUUID()}/ghost/${randomBytes(4).toString('hex')}.tif`;
    await opensOnly(
      token,
      world.ids.cog,
      world.otherCog,
      ghost,
      (id) => `/cog/info?url=${q(keys[id] ?? id)}&token=${q(token)}`,
    );
  });

  it("a layer's token opens its vector tiles for anyone, and no other layer's", async () => {
    const token = await mint(`/vector/${world.ids.layer}/token`);
    await opensOnly(
      token,
      world.ids.layer,
      world.otherLayer,
      randomUUID(),
      (id) => `/vector/${id}/0/0/0.mvt?token=${q(token)}`,
    );
  });

  it("a malformed token tells nothing either: P's objects answer it as nonexistent ones do", async () => {
    const bad = 'not-a-token';
    const wrong: string[] = [];
    const ghostKey = `projects/${randomUUID()}/ghost/${randomBytes(4).toString('hex')}.tif`;
    for (const [real, ghost] of [
      [`/data-products/${world.ids.cog}/info`, `/data-products/${randomUUID()}/info`],
      [`/cog/info?url=${q(world.ids.cogKey)}`, `/cog/info?url=${q(ghostKey)}`],
      [`/pmtiles/${world.ids.pmtiles}/metadata`, `/pmtiles/${randomUUID()}/metadata`],
      [`/vector/${world.ids.layer}/0/0/0.mvt`, `/vector/${randomUUID()}/0/0/0.mvt`],
    ] as const) {
      const twin = await send(anonymous(), get(`${ghost}${ghost.includes('?') ? '&' : '?'}token=${bad}`));
      const got = await send(anonymous(), get(`${real}${real.includes('?') ? '&' : '?'}token=${bad}`));
      if (got.status !== twin.status || got.type !== twin.type)
        wrong.push(
          `anonymous GET ${real} with a malformed token: got ${show(got)}, expected what a nonexistent object gets: ${show(twin)}`,
        );
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
  });

  it('without a token, nothing of P opens for anyone who cannot read it', async () => {
    const wrong: string[] = [];
    for (const persona of ['anonymous', 'stranger', 'jumper'] as const) {
      for (const path of [
        `/data-products/${world.ids.cog}/info`,
        `/cog/info?url=${q(world.ids.cogKey)}`,
        `/pmtiles/${world.ids.pmtiles}/metadata`,
        `/pmtiles/${world.ids.pmtilesName}/metadata`,
        `/vector/${world.ids.layer}/0/0/0.mvt`,
        `/features/collections/${world.ids.layer}/items`,
      ]) {
        const got = await send(world.callers[persona], get(path));
        if (got.status !== 404) wrong.push(`${persona} GET ${path}: got ${show(got)}, expected 404`);
      }
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
  });
});

describe('share links', () => {
  const P = () => world.ids.project;
  /** A link made now: the destructive cases above moved P's access epoch, which ended the world's own. */
  let share: string;
  beforeAll(async () => {
    const made = await send(world.callers.manager, post(`/projects/${P()}/shares`, { expires_in: 3600 }));
    expect(made.status, show(made)).toBe(201);
    share = (made.body as { token: string }).token;
  });

  /** What every refused link gets: 401 invalid-token as problem+json, for every persona. */
  async function refusedForAll(token: string, what: string): Promise<void> {
    const wrong: string[] = [];
    for (const persona of PERSONAS) {
      const got = await send(world.callers[persona], get(`/shares/${q(token)}`));
      if (got.status !== 401 || got.type !== 'https://edge-tiles.dev/problems/invalid-token')
        wrong.push(`${persona} GET /shares/<${what}>: got ${show(got)}, expected 401 invalid-token`);
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
  }
  const now = () => Math.floor(Date.now() / 1000);
  const shareClaims = (project: string, epoch: number) => ({
    sub: world.users.manager.id,
    scope: `project:${project}`,
    ep: epoch,
  });
  /** P's access epoch now, as a link made now would carry it. */
  const epochOfP = () => JSON.parse(Buffer.from(share.split('.')[1]!, 'base64url').toString()).ep as number;

  it('the link opens P for every persona, anonymous included, with the same view', async () => {
    const views = await Promise.all(PERSONAS.map((p) => send(world.callers[p], get(`/shares/${q(share)}`))));
    for (const view of views) expect(view.status).toBe(200);
    const ids = views.map((v) => (v.body as { project: { id: string } }).project.id);
    expect(new Set(ids)).toEqual(new Set([P()]));
  });

  it('a forged, expired or withdrawn link is 401, and one to a project that does not exist is the same 401', async () => {
    const [header, payload, signature] = share.split('.');
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    await refusedForAll(`${header}.${payload}.${flipped}`, 'forged signature');
    await refusedForAll('not-a-token', 'garbage');
    await refusedForAll(
      await signAsService(shareClaims(P(), epochOfP()), 'share', { issuedAt: now() - 7200, expiresAt: now() - 60 }),
      'expired',
    );
    await refusedForAll(
      await signAsService(shareClaims(P(), epochOfP() - 1), 'share', { expiresAt: '1h' }),
      'an older epoch',
    );
    await refusedForAll(
      await signAsService(shareClaims(randomUUID(), 0), 'share', { expiresAt: '1h' }),
      'a project that does not exist',
    );
  });

  it('another audience is no link: a tile token, an access token', async () => {
    const tile = await json<{ token: string }>(
      await call(`/data-products/${world.ids.cog}/token`, { method: 'POST', apiKey: world.callers.viewer.apiKey }),
      201,
    );
    await refusedForAll(tile.token, 'a tile token');
    const access = await json<{ access_token: string }>(
      await call('/auth/token', { json: { email: world.users.helper.email, password: world.users.helper.password } }),
      200,
    );
    await refusedForAll(access.access_token, 'an access token');
    // Signed by the service with everything a link holds, but for the tile audience.
    await refusedForAll(await signAsService(shareClaims(P(), epochOfP()), 'tiles', { expiresAt: '1h' }), 'aud tiles');
  });

  it('a link opens nothing else: not as credentials, not as a tile token', async () => {
    for (const [what, req] of [
      ['as a bearer token', get(`/projects/${P()}`, { authorization: `Bearer ${share}` })],
      ['as an API key', get(`/projects/${P()}`, { 'x-api-key': share })],
      ['as a tile token', get(`/data-products/${world.ids.cog}/info?token=${q(share)}`)],
      ['as a PMTiles token', get(`/pmtiles/${world.ids.pmtiles}/metadata?token=${q(share)}`)],
      ['as a layer token', get(`/vector/${world.ids.layer}/0/0/0.mvt?token=${q(share)}`)],
    ] as const) {
      const got = await send(world.callers.anonymous, req);
      expect(got.status, `${req.path} with the link ${what}: ${show(got)}`).toBe(401);
    }
  });

  it("the tile tokens of the view open their own product's tiles and nothing else", async () => {
    const view = await send(world.callers.anonymous, get(`/shares/${q(share)}`));
    const products = (view.body as { data_products: Array<{ id: string; tiles: { token: string } }> }).data_products;
    const cog = products.find((p) => p.id === world.ids.cog)!;
    const tile = `tiles/WebMercatorQuad/${world.geo.tile.z}/${world.geo.tile.x}/${world.geo.tile.y}.png?rescale=0,8000`;
    const can = await send(
      world.callers.anonymous,
      get(`/data-products/${world.ids.cog}/${tile}&token=${q(cog.tiles.token)}`),
    );
    expect(can.status, show(can)).toBe(200);
    const twin = await send(
      world.callers.anonymous,
      get(`/data-products/${randomUUID()}/${tile}&token=${q(cog.tiles.token)}`),
    );
    const cannot = await send(
      world.callers.anonymous,
      get(`/data-products/${world.otherCog}/${tile}&token=${q(cog.tiles.token)}`),
    );
    expect({ status: cannot.status, type: cannot.type }, show(cannot)).toEqual({
      status: twin.status,
      type: twin.type,
    });
    expect(is2xx(cannot.status)).toBe(false);
  });
});
