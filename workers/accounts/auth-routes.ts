import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../platform/env';
import { createRouter, errors, jsonBody, jsonResponse, bearerSecurity } from '../platform/http/openapi';
import { ApiError } from '../platform/http/problem';
import { email, text } from '../platform/http/schemas';
import { numberVar } from '../platform/config';
import { DECOY_PASSWORD_HASH, hashPassword, verifyPassword } from '../platform/auth/password';
import { DEFAULT_THROTTLE, clientAddress, loginRetryAfter, recordLoginAttempt } from './login-throttle';
import { revokeFamily, rotateSession, sessionFamilyOf, startSession } from '../platform/auth/sessions';
import { signingKeys } from '../platform/auth/signing-keys';
import { signAccessToken } from '../platform/auth/tokens';
import { UserSchema, userJson } from './user';
import { createUser, userByEmail } from './store';

const router = createRouter();

const password = text(1024).pipe(z.string().min(8, 'must be at least 8 characters'));

const TokenPairSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Seconds until the access token expires' }),
  })
  .openapi('TokenPair');

async function issueTokens(c: Context<AppEnv>, userId: string, refreshToken: string, familyId: string) {
  const ttl = numberVar(c.env, 'ACCESS_TOKEN_TTL');
  const keys = await signingKeys(c.env.JWT_SIGNING_KEYS);
  const accessToken = await signAccessToken(keys, { sub: userId, sid: familyId }, ttl);
  c.header('cache-control', 'no-store');
  return { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer' as const, expires_in: ttl };
}

router.openapi(
  createRoute({
    method: 'post',
    path: '/auth/register',
    tags: ['auth'],
    summary: 'Create an account',
    request: { body: jsonBody(z.object({ email, password, name: text(200).default('') })) },
    responses: { 201: jsonResponse(UserSchema, 'The new user'), ...errors(400, 409, 413) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const passwordHash = await hashPassword(body.password);
    const user = await createUser(c.var.db, { email: body.email, name: body.name, passwordHash });
    if (!user) throw new ApiError(409, 'conflict', 'An account with this email already exists.');
    return c.json(userJson(user), 201);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/auth/token',
    tags: ['auth'],
    summary: 'Sign in with email and password',
    description:
      'Failed attempts are limited per account and client address (5 in 15 min), per account from all ' +
      'addresses (100) and per address (30); over a limit the answer is 429 with Retry-After, for that address ' +
      'only unless the account-wide ceiling is reached.',
    request: { body: jsonBody(z.object({ email, password: text(1024) })) },
    responses: { 200: jsonResponse(TokenPairSchema, 'Access and refresh tokens'), ...errors(400, 401, 413, 429) },
  }),
  async (c) => {
    const { email: address, password: given } = c.req.valid('json');
    const db = c.var.db;
    const ip = clientAddress(c);
    const retryAfter = await loginRetryAfter(db, address, ip, DEFAULT_THROTTLE);
    if (retryAfter > 0) {
      throw new ApiError(429, 'too-many-requests', `Too many failed sign-ins; retry in ${retryAfter} s.`, {
        headers: { 'retry-after': String(retryAfter) },
      });
    }
    const user = await userByEmail(db, address);
    const ok = await verifyPassword(given, user?.passwordHash ?? DECOY_PASSWORD_HASH);
    await recordLoginAttempt(db, address, ip, ok && user !== undefined);
    if (!ok || !user) throw new ApiError(401, 'invalid-credentials', 'Email or password is wrong.');
    const session = await startSession(db, user.id, numberVar(c.env, 'REFRESH_TOKEN_TTL'));
    return c.json(await issueTokens(c, user.id, session.refreshToken, session.familyId), 200);
  },
);

const RefreshBody = z.object({ refresh_token: text(200).pipe(z.string().min(1)) });

router.openapi(
  createRoute({
    method: 'post',
    path: '/auth/refresh',
    tags: ['auth'],
    summary: 'Exchange a refresh token for a new token pair',
    description:
      'Refresh tokens are single-use. Presenting one that was already used revokes every token of that sign-in.',
    request: { body: jsonBody(RefreshBody) },
    responses: { 200: jsonResponse(TokenPairSchema, 'New access and refresh tokens'), ...errors(400, 401, 413) },
  }),
  async (c) => {
    const result = await rotateSession(
      c.var.db,
      c.req.valid('json').refresh_token,
      numberVar(c.env, 'REFRESH_TOKEN_TTL'),
    );
    if (!result.ok) throw new ApiError(401, 'invalid-token', `Refresh token rejected (${result.reason}).`);
    return c.json(await issueTokens(c, result.userId, result.refreshToken, result.familyId), 200);
  },
);

router.openapi(
  createRoute({
    method: 'post',
    path: '/auth/logout',
    tags: ['auth'],
    summary: 'End a sign-in',
    description:
      'Ends the session of the access token used, or of the refresh token given; its access tokens stop ' +
      'working at once where this request was answered, and everywhere within ACCESS_CACHE_SECONDS.',
    security: bearerSecurity,
    request: { body: { ...jsonBody(RefreshBody.partial().optional()), required: false } },
    responses: { 204: { description: 'Signed out' }, ...errors(400, 401, 413) },
  }),
  async (c) => {
    const principal = c.var.principal;
    const refreshToken = c.req.valid('json')?.refresh_token;
    let familyId = principal?.sessionFamilyId;
    if (refreshToken) familyId = await sessionFamilyOf(c.var.db, refreshToken);
    if (!familyId)
      throw new ApiError(401, 'unauthorized', 'Send the access token or the refresh token of the session to end.');
    await revokeFamily(c.var.db, familyId);
    return c.body(null, 204);
  },
);

const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS');

router.openapi(
  createRoute({
    method: 'get',
    path: '/.well-known/jwks.json',
    tags: ['auth'],
    summary: 'Public keys that verify access and tile tokens',
    responses: { 200: jsonResponse(JwksSchema, 'JSON Web Key Set') },
  }),
  async (c) => {
    const keys = await signingKeys(c.env.JWT_SIGNING_KEYS);
    c.header('cache-control', 'public, max-age=300');
    return c.json({ keys: [...keys.byKid.values()].map((k) => ({ ...k.publicJwk })) }, 200);
  },
);

export default router;
