import { beforeAll, describe, expect, it } from 'vitest';
import { call, json, newUser, problem, square, type TestUser } from './helpers';

interface World {
  owner: TestUser;
  manager: TestUser;
  viewer: TestUser;
  outsider: TestUser;
  project: string;
  flight: string;
  product: string;
}

async function makeWorld(isPublic: boolean): Promise<World> {
  const [owner, manager, viewer, outsider] = await Promise.all([
    newUser('owner'),
    newUser('manager'),
    newUser('viewer'),
    newUser('outsider'),
  ]);
  const project = await json<{ id: string }>(
    await call('/projects', {
      token: owner.token,
      json: { title: 'Roles', boundary: square(10, 45), is_public: isPublic },
    }),
    201,
  );
  for (const [user, role] of [
    [manager, 'manager'],
    [viewer, 'viewer'],
  ] as const) {
    await json(
      await call(`/projects/${project.id}/members`, { token: owner.token, json: { user_id: user.id, role } }),
      200,
    );
  }
  const flight = await json<{ id: string }>(
    await call(`/projects/${project.id}/flights`, { token: owner.token, json: { acquisition_date: '2025-05-01' } }),
    201,
  );
  const product = await json<{ id: string }>(
    await call(`/projects/${project.id}/flights/${flight.id}/data-products`, {
      token: owner.token,
      json: { type: 'ortho' },
    }),
    201,
  );
  return { owner, manager, viewer, outsider, project: project.id, flight: flight.id, product: product.id };
}

