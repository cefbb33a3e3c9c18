import { api, must } from '../api/client';
import { isJobState } from './job-events';
import type { JobView } from './use-job';

/** Pages read at most, newest first: products still waiting for their job are recent. */
const MAX_PAGES = 10;

const cursorOf = (links: Array<{ rel: string; href: string }>): string | null => {
  const next = links.find((l) => l.rel === 'next');
  return next ? new URL(next.href).searchParams.get('cursor') : null;
};

/** The latest job of each of these products (GET /jobs?project=…, matched by dataProductId). */
export async function jobsOfProducts(projectId: string, productIds: string[]): Promise<Map<string, JobView>> {
  const found = new Map<string, JobView>();
  const wanted = new Set(productIds);
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES && found.size < wanted.size; page++) {
    const list = await must(
      api.GET('/jobs', { params: { query: { project: projectId, limit: 100, ...(cursor ? { cursor } : {}) } } }),
    );
    for (const job of list.jobs) {
      const product = job.data_product_id;
      // Newest first: a product's first job met is its latest.
      const { state } = job;
      if (product && wanted.has(product) && !found.has(product) && isJobState(state))
        found.set(product, {
          id: job.id,
          state,
          progress: job.progress,
          message: job.message,
          error: job.error,
        });
    }
    cursor = cursorOf(list.links);
    if (!cursor) break;
  }
  return found;
}
