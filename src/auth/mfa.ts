import * as OTPAuth from 'otpauth';

/**
 * Simulated authenticator: every user has a TOTP secret (RFC 6238, SHA-1, 30 s, 6 digits)
 * evaluated against the emulator clock, so moving the clock moves the codes too.
 */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;

function totp(secret: string, label = 'user', issuer = 'entra-pim-emulator'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD, secret: OTPAuth.Secret.fromBase32(secret) });
}

export function currentCode(secret: string, nowMs: number): { code: string; validForSeconds: number } {
  const code = totp(secret).generate({ timestamp: nowMs });
  const validForSeconds = TOTP_PERIOD - Math.floor(nowMs / 1000) % TOTP_PERIOD;
  return { code, validForSeconds };
}

/** Accepts the current code and the one before or after it (one step of drift, as authenticator servers do). */
export function verifyCode(secret: string, code: string, nowMs: number): boolean {
  if (!/^\d{6}$/.test(code.trim())) return false;
  return totp(secret).validate({ token: code.trim(), timestamp: nowMs, window: 1 }) !== null;
}

/** An otpauth:// URI, so a participant can also add the fake user to a real authenticator app. */
export function otpauthUri(secret: string, upn: string): string {
  return totp(secret, upn).toString();
}
