import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { teamMembers, teams, users, type teamRole } from '../platform/db/schema';
import { ApiError } from '../platform/http/problem';
import { isUuid } from '../platform/auth/access';

export type TeamRow = typeof teams.$inferSelect;
export type TeamRole = (typeof teamRole.enumValues)[number];

export interface TeamMember {
  user_id: string;
  email: string;
  name: string;
  role: TeamRole;
}

const membershipOf = (userId: string) => and(eq(teamMembers.teamId, teams.id), eq(teamMembers.userId, userId));

/** A team and the user's role in it (null when they are not a member), or undefined when there is no such team. */
export async function teamWithRole(
  db: Database,
  teamId: string,
  userId: string,
): Promise<{ team: TeamRow; role: TeamRole | null } | undefined> {
  if (!isUuid(teamId)) return undefined;
  const [row] = await db
    .select({ team: teams, role: teamMembers.role })
    .from(teams)
    .leftJoin(teamMembers, membershipOf(userId))
    .where(eq(teams.id, teamId));
  return row;
}

/** The teams a user belongs to, or every team (`all`), by name, with the user's role where they have one. */
export function teamsOf(db: Database, userId: string, all: boolean) {
  return db
    .select({ team: teams, role: teamMembers.role })
    .from(teams)
    .leftJoin(teamMembers, membershipOf(userId))
    .where(all ? undefined : isNotNull(teamMembers.userId))
    .orderBy(asc(teams.name), asc(teams.id));
}

/** Whether the user belongs to the team, in any role. */
export async function isTeamMember(db: Database, teamId: string, userId: string): Promise<boolean> {
  const [membership] = await db
    .select()
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
  return membership !== undefined;
}

/** A new team, owned by its creator. */
export function createTeam(db: Database, fields: { name: string; description: string }, ownerId: string) {
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(teams)
      .values({ ...fields, createdBy: ownerId })
      .returning();
    await tx.insert(teamMembers).values({ teamId: created!.id, userId: ownerId, role: 'owner' });
    return created!;
  });
}

export async function updateTeam(
  db: Database,
  teamId: string,
  fields: { name?: string; description?: string },
): Promise<TeamRow> {
  const [updated] = await db
    .update(teams)
    .set({ ...fields, updatedAt: new Date() })
    .where(eq(teams.id, teamId))
    .returning();
  return updated!;
}

/** Deletes a team; its projects stay, without the team. */
export async function deleteTeam(db: Database, teamId: string): Promise<void> {
  await db.delete(teams).where(eq(teams.id, teamId));
}

export function teamMembersOf(db: Database, teamId: string): Promise<TeamMember[]> {
  return db
    .select({ user_id: users.id, email: users.email, name: users.name, role: teamMembers.role })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(eq(teamMembers.teamId, teamId))
    .orderBy(asc(users.email));
}

/** Adds a member or changes their role; the team must keep an owner (409 otherwise). */
export async function putTeamMember(db: Database, teamId: string, userId: string, role: TeamRole): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(teamMembers)
      .values({ teamId, userId, role })
      .onConflictDoUpdate({ target: [teamMembers.teamId, teamMembers.userId], set: { role } });
    await assertTeamKeepsOwner(tx, teamId);
  });
}

/** Removes a member (404 if not one); the team must keep an owner (409 otherwise). */
export async function removeTeamMember(db: Database, teamId: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
      .returning();
    if (removed.length === 0) throw new ApiError(404, 'not-found', 'Not a member of this team.');
    await assertTeamKeepsOwner(tx, teamId);
  });
}

async function assertTeamKeepsOwner(db: Database, teamId: string) {
  const owners = await db
    .select({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.role, 'owner')));
  if (owners.length === 0) throw new ApiError(409, 'conflict', 'A team must keep at least one owner.');
}
