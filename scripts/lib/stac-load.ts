import { validateCollection } from '../../workers/catalog/collection';
import { insertCollection, replaceCollection } from '../../workers/catalog/collection-store';
import { CatalogError } from '../../workers/engines/cql2/errors';
import { validateItem, type ItemRecord } from '../../workers/catalog/item';
import { writeItems } from '../../workers/catalog/item-store';
import type { Database } from '../../workers/platform/db/client';

const BATCH = 2000;

export interface LoadResult {
  collections: number;
  items: number;
  seconds: number;
}

/**
 * Loads STAC documents, one per line: Collections (created, or replaced when they exist) and
 * Items (inserted, or replaced: loading the same file twice changes nothing). Every document is
 * validated by the same rules as the API's transactions; the first invalid line stops the load
 * with its line number. `collection` is the default for items that name none.
 */
export async function loadStac(
  db: Database,
  lines: AsyncIterable<string>,
  options: { collection?: string; progress?: (items: number) => void } = {},
): Promise<LoadResult> {
  const started = performance.now();
  let batch: ItemRecord[] = [];
  let items = 0;
  let collections = 0;
  let lineNumber = 0;
  const flush = async () => {
    await writeItems(db, batch, 'upsert');
    items += batch.length;
    batch = [];
    options.progress?.(items);
  };
  for await (const line of lines) {
    lineNumber++;
    if (!line.trim()) continue;
    try {
      const doc = JSON.parse(line) as { type?: string; collection?: string };
      if (doc.type === 'Collection') {
        if (batch.length) await flush();
        const record = validateCollection(doc);
        if (!(await insertCollection(db, record, { projectId: null, published: true })))
          await replaceCollection(db, record);
        collections++;
      } else {
        const collection = doc.collection ?? options.collection;
        if (!collection) throw new CatalogError('collection', 'is missing (or pass --collection)');
        batch.push(validateItem(doc, collection));
        if (batch.length >= BATCH) await flush();
      }
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof CatalogError)
        throw new Error(`line ${lineNumber}: ${error.message}`);
      throw error;
    }
  }
  if (batch.length) await flush();
  return { collections, items, seconds: (performance.now() - started) / 1000 };
}
