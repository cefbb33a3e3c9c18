import { ProblemError, problemMessage } from '../api/problem';
import { accessToken } from '../auth/session';
import type { Share, SharedView } from './share-types';

export type { Share, SharedView };

/** The share's link is no longer good: expired, revoked or never valid (401, 403, 404, 410). */
export class ShareGone extends Error {}

async function failure(response: Response): Promise<Error> {
  const body: unknown = await response.json().catch(() => null);
  return new ProblemError(response.status, problemMessage(response.status, body));
}

/** Durations a manager can choose, in seconds (the API takes 60 s to 30 days). */
export const DURATIONS: Array<[number, string]> = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
];

export async function createShare(projectId: string, expiresIn: number): Promise<Share> {
  const token = await accessToken();
  const response = await fetch(`/projects/${projectId}/shares`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ expires_in: expiresIn }),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as Share;
}

/** The shared view, fetched without credentials: the link alone grants it. */
export async function loadShare(token: string): Promise<SharedView> {
  const response = await fetch(`/shares/${encodeURIComponent(token)}`, { credentials: 'omit' });
  if ([401, 403, 404, 410].includes(response.status)) throw new ShareGone('This link has expired or was revoked.');
  if (!response.ok) throw await failure(response);
  return (await response.json()) as SharedView;
}
