import { ConfirmButton, ErrorNote } from '../ui/kit';
import type { FileUpload, UploadState } from './file-upload';
import { formatBytes, formatPercent, formatSpeed } from './format';
import { remove } from './uploads-store';
import { acceptsFile, acceptsSaid, CHOSEN_TYPES, isChosenType, TYPE_NAMES } from './upload-types';

/** What the row says under its name, by phase: what is happening and what the person can do. */
function statusLine(state: UploadState, filename: string): string {
  const resuming = state.resumedFrom !== null ? `Resuming from ${formatPercent(state.resumedFrom)}. ` : '';
  switch (state.phase) {
    case 'checking':
      return 'Looking for an earlier upload of this file…';
    case 'ready':
      return acceptsFile(state.type, filename)
        ? `${acceptsSaid(state.type)}. Check its type, then start.`
        : `${acceptsSaid(state.type)}: the server will refuse ${filename}. Choose another type.`;
    case 'queued':
      return `${resuming}Waiting for another upload to finish…`;
    case 'hashing':
      return 'Computing its checksum, so the server can verify the file…';
    case 'uploading':
      return `${resuming}Uploading…`;
    case 'retrying':
      return state.note ?? 'Retrying…';
    case 'paused':
      return 'Paused. Resume goes on from where it stopped.';
    case 'finishing':
      return 'Uploaded; asking the server what it made of it…';
    case 'done':
      return state.result?.jobId ? 'Uploaded. Its processing shows in the list below.' : 'Uploaded and ready.';
    case 'failed':
      return state.created ? 'Resume tries again from where it stopped.' : 'Change its type or file, or try again.';
    case 'cancelled':
      return 'Cancelled.';
  }
}

function TypeChoice({ upload }: { upload: FileUpload }) {
  const { type, phase, created } = upload.state;
  return (
    <select
      aria-label={`Product type of ${upload.file.name}`}
      value={type}
      disabled={created || !(phase === 'ready' || phase === 'failed')}
      onChange={(e) => isChosenType(e.currentTarget.value) && upload.setType(e.currentTarget.value)}
    >
      {CHOSEN_TYPES.map((t) => (
        <option key={t} value={t}>
          {TYPE_NAMES[t]}
        </option>
      ))}
    </select>
  );
}

/** A button named for its file, so that each row's controls are told apart. */
function RowButton(props: { verb: string; name: string; onClick: () => void; primary?: boolean }) {
  return (
    <button
      type="button"
      class={props.primary ? 'primary' : undefined}
      aria-label={`${props.verb} upload of ${props.name}`}
      onClick={props.onClick}
    >
      {props.verb}
    </button>
  );
}

function Controls({ upload }: { upload: FileUpload }) {
  const { phase, created, error } = upload.state;
  const name = upload.file.name;
  const going = phase === 'queued' || phase === 'hashing' || phase === 'uploading' || phase === 'retrying';
  const cancel = (
    <ConfirmButton
      label="Cancel upload"
      question={`Stop ${name} and delete what was sent?`}
      onConfirm={() => upload.cancel()}
    />
  );
  return (
    <span class="controls">
      {phase === 'ready' && <RowButton verb="Start" name={name} primary onClick={() => upload.start()} />}
      {going && <RowButton verb="Pause" name={name} onClick={() => void upload.pause()} />}
      {(phase === 'paused' || (phase === 'failed' && created)) && (
        <RowButton verb="Resume" name={name} primary onClick={() => upload.start()} />
      )}
      {phase === 'failed' && !created && <RowButton verb="Try again" name={name} onClick={() => upload.start()} />}
      {(going || phase === 'paused' || (phase === 'failed' && created)) && cancel}
      {(phase === 'ready' || (phase === 'failed' && !created)) && (
        <RowButton verb="Remove" name={name} onClick={() => remove(upload)} />
      )}
      {(phase === 'done' || (phase === 'cancelled' && error)) && (
        <RowButton verb="Dismiss" name={name} onClick={() => remove(upload)} />
      )}
    </span>
  );
}

function Progress({ upload }: { upload: FileUpload }) {
  const { loaded, speed } = upload.state;
  const total = upload.file.size;
  const share = total > 0 ? loaded / total : 1;
  return (
    <div class="upload-progress">
      <progress aria-label={`Upload progress of ${upload.file.name}`} max={100} value={share * 100} />
      <span class="muted">
        {formatBytes(loaded)} of {formatBytes(total)} · {formatPercent(share)}
        {speed !== null && ` · ${formatSpeed(speed)}`}
      </span>
    </div>
  );
}

/** Progress means something once sending began, and not for a file the server refused outright. */
const hasProgress = ({ phase, created }: UploadState) =>
  phase !== 'checking' && phase !== 'ready' && !(phase === 'failed' && !created);

/** One file of the upload list: its name and type, progress and speed, and what can be done with it. */
export function UploadRow({ upload }: { upload: FileUpload }) {
  const { state } = upload;
  const name = upload.file.name;
  return (
    <li class="upload" aria-label={`Upload of ${name}`}>
      <div class="upload-head">
        <span class="name">{name}</span>
        <span class="muted">{formatBytes(upload.file.size)}</span>
        <TypeChoice upload={upload} />
        <Controls upload={upload} />
      </div>
      {hasProgress(state) && <Progress upload={upload} />}
      <p class="muted status-line" role="status">
        {statusLine(state, name)}
      </p>
      <ErrorNote error={state.error} />
    </li>
  );
}
