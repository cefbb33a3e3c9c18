import { asc, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Bindings } from '../env';
import { numberVar } from '../config';
import { rowsOf } from '../db/rows';
import { dataProducts, projects } from '../db/schema';
import { ApiError } from '../http/problem';
import { TtlCache } from '../util/ttl-cache';
import { canReadProduct, canReadSql, isUuid } from './access';
import { signingKeys } from './signing-keys';
import { apiKeyExists } from './api-keys';
import { sessionStands } from './sessions';
import { TokenError, dataProductScope, verifyResourceToken, type ResourceClaims } from './tokens';

/**
 * Tile and feature reads: a map view fires dozens at once, from every edge location, and none of
 * them should wait on the database. Each isolate remembers for ACCESS_CACHE_SECONDS (30 s by
 * default) who a credential is, which projects a caller may read and what a data product's object,
 * version and access epoch are; the same rule (./access.ts) answers when it does not know. That
 * time is also how long a revocation made elsewhere (a member removed, a key revoked, a project
 * made private) takes to reach every isolate; the writes that take access away forget everything
 * at once on the isolate that answers them (`REVOKING_WRITES`).
 */
export const accessTtlMs = (env: Bindings): number =>
  Math.min(numberVar(env, 'ACCESS_CACHE_SECONDS'), MAX_ACCESS_CACHE_SECONDS) * 1000;

/** The promise made about revocation: within a minute, whatever ACCESS_CACHE_SECONDS says. */
const MAX_ACCESS_CACHE_SECONDS = 60;

/**
 * The writes that can take access away (a key deleted, a sign-in ended, a member removed or
 * demoted, a project made private or moved, a team or its membership changed, a product made
 * private or deleted): answered by this isolate, they empty its access caches at once, so that the
 * caller's next request already sees the change. Only these: any write would let anyone empty
 * them, and send every tile back to the database.
 */
export const REVOKING_WRITES: Array<[methods: string[], path: string]> = [
  [['DELETE'], '/api-keys/:id'],
  [['POST'], '/auth/logout'],
  [['PATCH', 'DELETE'], '/projects/:projectId'],
  [['POST'], '/projects/:projectId/members'],
  [['DELETE'], '/projects/:projectId/members/:userId'],
  [['DELETE'], '/projects/:projectId/flights/:flightId'],
  [['PATCH', 'DELETE'], '/teams/:teamId'],
  [['POST'], '/teams/:teamId/members'],
  [['DELETE'], '/teams/:teamId/members/:userId'],
  [['PATCH', 'DELETE'], '/data-products/:dataProductId'],
];

/** Per-route middleware for REVOKING_WRITES. */
export const revokesAccess = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status < 400) forgetAccess();
});

/** Where a request's authorization time went: `db` once any part of it asked the database. */
export interface AuthTiming {
  millis: number;
  db: boolean;
}

const caches: Array<{ clear(): void }> = [];
/**
 * A cache of what this isolate learnt about credentials or access; `forgetAccess` empties them all.
 * Their bounds keep them under ~15 MB together at worst (a few hundred bytes an entry; tokens, the
 * largest keys, ~1 KB), beside the 16 MiB of rendered tiles, in an isolate of 128 MB.
 */
export function isolateCache<V>(maxEntries: number): TtlCache<V> {
  const cache = new TtlCache<V>(maxEntries);
  caches.push(cache);
  return cache;
}

/** Forgets what this isolate learnt about credentials and access (after a write it answered). */
export function forgetAccess(): void {
  for (const cache of caches) cache.clear();
}

/** `load`'s answer, or the isolate's recent one; the request's Server-Timing learns which. */
export async function remembered<V>(
  c: Context<AppEnv>,
  cache: TtlCache<V>,
  key: string,
  load: () => Promise<V>,
  keep?: (value: V) => boolean,
): Promise<V> {
  const started = performance.now();
  const timing = c.var.authTiming;
  try {
    const { value, fresh } = await cache.get(key, accessTtlMs(c.env), load, keep);
    if (!fresh) timing.db = true;
    return value;
  } finally {
    timing.millis += performance.now() - started;
  }
}

// ---------------------------------------------------------------- who may read a project

const readers = isolateCache<boolean>(10_000);

