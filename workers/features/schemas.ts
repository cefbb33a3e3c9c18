import { z } from '@hono/zod-openapi';
import { anyProperties, featureOf } from '../platform/http/geojson';
import { Link } from '../platform/http/ogc';

// OGC API Features Part 1 documents, as the routes answer them.

export const LandingPage = z
  .object({ title: z.string(), description: z.string(), links: z.array(Link) })
  .openapi('FeaturesLandingPage');

export const Collection = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    itemType: z.string().openapi({ example: 'feature' }),
    crs: z.array(z.string()),
    extent: z.object({
      spatial: z.object({
        bbox: z.array(z.array(z.number()).length(4)),
        crs: z.string(),
      }),
    }),
    links: z.array(Link),
  })
  .openapi('FeaturesCollection');

export const Collections = z
  .object({ links: z.array(Link), collections: z.array(Collection) })
  .openapi('FeaturesCollections');

export const Feature = featureOf(anyProperties)
  .extend({ links: z.array(Link).optional() })
  .openapi('FeaturesItem', { description: 'A GeoJSON Feature; `id` is its number in the layer' });
export type Feature = z.infer<typeof Feature>;

export const FeatureCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(Feature),
    numberMatched: z.number().int(),
    numberReturned: z.number().int(),
    timeStamp: z.string().openapi({ format: 'date-time' }),
    links: z.array(Link),
  })
  .openapi('FeaturesItems');
export type FeatureCollection = z.infer<typeof FeatureCollection>;
