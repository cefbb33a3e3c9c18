import { sql, type SQL } from 'drizzle-orm';
import { canReadSql, hasRoleSql } from '../platform/auth/access';
import type { Principal } from '../platform/auth/principal';

/**
 * Which collections a caller sees, as a condition on `stac_collections c`: published collections
 * of projects they can read (anonymous callers: public projects) and published collections with no
 * project; a project's managers also see it unpublished; admins see everything. Searches apply it
 * inside their SQL, so counts and pages never include what the caller may not read.
 */
export function visibleCollections(principal: Principal | null): SQL {
  const project = sql`c.project_id`;
  return sql`(CASE WHEN c.project_id IS NULL THEN c.is_published OR ${principal?.isAdmin ?? false}::boolean
    ELSE (c.is_published AND ${canReadSql(project, principal)}) OR ${hasRoleSql(project, principal, 'manager')} END)`;
}

/** The same rule as a condition on `stac_items i`. */
export const visibleItems = (principal: Principal | null): SQL =>
  sql`i.collection_id IN (SELECT c.id FROM stac_collections c WHERE ${visibleCollections(principal)})`;

/** The same rule, as a condition on the items `stac_items i` of one collection. */
export const visibleItemsIn = (principal: Principal | null, collectionId: string): SQL =>
  sql`${visibleItems(principal)} AND i.collection_id = ${collectionId}`;
