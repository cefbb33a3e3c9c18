import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { SignJWT, importJWK, type JWK, type JWTPayload } from 'jose';
import type { SeedFile } from '../../scripts/lib/seed';

const ROOT = new URL('../../', import.meta.url).pathname;

export const seed: SeedFile = JSON.parse(readFileSync(process.env.EDGE_TILES_SEED ?? `${ROOT}.dev/seed.json`, 'utf8'));
export const baseUrl = seed.baseUrl;

/** The database behind the Worker under test (given by scripts/test.ts, else the dev one). */
export function databaseUrl(): string {
  if (process.env.EDGE_TILES_DATABASE_URL) return process.env.EDGE_TILES_DATABASE_URL;
  const line = readFileSync(`${ROOT}.dev/dev.env`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('DATABASE_URL='));
  return line!.slice('DATABASE_URL='.length);
}

/** The dev signing keys the Worker under test was started with (generated into .dev/, never committed). */
export const signingKeysJson = (): string => readFileSync(`${ROOT}.dev/signing-keys.json`, 'utf8');

/**
 * A JWT signed as the Worker under test signs (its first dev key, issuer `edge-tiles`), with the
 * claims, audience and times a test chooses: expired ones, or ones the service would never mint.
 */
export async function signAsService(
  claims: JWTPayload & { sub: string },
  audience: string,
  times: { issuedAt?: number; expiresAt: number | string },
): Promise<string> {
  const jwk = (JSON.parse(signingKeysJson()) as { keys: JWK[] }).keys[0]!;
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid! })
    .setSubject(sub)
    .setIssuer('edge-tiles')
    .setAudience(audience)
    .setIssuedAt(times.issuedAt)
    .setExpirationTime(times.expiresAt)
    .sign(await importJWK(jwk, 'ES256'));
}

export interface CallOptions {
  method?: string;
  token?: string;
  apiKey?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  return fetch(`${baseUrl}${path}`, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

export async function json<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, `${response.url}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

export async function problem(response: Response, status: number, kind?: string): Promise<Problem> {
  const text = await response.text();
  expect(response.status, `${response.url}: ${text}`).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = JSON.parse(text) as Problem;
  expect(body.status).toBe(status);
  if (kind) expect(body.type).toBe(`https://edge-tiles.dev/problems/${kind}`);
  return body;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
}

let counter = 0;
export const unique = (label: string): string => `${label}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

export async function login(email: string, password: string, ip?: string): Promise<Response> {
  return call('/auth/token', { json: { email, password }, headers: ip ? { 'cf-connecting-ip': ip } : {} });
}

export async function newUser(label = 'user'): Promise<TestUser> {
  const email = `${unique(label)}@example.org`;
  const password = `pw-${unique('secret')}`;
  const user = await json<{ id: string }>(
    await call('/auth/register', { json: { email, password, name: label } }),
    201,
  );
  const tokens = await json<{ access_token: string; refresh_token: string }>(await login(email, password), 200);
  return { id: user.id, email, password, token: tokens.access_token, refreshToken: tokens.refresh_token };
}

export const square = (x: number, y: number, size = 0.01) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, y],
      [x + size, y],
      [x + size, y + size],
      [x, y + size],
      [x, y],
    ],
  ],
});
