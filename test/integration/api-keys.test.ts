import { describe, expect, it } from 'vitest';
import { call, json, newUser, problem } from './helpers';

describe('API keys', () => {
  it('are shown once, work in both headers, and count their use', async () => {
    const user = await newUser('keys');
    const created = await json<{ id: string; key: string; prefix: string }>(
      await call('/api-keys', { token: user.token, json: { name: 'notebook' } }),
      201,
    );
    expect(created.key).toMatch(/^etk_/);
    expect(created.key).toContain(created.prefix);

    expect((await json<{ id: string }>(await call('/users/me', { apiKey: created.key }), 200)).id).toBe(user.id);
    expect((await json<{ id: string }>(await call('/users/me', { token: created.key }), 200)).id).toBe(user.id);

    const listed = await json<Array<Record<string, unknown>>>(await call('/api-keys', { token: user.token }), 200);
    const entry = listed.find((k) => k.id === created.id)!;
    expect(entry).toMatchObject({ name: 'notebook', prefix: created.prefix, request_count: 2 });
    expect(entry.last_used_at).toEqual(expect.any(String));
    expect(JSON.stringify(listed)).not.toContain(created.key);
  });

  it('stop working the moment they are deleted', async () => {
    const user = await newUser('revoke');
    const { id, key } = await json<{ id: string; key: string }>(
      await call('/api-keys', { token: user.token, json: { name: 'ci' } }),
      201,
    );
    await json(await call('/users/me', { apiKey: key }), 200);
    expect((await call(`/api-keys/${id}`, { method: 'DELETE', token: user.token })).status).toBe(204);
    await problem(await call('/users/me', { apiKey: key }), 401, 'invalid-token');
    await problem(await call('/users/me', { token: key }), 401, 'invalid-token');
  });

  it('cannot be listed or deleted by someone else', async () => {
    const owner = await newUser('keyowner');
    const other = await newUser('keythief');
    const { id, key } = await json<{ id: string; key: string }>(
      await call('/api-keys', { token: owner.token, json: { name: 'mine' } }),
      201,
    );
    const othersList = await json<Array<{ id: string }>>(await call('/api-keys', { token: other.token }), 200);
    expect(othersList.map((k) => k.id)).not.toContain(id);
    await problem(await call(`/api-keys/${id}`, { method: 'DELETE', token: other.token }), 404, 'not-found');
    await json(await call('/users/me', { apiKey: key }), 200);
  });

  it('reject a well-formed but unknown key', async () => {
    await problem(await call('/users/me', { apiKey: `etk_AAAAAAAAAAAA_${'A'.repeat(43)}` }), 401, 'invalid-token');
  });
});
