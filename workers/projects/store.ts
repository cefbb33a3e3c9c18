import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { projectMembers, projects, users } from '../platform/db/schema';
import { asGeoJSON } from '../platform/db/geometry';
import { ApiError } from '../platform/http/problem';
import { canReadSql, hasRoleSql, roleSql, type ProjectRole } from '../platform/auth/access';
import type { Principal } from '../platform/auth/principal';

/** A project's fields as the API changes them; those left undefined, drizzle leaves untouched. */
export interface ProjectFields {
  title?: string;
  description?: string;
  boundary?: typeof projects.$inferInsert.boundary;
  isPublic?: boolean;
  teamId?: string | null;
}

export interface ProjectMember {
  user_id: string;
  email: string;
  name: string;
  role: ProjectRole;
}

function projectSelection(principal: Principal | null) {
  return {
    id: projects.id,
    title: projects.title,
    description: projects.description,
    boundary: asGeoJSON(projects.boundary),
    isPublic: projects.isPublic,
    teamId: projects.teamId,
    createdAt: projects.createdAt,
    updatedAt: projects.updatedAt,
    role: roleSql(projects.id, principal),
  };
}

function selectProjects(db: Database, principal: Principal | null, where: SQL | undefined) {
  return db
    .select(projectSelection(principal))
    .from(projects)
    .where(where)
    .orderBy(asc(projects.createdAt), asc(projects.id));
}

export type ProjectRecord = Awaited<ReturnType<typeof selectProjects>>[number];

/**
 * The projects the caller has a role on, oldest first; with `includePublic`, every project they
 * can read. Admins have a role everywhere, so "member of" lists every project for them.
 */
export function projectsOf(db: Database, principal: Principal | null, includePublic: boolean) {
  const where = includePublic ? canReadSql(projects.id, principal) : hasRoleSql(projects.id, principal, 'viewer');
  return selectProjects(db, principal, where);
}

/** A project with the caller's role on it (whether they may read it is the caller's to check). */
export async function projectById(
  db: Database,
  principal: Principal | null,
  id: string,
): Promise<ProjectRecord | undefined> {
  const [project] = await selectProjects(db, principal, eq(projects.id, id));
  return project;
}

/** A new project, owned by its creator; its id. */
export function createProject(
  db: Database,
  fields: ProjectFields & { title: string },
  ownerId: string,
): Promise<string> {
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(projects)
      .values({ ...fields, createdBy: ownerId })
      .returning({ id: projects.id });
    await tx.insert(projectMembers).values({ projectId: created!.id, userId: ownerId, role: 'owner' });
    return created!.id;
  });
}

export async function updateProject(db: Database, id: string, fields: ProjectFields): Promise<void> {
  await db
    .update(projects)
    .set({ ...fields, updatedAt: new Date() })
    .where(eq(projects.id, id));
}

/** Deletes a project and, by cascade, everything in it. */
export async function deleteProject(db: Database, id: string): Promise<void> {
  await db.delete(projects).where(eq(projects.id, id));
}

export function projectMembersOf(db: Database, projectId: string): Promise<ProjectMember[]> {
  return db
    .select({ user_id: users.id, email: users.email, name: users.name, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(users.email));
}

/** Adds a member or changes their role; the project must keep an owner (409 otherwise). */
export async function putProjectMember(
  db: Database,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(projectMembers)
      .values({ projectId, userId, role })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
    await assertProjectKeepsOwner(tx, projectId);
  });
}

/** Removes a member (404 if not one); the project must keep an owner (409 otherwise). */
export async function removeProjectMember(db: Database, projectId: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
      .returning();
    if (removed.length === 0) throw new ApiError(404, 'not-found', 'Not a member of this project.');
    await assertProjectKeepsOwner(tx, projectId);
  });
}

async function assertProjectKeepsOwner(db: Database, projectId: string): Promise<void> {
  const owners = await db
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, 'owner')));
  if (owners.length === 0) throw new ApiError(409, 'conflict', 'A project must keep at least one owner.');
}
