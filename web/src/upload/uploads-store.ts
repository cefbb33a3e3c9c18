import { FileUpload } from './file-upload';

/** Uploads sent at once: more only split the same bandwidth and finish every file later. */
const MAX_ACTIVE = 3;

/**
 * Every upload of this page, kept outside the components: an upload goes on while the person looks at
 * another project or the map, and its row is there again when they come back.
 */
const uploads: FileUpload[] = [];
const listeners = new Set<() => void>();
let pumping = false;

/** Starts queued uploads while slots are free; re-entered by their state changes, so guarded. */
function pump(): void {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const next = uploads.find((u) => u.state.phase === 'queued');
      if (!next || uploads.filter((u) => u.active).length >= MAX_ACTIVE) break;
      void next.run();
    }
  } finally {
    pumping = false;
  }
}

function changed(upload: FileUpload): void {
  const { phase, error } = upload.state;
  if (phase === 'cancelled' && !error) remove(upload);
  pump();
  for (const listener of listeners) listener();
}

export function addFiles(files: Iterable<File>, projectId: string, flightId: string): void {
  for (const file of files) {
    const upload = new FileUpload(file, projectId, flightId, changed);
    uploads.push(upload);
    void upload.prepare();
  }
  for (const listener of listeners) listener();
}

export function remove(upload: FileUpload): void {
  const at = uploads.indexOf(upload);
  if (at >= 0) uploads.splice(at, 1);
  for (const listener of listeners) listener();
}

export const uploadsOf = (flightId: string): FileUpload[] => uploads.filter((u) => u.flightId === flightId);

export function onUploadsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
