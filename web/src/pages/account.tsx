import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, must } from '../api/client';
import { ConfirmButton, Empty, ErrorNote, Field, Loading, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { useUser } from '../auth/use-user';

/** A new key's secret: shown once, with a copy button; the API never shows it again. */
function NewSecret({ secret }: { secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="panel secret" role="status">
      <p>Copy this key now: it will not be shown again.</p>
      <code>{secret}</code>{' '}
      <button type="button" onClick={() => void navigator.clipboard.writeText(secret).then(() => setCopied(true))}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** The caller's API keys (for notebooks, QGIS, GDAL): create, copy once, revoke. */
export function Account() {
  const user = useUser();
  const keys = useAsync(() => must(api.GET('/api-keys')), [user?.id]);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<string>();
  const action = useAction();
  if (!user)
    return (
      <p>
        <Link href="/sign-in?next=/account">Sign in</Link> to manage your API keys.
      </p>
    );
  return (
    <section>
      <h1>API keys</h1>
      <p class="muted">
        Send a key as <code>X-API-Key</code> from scripts, notebooks, QGIS or GDAL. Keys act as you: revoke any you no
        longer use.
      </p>
      <form
        class="inline"
        aria-label="Create an API key"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const created = await must(api.POST('/api-keys', { body: { name } }));
            setSecret(created.key);
            setName('');
            keys.reload();
          });
        }}
      >
        <Field
          label="Key name"
          required
          placeholder="e.g. QGIS on my laptop"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={action.pending}>
          Create key
        </button>
      </form>
      {secret && <NewSecret secret={secret} />}
      <ErrorNote error={keys.error ?? action.error} />
      {keys.loading && !keys.data && <Loading what="keys" />}
      {keys.data?.length === 0 && <Empty>No API keys.</Empty>}
      <ul class="keys">
        {keys.data?.map((k) => (
          <li key={k.id}>
            <strong>{k.name}</strong> <code>{k.prefix}…</code>
            <span class="muted">
              {k.request_count} requests{k.last_used_at ? `, last ${new Date(k.last_used_at).toLocaleString()}` : ''}
            </span>
            <ConfirmButton
              label="Revoke"
              question={`Revoke “${k.name}”? Programs using it stop working.`}
              onConfirm={() =>
                action.run(async () => {
                  await must(api.DELETE('/api-keys/{id}', { params: { path: { id: k.id } } }));
                  keys.reload();
                })
              }
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
