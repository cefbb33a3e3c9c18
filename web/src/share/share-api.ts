import { ProblemError, problemMessage } from '../api/problem';
import { accessToken } from '../auth/session';
import type { Schemas } from '../api/client';
import type { Mint, Minted } from '../map/tile-tokens';

/** A signed link to a private project (`POST /projects/{id}/shares`). */
export interface Share {
  token: string;
  expires_at: string;
  expires_in: number;
  project_id: string;
}

/** A data product as the shared view lists it: with a fresh signed tile token of its own. */
export type SharedProduct = Schemas['DataProduct'] & { tile_token: { token: string; expires_at: string } };

/** What a share link opens (`GET /shares/{token}`, no credentials). */
export interface SharedView {
  project: { id: string; title: string; description: string; boundary: unknown };
  flights: Array<Schemas['Flight']>;
  data_products: SharedProduct[];
  expires_at: string;
}

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

const mintedOf = (view: SharedView, id: string): Minted | undefined => {
  const product = view.data_products.find((p) => p.id === id);
  return product && { token: product.tile_token.token, expiresAt: Date.parse(product.tile_token.expires_at) };
};

/**
 * Tile tokens from the shared view: the one the page opened with while it is fresh, then the
 * view fetched again (one request shared by every layer that asks at once). A token counts as due
 * once half its life has passed, so a renewal (at three quarters) always fetches a new one.
 */
export function shareMint(token: string, first: SharedView): Mint {
  let view = first;
  let fetchedAt = Date.now();
  let refetch: Promise<SharedView> | null = null;
  const due = (minted: Minted) => Date.now() - fetchedAt >= (minted.expiresAt - fetchedAt) / 2;
  return async (id) => {
    let minted = mintedOf(view, id);
    if (!minted || due(minted)) {
      refetch ??= loadShare(token).finally(() => (refetch = null));
      view = await refetch;
      fetchedAt = Date.now();
      minted = mintedOf(view, id);
    }
    if (!minted) throw new Error('This layer is no longer shared.');
    return minted;
  };
}
