import { importJWK, type JWK } from 'jose';

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: ImportedKey;
  publicKey: ImportedKey;
  publicJwk: JWK;
}

export interface SigningKeySet {
  /** Signs every new token. */
  active: SigningKey;
  /** Every key still accepted for verification, by `kid` (the active one and those being rotated out). */
  byKid: Map<string, SigningKey>;
}

const ALLOWED_ALGS = new Set(['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256']);

/** Parsed once per isolate: importing keys is the slow part of verifying a token. */
let cache: { source: string; keys: Promise<SigningKeySet> } | undefined;

/**
 * `JWT_SIGNING_KEYS` is `{"keys":[<private JWK with kid and alg>, ...]}`. The first key signs; all
 * verify. To rotate: prepend a new key, deploy, and drop the old one once its tokens have expired.
 */
export function signingKeys(source: string): Promise<SigningKeySet> {
  if (cache?.source !== source) cache = { source, keys: parseKeys(source) };
  return cache.keys;
}

async function parseKeys(source: string): Promise<SigningKeySet> {
  let parsed: { keys?: JWK[] };
  try {
    parsed = JSON.parse(source) as { keys?: JWK[] };
  } catch {
    throw new Error('JWT_SIGNING_KEYS is not valid JSON');
  }
  const jwks = parsed.keys ?? [];
  if (jwks.length === 0) throw new Error('JWT_SIGNING_KEYS holds no keys');
  const keys = await Promise.all(
    jwks.map(async (jwk): Promise<SigningKey> => {
      const { kid, alg } = jwk;
      if (!kid || !alg || !ALLOWED_ALGS.has(alg))
        throw new Error('every signing key needs a kid and an asymmetric alg');
      if (!jwk.d) throw new Error(`signing key ${kid} is not a private key`);
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicJwk } = jwk;
      return {
        kid,
        alg,
        privateKey: await importJWK(jwk, alg),
        publicKey: await importJWK(publicJwk, alg),
        publicJwk: { ...publicJwk, use: 'sig' },
      };
    }),
  );
  return { active: keys[0]!, byKid: new Map(keys.map((k) => [k.kid, k])) };
}
