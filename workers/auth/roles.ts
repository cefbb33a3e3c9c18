import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { dataProducts, projects } from '../db/schema';
import { ApiError } from '../http/problem';
import type { Principal } from './principal';

export type ProjectRole = 'viewer' | 'manager' | 'owner';

const RANK: Record<ProjectRole, number> = { viewer: 1, manager: 2, owner: 3 };

export function roleAtLeast(role: ProjectRole | null, minimum: ProjectRole): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * Effective role of a user on a project: an explicit membership, or through the project's team
 * (team owners manage, team members view), whichever is higher. Admins act as owners everywhere.
 */
export function effectiveRoleSql(userId: string) {
  return sql<ProjectRole | null>`(
    SELECT r FROM (
      SELECT pm.role::text AS r FROM project_members pm WHERE pm.project_id = ${projects.id} AND pm.user_id = ${userId}
      UNION ALL
      SELECT CASE tm.role WHEN 'owner' THEN 'manager' ELSE 'viewer' END FROM team_members tm
      WHERE tm.team_id = ${projects.teamId} AND tm.user_id = ${userId}
    ) roles ORDER BY CASE r WHEN 'owner' THEN 3 WHEN 'manager' THEN 2 ELSE 1 END DESC LIMIT 1)`;
}

export interface ProjectAccess {
  projectId: string;
  isPublic: boolean;
  role: ProjectRole | null;
}

/** Admins act as owners everywhere. */
const roleOf = (principal: Principal | null, role: ProjectRole | null): ProjectRole | null => (principal?.isAdmin ? 'owner' : role);

export async function projectAccess(db: Database, principal: Principal | null, projectId: string): Promise<ProjectAccess | null> {
  if (!isUuid(projectId)) return null;
  const [row] = await db
    .select({ id: projects.id, isPublic: projects.isPublic, role: principal ? effectiveRoleSql(principal.userId) : sql<null>`NULL` })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!row) return null;
  return { projectId: row.id, isPublic: row.isPublic, role: roleOf(principal, row.role) };
}

/** Reading a project needs it public or a role on it. */
export const canRead = (access: ProjectAccess | null): access is ProjectAccess => access !== null && (access.isPublic || access.role !== null);

/**
 * `minimum` on a project. Anyone who cannot read it is told that `what` does not exist (404), so
 * private projects are not discoverable; readers without enough role get 403.
 */
function requireRole(access: ProjectAccess | null, principal: Principal | null, minimum: ProjectRole, what: string): ProjectAccess {
  if (!canRead(access)) throw new ApiError(404, 'not-found', `${what} not found.`);
  if (minimum === 'viewer' || roleAtLeast(access.role, minimum)) return access;
  if (!principal) throw new ApiError(401, 'unauthorized', 'Sign in to change this project.', { headers: { 'www-authenticate': 'Bearer' } });
  throw new ApiError(403, 'forbidden', `This needs the ${minimum} role on the project.`);
}

/** Authorizes `minimum` on a project. */
export async function requireProjectRole(
  db: Database,
  principal: Principal | null,
  projectId: string,
  minimum: ProjectRole,
): Promise<ProjectAccess> {
  return requireRole(await projectAccess(db, principal, projectId), principal, minimum, 'Project');
}

export interface DataProductAccess extends ProjectAccess {
  dataProductId: string;
}

/** A data product (its object and version too) with its project's access, in one query: tile requests arrive by the dozen. */
export async function dataProductAccess(db: Database, principal: Principal | null, dataProductId: string) {
  if (!isUuid(dataProductId)) return null;
  const [row] = await db
    .select({
      projectId: dataProducts.projectId,
      isPublic: dataProducts.isPublic,
      projectIsPublic: projects.isPublic,
      role: principal ? effectiveRoleSql(principal.userId) : sql<null>`NULL`,
      r2Key: dataProducts.r2Key,
      version: dataProducts.version,
    })
    .from(dataProducts)
    .innerJoin(projects, eq(projects.id, dataProducts.projectId))
    .where(eq(dataProducts.id, dataProductId));
  if (!row) return null;
  const project: ProjectAccess = { projectId: row.projectId, isPublic: row.projectIsPublic, role: roleOf(principal, row.role) };
  return { dataProductId, isPublic: row.isPublic, r2Key: row.r2Key, version: row.version, project };
}

/**
 * A data product is readable by its project's readers, or by anyone when the product itself is
 * public; changing it needs the role on its project.
 */
export function authorizeDataProduct(
  product: Awaited<ReturnType<typeof dataProductAccess>>,
  principal: Principal | null,
  minimum: ProjectRole,
): DataProductAccess {
  if (!product) throw new ApiError(404, 'not-found', 'Data product not found.');
  if (product.isPublic && minimum === 'viewer') return { ...product.project, isPublic: true, dataProductId: product.dataProductId };
  return { ...requireRole(product.project, principal, minimum, 'Data product'), dataProductId: product.dataProductId };
}

export async function requireDataProductRole(
  db: Database,
  principal: Principal | null,
  dataProductId: string,
  minimum: ProjectRole,
): Promise<DataProductAccess> {
  return authorizeDataProduct(await dataProductAccess(db, principal, dataProductId), principal, minimum);
}
