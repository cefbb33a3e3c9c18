import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const DEV_DIR = `${ROOT}.dev`;

/**
 * Development signing keys: generated on first use into .dev/ (git-ignored), never committed.
 * Two keys, so token verification by `kid` is exercised the way a rotation would use it.
 */
export async function devSigningKeys(): Promise<string> {
  const file = `${DEV_DIR}/signing-keys.json`;
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(DEV_DIR, { recursive: true });
  const keys = [];
  for (const kid of [`dev-${Date.now().toString(36)}-a`, `dev-${Date.now().toString(36)}-b`]) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' });
  }
  const json = JSON.stringify({ keys });
  writeFileSync(file, json, { mode: 0o600 });
  return json;
}

/** Writes the secrets (and local-only settings) wrangler dev loads with --env-file; returns the file's path. */
export async function writeWorkerEnvFile(
  name: string,
  databaseUrl: string,
  converter: { url: string; secret: string },
  baseUrl: string,
  extra: Record<string, string> = {},
): Promise<string> {
  mkdirSync(DEV_DIR, { recursive: true });
  const file = `${DEV_DIR}/${name}.env`;
  const lines = [
    `DATABASE_URL=${databaseUrl}`,
    `JWT_SIGNING_KEYS=${await devSigningKeys()}`,
    `CONVERTER_URL=${converter.url}`,
    `CONVERTER_SECRET=${converter.secret}`,
    `PUBLIC_BASE_URL=${baseUrl}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}
