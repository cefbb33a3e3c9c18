import type { Mint, Minted } from '../map/tile-tokens';
import type { SharedView } from './share-types';

const mintedOf = (view: SharedView, id: string): Minted | undefined => {
  const product = view.data_products.find((p) => p.id === id);
  return product && { token: product.tiles.token, expiresAt: Date.parse(product.tiles.expires_at) };
};

/**
 * Tile tokens from the shared view: the one the page opened with while it is fresh, then the
 * view fetched again (one request shared by every layer that asks at once). A token counts as due
 * once half its life has passed, so a renewal (at three quarters) always fetches a new one.
 */
export function shareMint(first: SharedView, refresh: () => Promise<SharedView>): Mint {
  let view = first;
  let fetchedAt = Date.now();
  let refetch: Promise<SharedView> | null = null;
  const due = (minted: Minted) => Date.now() - fetchedAt >= (minted.expiresAt - fetchedAt) / 2;
  return async (id) => {
    let minted = mintedOf(view, id);
    if (!minted || due(minted)) {
      refetch ??= refresh().finally(() => (refetch = null));
      view = await refetch;
      fetchedAt = Date.now();
      minted = mintedOf(view, id);
    }
    if (!minted) throw new Error('This layer is no longer shared.');
    return minted;
  };
}
