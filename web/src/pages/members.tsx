import { useState } from 'preact/hooks';
import { api, must, type Schemas } from '../api/client';
import { ErrorNote, Field, Loading, Select, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';

type Role = Schemas['ProjectMember']['role'];
const ROLES: Role[] = ['viewer', 'manager', 'owner'];

/** A project's members and their roles; owners add, change and remove them. */
export function Members({ projectId }: { projectId: string }) {
  const members = useAsync(
    () => must(api.GET('/projects/{projectId}/members', { params: { path: { projectId } } })),
    [projectId],
  );
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const action = useAction();
  const setMember = (body: { email: string; role: Role } | { user_id: string; role: Role }) =>
    action.run(async () => {
      await must(api.POST('/projects/{projectId}/members', { params: { path: { projectId } }, body }));
      members.reload();
    });
  return (
    <section aria-label="Members">
      <h2>Members</h2>
      {members.loading && !members.data && <Loading what="members" />}
      <ErrorNote error={members.error ?? action.error} />
      <ul class="members">
        {members.data?.map((m) => (
          <li key={m.user_id}>
            <span>
              {m.name || m.email} <span class="muted">{m.email}</span>
            </span>
            <select
              aria-label={`Role of ${m.email}`}
              value={m.role}
              onChange={(e) => void setMember({ user_id: m.user_id, role: e.currentTarget.value as Role })}
            >
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button
              type="button"
              aria-label={`Remove ${m.email}`}
              onClick={() =>
                void action.run(async () => {
                  await must(
                    api.DELETE('/projects/{projectId}/members/{userId}', {
                      params: { path: { projectId, userId: m.user_id } },
                    }),
                  );
                  members.reload();
                })
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        class="inline"
        aria-label="Add a member"
        onSubmit={(e) => {
          e.preventDefault();
          void setMember({ email, role }).then((added) => added && setEmail(''));
        }}
      >
        <Field
          label="Member's email"
          type="email"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <Select label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </Select>
        <button type="submit" disabled={action.pending}>
          Add member
        </button>
      </form>
    </section>
  );
}
