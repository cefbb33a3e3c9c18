import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import type { Database } from '../platform/db/client';
import { teamMembers, teams, users } from '../platform/db/schema';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { email, iso, isoDateTime, text } from '../platform/http/schemas';
import { requirePrincipal } from '../platform/auth/middleware';
import { findMemberUser } from '../platform/auth/members';
import { isUuid } from '../platform/auth/access';

const router = createRouter();

const TeamRole = z.enum(['member', 'owner']);
const TeamSchema = z
  .object({ id: z.string().uuid(), name: z.string(), description: z.string(), role: TeamRole, created_at: isoDateTime })
  .openapi('Team');
const TeamMemberSchema = z
  .object({ user_id: z.string().uuid(), email: z.string(), name: z.string(), role: TeamRole })
  .openapi('TeamMember');

type TeamRow = typeof teams.$inferSelect;
const teamJson = (t: TeamRow, role: z.infer<typeof TeamRole>): z.infer<typeof TeamSchema> => ({
  id: t.id,
  name: t.name,
  description: t.description,
  role,
  created_at: iso(t.createdAt),
});

/** The caller's team and role in it; non-members get 404 so teams are not discoverable. Admins act as owners. */
async function requireTeam(c: Context<AppEnv>, teamId: string, minimum: 'member' | 'owner') {
  const principal = requirePrincipal(c);
  const [row] = isUuid(teamId)
    ? await c.var.db
        .select({ team: teams, role: teamMembers.role })
        .from(teams)
        .leftJoin(teamMembers, and(eq(teamMembers.teamId, teams.id), eq(teamMembers.userId, principal.userId)))
        .where(eq(teams.id, teamId))
    : [];
  const role = principal.isAdmin ? 'owner' : (row?.role ?? null);
  if (!row || !role) throw new ApiError(404, 'not-found', 'Team not found.');
  if (minimum === 'owner' && role !== 'owner') throw new ApiError(403, 'forbidden', 'Only team owners may do this.');
  return { team: row.team, role, principal };
}

const TeamParams = z.object({ teamId: UuidParam });
const MemberParams = z.object({ teamId: UuidParam, userId: UuidParam });
const TeamBody = z.object({ name: text(200).pipe(z.string().min(1)), description: text(10_000).default('') });

router.openapi(
  createRoute({
    method: 'post',
    path: '/teams',
    tags: ['teams'],
    summary: 'Create a team (the caller becomes its owner)',
    security: bearerSecurity,
    request: { body: jsonBody(TeamBody) },
    responses: { 201: jsonResponse(TeamSchema, 'The team'), ...errors(400, 401, 413) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const team = await c.var.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(teams)
        .values({ ...body, createdBy: principal.userId })
        .returning();
      await tx.insert(teamMembers).values({ teamId: created!.id, userId: principal.userId, role: 'owner' });
      return created!;
    });
    return c.json(teamJson(team, 'owner'), 201);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/teams',
    tags: ['teams'],
    summary: 'Teams the caller belongs to (all teams for admins)',
    security: bearerSecurity,
    responses: { 200: jsonResponse(z.array(TeamSchema), 'Teams'), ...errors(401) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const rows = await c.var.db
      .select({ team: teams, role: teamMembers.role })
      .from(teams)
      .leftJoin(teamMembers, and(eq(teamMembers.teamId, teams.id), eq(teamMembers.userId, principal.userId)))
      .where(principal.isAdmin ? undefined : sql`${teamMembers.userId} IS NOT NULL`)
      .orderBy(asc(teams.name), asc(teams.id));
    return c.json(
      rows.map((r) => teamJson(r.team, principal.isAdmin ? 'owner' : (r.role ?? 'member'))),
      200,
    );
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/teams/{teamId}',
    tags: ['teams'],
    summary: 'A team',
    security: bearerSecurity,
    request: { params: TeamParams },
    responses: { 200: jsonResponse(TeamSchema, 'The team'), ...errors(401, 404) },
  }),
  async (c) => {
    const { team, role } = await requireTeam(c, c.req.valid('param').teamId, 'member');
    return c.json(teamJson(team, role), 200);
  },
);

