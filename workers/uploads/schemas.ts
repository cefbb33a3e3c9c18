import { z } from '@hono/zod-openapi';

/** GET /uploads/{id}: the tus offset and length, and what became of the file once complete. */
export const UploadStatusSchema = z
  .object({
    id: z.string().openapi({ description: '32 hexadecimal digits' }),
    offset: z.number().int(),
    length: z.number().int().nullable().openapi({ description: 'null while the length is deferred' }),
    state: z.enum(['created', 'uploading', 'completed', 'expired', 'terminated', 'failed']),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    key: z.string().openapi({ description: 'Object key of the file in the bucket' }),
    jobId: z.string().uuid().nullable().openapi({ description: 'The processing job, once the upload completed' }),
    dataProductId: z.string().uuid().nullable(),
    error: z.string().nullable(),
  })
  .openapi('UploadStatus');
