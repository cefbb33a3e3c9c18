import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { teamRole } from '../platform/db/schema';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { email, iso, isoDateTime, text } from '../platform/http/schemas';
import { requirePrincipal } from '../platform/auth/middleware';
import { findMemberUser } from '../platform/auth/members';
import {
  createTeam,
  deleteTeam,
  putTeamMember,
  removeTeamMember,
  teamMembersOf,
  teamWithRole,
  teamsOf,
  updateTeam,
  type TeamRole as TeamRoleValue,
  type TeamRow,
} from './store';

const router = createRouter();

const TeamRole = z.enum(teamRole.enumValues);
const TeamSchema = z
  .object({ id: z.string().uuid(), name: z.string(), description: z.string(), role: TeamRole, created_at: isoDateTime })
  .openapi('Team');
const TeamMemberSchema = z
  .object({ user_id: z.string().uuid(), email: z.string(), name: z.string(), role: TeamRole })
  .openapi('TeamMember');

const teamJson = (t: TeamRow, role: TeamRoleValue): z.infer<typeof TeamSchema> => ({
  id: t.id,
  name: t.name,
  description: t.description,
  role,
  created_at: iso(t.createdAt),
});

/** The caller's team and role in it; non-members get 404 so teams are not discoverable. Admins act as owners. */
async function requireTeam(c: Context<AppEnv>, teamId: string, minimum: TeamRoleValue) {
  const principal = requirePrincipal(c);
  const row = await teamWithRole(c.var.db, teamId, principal.userId);
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
    const team = await createTeam(c.var.db, body, principal.userId);
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
    const rows = await teamsOf(c.var.db, principal.userId, principal.isAdmin);
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
    return c.json(teamJson(await updateTeam(c.var.db, team.id, c.req.valid('json')), role), 200);
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
    await deleteTeam(c.var.db, team.id);
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
    return c.json(await teamMembersOf(c.var.db, team.id), 200);
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
    await putTeamMember(c.var.db, team.id, user.id, body.role);
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
    await removeTeamMember(c.var.db, teamId, userId);
    return c.body(null, 204);
  },
);

export default router;
