import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { problemResponse } from './problem';

/**
 * Every route module builds on this: validation failures become 400 problem+json naming each
 * offending field, and the module's routes land in the shared OpenAPI document.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        path: [result.target, ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      const summary = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      return problemResponse(c, 'validation-error', summary, { errors });
    },
  });
}

export const ProblemSchema = z
  .object({
    type: z.string().url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const ERROR_DESCRIPTIONS = {
  400: 'Malformed request or invalid parameters',
  401: 'Missing, invalid or expired credentials',
  403: 'Authenticated but not allowed',
  404: 'Not found (or not visible to the caller)',
  409: 'Conflicts with the current state',
  413: 'Request body too large',
  429: 'Too many attempts; see Retry-After',
  503: 'A dependency is unavailable',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});
type ProblemResponse = ReturnType<typeof problem>;

/** OpenAPI entries for the problem+json answers a route may give. */
export function errors<const S extends ErrorStatus>(...statuses: S[]): Record<S, ProblemResponse> {
  const entries: Partial<Record<S, ProblemResponse>> = {};
  for (const status of statuses) entries[status] = problem(ERROR_DESCRIPTIONS[status]);
  return entries as Record<S, ProblemResponse>;
}

export function jsonBody<T extends z.ZodType>(schema: T, description = 'JSON body') {
  return { required: true, description, content: { 'application/json': { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export const bearerSecurity: Array<Record<string, string[]>> = [{ bearer: [] }, { apiKey: [] }];

export const UuidParam = z.string().openapi({ format: 'uuid' });

/**
 * A response built by hand (streamed, or with its own media type and headers) from a route whose
 * answer is documented as JSON: the route types only know `c.json`, so this is their one escape.
 */
export const handBuilt = (response: Response): never => response as never;
