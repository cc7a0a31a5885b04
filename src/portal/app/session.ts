import { ARM_SCOPE, CLIENT_ID, SCOPE, redirectUri, KEY } from './config.js';
import { store } from './dom.js';
import { flash } from './flash.js';
import { decodeJwt } from './format.js';
import { b64url, randomString, sha256 } from './pkce.js';
import type { Claims, Obj, Session } from './types.js';

// ------------------------------------------------------------------ sign-in (authorization code + PKCE)

export const session = (): Session | null => store.get(KEY.session);
export const me = (): Claims | null => session()?.claims ?? null;
export const hasMfa = (): boolean => (me()?.amr ?? []).includes('mfa');

const userChanged: (() => void)[] = [];
/**
 * Runs `fn` whenever this window's user changes: a sign-in completed, a sign-out, a session borrowed
 * from another tab (not a token refresh). pim.ts forgets its role names so; registered here, not
 * imported, so that the sign-in does not depend on what reads Graph with it.
 */
export function onUserChange(fn: () => void): void {
  userChanged.push(fn);
}
const userChange = (): void => {
  for (const fn of userChanged) fn();
};

export function setSession(tenant: string, body: Obj): void {
  const claims = decodeJwt(body.access_token) as unknown as Claims;
  store.set(KEY.session, { tenant, accessToken: body.access_token, refreshToken: body.refresh_token, claims });
}

/**
 * Starts a sign-in: to the emulator's authorize page, back to /portal/ with a code. `returnTo` is the
 * screen to come back to (the activation pane after a step-up).
 */
export interface SignInOptions {
  tenant: string;
  loginHint?: string;
  mfa?: boolean;
  returnTo?: string;
  purpose?: 'signin' | 'stepup';
  claims?: string | null;
}
export async function startSignIn({ tenant, loginHint, mfa = true, returnTo = location.hash || '#/', purpose = 'signin', claims }: SignInOptions): Promise<void> {
  const verifier = randomString(32);
  const state = randomString(16);
  const challenge = b64url(await sha256(verifier));
  store.set(KEY.pending, { verifier, state, tenant, returnTo, purpose });
  const q = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri(),
    response_mode: 'query',
    scope: SCOPE,
    state,
    nonce: randomString(16),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'login',
  });
  // Microsoft enforces MFA on its admin portals; the emulator's "without MFA" choice leaves it out.
  if (mfa) q.set('amr_values', 'mfa');
  if (loginHint) q.set('login_hint', loginHint);
  if (claims) q.set('claims', claims);
  location.assign(`/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize?${q}`);
}

/** Back from the sign-in pages: redeem the code, then go where the sign-in started. */
export async function completeSignIn(): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return;
  const pending = store.get(KEY.pending);
  store.drop(KEY.pending);
  history.replaceState(null, '', `/portal/${pending?.returnTo ?? '#/'}`);
  if (params.has('error')) {
    flash('error', `Sign-in did not complete: ${params.get('error')}: ${params.get('error_description') ?? ''}`);
    return;
  }
  if (!pending || params.get('state') !== pending.state) {
    flash('error', 'Sign-in did not complete: the answer does not belong to a sign-in this window started (state mismatch). Sign in again.');
    return;
  }
  const res = await fetch(`/${encodeURIComponent(pending.tenant)}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code: params.get('code') ?? '', redirect_uri: redirectUri(), code_verifier: pending.verifier, scope: SCOPE }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    flash('error', `Sign-in did not complete: ${body.error_description ?? body.error ?? res.status}`);
    return;
  }
  setSession(pending.tenant, body);
  userChange();
  store.set(KEY.tenant, pending.tenant);
  if (pending.purpose === 'stepup') {
    flash('ok', hasMfa() ? 'Additional verification complete: your sign-in now includes multi-factor authentication. Select Activate to continue.' : 'The sign-in completed without multi-factor authentication.');
  }
}

// Refresh tokens rotate (each use spends the one sent): the Graph refresh and the ARM token request
// share one, so they take turns.
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const p = turn.then(fn, fn);
  turn = p.catch(() => undefined);
  return p;
}

let refreshing: Promise<boolean> | undefined;
/** refresh_token grant: a new access token (the emulator clock may have moved past the old one's expiry). */
export function refreshTokens(): Promise<boolean> {
  const s0 = session();
  if (!s0?.refreshToken) return Promise.resolve(false);
  refreshing ??= inTurn(async () => {
    const s = session();
    if (!s?.refreshToken) return false;
    try {
      const res = await fetch(`/${encodeURIComponent(s.tenant)}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: s.refreshToken ?? '', scope: SCOPE }),
      });
      if (!res.ok) return false;
      setSession(s.tenant, await res.json());
      return true;
    } catch {
      return false;
    } finally {
      refreshing = undefined;
    }
  });
  return refreshing;
}

