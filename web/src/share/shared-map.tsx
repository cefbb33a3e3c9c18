import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { layerOfProduct } from '../map/layers';
import { Workspace } from '../map/workspace';
import { ErrorNote, Loading } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { loadShare, ShareGone, type SharedView } from './share-api';
import { shareMint } from './share-mint';

function SharedWorkspace({ token, view, gone }: { token: string; view: SharedView; gone: () => void }) {
  const mint = useMemo(() => shareMint(view, () => loadShare(token)), [token]);
  const layers = view.data_products.flatMap((p) => layerOfProduct(p) ?? []);
  const expires = new Date(view.expires_at);
  return (
    <Workspace
      title={view.project.title}
      layers={layers}
      mint={mint}
      // The link expired or was withdrawn while the map was open: the page says so instead of a map
      // whose tiles quietly stop.
      onTokenLost={(_id, error) => {
        if (error instanceof ShareGone) gone();
        return error instanceof ShareGone;
      }}
      // Every product of the view comes with its own token, public or not.
      needsToken={() => true}
      toolbar={
        <p class="muted">
          A shared view, read-only. The link works until{' '}
          <time dateTime={view.expires_at}>{expires.toLocaleString()}</time>.
          {view.project.description && <span class="description"> {view.project.description}</span>}
        </p>
      }
    />
  );
}

/** `/share/:token`: a project's map opened from a signed link, no sign-in needed. */
export function SharedMap({ token }: { token: string }) {
  const loaded = useAsync(() => loadShare(token), [token]);
  const [gone, setGone] = useState(false);
  if (gone || loaded.error instanceof ShareGone)
    return (
      <section class="narrow">
        <h1>Link unavailable</h1>
        <p role="alert">This link has expired or was revoked — ask for a new one.</p>
        <p>
          <Link href="/">See the projects you can open</Link>
        </p>
      </section>
    );
  if (loaded.error)
    return (
      <section class="narrow">
        <ErrorNote
          error={`The shared map could not be opened (${loaded.error.message}): reload the page to try again.`}
        />
      </section>
    );
  if (!loaded.data) return <Loading what="the shared map" />;
  return <SharedWorkspace token={token} view={loaded.data} gone={() => setGone(true)} />;
}
