import { Link } from 'wouter-preact';
import { api, must, type Schemas } from '../api/client';
import { ConfirmButton, Empty, ErrorNote, Loading, useAction } from '../ui/kit';
import { useAsync } from '../ui/use-async';

type Project = Schemas['Project'];
type Flight = Schemas['Flight'];
type Product = Schemas['DataProduct'];

const canManage = (p: Project) => p.role === 'manager' || p.role === 'owner';

function ProductRow({ project, product, onChange }: { project: Project; product: Product; onChange: () => void }) {
  const remove = useAction();
  return (
    <li class="product">
      <span class="name">{product.filename}</span>
      <span class="badge">{product.type}</span>
      <span class={`status status-${product.status}`}>{product.status}</span>
      {product.status === 'ready' && <Link href={`/projects/${project.id}/map#layers=${product.id}`}>Show on map</Link>}
      {canManage(project) && (
        <ConfirmButton
          label="Delete"
          question={`Delete ${product.filename}?`}
          onConfirm={() =>
            remove.run(async () => {
              await must(
                api.DELETE('/data-products/{dataProductId}', { params: { path: { dataProductId: product.id } } }),
              );
              onChange();
            })
          }
        />
      )}
      <ErrorNote error={remove.error} />
    </li>
  );
}

/** A flight's data products with their status. */
export function Products({ project, flight }: { project: Project; flight: Flight }) {
  const products = useAsync(
    () =>
      must(
        api.GET('/projects/{projectId}/flights/{flightId}/data-products', {
          params: { path: { projectId: project.id, flightId: flight.id } },
        }),
      ),
    [project.id, flight.id],
  );
  return (
    <div aria-label="Data products">
      <ErrorNote error={products.error} />
      {products.loading && !products.data && <Loading what="data products" />}
      {products.data?.length === 0 && <Empty>No data products in this flight yet.</Empty>}
      <ul class="products">
        {products.data?.map((p) => (
          <ProductRow key={p.id} project={project} product={p} onChange={products.reload} />
        ))}
      </ul>
    </div>
  );
}
