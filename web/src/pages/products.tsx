import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, must, type Schemas } from '../api/client';
import { ConfirmButton, Empty, ErrorNote, Loading, useAction } from '../ui/kit';
import { Lazy } from '../ui/lazy';
import { useAsync } from '../ui/use-async';
import { JobProgress } from '../upload/job-progress';
import { jobsOfProducts } from '../upload/job-lookup';
import { onUploadFinished } from '../upload/upload-events';
import type { JobState } from '../upload/job-events';
import type { JobView } from '../upload/use-job';
import { canManage } from '../auth/use-user';

type Project = Schemas['Project'];
type Flight = Schemas['Flight'];
type Product = Schemas['DataProduct'];

// tus-js-client and the upload code load only for those who may upload.
const loadUploads = () => import('../upload/upload-panel');

/** What a product's status becomes when its job ends so (a cancelled job leaves it as it was). */
const STATUS_AFTER: Partial<Record<JobState, Product['status']>> = { succeeded: 'ready', failed: 'failed' };
const SETTLE_TRIES = 10;
const SETTLE_MS = 1_000;

/**
 * A job's last event reaches the page a moment before its product's row is written: when the job
 * ends, the list is read again (every second, ten times at most) until the row says so too.
 */
function useSettling(product: Product, reload: () => void): (state: JobState | null) => void {
  const [expected, setExpected] = useState<Product['status'] | null>(null);
  const tries = useRef(0);
  const lagging = expected !== null && product.status !== expected;
  useEffect(() => {
    if (!lagging || tries.current >= SETTLE_TRIES) return;
    const timer = setTimeout(() => {
      tries.current += 1;
      reload();
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [lagging, product]);
  return (state) => {
    tries.current = 0;
    setExpected(state ? (STATUS_AFTER[state] ?? null) : null);
    if (state) reload();
  };
}

function ProductRow(props: {
  project: Project;
  product: Product;
  job?: JobView;
  jobsLoading: boolean;
  onChange: () => void;
}) {
  const { project, product, job } = props;
  const remove = useAction();
  const settled = useSettling(product, props.onChange);
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
              props.onChange();
            })
          }
        />
      )}
      {product.status !== 'ready' && job && (
        <JobProgress
          key={job.id}
          job={job}
          label={product.filename}
          canRetry={canManage(project)}
          onSettled={settled}
        />
      )}
      {product.status !== 'ready' && !job && !props.jobsLoading && (
        <span class="muted">No processing job is listed for it.</span>
      )}
      <ErrorNote error={remove.error} />
    </li>
  );
}

/** A job known from the upload that made the product, followed from its start. */
const startOf = (id: string): JobView => ({ id, state: 'queued', progress: 0, message: '', error: null });

/**
 * The jobs of the products not ready yet: those known from this page's uploads, the rest looked up
 * (GET /jobs?project=, matched by product).
 */
function useProductJobs(projectId: string, flightId: string, products: Product[] | undefined, reload: () => void) {
  const [known, setKnown] = useState(new Map<string, string>());
  useEffect(
    () =>
      onUploadFinished((finished) => {
        if (finished.flightId !== flightId) return;
        const { dataProductId, jobId } = finished;
        if (dataProductId && jobId) setKnown((k) => new Map(k).set(dataProductId, jobId));
        reload();
      }),
    [flightId],
  );
  const unknown = (products ?? []).filter((p) => p.status !== 'ready' && !known.has(p.id)).map((p) => p.id);
  const looked = useAsync(
    () => (unknown.length ? jobsOfProducts(projectId, unknown) : Promise.resolve(new Map<string, JobView>())),
    [projectId, unknown.join(',')],
  );
  const jobOf = (productId: string): JobView | undefined => {
    const jobId = known.get(productId);
    return jobId ? startOf(jobId) : looked.data?.get(productId);
  };
  return { jobOf, loading: looked.loading, error: looked.error };
}

/** A flight's data products with their status, processing progress, and (for managers) uploads into it. */
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
  const jobs = useProductJobs(project.id, flight.id, products.data, products.reload);
  return (
    <div aria-label="Data products">
      {canManage(project) && (
        <Lazy
          what="uploads"
          load={loadUploads}
          render={(m) => <m.UploadPanel projectId={project.id} flightId={flight.id} />}
        />
      )}
      <ErrorNote error={products.error} />
      <ErrorNote error={jobs.error && `Processing progress could not be read: ${jobs.error.message}`} />
      {products.loading && !products.data && <Loading what="data products" />}
      {products.data?.length === 0 && <Empty>No data products in this flight yet.</Empty>}
      <ul class="products">
        {products.data?.map((p) => (
          <ProductRow
            key={p.id}
            project={project}
            product={p}
            job={jobs.jobOf(p.id)}
            jobsLoading={jobs.loading}
            onChange={products.reload}
          />
        ))}
      </ul>
    </div>
  );
}
