import { z } from '@hono/zod-openapi';
import { bbox } from '../platform/http/geojson';
import { Link } from '../platform/http/ogc';
import { geometryOut } from '../platform/http/schemas';

// STAC API 1.0 documents, as the routes answer them. STAC lets Items, Collections, their
// properties and assets carry members of extensions, so those objects pass the rest through.

export const StacLandingPage = z
  .object({
    type: z.literal('Catalog'),
    stac_version: z.string(),
    id: z.string(),
    title: z.string(),
    description: z.string(),
    conformsTo: z.array(z.string()),
    links: z.array(Link),
  })
  .openapi('StacLandingPage');
export type StacLandingPage = z.infer<typeof StacLandingPage>;

export const StacCollection = z
  .looseObject({
    type: z.literal('Collection'),
    stac_version: z.string(),
    stac_extensions: z.array(z.string()),
    id: z.string(),
    title: z.string().optional(),
    description: z.string(),
    keywords: z.array(z.string()).optional(),
    license: z.string(),
    extent: z.object({
      spatial: z.object({ bbox: z.array(bbox) }),
      temporal: z.object({
        interval: z.array(z.tuple([z.string().nullable(), z.string().nullable()])),
      }),
    }),
    summaries: z.record(z.string(), z.unknown()).optional(),
    links: z.array(Link),
  })
  .openapi('StacCollection');
export type StacCollection = z.infer<typeof StacCollection>;

export const StacCollections = z
  .object({ collections: z.array(StacCollection), links: z.array(Link), numberReturned: z.number().int() })
  .openapi('StacCollections');

const Asset = z
  .looseObject({
    href: z.string(),
    type: z.string().optional(),
    title: z.string().optional(),
    roles: z.array(z.string()).optional(),
  })
  .openapi('StacAsset');

export const StacItem = z
  .looseObject({
    type: z.literal('Feature'),
    stac_version: z.string(),
    stac_extensions: z.array(z.string()),
    id: z.string(),
    collection: z.string(),
    geometry: geometryOut,
    bbox,
    properties: z.looseObject({
      datetime: z.string().nullable().openapi({ format: 'date-time' }),
      start_datetime: z.string().optional().openapi({ format: 'date-time' }),
      end_datetime: z.string().optional().openapi({ format: 'date-time' }),
    }),
    links: z.array(Link),
    assets: z.record(z.string(), Asset),
  })
  .openapi('StacItem');

/** A page of search results; with the fields extension an item may lack any member. */
export const ItemCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(StacItem.partial()),
    links: z.array(Link),
    numberMatched: z.number().int(),
    numberReturned: z.number().int(),
    context: z.object({
      returned: z.number().int(),
      limit: z.number().int(),
      matched: z.number().int(),
      matched_is_estimate: z.boolean().optional().openapi({ description: 'Present when matched is estimated' }),
    }),
  })
  .openapi('ItemCollection');

/** POST of a FeatureCollection of items: how many were added, and their ids. */
const ItemsAdded = z.object({ added: z.number().int(), ids: z.array(z.string()) }).openapi('StacItemsAdded');

/** What POST …/items answers: the item stored, or for a FeatureCollection the ids added. */
export const ItemsCreated = z.union([StacItem, ItemsAdded]).openapi('StacItemsCreated');
