import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity, UuidParam } from '../platform/http/openapi';
import { text } from '../platform/http/schemas';
import { requireProjectRole } from '../platform/auth/access';
import { createFlight, deleteFlight, findFlight, flightsOf, updateFlight } from './store';
import { FlightSchema, flightJson } from './schemas';

const router = createRouter();

const percent = z.number().min(0).max(100);
const FlightBody = z.object({
  name: text(300).default(''),
  acquisition_date: z.iso.date(),
  platform: text(200).default(''),
  sensor: text(200).default(''),
  altitude_m: z.number().finite().min(-500).max(100_000).nullable().default(null),
  forward_overlap: percent.nullable().default(null),
  side_overlap: percent.nullable().default(null),
});
const FlightPatch = z
  .object({
    name: text(300),
    acquisition_date: z.iso.date(),
    platform: text(200),
    sensor: text(200),
    altitude_m: z.number().finite().min(-500).max(100_000).nullable(),
    forward_overlap: percent.nullable(),
    side_overlap: percent.nullable(),
  })
  .partial();

/** API fields to columns; fields left out stay undefined, which the store leaves untouched. */
const flightColumns = (b: z.infer<typeof FlightPatch>) => ({
  name: b.name,
  acquisitionDate: b.acquisition_date,
  platform: b.platform,
  sensor: b.sensor,
  altitudeM: b.altitude_m,
  forwardOverlap: b.forward_overlap,
  sideOverlap: b.side_overlap,
});

const ProjectParams = z.object({ projectId: UuidParam });
const FlightParams = z.object({ projectId: UuidParam, flightId: UuidParam });

router.openapi(
  createRoute({
    method: 'get',
    path: '/projects/{projectId}/flights',
    tags: ['flights'],
    summary: "A project's flights",
    request: { params: ProjectParams },
    responses: { 200: jsonResponse(z.array(FlightSchema), 'Flights by acquisition date'), ...errors(401, 404) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'viewer');
    const rows = await flightsOf(c.var.db, projectId);
    return c.json(rows.map(flightJson), 200);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/projects/{projectId}/flights',
    tags: ['flights'],
    summary: 'Record a flight (managers)',
    security: bearerSecurity,
    request: { params: ProjectParams, body: jsonBody(FlightBody) },
    responses: { 201: jsonResponse(FlightSchema, 'The flight'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { projectId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    const b = c.req.valid('json');
    const flight = await createFlight(c.var.db, projectId, {
      ...flightColumns(b),
      acquisitionDate: b.acquisition_date,
    });
    return c.json(flightJson(flight), 201);
  },
);

router.openapi(
  createRoute({
    method: 'get',
    path: '/projects/{projectId}/flights/{flightId}',
    tags: ['flights'],
    summary: 'A flight',
    request: { params: FlightParams },
    responses: { 200: jsonResponse(FlightSchema, 'The flight'), ...errors(401, 404) },
  }),
  async (c) => {
    const { projectId, flightId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'viewer');
    return c.json(flightJson(await findFlight(c.var.db, projectId, flightId)), 200);
  },
);

router.openapi(
  createRoute({
    method: 'patch',
    path: '/projects/{projectId}/flights/{flightId}',
    tags: ['flights'],
    summary: 'Change a flight (managers)',
    security: bearerSecurity,
    request: { params: FlightParams, body: jsonBody(FlightPatch) },
    responses: { 200: jsonResponse(FlightSchema, 'The flight'), ...errors(400, 401, 403, 404, 413) },
  }),
  async (c) => {
    const { projectId, flightId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    await findFlight(c.var.db, projectId, flightId);
    const b = c.req.valid('json');
    const flight = await updateFlight(c.var.db, flightId, flightColumns(b));
    return c.json(flightJson(flight), 200);
  },
);

router.openapi(
  createRoute({
    method: 'delete',
    path: '/projects/{projectId}/flights/{flightId}',
    tags: ['flights'],
    summary: 'Delete a flight and its data products (managers)',
    security: bearerSecurity,
    request: { params: FlightParams },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  }),
  async (c) => {
    const { projectId, flightId } = c.req.valid('param');
    await requireProjectRole(c.var.db, c.var.principal, projectId, 'manager');
    await findFlight(c.var.db, projectId, flightId);
    await deleteFlight(c.var.db, flightId);
    return c.body(null, 204);
  },
);

export default router;
