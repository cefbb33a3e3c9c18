import { describe, expect, it } from 'vitest';
import { call, json, newUser, problem } from './helpers';

// Adding a member by e-mail says whether an account exists and its name: look-ups are throttled per
// caller, so that they cannot list accounts (issue 18). By user id, which only co-members see, they are not.
describe('member look-ups by e-mail', () => {
  it('are limited to 60 an hour per caller; by user id, and for other callers, adding still works', async () => {
    const owner = await newUser('lookups');
    const other = await newUser('lookups-other');
    const known = await newUser('lookups-known');
    const project = await json<{ id: string }>(
      await call('/projects', { token: owner.token, json: { title: 'look-ups' } }),
      201,
    );
    const add = (who: typeof owner, body: Record<string, string>) =>
      call(`/projects/${project.id}/members`, { token: who.token, json: { ...body, role: 'viewer' } });
    for (let i = 0; i < 59; i++)
      await problem(await add(owner, { email: `nobody-${i}-${Date.now()}@example.org` }), 404, 'not-found');
    expect((await json<{ name: string }>(await add(owner, { email: known.email }), 200)).name).toBeTruthy();
    const refused = await add(owner, { email: known.email });
    await problem(refused, 429, 'too-many-requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    await json(await add(owner, { user_id: known.id }), 200);
    // A stranger gets the project's 404, not the throttle; in a project of its own, its allowance is its own.
    await problem(await add(other, { email: known.email }), 404, 'not-found');
    const own = await json<{ id: string }>(
      await call('/projects', { token: other.token, json: { title: 'own' } }),
      201,
    );
    await json(
      await call(`/projects/${own.id}/members`, { token: other.token, json: { email: known.email, role: 'viewer' } }),
      200,
    );
  });
});
