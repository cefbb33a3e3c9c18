import { useRef, useState } from 'preact/hooks';
import { useWorkspace } from '../map/workspace-context';
import type { Bbox } from '../map/layers';
import { Empty, ErrorNote, Field, useAction } from '../ui/kit';
import { ItemCard } from './item-card';
import { followLink, nextLink, searchItems, type Criteria, type Item, type ItemCollection } from './stac-search';

interface Results {
  items: Item[];
  matched: number;
  estimate: boolean;
  next?: string;
}

const resultsOf = (page: ItemCollection, before: Item[] = []): Results => ({
  items: [...before, ...page.features],
  matched: page.context.matched,
  estimate: page.context.matched_is_estimate === true,
  next: nextLink(page),
});

/** The map's bounds, clamped to longitude/latitude (a view across the antimeridian searches everywhere). */
function boundsOf(map: ReturnType<typeof useWorkspace>['map']): Bbox | undefined {
  if (!map) return undefined;
  const b = map.getBounds();
  if (b.getWest() < -180 || b.getEast() > 180) return undefined;
  return [b.getWest(), Math.max(-90, b.getSouth()), b.getEast(), Math.min(90, b.getNorth())];
}

function ResultList({
  results,
  more,
}: {
  results: Results;
  more: ReturnType<typeof useAction> & { load: () => void };
}) {
  if (results.items.length === 0) return <Empty>No items match.</Empty>;
  return (
    <>
      <p class="muted" role="status">
        {results.items.length} of {results.estimate ? 'about ' : ''}
        {results.matched} {results.matched === 1 ? 'item' : 'items'}
      </p>
      <ul class="item-cards" aria-label="Catalog results">
        {results.items.map((item) => (
          <ItemCard key={`${item.collection}/${item.id}`} item={item} />
        ))}
      </ul>
      {results.next && (
        <button type="button" disabled={more.pending} onClick={more.load}>
          {more.pending ? 'Loading…' : 'More results'}
        </button>
      )}
      <ErrorNote error={more.error} />
    </>
  );
}

/** The STAC catalog searched by the map's view, a date range and text; results go on the map. */
export function CatalogPanel() {
  const { map } = useWorkspace();
  const [inView, setInView] = useState(true);
  const [criteria, setCriteria] = useState<Omit<Criteria, 'bbox'>>({ from: '', to: '', text: '' });
  const [results, setResults] = useState<Results>();
  const search = useAction();
  const more = useAction();
  // A page of results that arrives after a new search began belongs to the old one: dropped.
  const round = useRef(0);
  const set = (patch: Partial<Criteria>) => setCriteria((c) => ({ ...c, ...patch }));
  return (
    <section class="catalog" aria-labelledby="catalog-heading">
      <h2 id="catalog-heading">Catalog</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void search.run(async () => {
            round.current += 1;
            setResults(undefined);
            if (inView && !map) throw new Error('The map is still loading: search again in a moment.');
            const bbox = inView ? boundsOf(map) : undefined;
            setResults(resultsOf(await searchItems({ ...criteria, bbox })));
          });
        }}
      >
        <label class="check">
          <input type="checkbox" checked={inView} onChange={(e) => setInView(e.currentTarget.checked)} /> Only in view
        </label>
        <div class="inline">
          <Field label="From" type="date" value={criteria.from} onInput={(e) => set({ from: e.currentTarget.value })} />
          <Field label="To" type="date" value={criteria.to} onInput={(e) => set({ to: e.currentTarget.value })} />
        </div>
        <Field
          label="Text (title or id)"
          hint="Upper and lower case differ."
          value={criteria.text}
          onInput={(e) => set({ text: e.currentTarget.value })}
        />
        <button type="submit" class="primary" disabled={search.pending}>
          {search.pending ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ErrorNote error={search.error && `The catalog search failed: ${search.error.message}`} />
      {results && (
        <ResultList
          results={results}
          more={{
            ...more,
            load: () =>
              void more.run(async () => {
                const asked = round.current;
                if (!results.next) return;
                const page = resultsOf(await followLink(results.next), results.items);
                if (asked === round.current) setResults(page);
              }),
          }}
        />
      )}
    </section>
  );
}
