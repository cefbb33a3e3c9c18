import { describe, expect, it } from 'vitest';
import { areaGeometry, email } from '../../workers/platform/http/schemas';
import { generateApiKey, looksLikeApiKey } from '../../workers/platform/auth/api-keys';
import { constantTimeEqual } from '../../workers/platform/auth/crypto';

const square = [
  [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
    [0, 0],
  ],
];

describe('area geometries', () => {
  it('accept Polygon and MultiPolygon in lon/lat', () => {
    expect(areaGeometry.safeParse({ type: 'Polygon', coordinates: square }).success).toBe(true);
    expect(areaGeometry.safeParse({ type: 'MultiPolygon', coordinates: [square] }).success).toBe(true);
  });

  it('reject open rings, short rings, projected coordinates and other types', () => {
    expect(
      areaGeometry.safeParse({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      }).success,
    ).toBe(false);
    expect(
      areaGeometry.safeParse({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [0, 0],
          ],
        ],
      }).success,
    ).toBe(false);
    expect(
      areaGeometry.safeParse({
        type: 'Polygon',
        coordinates: [
          [
            [500000, 0],
            [1, 0],
            [1, 1],
            [500000, 0],
          ],
        ],
      }).success,
    ).toBe(false);
    expect(areaGeometry.safeParse({ type: 'Point', coordinates: [0, 0] }).success).toBe(false);
  });
});

describe('emails', () => {
  it('are trimmed and lower-cased', () => {
    expect(email.parse('  Ada@Example.ORG ')).toBe('ada@example.org');
    expect(email.safeParse('not an email').success).toBe(false);
  });
});

describe('API keys', () => {
  it('have a recognisable prefix and enough entropy', async () => {
    const a = await generateApiKey();
    const b = await generateApiKey();
    expect(a.key).toMatch(/^etk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeApiKey(a.key)).toBe(true);
    expect(a.key).not.toBe(b.key);
    expect(a.secretHash).toMatch(/^[0-9a-f]{64}$/);
    // The secret is everything after the prefix and the id (it may hold '_' itself: base64url).
    const secret = a.key.slice('etk_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(a.secretHash).not.toContain(secret);
  });
});

describe('constant-time comparison', () => {
  it('compares contents and lengths', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
  });
});
