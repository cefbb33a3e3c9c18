import { describe, expect, it } from 'vitest';
import { base64url } from 'jose';
import {
  DECOY_PASSWORD_HASH,
  PBKDF2_ITERATIONS,
  hashPassword,
  verifyPassword,
} from '../../workers/platform/auth/password';

describe('password hashing (PBKDF2-SHA256 in workerd)', () => {
  it('stores scheme, iterations, a per-user salt and the hash', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    const [scheme, iterations, salt] = a.split('$');
    expect(scheme).toBe('pbkdf2_sha256');
    expect(Number(iterations)).toBeGreaterThanOrEqual(100_000);
    expect(Number(iterations)).toBe(PBKDF2_ITERATIONS);
    expect(salt).not.toBe(b.split('$')[2]);
    expect(a).not.toBe(b);
  });

  it('accepts the right password only', async () => {
    const stored = await hashPassword('correct horse');
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsf', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('rejects tampered or foreign hash strings instead of throwing', async () => {
    const stored = await hashPassword('pw-123456');
    const [scheme, iterations, salt, hash] = stored.split('$');
    const flipped = base64url.decode(hash!);
    flipped[0] = flipped[0]! ^ 0x01;
    expect(await verifyPassword('pw-123456', [scheme, iterations, salt, base64url.encode(flipped)].join('$'))).toBe(
      false,
    );
    expect(await verifyPassword('pw-123456', [scheme, '1000000', salt, hash].join('$'))).toBe(false);
    expect(await verifyPassword('pw-123456', `bcrypt$${hash}`)).toBe(false);
    expect(await verifyPassword('pw-123456', 'garbage')).toBe(false);
  });

  it('has a decoy hash that matches nothing but costs a real verification', async () => {
    expect(await verifyPassword('', DECOY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword('admin', DECOY_PASSWORD_HASH)).toBe(false);
  });
});
