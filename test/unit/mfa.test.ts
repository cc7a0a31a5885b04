import { describe, expect, it } from 'vitest';
import { currentCode, otpauthUri, TOTP_PERIOD, verifyCode } from '../../src/auth/mfa.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const at = (seconds: number) => seconds * 1000;

describe('currentCode', () => {
  it('base32 of the RFC 6238 seed is the secret the tests use', () => {
    // Guards the vectors below: the secret must be the RFC's seed, not a look-alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const bits = [...RFC_SECRET].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
    const bytes = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    expect(bytes.toString('ascii')).toBe('12345678901234567890');
  });

  // The RFC lists 8-digit codes; a 6-digit code is the last six of them.
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches the RFC 6238 test vector at T=%i s (%s)', (seconds, rfcCode) => {
    expect(currentCode(RFC_SECRET, at(seconds)).code).toBe(rfcCode.slice(2));
  });

  it('keeps leading zeros', () => {
    expect(currentCode(RFC_SECRET, at(1111111109)).code).toBe('081804');
    expect(currentCode(RFC_SECRET, at(1234567890)).code).toBe('005924');
  });

  it('stays the same for the whole 30-second step and changes with the next one', () => {
    const start = at(1111111110); // a multiple of 30 s
    const code = currentCode(RFC_SECRET, start).code;
    expect(currentCode(RFC_SECRET, start + 29_999).code).toBe(code);
    expect(currentCode(RFC_SECRET, start + 30_000).code).not.toBe(code);
  });

  it('says how many seconds the code has left, counting down within the step', () => {
    const start = at(1111111110);
    expect(currentCode(RFC_SECRET, start).validForSeconds).toBe(30);
    expect(currentCode(RFC_SECRET, start + 1_000).validForSeconds).toBe(29);
    expect(currentCode(RFC_SECRET, start + 20_500).validForSeconds).toBe(10);
    expect(currentCode(RFC_SECRET, start + 29_999).validForSeconds).toBe(1);
    expect(currentCode(RFC_SECRET, start + 30_000).validForSeconds).toBe(30);
  });

  it('never says a code has 0 or more than 30 seconds left', () => {
    for (let ms = 0; ms < 2 * TOTP_PERIOD * 1000; ms += 250) {
      const { validForSeconds } = currentCode(RFC_SECRET, at(1234567890) + ms);
      expect(validForSeconds).toBeGreaterThanOrEqual(1);
      expect(validForSeconds).toBeLessThanOrEqual(30);
    }
  });
});

describe('verifyCode', () => {
  const now = at(1111111125); // mid-step
  const codeAt = (offsetSteps: number) => currentCode(RFC_SECRET, now + offsetSteps * TOTP_PERIOD * 1000).code;

  it('accepts the current code', () => {
    expect(verifyCode(RFC_SECRET, codeAt(0), now)).toBe(true);
  });

  it('accepts the code of the step before and the step after (clock drift)', () => {
    expect(verifyCode(RFC_SECRET, codeAt(-1), now)).toBe(true);
    expect(verifyCode(RFC_SECRET, codeAt(1), now)).toBe(true);
  });

  it('rejects a code two steps old or two steps ahead', () => {
    expect(verifyCode(RFC_SECRET, codeAt(-2), now)).toBe(false);
    expect(verifyCode(RFC_SECRET, codeAt(2), now)).toBe(false);
  });

  it('rejects a code from long ago', () => {
    expect(verifyCode(RFC_SECRET, '287082', now)).toBe(false);
  });

  it('rejects a code made with another secret', () => {
    const other = currentCode('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', now).code;
    expect(other).not.toBe(codeAt(0));
    expect(verifyCode(RFC_SECRET, other, now)).toBe(false);
  });

  it('accepts the current code with surrounding spaces, as pasted', () => {
    expect(verifyCode(RFC_SECRET, ` ${codeAt(0)} `, now)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['28708', 'five digits'],
    ['2870820', 'seven digits'],
    ['94287082', 'the 8-digit RFC form'],
    ['abcdef', 'letters'],
    ['287 082', 'a space inside'],
    ['-28708', 'a sign'],
  ])('rejects %j (%s)', (code) => {
    expect(verifyCode(RFC_SECRET, code, at(59))).toBe(false);
  });
});

describe('otpauthUri', () => {
  const uri = otpauthUri(RFC_SECRET, 'pimuser@contoso.onmicrosoft.com');

  it('is an otpauth://totp/ URI an authenticator app can scan', () => {
    expect(uri.startsWith('otpauth://totp/')).toBe(true);
  });

  it('carries the secret, SHA-1, 6 digits and a 30-second period', () => {
    const params = new URL(uri).searchParams;
    expect(params.get('secret')).toBe(RFC_SECRET);
    expect(params.get('algorithm')).toBe('SHA1');
    expect(params.get('digits')).toBe('6');
    expect(params.get('period')).toBe('30');
  });

  it("names the user and the emulator so the entry is recognisable in the app", () => {
    expect(decodeURIComponent(uri)).toContain('pimuser@contoso.onmicrosoft.com');
    expect(new URL(uri).searchParams.get('issuer')).toBe('entra-pim-emulator');
  });
});
