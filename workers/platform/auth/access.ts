import { eq, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Database } from '../db/client';
import { dataProducts, projects, type projectRole } from '../db/schema';
import { ApiError } from '../http/problem';
import type { Principal } from './principal';

/**
 * Who may read, write and own a project is decided in one place: the SQL functions `project_role`
 * and `can_read_project` (migrations/0005_access.sql). This module is their only caller; every
 * route family reaches them through the predicates and checks below, never through SQL of its own.
 */
export type ProjectRole = (typeof projectRole.enumValues)[number];

const RANK: Record<ProjectRole, number> = { viewer: 1, manager: 2, owner: 3 };

export function roleAtLeast(role: ProjectRole | null, minimum: ProjectRole): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** Who is asking: a principal, or just a user's id (a token's holder). */
type Who = Pick<Principal, 'userId'> | null;

/** The caller as the rule's argument: anonymous callers are NULL, which no membership matches. */
const userOf = (principal: Who): SQL => sql`${principal?.userId ?? null}::uuid`;

/**
 * The caller's role on the project whose id is `projectId`, as SQL: a column or expression of the
 * calling query, written with its table alias (`p.id`), since the function call is evaluated in that
 * query's scope.
 */
export const roleSql = (projectId: SQLWrapper, principal: Who): SQL<ProjectRole | null> =>
  sql<ProjectRole | null>`project_role(${projectId}, ${userOf(principal)})`;

/** Whether the caller may read the project (it is public, or they have a role), as SQL. */
export const canReadSql = (projectId: SQLWrapper, principal: Who): SQL<boolean> =>
  sql<boolean>`can_read_project(${projectId}, ${userOf(principal)})`;

/** Whether the caller may read a data product (it is public, or its project is readable), as SQL. */
export const canReadProductSql = (
  product: { isPublic: SQLWrapper; projectId: SQLWrapper },
  principal: Who,
): SQL<boolean> => sql<boolean>`(${product.isPublic} OR ${canReadSql(product.projectId, principal)})`;

/** Whether the caller may read the `data_products` row of the query it is used in, as SQL. */
export const canReadDataProductSql = (principal: Who): SQL<boolean> =>
  canReadProductSql({ isPublic: dataProducts.isPublic, projectId: dataProducts.projectId }, principal);

/** Whether the caller has at least `minimum` on the project, as SQL. */
export const hasRoleSql = (projectId: SQLWrapper, principal: Principal | null, minimum: ProjectRole): SQL<boolean> =>
  sql<boolean>`coalesce(project_role(${projectId}, ${userOf(principal)}) >= ${minimum}::project_role, false)`;

export interface ProjectAccess {
  projectId: string;
  isPublic: boolean;
  role: ProjectRole | null;
  /** What signed tokens minted now carry (./grants.ts). */
  epoch: number;
}

/** Reading a project needs it public or a role on it (`can_read_project`, as TS over what `projectAccess` read). */
export const canRead = (access: ProjectAccess | null): access is ProjectAccess =>
  access !== null && (access.isPublic || access.role !== null);

/**
 * Reading a data product (`canReadProductSql`, as TS): a public product is open to anyone, the
 * others to their project's readers, which `projectReadable` answers only when it must.
 */
export const canReadProduct = async (
  product: { isPublic: boolean },
  projectReadable: () => Promise<boolean>,
): Promise<boolean> => product.isPublic || (await projectReadable());

/** The caller's standing on a project (or a user's, a share's maker); null where there is no such project. */
export async function projectAccess(db: Database, principal: Who, projectId: string): Promise<ProjectAccess | null> {
  if (!isUuid(projectId)) return null;
  const [row] = await db
    .select({ isPublic: projects.isPublic, role: roleSql(projects.id, principal), epoch: projects.accessEpoch })
    .from(projects)
    .where(eq(projects.id, projectId));
  return row ? { projectId, ...row } : null;
}

/**
 * `minimum` on a project. Anyone who cannot read it is told that `what` does not exist (404), so
 * private projects are not discoverable; readers without enough role get 403.
 */
function requireRole(
  access: ProjectAccess | null,
  principal: Principal | null,
  minimum: ProjectRole,
  what: string,
): ProjectAccess {
  if (!canRead(access)) throw new ApiError(404, 'not-found', `${what} not found.`);
  if (minimum === 'viewer' || roleAtLeast(access.role, minimum)) return access;
  if (!principal)
    throw new ApiError(401, 'unauthorized', 'Sign in to change this project.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  throw new ApiError(403, 'forbidden', `This needs the ${minimum} role on the project.`);
}

/** Authorizes `minimum` on a project, with the database's answer of now (writes and pages, not tiles). */
export async function requireProjectRole(
  db: Database,
  principal: Principal | null,
  projectId: string,
  minimum: ProjectRole,
  what = 'Project',
): Promise<ProjectAccess> {
  return requireRole(await projectAccess(db, principal, projectId), principal, minimum, what);
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
  const notFound = new ApiError(404, 'not-found', 'Data product not found.');
  if (!isUuid(dataProductId)) throw notFound;
  const [row] = await db
    .select({
      projectId: projects.id,
      productIsPublic: dataProducts.isPublic,
      isPublic: projects.isPublic,
      role: roleSql(projects.id, principal),
      epoch: projects.accessEpoch,
    })
    .from(dataProducts)
    .innerJoin(projects, eq(projects.id, dataProducts.projectId))
    .where(eq(dataProducts.id, dataProductId));
  if (!row) throw notFound;
  const { productIsPublic, ...project } = row;
  if (productIsPublic && minimum === 'viewer') return { ...project, isPublic: true, dataProductId };
  return { ...requireRole(project, principal, minimum, 'Data product'), dataProductId };
}
