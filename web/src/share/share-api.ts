import { api, must } from '../api/client';
import { ProblemError, problemMessage } from '../api/problem';
import type { Share, SharedView } from './share-types';

export type { Share, SharedView };

/** The share's link is no longer good: expired, revoked or forged (the API says 401 for all three). */
export class ShareGone extends Error {}

/** Durations a manager can choose, in seconds (the API takes 60 s to 30 days). */
export const DURATIONS: Array<[number, string]> = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
];

export function createShare(projectId: string, expiresIn: number): Promise<Share> {
  return must(
    api.POST('/projects/{projectId}/shares', { params: { path: { projectId } }, body: { expires_in: expiresIn } }),
  );
}

/**
 * The shared view, fetched without credentials: the link alone grants it, and a signed-in
 * viewer's own session (ended, perhaps) must not decide whether it opens.
 */
export async function loadShare(token: string): Promise<SharedView> {
  const response = await fetch(`/shares/${encodeURIComponent(token)}`, { credentials: 'omit' });
  if (response.status === 401 || response.status === 404) throw new ShareGone('This link has expired or was revoked.');
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => null);
    throw new ProblemError(response.status, problemMessage(response.status, body));
  }
  return (await response.json()) as SharedView;
}
