import { mintedNow, type Mint, type Minted } from '../map/tile-tokens';
import type { SharedView } from './share-types';

/** The view's tile tokens by product, their lifetimes counted from when the view arrived. */
const tokensOf = (view: SharedView): Map<string, Minted> =>
  new Map(view.data_products.map((p) => [p.id, mintedNow(p.tiles.token, p.tiles.expires_in)]));

/**
 * Tile tokens from the shared view: the one the page opened with while it is fresh, then the
 * view fetched again (one request shared by every layer that asks at once). A token counts as due
 * once half its life has passed, so a renewal (at three quarters) always fetches a new one.
 */
export function shareMint(first: SharedView, refresh: () => Promise<SharedView>): Mint {
  let tokens = tokensOf(first);
  let fetchedAt = Date.now();
  let refetch: Promise<SharedView> | null = null;
  const due = (minted: Minted) => Date.now() - fetchedAt >= (minted.expiresAt - fetchedAt) / 2;
  return async (id) => {
    let minted = tokens.get(id);
    if (!minted || due(minted)) {
      refetch ??= refresh().finally(() => (refetch = null));
      tokens = tokensOf(await refetch);
      fetchedAt = Date.now();
      minted = tokens.get(id);
    }
    if (!minted) throw new Error('This layer is no longer shared.');
    return minted;
  };
}
