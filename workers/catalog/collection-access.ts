import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { ApiError } from '../platform/http/problem';
import { requireProjectRole, type ProjectRole } from '../platform/auth/access';
import { getCollection, type CollectionRow } from './collection-store';
import { visibleCollections } from './visibility';

/** A collection the caller can see, or 404. */
export async function visibleCollection(c: Context<AppEnv>, id: string): Promise<CollectionRow> {
  const row = await getCollection(c.var.db, visibleCollections(c.var.principal), id);
  if (!row) throw new ApiError(404, 'not-found', `No collection "${id}".`);
  return row;
}

/** Writing to a project's collection needs `minimum` on the project; collections without one are the admins'. */
export async function requireCollectionWrite(
  c: Context<AppEnv>,
  id: string,
  minimum: ProjectRole,
): Promise<CollectionRow> {
  const principal = c.var.principal;
  if (!principal)
    throw new ApiError(401, 'unauthorized', 'Sign in to change the catalog.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  const row = await visibleCollection(c, id);
  if (row.project_id) {
    // Administrators hold the owner role on every project (the access rule): no exception here.
    await requireProjectRole(c.var.db, principal, row.project_id, minimum);
    return row;
  }
  if (!principal.isAdmin)
    throw new ApiError(403, 'forbidden', 'Collections outside projects are managed by administrators.');
  return row;
}
