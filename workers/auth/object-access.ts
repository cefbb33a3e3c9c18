import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { dataProducts } from '../db/schema';
import { ApiError } from '../http/problem';
import type { Principal } from './principal';
import { authorizeDataProduct, canRead, dataProductAccess, isUuid, projectAccess } from './roles';
import type { SigningKeySet } from './signing-keys';
import { TokenError, dataProductScope, verifyResourceToken } from './tokens';

/** A bucket object the caller may read, and what versions its cached renderings. */
export interface ObjectGrant {
  key: string;
  /** Changes whenever the object or its metadata changes (part of every cache key). */
  version: string;
  dataProductId: string | null;
}

const notFound = () => new ApiError(404, 'not-found', 'No such object, or not yours to read.');
const PROJECT_KEY = /^projects\/([0-9a-f-]{36})\/[^\0]+$/i;

/** A key that stays where it says: not empty, not too long, no `.` or `..` segment. */
export const isPlainKey = (key: string): boolean => key.length > 0 && key.length <= 1024 && !key.split('/').some((s) => s === '..' || s === '.');

/** The project a key lives under (`projects/{projectId}/…`), or null. */
export function projectOfKey(key: string): string | null {
  const match = PROJECT_KEY.exec(key);
  return match && isUuid(match[1]!) ? match[1]!.toLowerCase() : null;
}

/** Whether `token` is a valid tile token for `scope`; an invalid one is a 401, not a fallback. */
export async function tokenOpens(keys: SigningKeySet, token: string | undefined, scope: string): Promise<boolean> {
  if (!token) return false;
  try {
    await verifyResourceToken(keys, token, scope);
    return true;
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(401, 'invalid-token', `Tile token rejected: ${error.message}.`);
    throw error;
  }
}

/**
 * `url=<key>`: admins read any key; others keys under a project they can read, a public data
 * product's key, or a data product's key with a `token` scoped to it. Keys never leave the bucket.
 */
export async function grantObjectKey(db: Database, principal: Principal | null, keys: SigningKeySet, key: string, token?: string): Promise<ObjectGrant> {
  if (!isPlainKey(key)) throw notFound();
  const [product] = await db
    .select({ id: dataProducts.id, version: dataProducts.version, isPublic: dataProducts.isPublic })
    .from(dataProducts)
    .where(eq(dataProducts.r2Key, key))
    .limit(1);
  const grant = { key, version: product ? `p${product.version}` : 'k', dataProductId: product?.id ?? null };
  if (principal?.isAdmin) return grant;
  if (product && (product.isPublic || (await tokenOpens(keys, token, dataProductScope(product.id))))) return grant;
  const projectId = projectOfKey(key);
  if (!projectId) throw notFound();
  if (!canRead(await projectAccess(db, principal, projectId))) throw notFound();
  return grant;
}

/** `/data-products/{id}/…`: the product's object, for its readers or a token scoped to it. */
export async function grantDataProduct(db: Database, principal: Principal | null, keys: SigningKeySet, id: string, token?: string): Promise<ObjectGrant> {
  if (!isUuid(id)) throw new ApiError(404, 'not-found', 'Data product not found.');
  const [tokenOpensIt, product] = await Promise.all([tokenOpens(keys, token, dataProductScope(id)), dataProductAccess(db, principal, id)]);
  if (!tokenOpensIt) authorizeDataProduct(product, principal, 'viewer');
  if (!product) throw new ApiError(404, 'not-found', 'Data product not found.');
  if (!product.r2Key) throw new ApiError(404, 'not-found', 'This data product has no file yet.');
  return { key: product.r2Key, version: `p${product.version}`, dataProductId: id };
}
