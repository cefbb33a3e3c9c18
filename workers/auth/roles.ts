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

export async function projectAccess(db: Database, principal: Principal | null, projectId: string): Promise<ProjectAccess | null> {
  if (!isUuid(projectId)) return null;
  const [row] = await db
    .select({ id: projects.id, isPublic: projects.isPublic, role: principal ? effectiveRoleSql(principal.userId) : sql<null>`NULL` })
    .from(projects)
    .where(eq(projects.id, projectId));
  if (!row) return null;
  const role: ProjectRole | null = principal?.isAdmin ? 'owner' : row.role;
  return { projectId: row.id, isPublic: row.isPublic, role };
}

/**
 * Authorizes `minimum` on a project. Anyone who cannot read a project is told it does not exist
 * (404), so private projects are not discoverable; readers without enough role get 403.
 */
export async function requireProjectRole(
  db: Database,
  principal: Principal | null,
  projectId: string,
  minimum: ProjectRole,
): Promise<ProjectAccess> {
  const access = await projectAccess(db, principal, projectId);
  const canRead = access !== null && (access.isPublic || access.role !== null);
  if (!access || !canRead) throw new ApiError(404, 'not-found', 'Project not found.');
  if (minimum === 'viewer' || roleAtLeast(access.role, minimum)) return access;
  if (!principal) throw new ApiError(401, 'unauthorized', 'Sign in to change this project.', { headers: { 'www-authenticate': 'Bearer' } });
  throw new ApiError(403, 'forbidden', `This needs the ${minimum} role on the project.`);
}

export interface DataProductAccess extends ProjectAccess {
  dataProductId: string;
}

/**
 * A data product is readable by its project's readers, or by anyone when the product itself is
 * public; changing it needs the role on its project.
 */
export async function requireDataProductRole(
  db: Database,
  principal: Principal | null,
  dataProductId: string,
  minimum: ProjectRole,
): Promise<DataProductAccess> {
  const [product] = isUuid(dataProductId)
    ? await db.select({ projectId: dataProducts.projectId, isPublic: dataProducts.isPublic }).from(dataProducts).where(eq(dataProducts.id, dataProductId))
    : [];
  if (!product) throw new ApiError(404, 'not-found', 'Data product not found.');
  if (product.isPublic && minimum === 'viewer') {
    const access = await projectAccess(db, principal, product.projectId);
    return { projectId: product.projectId, isPublic: true, role: access?.role ?? null, dataProductId };
  }
  try {
    return { ...(await requireProjectRole(db, principal, product.projectId, minimum)), dataProductId };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new ApiError(404, 'not-found', 'Data product not found.');
    throw error;
  }
}
