import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { SigningKey, Store } from '../store/store.js';

/**
 * Per-tenant RS256 signing keys, created on first use and kept in the store so tokens stay
 * valid across restarts. The kid is the RFC 7638 thumbprint of the public key.
 */
export async function signingKey(store: Store, tenantId: string): Promise<SigningKey> {
  const existing = store.system().signingKeys[tenantId];
  if (existing) return existing;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const kid = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
  const key: SigningKey = {
    kid,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, alg: 'RS256' },
  };
  // Another request may have created one meanwhile; the first stored key wins.
  return store.updateSystem((s) => (s.signingKeys[tenantId] ??= key));
}

export function publicKeyPem(key: SigningKey): string {
  return createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
}
