import { createRoute } from '@hono/zod-openapi';
import { createRouter, errors, jsonResponse, bearerSecurity } from '../platform/http/openapi';
import { requirePrincipal } from '../platform/auth/middleware';
import { ApiError } from '../platform/http/problem';
import { userById } from './store';
import { UserSchema, userJson } from './user';

const router = createRouter();

router.openapi(
  createRoute({
    method: 'get',
    path: '/users/me',
    tags: ['auth'],
    summary: 'The signed-in user',
    security: bearerSecurity,
    responses: { 200: jsonResponse(UserSchema, 'The caller'), ...errors(401) },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    const user = await userById(c.var.db, principal.userId);
    if (!user) throw new ApiError(401, 'unauthorized', 'This account no longer exists.');
    return c.json(userJson(user), 200);
  },
);

export default router;
