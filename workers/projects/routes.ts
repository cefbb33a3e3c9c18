import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { projectRole } from '../platform/db/schema';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { areaGeometry, email, geometryOut, iso, isoDateTime, text } from '../platform/http/schemas';
import { requirePrincipal } from '../platform/auth/middleware';
import { findMemberUser } from '../platform/auth/members';
import { requireProjectRole } from '../platform/auth/access';
import type { Principal } from '../platform/auth/principal';
import { isTeamMember } from '../teams/store';
import {
  createProject,
  deleteProject,
  projectById,
  projectMembersOf,
  projectsOf,
  putProjectMember,
  removeProjectMember,
  updateProject,
  type ProjectFields,
  type ProjectRecord,
} from './store';

const router = createRouter();

const Role = z.enum(projectRole.enumValues);
const ProjectSchema = z
  .object({
    id: z.string().uuid(),
    title: z.string(),
    description: z.string(),
    boundary: geometryOut,
    is_public: z.boolean(),
    team_id: z.string().uuid().nullable(),
    role: Role.nullable().openapi({ description: "The caller's role; null when reading a public project without one" }),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .openapi('Project');
type ProjectJson = z.infer<typeof ProjectSchema>;

const ProjectMemberSchema = z
  .object({ user_id: z.string().uuid(), email: z.string(), name: z.string(), role: Role })
  .openapi('ProjectMember');

const projectJson = (r: ProjectRecord): ProjectJson => ({
  id: r.id,
  title: r.title,
  description: r.description,
  boundary: r.boundary,
  is_public: r.isPublic,
  team_id: r.teamId,
  role: r.role,
  created_at: iso(r.createdAt),
  updated_at: iso(r.updatedAt),
});

async function projectAsJson(c: Context<AppEnv>, id: string): Promise<ProjectJson> {
  const project = await projectById(c.var.db, c.var.principal, id);
  if (!project) throw new ApiError(404, 'not-found', 'Project not found.');
  return projectJson(project);
}

async function assertTeamMember(
  c: Context<AppEnv>,
  principal: Principal,
  teamId: string | null | undefined,
): Promise<void> {
  if (!teamId || principal.isAdmin) return;
  if (!(await isTeamMember(c.var.db, teamId, principal.userId)))
    throw new ApiError(400, 'validation-error', 'team_id must be a team you belong to.');
}

const ProjectParams = z.object({ projectId: UuidParam });
const ProjectBody = z.object({
  title: text(300).pipe(z.string().min(1)),
  description: text(20_000).default(''),
  boundary: areaGeometry.nullable().default(null),
  is_public: z.boolean().default(false),
  team_id: z.string().uuid().nullable().default(null),
});
const ProjectPatch = z
  .object({
    title: text(300).pipe(z.string().min(1)),
    description: text(20_000),
    boundary: areaGeometry.nullable(),
    is_public: z.boolean(),
    team_id: z.string().uuid().nullable(),
  })
  .partial();

/** API fields to columns; fields left out stay undefined, which the store leaves untouched. */
const projectFields = (b: z.infer<typeof ProjectPatch>): ProjectFields => ({
  title: b.title,
  description: b.description,
  boundary: b.boundary,
  isPublic: b.is_public,
  teamId: b.team_id,
});

router.openapi(
  createRoute({
    method: 'get',
    path: '/projects',
    tags: ['projects'],
    summary: 'Projects the caller can read',
    description:
      'Signed-in users see projects they are members of (directly or through a team); add `public=true` to ' +
      'include every public project. Anonymous callers see public projects. Admins see all.',
    request: { query: z.object({ public: z.enum(['true', 'false']).default('false') }) },
    responses: { 200: jsonResponse(z.array(ProjectSchema), 'Projects, oldest first'), ...errors(400, 401) },
  }),
  async (c) => {
    const principal = c.var.principal;
    const includePublic = c.req.valid('query').public === 'true' || !principal;
    return c.json((await projectsOf(c.var.db, principal, includePublic)).map(projectJson), 200);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects',
    tags: ['projects'],
    summary: 'Create a project (the caller becomes its owner)',
    security: bearerSecurity,
    request: { body: jsonBody(ProjectBody) },
    responses: { 201: jsonResponse(ProjectSchema, 'The project'), ...errors(400, 401, 413) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    await assertTeamMember(c, principal, body.team_id);
    const id = await createProject(c.var.db, { ...projectFields(body), title: body.title }, principal.userId);
    return c.json(await projectAsJson(c, id), 201);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/projects/{projectId}',
    tags: ['projects'],
    summary: 'A project (public ones need no sign-in)',
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(ProjectSchema, 'The project'), ...errors(401, 404) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'viewer');
    return c.json(await projectAsJson(c, projectId), 200);
  },
);

router.openapi(
  createRoute({
    method: 'patch',
    path: '/projects/{projectId}',
    tags: ['projects'],
    summary: 'Change a project',
    description: 'Managers change title, description and boundary; `is_public` and `team_id` need the owner.',
    security: bearerSecurity,
    request: { params: ProjectParams, body: jsonBody(ProjectPatch) },
    responses: { 200: jsonResponse(ProjectSchema, 'The project'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    const body = c.req.valid('json');
    const needsOwner = body.is_public !== undefined || body.team_id !== undefined;
    await requireProjectRole(c.var.db, c.var.principal, projectId, needsOwner ? 'owner' : 'manager');
    await assertTeamMember(c, requirePrincipal(c), body.team_id);
    await updateProject(c.var.db, projectId, projectFields(body));
    return c.json(await projectAsJson(c, projectId), 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/projects/{projectId}',
    tags: ['projects'],
    summary: 'Delete a project and everything in it (owners)',
    security: bearerSecurity,
    request: { params: ProjectParams },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'owner');
    await deleteProject(c.var.db, projectId);
    return c.body(null, 204);
  },
);

// ---------------------------------------------------------------- members

const MemberParams = z.object({ projectId: UuidParam, userId: UuidParam });

router.openapi(
  createRoute({
    method: 'get',
    path: '/projects/{projectId}/members',
    tags: ['projects'],
    summary: "A project's members (any reader)",
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(z.array(ProjectMemberSchema), 'Members'), ...errors(401, 404) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    const access = await requireProjectRole(c.var.db, c.var.principal, projectId, 'viewer');
    // Who works on a public project is not public: outsiders see no member list.
    if (access.role === null)
      throw new ApiError(
        c.var.principal ? 403 : 401,
        c.var.principal ? 'forbidden' : 'unauthorized',
        'Only members see the member list.',
      );
    return c.json(await projectMembersOf(c.var.db, projectId), 200);
  },
);

const MemberBody = z
  .object({ user_id: z.string().uuid().optional(), email: email.optional(), role: Role })
  .refine((m) => (m.user_id === undefined) !== (m.email === undefined), {
    message: 'give exactly one of user_id and email',
  });

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/members',
    tags: ['projects'],
    summary: 'Add a member or change their role (owners)',
    security: bearerSecurity,
    description:
      'By `user_id` or `email`. Look-ups by e-mail are limited to 60 an hour per caller (429 with Retry-After ' +
      'past that), so that adding members cannot list accounts.',
    request: { params: ProjectParams, body: jsonBody(MemberBody) },
    responses: {
      200: jsonResponse(ProjectMemberSchema, 'The membership'),
      ...errors(400, 401, 403, 404, 409, 413, 429),
    },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'owner');
    const user = await findMemberUser(c.var.db, requirePrincipal(c).userId, body);
    await putProjectMember(c.var.db, projectId, user.id, body.role);
    return c.json({ user_id: user.id, email: user.email, name: user.name, role: body.role }, 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/projects/{projectId}/members/{userId}',
    tags: ['projects'],
    summary: 'Remove a member (owners, or members leaving)',
    security: bearerSecurity,
    request: { params: MemberParams },
    responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404, 409) },
  }),
  async (c) => {
    const { projectId, userId } = c.req.valid('param');
    const leaving = c.var.principal?.userId === userId;
    await requireProjectRole(c.var.db, c.var.principal, projectId, leaving ? 'viewer' : 'owner');
    await removeProjectMember(c.var.db, projectId, userId);
    return c.body(null, 204);
  },
);

export default router;
