import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../scripts/lib/seed';
import { baseUrl, call, databaseUrl, json, newUser, problem, square, type TestUser } from './helpers';

/**
 * Tokens die with access. What an isolate learnt about access it trusts for ACCESS_CACHE_SECONDS
 * (30 s, the default the test stack runs with): that is the stated delay after which a change made
 * through another isolate reaches this one. Such a change is made here straight in the database,
 * as another isolate (or an operator) would, so that nothing in this isolate hears of it.
 */
const STATED_DELAY_MS = 30_000;
/** Polling step and the slack of one poll plus a request. */
const STEP_MS = 500;
const SLACK_MS = 2_000;

let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
});
afterAll(() => db.end());

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Setup {
  owner: TestUser;
  viewer: TestUser;
  project: string;
  product: string;
  token: string;
  apiKeyId: string | null;
}

/** A project with a PMTiles product (uploaded with tus, registered by its job), a viewer, and the viewer's tile token. */
async function setup(isPublic: boolean, teamViewer = false, mintWithKey = false): Promise<Setup> {
  const [owner, viewer] = await Promise.all([newUser('revoke-owner'), newUser('revoke-viewer')]);
  let teamId: string | null = null;
  if (teamViewer) {
    teamId = (
      await json<{ id: string }>(await call('/teams', { token: owner.token, json: { name: 'revocation' } }), 201)
    ).id;
    await json(
      await call(`/teams/${teamId}/members`, { token: owner.token, json: { user_id: viewer.id, role: 'member' } }),
      200,
    );
  }
  const project = (
    await json<{ id: string }>(
      await call('/projects', {
        token: owner.token,
        json: { title: 'Revocation', boundary: square(10, 45), is_public: isPublic, team_id: teamId },
      }),
      201,
    )
  ).id;
  if (!teamViewer)
    await json(
      await call(`/projects/${project}/members`, { token: owner.token, json: { user_id: viewer.id, role: 'viewer' } }),
      200,
    );
  const flight = (
    await json<{ id: string }>(
      await call(`/projects/${project}/flights`, { token: owner.token, json: { acquisition_date: '2025-06-01' } }),
      201,
    )
  ).id;
  const bytes = readFileSync(`${FIXTURES}/pmtiles/stamen_toner_z3.pmtiles`);
  const created = await fetch(`${baseUrl}/uploads`, {
    method: 'POST',
    headers: {
      'tus-resumable': '1.0.0',
      authorization: `Bearer ${owner.token}`,
      'upload-length': String(bytes.length),
      'content-type': 'application/offset+octet-stream',
      'upload-metadata': `project ${b64(project)},flight ${b64(flight)},type ${b64('pmtiles')},filename ${b64('toner.pmtiles')}`,
    },
    body: bytes,
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const uploadUrl = created.headers.get('location')!;
  let product: string | null = null;
  for (let i = 0; i < 120 && !product; i++) {
    const status = await json<{ dataProductId: string | null; jobId: string | null }>(
      await call(new URL(uploadUrl).pathname, { token: owner.token }),
      200,
    );
    if (status.jobId) {
      const job = await json<{ state: string }>(await call(`/jobs/${status.jobId}`, { token: owner.token }), 200);
      if (job.state === 'succeeded') product = status.dataProductId;
      expect(job.state).not.toBe('failed');
    }
    if (!product) await new Promise((r) => setTimeout(r, 250));
  }
  expect(product).not.toBeNull();
  // The viewer mints the token with their sign-in, or with an API key of theirs.
  const key = mintWithKey
    ? await json<{ id: string; key: string }>(
        await call('/api-keys', { token: viewer.token, json: { name: 'tiles' } }),
        201,
      )
    : null;
  const credentials = key ? { apiKey: key.key } : { token: viewer.token };
  const token = (
    await json<{ token: string }>(
      await call(`/data-products/${product}/token`, { method: 'POST', ...credentials }),
      201,
    )
  ).token;
  return { owner, viewer, project, product: product!, token, apiKeyId: key?.id ?? null };
}

/** An anonymous request with the token, through the tile path (the archive's metadata). */
const withToken = (s: Setup) => call(`/pmtiles/${s.product}/metadata?token=${encodeURIComponent(s.token)}`);

/** Milliseconds until `request` stops answering 200, polled; fails past the stated delay. */
async function msUntilRefused(request: () => Promise<Response>, expected: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await request();
    if (response.status !== 200) {
      await problem(response, expected);
      return Date.now() - started;
    }
    await response.arrayBuffer();
    if (Date.now() - started > STATED_DELAY_MS + SLACK_MS)
      throw new Error(`still answered 200 after ${Date.now() - started} ms`);
    await new Promise((r) => setTimeout(r, STEP_MS));
  }
}

describe(`tokens die with access (within ${STATED_DELAY_MS / 1000} s elsewhere, at once here)`, () => {
  it('a viewer’s token stops working when the viewer is removed, the team membership ends, the project is made private or the product deleted elsewhere', async () => {
    const [removed, team, madePrivate, deleted, keyDeleted] = await Promise.all([
      setup(false),
      setup(false, true),
      setup(true),
      setup(false),
      setup(false, false, true),
    ]);
    // Every token works, and this isolate has seen (and so remembers) each product's access.
    for (const s of [removed, team, madePrivate, deleted, keyDeleted]) expect((await withToken(s)).status).toBe(200);
    // A public project's product needs no token at all, until it is private.
    expect((await call(`/pmtiles/${madePrivate.product}/metadata`)).status).toBe(200);

    await db.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [
      removed.project,
      removed.viewer.id,
    ]);
    await db.query('DELETE FROM team_members WHERE user_id = $1', [team.viewer.id]);
    await db.query('UPDATE projects SET is_public = false WHERE id = $1', [madePrivate.project]);
    await db.query('DELETE FROM data_products WHERE id = $1', [deleted.product]);
    // The API key the token was minted with is deleted: the viewer still reads the project, the token dies.
    await db.query('DELETE FROM api_keys WHERE id = $1', [keyDeleted.apiKeyId]);

    const delays = await Promise.all([
      msUntilRefused(() => withToken(removed), 401),
      msUntilRefused(() => withToken(team), 401),
      msUntilRefused(() => withToken(madePrivate), 401),
      msUntilRefused(() => call(`/pmtiles/${madePrivate.product}/metadata`), 404),
      msUntilRefused(() => withToken(deleted), 404),
      msUntilRefused(() => withToken(keyDeleted), 401),
    ]);
    console.log(
      'revocation delays, ms (member removed, team membership ended, made private: token, anonymous; product ' +
        'deleted; minting key deleted):',
      delays.join(', '),
    );
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(STATED_DELAY_MS + SLACK_MS);
    // The viewer's new token, minted now, is refused as its access is gone (404: nothing to mint for).
    await problem(
      await call(`/data-products/${removed.product}/token`, { method: 'POST', token: removed.viewer.token }),
      404,
      'not-found',
    );
  });

  it('a change made through this service takes effect on the very next request', async () => {
    const s = await setup(true);
    expect((await withToken(s)).status).toBe(200);
    expect(
      (await call(`/projects/${s.project}/members/${s.viewer.id}`, { method: 'DELETE', token: s.owner.token })).status,
    ).toBe(204);
    await problem(await withToken(s), 401, 'invalid-token');
    // Made private through the API: anonymous readers lose it at once too.
    expect((await call(`/pmtiles/${s.product}/metadata`)).status).toBe(200);
    await json(
      await call(`/projects/${s.project}`, { method: 'PATCH', token: s.owner.token, json: { is_public: false } }),
      200,
    );
    await problem(await call(`/pmtiles/${s.product}/metadata`), 404, 'not-found');

    // A token minted with a sign-in dies with it: logout here ends it at once.
    const other = await setup(false);
    expect((await withToken(other)).status).toBe(200);
    expect((await call('/auth/logout', { method: 'POST', token: other.viewer.token })).status).toBe(204);
    await problem(await withToken(other), 401, 'invalid-token');
  });
});