/** Whether the caller may read the project (the one rule), as this isolate recently learnt it. */
export const canReadProject = (c: Context<AppEnv>, projectId: string): Promise<boolean> =>
  canReadProjectAs(c, c.var.principal?.userId ?? null, projectId);

/** The same for any user (a token's holder), or anonymous callers (null). */
function canReadProjectAs(c: Context<AppEnv>, userId: string | null, projectId: string): Promise<boolean> {
  return remembered(c, readers, `${userId ?? ''}|${projectId}`, async () => {
    const who = userId === null ? null : { userId };
    const [row] = rowsOf<{ readable: boolean }>(
      await c.var.db.execute(sql`SELECT ${canReadSql(sql`${projectId}::uuid`, who)} AS readable`),
    );
    return row?.readable === true;
  });
}

// ---------------------------------------------------------------- signed tokens

const verifiedTokens = isolateCache<ResourceClaims & { expiresAt: number }>(2_000);

const rejected = (reason: string) => new ApiError(401, 'invalid-token', `Tile token rejected: ${reason}.`);

/**
 * A signed token's claims, if it is one for `scope`: a token that fails its signature, scope or
 * expiry is a 401, never a fallback to anonymous. It is checked before the object is looked up,
 * so that a wrong token gets the same answer whether the object exists or not. A signature once
 * verified is remembered like a grant (it cannot change), never past the token's expiry.
 */
export async function verifiedToken(c: Context<AppEnv>, token: string, scope: string): Promise<ResourceClaims> {
  // Ours are a few hundred characters; nothing longer is verified, or kept.
  if (token.length > 4096) throw rejected('not a token of this service');
  try {
    return await verifiedClaims(c, verifiedTokens, `${scope}|${token}`, async () =>
      verifyResourceToken(await signingKeys(c.env.JWT_SIGNING_KEYS), token, scope),
    );
  } catch (error) {
    if (error instanceof TokenError) throw rejected(error.message);
    throw error;
  }
}

/**
 * A token's claims as `verify` gives them, remembered like a grant (a signature cannot change),
 * never past the token's expiry: a TokenError otherwise, as from `verify` itself.
 */
export async function verifiedClaims<C extends { expiresAt: number }>(
  c: Context<AppEnv>,
  cache: TtlCache<C>,
  key: string,
  verify: () => Promise<C>,
): Promise<C> {
  const claims = await remembered(c, cache, key, verify);
  if (claims.expiresAt <= Date.now()) throw new TokenError('token expired');
  return claims;
}

const liveCredentials = isolateCache<boolean>(5_000);

/** Whether the sign-in or API key a token names still stands (remembered like any grant). */
function credentialStands(c: Context<AppEnv>, credential: string): Promise<boolean> {
  return remembered(c, liveCredentials, credential, async () => {
    const [kind, id] = [credential.slice(0, credential.indexOf(':')), credential.slice(credential.indexOf(':') + 1)];
    if (!isUuid(id)) return false;
    return kind === 'key' ? apiKeyExists(c.var.db, id) : sessionStands(c.var.db, id);
  });
}

/** What a token opens: the object's project, its access epoch, and whether the object is public. */
interface Opened {
  projectId: string;
  epoch: number;
  isPublic: boolean;
}

/**
 * A token still opens its object while nothing taken away since it was minted says otherwise: the
 * project's access epoch has not moved, the sign-in or API key that minted it stands, and its
 * holder still reads the object (an administrator demoted, say, moves no project's epoch).
 */
export async function assertTokenStands(c: Context<AppEnv>, claims: ResourceClaims, target: Opened): Promise<void> {
  if (claims.epoch === null || claims.epoch < target.epoch)
    throw rejected('access to this project has changed since it was minted; ask for a new one');
  if (claims.sub === null) return;
  if (claims.credential && !(await credentialStands(c, claims.credential)))
    throw rejected('the sign-in or API key that minted it has ended');
  const holder = claims.sub;
  if (!(await canReadProduct(target, () => canReadProjectAs(c, holder, target.projectId))))
    throw rejected('its holder no longer reads this project');
}

// ---------------------------------------------------------------- objects and data products

/** A bucket object the caller may read, and what versions its cached renderings. */
export interface ObjectGrant {
  key: string;
  /** Changes whenever the object or its metadata changes (part of every cache key). */
  version: string;
  dataProductId: string | null;
}

