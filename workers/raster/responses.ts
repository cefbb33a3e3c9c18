import { z } from '@hono/zod-openapi';

/** A rendered image's documentation: one of the formats a client may ask for. */
export const binary = (description: string) => ({
  description,
  content: Object.fromEntries(
    ['image/png', 'image/jpeg', 'image/webp', 'application/x-binary'].map((t) => [
      t,
      { schema: z.string().openapi({ format: 'binary' }) },
    ]),
  ),
});
