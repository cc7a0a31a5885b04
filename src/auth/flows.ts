import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * What the interactive grants leave between requests, kept in memory (like Entra's own
 * short-lived state, it does not survive a restart): authorization codes, device codes and the
 * refresh tokens already redeemed. Times are emulator-clock milliseconds, given by the caller.
 */

/** Entra's codes live about 10 minutes (v2-oauth2-auth-code-flow: "Authorization codes are short lived"). */
export const AUTH_CODE_MS = 10 * 60_000;
/** Entra's device codes: expires_in 900, interval 5 (v2-oauth2-device-code). */
export const DEVICE_CODE_SECONDS = 900;
export const DEVICE_POLL_SECONDS = 5;
/** After their expiry, codes are still recognised this long, to answer "expired" rather than "unknown". */
const FORGET_AFTER_MS = 60 * 60_000;

export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type PkceMethod = 'S256' | 'plain';

/** Who signed in, and how: what a completed interactive sign-in binds to a code. */
export interface SignedIn {
  tenantId: string;
  userId: string;
  amr: string[];
  acrs: string[];
}

export interface AuthorizationCode extends SignedIn {
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: PkceMethod | undefined;
  expiresAtMs: number;
  redeemed: boolean;
}

export type DeviceStatus = 'pending' | 'approved' | 'declined' | 'redeemed';

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  /** The tenant of the /devicecode URL, or undefined for common/organizations (the user decides). */
  tenantId: string | undefined;
  tenantKey: string;
  clientId: string;
  clientName: string;
  scope: string;
  /** From the claims parameter: acrs asked for make MFA required. */
  acrs: string[];
  mfaRequired: boolean;
  expiresAtMs: number;
  /** Polling rate is real time (clients poll with real timers), so it is measured on the wall clock. */
  intervalMs: number;
  lastPollWallMs: number | undefined;
  status: DeviceStatus;
  signedIn: SignedIn | undefined;
}

export type DeviceLookup =
  | { ok: true; device: DeviceAuthorization }
  | { ok: false; reason: 'unknown' | 'expired' | 'used'; device?: DeviceAuthorization };

/** Letters and digits nobody misreads: no 0/O, 1/I/L. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const USER_CODE_LENGTH = 9;

export class AuthFlows {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly devices = new Map<string, DeviceAuthorization>();
  private readonly userCodes = new Map<string, string>();
  /** jti → expiry (ms) of refresh tokens already exchanged. */
  private readonly redeemedRefresh = new Map<string, number>();

  /** Forget everything (POST /_emulator/reset). */
  clear(): void {
    this.codes.clear();
    this.devices.clear();
    this.userCodes.clear();
    this.redeemedRefresh.clear();
  }

  // ---- authorization codes ----

  issueCode(c: Omit<AuthorizationCode, 'expiresAtMs' | 'redeemed'>, nowMs: number): string {
    this.prune(nowMs);
    // Opaque and unguessable; the shape of Entra's codes carries no meaning for clients.
    const code = `1.${randomBytes(48).toString('base64url')}`;
    this.codes.set(code, { ...c, expiresAtMs: nowMs + AUTH_CODE_MS, redeemed: false });
    return code;
  }

  findCode(code: string): AuthorizationCode | undefined {
    return this.codes.get(code);
  }

  // ---- device codes ----

  startDevice(d: Omit<DeviceAuthorization, 'deviceCode' | 'userCode' | 'expiresAtMs' | 'intervalMs' | 'lastPollWallMs' | 'status' | 'signedIn'>, nowMs: number): DeviceAuthorization {
    this.prune(nowMs);
    let userCode: string;
    do {
      userCode = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
    } while (this.userCodes.has(userCode));
    const device: DeviceAuthorization = {
      ...d,
      deviceCode: randomBytes(96).toString('base64url'),
      userCode,
      expiresAtMs: nowMs + DEVICE_CODE_SECONDS * 1000,
      intervalMs: DEVICE_POLL_SECONDS * 1000,
      lastPollWallMs: undefined,
      status: 'pending',
      signedIn: undefined,
    };
    this.devices.set(device.deviceCode, device);
    this.userCodes.set(userCode, device.deviceCode);
    return device;
  }

  findDevice(deviceCode: string): DeviceAuthorization | undefined {
    return this.devices.get(deviceCode);
  }

  /** A device authorization the user may still approve or decline, by its user code (any case, spaces and dashes ignored). */
  pendingByUserCode(userCode: string, nowMs: number): DeviceLookup {
    const deviceCode = this.userCodes.get(normaliseUserCode(userCode));
    return this.pending(deviceCode === undefined ? undefined : this.devices.get(deviceCode), nowMs);
  }

  pendingByDeviceCode(deviceCode: string, nowMs: number): DeviceLookup {
    return this.pending(this.devices.get(deviceCode), nowMs);
  }

  /** The user signed in at /devicelogin (or the control plane said so): the next poll gets the tokens. */
  approveDevice(device: DeviceAuthorization, signedIn: SignedIn): void {
    device.status = 'approved';
    device.signedIn = signedIn;
  }

  /** The user pressed Cancel: the next poll gets authorization_declined. */
  declineDevice(device: DeviceAuthorization): void {
    device.status = 'declined';
  }

  private pending(device: DeviceAuthorization | undefined, nowMs: number): DeviceLookup {
    if (!device) return { ok: false, reason: 'unknown' };
    if (device.status !== 'pending') return { ok: false, reason: 'used', device };
    if (nowMs >= device.expiresAtMs) return { ok: false, reason: 'expired', device };
    return { ok: true, device };
  }

  // ---- refresh tokens ----

  /** Marks a refresh token used; false when it already was (refresh tokens rotate). */
  redeemRefreshToken(jti: string, expiresAtMs: number, nowMs: number): boolean {
    if (this.redeemedRefresh.has(jti)) return false;
    if (this.redeemedRefresh.size % 256 === 255) this.prune(nowMs);
    this.redeemedRefresh.set(jti, expiresAtMs);
    return true;
  }

  private prune(nowMs: number): void {
    for (const [k, c] of this.codes) if (nowMs > c.expiresAtMs + FORGET_AFTER_MS) this.codes.delete(k);
    for (const [k, d] of this.devices) {
      if (nowMs > d.expiresAtMs + FORGET_AFTER_MS) {
        this.devices.delete(k);
        this.userCodes.delete(d.userCode);
      }
    }
    for (const [k, exp] of this.redeemedRefresh) if (nowMs > exp) this.redeemedRefresh.delete(k);
  }
}

export function normaliseUserCode(s: string): string {
  return s.replace(/[\s-]/g, '').toUpperCase();
}

/** RFC 7636 §4.6: S256 compares BASE64URL(SHA256(verifier)) with the challenge; plain compares them as they are. */
export function pkceMatches(verifier: string, challenge: string, method: PkceMethod): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