/** A data product as tile routes need it. */
interface ProductRecord {
  id: string;
  projectId: string;
  r2Key: string | null;
  version: number;
  isPublic: boolean;
  epoch: number;
}

async function loadProduct(c: Context<AppEnv>, where: { id: string } | { key: string }): Promise<ProductRecord | null> {
  const [row] = await c.var.db
    .select({
      id: dataProducts.id,
      projectId: dataProducts.projectId,
      r2Key: dataProducts.r2Key,
      version: dataProducts.version,
      isPublic: dataProducts.isPublic,
      epoch: projects.accessEpoch,
    })
    .from(dataProducts)
    .innerJoin(projects, eq(projects.id, dataProducts.projectId))
    .where('id' in where ? eq(dataProducts.id, where.id) : eq(dataProducts.r2Key, where.key))
    .orderBy(asc(dataProducts.createdAt))
    .limit(1);
  return row ?? null;
}

const productsById = isolateCache<ProductRecord | null>(5_000);
const productsByKey = isolateCache<ProductRecord | null>(5_000);
/** A product without its file yet is about to change (its job is running): it is not remembered. */
const settled = (product: ProductRecord | null) => product !== null && product.r2Key !== null;

const notFound = () => new ApiError(404, 'not-found', 'No such object, or not yours to read.');
const PROJECT_KEY = /^projects\/([0-9a-f-]{36})\/[^\0]+$/i;

/** A key that stays where it says: not empty, not too long, no `.` or `..` segment. */
export const isPlainKey = (key: string): boolean =>
  key.length > 0 && key.length <= 1024 && !key.split('/').some((s) => s === '..' || s === '.');

/** The project a key lives under (`projects/{projectId}/…`), or null. */
export function projectOfKey(key: string): string | null {
  const match = PROJECT_KEY.exec(key);
  return match && isUuid(match[1]!) ? match[1]!.toLowerCase() : null;
}

/**
 * `url=<key>`: admins read any key; others keys under a project they can read, a public data
 * product's key, or a data product's key with a `token` scoped to it. Keys never leave the bucket.
 */
export async function grantObjectKey(c: Context<AppEnv>, key: string, token: string | undefined): Promise<ObjectGrant> {
  // No bucket key holds a control character (PostgreSQL text cannot hold NUL at all).
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(key))
    throw new ApiError(400, 'bad-request', 'Object keys hold no control characters.');
  if (!isPlainKey(key)) throw notFound();
  const product = await remembered(c, productsByKey, key, () => loadProduct(c, { key }));
  const grant = { key, version: product ? `p${product.version}` : 'k', dataProductId: product?.id ?? null };
  if (c.var.principal?.isAdmin) return grant;
  if (token) {
    // A key with no product has no token that opens it: the same 401 as another product's token.
    const claims = await verifiedToken(c, token, dataProductScope(product?.id ?? 'none'));
    if (product) {
      await assertTokenStands(c, claims, product);
      return grant;
    }
  }
  if (product?.isPublic) return grant;
  const projectId = projectOfKey(key);
  if (!projectId || !(await canReadProject(c, projectId))) throw notFound();
  return grant;
}

/** `/data-products/{id}/…`: the product's object, for its readers or a token scoped to it. */
export async function grantDataProduct(
  c: Context<AppEnv>,
  id: string,
  token: string | undefined,
): Promise<ObjectGrant> {
  const missing = new ApiError(404, 'not-found', 'Data product not found.');
  if (!isUuid(id)) throw missing;
  // A token is checked even where it is not needed (wrong credentials are a 401, not ignored), and first.
  const claims = token ? await verifiedToken(c, token, dataProductScope(id)) : null;
  const product = await remembered(c, productsById, id, () => loadProduct(c, { id }), settled);
  if (!product) throw missing;
  if (claims) await assertTokenStands(c, claims, product);
  else if (!(await canReadProduct(product, () => canReadProject(c, product.projectId)))) throw missing;
  if (!product.r2Key) throw new ApiError(404, 'not-found', 'This data product has no file yet.');
  return { key: product.r2Key, version: `p${product.version}`, dataProductId: id };
}