router.openapi(
  createRoute({
    method: 'patch',
    path: '/teams/{teamId}',
    tags: ['teams'],
    summary: 'Rename or describe a team (owners)',
    security: bearerSecurity,
    request: { params: TeamParams, body: jsonBody(TeamBody.partial()) },
    responses: { 200: jsonResponse(TeamSchema, 'The team'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { team, role } = await requireTeam(c, c.req.valid('param').teamId, 'owner');
    const [updated] = await c.var.db
      .update(teams)
      .set({ ...c.req.valid('json'), updatedAt: new Date() })
      .where(eq(teams.id, team.id))
      .returning();
    return c.json(teamJson(updated!, role), 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/teams/{teamId}',
    tags: ['teams'],
    summary: 'Delete a team (owners); its projects stay, without the team',
    security: bearerSecurity,
    request: { params: TeamParams },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { team } = await requireTeam(c, c.req.valid('param').teamId, 'owner');
    await c.var.db.delete(teams).where(eq(teams.id, team.id));
    return c.body(null, 204);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/teams/{teamId}/members',
    tags: ['teams'],
    summary: "A team's members",
    security: bearerSecurity,
    request: { params: TeamParams },
    responses: { 200: jsonResponse(z.array(TeamMemberSchema), 'Members'), ...errors(401, 404) },
  }),
  async (c) => {
    const { team } = await requireTeam(c, c.req.valid('param').teamId, 'member');
    const rows = await c.var.db
      .select({ user_id: users.id, email: users.email, name: users.name, role: teamMembers.role })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(eq(teamMembers.teamId, team.id))
      .orderBy(asc(users.email));
    return c.json(rows, 200);
  },
);

const MemberRef = z
  .object({ user_id: z.string().uuid().optional(), email: email.optional(), role: TeamRole.default('member') })
  .refine((m) => (m.user_id === undefined) !== (m.email === undefined), {
    message: 'give exactly one of user_id and email',
  });

router.openapi(
  createRoute({
    method: 'post',
    path: '/teams/{teamId}/members',
    tags: ['teams'],
    summary: 'Add or update a team member (owners)',
    security: bearerSecurity,
    description:
      'By `user_id` or `email`. Look-ups by e-mail are limited to 60 an hour per caller (429 with Retry-After ' +
      'past that), so that adding members cannot list accounts.',
    request: { params: TeamParams, body: jsonBody(MemberRef) },
    responses: { 200: jsonResponse(TeamMemberSchema, 'The membership'), ...errors(400, 401, 403, 404, 409, 413, 429) },
  }),
  async (c) => {
    const { team } = await requireTeam(c, c.req.valid('param').teamId, 'owner');
    const body = c.req.valid('json');
    const user = await findMemberUser(c.var.db, requirePrincipal(c).userId, body);
    await c.var.db.transaction(async (tx) => {
      await tx
        .insert(teamMembers)
        .values({ teamId: team.id, userId: user.id, role: body.role })
        .onConflictDoUpdate({ target: [teamMembers.teamId, teamMembers.userId], set: { role: body.role } });
      await assertTeamKeepsOwner(tx, team.id);
    });
    return c.json({ user_id: user.id, email: user.email, name: user.name, role: body.role }, 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/teams/{teamId}/members/{userId}',
    tags: ['teams'],
    summary: 'Remove a member (owners, or members leaving)',
    security: bearerSecurity,
    request: { params: MemberParams },
    responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404, 409) },
  }),
  async (c) => {
    const { teamId, userId } = c.req.valid('param');
    const principal = requirePrincipal(c);
    await requireTeam(c, teamId, principal.userId === userId ? 'member' : 'owner');
    await c.var.db.transaction(async (tx) => {
      const removed = await tx
        .delete(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
        .returning();
      if (removed.length === 0) throw new ApiError(404, 'not-found', 'Not a member of this team.');
      await assertTeamKeepsOwner(tx, teamId);
    });
    return c.body(null, 204);
  },
);

async function assertTeamKeepsOwner(db: Database, teamId: string) {
  const owners = await db
    .select({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.role, 'owner')));
  if (owners.length === 0) throw new ApiError(409, 'conflict', 'A team must keep at least one owner.');
}

export default router;
