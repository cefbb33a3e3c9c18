import { useEffect, useState } from 'preact/hooks';
import { ConfirmButton, ErrorNote, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { formatBytes, formatPercent } from './format';
import { discard, unfinishedUploads, type StoredUpload } from './stored-uploads';
import { UploadRow } from './upload-row';
import { addFiles, onUploadsChange, uploadsOf } from './uploads-store';
import './upload.css';

/** The flight's uploads, re-rendered as they move (they live in the store, not in this component). */
function useUploads(flightId: string) {
  const [, setVersion] = useState(0);
  useEffect(() => onUploadsChange(() => setVersion((v) => v + 1)), []);
  return uploadsOf(flightId);
}

function UnfinishedRow({ stored, onDiscarded }: { stored: StoredUpload; onDiscarded: () => void }) {
  const { status, previous } = stored;
  const name = previous.metadata.filename ?? 'a file';
  const length = status.length ?? previous.size ?? 0;
  const dropped = useAction();
  return (
    <li>
      <span class="name">{name}</span> <span class="badge">{previous.metadata.type}</span>{' '}
      <span class="muted">
        {length > 0 ? formatPercent(status.offset / length) : ''} of {formatBytes(length)} on the server, started{' '}
        {new Date(previous.creationTime).toLocaleString()}
      </span>
      <ConfirmButton
        label="Discard"
        question={`Delete what was sent of ${name}?`}
        onConfirm={() => dropped.run(() => discard(stored).then(onDiscarded))}
      />
      <ErrorNote error={dropped.error} />
    </li>
  );
}

/** Uploads this browser left unfinished in the flight (a reload, a closed tab), found in its storage. */
function Unfinished(props: { flightId: string; going: Set<string>; settled: string }) {
  const { flightId, going } = props;
  // Asked again as uploads here finish or are dismissed: what finished is no longer unfinished.
  const stored = useAsync(() => unfinishedUploads(flightId), [flightId, props.settled]);
  const waiting = (stored.data ?? []).filter((s) => !going.has(s.previous.uploadUrl ?? ''));
  if (stored.error) return <ErrorNote error={`Unfinished uploads could not be listed: ${stored.error.message}`} />;
  if (waiting.length === 0) return null;
  return (
    <div class="unfinished" role="region" aria-label="Unfinished uploads">
      <p>
        Unfinished uploads from an earlier visit: <strong>drop the same file again</strong> to continue where it
        stopped.
      </p>
      <ul>
        {waiting.map((s) => (
          <UnfinishedRow key={s.previous.urlStorageKey} stored={s} onDiscarded={stored.reload} />
        ))}
      </ul>
    </div>
  );
}

/**
 * Uploads into a flight: files dropped here or picked with the Upload control go over tus, each with
 * its type, progress, speed, pause, resume and cancel. Managers and owners only (the server agrees).
 */
export function UploadPanel({ projectId, flightId }: { projectId: string; flightId: string }) {
  const uploads = useUploads(flightId);
  const [over, setOver] = useState(false);
  const add = (files: FileList | null | undefined) => {
    if (files?.length) addFiles(Array.from(files), projectId, flightId);
  };
  const ready = uploads.filter((u) => u.state.phase === 'ready');
  const going = new Set(uploads.map((u) => u.uploadUrl ?? ''));
  const settled = uploads
    .filter((u) => u.state.phase === 'done')
    .map((u) => u.key)
    .join();
  return (
    <div class="uploads">
      <div
        class={over ? 'dropzone over' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          add(e.dataTransfer?.files);
        }}
      >
        <span class="muted">Drop orthomosaics, elevation models, vector data or PMTiles here, or</span>
        <label class="button">
          Upload
          <input
            type="file"
            multiple
            class="visually-hidden"
            onChange={(e) => {
              add(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
        {ready.length > 1 && (
          <button type="button" class="primary" onClick={() => ready.forEach((u) => u.start())}>
            Start all ({ready.length})
          </button>
        )}
      </div>
      <Unfinished flightId={flightId} going={going} settled={settled} />
      {uploads.length > 0 && (
        <ul class="upload-list" aria-label="Uploads">
          {uploads.map((u) => (
            <UploadRow key={u.key} upload={u} />
          ))}
        </ul>
      )}
    </div>
  );
}
