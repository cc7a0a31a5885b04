import { createDecoder, createSigner } from 'fast-jwt';
import type { JwtCodec } from './tokens.js';

/**
 * Signs with each tenant's RS256 key and decodes without verifying (verification is TokenService's).
 * One fast-jwt signer per tenant key: the private key is imported once, not on every token
 * (importing the PEM was 40 % of the token endpoint's CPU, issue #11).
 */
export function createJwtCodec(): JwtCodec {
  const signers = new Map<string, (payload: Record<string, unknown>) => string>();
  const decoder = createDecoder();
  return {
    // Every payload carries iat from the emulator clock; fast-jwt keeps a given iat, and noTimestamp would drop it.
    sign: (payload, key) => {
      let signer = signers.get(key.kid);
      if (!signer) {
        signer = createSigner({ key: key.privateKeyPem, algorithm: 'RS256', kid: key.kid }) as (payload: Record<string, unknown>) => string;
        signers.set(key.kid, signer);
      }
      return signer(payload);
    },
    decode: (token) => {
      try {
        const payload: unknown = decoder(token);
        return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
