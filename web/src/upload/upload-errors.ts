import { DetailedError } from 'tus-js-client';
import { problemMessage } from '../api/problem';
import { formatBytes } from './format';
import { extensionsSaid, type ChosenType } from './upload-types';

export interface FailureContext {
  filename: string;
  type: ChosenType;
  maxSize: number | null;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

/** The server's answer to a failed tus request, or null when none came (the connection). */
export function failedStatus(error: Error): number | null {
  return error instanceof DetailedError && error.originalResponse ? error.originalResponse.getStatus() : null;
}

/**
 * Whether tus-js-client should try again: when no answer came (the network), the server failed, or the
 * upload is briefly busy (409 a stale offset, 423 a PATCH still running, 429). Unlike its default, a
 * browser that says it is offline is retried too: the delays give the network time to come back.
 */
export function worthRetrying(error: Error): boolean {
  const status = failedStatus(error);
  return status === null || status >= 500 || status === 409 || status === 423 || status === 429;
}

export const tooLarge = (filename: string, maxSize: number): string =>
  `${filename} is too large: the most the server takes is ${formatBytes(maxSize)}.`;

/** What the row says while tus-js-client waits to try again. */
export function retryNote(error: Error, delays: number[], attempt: number): string {
  const status = failedStatus(error);
  const seconds = Math.round((delays[attempt] ?? 0) / 1000);
  const why =
    status === null
      ? 'Connection lost'
      : status === 423
        ? 'The server is still busy with it'
        : `The server answered ${status}`;
  return `${why} — retrying${seconds ? ` in ${seconds} s` : ''} (attempt ${attempt + 1} of ${delays.length})…`;
}

/** What went wrong, said plainly with what to do, from the server's problem+json where it answered. */
export function uploadFailure(error: Error, context: FailureContext): string {
  const status = failedStatus(error);
  if (status === null)
    return 'The connection was lost and retrying did not get through. Check the network, then press Resume: the upload continues where it stopped.';
  const response = (error as DetailedError).originalResponse!;
  const said = problemMessage(status, parse(response.getBody()));
  const creating = (error as DetailedError).originalRequest?.getMethod() === 'POST';
  switch (status) {
    case 401:
      return 'Your sign-in has ended: sign in again, then drop the file again to continue where it stopped.';
    case 403:
      return 'Uploading needs the manager role on this project — ask its owner.';
    case 404:
      return creating
        ? 'Uploading needs the manager role on this project — ask its owner.'
        : 'This upload no longer exists on the server (it was cancelled); start it again.';
    case 410:
      return 'This upload expired (it was left unfinished for a day); start it again.';
    case 413:
      return context.maxSize
        ? tooLarge(context.filename, context.maxSize)
        : `${context.filename} is too large. ${said}`;
    case 415:
      // At creation a 415 is the file's name against its type (a PATCH's would be this app's own fault).
      return creating
        ? `${context.filename} cannot be uploaded as ${context.type}: the server accepts ${extensionsSaid(context.type) ?? 'any file'} for ${context.type}; choose another type or file.`
        : said;
    default:
      return said;
  }
}
