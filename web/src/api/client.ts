import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { accessToken } from '../auth/session';
import { ProblemError, problemMessage } from './problem';

export type Schemas = components['schemas'];
export { ProblemError };

/** Signs every call with the session's access token, refreshed first when it is about to expire. */
const signIn: Middleware = {
  async onRequest({ request }) {
    if (request.headers.has('authorization')) return request;
    const token = await accessToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

/** The API, typed from /openapi.json (schema.d.ts, written by `npm run api:types`). Same origin as the app. */
export const api = createClient<paths>({ baseUrl: location.origin });
api.use(signIn);

/** The data of a call, or a ProblemError with the API's explanation. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ProblemError(response.status, problemMessage(response.status, error));
  return data as T;
}