describe('role matrix on a private project', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld(false);
  });

  it('everyone with a role reads; outsiders and anonymous get 404', async () => {
    for (const [user, role] of [
      [w.owner, 'owner'],
      [w.manager, 'manager'],
      [w.viewer, 'viewer'],
    ] as const) {
      expect(
        (await json<{ role: string }>(await call(`/projects/${w.project}`, { token: user.token }), 200)).role,
      ).toBe(role);
      await json(await call(`/projects/${w.project}/flights`, { token: user.token }), 200);
      await json(await call(`/data-products/${w.product}`, { token: user.token }), 200);
    }
    for (const token of [w.outsider.token, undefined]) {
      await problem(await call(`/projects/${w.project}`, { token }), 404, 'not-found');
      await problem(await call(`/projects/${w.project}/flights`, { token }), 404, 'not-found');
      await problem(await call(`/projects/${w.project}/flights/${w.flight}`, { token }), 404, 'not-found');
      await problem(await call(`/data-products/${w.product}`, { token }), 404, 'not-found');
      await problem(await call(`/data-products/${w.product}/token`, { method: 'POST', token }), 404, 'not-found');
    }
    const outsiderList = await json<Array<{ id: string }>>(
      await call('/projects?public=true', { token: w.outsider.token }),
      200,
    );
    expect(outsiderList.map((p) => p.id)).not.toContain(w.project);
  });

  it('viewers cannot write anything', async () => {
    const t = w.viewer.token;
    await problem(
      await call(`/projects/${w.project}`, { method: 'PATCH', token: t, json: { title: 'x' } }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/projects/${w.project}/flights`, { token: t, json: { acquisition_date: '2025-01-01' } }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/projects/${w.project}/flights/${w.flight}`, { method: 'PATCH', token: t, json: { name: 'x' } }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/projects/${w.project}/flights/${w.flight}/data-products`, { token: t, json: { type: 'dsm' } }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/data-products/${w.product}`, { method: 'PATCH', token: t, json: { filename: 'x' } }),
      403,
      'forbidden',
    );
    await problem(await call(`/data-products/${w.product}`, { method: 'DELETE', token: t }), 403, 'forbidden');
    await problem(
      await call(`/projects/${w.project}/members`, { token: t, json: { user_id: w.outsider.id, role: 'viewer' } }),
      403,
      'forbidden',
    );
    await problem(await call(`/projects/${w.project}`, { method: 'DELETE', token: t }), 403, 'forbidden');
  });

  it('managers write flights and data products, but neither delete the project nor manage members', async () => {
    const t = w.manager.token;
    await json(
      await call(`/projects/${w.project}`, { method: 'PATCH', token: t, json: { description: 'by manager' } }),
      200,
    );
    const flight = await json<{ id: string }>(
      await call(`/projects/${w.project}/flights`, {
        token: t,
        json: { acquisition_date: '2025-06-01', sensor: 'RGB' },
      }),
      201,
    );
    await json(
      await call(`/projects/${w.project}/flights/${flight.id}`, {
        method: 'PATCH',
        token: t,
        json: { platform: 'M3E' },
      }),
      200,
    );
    const product = await json<{ id: string; version: number }>(
      await call(`/projects/${w.project}/flights/${flight.id}/data-products`, { token: t, json: { type: 'dsm' } }),
      201,
    );
    const patched = await json<{ version: number }>(
      await call(`/data-products/${product.id}`, { method: 'PATCH', token: t, json: { crs: 'EPSG:32633' } }),
      200,
    );
    expect(patched.version).toBe(product.version + 1);
    expect((await call(`/data-products/${product.id}`, { method: 'DELETE', token: t })).status).toBe(204);
    expect((await call(`/projects/${w.project}/flights/${flight.id}`, { method: 'DELETE', token: t })).status).toBe(
      204,
    );

    await problem(await call(`/projects/${w.project}`, { method: 'DELETE', token: t }), 403, 'forbidden');
    await problem(
      await call(`/projects/${w.project}/members`, { token: t, json: { user_id: w.outsider.id, role: 'viewer' } }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/projects/${w.project}/members/${w.viewer.id}`, { method: 'DELETE', token: t }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/projects/${w.project}`, { method: 'PATCH', token: t, json: { is_public: true } }),
      403,
      'forbidden',
    );
  });

  it('owners manage members, and the last owner cannot leave', async () => {
    const t = w.owner.token;
    const members = await json<Array<{ user_id: string; role: string }>>(
      await call(`/projects/${w.project}/members`, { token: t }),
      200,
    );
    expect(members.map((m) => m.role).sort()).toEqual(['manager', 'owner', 'viewer']);
    await problem(
      await call(`/projects/${w.project}/members/${w.owner.id}`, { method: 'DELETE', token: t }),
      409,
      'conflict',
    );
    await problem(
      await call(`/projects/${w.project}/members`, { token: t, json: { user_id: w.owner.id, role: 'viewer' } }),
      409,
      'conflict',
    );
    // Promote by email, then demote: both take effect on the next request.
    await json(
      await call(`/projects/${w.project}/members`, {
        token: t,
        json: { email: w.viewer.email.toUpperCase(), role: 'manager' },
      }),
      200,
    );
    await json(
      await call(`/projects/${w.project}/flights`, { token: w.viewer.token, json: { acquisition_date: '2025-02-02' } }),
      201,
    );
    await json(
      await call(`/projects/${w.project}/members`, { token: t, json: { user_id: w.viewer.id, role: 'viewer' } }),
      200,
    );
    await problem(
      await call(`/projects/${w.project}/flights`, { token: w.viewer.token, json: { acquisition_date: '2025-02-03' } }),
      403,
      'forbidden',
    );
  });

  it('a removed member loses access at once', async () => {
    const extra = await newUser('extra');
    await json(
      await call(`/projects/${w.project}/members`, {
        token: w.owner.token,
        json: { user_id: extra.id, role: 'viewer' },
      }),
      200,
    );
    await json(await call(`/projects/${w.project}`, { token: extra.token }), 200);
    expect(
      (await call(`/projects/${w.project}/members/${extra.id}`, { method: 'DELETE', token: w.owner.token })).status,
    ).toBe(204);
    await problem(await call(`/projects/${w.project}`, { token: extra.token }), 404, 'not-found');
  });

  it('only the owner deletes the project', async () => {
    const doomed = await makeWorld(false);
    expect((await call(`/projects/${doomed.project}`, { method: 'DELETE', token: doomed.owner.token })).status).toBe(
      204,
    );
    await problem(await call(`/projects/${doomed.project}`, { token: doomed.owner.token }), 404, 'not-found');
    await problem(await call(`/data-products/${doomed.product}`, { token: doomed.owner.token }), 404, 'not-found');
  });
});

