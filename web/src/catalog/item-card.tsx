import { api, must } from '../api/client';
import { layerOfProduct } from '../map/layers';
import { useWorkspace } from '../map/workspace-context';
import { ErrorNote, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';
import { collectionTitle, productIdOf, thumbnailOf, titleOf, type Item } from './stac-search';

/** Puts the item's data product on the map as a layer. */
function AddToMap({ item, productId }: { item: Item; productId: string }) {
  const workspace = useWorkspace();
  const { pending, error, run } = useAction();
  const onMap = workspace.layers.some((l) => l.id === productId && l.visible);
  const title = titleOf(item);
  return (
    <>
      <button
        type="button"
        disabled={pending || onMap}
        aria-label={onMap ? `${title} is on the map` : `Add ${title} to the map`}
        onClick={() =>
          void run(async () => {
            const path = { params: { path: { dataProductId: productId } } };
            const product = await must(api.GET('/data-products/{dataProductId}', path));
            const layer = layerOfProduct(product);
            if (!layer) throw new Error(`This ${product.type} product is ${product.status}: it cannot be shown.`);
            workspace.addLayer(layer);
          })
        }
      >
        {onMap ? 'On the map' : pending ? 'Adding…' : 'Add to map'}
      </button>
      <ErrorNote error={error} />
    </>
  );
}

const dateOf = (item: Item) => {
  const when = item.properties?.datetime ?? item.properties?.start_datetime;
  return when ? new Date(when).toISOString().slice(0, 10) : 'no date';
};

/** A search result: its preview, title, date and collection, and "Add to map". */
export function ItemCard({ item }: { item: Item }) {
  const thumbnail = thumbnailOf(item);
  const productId = productIdOf(item);
  const title = titleOf(item);
  const collection = useAsync(
    async () => (item.collection ? collectionTitle(item.collection) : 'no collection'),
    [item.collection],
  );
  return (
    <li class="item-card">
      {thumbnail ? (
        <img src={thumbnail} alt={`Preview of ${title}`} loading="lazy" width={64} height={64} />
      ) : (
        <span class="no-thumbnail" aria-hidden="true" />
      )}
      <div>
        <strong>{title}</strong>
        <div class="muted">
          {dateOf(item)} ·{' '}
          <span title={`Collection ${item.collection ?? ''}`}>{collection.data ?? item.collection}</span>
        </div>
        {productId ? <AddToMap item={item} productId={productId} /> : <small class="muted">No map tiles.</small>}
      </div>
    </li>
  );
}
