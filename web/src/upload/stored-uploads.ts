import { Upload, defaultOptions, type PreviousUpload } from 'tus-js-client';
import { api, type Schemas } from '../api/client';
import { accessToken } from '../auth/session';

type UploadStatus = Schemas['UploadStatus'];

/** Where uploads are created; part of tus-js-client's fingerprint, so it must not change between visits. */
export const ENDPOINT = `${location.origin}/uploads`;

/** Signs each tus request just before it goes: a multi-hour upload outlives several access tokens. */
export async function signRequest(request: { setHeader(name: string, value: string): void }): Promise<void> {
  const token = await accessToken();
  if (token) request.setHeader('Authorization', `Bearer ${token}`);
}

const storage = defaultOptions.urlStorage;

/** An upload this browser started and the server still holds unfinished. */
export interface StoredUpload {
  previous: PreviousUpload;
  status: UploadStatus;
}

/** An upload's id: the last segment of its address. */
export const uploadIdOf = (url: string): string => new URL(url).pathname.split('/').pop() ?? '';

/**
 * The server's status of an upload remembered in this browser, or null when it cannot go on (ended,
 * expired, cancelled, or finished without the page hearing so): such entries are forgotten.
 */
async function unfinished(previous: PreviousUpload): Promise<StoredUpload | null> {
  if (!previous.uploadUrl) return null;
  const { data, response } = await api.GET('/uploads/{uploadId}', {
    params: { path: { uploadId: uploadIdOf(previous.uploadUrl) } },
  });
  if (data && (data.state === 'created' || data.state === 'uploading')) return { previous, status: data };
  // Gone (404, 410) or over (finished, expired, ended) is final; anything else (no access for whoever
  // is signed in now, a server failure) may pass, so the entry is kept for later.
  if (data || response.status === 404 || response.status === 410) await storage.removeUpload(previous.urlStorageKey);
  return null;
}

const ofFlight = (flightId: string) => (p: PreviousUpload) => p.metadata.flight === flightId;
const newestFirst = (a: PreviousUpload, b: PreviousUpload) => b.creationTime.localeCompare(a.creationTime);

/** The unfinished uploads of a flight that this browser remembers (after a reload, say). */
export async function unfinishedUploads(flightId: string): Promise<StoredUpload[]> {
  const remembered = (await storage.findAllUploads()).filter(ofFlight(flightId)).sort(newestFirst);
  const found = await Promise.all(remembered.map(unfinished));
  return found.filter((s): s is StoredUpload => s !== null);
}

/** The upload of this very file (name, size, date) into this flight that can be taken up where it stopped. */
export async function earlierUploadOf(file: File, flightId: string): Promise<StoredUpload | null> {
  const fingerprint = await defaultOptions.fingerprint(file, { endpoint: ENDPOINT });
  const remembered = (await storage.findUploadsByFingerprint(fingerprint)).filter(ofFlight(flightId));
  for (const previous of remembered.sort(newestFirst)) {
    const found = await unfinished(previous);
    if (found) return found;
  }
  return null;
}

/** Ends an unfinished upload on the server (its bytes are deleted) and forgets it here. */
export async function discard(stored: StoredUpload): Promise<void> {
  if (stored.previous.uploadUrl)
    await Upload.terminate(stored.previous.uploadUrl, { ...defaultOptions, onBeforeRequest: signRequest });
  await storage.removeUpload(stored.previous.urlStorageKey);
}
