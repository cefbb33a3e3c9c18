import { z } from '@hono/zod-openapi';

/**
 * An archive's JSON metadata as its writer left it. The PMTiles v3 spec names these members (the
 * MBTiles ones) and lets writers add any others, so the rest pass through.
 */
export const PMTilesMetadata = z
  .looseObject({
    name: z.string().optional(),
    description: z.string().optional(),
    attribution: z.string().optional(),
    version: z.string().optional(),
    type: z.enum(['overlay', 'baselayer']).optional(),
    vector_layers: z
      .array(z.looseObject({ id: z.string(), fields: z.record(z.string(), z.string()).optional() }))
      .optional(),
  })
  .openapi('PMTilesMetadata');
