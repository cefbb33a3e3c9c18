import { sql, type SQL } from 'drizzle-orm';
import { effectiveRoleSql } from '../auth/roles';
import type { Principal } from '../auth/principal';

/**
 * Which collections a caller sees, as a condition on `stac_collections c`: published collections
 * of projects they can read (anonymous callers: public projects) and collections with no project;
 * a project's managers also see it unpublished; admins see everything. Searches apply it inside
 * their SQL, so counts and pages never include what the caller may not read.
 */
export function visibleCollections(principal: Principal | null): SQL {
  if (principal?.isAdmin) return sql`TRUE`;
  if (!principal) return sql`(c.is_published AND (c.project_id IS NULL OR c.project_id IN (SELECT projects.id FROM projects WHERE projects.is_public)))`;
  const role = effectiveRoleSql(principal.userId);
  return sql`((c.is_published AND (c.project_id IS NULL OR c.project_id IN (
      SELECT projects.id FROM projects WHERE projects.is_public OR ${role} IS NOT NULL)))
    OR c.project_id IN (SELECT projects.id FROM projects WHERE ${role} IN ('manager', 'owner')))`;
}

/** The same rule as a condition on `stac_items i`. */
export const visibleItems = (principal: Principal | null): SQL =>
  sql`i.collection_id IN (SELECT c.id FROM stac_collections c WHERE ${visibleCollections(principal)})`;