let armFetching: Promise<string | null> | undefined;
/**
 * An access token for Azure Resource Manager: the same sign-in's refresh token redeemed for the
 * https://management.azure.com scope (as MSAL asks Entra for a second resource), kept in the session
 * until `nowSec` passes its expiry or `force` asks again. Null when the session has no refresh token.
 */
export function armAccessToken(nowSec: number, force = false): Promise<string | null> {
  const s0 = session();
  if (!s0) return Promise.resolve(null);
  if (!force && s0.armToken && (s0.armExp ?? 0) > nowSec + 60) return Promise.resolve(s0.armToken);
  armFetching ??= inTurn(async () => {
    const s = session();
    if (!s?.refreshToken) return null;
    try {
      const res = await fetch(`/${encodeURIComponent(s.tenant)}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: s.refreshToken, scope: ARM_SCOPE }),
      });
      if (!res.ok) return null;
      const body = await res.json();
      const claims = decodeJwt(body.access_token) as unknown as Claims;
      store.set(KEY.session, { ...s, refreshToken: body.refresh_token ?? s.refreshToken, armToken: body.access_token, armExp: claims.exp });
      return body.access_token as string;
    } catch {
      return null;
    } finally {
      armFetching = undefined;
    }
  });
  return armFetching;
}

export function signOut(): void {
  store.drop(KEY.session);
  store.drop(KEY.draft);
  userChange();
}

// ------------------------------------------------------------------ one browser, several tabs
// Sessions live in sessionStorage: one persona per window, as the article's two browsers. A link
// from a mail opens a new tab, though, where the participant is already signed in next door: that
// tab may borrow the session of another tab of this browser (BroadcastChannel: this origin only).

const CHANNEL = 'pimPortal.sessions';
type SessionMessage = { type: 'ask'; id: string; tenant?: string } | { type: 'session'; id: string; session: Session };

/** Answers the other tabs of this browser that ask for a session of this tab's tenant. */
export function shareSession(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (ev: MessageEvent<SessionMessage>) => {
    const s = session();
    if (ev.data?.type !== 'ask' || !s || (ev.data.tenant && ev.data.tenant !== s.tenant)) return;
    // The access token only: refresh tokens are spent on use, and two tabs refreshing one would end both.
    channel.postMessage({ type: 'session', id: ev.data.id, session: { ...s, refreshToken: undefined } } satisfies SessionMessage);
  };
}

/**
 * Signs this tab in with the session of another tab of this browser in `tenant`, when one answers
 * within `waitMs`; false when none does (nobody is signed in to it in this browser).
 */
export function borrowSession(tenant: string | undefined, waitMs = 500): Promise<boolean> {
  if (typeof BroadcastChannel === 'undefined') return Promise.resolve(false);
  const channel = new BroadcastChannel(CHANNEL);
  const id = randomString(8);
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      channel.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    channel.onmessage = (ev: MessageEvent<SessionMessage>) => {
      if (ev.data?.type !== 'session' || ev.data.id !== id || session()) return;
      store.set(KEY.session, ev.data.session);
      store.set(KEY.tenant, ev.data.session.tenant);
      userChange();
      done(true);
    };
    channel.postMessage({ type: 'ask', id, ...(tenant ? { tenant } : {}) } satisfies SessionMessage);
  });
}
