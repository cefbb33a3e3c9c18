import { z } from 'zod';
import { parseInstant } from '../engines/cql2/datetime';
import { CatalogError, catalogErrorFrom } from '../engines/cql2/errors';
import { bbox2d, link, rejectNul, stacObject, type Link } from './item';

const collectionSchema = z.looseObject({
  type: z.literal('Collection'),
  ...stacObject,
  title: z.string().optional(),
  description: z.string().min(1),
  keywords: z.array(z.string()).optional(),
  license: z.string().min(1),
  extent: z.object({
    spatial: z.object({ bbox: z.array(z.array(z.number().finite())).min(1) }),
    temporal: z.object({ interval: z.array(z.tuple([z.string().nullable(), z.string().nullable()])).min(1) }),
  }),
  links: z.array(link).default([]),
});

/** A collection document as checked on its way in. */
export type CollectionContent = z.output<typeof collectionSchema>;

/** A collection as stored: searchable columns beside the document. */
export interface CollectionRecord {
  id: string;
  title: string;
  description: string;
  license: string;
  /** Overall extent: the first bbox of `extent.spatial`. */
  bbox: [number, number, number, number];
  temporalStart: Date | null;
  temporalEnd: Date | null;
  /** The whole document except what the API generates (generated links). */
  content: CollectionContent;
}

/** Checks a collection against STAC 1.0's core rules (id, description, license, extent, links). */
export function validateCollection(body: unknown): CollectionRecord {
  const parsed = collectionSchema.safeParse(body);
  if (!parsed.success) throw catalogErrorFrom(parsed.error.issues, '');
  const doc = parsed.data;
  rejectNul(doc, 'collection');
  doc.extent.spatial.bbox.forEach((box, i) => {
    const field = `extent.spatial.bbox.${i}`;
    if (box.length !== 4 && box.length !== 6)
      throw new CatalogError(field, `must hold 4 or 6 numbers, got ${box.length}`);
    const [minx, miny, maxx, maxy] = bbox2d(box);
    if (miny > maxy) throw new CatalogError(field, 'its southern edge is north of its northern edge');
    if (minx < -180 || maxx > 180 || miny < -90 || maxy > 90)
      throw new CatalogError(field, 'must be longitude/latitude (EPSG:4326)');
  });
  const [start, end] = doc.extent.temporal.interval[0]!.map((value, i) =>
    value === null ? null : parseInstant(value, `extent.temporal.interval.0.${i}`),
  );
  if (start && end && start > end) throw new CatalogError('extent.temporal.interval.0', 'ends before it starts');
  const [minx, miny, maxx, maxy] = bbox2d(doc.extent.spatial.bbox[0]!);
  return {
    id: doc.id,
    title: doc.title ?? '',
    description: doc.description,
    license: doc.license,
    // A first bbox that crosses the antimeridian (minx > maxx) covers every longitude for search.
    bbox: minx <= maxx ? [minx, miny, maxx, maxy] : [-180, miny, 180, maxy],
    temporalStart: start ?? null,
    temporalEnd: end ?? null,
    content: { ...doc, links: doc.links.filter((l: Link) => !['self', 'root', 'parent', 'items'].includes(l.rel)) },
  };
}
