import { z } from '@hono/zod-openapi';

/**
 * The members every OGC API and STAC document shares: links (RFC 8288 relations, with STAC's
 * method, body and merge for POST search pages), conformance, and queryables as JSON Schema.
 */
export const Link = z
  .object({
    href: z.string().openapi({ format: 'uri' }),
    rel: z.string(),
    type: z.string().optional().openapi({ description: 'Media type of the target' }),
    title: z.string().optional(),
    method: z.string().optional().openapi({ description: 'HTTP method to follow it with (STAC search paging)' }),
    body: z.record(z.string(), z.unknown()).optional().openapi({ description: 'JSON body to send (POST paging)' }),
    merge: z.boolean().optional(),
  })
  .openapi('Link');
export type Link = z.infer<typeof Link>;

export const Conformance = z.object({ conformsTo: z.array(z.string()) }).openapi('Conformance');

/** A property of queryables or sortables: a JSON Schema of its own. */
const QueryableProperty = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    type: z.string().optional(),
    format: z.string().optional(),
    $ref: z.string().optional(),
  })
  .openapi('QueryableProperty');

/** Queryables and sortables (OGC API Features Part 3): a JSON Schema naming the properties. */
export const Queryables = z
  .object({
    $schema: z.string(),
    $id: z.string(),
    type: z.literal('object'),
    title: z.string(),
    properties: z.record(z.string(), QueryableProperty),
    additionalProperties: z.boolean(),
  })
  .openapi('Queryables');
export type Queryables = z.infer<typeof Queryables>;
