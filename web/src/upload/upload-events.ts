/**
 * Finished uploads, told to whoever lists the flight's products. A module of its own, without
 * tus-js-client, so that the products list hears of them without loading the upload code.
 */
export interface FinishedUpload {
  flightId: string;
  dataProductId: string | null;
  jobId: string | null;
}

const listeners = new Set<(finished: FinishedUpload) => void>();

export function announceUpload(finished: FinishedUpload): void {
  for (const listener of listeners) listener(finished);
}

export function onUploadFinished(listener: (finished: FinishedUpload) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