describe('public projects', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld(true);
  });

  it('are readable anonymously and by non-members', async () => {
    for (const token of [undefined, w.outsider.token]) {
      const project = await json<{ role: string | null; boundary: { type: string } }>(
        await call(`/projects/${w.project}`, { token }),
        200,
      );
      expect(project.role).toBeNull();
      expect(project.boundary.type).toBe('MultiPolygon');
      await json(await call(`/projects/${w.project}/flights/${w.flight}`, { token }), 200);
      await json(await call(`/data-products/${w.product}`, { token }), 200);
    }
    const anonymousList = await json<Array<{ id: string }>>(await call('/projects'), 200);
    expect(anonymousList.map((p) => p.id)).toContain(w.project);
  });

  it('cannot be written anonymously (401) or by non-members (403)', async () => {
    await problem(
      await call(`/projects/${w.project}`, { method: 'PATCH', json: { title: 'defaced' } }),
      401,
      'unauthorized',
    );
    await problem(
      await call(`/projects/${w.project}/flights`, { json: { acquisition_date: '2025-01-01' } }),
      401,
      'unauthorized',
    );
    await problem(
      await call(`/projects/${w.project}`, { method: 'PATCH', token: w.outsider.token, json: { title: 'defaced' } }),
      403,
      'forbidden',
    );
    await problem(
      await call(`/projects/${w.project}`, { method: 'DELETE', token: w.outsider.token }),
      403,
      'forbidden',
    );
    await problem(await call(`/projects/${w.project}/members`, { token: w.outsider.token }), 403, 'forbidden');
  });

  it('public data products of private projects are readable on their own', async () => {
    const p = await makeWorld(false);
    await json(
      await call(`/data-products/${p.product}`, { method: 'PATCH', token: p.owner.token, json: { is_public: true } }),
      200,
    );
    await json(await call(`/data-products/${p.product}`), 200);
    await problem(await call(`/projects/${p.project}`), 404, 'not-found');
    await problem(
      await call(`/data-products/${p.product}`, { method: 'PATCH', token: p.outsider.token, json: { filename: 'x' } }),
      404,
      'not-found',
    );
  });
});

describe('teams', () => {
  it('give their members read access to team projects, and team owners manage them', async () => {
    const [lead, member, stranger] = await Promise.all([newUser('lead'), newUser('member'), newUser('stranger')]);
    const team = await json<{ id: string; role: string }>(
      await call('/teams', { token: lead.token, json: { name: 'Lab' } }),
      201,
    );
    expect(team.role).toBe('owner');
    await json(await call(`/teams/${team.id}/members`, { token: lead.token, json: { user_id: member.id } }), 200);
    const project = await json<{ id: string }>(
      await call('/projects', { token: lead.token, json: { title: 'Team project', team_id: team.id } }),
      201,
    );

    expect(
      (await json<{ role: string }>(await call(`/projects/${project.id}`, { token: member.token }), 200)).role,
    ).toBe('viewer');
    await problem(
      await call(`/projects/${project.id}/flights`, { token: member.token, json: { acquisition_date: '2025-01-01' } }),
      403,
      'forbidden',
    );
    await problem(await call(`/projects/${project.id}`, { token: stranger.token }), 404, 'not-found');
    await problem(await call(`/teams/${team.id}`, { token: stranger.token }), 404, 'not-found');
    await problem(
      await call(`/teams/${team.id}/members`, { token: member.token, json: { user_id: stranger.id } }),
      403,
      'forbidden',
    );

    // Leaving the team ends the access it gave.
    expect(
      (await call(`/teams/${team.id}/members/${member.id}`, { method: 'DELETE', token: member.token })).status,
    ).toBe(204);
    await problem(await call(`/projects/${project.id}`, { token: member.token }), 404, 'not-found');
    await problem(
      await call(`/teams/${team.id}/members/${lead.id}`, { method: 'DELETE', token: lead.token }),
      409,
      'conflict',
    );
  });

  it('cannot be attached to a project by a non-member', async () => {
    const [lead, other] = await Promise.all([newUser('lead2'), newUser('other2')]);
    const team = await json<{ id: string }>(
      await call('/teams', { token: lead.token, json: { name: 'Closed lab' } }),
      201,
    );
    await problem(
      await call('/projects', { token: other.token, json: { title: 'sneaky', team_id: team.id } }),
      400,
      'validation-error',
    );
  });
});
