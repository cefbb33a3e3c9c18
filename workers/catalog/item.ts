import { z } from 'zod';
import { parseInstant } from '../engines/cql2/datetime';
import { CatalogError, catalogErrorFrom } from '../engines/cql2/errors';
import { geometry, geometryBounds, isLonLat, type Geometry } from '../engines/cql2/geojson';

export const STAC_VERSION = '1.0.0';

/** Ids appear in URL paths, so they are limited to characters that need no care there. */
export const identifier = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:~-]*$/, {
    message: 'must start with a letter or digit and hold only letters, digits and . _ : ~ -',
  });

export const link = z.looseObject({
  href: z.string().min(1),
  rel: z.string().min(1),
  type: z.string().optional(),
  title: z.string().optional(),
});
export type Link = z.infer<typeof link>;
const asset = z.looseObject({
  href: z.string().min(1),
  type: z.string().optional(),
  roles: z.array(z.string()).optional(),
});

/** What every STAC object (Item, Collection) carries. */
export const stacObject = {
  stac_version: z.string().min(1),
  stac_extensions: z.array(z.string().min(1)).default([]),
  id: identifier,
};

const itemSchema = z.looseObject({
  type: z.literal('Feature'),
  ...stacObject,
  collection: z.string().optional(),
  geometry: z.union([geometry, z.null()]),
  bbox: z.array(z.number().finite()).optional(),
  properties: z.looseObject({
    datetime: z.union([z.string(), z.null()], {
      message: 'is required: a date-time, or null with start_datetime and end_datetime',
    }),
  }),
  links: z.array(link).default([]),
  assets: z.record(z.string(), asset),
});

/** The members the STAC Item spec names; any other is an extension's, kept as it is. */
export const CORE_MEMBERS: ReadonlySet<string> = new Set([
  'type',
  'stac_version',
  'stac_extensions',
  'id',
  'collection',
  'geometry',
  'bbox',
  'properties',
  'links',
  'assets',
]);

/** An item as stored: indexed columns beside the document's parts. */
export interface ItemRecord {
  collectionId: string;
  id: string;
  geometry: Geometry;
  bbox: number[];
  datetime: Date;
  endDatetime: Date;
  properties: Record<string, unknown>;
  assets: Record<string, unknown>;
  links: Link[];
  stacExtensions: string[];
  extra: Record<string, unknown>;
}

/** PostgreSQL's jsonb cannot hold U+0000; refusing it here keeps it a 400 instead of a failed insert. */
export function rejectNul(document: unknown, field: string): void {
  if (JSON.stringify(document).includes('\\u0000'))
    throw new CatalogError(field, 'must not contain NUL (U+0000) characters');
}

/** A 2D or 3D bbox of finite numbers, each minimum at most its maximum (of an item, or of a search). */
export function checkBbox(bbox: number[], field: string): number[] {
  if (bbox.length !== 4 && bbox.length !== 6)
    throw new CatalogError(field, `must hold 4 (2D) or 6 (3D) numbers, got ${bbox.length}`);
  if (!bbox.every(Number.isFinite)) throw new CatalogError(field, 'must hold numbers only');
  const half = bbox.length / 2;
  for (let i = 0; i < half; i++) {
    if (bbox[i]! > bbox[i + half]!)
      throw new CatalogError(
        field,
        `minimum ${i + 1} (${bbox[i]}) is greater than maximum ${i + 1} (${bbox[i + half]})`,
      );
  }
  return bbox;
}

/** The 2D part of a 4- or 6-number bbox. */
export const bbox2d = (bbox: number[]): [number, number, number, number] =>
  bbox.length === 6 ? [bbox[0]!, bbox[1]!, bbox[3]!, bbox[4]!] : [bbox[0]!, bbox[1]!, bbox[2]!, bbox[3]!];

/**
 * Checks an item against STAC 1.0's core rules and splits it for storage. `path` is prefixed to
 * every field name in errors (e.g. `features.3`).
 */
export function validateItem(body: unknown, collectionId: string, path = ''): ItemRecord {
  const at = (field: string) => [path, field].filter(Boolean).join('.');
  const parsed = itemSchema.safeParse(body);
  if (!parsed.success) throw catalogErrorFrom(parsed.error.issues, path);
  const item = parsed.data;
  rejectNul(item, at('properties'));
  if (item.collection !== undefined && item.collection !== collectionId) {
    throw new CatalogError(
      at('collection'),
      `is "${item.collection}" but the item is written to collection "${collectionId}"`,
    );
  }
  if (item.geometry === null)
    throw new CatalogError(
      at('geometry'),
      'is null; this catalog indexes every item by its footprint, so a geometry is required',
    );
  if (!isLonLat(item.geometry))
    throw new CatalogError(at('geometry'), 'coordinates must be longitude/latitude (EPSG:4326)');
  if (!item.bbox) throw new CatalogError(at('bbox'), 'is required when geometry is not null');
  checkBbox(item.bbox, at('bbox'));
  const [minx, miny, maxx, maxy] = bbox2d(item.bbox);
  if (minx < -180 || maxx > 180 || miny < -90 || maxy > 90)
    throw new CatalogError(at('bbox'), 'must be longitude/latitude (EPSG:4326)');
  const [gx0, gy0, gx1, gy1] = geometryBounds(item.geometry);
  const slack = 1e-6;
  if (gx0 < minx - slack || gy0 < miny - slack || gx1 > maxx + slack || gy1 > maxy + slack) {
    throw new CatalogError(
      at('bbox'),
      `does not contain the geometry (geometry spans ${[gx0, gy0, gx1, gy1].join(', ')})`,
    );
  }
  const props = item.properties;
  let start: Date;
  let end: Date;
  if (props.datetime !== null) {
    start = end = parseInstant(props.datetime, at('properties.datetime'));
    if (props.start_datetime !== undefined) parseInstant(props.start_datetime, at('properties.start_datetime'));
    if (props.end_datetime !== undefined) parseInstant(props.end_datetime, at('properties.end_datetime'));
  } else {
    if (props.start_datetime === undefined || props.end_datetime === undefined) {
      throw new CatalogError(
        at('properties.datetime'),
        'is null, so properties.start_datetime and properties.end_datetime are required',
      );
    }
    start = parseInstant(props.start_datetime, at('properties.start_datetime'));
    end = parseInstant(props.end_datetime, at('properties.end_datetime'));
    if (start > end) throw new CatalogError(at('properties.end_datetime'), 'is before properties.start_datetime');
  }
  const extra = Object.fromEntries(Object.entries(item).filter(([key]) => !CORE_MEMBERS.has(key)));
  return {
    collectionId,
    id: item.id,
    geometry: item.geometry,
    bbox: item.bbox,
    datetime: start,
    endDatetime: end,
    properties: props,
    assets: item.assets,
    links: item.links,
    stacExtensions: item.stac_extensions,
    extra,
  };
}

/** Relations the API writes itself on every response; stored copies are dropped. */
export const GENERATED_RELS = new Set(['self', 'root', 'parent', 'collection', 'items', 'next', 'prev']);

/** RFC 7396 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
