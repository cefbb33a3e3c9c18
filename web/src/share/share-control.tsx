import { useId, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../api/client';
import { ErrorNote, Select, useAction } from '../ui/kit';
import { createShare, DURATIONS, type Share } from './share-api';
import { canManage } from '../auth/use-user';

type Project = Schemas['Project'];

const appUrl = (path: string) => `${location.origin}/app${path}`;

/**
 * A read-only link with a button that copies it (or selects it, where the clipboard is refused).
 * The link is made again on copying, so it carries the view as it is then.
 */
function CopyableLink({ make }: { make: () => string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [link, setLink] = useState(make);
  const [said, setSaid] = useState('');
  const copy = () => {
    const fresh = make();
    setLink(fresh);
    navigator.clipboard.writeText(fresh).then(
      () => setSaid('Copied.'),
      () => {
        input.current?.select();
        setSaid('Copying was refused: the link is selected, press Ctrl+C (⌘C) to copy it.');
      },
    );
  };
  return (
    <div class="copyable">
      <label for={id}>Link</label>
      <input id={id} ref={input} readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" onClick={copy}>
        Copy link
      </button>
      <span class="muted" role="status">
        {said}
      </span>
    </div>
  );
}

/** Managers make a signed link to a private project, valid for the duration they choose. */
function SignedLink({ project, hash }: { project: Project; hash: () => string }) {
  const [expiresIn, setExpiresIn] = useState(DURATIONS[0]![0]);
  const [share, setShare] = useState<Share>();
  const { pending, error, run } = useAction();
  return (
    <>
      <p class="muted">
        This project is private: the link lets anyone who has it see the map, without signing in, until it expires.
      </p>
      <div class="inline">
        <Select
          label="Link valid for"
          value={String(expiresIn)}
          onChange={(e) => setExpiresIn(Number(e.currentTarget.value))}
        >
          {DURATIONS.map(([seconds, label]) => (
            <option key={seconds} value={seconds}>
              {label}
            </option>
          ))}
        </Select>
        <button
          type="button"
          class="primary"
          disabled={pending}
          onClick={() => void run(async () => setShare(await createShare(project.id, expiresIn)))}
        >
          {share ? 'Make another link' : 'Make link'}
        </button>
      </div>
      <ErrorNote error={error} />
      {share && (
        <>
          <CopyableLink key={share.token} make={() => appUrl(`/share/${share.token}${hash()}`)} />
          <p>
            Expires <time dateTime={share.expires_at}>{new Date(share.expires_at).toLocaleString()}</time>.
          </p>
        </>
      )}
    </>
  );
}

function ShareOptions({ project, hash }: { project: Project; hash: () => string }) {
  if (project.is_public)
    return (
      <>
        <p class="muted">This project is public: anyone with the link sees it.</p>
        <CopyableLink make={() => appUrl(`/projects/${project.id}/map${hash()}`)} />
      </>
    );
  if (canManage(project)) return <SignedLink project={project} hash={hash} />;
  return (
    <p>
      This project is private, and only its managers can make a link to it: ask one of them for a link, or ask the owner
      to make the project public.
    </p>
  );
}

/**
 * The "Share" control: a link to the map with its view and layers (`hash`, read when the panel
 * opens or a link is made) — as it is for a public project, signed for a private one. Escape
 * closes it.
 */
export function ShareControl({ project, hash }: { project: Project; hash: () => string }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();
  return (
    <div
      class="share"
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !open) return;
        setOpen(false);
        button.current?.focus();
      }}
    >
      <button ref={button} type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        Share
      </button>
      {open && (
        <div id={id} class="panel" role="group" aria-label="Share this project">
          <ShareOptions project={project} hash={hash} />
        </div>
      )}
    </div>
  );
}
