import { base64url } from 'jose';
import { constantTimeEqual } from './crypto';

/**
 * PBKDF2-SHA256 via WebCrypto. 100,000 iterations is the most workerd allows (it rejects higher
 * counts) and the minimum we accept. Stored as `pbkdf2_sha256$<iterations>$<salt>$<hash>`.
 */
export const PBKDF2_ITERATIONS = 100_000;
const KEY_BITS = 256;
const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password.normalize('NFKC')), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, KEY_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2_sha256$${PBKDF2_ITERATIONS}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split('$');
  const iterations = Number(iterationsText);
  if (
    scheme !== 'pbkdf2_sha256' ||
    !saltText ||
    !hashText ||
    !Number.isInteger(iterations) ||
    iterations < 1 ||
    iterations > PBKDF2_ITERATIONS
  ) {
    return false;
  }
  const actual = await derive(password, base64url.decode(saltText), iterations);
  return constantTimeEqual(actual, base64url.decode(hashText));
}

/**
 * A hash of no one's password: checking unknown accounts against it costs the same time as
 * checking a real one, so response timing does not reveal which emails are registered.
 */
export const DECOY_PASSWORD_HASH = `pbkdf2_sha256$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
