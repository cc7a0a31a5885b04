// The PIM workshop portal: a single-page app that walks the article's five phases in a browser.
// It is an OAuth client of the emulator like any other: it signs in through /{tenant}/oauth2/v2.0/authorize
// (authorization code + PKCE S256, amr_values=mfa as Microsoft enforces MFA on admin portals),
// redeems the code at /token, keeps the tokens in sessionStorage, and calls only Microsoft Graph
// (/v1.0, /beta) with them, plus the emulator's own control plane (/_emulator) for what Entra does
// not have: the clock, MFA codes, the captured inbox, reset. No framework, no build step, nothing
// loaded from elsewhere. Screens are named as the article names them.

const CLIENT_ID = 'a7e3c1d2-5b4f-4e86-9d0a-3f2b1c6e8d47'; // PORTAL_CLIENT_ID in src/auth/clients.ts
const SCOPE = 'openid profile offline_access https://graph.microsoft.com/.default';
/** The portal's own address on whatever origin the browser reached the emulator by. */
const redirectUri = () => `${location.origin}/portal/`;
const KEY = { session: 'pimPortal.session', pending: 'pimPortal.pending', draft: 'pimPortal.draft', flash: 'pimPortal.flash', tenant: 'pimPortal.tenant', skipMfa: 'pimPortal.skipMfa', keys: 'pimPortal.keys', adminKey: 'pimPortal.adminKey' };
const DIRECTORY_ROLE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";
const RM = '/v1.0/roleManagement/directory';

// ------------------------------------------------------------------ small helpers

const $ = (sel, root = document) => root.querySelector(sel);
const store = {
  get: (k) => {
    try {
      return JSON.parse(sessionStorage.getItem(k) ?? 'null');
    } catch {
      return null;
    }
  },
  set: (k, v) => sessionStorage.setItem(k, JSON.stringify(v)),
  drop: (k) => sessionStorage.removeItem(k),
};
/** What this browser keeps across its tabs: the team's tenant keys and the instructor's admin key. */
const kept = {
  get: (k) => {
    try {
      return JSON.parse(localStorage.getItem(k) ?? 'null');
    } catch {
      return null;
    }
  },
  set: (k, v) => localStorage.setItem(k, JSON.stringify(v)),
  drop: (k) => localStorage.removeItem(k),
};

/** Builds an element. Text is always set as text (never HTML), so data from the API cannot inject markup. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') value = v;
    else if (k === 'checked' || k === 'selected' || k === 'indeterminate') el[k] = Boolean(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  if (value !== undefined) el.value = String(value);
  return el;
}
/** replaceChildren / append that flatten arrays and skip empty values, like h(). */
const fill = (el, ...children) => {
  el.replaceChildren();
  return add(el, children);
};
const put = (el, ...children) => add(el, children);
function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false || c === true) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let liveTimer;
/** Announces a status to screen readers (the visible text is shown separately). */
function announce(text) {
  const live = $('#live');
  live.textContent = '';
  clearTimeout(liveTimer);
  liveTimer = setTimeout(() => (live.textContent = text), 60);
}

function flash(kind, text, extra) {
  store.set(KEY.flash, { kind, text, extra });
}
function takeFlash() {
  const f = store.get(KEY.flash);
  store.drop(KEY.flash);
  if (!f) return null;
  announce(f.text);
  return h('div', { class: `banner ${f.kind}`, role: f.kind === 'error' ? 'alert' : 'status', id: 'flash' },
    h('p', { text: f.text }),
    f.extra?.stages ? stagesList(f.extra.stages.map((name) => [name, 'done'])) : null);
}

const pad = (n) => String(n).padStart(2, '0');
/** A date-time for people, in the browser's time zone. */
function fmt(v) {
  if (v === null || v === undefined || v === '') return '-';
  const d = new Date(typeof v === 'number' ? v : Date.parse(v));
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/** The value of an <input type=datetime-local> for an instant. */
const toLocalInput = (ms) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** ISO 8601 durations as Graph writes them (PT8H, PT1H30M, P90D) → milliseconds. */
function durationMs(iso) {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso ?? '');
  if (!m) return NaN;
  const [, w, d, hh, mm, ss] = m.map((x) => Number(x ?? 0));
  return ((((w * 7 + d) * 24 + hh) * 60 + mm) * 60 + ss) * 1000;
}
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Hours (0.5 steps) → PT8H / PT7H30M. */
function hoursToIso(hours) {
  const whole = Math.floor(hours);
  const minutes = Math.round((hours - whole) * 60);
  return `PT${whole ? `${whole}H` : ''}${minutes ? `${minutes}M` : ''}` || 'PT0H';
}
function describeDuration(iso) {
  const ms = durationMs(iso);
  if (Number.isNaN(ms)) return iso ?? '-';
  if (ms % DAY === 0 && ms >= DAY) return `${ms / DAY} day(s)`;
  return `${Math.round((ms / HOUR) * 100) / 100} hour(s)`;
}
const hoursText = (hours) => `${hours} hour(s)`;

function decodeJwt(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

// ------------------------------------------------------------------ PKCE

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
const randomString = (n = 32) => b64url(crypto.getRandomValues(new Uint8Array(n)));

async function sha256(text) {
  const data = new TextEncoder().encode(text);
  // crypto.subtle exists only in secure contexts (https, localhost): a workshop reaching the
  // emulator over plain http on a LAN address gets the small implementation below.
  if (globalThis.crypto?.subtle) return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return sha256Fallback(data);
}

const SHA256_K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
/** FIPS 180-4 SHA-256 over bytes (only for the PKCE challenge when crypto.subtle is missing). */
export function sha256Fallback(msg) {
  const total = Math.ceil((msg.length + 9) / 64) * 64;
  const buf = new Uint8Array(total);
  buf.set(msg);
  buf[msg.length] = 0x80;
  const view = new DataView(buf.buffer);
  view.setUint32(total - 8, Math.floor(msg.length / 0x20000000));
  view.setUint32(total - 4, (msg.length * 8) >>> 0);
  const hv = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = hv;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    [a, b, c, d, e, f, g, hh].forEach((x, i) => (hv[i] = (hv[i] + x) >>> 0));
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  hv.forEach((x, i) => ov.setUint32(i * 4, x));
  return out;
}

// ------------------------------------------------------------------ sign-in (authorization code + PKCE)

const session = () => store.get(KEY.session);
const me = () => session()?.claims ?? null;
const hasMfa = () => (me()?.amr ?? []).includes('mfa');

function setSession(tenant, body) {
  const claims = decodeJwt(body.access_token);
  store.set(KEY.session, { tenant, accessToken: body.access_token, refreshToken: body.refresh_token, claims });
}

/**
 * Starts a sign-in: to the emulator's authorize page, back to /portal/ with a code. `returnTo` is the
 * screen to come back to (the activation pane after a step-up).
 */
async function startSignIn({ tenant, loginHint, mfa = true, returnTo = location.hash || '#/', purpose = 'signin', claims } = {}) {
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
async function completeSignIn() {
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
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code: params.get('code'), redirect_uri: redirectUri(), code_verifier: pending.verifier, scope: SCOPE }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    flash('error', `Sign-in did not complete: ${body.error_description ?? body.error ?? res.status}`);
    return;
  }
  setSession(pending.tenant, body);
  roleCache = undefined;
  store.set(KEY.tenant, pending.tenant);
  if (pending.purpose === 'stepup') {
    flash('ok', hasMfa() ? 'Additional verification complete: your sign-in now includes multi-factor authentication. Select Activate to continue.' : 'The sign-in completed without multi-factor authentication.');
  }
}

let refreshing;
/** refresh_token grant: a new access token (the emulator clock may have moved past the old one's expiry). */
function refreshTokens() {
  const s = session();
  if (!s?.refreshToken) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const res = await fetch(`/${encodeURIComponent(s.tenant)}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: s.refreshToken, scope: SCOPE }),
      });
      if (!res.ok) return false;
      setSession(s.tenant, await res.json());
      return true;
    } catch {
      return false;
    } finally {
      refreshing = undefined;
    }
  })();
  return refreshing;
}

function signOut() {
  store.drop(KEY.session);
  store.drop(KEY.draft);
  roleCache = undefined;
}

// ------------------------------------------------------------------ calling Graph and the control plane

class GraphFailure extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? '';
  }
}
class SignedOut extends Error {}

/** A Graph call with the signed-in user's token; refreshes once on 401 (tokens live one hour on the emulator clock). */
async function graph(path, { method = 'GET', body } = {}) {
  const s = session();
  if (!s) throw new SignedOut('Sign in to continue.');
  if ((s.claims.exp ?? 0) * 1000 <= emuNow() + 60_000) await refreshTokens();
  const send = () =>
    fetch(path, {
      method,
      headers: { authorization: `Bearer ${session().accessToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  let res = await send();
  if (res.status === 401 && (await refreshTokens())) res = await send();
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401) throw new SignedOut(`Your session has expired (${json?.error?.message ?? 'InvalidAuthenticationToken'}). Sign in again.`);
  if (!res.ok) throw new GraphFailure(res.status, json?.error);
  return json;
}
const list = async (path) => (await graph(path)).value ?? [];

// ------------------------------------------------------------------ control-plane keys (issue #12)
// With an admin key set (a workshop), each tenant's control plane (/_emulator/tenants/{t}/…) takes
// that tenant's key, handed out once when the team creates its tenant; the instructor's admin key
// reaches everything. This browser keeps the keys it was given (localStorage: every tab of it).

/** { keysRequired, scope, tenant } from GET /_emulator/access; open until the emulator says otherwise. */
let access = { keysRequired: false, scope: 'none' };
const adminKey = () => kept.get(KEY.adminKey);
const tenantKeys = () => kept.get(KEY.keys) ?? {};
const keyFor = (tenant) => adminKey() ?? (tenant ? tenantKeys()[tenant] : undefined);
function rememberKey(tenant, key) {
  kept.set(KEY.keys, { ...tenantKeys(), [tenant]: key });
}
/** The admin's view (every tenant): no keys in force, or the admin key held. */
const instructor = () => !access.keysRequired || access.scope === 'admin';
/** May this browser act on this tenant's control plane? */
const reaches = (tenant) => !access.keysRequired || Boolean(keyFor(tenant));
/** The tenant this window works in: the signed-in one, else the one chosen on the sign-in page. */
const myTenant = () => session()?.tenant ?? store.get(KEY.tenant) ?? undefined;
async function syncAccess() {
  try {
    access = await emu('/access');
    // A remembered admin key that no longer works (a restart with a new one) is forgotten.
    if (adminKey() && access.scope !== 'admin') kept.drop(KEY.adminKey);
  } catch {
    /* keep the last answer */
  }
}
/** A tenant with its personas: from the list when the key reaches it, else from its own entry (with its key). */
async function withPersonas(t) {
  if (!t || t.users) return t;
  if (!reaches(t.name)) return { ...t, users: null };
  try {
    return await emu(`/tenants/${encodeURIComponent(t.name)}`);
  } catch {
    return { ...t, users: null };
  }
}

async function emu(path, { method = 'GET', body, key } = {}) {
  // The key for a tenant's own control plane is that tenant's; anything else takes the admin key.
  const m = /^\/tenants\/([^/?]+)[/?]?/.exec(path);
  const sent = key ?? (m ? keyFor(decodeURIComponent(m[1])) : adminKey());
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (sent) headers.authorization = `Bearer ${sent}`;
  const res = await fetch(`/_emulator${path}`, {
    method,
    headers,
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new GraphFailure(res.status, json?.error);
  return json;
}

// The emulator's clock, not the machine's: expiry, "expired" and defaults are judged against it.
let clockOffset = 0;
let clockFrozen = false;
const emuNow = () => Date.now() + clockOffset;
async function syncClock() {
  try {
    // This tenant's clock (each tenant runs on its own offset); the instance clock when it cannot be read.
    const t = myTenant();
    const c = (t && reaches(t) ? await emu(`/tenants/${encodeURIComponent(t)}/clock`).catch(() => null) : null) ?? await emu('/clock');
    clockOffset = Date.parse(c.now) - Date.now();
    clockFrozen = c.frozen;
  } catch {
    /* offline or restarting: keep the last offset */
  }
  paintClock();
}
function paintClock() {
  const chip = $('#clock-chip');
  if (chip) chip.textContent = `Emulator clock: ${fmt(emuNow())}${clockFrozen ? ' (frozen)' : ''}`;
}

let roleCache;
/** Role definitions by id (names for every table). */
async function roles() {
  roleCache ??= list(`${RM}/roleDefinitions?$select=id,displayName,description,isBuiltIn`)
    .then((v) => new Map(v.map((r) => [r.id, r])))
    .catch((e) => {
      roleCache = undefined;
      throw e;
    });
  return roleCache;
}
const roleName = (map, id) => map.get(id)?.displayName ?? id;

// ------------------------------------------------------------------ errors in words

/** What each policy rule means, for the names Graph reports in RoleAssignmentRequestPolicyValidationFailed. */
const RULE_WORDS = {
  MfaRule: 'multi-factor authentication is required',
  JustificationRule: 'a justification (reason) is required',
  TicketingRule: 'ticket information (ticket number and ticket system) is required',
  ExpirationRule: 'the duration or end date is beyond what the role settings allow, or an end date is required',
  EligibilityRule: 'there is no eligible assignment to activate for this role',
  ApprovalRule: 'the request needs approval',
};

function failedRules(e) {
  if (!(e instanceof GraphFailure) || e.code !== 'RoleAssignmentRequestPolicyValidationFailed') return [];
  const m = /\[(.*)\]/.exec(e.message);
  try {
    return m ? JSON.parse(`[${m[1]}]`) : [];
  } catch {
    return [];
  }
}

function errorBanner(e, title = 'The request failed') {
  if (e instanceof SignedOut) {
    return h('div', { class: 'banner warn', role: 'alert' },
      h('p', { text: e.message }),
      h('p', {}, h('button', { class: 'primary', type: 'button', onclick: () => signInAgain() }, 'Sign in again')));
  }
  const rules = failedRules(e);
  if (rules.length) {
    return h('div', { class: 'banner error', role: 'alert', id: 'rule-failure' },
      h('p', {}, h('strong', { text: 'The role settings (policy) refused this request:' })),
      h('ul', {}, rules.map((r) => h('li', {}, h('span', { class: 'rule-name', text: r }), `: ${RULE_WORDS[r] ?? 'a policy rule failed'}`))),
      h('p', { class: 'hint' }, 'Microsoft Graph said: ', h('span', { class: 'code', text: `${e.code}: ${e.message}` })));
  }
  const words = {
    UnauthorizedAccessException: 'You do not hold a role that allows this (Privileged Role Administrator or Global Administrator for changes; a PIM reader role for reading others\u2019 data).',
    Authorization_RequestDenied: 'You do not have permission to read this.',
    AadPremiumLicenseRequired: 'This tenant has no Microsoft Entra ID P2 licence, so PIM is not available in it.',
    RoleAssignmentRequestAcrsValidationFailed: 'This role requires a Conditional Access authentication context: verify again to continue.',
    ActiveDurationTooShort: 'A role cannot be deactivated within five minutes of its activation.',
    RoleAssignmentExists: 'This assignment already exists.',
    RoleAssignmentDoesNotExist: 'There is no such assignment (it may have ended already).',
    PendingRoleAssignmentRequest: 'A request for this role is already waiting for approval.',
  };
  const code = e instanceof GraphFailure ? e.code : '';
  return h('div', { class: 'banner error', role: 'alert' },
    h('p', {}, h('strong', { text: `${title}.` }), words[code] ? ` ${words[code]}` : ''),
    h('p', { class: 'hint' }, e instanceof GraphFailure ? h('span', { class: 'code', text: `${e.status} ${code || 'Error'}: ${e.message}` }) : String(e?.message ?? e)));
}

function signInAgain() {
  const s = session();
  const tenant = s?.tenant ?? store.get(KEY.tenant) ?? 'contoso';
  const upn = s?.claims?.upn ?? s?.claims?.preferred_username;
  signOut();
  void startSignIn({ tenant, loginHint: upn, mfa: !store.get(KEY.skipMfa) });
}

// ------------------------------------------------------------------ routing and the shell

/** #/pim/my-roles/eligible?x=1 → { parts: ['pim','my-roles','eligible'], query } */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs ?? ''), hash: location.hash || '#/' };
}
const go = (hash) => {
  if (location.hash === hash) void render();
  else location.hash = hash;
};
/** Replaces the current screen's address without a history entry (a tab's default, say). */
const redirect = (hash) => {
  history.replaceState(null, '', hash);
  void render();
};

const NAV = [
  { label: 'Home', href: '#/', match: (p) => p.length === 0 },
  { label: 'Workshop guide', href: '#/guide', match: (p) => p[0] === 'guide' },
  { label: 'Privileged Identity Management', href: '#/pim', match: (p) => p[0] === 'pim' && p.length === 1, signedIn: true },
  { group: 'Tasks', signedIn: true },
  { label: 'My roles', href: '#/pim/my-roles', match: (p) => p[1] === 'my-roles', sub: true, signedIn: true },
  { label: 'My requests', href: '#/pim/my-requests', match: (p) => p[1] === 'my-requests', sub: true, signedIn: true },
  { label: 'Approve requests', href: '#/pim/approvals', match: (p) => p[1] === 'approvals', sub: true, signedIn: true },
  { group: 'Manage', signedIn: true },
  { label: 'Roles', href: '#/pim/roles', match: (p) => p[1] === 'roles', sub: true, signedIn: true },
  { label: 'Assignments', href: '#/pim/assignments', match: (p) => p[1] === 'assignments', sub: true, signedIn: true },
  { label: 'Settings', href: '#/pim/settings', match: (p) => p[1] === 'settings', sub: true, signedIn: true },
  { group: 'Activity', signedIn: true },
  { label: 'Audit history', href: '#/pim/audit', match: (p) => p[1] === 'audit', sub: true, signedIn: true },
  { rule: true },
  { label: 'Inbox', href: '#/inbox', match: (p) => p[0] === 'inbox' },
  { label: 'Emulator (not part of Entra)', href: '#/emulator', match: (p) => p[0] === 'emulator', emu: true },
];

function renderNav(route) {
  const signedIn = Boolean(session());
  const items = NAV.filter((n) => !n.signedIn || signedIn).map((n) => {
    if (n.group) return h('li', { class: 'group', 'aria-hidden': 'true', text: n.group });
    if (n.rule) return h('li', { 'aria-hidden': 'true' }, h('hr'));
    return h('li', { class: [n.sub ? 'sub' : '', n.emu ? 'emu-link' : ''].join(' ').trim() || undefined },
      h('a', { href: n.href, 'aria-current': n.match(route.parts) ? 'page' : undefined, text: n.label }));
  });
  fill($('#nav'), h('ul', {}, items));
}

function renderAccount() {
  const c = me();
  const box = $('#account');
  if (!c) {
    fill(box, h('a', { href: '#/', class: 'button command', style: 'color:#fff', text: 'Sign in' }));
    return;
  }
  fill(box, 
    h('div', { class: 'who' }, h('span', { text: c.name ?? c.upn }), h('small', { text: `${c.upn ?? ''} \u00b7 ${(c.amr ?? []).includes('mfa') ? 'MFA' : 'password only'}` })),
    h('button', { type: 'button', id: 'switch-user', onclick: () => go('#/emulator') }, 'Switch user'),
    h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); flash('ok', 'You signed out.'); go('#/'); } }, 'Sign out'),
  );
}

const SERVICES = [
  ['Workshop guide', '#/guide'],
  ['Privileged Identity Management', '#/pim'],
  ['My roles', '#/pim/my-roles'],
  ['My requests', '#/pim/my-requests'],
  ['Approve requests', '#/pim/approvals'],
  ['Roles (PIM)', '#/pim/roles'],
  ['Assignments (PIM)', '#/pim/assignments'],
  ['Settings (PIM role settings)', '#/pim/settings'],
  ['Audit history', '#/pim/audit'],
  ['Inbox', '#/inbox'],
  ['Emulator', '#/emulator'],
];
function setupSearch() {
  fill($('#search-services'), ...SERVICES.map(([name]) => h('option', { value: name })));
  $('#search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = $('#search-input').value.trim().toLowerCase();
    if (!q) return;
    const hit = SERVICES.find(([name]) => name.toLowerCase() === q) ?? SERVICES.find(([name]) => name.toLowerCase().includes(q));
    if (!hit) {
      announce(`No service matches "${q}".`);
      return;
    }
    $('#search-input').value = '';
    go(hit[1]);
  });
}

let cleanups = [];
/** Timers and listeners of the current screen, stopped when the screen changes. */
const onLeave = (fn) => cleanups.push(fn);
function every(ms, fn) {
  const id = setInterval(fn, ms);
  onLeave(() => clearInterval(id));
}

let renderSeq = 0;
let lastHash = null;
/** Renders the screen for the current hash. A newer render supersedes an unfinished one. */
async function render() {
  const seq = ++renderSeq;
  for (const fn of cleanups.splice(0)) fn();
  const route = parseHash();
  void syncClock(); // another window may have moved the emulator clock
  const navigated = route.hash !== lastHash;
  lastHash = route.hash;
  const focusedId = navigated ? null : document.activeElement?.id;
  renderNav(route);
  renderAccount();
  const main = $('#main');
  if (navigated) fill(main, h('p', { class: 'loading', text: 'Loading\u2026' }));
  const view = h('div', { class: 'view' });
  const stale = () => seq !== renderSeq;
  try {
    await pickView(route)(view, route, stale);
  } catch (e) {
    if (stale()) return;
    put(view, errorBanner(e, 'This page could not be loaded'));
  }
  if (stale()) return;
  const flashEl = takeFlash();
  if (flashEl) {
    // Where the eye is: at the top of an open pane, else under the page title (and its subtitle).
    const paneBody = view.querySelector(':scope > .pane .pane-body');
    const h1 = view.querySelector(':scope > h1');
    const after = h1?.nextElementSibling?.classList.contains('subtitle') ? h1.nextElementSibling : h1;
    if (paneBody) paneBody.prepend(flashEl);
    else if (after) after.after(flashEl);
    else view.prepend(flashEl);
  }
  fill(main, view);
  const pane = view.querySelector(':scope > .pane');
  // A pane is modal: what is behind it (and the bars) leaves the tab order until it closes.
  for (const el of [$('#nav'), $('.topbar'), ...[...view.children].filter((c) => !c.matches('.pane, .pane-backdrop'))]) el.inert = Boolean(pane);
  const keep = focusedId && document.getElementById(focusedId);
  if (keep) keep.focus();
  else if (pane) pane.querySelector('h2')?.focus();
  else if (navigated) (view.querySelector('h1') ?? main).focus();
}

function pickView(route) {
  const [a, b, c] = route.parts;
  if (!a) return session() ? homeView : landingView;
  if (a === 'emulator') return emulatorView;
  if (a === 'guide') return guideView;
  if (a === 'inbox') return inboxView;
  if (a === 'roles' && b) {
    // Links in PIM's mails: {portal}/#/roles/{roleId}
    return async () => redirect(`#/pim/roles/${encodeURIComponent(b)}`);
  }
  if (a !== 'pim') return notFoundView;
  if (!session()) return signInFirstView;
  switch (b) {
    case undefined:
      return pimHomeView;
    case 'my-roles':
      return myRolesView;
    case 'my-requests':
      return myRequestsView;
    case 'approvals':
      return approvalsView;
    case 'roles':
      return c ? roleAssignmentsView : rolesListView;
    case 'assignments':
      return allAssignmentsView;
    case 'settings':
      return route.parts[3] === 'edit' ? settingsEditView : c ? settingsDetailView : settingsListView;
    case 'audit':
      return auditView;
    default:
      return notFoundView;
  }
}

// ------------------------------------------------------------------ building blocks

function header(view, { crumbs = [], title, subtitle }) {
  put(view, 
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('ol', {}, [['Home', '#/'], ...crumbs].map(([label, href]) => h('li', {}, href ? h('a', { href, text: label }) : label)))),
    h('h1', { tabindex: '-1', text: title }),
    subtitle ? h('p', { class: 'subtitle', text: subtitle }) : null,
  );
}
const PIM_CRUMB = ['Privileged Identity Management', '#/pim'];

function tabsNav(label, tabs, current) {
  return h('nav', { class: 'tabs-nav', 'aria-label': label },
    tabs.map(([id, text, href]) => h('a', { class: 'tab', href, 'aria-current': id === current ? 'page' : undefined, text })));
}

function table(columns, rows, empty) {
  if (!rows.length) return h('div', { class: 'empty', role: 'status' }, h('strong', { text: empty[0] }), empty[1] ?? '');
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => h('td', { class: i === cells.length - 1 && c instanceof Node && c.dataset?.actions ? 'actions' : undefined }, c))))));
}
const actions = (...buttons) => {
  const span = h('span', {}, buttons);
  span.dataset.actions = '1';
  return span;
};

function stagesList(stages) {
  return h('ol', { class: 'stages', 'aria-label': 'Progress' }, stages.map(([name, state]) => h('li', { 'data-state': state, text: name })));
}

async function confirmDialog(title, text, yes = 'Yes') {
  const dlg = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-yes').textContent = yes;
  dlg.returnValue = '';
  dlg.showModal();
  $('#confirm-no').focus();
  return new Promise((resolve) => dlg.addEventListener('close', () => resolve(dlg.returnValue === 'yes'), { once: true }));
}

/** A side pane (blade) over the screen: labelled dialog, Escape or × closes it. */
function pane(view, { title, subtitle, onClose, body, foot }) {
  const close = () => onClose();
  const headingId = `pane-title-${Math.random().toString(36).slice(2, 8)}`;
  const el = h('section', { class: 'pane', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': headingId },
    h('div', { class: 'pane-head' },
      h('div', {}, h('h2', { id: headingId, tabindex: '-1', text: title }), subtitle ? h('p', { class: 'subtitle', text: subtitle }) : null),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: close }, '\u00d7')),
    h('div', { class: 'pane-body' }, body),
    foot ? h('div', { class: 'pane-foot' }, foot) : null);
  el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') return close();
    if (ev.key !== 'Tab') return;
    // Keep Tab inside the pane: from the last control back to the first, and the other way round.
    const focusable = [...el.querySelectorAll('button, [href], input, select, textarea, [tabindex="0"]')].filter((x) => !x.disabled && x.offsetParent !== null);
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first) return;
    if (ev.shiftKey && (document.activeElement === first || document.activeElement === el.querySelector('h2'))) {
      last.focus();
      ev.preventDefault();
    } else if (!ev.shiftKey && document.activeElement === last) {
      first.focus();
      ev.preventDefault();
    }
  });
  put(view, h('div', { class: 'pane-backdrop', onclick: close }), el);
  return el;
}

/** Start/end of a PIM request's schedule, in ms (end null = permanent). */
function scheduleWindow(r) {
  const si = r.scheduleInfo;
  if (!si) return null;
  const start = Date.parse(si.startDateTime ?? r.createdDateTime);
  const exp = si.expiration ?? {};
  const type = String(exp.type ?? '').toLowerCase();
  let end = null;
  if (type === 'afterdatetime' && exp.endDateTime) end = Date.parse(exp.endDateTime);
  else if (type === 'afterduration' && exp.duration) end = start + durationMs(exp.duration);
  return { start, end };
}

const GRANTING = new Set(['selfActivate', 'adminAssign', 'adminUpdate', 'adminExtend', 'adminRenew', 'selfExtend', 'selfRenew'].map((a) => a.toLowerCase()));
const ENDING = new Set(['selfDeactivate', 'adminRemove'].map((a) => a.toLowerCase()));

/**
 * Expired assignments, derived from the requests (Graph lists only schedules in force or to come):
 * a granted request whose schedule ended by time, or was deactivated; one removed by an admin or
 * replaced by an update is not "expired".
 */
function expiredFrom(requests, kind, nowMs) {
  const out = [];
  const sorted = [...requests].sort((x, y) => Date.parse(x.createdDateTime) - Date.parse(y.createdDateTime));
  for (const r of sorted) {
    const action = String(r.action).toLowerCase();
    if (!GRANTING.has(action) || !['Provisioned', 'Granted', 'ScheduleCreated'].includes(r.status)) continue;
    const w = scheduleWindow(r);
    if (!w) continue;
    const same = (x) => x !== r && x.principalId === r.principalId && x.roleDefinitionId === r.roleDefinitionId && Date.parse(x.createdDateTime) >= Date.parse(r.createdDateTime);
    const later = sorted.filter((x) => same(x) && (w.end === null || Date.parse(x.createdDateTime) < w.end));
    if (later.some((x) => ['adminremove', 'adminupdate', 'adminextend', 'adminrenew'].includes(String(x.action).toLowerCase()))) continue;
    const deactivated = later.find((x) => String(x.action).toLowerCase() === 'selfdeactivate');
    const end = deactivated ? Date.parse(deactivated.createdDateTime) : w.end;
    if (end === null || end > nowMs) continue;
    out.push({ request: r, kind, start: w.start, end, state: kind === 'eligibility' ? 'Eligible' : action === 'selfactivate' ? (deactivated ? 'Deactivated' : 'Activated') : 'Assigned' });
  }
  return out.sort((x, y) => y.end - x.end);
}

const principalLabel = (p) => (p ? `${p.displayName ?? p.id}` : '');

// ------------------------------------------------------------------ landing and home

async function landingView(view) {
  header(view, { title: 'PIM workshop portal', subtitle: 'Microsoft Entra Privileged Identity Management, emulated on this machine by entra-pim-emulator. Sign in as a workshop persona to walk the five phases.' });
  let tenants = [];
  try {
    tenants = await emu('/tenants');
  } catch (e) {
    put(view, errorBanner(e, 'The tenant list could not be read'));
  }
  const remembered = store.get(KEY.tenant);
  const chosen = tenants.find((t) => t.name === remembered) ?? tenants[0];
  const select = h('select', { id: 'tenant', value: chosen?.name },
    tenants.map((t) => h('option', { value: t.name, text: `${t.name} (${t.domain})${(t.licenses ?? []).length ? '' : ' \u2014 no P2 licence'}` })));
  const skip = h('input', { type: 'checkbox', id: 'skip-mfa', checked: Boolean(store.get(KEY.skipMfa)) });
  const personas = h('div', { id: 'personas' });
  let painting = 0;
  const paintPersonas = async () => {
    const mine = ++painting;
    // With keys in force, a tenant's personas are shown only to the team holding its key.
    const t = await withPersonas(tenants.find((x) => x.name === select.value));
    if (mine !== painting) return;
    fill(personas, t && t.users === null
      ? h('p', { class: 'hint', id: 'personas-hidden', text: `The personas of ${t.name} are shown to the team that holds its key. Create your team’s tenant below, or enter your team’s key.` })
      : [h('p', { class: 'hint', text: 'Or start with a persona (the user name is filled in):' }),
        h('div', { class: 'buttons' }, (t?.users ?? []).map((u) =>
          h('button', { type: 'button', onclick: () => go2(u.userPrincipalName), 'aria-label': `Sign in as ${u.userPrincipalName}` }, `Sign in as ${u.userPrincipalName.split('@')[0]}@`)))],
    );
  };
  const go2 = (loginHint) => {
    store.set(KEY.tenant, select.value);
    store.set(KEY.skipMfa, skip.checked);
    void startSignIn({ tenant: select.value, loginHint, mfa: !skip.checked, returnTo: '#/pim' });
  };
  select.addEventListener('change', () => {
    store.set(KEY.tenant, select.value);
    void paintPersonas();
  });
  void paintPersonas();
  const choose = (t) => {
    if (!tenants.some((x) => x.name === t.name)) {
      tenants.push(t);
      select.append(h('option', { value: t.name, text: `${t.name} (${t.domain})${(t.licenses ?? []).length ? '' : ' \u2014 no P2 licence'}` }));
    }
    select.value = t.name;
    store.set(KEY.tenant, t.name);
    void paintPersonas();
  };
  put(view, h('div', { class: 'landing' },
    h('section', { class: 'blade', 'aria-labelledby': 'signin-h' },
      h('h2', { id: 'signin-h', text: 'Sign in' }),
      h('label', { for: 'tenant', text: 'Tenant' }), select,
      createTenantForm(tenants, choose),
      access.keysRequired ? keyForm(tenants, choose) : null,
      h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', id: 'sign-in', onclick: () => go2(undefined) }, 'Sign in')),
      personas,
      h('div', { class: 'banner emu' },
        h('p', {}, h('strong', { text: 'Emulator' }), ' \u2014 not part of Microsoft Entra. Every persona\u2019s password is ', h('span', { class: 'code', text: 'Passw0rd!' }), '; the MFA codes are on the ', h('a', { href: '#/emulator', text: 'Emulator panel' }), '.'),
        h('div', { class: 'check' }, skip, h('label', { for: 'skip-mfa', class: 'inline', text: 'Offer \u201cSign in without MFA\u201d (to see PIM ask for verification at activation in Phase 4)' })),
        h('p', { class: 'hint', text: 'Microsoft enforces MFA on its admin portals, so by default this portal asks for it at every sign-in (amr_values=mfa).' }))),
    h('section', { class: 'blade', 'aria-labelledby': 'phases-h' },
      h('h2', { id: 'phases-h', text: 'The five phases' }),
      h('ol', {},
        h('li', { text: 'pimuser: My roles \u203a Microsoft Entra roles is empty.' }),
        h('li', { text: 'admin: Manage \u203a Settings \u203a Security Reader \u203a Edit: 8 hours, MFA and justification on activation, no permanent active assignment.' }),
        h('li', { text: 'admin: Manage \u203a Roles \u203a Security Reader \u203a + Add assignments: pimuser, Eligible, permanently. A mail arrives in the admin\u2019s Inbox.' }),
        h('li', { text: 'pimuser: My roles \u203a Activate, with a reason and MFA. A second mail arrives.' }),
        h('li', { text: 'admin: Manage \u203a Assignments \u203a pimuser \u203a Remove (or Update) when the project ends.' })),
      h('p', {}, 'The ', h('a', { href: '#/guide', text: 'Workshop guide' }), ' tells the same story and ticks each phase as your tenant reaches it.'))));
}

/** What the tenant API's refusals mean, for people. */
const TENANT_WORDS = {
  InvalidTenantName: (name) => `\u201c${name}\u201d cannot be a tenant name. Use lowercase letters, digits and hyphens only (no spaces, no capitals), up to 63 characters, not starting with a hyphen: for example team07.`,
  TenantExists: (name) => `A tenant named \u201c${name}\u201d exists already. If it is your team\u2019s, choose it in the Tenant list above; otherwise pick another name.`,
  TenantNotFound: () => 'The tenant to copy does not exist any more (was the emulator reset or reseeded?). Reload this page.',
  InvalidRequest: () => 'The emulator did not accept the request.',
};

/**
 * "Create my tenant": a team's own copy of contoso (POST /_emulator/tenants {"name","from"}), with
 * the same personas under {name}.onmicrosoft.com. On success the new tenant is selected (`choose`).
 */
function createTenantForm(tenants, choose) {
  const from = tenants.some((t) => t.name === 'contoso') ? 'contoso' : tenants[0]?.name;
  // "Team name", not "Tenant name": the Tenant picker keeps the only label that says Tenant.
  const name = h('input', { type: 'text', id: 'new-tenant', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: 'team07', 'aria-describedby': 'new-tenant-hint' });
  const button = h('button', { type: 'submit', id: 'create-tenant' }, 'Create my tenant');
  const hint = h('p', { class: 'hint', id: 'new-tenant-hint' });
  const result = h('div', { id: 'create-tenant-result' });
  const paintHint = () => {
    const v = name.value.trim();
    const domain = /^[a-z0-9][a-z0-9-]{0,62}$/.test(v || 'team07') ? `Your tenant will be ${v || 'team07'}.onmicrosoft.com.` : 'Use lowercase letters, digits and hyphens.';
    hint.textContent = `Your team\u2019s own copy of ${from ?? 'the first tenant'}: the same personas and passwords, default role settings, no history. ${domain}`;
  };
  name.addEventListener('input', paintHint);
  paintHint();
  // Not labelled by its heading: a form named "…tenant" would be one more match for the label Tenant.
  const form = h('form', { class: 'create-tenant', id: 'create-tenant-form', novalidate: true },
    h('h3', { id: 'create-tenant-h', text: 'Create my tenant' }),
    h('label', { for: 'new-tenant', text: 'Team name' }),
    h('div', { class: 'filterbar' }, name, button),
    hint,
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const wanted = name.value.trim();
    if (!wanted) {
      fill(result, h('div', { class: 'banner error', role: 'alert' }, h('p', { text: 'Type a name for your tenant first, such as team07.' })));
      name.focus();
      return;
    }
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const t = await emu('/tenants', { method: 'POST', body: { name: wanted, ...(from ? { from } : {}) } });
      // The tenant key comes back once: this browser keeps it (every tab), and the team copies it to its other browsers.
      if (t.key) rememberKey(t.name, t.key);
      choose(t);
      name.value = '';
      paintHint();
      const text = `Created ${t.name}: ${t.domain}, a copy of ${t.clonedFrom}. It is selected in the Tenant list.`;
      fill(result, h('div', { class: 'banner ok', role: 'status', id: 'created-tenant' },
        h('p', {}, h('strong', { text: `Created ${t.name}.` }), ' Domain: ', h('span', { class: 'code', id: 'created-domain', text: t.domain }), `, a copy of ${t.clonedFrom}. It is selected in the Tenant list above.`),
        h('p', {}, 'Its personas (password ', h('span', { class: 'code', text: 'Passw0rd!' }), '):'),
        h('ul', { id: 'created-personas' }, t.users.map((u) => h('li', {}, `${u.displayName} \u2014 `, h('span', { class: 'code', text: u.userPrincipalName })))),
        t.key && access.keysRequired ? h('p', {}, 'Your team\u2019s key (shown once; this browser keeps it, your team\u2019s other browsers need it): ', h('span', { class: 'code', id: 'created-key', text: t.key })) : null));
      announce(text);
    } catch (e) {
      const code = e instanceof GraphFailure ? e.code : '';
      const words = TENANT_WORDS[code]?.(wanted) ?? 'The emulator could not create the tenant.';
      const existing = code === 'TenantExists' ? tenants.find((t) => t.name === wanted) : undefined;
      fill(result, h('div', { class: 'banner error', role: 'alert', id: 'create-tenant-error' },
        h('p', {}, h('strong', { text: 'Your tenant was not created. ' }), words),
        existing ? h('p', {}, h('button', { type: 'button', id: 'use-existing-tenant', onclick: () => {
          choose(existing);
          fill(result, h('p', { class: 'hint', role: 'status', text: `${existing.name} (${existing.domain}) is selected.` }));
        } }, `Use ${existing.name}`)) : null,
        h('p', { class: 'hint' }, 'The emulator said: ', h('span', { class: 'code', text: e instanceof GraphFailure ? `${e.status} ${code || 'Error'}: ${e.message}` : String(e?.message ?? e) }))));
      name.focus();
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
  return form;
}

/**
 * "Your team's key": a team's other browsers (and the instructor, with the admin key) enter the key
 * here; the emulator says what it reaches (GET /_emulator/access) and this browser keeps it.
 */
function keyForm(tenants, choose) {
  const input = h('input', { type: 'password', id: 'team-key', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'team-key-hint' });
  const result = h('div', { id: 'team-key-result' });
  const form = h('form', { class: 'create-tenant', id: 'team-key-form', novalidate: true },
    h('h3', { text: 'I have a key' }),
    h('label', { for: 'team-key', text: 'Your team\u2019s key' }),
    h('div', { class: 'filterbar' }, input, h('button', { type: 'submit', id: 'use-key' }, 'Use key')),
    h('p', { class: 'hint', id: 'team-key-hint', text: 'The key your team got when it created its tenant (or the instructor\u2019s admin key). It unlocks that tenant\u2019s personas, MFA codes, clock, inbox and reset in this browser.' }),
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    let said;
    try {
      said = key ? await emu('/access', { key }) : undefined;
    } catch {
      said = undefined;
    }
    if (said?.scope === 'tenant') {
      rememberKey(said.tenant, key);
      input.value = '';
      const t = tenants.find((x) => x.name === said.tenant);
      if (t) choose(t);
      fill(result, h('p', { class: 'banner ok', role: 'status', text: `This browser now holds ${said.tenant}\u2019s key.` }));
    } else if (said?.scope === 'admin') {
      kept.set(KEY.adminKey, key);
      await syncAccess();
      flash('ok', 'Instructor view: this browser holds the admin key and sees every tenant.');
      go('#/emulator');
    } else {
      fill(result, h('div', { class: 'banner error', role: 'alert' }, h('p', { text: 'That key is neither a tenant\u2019s key nor the admin key (a key stops working when its tenant is deleted or the whole emulator is reset).' })));
    }
  });
  return form;
}

async function homeView(view) {
  const c = me();
  header(view, { title: 'Home', subtitle: `Signed in as ${c.name} (${c.upn}) to ${session().tenant}; authentication: ${(c.amr ?? []).join(' + ')}.` });
  put(view, h('div', { class: 'tiles' },
    tile('#/pim', 'Privileged Identity Management', 'Just-in-time access to Microsoft Entra roles.'),
    tile('#/pim/my-roles', 'My roles', 'Activate the roles you are eligible for.'),
    tile('#/guide', 'Workshop guide', 'The five phases, ticked as your tenant reaches each one.'),
    tile('#/inbox', 'Inbox', 'The mail PIM sends, as each recipient sees it.'),
    tile('#/emulator', 'Emulator', 'Clock, MFA codes, reset, switch user (not part of Entra).')));
}
const tile = (href, title, text) => h('a', { class: 'tile', href }, h('strong', { text: title }), text);

async function signInFirstView(view) {
  header(view, { crumbs: [PIM_CRUMB], title: 'Privileged Identity Management', subtitle: 'Sign in to continue.' });
  put(view, h('div', { class: 'buttons' }, h('a', { class: 'button primary', href: '#/', text: 'Go to sign-in' })));
}

async function notFoundView(view) {
  header(view, { title: 'Not found', subtitle: `Nothing lives at ${location.hash}.` });
}

async function pimHomeView(view) {
  header(view, { crumbs: [PIM_CRUMB], title: 'Privileged Identity Management | Quick start', subtitle: 'Microsoft Entra roles: activate just in time, assign, configure role settings, review the audit history.' });
  const overview = h('div', { class: 'tiles', id: 'overview' });
  put(view, 
    h('div', { class: 'tiles' },
      tile('#/pim/my-roles', 'My roles', 'Activate your eligible Microsoft Entra roles.'),
      tile('#/pim/my-requests', 'My requests', 'Your pending and past requests.'),
      tile('#/pim/approvals', 'Approve requests', 'Activation requests waiting for you.'),
      tile('#/pim/roles', 'Roles', 'Manage \u203a Roles: assign members to a role.'),
      tile('#/pim/assignments', 'Assignments', 'Manage \u203a Assignments: every assignment, Update or Remove.'),
      tile('#/pim/settings', 'Settings', 'Manage \u203a Settings: role settings (activation, assignment, notification).'),
      tile('#/pim/audit', 'Audit history', 'What was assigned, activated and changed.')),
    h('h2', { text: 'Overview' }), overview);
  const counts = await Promise.allSettled([roles(), list(`${RM}/roleEligibilitySchedules`), list(`${RM}/roleAssignmentSchedules`)]);
  const [r, e, a] = counts;
  put(overview, 
    h('div', { class: 'tile' }, h('strong', { text: 'Roles' }), r.status === 'fulfilled' ? `${r.value.size} Microsoft Entra roles` : 'Not readable'),
    h('div', { class: 'tile' }, h('strong', { text: 'Eligible assignments' }), e.status === 'fulfilled' ? String(e.value.length) : 'Not readable with your roles'),
    h('div', { class: 'tile' }, h('strong', { text: 'Active assignments' }), a.status === 'fulfilled' ? String(a.value.length) : 'Not readable with your roles'));
}

// ------------------------------------------------------------------ My roles (Phases 1 and 4)

async function myRolesView(view, route, stale) {
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[2]) ? route.parts[2] : null;
  if (!tab) return redirect('#/pim/my-roles/eligible');
  header(view, { crumbs: [PIM_CRUMB, ['My roles', '#/pim/my-roles']], title: 'My roles | Microsoft Entra roles' });
  const body = h('div', { class: 'subnav-body' });
  put(view, h('div', { class: 'with-subnav' },
    h('nav', { class: 'subnav', 'aria-label': 'My roles' },
      h('div', { class: 'group', text: 'Activate' }),
      h('a', { href: '#/pim/my-roles/eligible', 'aria-current': 'page', text: 'Microsoft Entra roles' }),
      h('span', { class: 'disabled', text: 'Groups (not emulated)' }),
      h('span', { class: 'disabled', text: 'Azure resources (not emulated)' })),
    body));
  put(body, 
    h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    tabsNav('Assignments', [
      ['eligible', 'Eligible assignments', '#/pim/my-roles/eligible'],
      ['active', 'Active assignments', '#/pim/my-roles/active'],
      ['expired', 'Expired assignments', '#/pim/my-roles/expired'],
    ], tab));
  const c = me();
  const map = await roles().catch(() => new Map());
  const [eligible, active] = await Promise.all([
    list(`${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`),
    list(`${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`),
  ]);
  if (stale()) return;
  const activeRoles = new Set(active.map((a) => a.roleDefinitionId));
  if (tab === 'eligible') {
    put(body, table(['Role', 'Scope', 'Membership', 'End time', 'Action'],
      eligible.map((e) => {
        const name = roleName(map, e.roleDefinitionId);
        return [name, scopeText(e.directoryScopeId), e.memberType, e.endDateTime ? fmt(e.endDateTime) : 'Permanent',
          actions(activeRoles.has(e.roleDefinitionId)
            ? h('span', { class: 'pill ok', text: 'Active' })
            : h('button', { type: 'button', class: 'link', id: `activate-${e.roleDefinitionId}`, 'aria-label': `Activate ${name}`, onclick: () => go(`#/pim/my-roles/eligible/activate/${e.roleDefinitionId}`) }, 'Activate'))];
      }),
      ['No eligible assignments found', 'You are not eligible for any Microsoft Entra role: you have no admin powers to activate. An administrator can make you eligible (Phase 3).']));
  } else if (tab === 'active') {
    put(body, table(['Role', 'Scope', 'Membership', 'State', 'Start time', 'End time', 'Action'],
      active.map((a) => {
        const name = roleName(map, a.roleDefinitionId);
        return [name, scopeText(a.directoryScopeId), a.memberType, a.assignmentType, fmt(a.startDateTime), a.endDateTime ? fmt(a.endDateTime) : 'Permanent',
          actions(a.assignmentType === 'Activated' && a.memberType === 'Direct'
            ? h('button', { type: 'button', class: 'link', 'aria-label': `Deactivate ${name}`, onclick: () => deactivate(a, name, c) }, 'Deactivate')
            : '')];
      }),
      ['No active assignments found', 'None of your roles is active right now.']));
  } else {
    const requests = await Promise.allSettled([
      list(`${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`),
      list(`${RM}/roleEligibilityScheduleRequests/filterByCurrentUser(on='principal')`),
    ]);
    const now = emuNow();
    const expired = [
      ...expiredFrom(requests[0].status === 'fulfilled' ? requests[0].value : [], 'assignment', now),
      ...expiredFrom(requests[1].status === 'fulfilled' ? requests[1].value : [], 'eligibility', now),
    ].sort((x, y) => y.end - x.end);
    put(body, table(['Role', 'Scope', 'State', 'Start time', 'End time'],
      expired.map((x) => [roleName(map, x.request.roleDefinitionId), scopeText(x.request.directoryScopeId), x.state, fmt(x.start), fmt(x.end)]),
      ['No expired assignments found', 'Assignments and activations that ended show here.']));
  }
  if (route.parts[3] === 'activate' && route.parts[4]) await activatePane(view, route.parts[4], map, eligible, stale);
}

const scopeText = (s) => (s === '/' || !s ? 'Directory' : s);

async function deactivate(instance, name, c) {
  if (!(await confirmDialog(`Deactivate ${name}`, `Your ${name} role will end now. You can activate it again while you are eligible.`, 'Deactivate'))) return;
  try {
    await graph(`${RM}/roleAssignmentScheduleRequests`, { method: 'POST', body: { action: 'selfDeactivate', principalId: c.oid, roleDefinitionId: instance.roleDefinitionId, directoryScopeId: instance.directoryScopeId ?? '/' } });
    flash('ok', `${name} is deactivated.`);
    await refreshTokens();
  } catch (e) {
    showInline(e, 'Deactivation failed');
    return;
  }
  go('#/pim/my-roles/active');
}

/** An error after an action on a listed row: shown above the list. */
function showInline(e, title) {
  const main = $('#main .view');
  main?.querySelector('.inline-error')?.remove();
  const banner = errorBanner(e, title);
  banner.classList.add('inline-error');
  main?.querySelector('h1')?.after(banner);
  announce(`${title}.`);
}

/** The role's policy rules, or null when the signed-in user may not read them. */
async function policyRules(roleId) {
  const q = `$filter=${encodeURIComponent(`${DIRECTORY_ROLE} and roleDefinitionId eq '${roleId}'`)}&$expand=${encodeURIComponent('policy($expand=rules)')}`;
  const v = await list(`/v1.0/policies/roleManagementPolicyAssignments?${q}`);
  const policy = v[0]?.policy;
  if (!policy) throw new Error(`No role management policy for role ${roleId}.`);
  return policy;
}
const ruleOf = (policy, id) => policy.rules.find((r) => r.id === id);

function activationSettings(policy) {
  const exp = ruleOf(policy, 'Expiration_EndUser_Assignment');
  const enabled = ruleOf(policy, 'Enablement_EndUser_Assignment')?.enabledRules ?? [];
  const ac = ruleOf(policy, 'AuthenticationContext_EndUser_Assignment');
  const ap = ruleOf(policy, 'Approval_EndUser_Assignment');
  return {
    known: true,
    maxHours: Math.max(0.5, Math.floor((durationMs(exp?.maximumDuration ?? 'PT8H') / HOUR) * 2) / 2),
    mfa: enabled.includes('MultiFactorAuthentication'),
    justification: enabled.includes('Justification'),
    ticketing: enabled.includes('Ticketing'),
    authContext: ac?.isEnabled ? ac.claimValue : null,
    approval: Boolean(ap?.setting?.isApprovalRequired),
  };
}

/** The activation pane (Phase 4): duration, reason, ticket, step-up, the three stages. */
async function activatePane(view, roleId, map, eligible, stale) {
  const name = roleName(map, roleId);
  const close = () => go('#/pim/my-roles/eligible');
  let settings;
  let policyNote;
  try {
    settings = activationSettings(await policyRules(roleId));
    policyNote = `From the role settings: up to ${hoursText(settings.maxHours)}${settings.mfa ? ', MFA' : ''}${settings.justification ? ', justification' : ''}${settings.ticketing ? ', ticket' : ''}${settings.approval ? ', approval' : ''} on activation.`;
  } catch (e) {
    // End users usually may not read role settings: the portal offers the default maximum and lets
    // the role's rules (ExpirationRule, MfaRule, …) answer when the request is made.
    settings = { known: false, maxHours: 8, mfa: null, justification: null, ticketing: null, authContext: null, approval: false };
    policyNote = `Your roles do not let you read this role's settings (${e.code || e.message}): the duration allows up to 8 hours, the default maximum, and the role's own rules decide when you activate.`;
  }
  if (stale()) return;
  const draft = store.get(KEY.draft);
  const restored = draft?.roleId === roleId ? draft : null;
  if (restored) store.drop(KEY.draft);
  const state = { mfaFailed: Boolean(restored?.mfaFailed) && !hasMfa(), ticketNeeded: settings.ticketing || Boolean(restored?.ticketNeeded), acrs: restored?.acrs ?? null };

  const hours = Math.min(settings.maxHours, Math.max(0.5, Number(restored?.hours ?? settings.maxHours)));
  const slider = h('input', { type: 'range', id: 'duration', min: '0.5', max: String(settings.maxHours), step: '0.5', value: String(hours), 'aria-describedby': 'duration-hint', 'aria-valuetext': hoursText(hours) });
  const out = h('output', { for: 'duration', id: 'duration-out', text: hoursText(hours) });
  slider.addEventListener('input', () => {
    out.textContent = hoursText(Number(slider.value));
    slider.setAttribute('aria-valuetext', hoursText(Number(slider.value)));
  });
  const reasonRequired = settings.justification !== false;
  const reason = h('textarea', { id: 'reason', maxlength: '500', 'aria-describedby': 'reason-hint' });
  reason.value = restored?.reason ?? '';
  const ticketNumber = h('input', { type: 'text', id: 'ticket-number', value: restored?.ticketNumber ?? '' });
  const ticketSystem = h('input', { type: 'text', id: 'ticket-system', value: restored?.ticketSystem ?? '' });
  const ticketBox = h('div', { id: 'ticket-fields', hidden: !state.ticketNeeded },
    h('label', { for: 'ticket-number', class: 'required', text: 'Ticket number' }), ticketNumber,
    h('label', { for: 'ticket-system', class: 'required', text: 'Ticket system' }), ticketSystem);
  const stepUp = h('div', { id: 'step-up' });
  const progress = h('div', { id: 'progress', 'aria-live': 'polite' });
  const errors = h('div', { id: 'activate-errors' });
  const activateBtn = h('button', { type: 'button', class: 'primary', id: 'activate' }, 'Activate');

  const needsStepUp = () => (state.acrs ? !(me().acrs ?? []).includes(state.acrs.value) : (settings.mfa === true || state.mfaFailed) && !hasMfa());
  const saveDraft = (extra = {}) => store.set(KEY.draft, { roleId, hours: Number(slider.value), reason: reason.value, ticketNumber: ticketNumber.value, ticketSystem: ticketSystem.value, mfaFailed: state.mfaFailed, ticketNeeded: state.ticketNeeded, acrs: state.acrs, ...extra });
  const paintStepUp = () => {
    fill(stepUp, needsStepUp()
      ? h('div', { class: 'banner warn', role: 'alert' },
        h('button', { type: 'button', class: 'link', id: 'verify', onclick: () => {
          saveDraft();
          const s = session();
          void startSignIn({ tenant: s.tenant, loginHint: me().upn, mfa: true, returnTo: location.hash, purpose: 'stepup', claims: state.acrs?.claims });
        } }, 'Additional verification required. Click to continue'),
        h('p', { class: 'hint', text: state.acrs ? `This role requires the authentication context ${state.acrs.value}: sign in again to satisfy it.` : 'This role requires multi-factor authentication on activation, and your sign-in used a password only. Verify with your authenticator, then come back here.' }))
      : '');
  };
  paintStepUp();

  const body = [
    h('p', { class: 'hint', id: 'policy-note', text: policyNote }),
    stepUp,
    h('label', { for: 'duration', text: 'Duration (hours)' }),
    h('div', { class: 'slider-row' }, slider, out),
    h('p', { class: 'hint', id: 'duration-hint', text: `Maximum: ${hoursText(settings.maxHours)}. The role ends by itself after this time; you can activate again.` }),
    h('label', { for: 'reason', class: reasonRequired ? 'required' : undefined, text: 'Reason' }),
    reason,
    h('p', { class: 'hint', id: 'reason-hint', text: 'Be specific, e.g. \u201cReviewing sign-in logs for compliance audit, ticket #INC1234\u201d. It goes into the audit log.' }),
    ticketBox,
    progress,
    errors,
  ];
  pane(view, {
    title: `Activate - ${name}`,
    subtitle: 'Microsoft Entra roles \u00b7 Scope: Directory',
    onClose: close,
    body,
    foot: [activateBtn, h('button', { type: 'button', onclick: close }, 'Cancel')],
  });

  activateBtn.addEventListener('click', async () => {
    const c = me();
    const request = {
      action: 'selfActivate',
      principalId: c.oid,
      roleDefinitionId: roleId,
      directoryScopeId: '/',
      ...(reason.value.trim() ? { justification: reason.value.trim() } : {}),
      ...(ticketNumber.value.trim() || ticketSystem.value.trim() ? { ticketInfo: { ticketNumber: ticketNumber.value.trim() || null, ticketSystem: ticketSystem.value.trim() || null } } : {}),
      scheduleInfo: { expiration: { type: 'afterDuration', duration: hoursToIso(Number(slider.value)) } },
    };
    const stages = [['Validating', 'running'], ['Activating', 'pending'], ['Refreshing', 'pending']];
    const paint = () => fill(progress, stagesList(stages));
    const set = (i, s) => {
      stages[i][1] = s;
      paint();
      announce(`${stages[i][0]}${s === 'done' ? ': done' : s === 'failed' ? ': failed' : '\u2026'}`);
    };
    fill(errors);
    activateBtn.disabled = true;
    activateBtn.setAttribute('aria-busy', 'true');
    paint();
    const fail = (i, e) => {
      set(i, 'failed');
      const rules = failedRules(e);
      if (rules.includes('MfaRule')) state.mfaFailed = true;
      if (rules.includes('TicketingRule')) {
        state.ticketNeeded = true;
        ticketBox.hidden = false;
      }
      if (e instanceof GraphFailure && e.code === 'RoleAssignmentRequestAcrsValidationFailed') {
        const m = /claims=([^\s]+)/.exec(e.message);
        const claims = m ? decodeURIComponent(m[1]) : null;
        const value = /'([^']+)'/.exec(e.message)?.[1] ?? 'c1';
        state.acrs = { value, claims };
      }
      fill(errors, errorBanner(e, 'The activation failed'));
      paintStepUp();
      activateBtn.disabled = false;
      activateBtn.removeAttribute('aria-busy');
    };
    // 1. Validating: the same request with isValidationOnly, so every rule answers before anything changes.
    try {
      await graph(`${RM}/roleAssignmentScheduleRequests`, { method: 'POST', body: { ...request, isValidationOnly: true } });
      set(0, 'done');
    } catch (e) {
      return fail(0, e);
    }
    // 2. Activating.
    set(1, 'running');
    let created;
    try {
      created = await graph(`${RM}/roleAssignmentScheduleRequests`, { method: 'POST', body: request });
      set(1, 'done');
    } catch (e) {
      return fail(1, e);
    }
    if (/^PendingApproval/.test(created.status)) {
      flash('ok', `Your request to activate ${name} is pending approval (${created.status}). An approver has 24 hours to decide.`);
      return go('#/pim/my-requests');
    }
    // 3. Refreshing: a new token (its wids carry the new role) and the lists once the role is there.
    set(2, 'running');
    await refreshTokens();
    let instance;
    for (let i = 0; i < 20 && !instance; i++) {
      const act = await list(`${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`).catch(() => []);
      instance = act.find((a) => a.roleDefinitionId === roleId && a.assignmentType === 'Activated');
      if (!instance) await new Promise((r) => setTimeout(r, 250));
    }
    set(2, 'done');
    const until = instance?.endDateTime ? ` until ${fmt(instance.endDateTime)}` : created.status === 'Granted' ? ' from its start time' : '';
    flash('ok', `${name} is activated${until}.`, { stages: ['Validating', 'Activating', 'Refreshing'] });
    go('#/pim/my-roles/active');
  });
}

// ------------------------------------------------------------------ My requests, Approve requests

async function myRequestsView(view, route, stale) {
  header(view, { crumbs: [PIM_CRUMB, ['My requests', '#/pim/my-requests']], title: 'My requests | Microsoft Entra roles', subtitle: 'Your requests: activations, deactivations, and what administrators did for you.' });
  put(view, h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')));
  const [map, a, e] = await Promise.all([
    roles().catch(() => new Map()),
    list(`${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`),
    list(`${RM}/roleEligibilityScheduleRequests/filterByCurrentUser(on='principal')`),
  ]);
  if (stale()) return;
  const rows = [...a.map((r) => ({ r, kind: 'assignment' })), ...e.map((r) => ({ r, kind: 'eligibility' }))].sort((x, y) => Date.parse(y.r.createdDateTime) - Date.parse(x.r.createdDateTime));
  const cancelable = new Set(['PendingApproval', 'PendingApprovalProvisioning', 'Granted', 'PendingProvisioning', 'PendingAdminDecision', 'PendingScheduleCreation']);
  put(view, h('div', { class: 'blade' }, table(['Role', 'Action', 'Status', 'Reason', 'Requested', 'Action'],
    rows.map(({ r, kind }) => {
      const name = roleName(map, r.roleDefinitionId);
      return [name, `${r.action} (${kind === 'assignment' ? 'active' : 'eligible'})`, h('span', { class: `pill ${statusPill(r.status)}`, text: r.status }), r.justification ?? '-', fmt(r.createdDateTime),
        actions(cancelable.has(r.status) && r.createdBy?.user?.id === me().oid
          ? h('button', { type: 'button', class: 'link', 'aria-label': `Cancel the ${r.action} request for ${name}`, onclick: () => cancelRequest(kind, r, name) }, 'Cancel')
          : '')];
    }),
    ['No requests found', 'Requests you make (or that administrators make for you) show here.'])));
}
const statusPill = (s) => (/Provisioned|Granted|ScheduleCreated/.test(s) ? 'ok' : /Pending/.test(s) ? 'warn' : /Denied|Failed|Canceled|Revoked/.test(s) ? 'err' : '');

async function cancelRequest(kind, r, name) {
  if (!(await confirmDialog('Cancel request', `Cancel your ${r.action} request for ${name}?`, 'Cancel request'))) return;
  try {
    await graph(`${RM}/${kind === 'assignment' ? 'roleAssignmentScheduleRequests' : 'roleEligibilityScheduleRequests'}/${r.id}/cancel`, { method: 'POST' });
    flash('ok', `The request for ${name} is canceled.`);
    void render();
  } catch (e) {
    showInline(e, 'The request could not be canceled');
  }
}

async function approvalsView(view, route, stale) {
  header(view, { crumbs: [PIM_CRUMB, ['Approve requests', '#/pim/approvals']], title: 'Approve requests | Microsoft Entra roles', subtitle: 'Activation requests that need your approval. Approvers have 24 hours to decide.' });
  put(view, h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')));
  const [map, all, users] = await Promise.all([
    roles().catch(() => new Map()),
    list(`${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')`),
    usersById().catch(() => new Map()),
  ]);
  if (stale()) return;
  const pending = all.filter((r) => /^PendingApproval/.test(r.status)).sort((x, y) => Date.parse(x.createdDateTime) - Date.parse(y.createdDateTime));
  const done = all.filter((r) => !/^PendingApproval/.test(r.status)).sort((x, y) => Date.parse(y.createdDateTime) - Date.parse(x.createdDateTime));
  const who = (id) => users.get(id)?.displayName ?? id;
  put(view, 
    h('h2', { text: 'Requests for role activations' }),
    h('div', { class: 'blade' }, table(['Requestor', 'Role', 'Reason', 'Requested', 'Duration', 'Action'],
      pending.map((r) => {
        const name = roleName(map, r.roleDefinitionId);
        return [who(r.principalId), name, r.justification ?? '-', fmt(r.createdDateTime), describeDuration(r.scheduleInfo?.expiration?.duration),
          actions(
            h('button', { type: 'button', class: 'link', 'aria-label': `Approve ${who(r.principalId)}'s request for ${name}`, onclick: () => go(`#/pim/approvals/review/${r.id}/Approve`) }, 'Approve'),
            h('button', { type: 'button', class: 'link', 'aria-label': `Deny ${who(r.principalId)}'s request for ${name}`, onclick: () => go(`#/pim/approvals/review/${r.id}/Deny`) }, 'Deny'))];
      }),
      ['No pending requests', 'Requests that need your approval show here.'])),
    h('h2', { text: 'Decided and closed' }),
    h('div', { class: 'blade' }, table(['Requestor', 'Role', 'Reason', 'Requested', 'Status'],
      done.map((r) => [who(r.principalId), roleName(map, r.roleDefinitionId), r.justification ?? '-', fmt(r.createdDateTime), h('span', { class: `pill ${statusPill(r.status)}`, text: r.status })]),
      ['Nothing yet'])));
  const [, , , id, decision] = route.parts;
  const r = pending.find((x) => x.id === id);
  if (route.parts[2] === 'review' && r) {
    const name = roleName(map, r.roleDefinitionId);
    const justification = h('textarea', { id: 'approval-justification', maxlength: '500' });
    const errors = h('div');
    const decide = async (result) => {
      fill(errors);
      try {
        const approvalId = r.approvalId ?? r.id;
        const steps = (await graph(`/beta/roleManagement/directory/roleAssignmentApprovals/${approvalId}/steps`)).value ?? [];
        const step = steps.find((s) => s.status === 'InProgress' && s.assignedToMe) ?? steps[0];
        await graph(`/beta/roleManagement/directory/roleAssignmentApprovals/${approvalId}/steps/${step.id}`, { method: 'PATCH', body: { reviewResult: result, justification: justification.value.trim() || null } });
        flash('ok', `${result === 'Approve' ? 'Approved' : 'Denied'}: ${who(r.principalId)}'s request for ${name}.`);
        go('#/pim/approvals');
      } catch (e) {
        fill(errors, errorBanner(e, 'The decision was not saved'));
      }
    };
    pane(view, {
      title: decision === 'Deny' ? 'Deny request' : 'Approve request',
      subtitle: `${who(r.principalId)} \u00b7 ${name}`,
      onClose: () => go('#/pim/approvals'),
      body: [
        h('dl', {}, h('dt', { text: 'Reason' }), h('dd', { text: r.justification ?? '-' }), h('dt', { text: 'Duration' }), h('dd', { text: describeDuration(r.scheduleInfo?.expiration?.duration) })),
        h('label', { for: 'approval-justification', class: 'required', text: 'Justification' }), justification,
        errors,
      ],
      foot: [
        h('button', { type: 'button', class: decision === 'Deny' ? undefined : 'primary', onclick: () => decide('Approve') }, 'Approve'),
        h('button', { type: 'button', class: decision === 'Deny' ? 'primary' : undefined, onclick: () => decide('Deny') }, 'Deny'),
        h('button', { type: 'button', onclick: () => go('#/pim/approvals') }, 'Cancel'),
      ],
    });
  }
}

let userCache;
async function usersById() {
  userCache ??= list('/v1.0/users?$select=id,displayName,userPrincipalName&$top=999').then((v) => new Map(v.map((u) => [u.id, u])));
  return userCache.catch((e) => {
    userCache = undefined;
    throw e;
  });
}

// ------------------------------------------------------------------ Manage › Roles, Assignments (Phases 3 and 5)

async function rolesListView(view, route, stale) {
  header(view, { crumbs: [PIM_CRUMB, ['Roles', '#/pim/roles']], title: 'Roles | Microsoft Entra roles', subtitle: 'Select a role to see and add its assignments.' });
  const map = await roles();
  if (stale()) return;
  const filter = h('input', { type: 'search', id: 'role-filter', placeholder: 'Search by role name', value: route.query.get('q') ?? '' });
  const holder = h('div');
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = [...map.values()].filter((r) => !q || r.displayName.toLowerCase().includes(q)).sort((x, y) => x.displayName.localeCompare(y.displayName));
    fill(holder, table(['Role', 'Description', 'Type'], rows.map((r) => [h('a', { href: `#/pim/roles/${r.id}`, text: r.displayName }), r.description ?? '', r.isBuiltIn === false ? 'Custom role' : 'Built-in role']), ['No roles match']));
  };
  filter.addEventListener('input', paint);
  paint();
  put(view, h('div', { class: 'blade' }, h('div', { class: 'filterbar' }, h('label', { for: 'role-filter', class: 'sr-only', text: 'Search by role name' }), filter), holder));
}

async function roleAssignmentsView(view, route, stale) {
  const roleId = route.parts[2];
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[3]) ? route.parts[3] : null;
  if (!tab) return redirect(`#/pim/roles/${roleId}/eligible`);
  const map = await roles();
  const name = roleName(map, roleId);
  header(view, { crumbs: [PIM_CRUMB, ['Roles', '#/pim/roles'], [name, `#/pim/roles/${roleId}`]], title: `${name} | Assignments`, subtitle: map.get(roleId)?.description ?? '' });
  await assignmentsBody(view, { roleId, tab, base: `#/pim/roles/${roleId}`, map, route, stale });
}

async function allAssignmentsView(view, route, stale) {
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[2]) ? route.parts[2] : null;
  if (!tab) return redirect('#/pim/assignments/eligible');
  const map = await roles();
  header(view, { crumbs: [PIM_CRUMB, ['Assignments', '#/pim/assignments']], title: 'Assignments | Microsoft Entra roles', subtitle: 'Every eligible and active assignment. Update changes the type or the end; Remove strips the role.' });
  await assignmentsBody(view, { roleId: null, tab, base: '#/pim/assignments', map, route, stale });
}

/** What was typed in each assignments list's search box, kept across re-renders (after Remove, say). */
const filterMemory = new Map();

/** The Eligible / Active / Expired tabs of one role (roleId) or of all roles, with Update and Remove. */
async function assignmentsBody(view, { roleId, tab, base, map, route, stale }) {
  // What follows the tab in the route: add, or update/{kind}/{scheduleId}.
  const sub = route.parts.slice(roleId ? 4 : 3);
  const blade = h('div', { class: 'blade' });
  put(view, blade);
  put(blade, h('div', { class: 'commandbar' },
    h('button', { type: 'button', class: 'command', id: 'add-assignments', onclick: () => go(`${base}/${tab}/add`) }, '+ Add assignments'),
    roleId ? h('a', { class: 'button command', href: `#/pim/settings/${roleId}`, text: '\u2699 Settings' }) : null,
    h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')));
  put(blade, tabsNav('Assignment state', [
    ['eligible', 'Eligible assignments', `${base}/eligible`],
    ['active', 'Active assignments', `${base}/active`],
    ['expired', 'Expired assignments', `${base}/expired`],
  ], tab));
  const filter = h('input', { type: 'search', id: 'assignment-filter', placeholder: 'Search by member name or principal name', value: route.query.get('q') ?? filterMemory.get(base) ?? '' });
  filter.addEventListener('input', () => filterMemory.set(base, filter.value));
  put(blade, h('div', { class: 'filterbar' }, h('label', { for: 'assignment-filter', class: 'sr-only', text: 'Search by member name or principal name' }), filter));
  const holder = h('div', { id: 'assignments' });
  put(blade, holder);

  const roleFilter = roleId ? `?$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}&$expand=principal` : '?$expand=principal';
  let rows;
  if (tab === 'expired') {
    const rf = roleId ? `?$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}&$expand=principal` : '?$expand=principal';
    const [a, e] = await Promise.all([list(`${RM}/roleAssignmentScheduleRequests${rf}`), list(`${RM}/roleEligibilityScheduleRequests${rf}`)]);
    const now = emuNow();
    rows = [...expiredFrom(a, 'assignment', now), ...expiredFrom(e, 'eligibility', now)].sort((x, y) => y.end - x.end)
      .map((x) => ({ principal: x.request.principal, principalId: x.request.principalId, roleId: x.request.roleDefinitionId, state: x.state, start: x.start, end: x.end, kind: x.kind, schedule: null }));
  } else {
    const kind = tab === 'eligible' ? 'eligibility' : 'assignment';
    const schedules = await list(`${RM}/${kind === 'eligibility' ? 'roleEligibilitySchedules' : 'roleAssignmentSchedules'}${roleFilter}`);
    rows = schedules.map((s) => {
      const w = scheduleWindow({ scheduleInfo: s.scheduleInfo, createdDateTime: s.createdDateTime });
      return { principal: s.principal, principalId: s.principalId, roleId: s.roleDefinitionId, state: kind === 'eligibility' ? 'Eligible' : s.assignmentType, start: w?.start, end: w?.end ?? null, kind, schedule: s };
    });
  }
  if (stale()) return;
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = rows.filter((r) => !q || [r.principal?.displayName, r.principal?.userPrincipalName, roleName(map, r.roleId)].some((s) => s?.toLowerCase().includes(q)));
    const cols = ['Name', 'Principal name', 'Type', ...(roleId ? [] : ['Role']), 'Scope', 'State', 'Start time', 'End time', ...(tab === 'expired' ? [] : ['Action'])];
    fill(holder, table(cols, shown.map((r) => {
      const who = principalLabel(r.principal) || r.principalId;
      const rn = roleName(map, r.roleId);
      const type = (r.principal?.['@odata.type'] ?? '#microsoft.graph.user').replace('#microsoft.graph.', '');
      const canChange = r.schedule && r.schedule.memberType === 'Direct' && r.state !== 'Activated';
      const cells = [who, r.principal?.userPrincipalName ?? '-', type[0].toUpperCase() + type.slice(1), ...(roleId ? [] : [rn]), 'Directory', r.state, fmt(r.start), r.end === null ? 'Permanent' : fmt(r.end)];
      if (tab !== 'expired') {
        cells.push(actions(canChange
          ? [
            h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${who} from ${rn}`, onclick: () => removeAssignment(r, who, rn) }, 'Remove'),
            h('button', { type: 'button', class: 'link', 'aria-label': `Update ${who} in ${rn}`, onclick: () => go(`${base}/${tab}/update/${r.kind}/${r.schedule.id}`) }, 'Update'),
          ]
          : r.state === 'Activated' ? h('span', { class: 'hint', text: 'Activated by the user' }) : ''));
      }
      return cells;
    }), [tab === 'eligible' ? 'No eligible assignments found' : tab === 'active' ? 'No active assignments found' : 'No expired assignments found', q ? 'Nothing matches the search.' : '']));
  };
  filter.addEventListener('input', paint);
  paint();

  if (sub[0] === 'add') await addAssignmentPane(view, { roleId, map, back: `${base}/${tab}`, stale });
  if (sub[0] === 'update' && sub[1] && sub[2]) await updateAssignmentPane(view, { kind: sub[1], scheduleId: sub[2], map, back: `${base}/${tab}`, stale });
}

async function removeAssignment(r, who, rn) {
  if (!(await confirmDialog('Remove assignment', `Remove ${who}'s ${r.kind === 'eligibility' ? 'eligible' : 'active'} assignment to ${rn}? The role is stripped now.`, 'Remove'))) return;
  try {
    await graph(`${RM}/${r.kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`, {
      method: 'POST',
      body: { action: 'adminRemove', principalId: r.principalId, roleDefinitionId: r.roleId, directoryScopeId: r.schedule?.directoryScopeId ?? '/' },
    });
    flash('ok', `Removed: ${who} is no longer ${r.kind === 'eligibility' ? 'eligible for' : 'assigned'} ${rn}.`);
    void render();
  } catch (e) {
    showInline(e, 'The assignment was not removed');
  }
}

/** What the role settings allow an admin to assign (Expiration_Admin_*, Enablement_Admin_*), or null. */
async function assignmentSettings(roleId) {
  try {
    const p = await policyRules(roleId);
    const view = (kind) => {
      const exp = ruleOf(p, kind === 'eligibility' ? 'Expiration_Admin_Eligibility' : 'Expiration_Admin_Assignment');
      const en = ruleOf(p, kind === 'eligibility' ? 'Enablement_Admin_Eligibility' : 'Enablement_Admin_Assignment')?.enabledRules ?? [];
      return { permanentAllowed: !exp?.isExpirationRequired, maxMs: durationMs(exp?.maximumDuration), maxText: describeDuration(exp?.maximumDuration), justification: en.includes('Justification'), mfa: en.includes('MultiFactorAuthentication') };
    };
    return { eligibility: view('eligibility'), assignment: view('assignment') };
  } catch {
    return null;
  }
}

/** Assignment type, permanence, start/end and justification: shared by Add assignments and Update. */
function assignmentSettingsForm({ settings, kind, permanent, start, end, justification }) {
  const now = emuNow();
  const typeEligible = h('input', { type: 'radio', name: 'assignment-type', id: 'type-eligible', value: 'eligibility', checked: kind === 'eligibility' });
  const typeActive = h('input', { type: 'radio', name: 'assignment-type', id: 'type-active', value: 'assignment', checked: kind === 'assignment' });
  const perm = h('input', { type: 'checkbox', id: 'permanent', checked: permanent });
  const permLabel = h('label', { for: 'permanent', class: 'inline' });
  const permHint = h('p', { class: 'hint', id: 'permanent-hint' });
  const startInput = h('input', { type: 'datetime-local', id: 'starts', value: toLocalInput(start ?? now) });
  const endInput = h('input', { type: 'datetime-local', id: 'ends', value: toLocalInput(end ?? now + 365 * DAY) });
  const endLabel = h('label', { for: 'ends', text: 'Assignment ends' });
  const dates = h('div', { id: 'dates' }, h('label', { for: 'starts', text: 'Assignment starts' }), startInput, endLabel, endInput);
  const justificationLabel = h('label', { for: 'justification', text: 'Enter justification' });
  const justificationBox = h('textarea', { id: 'justification', maxlength: '500' });
  justificationBox.value = justification ?? '';
  let startTouched = false;
  startInput.addEventListener('input', () => (startTouched = true));
  const current = () => (typeActive.checked ? 'assignment' : 'eligibility');
  const sync = () => {
    const k = current();
    const s = settings?.[k];
    permLabel.textContent = k === 'eligibility' ? 'Permanently eligible' : 'Permanently assigned';
    perm.disabled = s ? !s.permanentAllowed : false;
    if (perm.disabled) perm.checked = false;
    permHint.textContent = !s
      ? ''
      : s.permanentAllowed
        ? `The role settings allow permanent ${k === 'eligibility' ? 'eligible' : 'active'} assignments.`
        : `The role settings require an end date: ${k === 'eligibility' ? 'eligible' : 'active'} assignments expire after at most ${s.maxText}.`;
    endInput.disabled = perm.checked;
    endLabel.hidden = perm.checked;
    endInput.hidden = perm.checked;
    justificationLabel.className = s?.justification ? 'required' : '';
  };
  [typeEligible, typeActive, perm].forEach((el) => el.addEventListener('change', sync));
  sync();
  const fields = [
    h('fieldset', {}, h('legend', { text: 'Assignment type' }),
      h('div', { class: 'radio-row' },
        h('label', { for: 'type-eligible' }, typeEligible, 'Eligible'),
        h('label', { for: 'type-active' }, typeActive, 'Active')),
      h('p', { class: 'hint', text: 'Eligible: the user may use the role but must activate it (just in time). Active: the role is on without activation.' })),
    h('div', { class: 'check' }, perm, permLabel),
    permHint,
    dates,
    justificationLabel, justificationBox,
  ];
  const read = () => {
    const k = current();
    const startMs = new Date(startInput.value).getTime();
    return {
      kind: k,
      permanent: perm.checked,
      startIso: startTouched && !Number.isNaN(startMs) ? new Date(startMs).toISOString() : undefined,
      endIso: perm.checked ? undefined : new Date(endInput.value).toISOString(),
      justification: justificationBox.value.trim(),
    };
  };
  return { fields, read };
}

function scheduleInfoOf(v) {
  return {
    ...(v.startIso ? { startDateTime: v.startIso } : {}),
    expiration: v.permanent ? { type: 'noExpiration' } : { type: 'afterDateTime', endDateTime: v.endIso },
  };
}

async function addAssignmentPane(view, { roleId, map, back, stale }) {
  let chosenRole = roleId ?? [...map.values()].find((r) => r.displayName === 'Security Reader')?.id ?? [...map.keys()][0];
  let settings = await assignmentSettings(chosenRole);
  if (stale()) return;
  const selected = new Map();
  const step = { n: 1 };
  const bodyEl = h('div');
  const footEl = h('div', { class: 'buttons', style: 'margin:0' });
  const errors = h('div', { id: 'add-errors' });
  const paneEl = pane(view, { title: 'Add assignments', subtitle: `Privileged Identity Management | Microsoft Entra roles${roleId ? ` \u00b7 ${roleName(map, roleId)}` : ''}`, onClose: () => go(back), body: [bodyEl, errors], foot: [footEl] });
  let form;

  const membership = () => {
    const roleSelect = roleId ? null : h('select', { id: 'role-select', value: chosenRole }, [...map.values()].sort((x, y) => x.displayName.localeCompare(y.displayName)).map((r) => h('option', { value: r.id, text: r.displayName })));
    roleSelect?.addEventListener('change', async () => {
      chosenRole = roleSelect.value;
      settings = await assignmentSettings(chosenRole);
    });
    const search = h('input', { type: 'search', id: 'member-search', placeholder: 'Search', 'aria-controls': 'member-results' });
    const results = h('ul', { id: 'member-results', class: 'plain', style: 'list-style:none;padding:0;margin:8px 0' });
    const picker = h('div', { id: 'member-picker', hidden: true },
      h('h3', { text: 'Select a member' }),
      h('label', { for: 'member-search', text: 'Search users' }), search, results,
      h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'member-select', onclick: () => {
        picker.hidden = true;
        paintSelected();
        announce(`${selected.size} member(s) selected.`);
        next.focus();
      } }, 'Select')));
    const selectedList = h('div', { id: 'selected-members' });
    const paintSelected = () => {
      fill(selectedList, selected.size
        ? h('div', {}, h('strong', { text: 'Selected member(s): ' }), [...selected.values()].map((u) => `${u.displayName} (${u.userPrincipalName})`).join(', '))
        : h('p', { class: 'hint', text: 'No member selected' }));
      next.disabled = selected.size === 0;
    };
    let seq = 0;
    const find = async () => {
      const mine = ++seq;
      const q = search.value.trim().replace(/'/g, "''");
      const path = q
        ? `/v1.0/users?$filter=${encodeURIComponent(`startswith(displayName,'${q}') or startswith(userPrincipalName,'${q}')`)}&$select=id,displayName,userPrincipalName&$top=25`
        : '/v1.0/users?$select=id,displayName,userPrincipalName&$top=25';
      try {
        const users = await list(path);
        if (mine !== seq) return;
        fill(results, ...(users.length ? users.map((u) => {
          const box = h('input', { type: 'checkbox', id: `member-${u.id}`, checked: selected.has(u.id) });
          box.addEventListener('change', () => (box.checked ? selected.set(u.id, u) : selected.delete(u.id)));
          return h('li', { class: 'check' }, box, h('label', { for: `member-${u.id}`, class: 'inline', text: `${u.displayName} (${u.userPrincipalName})` }));
        }) : [h('li', { class: 'hint', text: 'No users match.' })]));
      } catch (e) {
        fill(results, h('li', {}, errorBanner(e, 'Users could not be searched')));
      }
    };
    search.addEventListener('input', () => void find());
    const next = h('button', { type: 'button', class: 'primary', id: 'next', disabled: true, onclick: () => {
      step.n = 2;
      paint();
    } }, 'Next >');
    fill(bodyEl, 
      h('p', { class: 'hint', text: 'Membership' }),
      roleSelect ? [h('label', { for: 'role-select', text: 'Select role' }), roleSelect] : h('p', {}, h('strong', { text: 'Role: ' }), roleName(map, chosenRole)),
      h('p', {}, h('strong', { text: 'Scope type: ' }), 'Directory'),
      h('p', {}, h('button', { type: 'button', class: 'link', id: 'select-members', onclick: () => {
        picker.hidden = false;
        search.focus();
        void find();
      } }, 'Select member(s)')),
      picker,
      selectedList);
    fill(footEl, next, h('button', { type: 'button', onclick: () => go(back) }, 'Cancel'));
    paintSelected();
  };

  const setting = () => {
    form = assignmentSettingsForm({ settings, kind: 'eligibility', permanent: Boolean(settings?.eligibility.permanentAllowed ?? true), start: null, end: null, justification: '' });
    fill(bodyEl, h('p', { class: 'hint', text: `Setting \u00b7 ${roleName(map, chosenRole)} \u00b7 ${[...selected.values()].map((u) => u.displayName).join(', ')}` }), form.fields);
    const assign = h('button', { type: 'button', class: 'primary', id: 'assign' }, 'Assign');
    assign.addEventListener('click', async () => {
      fill(errors);
      const v = form.read();
      assign.disabled = true;
      const done = [];
      try {
        for (const u of selected.values()) {
          await graph(`${RM}/${v.kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`, {
            method: 'POST',
            body: { action: 'adminAssign', principalId: u.id, roleDefinitionId: chosenRole, directoryScopeId: '/', ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) },
          });
          done.push(u.displayName);
        }
        flash('ok', `Added: ${done.join(', ')} ${v.kind === 'eligibility' ? `${v.permanent ? 'permanently ' : ''}eligible for` : `${v.permanent ? 'permanently ' : ''}assigned (active)`} ${roleName(map, chosenRole)}.`);
        go(roleId ? `#/pim/roles/${roleId}/${v.kind === 'eligibility' ? 'eligible' : 'active'}` : `#/pim/assignments/${v.kind === 'eligibility' ? 'eligible' : 'active'}`);
      } catch (e) {
        fill(errors, errorBanner(e, done.length ? `Assigned ${done.join(', ')}, then the next assignment failed` : 'The assignment failed'));
        assign.disabled = false;
      }
    });
    fill(footEl, h('button', { type: 'button', onclick: () => {
      step.n = 1;
      paint();
    } }, '< Prev'), assign, h('button', { type: 'button', onclick: () => go(back) }, 'Cancel'));
  };
  const paint = () => {
    fill(errors);
    if (step.n === 1) membership();
    else setting();
    paneEl.querySelector('h2').focus();
  };
  paint();
}

async function updateAssignmentPane(view, { kind, scheduleId, map, back, stale }) {
  const segment = kind === 'eligibility' ? 'roleEligibilitySchedules' : 'roleAssignmentSchedules';
  let s;
  try {
    s = await graph(`${RM}/${segment}/${encodeURIComponent(scheduleId)}?$expand=principal`);
  } catch (e) {
    put(view, errorBanner(e, 'The assignment could not be read'));
    return;
  }
  const settings = await assignmentSettings(s.roleDefinitionId);
  if (stale()) return;
  const rn = roleName(map, s.roleDefinitionId);
  const who = principalLabel(s.principal) || s.principalId;
  const w = scheduleWindow({ scheduleInfo: s.scheduleInfo, createdDateTime: s.createdDateTime });
  const form = assignmentSettingsForm({ settings, kind, permanent: w?.end === null, start: w?.start, end: w?.end, justification: '' });
  const errors = h('div', { id: 'update-errors' });
  const save = h('button', { type: 'button', class: 'primary', id: 'save' }, 'Save');
  pane(view, {
    title: 'Membership settings',
    subtitle: `Update \u00b7 ${who} \u00b7 ${rn}`,
    onClose: () => go(back),
    body: [form.fields, errors],
    foot: [save, h('button', { type: 'button', onclick: () => go(back) }, 'Cancel')],
  });
  save.addEventListener('click', async () => {
    fill(errors);
    const v = form.read();
    const base = { principalId: s.principalId, roleDefinitionId: s.roleDefinitionId, directoryScopeId: s.directoryScopeId ?? '/' };
    const col = (k) => `${RM}/${k === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`;
    save.disabled = true;
    try {
      if (v.kind === kind) {
        await graph(col(kind), { method: 'POST', body: { action: 'adminUpdate', ...base, ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) } });
      } else {
        // Changing the type: the new assignment first, so a refusal leaves the old one in place.
        await graph(col(v.kind), { method: 'POST', body: { action: 'adminAssign', ...base, ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) } });
        await graph(col(kind), { method: 'POST', body: { action: 'adminRemove', ...base } });
      }
      flash('ok', `Updated: ${who} is now ${v.kind === 'eligibility' ? 'eligible for' : 'assigned (active)'} ${rn}${v.permanent ? ', permanently' : ` until ${fmt(v.endIso)}`}.`);
      go(back.replace(/\/(eligible|active)$/, `/${v.kind === 'eligibility' ? 'eligible' : 'active'}`));
    } catch (e) {
      fill(errors, errorBanner(e, 'The assignment was not updated'));
      save.disabled = false;
    }
  });
}

// ------------------------------------------------------------------ Manage › Settings (Phase 2)

async function settingsListView(view, route, stale) {
  header(view, { crumbs: [PIM_CRUMB, ['Settings', '#/pim/settings']], title: 'Settings | Microsoft Entra roles', subtitle: 'Role settings: how each role is activated and assigned, and who is told. Configure a role before anyone is assigned to it.' });
  const [map, assignments] = await Promise.all([roles(), list(`/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(DIRECTORY_ROLE)}&$expand=policy`)]);
  if (stale()) return;
  const modified = new Map(assignments.map((a) => [a.roleDefinitionId, a.policy?.lastModifiedDateTime]));
  const filter = h('input', { type: 'search', id: 'settings-filter', placeholder: 'Search by role name' });
  const holder = h('div');
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = [...map.values()].filter((r) => !q || r.displayName.toLowerCase().includes(q)).sort((x, y) => x.displayName.localeCompare(y.displayName));
    fill(holder, table(['Role', 'Modified', 'Last modified'], rows.map((r) => [h('a', { href: `#/pim/settings/${r.id}`, text: r.displayName }), modified.get(r.id) ? 'Yes' : 'No', fmt(modified.get(r.id))]), ['No roles match']));
  };
  filter.addEventListener('input', paint);
  paint();
  put(view, h('div', { class: 'blade' }, h('div', { class: 'filterbar' }, h('label', { for: 'settings-filter', class: 'sr-only', text: 'Search by role name' }), filter), holder));
}

const NOTIFICATION_GROUPS = [
  ['Send notifications when members are assigned as eligible to this role', 'Eligibility', 'Admin', ['Role assignment alert', 'Notification to the assigned user (assignee)', 'Request to approve a role assignment renewal/extension']],
  ['Send notifications when members are assigned as active to this role', 'Assignment', 'Admin', ['Role assignment alert', 'Notification to the assigned user (assignee)', 'Request to approve a role assignment renewal/extension']],
  ['Send notifications when eligible members activate this role', 'Assignment', 'EndUser', ['Role activation alert', 'Notification to activated user (requestor)', 'Request to approve an activation']],
];
const RECIPIENTS = ['Admin', 'Requestor', 'Approver'];
const notificationRuleId = (recipient, caller, level) => `Notification_${recipient}_${caller}_${level}`;
const EXPIRE_OPTIONS = [['P15D', '15 days'], ['P30D', '1 month'], ['P90D', '3 months'], ['P180D', '6 months'], ['P365D', '1 year']];
const yesNo = (b) => (b ? 'Yes' : 'No');

async function settingsDetailView(view, route, stale) {
  const roleId = route.parts[2];
  const [map, policy] = await Promise.all([roles(), policyRules(roleId)]);
  if (stale()) return;
  const name = roleName(map, roleId);
  header(view, { crumbs: [PIM_CRUMB, ['Settings', '#/pim/settings'], [name, `#/pim/settings/${roleId}`]], title: `Role setting details - ${name}`, subtitle: policy.lastModifiedDateTime ? `Last modified ${fmt(policy.lastModifiedDateTime)} by ${policy.lastModifiedBy?.displayName ?? 'unknown'}` : 'Default settings (never modified)' });
  const r = (id) => ruleOf(policy, id);
  const act = activationSettings(policy);
  const approvers = r('Approval_EndUser_Assignment')?.setting?.approvalStages?.[0]?.primaryApprovers ?? [];
  const users = await usersById().catch(() => new Map());
  const elig = r('Expiration_Admin_Eligibility');
  const asg = r('Expiration_Admin_Assignment');
  const adminEn = r('Enablement_Admin_Assignment')?.enabledRules ?? [];
  const rows = (pairs) => h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Setting' }), h('th', { scope: 'col', text: 'State' }))), h('tbody', {}, pairs.map(([k, v]) => h('tr', {}, h('td', { text: k }), h('td', { text: v })))));
  put(view, 
    h('div', { class: 'commandbar' }, h('a', { class: 'button command', id: 'edit', href: `#/pim/settings/${roleId}/edit`, text: '\u270e Edit' }), h('a', { class: 'button command', href: `#/pim/roles/${roleId}`, text: 'Assignments' })),
    h('section', { class: 'blade', 'aria-labelledby': 'sd-activation' }, h('h2', { id: 'sd-activation', text: 'Activation' }), rows([
      ['Activation maximum duration (hours)', hoursText(durationMs(r('Expiration_EndUser_Assignment')?.maximumDuration) / HOUR)],
      ['On activation, require', act.authContext ? `Microsoft Entra Conditional Access authentication context (${act.authContext})` : act.mfa ? 'Azure MFA' : 'None'],
      ['Require justification on activation', yesNo(act.justification)],
      ['Require ticket information on activation', yesNo(act.ticketing)],
      ['Require approval to activate', yesNo(act.approval)],
      ['Approvers', approvers.length ? approvers.map((a) => users.get(a.userId)?.displayName ?? a.userId ?? a.groupId).join(', ') : 'None (Privileged Role Administrators and Global Administrators)'],
    ])),
    h('section', { class: 'blade', 'aria-labelledby': 'sd-assignment' }, h('h2', { id: 'sd-assignment', text: 'Assignment' }), rows([
      ['Allow permanent eligible assignment', yesNo(!elig?.isExpirationRequired)],
      ['Expire eligible assignments after', elig?.isExpirationRequired ? describeDuration(elig.maximumDuration) : '-'],
      ['Allow permanent active assignment', yesNo(!asg?.isExpirationRequired)],
      ['Expire active assignments after', asg?.isExpirationRequired ? describeDuration(asg.maximumDuration) : '-'],
      ['Require Azure Multi-Factor Authentication on active assignment', yesNo(adminEn.includes('MultiFactorAuthentication'))],
      ['Require justification on active assignment', yesNo(adminEn.includes('Justification'))],
    ])),
    NOTIFICATION_GROUPS.map(([title, level, caller, labels], gi) => h('section', { class: 'blade', 'aria-labelledby': `sd-n${gi}` },
      h('h2', { id: `sd-n${gi}`, text: title }),
      h('table', {}, h('thead', {}, h('tr', {}, ['Type', 'Default recipients', 'Additional recipients', 'Critical emails only'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, RECIPIENTS.map((rec, i) => {
          const rule = r(notificationRuleId(rec, caller, level));
          return h('tr', {}, h('td', { text: labels[i] }), h('td', { text: rule?.notificationLevel === 'None' ? 'Off' : yesNo(rule?.isDefaultRecipientsEnabled) }), h('td', { text: (rule?.notificationRecipients ?? []).join(', ') || 'None' }), h('td', { text: yesNo(rule?.notificationLevel === 'Critical') }));
        }))))));
}

/** Manage › Settings › {role} › Edit: the Activation, Assignment and Notification tabs over the rules (reference §3.3). */
async function settingsEditView(view, route, stale) {
  const roleId = route.parts[2];
  const [map, policy, users] = await Promise.all([roles(), policyRules(roleId), usersById().catch(() => new Map())]);
  if (stale()) return;
  const name = roleName(map, roleId);
  header(view, { crumbs: [PIM_CRUMB, ['Settings', '#/pim/settings'], [name, `#/pim/settings/${roleId}`], ['Edit']], title: `Edit role setting - ${name}`, subtitle: 'Privileged Identity Management | Microsoft Entra roles' });
  const r = (id) => ruleOf(policy, id);
  const act = activationSettings(policy);
  const checkbox = (id, label, checked, extra = {}) => {
    const input = h('input', { type: 'checkbox', id, checked, ...extra });
    return { input, el: h('div', { class: 'check' }, input, h('label', { for: id, class: 'inline', text: label })) };
  };

  // ---- Activation
  const maxHours = durationMs(r('Expiration_EndUser_Assignment')?.maximumDuration) / HOUR;
  const maxSlider = h('input', { type: 'range', id: 'max-duration', min: '0.5', max: '24', step: '0.5', value: String(maxHours), 'aria-valuetext': hoursText(maxHours) });
  const maxOut = h('output', { for: 'max-duration', id: 'max-duration-out', text: hoursText(maxHours) });
  const shortWarn = h('div', { id: 'short-warning', 'aria-live': 'polite' });
  const paintShort = () => {
    const v = Number(maxSlider.value);
    maxOut.textContent = hoursText(v);
    maxSlider.setAttribute('aria-valuetext', hoursText(v));
    fill(shortWarn, v < 2
      ? h('div', { class: 'banner warn' }, h('p', {}, h('strong', { text: 'Activation duration too short. ' }), `Under 2 hours, users activate, lose access mid-task, re-activate and lose it again; the helpdesk gets the pushback. 8 hours is the practical default for daily admin work, 4 hours for sensitive roles such as Global Administrator.`))
      : '');
  };
  maxSlider.addEventListener('input', paintShort);
  paintShort();
  const mfa = checkbox('require-mfa', 'Require Azure MFA on activation', act.mfa && !act.authContext);
  const ac = checkbox('require-auth-context', 'Require Microsoft Entra Conditional Access authentication context on activation', Boolean(act.authContext));
  const acValue = h('input', { type: 'text', id: 'auth-context-value', value: act.authContext ?? 'c1', size: '6', 'aria-label': 'Authentication context id' });
  mfa.input.addEventListener('change', () => mfa.input.checked && (ac.input.checked = false));
  ac.input.addEventListener('change', () => ac.input.checked && (mfa.input.checked = false));
  const just = checkbox('require-justification', 'Require justification on activation', act.justification);
  const ticket = checkbox('require-ticket', 'Require ticket information on activation', act.ticketing);
  const approval = r('Approval_EndUser_Assignment');
  const approvalReq = checkbox('require-approval', 'Require approval to activate', Boolean(approval?.setting?.isApprovalRequired));
  const currentApprovers = new Set((approval?.setting?.approvalStages?.[0]?.primaryApprovers ?? []).map((a) => a.userId).filter(Boolean));
  const approverBoxes = [...users.values()].map((u) => checkbox(`approver-${u.id}`, `${u.displayName} (${u.userPrincipalName})`, currentApprovers.has(u.id), { 'data-user': u.id }));
  const approvers = h('fieldset', { id: 'approvers' }, h('legend', { text: 'Select approver(s)' }),
    h('p', { class: 'hint', text: 'If no approver is selected, Privileged Role Administrators and Global Administrators approve.' }), approverBoxes.map((b) => b.el));
  const paintApprovers = () => (approvers.hidden = !approvalReq.input.checked);
  approvalReq.input.addEventListener('change', paintApprovers);
  paintApprovers();
  const activationPanel = [
    h('label', { for: 'max-duration', text: 'Activation maximum duration (hours)' }),
    h('div', { class: 'slider-row' }, maxSlider, maxOut),
    shortWarn,
    h('p', { class: 'hint', text: 'The longest a single activation can run before it ends by itself. Set the shortest window your operations need; users can re-activate.' }),
    mfa.el,
    h('div', { class: 'check' }, ac.input, h('label', { for: 'require-auth-context', class: 'inline', text: 'Require Microsoft Entra Conditional Access authentication context on activation' }), acValue),
    just.el, ticket.el, approvalReq.el, approvers,
  ];

  // ---- Assignment
  const elig = r('Expiration_Admin_Eligibility');
  const asg = r('Expiration_Admin_Assignment');
  const adminEn = r('Enablement_Admin_Assignment')?.enabledRules ?? [];
  const expireSelect = (id, rule) => h('select', { id, value: EXPIRE_OPTIONS.some(([v]) => v === rule?.maximumDuration) ? rule.maximumDuration : 'P365D' }, EXPIRE_OPTIONS.map(([v, t]) => h('option', { value: v, text: t })));
  const permElig = checkbox('allow-permanent-eligible', 'Allow permanent eligible assignment', !elig?.isExpirationRequired);
  const eligAfter = expireSelect('expire-eligible-after', elig);
  const permActive = checkbox('allow-permanent-active', 'Allow permanent active assignment', !asg?.isExpirationRequired);
  const activeAfter = expireSelect('expire-active-after', asg);
  const permWarn = h('div', { id: 'permanent-active-warning', 'aria-live': 'polite' });
  const paintPerm = () => {
    eligAfter.disabled = permElig.input.checked;
    activeAfter.disabled = permActive.input.checked;
    fill(permWarn, permActive.input.checked
      ? h('div', { class: 'banner warn' }, h('p', {}, h('strong', { text: 'Permanent active assignment is allowed. ' }), 'Anyone assigned Active + Permanent has this role\u2019s powers 24/7: no expiry, no MFA on activation, no justification. That defeats the point of PIM \u2014 untick this so every active assignment must have an end date.'))
      : '');
  };
  permElig.input.addEventListener('change', paintPerm);
  permActive.input.addEventListener('change', paintPerm);
  paintPerm();
  const adminMfa = checkbox('require-mfa-active-assignment', 'Require Azure Multi-Factor Authentication on active assignment', adminEn.includes('MultiFactorAuthentication'));
  const adminJust = checkbox('require-justification-active-assignment', 'Require justification on active assignment', adminEn.includes('Justification'));
  const assignmentPanel = [
    permElig.el,
    h('label', { for: 'expire-eligible-after', text: 'Expire eligible assignments after' }), eligAfter,
    permActive.el,
    permWarn,
    h('label', { for: 'expire-active-after', text: 'Expire active assignments after' }), activeAfter,
    adminMfa.el, adminJust.el,
    h('p', { class: 'hint', text: `Enablement_Admin_Eligibility has no control in the portal (Graph accepts PATCHes to it): ${JSON.stringify(r('Enablement_Admin_Eligibility')?.enabledRules ?? [])}.` }),
  ];

  // ---- Notification
  const notif = [];
  const notificationPanel = NOTIFICATION_GROUPS.map(([title, level, caller, labels], gi) => h('fieldset', {},
    h('legend', { text: title }),
    h('table', {}, h('thead', {}, h('tr', {}, ['Type', 'Default recipients', 'Additional recipients', 'Critical emails only'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, RECIPIENTS.map((rec, i) => {
        const id = notificationRuleId(rec, caller, level);
        const rule = r(id);
        const def = h('input', { type: 'checkbox', id: `${id}-default`, checked: rule?.isDefaultRecipientsEnabled, 'aria-label': `Default recipients: ${labels[i]} (${title.toLowerCase()})` });
        const extra = h('input', { type: 'text', id: `${id}-recipients`, value: (rule?.notificationRecipients ?? []).join(', '), placeholder: 'name@example.com', 'aria-label': `Additional recipients: ${labels[i]} (${title.toLowerCase()})` });
        const critical = h('input', { type: 'checkbox', id: `${id}-critical`, checked: rule?.notificationLevel === 'Critical', 'aria-label': `Critical emails only: ${labels[i]} (${title.toLowerCase()})` });
        notif.push({ id, rule, def, extra, critical, gi });
        return h('tr', {}, h('td', { text: labels[i] }), h('td', {}, def), h('td', {}, extra), h('td', {}, critical));
      })))));

  // ---- tabs (WAI-ARIA tabs: arrow keys move between them)
  const tabs = [['activation', 'Activation', activationPanel], ['assignment', 'Assignment', assignmentPanel], ['notification', 'Notification', notificationPanel]];
  const initial = tabs.some(([id]) => id === route.query.get('tab')) ? route.query.get('tab') : 'activation';
  const tabButtons = tabs.map(([id, label]) => h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, 'aria-selected': String(id === initial), tabindex: id === initial ? '0' : '-1', text: label }));
  const panels = tabs.map(([id, , content]) => h('div', { role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, hidden: id !== initial, tabindex: '0' }, content));
  const select = (i) => {
    tabButtons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    tabButtons[i].focus();
  };
  tabButtons.forEach((b, i) => {
    b.addEventListener('click', () => select(i));
    b.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowRight') select((i + 1) % tabs.length);
      else if (ev.key === 'ArrowLeft') select((i + tabs.length - 1) % tabs.length);
      else if (ev.key === 'Home') select(0);
      else if (ev.key === 'End') select(tabs.length - 1);
      else return;
      ev.preventDefault();
    });
  });
  const errors = h('div', { id: 'settings-errors' });
  const update = h('button', { type: 'button', class: 'primary', id: 'update' }, 'Update');
  put(view, h('div', { class: 'blade' },
    h('div', { role: 'tablist', 'aria-label': 'Role settings' }, tabButtons),
    panels,
    errors,
    h('div', { class: 'buttons' }, update, h('a', { class: 'button', href: `#/pim/settings/${roleId}`, text: 'Cancel' }))));

  update.addEventListener('click', async () => {
    fill(errors);
    const type = (rule) => rule['@odata.type'];
    const patches = [];
    const want = (rule, fields) => {
      if (!rule) return;
      const changed = Object.entries(fields).some(([k, v]) => JSON.stringify(rule[k] ?? null) !== JSON.stringify(v));
      if (changed) patches.push({ rule, body: { '@odata.type': type(rule), id: rule.id, ...fields, target: rule.target } });
    };
    // Activation → Expiration_EndUser_Assignment, Enablement_EndUser_Assignment, AuthenticationContext_EndUser_Assignment, Approval_EndUser_Assignment
    const endUserExp = r('Expiration_EndUser_Assignment');
    want(endUserExp, { isExpirationRequired: true, maximumDuration: hoursToIso(Number(maxSlider.value)) });
    const enabled = [...(mfa.input.checked ? ['MultiFactorAuthentication'] : []), ...(just.input.checked ? ['Justification'] : []), ...(ticket.input.checked ? ['Ticketing'] : [])];
    const enRule = r('Enablement_EndUser_Assignment');
    if (enRule && JSON.stringify([...enRule.enabledRules].sort()) !== JSON.stringify([...enabled].sort())) patches.push({ rule: enRule, body: { '@odata.type': type(enRule), id: enRule.id, enabledRules: enabled, target: enRule.target } });
    const acRule = r('AuthenticationContext_EndUser_Assignment');
    want(acRule, ac.input.checked ? { isEnabled: true, claimValue: acValue.value.trim() || 'c1' } : { isEnabled: false, claimValue: acRule?.claimValue ?? null });
    if (approval) {
      const chosen = approverBoxes.filter((b) => b.input.checked).map((b) => b.input.dataset.user);
      const was = approval.setting ?? {};
      const wasApprovers = (was.approvalStages?.[0]?.primaryApprovers ?? []).map((a) => a.userId ?? a.groupId);
      const changed = Boolean(was.isApprovalRequired) !== approvalReq.input.checked || (approvalReq.input.checked && JSON.stringify([...wasApprovers].sort()) !== JSON.stringify([...chosen].sort()));
      if (changed) {
        const stage = { ...(was.approvalStages?.[0] ?? {}), primaryApprovers: approvalReq.input.checked ? chosen.map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser', userId })) : was.approvalStages?.[0]?.primaryApprovers ?? [] };
        patches.push({ rule: approval, body: { '@odata.type': type(approval), id: approval.id, target: approval.target, setting: { isApprovalRequired: approvalReq.input.checked, isApprovalRequiredForExtension: Boolean(was.isApprovalRequiredForExtension), isRequestorJustificationRequired: was.isRequestorJustificationRequired ?? true, approvalMode: was.approvalMode ?? 'SingleStage', approvalStages: [stage] } } });
      }
    }
    // Assignment → Expiration_Admin_Eligibility, Expiration_Admin_Assignment, Enablement_Admin_Assignment
    want(elig, { isExpirationRequired: !permElig.input.checked, maximumDuration: permElig.input.checked ? elig?.maximumDuration : eligAfter.value });
    want(asg, { isExpirationRequired: !permActive.input.checked, maximumDuration: permActive.input.checked ? asg?.maximumDuration : activeAfter.value });
    const adminRule = r('Enablement_Admin_Assignment');
    const adminWanted = [...(adminMfa.input.checked ? ['MultiFactorAuthentication'] : []), ...(adminJust.input.checked ? ['Justification'] : [])];
    if (adminRule && JSON.stringify([...adminRule.enabledRules].sort()) !== JSON.stringify([...adminWanted].sort())) patches.push({ rule: adminRule, body: { '@odata.type': type(adminRule), id: adminRule.id, enabledRules: adminWanted, target: adminRule.target } });
    // Notification → the nine Notification_* rules
    for (const n of notif) {
      if (!n.rule) continue;
      const recipients = n.extra.value.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);
      const level = n.critical.checked ? 'Critical' : n.rule.notificationLevel === 'None' ? 'None' : 'All';
      want(n.rule, { isDefaultRecipientsEnabled: n.def.checked, notificationRecipients: recipients, notificationLevel: level });
    }
    if (!patches.length) {
      flash('ok', `No changes to the role settings of ${name}.`);
      return go(`#/pim/settings/${roleId}`);
    }
    update.disabled = true;
    update.setAttribute('aria-busy', 'true');
    const saved = [];
    for (const p of patches) {
      try {
        await graph(`/v1.0/policies/roleManagementPolicies/${encodeURIComponent(policy.id)}/rules/${p.rule.id}`, { method: 'PATCH', body: p.body });
        saved.push(p.rule.id);
      } catch (e) {
        fill(errors, errorBanner(e, `Rule ${p.rule.id} was not saved${saved.length ? ` (saved before it: ${saved.join(', ')})` : ''}`));
        update.disabled = false;
        update.removeAttribute('aria-busy');
        return;
      }
    }
    flash('ok', `Role settings updated for ${name}: ${saved.join(', ')}.`);
    go(`#/pim/settings/${roleId}`);
  });
}

// ------------------------------------------------------------------ Audit history

async function auditView(view, route, stale) {
  header(view, { crumbs: [PIM_CRUMB, ['Audit history', '#/pim/audit']], title: 'Audit history | Microsoft Entra roles', subtitle: 'The directory audit log: assignments, activations and setting changes, newest first.' });
  const q = route.query.get('search') ?? '';
  const search = h('input', { type: 'search', id: 'audit-search', value: q, placeholder: 'e.g. INC1234 or sign-in logs' });
  const form = h('form', { class: 'filterbar', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    go(`#/pim/audit${search.value.trim() ? `?search=${encodeURIComponent(search.value.trim())}` : ''}`);
  } }, h('label', { for: 'audit-search', text: 'Search justifications', style: 'margin:0' }), search, h('button', { type: 'submit', id: 'audit-search-go' }, 'Search'));
  put(view, h('div', { class: 'blade' }, form,
    h('p', { class: 'hint', text: 'Search runs on the emulator (/_emulator/tenants/{tenant}/audit): Graph\u2019s $filter cannot look inside justifications. Without a search the list comes from Microsoft Graph (/v1.0/auditLogs/directoryAudits).' })));
  let records;
  try {
    if (q) {
      const t = session().tenant ?? me().tid;
      records = (await emu(`/tenants/${encodeURIComponent(t)}/audit?search=${encodeURIComponent(q)}`)).value ?? [];
    } else {
      records = await list('/v1.0/auditLogs/directoryAudits?$top=100');
    }
  } catch (e) {
    put(view, errorBanner(e, 'The audit log could not be read'));
    return;
  }
  if (stale()) return;
  const detail = (a, key) => a.additionalDetails?.find((d) => d.key === key)?.value;
  put(view, h('div', { class: 'blade', id: 'audit' },
    h('p', { class: 'hint', id: 'audit-count', role: 'status', text: q ? `${records.length} record(s) match \u201c${q}\u201d` : `The ${records.length} newest record(s)` }),
    table(['Date', 'Activity', 'Initiated by', 'Role', 'Target', 'Justification', 'Result'],
    records.map((a) => {
      const role = a.targetResources?.find((t) => t.type === 'Role');
      const target = a.targetResources?.find((t) => ['User', 'Group', 'ServicePrincipal'].includes(t.type));
      return [fmt(a.activityDateTime), a.activityDisplayName, a.initiatedBy?.user?.displayName ?? a.initiatedBy?.app?.displayName ?? '-', role?.displayName ?? '-', target?.displayName ?? '-', detail(a, 'Justification') ?? '-', a.result];
    }),
    [q ? `No audit records match \u201c${q}\u201d` : 'No audit records yet'])));
}

// ------------------------------------------------------------------ Workshop guide

/** Security Reader's id: built-in role definitions are the same in every tenant (clones share them). */
const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
const ASK_ADMIN = 'Sign in as the admin to check this step.';
const NOT_READABLE = 'Your roles cannot read this.';
const NOBODY = 'Sign in to check this.';
const GUIDE_POLL_MS = 3000;

/** A promise's outcome as a value: { ok, value } or { ok: false, error }. */
const settle = (p) => p.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
/** True when a read failed because of who is signed in (or nobody is), not because something broke. */
const notAllowed = (e) => e instanceof SignedOut || (e instanceof GraphFailure && (e.status === 401 || e.status === 403));
const auditDetail = (a, key) => a.additionalDetails?.find((d) => d.key === key)?.value;
const targets = (a, id) => (a.targetResources ?? []).some((t) => t.id?.toLowerCase() === id.toLowerCase());
const byTime = (x, y) => Date.parse(x.activityDateTime ?? x.createdDateTime) - Date.parse(y.activityDateTime ?? y.createdDateTime);
const whoDid = (a) => a.initiatedBy?.user?.userPrincipalName ?? a.initiatedBy?.user?.displayName ?? a.initiatedBy?.app?.displayName ?? 'someone';

/**
 * Everything the guide looks at, read as the signed-in user: the audit log (history, preferred),
 * Security Reader's role settings, pimuser's roles and requests (pimuser reads its own through
 * filterByCurrentUser; others need a PIM reader role), and the admin's inbox (the emulator's capture,
 * readable by anyone). A read that fails is kept as the failure: the steps say what it means.
 */
async function guideFacts(tenant) {
  const persona = (local) => tenant.users.find((u) => u.userPrincipalName.toLowerCase().startsWith(`${local}@`));
  const pim = persona('pimuser');
  const admin = persona('admin');
  const c = session() ? me() : null;
  const asPimuser = Boolean(c && pim && c.oid === pim.id);
  const signedOut = { ok: false, error: new SignedOut('Nobody is signed in in this window.') };
  const read = (fn) => (c ? settle(fn()) : Promise.resolve(signedOut));
  const byPrincipal = (segment) => `${RM}/${segment}?$filter=${encodeURIComponent(`principalId eq '${pim.id}'`)}`;
  const own = (segment) => `${RM}/${segment}/filterByCurrentUser(on='principal')`;
  const [audits, policy, roles, eligibilityRequests, assignmentRequests, mail] = await Promise.all([
    read(() => list(`/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("loggedByService eq 'PIM'")}&$top=999`)),
    read(() => policyRules(SECURITY_READER)),
    pim
      ? read(async () => (await Promise.all(asPimuser
        ? [list(own('roleEligibilityScheduleInstances')), list(own('roleAssignmentScheduleInstances'))]
        : [list(byPrincipal('roleEligibilitySchedules')), list(byPrincipal('roleAssignmentSchedules'))])).flat())
      : Promise.resolve(signedOut),
    pim ? read(() => list(asPimuser ? own('roleEligibilityScheduleRequests') : byPrincipal('roleEligibilityScheduleRequests'))) : Promise.resolve(signedOut),
    pim ? read(() => list(asPimuser ? own('roleAssignmentScheduleRequests') : byPrincipal('roleAssignmentScheduleRequests'))) : Promise.resolve(signedOut),
    admin ? settle(emu(`/tenants/${encodeURIComponent(tenant.name)}/mail?to=${encodeURIComponent(admin.userPrincipalName)}&limit=500`)) : Promise.resolve({ ok: false, error: new Error('This tenant has no admin@ persona.') }),
  ]);
  return { tenant, pim, admin, audits, policy, roles, eligibilityRequests, assignmentRequests, mail };
}

/** An item of a step: done, todo or unknown (unknown says why: the user's permissions, or an error). */
const item = (text, state, note) => ({ text, state, note });
function unknownItem(text, error) {
  if (!notAllowed(error)) return item(text, 'unknown', `It could not be read: ${error?.message ?? error}.`);
  return item(text, 'unknown', session() ? NOT_READABLE : NOBODY);
}

/** The five phases with their checks, from the facts (pure: same facts, same answer). */
function guideSteps(f) {
  const pimName = f.pim?.displayName ?? 'PIM User';
  const srAudits = (pattern) => (f.audits.ok ? f.audits.value.filter((a) => pattern.test(a.activityDisplayName) && targets(a, SECURITY_READER) && f.pim && targets(a, f.pim.id)).sort(byTime) : []);
  const srRequests = (r, action) => (r.ok ? r.value.filter((x) => x.roleDefinitionId === SECURITY_READER && String(x.action).toLowerCase() === action.toLowerCase()).sort(byTime) : []);
  const ok = (s) => ['provisioned', 'granted', 'schedulecreated'].includes(String(s).toLowerCase());
  const subjects = f.mail.ok ? f.mail.value.messages.map((m) => m.subject ?? '') : [];
  const mailItem = (label, pattern) => (f.mail.ok
    ? subjects.some((s) => pattern.test(s)) ? item(label, 'done') : item(label, 'todo', 'Not in the inbox yet (it refreshes by itself).')
    : unknownItem(label, f.mail.error));
  const inbox = f.admin?.userPrincipalName ?? 'the admin';
  const policy = f.policy.ok ? f.policy.value : null;
  const rule = (id) => policy?.rules.find((r) => r.id === id);
  const policyItem = (text, test, now) => (policy ? item(text, test() ? 'done' : 'todo', test() ? undefined : now()) : unknownItem(text, f.policy.error));

  // Phase 3's evidence first: Phases 1, 4 and 5 refer to it.
  const eligibleAdds = srAudits(/^Add eligible member to role in PIM completed \((permanent|timebound)\)$/);
  const eligibleRemoves = srAudits(/^Remove eligible member from role in PIM completed \((permanent|timebound)\)$/);
  const assigns = srRequests(f.eligibilityRequests, 'adminAssign').filter((r) => ok(r.status));
  const removes = srRequests(f.eligibilityRequests, 'adminRemove');
  const permanent = (r) => String(r.scheduleInfo?.expiration?.type ?? '').toLowerCase() === 'noexpiration';
  let assigned;
  const assignedText = `${pimName} is eligible for Security Reader, permanently`;
  if (f.audits.ok) {
    const perm = eligibleAdds.find((a) => a.activityDisplayName.endsWith('(permanent)'));
    assigned = perm
      ? item(assignedText, 'done', `Audit log: \u201c${perm.activityDisplayName}\u201d, ${fmt(perm.activityDateTime)}, by ${whoDid(perm)}.`)
      : item(assignedText, 'todo', eligibleAdds.length ? 'Eligible with an end date (timebound): the article ticks Permanently eligible.' : 'No \u201cAdd eligible member to role in PIM completed\u201d record in the audit log yet.');
  } else if (f.eligibilityRequests.ok) {
    const perm = assigns.find(permanent);
    assigned = perm
      ? item(assignedText, 'done', `Eligibility request ${perm.status}, ${fmt(perm.createdDateTime)} (roleEligibilityScheduleRequests).`)
      : item(assignedText, 'todo', assigns.length ? 'Eligible with an end date: the article ticks Permanently eligible.' : 'No eligible assignment to Security Reader yet.');
  } else {
    assigned = unknownItem(assignedText, f.audits.error);
  }

  // Phase 1: the baseline. pimuser holds no role — Security Reader from Phase 3 on aside.
  const baselineText = `${pimName} holds no Microsoft Entra role`;
  let baseline;
  if (f.roles.ok) {
    const others = [...new Set(f.roles.value.map((r) => r.roleDefinitionId).filter((id) => id !== SECURITY_READER))];
    const holdsSr = f.roles.value.some((r) => r.roleDefinitionId === SECURITY_READER);
    baseline = others.length
      ? item(baselineText, 'todo', `${pimName} holds ${others.length} other role(s) (${others.join(', ')}): not the clean baseline the article starts from.`)
      : item(baselineText, 'done', holdsSr ? 'Apart from Security Reader, which Phase 3 gives.' : 'My roles \u203a Eligible assignments: No eligible assignments found.');
  } else {
    baseline = unknownItem(baselineText, f.roles.error);
  }

  // Phase 2: Security Reader's role settings as the article sets them.
  const maxMs = durationMs(rule('Expiration_EndUser_Assignment')?.maximumDuration);
  const enabled = rule('Enablement_EndUser_Assignment')?.enabledRules ?? [];
  const settingsItems = [
    policyItem('Activation maximum duration: 8 hours', () => maxMs === 8 * HOUR, () => `Now ${describeDuration(rule('Expiration_EndUser_Assignment')?.maximumDuration)}.`),
    policyItem('Require Azure MFA on activation', () => enabled.includes('MultiFactorAuthentication'), () => 'Not ticked.'),
    policyItem('Require justification on activation', () => enabled.includes('Justification'), () => 'Not ticked.'),
    policyItem('Allow permanent eligible assignment', () => rule('Expiration_Admin_Eligibility')?.isExpirationRequired === false, () => 'Not ticked: eligible assignments need an end date.'),
    policyItem('Allow permanent active assignment: unticked', () => rule('Expiration_Admin_Assignment')?.isExpirationRequired === true, () => 'Still ticked: the load-bearing change of this phase.'),
  ];
  const settingUpdates = f.audits.ok ? f.audits.value.filter((a) => a.activityDisplayName === 'Update role setting in PIM' && targets(a, SECURITY_READER)).sort(byTime) : [];
  let settingsNote;
  if (settingUpdates.length) {
    const last = settingUpdates.at(-1);
    settingsNote = `Audit log: \u201cUpdate role setting in PIM\u201d ${settingUpdates.length} time(s), last ${fmt(last.activityDateTime)} by ${whoDid(last)}.`;
    if (eligibleAdds.length && byTime(settingUpdates[0], eligibleAdds[0]) > 0) settingsNote += ` The settings changed after ${pimName} was assigned: configure first, then assign, or existing assignments inherit the change.`;
  }

  // Phase 4: the activation, its reason, MFA (the role setting), the second mail.
  const activatedText = `${pimName} activated Security Reader`;
  let activation; // { justification, when, source } or null
  let activated;
  if (f.audits.ok) {
    const a = srAudits(/^Add member to role completed \(PIM activation\)$/).at(-1);
    const waiting = srAudits(/^Add member to role approval requested \(PIM activation\)$/).length > srAudits(/^Add member to role request (approved|denied) \(PIM activation\)$/).length;
    activation = a ? { justification: auditDetail(a, 'Justification'), note: `Audit log: \u201c${a.activityDisplayName}\u201d, ${fmt(a.activityDateTime)}.` } : null;
    activated = a ? item(activatedText, 'done', activation.note) : item(activatedText, 'todo', waiting ? 'The request is waiting for approval.' : 'No \u201cAdd member to role completed (PIM activation)\u201d record yet.');
  } else if (f.assignmentRequests.ok) {
    const all = srRequests(f.assignmentRequests, 'selfActivate');
    const r = all.filter((x) => ok(x.status)).at(-1);
    activation = r ? { justification: r.justification, note: `Activation request ${r.status}, ${fmt(r.createdDateTime)} (roleAssignmentScheduleRequests).` } : null;
    const pending = all.some((x) => /^PendingApproval/.test(x.status));
    activated = r ? item(activatedText, 'done', activation.note) : item(activatedText, 'todo', pending ? 'The request is waiting for approval.' : 'No activation yet.');
  } else {
    activated = unknownItem(activatedText, f.audits.error);
  }
  const reasonText = 'With a reason (it goes into the audit log)';
  const reason = activated.state === 'unknown'
    ? unknownItem(reasonText, f.audits.error)
    : activation?.justification ? item(reasonText, 'done', `\u201c${activation.justification}\u201d`) : item(reasonText, 'todo', activation ? 'The activation has no justification.' : undefined);
  const mfaText = 'With multi-factor authentication';
  const mfa = !activation
    ? (activated.state === 'unknown' ? unknownItem(mfaText, f.audits.error) : item(mfaText, 'todo'))
    : policy ? (enabled.includes('MultiFactorAuthentication') ? item(mfaText, 'done', 'The role setting requires it on activation, so PIM verified it.') : item(mfaText, 'todo', 'Security Reader does not require MFA on activation (Phase 2).')) : unknownItem(mfaText, f.policy.error);

  // Phase 5: the eligible assignment removed after it was made.
  const removedText = `${pimName}\u2019s eligible assignment is removed`;
  let removed;
  if (f.audits.ok) {
    const lastAdd = eligibleAdds.at(-1);
    const lastRemove = eligibleRemoves.at(-1);
    removed = lastRemove && (!lastAdd || byTime(lastRemove, lastAdd) >= 0)
      ? item(removedText, 'done', `Audit log: \u201c${lastRemove.activityDisplayName}\u201d, ${fmt(lastRemove.activityDateTime)}, by ${whoDid(lastRemove)}.`)
      : item(removedText, 'todo', lastRemove ? `${pimName} was made eligible again after the last removal.` : undefined);
  } else if (f.eligibilityRequests.ok) {
    const lastAdd = assigns.at(-1);
    const lastRemove = removes.at(-1);
    removed = lastRemove && (!lastAdd || byTime(lastRemove, lastAdd) >= 0)
      ? item(removedText, 'done', `Removal request ${lastRemove.status}, ${fmt(lastRemove.createdDateTime)} (roleEligibilityScheduleRequests).`)
      : item(removedText, 'todo');
  } else {
    removed = unknownItem(removedText, f.audits.error);
  }

  return [
    {
      n: 1, who: 'pimuser', title: 'verify you have no roles',
      text: 'Sign in as pimuser. Search Privileged Identity Management, then My roles \u203a Microsoft Entra roles: Eligible assignments says \u201cNo eligible assignments found\u201d. No admin powers: that is the baseline.',
      links: [['#/pim/my-roles', 'Open My roles']],
      items: [baseline],
    },
    {
      n: 2, who: 'admin', title: 'configure Security Reader before anyone is assigned',
      text: 'In a second window, as the admin: Manage \u203a Settings \u203a Security Reader \u203a Edit. Activation: maximum 8 hours, require Azure MFA and justification on activation. Assignment: allow permanent eligible assignment, untick allow permanent active assignment. Notification: keep the defaults, Update.',
      links: [[`#/pim/settings/${SECURITY_READER}`, 'Open Security Reader\u2019s settings']],
      items: settingsItems,
      note: settingsNote,
    },
    {
      n: 3, who: 'admin', title: 'make pimuser eligible, permanently',
      text: 'Manage \u203a Roles \u203a Security Reader \u203a + Add assignments: select PIM User, Next, assignment type Eligible, tick Permanently eligible, Assign. PIM mails the admins at once: the first mail.',
      links: [[`#/pim/roles/${SECURITY_READER}`, 'Open Security Reader\u2019s assignments'], [`#/inbox?to=${encodeURIComponent(inbox)}`, 'Open the admin\u2019s Inbox']],
      items: [assigned, mailItem(`First mail in ${inbox}: \u201c${pimName} was made permanently eligible for the Security Reader role\u201d`, new RegExp(`${escapeRe(pimName)} was made (permanently )?eligible for the Security Reader role`))],
    },
    {
      n: 4, who: 'pimuser', title: 'activate with MFA and a reason',
      text: 'Back as pimuser: My roles \u203a Refresh \u203a Activate on Security Reader. At most 8 hours; type a specific reason such as \u201cReviewing sign-in logs for compliance audit, ticket #INC1234\u201d; verify with MFA when asked. Validating \u2192 Activating \u2192 Refreshing. The second mail reaches the admin.',
      links: [['#/pim/my-roles', 'Open My roles'], [`#/inbox?to=${encodeURIComponent(inbox)}`, 'Open the admin\u2019s Inbox']],
      items: [activated, reason, mfa, mailItem(`Second mail in ${inbox}: \u201c${pimName} has the Security Reader role activated\u201d`, new RegExp(`${escapeRe(pimName)} has the Security Reader role activated`))],
    },
    {
      n: 5, who: 'admin', title: 'remove the assignment when the project is done',
      text: 'As the admin: Manage \u203a Assignments, search pimuser, Remove (Update changes the type or the end date instead). A dormant eligible assignment is still attack surface. Audit history shows everything that happened.',
      links: [['#/pim/assignments', 'Open Assignments'], ['#/pim/audit', 'Open Audit history']],
      items: [removed],
    },
  ].map((step) => {
    const states = step.items.map((i) => i.state);
    const state = states.every((x) => x === 'done') ? 'done' : states.includes('todo') ? 'todo' : 'unknown';
    const askAdmin = step.items.some((i) => i.state === 'unknown' && (i.note === NOT_READABLE || i.note === NOBODY));
    return { ...step, state, status: state === 'done' ? 'Done' : state === 'todo' ? 'Not yet' : askAdmin ? ASK_ADMIN : 'This step could not be checked.' };
  });
}
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const MARK = { done: '\u2713', todo: '\u25cb', unknown: '?' };
const STATE_WORDS = { done: 'Done', todo: 'Not yet', unknown: 'Unknown' };

function guideStepEl(step, current) {
  return h('li', { class: 'guide-step', id: `guide-phase-${step.n}`, 'data-state': step.state, 'aria-current': current ? 'step' : undefined, 'aria-labelledby': `guide-phase-${step.n}-h` },
    h('span', { class: 'guide-mark', 'aria-hidden': 'true', text: MARK[step.state] }),
    h('div', { class: 'guide-body' },
      h('h2', { id: `guide-phase-${step.n}-h`, text: `Phase ${step.n} \u2014 ${step.who}: ${step.title}` }),
      h('p', { class: 'guide-status', id: `guide-phase-${step.n}-status`, text: step.status }),
      h('p', { text: step.text }),
      h('ul', { class: 'guide-items' }, step.items.map((i) => h('li', { 'data-state': i.state },
        h('span', { class: 'guide-mark', 'aria-hidden': 'true', text: MARK[i.state] }),
        h('span', { class: 'sr-only', text: `${STATE_WORDS[i.state]}: ` }),
        h('span', { text: i.text }),
        i.note ? h('span', { class: 'hint guide-note', text: ` \u2014 ${i.note}` }) : null))),
      step.note ? h('p', { class: 'hint', text: step.note }) : null,
      h('p', { class: 'guide-links' }, step.links.map(([href, label], i) => [i ? ' \u00b7 ' : '', h('a', { href, text: label })]))));
}

/**
 * The workshop guide: the article's five phases, each ticked from the participant's tenant as the
 * signed-in user can read it, re-checked every few seconds. What this user may not read is not
 * guessed: the step says to sign in as the admin.
 */
async function guideView(view, route, stale) {
  let tenant;
  try {
    tenant = await guideTenant();
  } catch (e) {
    header(view, { title: 'Workshop guide' });
    put(view, errorBanner(e, 'The tenants could not be read'));
    return;
  }
  const c = session() ? me() : null;
  header(view, {
    crumbs: [['Workshop guide', '#/guide']],
    title: 'Workshop guide',
    subtitle: `The article\u2019s five phases in your tenant ${tenant.name} (${tenant.domain}). Each one ticks when the tenant reaches it, checked every few seconds ${c ? `with what ${c.upn} may read` : 'with what anyone may read (nobody is signed in in this window)'}.`,
  });
  const progress = h('p', { class: 'guide-progress', id: 'guide-progress', role: 'status' });
  const checked = h('p', { class: 'hint', id: 'guide-checked' });
  const steps = h('ol', { class: 'guide', id: 'guide-steps', 'aria-label': 'The five phases' });
  const warn = h('div', { id: 'guide-warning' });
  put(view,
    h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => void check() }, '\u21bb Refresh')),
    c ? null : h('div', { class: 'banner warn' }, h('p', {}, 'Nobody is signed in in this window: only the inbox can be checked. ', h('a', { href: '#/', text: 'Sign in' }), ' (as the admin to check every step).')),
    warn, progress, checked, steps,
    h('p', { class: 'hint', text: 'The checks prefer the audit log (Graph /v1.0/auditLogs/directoryAudits: it keeps the history), then the role settings, pimuser\u2019s roles and requests, and the captured inbox (Emulator). pimuser may read its own roles and requests only, and everything else only while a reader role such as Security Reader is active.' }));

  let painted = '';
  let busy = false;
  let again = false;
  const check = async () => {
    // One check at a time; a Refresh during a check runs another right after (the first may predate a change).
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const f = await guideFacts(tenant);
      if (stale()) return;
      fill(warn, f.pim ? null : h('div', { class: 'banner warn' }, h('p', { text: `${tenant.name} has no pimuser@ persona: the guide follows pimuser, as the article does.` })));
      const model = guideSteps(f);
      const key = JSON.stringify(model);
      checked.textContent = `Last checked ${fmt(emuNow())} (emulator clock)${c ? ` as ${c.upn}` : ''}.`;
      if (key === painted) return;
      painted = key;
      const current = model.find((s) => s.state !== 'done');
      fill(steps, model.map((s) => guideStepEl(s, s === current)));
      const done = model.filter((s) => s.state === 'done').length;
      const text = `${done} of 5 phases done${current ? `; next: Phase ${current.n}` : ': the workshop is complete'}.`;
      if (progress.textContent !== text) progress.textContent = text;
    } finally {
      busy = false;
      if (again && !stale()) {
        again = false;
        void check().catch(() => undefined);
      }
    }
  };
  await check();
  if (stale()) return;
  every(GUIDE_POLL_MS, () => void check().catch(() => undefined));
}

/** The participant's tenant: the one signed in to, else the one chosen on the sign-in page. */
async function guideTenant() {
  const tenants = await emu('/tenants');
  const s = session();
  const tid = s ? me()?.tid : undefined;
  const name = s?.tenant ?? store.get(KEY.tenant);
  const t = tenants.find((x) => x.id === tid) ?? tenants.find((x) => x.name === name || x.domain === name || x.id === name) ?? tenants[0];
  if (!t) throw new Error('The emulator has no tenant.');
  const full = await withPersonas(t);
  if (!full.users) throw new Error(`${t.name}\u2019s personas are shown to the team holding its key: enter it on the sign-in page (I have a key).`);
  return full;
}

// ------------------------------------------------------------------ Inbox (emulator)

async function inboxView(view, route) {
  const c = me();
  await syncAccess();
  const all = await emu('/tenants').catch(() => []);
  // The Inbox is the team's: the mailboxes of the signed-in tenant (or the one chosen on the sign-in
  // page), read through that tenant's own inbox. The instructor's view lists every tenant's.
  const mine = myTenant();
  const scoped = access.keysRequired && access.scope === 'admin' ? all : mine ? all.filter((t) => t.name === mine) : access.keysRequired ? [] : all;
  const tenants = (await Promise.all(scoped.map(withPersonas))).filter((t) => t?.users && reaches(t.name));
  const users = tenants.flatMap((t) => t.users.map((u) => ({ ...u, tenant: t.name })));
  const to = route.query.get('to') ?? c?.upn ?? users[0]?.userPrincipalName ?? '';
  /** The tenant a mailbox belongs to: its inbox is read under /_emulator/tenants/{tenant}/mail. */
  const tenantOfMailbox = (upn) => users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase())?.tenant ?? tenants.find((t) => upn.toLowerCase().endsWith(`@${t.domain}`))?.name ?? mine;
  header(view, { title: 'Inbox', subtitle: 'The mail PIM sent, as each recipient receives it (captured by the emulator\u2019s SMTP server \u2014 not part of Microsoft Entra). New mail appears by itself.' });
  const mailbox = h('select', { id: 'mailbox', value: to }, users.map((u) => h('option', { value: u.userPrincipalName, text: `${u.displayName} <${u.userPrincipalName}>` })));
  if (to && !users.some((u) => u.userPrincipalName === to)) mailbox.prepend(h('option', { value: to, text: to }));
  mailbox.value = to;
  mailbox.addEventListener('change', () => go(`#/inbox?to=${encodeURIComponent(mailbox.value)}`));
  const listEl = h('div', { class: 'mail-list', id: 'mail-list', 'aria-label': 'Messages' });
  const reading = h('div', { class: 'mail-read', id: 'mail-read', 'aria-live': 'polite' }, h('p', { class: 'hint', text: 'Select a message to read it.' }));
  const count = h('p', { class: 'hint', id: 'mail-count', role: 'status' });
  put(view, h('div', { class: 'filterbar' }, h('label', { for: 'mailbox', text: 'Mailbox', style: 'margin:0' }), mailbox, count), h('div', { class: 'mail' }, listEl, reading));

  let ids = '';
  let selected = route.query.get('id');
  const open = async (id) => {
    selected = id;
    listEl.querySelectorAll('button').forEach((b) => b.setAttribute('aria-current', String(b.dataset.id === id)));
    try {
      const m = await emu(`/tenants/${encodeURIComponent(tenantOfMailbox(mailbox.value))}/mail/${encodeURIComponent(id)}`);
      const portalLink = /#\/roles\/([0-9a-f-]{36})/i.exec(m.text ?? '')?.[1];
      const frame = h('iframe', { title: `Message: ${m.subject}`, sandbox: '', srcdoc: m.html || `<pre>${(m.text ?? '').replace(/[&<>]/g, (x) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[x])}</pre>` });
      fill(reading, 
        h('h2', { id: 'mail-subject', text: m.subject }),
        h('dl', {}, h('dt', { text: 'From' }), h('dd', { text: `${m.from?.name ?? ''} <${m.from?.address ?? ''}>` }), h('dt', { text: 'To' }), h('dd', { text: (m.to ?? []).map((a) => a.address).join(', ') }), h('dt', { text: 'Date' }), h('dd', { text: fmt(m.date ?? m.received) })),
        portalLink ? h('p', {}, h('a', { class: 'button', href: `#/pim/roles/${portalLink}`, text: 'Open the role in the portal' })) : null,
        frame,
        h('details', {}, h('summary', { text: 'Plain text' }), h('pre', { text: m.text ?? '' })));
    } catch (e) {
      fill(reading, errorBanner(e, 'The message could not be read'));
    }
  };
  const refresh = async (first) => {
    let res;
    try {
      res = await emu(`/tenants/${encodeURIComponent(tenantOfMailbox(mailbox.value))}/mail?to=${encodeURIComponent(mailbox.value)}&limit=100`);
    } catch (e) {
      if (first) fill(listEl, errorBanner(e, 'The inbox could not be read'));
      return;
    }
    const now = res.messages.map((m) => m.id).join(',');
    // The first answer is always painted: an empty inbox says so at once.
    if (now === ids && !first) return;
    const before = new Set(ids.split(',').filter(Boolean));
    const fresh = res.messages.filter((m) => !before.has(m.id)).length;
    ids = now;
    count.textContent = `${res.total} message(s)`;
    if (!first && fresh) announce(`${fresh} new message(s) in ${mailbox.value}.`);
    fill(listEl, res.messages.length
      ? h('ul', {}, res.messages.map((m) => h('li', {}, h('button', { type: 'button', 'data-id': m.id, 'aria-current': String(m.id === selected), onclick: () => open(m.id) },
        h('span', { class: 'date', text: fmt(m.date ?? m.received) }),
        h('span', { class: 'from', text: m.from?.name || m.from?.address }),
        h('span', { class: 'subject', text: m.subject }),
        h('span', { class: 'snippet', text: m.snippet })))))
      : h('div', { class: 'empty' }, h('strong', { text: 'No mail yet' }), 'PIM mails admins on every assignment and activation.'));
  };
  await refresh(true);
  if (selected) void open(selected);
  every(2000, () => void refresh(false));
}

// ------------------------------------------------------------------ Emulator panel

async function emulatorView(view, route) {
  view.classList.add('emu-panel');
  header(view, { title: 'Emulator \u2014 not part of Microsoft Entra', subtitle: 'entra-pim-emulator\u2019s control plane (/_emulator): move your tenant\u2019s clock, read its personas\u2019 MFA codes, reset it, switch user. Microsoft\u2019s portal has none of this.' });
  const s = session();
  await syncAccess();
  const all = await emu('/tenants').catch(() => []);
  // Signed in, the panel is the signed-in tenant's; the instructor (or a local run without keys)
  // may look at any tenant, a team at the tenants whose keys this browser holds.
  const visible = instructor() ? all : all.filter((t) => reaches(t.name) || t.name === s?.tenant);
  const pinned = Boolean(s) && !(access.keysRequired && access.scope === 'admin');
  const tenantName = (pinned ? s.tenant : route.query.get('tenant')) ?? myTenant() ?? visible[0]?.name;
  const listed = visible.find((t) => t.name === tenantName || t.id === tenantName || t.domain === tenantName) ?? (pinned ? undefined : visible[0]);
  const tenant = await withPersonas(listed);
  const allowed = tenant ? reaches(tenant.name) : false;
  const here = tenant?.name;
  const tpath = (rest) => `/tenants/${encodeURIComponent(here)}${rest}`;

  if (!tenant || !allowed) {
    put(view, h('div', { class: 'banner warn', role: 'status', id: 'emu-no-key' },
      h('p', { text: tenant
        ? `${tenant.name}\u2019s clock, MFA codes and reset are for the team that holds its key. Enter your team\u2019s key on the sign-in page (I have a key).`
        : 'No tenant of yours is known in this browser yet: create your team\u2019s tenant on the sign-in page, or enter your team\u2019s key there.' }),
      h('p', {}, h('a', { href: '#/', text: 'Go to the sign-in page' }))));
  }

  // Clock
  const clockText = h('p', { class: 'clock-big', id: 'emu-clock' });
  const clockStatus = h('p', { class: 'hint', id: 'clock-status', role: 'status' });
  const paint = () => (clockText.textContent = `${fmt(emuNow())}${clockFrozen ? ' (frozen)' : ''}`);
  await syncClock();
  paint();
  every(1000, paint);
  const advance = async (iso, label) => {
    try {
      const c = await emu(tpath('/clock'), { method: 'POST', body: { advance: iso } });
      clockOffset = Date.parse(c.now) - Date.now();
      paint();
      paintClock();
      clockStatus.textContent = `Clock advanced ${label}: now ${fmt(c.now)} in ${here} (other tenants keep their time). Due expiries and reminders have been applied and their mail sent.`;
      announce(clockStatus.textContent);
    } catch (e) {
      fill(clockStatus, errorBanner(e, 'The clock did not move'));
    }
  };
  if (allowed) {
    put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-clock-h' },
      h('h2', { id: 'emu-clock-h', text: `Clock of ${here}` }), clockText,
      h('div', { class: 'buttons' },
        h('button', { type: 'button', id: 'clock-1h', 'aria-label': 'Advance the clock 1 hour', onclick: () => advance('PT1H', '1 hour') }, '+1 h'),
        h('button', { type: 'button', id: 'clock-8h', 'aria-label': 'Advance the clock 8 hours', onclick: () => advance('PT8H', '8 hours') }, '+8 h'),
        h('button', { type: 'button', id: 'clock-14d', 'aria-label': 'Advance the clock 14 days', onclick: () => advance('P14D', '14 days') }, '+14 d')),
      clockStatus,
      h('p', { class: 'hint', text: `Each tenant has its own clock: these buttons move ${here}\u2019s only. Activations end, assignments expire and reminder mails go out as it passes their time. Tokens live one hour on it; the portal renews them by itself.` })));
  }

  // Personas and MFA codes
  const tbody = h('tbody');
  const codes = new Map();
  const users = allowed ? tenant?.users ?? [] : [];
  const paintCodes = async () => {
    await Promise.all(users.map(async (u) => {
      try {
        codes.set(u.userPrincipalName, await emu(tpath(`/users/${encodeURIComponent(u.userPrincipalName)}/mfa-code`)));
      } catch {
        codes.delete(u.userPrincipalName);
      }
    }));
    fill(tbody, ...users.map((u) => {
      const code = codes.get(u.userPrincipalName);
      const current = me()?.upn?.toLowerCase() === u.userPrincipalName.toLowerCase();
      return h('tr', {},
        h('td', {}, h('div', { text: u.displayName }), h('small', { class: 'hint', text: u.userPrincipalName })),
        h('td', {}, h('span', { class: 'mfa-code', 'data-upn': u.userPrincipalName, 'aria-label': `MFA code for ${u.userPrincipalName}`, text: code?.code ?? '------' }), code ? h('div', { class: 'hint', text: `valid for ${code.validForSeconds} s` }) : null),
        h('td', {}, current
          ? h('span', { class: 'pill ok', text: 'Signed in' })
          : h('button', { type: 'button', 'aria-label': `Sign in as ${u.userPrincipalName}`, onclick: () => {
            signOut();
            store.set(KEY.tenant, tenant.name);
            void startSignIn({ tenant: tenant.name, loginHint: u.userPrincipalName, mfa: !store.get(KEY.skipMfa), returnTo: '#/pim' });
          } }, 'Sign in as')));
    }));
  };
  if (allowed) {
    await paintCodes();
    every(5000, () => void paintCodes());
    const choices = pinned ? [] : visible;
    const which = h('select', { id: 'emu-tenant', value: here }, choices.map((t) => h('option', { value: t.name, text: `${t.name} (${t.domain})` })));
    which.value = here ?? '';
    which.addEventListener('change', () => go(`#/emulator?tenant=${encodeURIComponent(which.value)}`));
    const key = access.keysRequired ? tenantKeys()[here] : undefined;
    put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-personas-h' },
      h('h2', { id: 'emu-personas-h', text: `Personas of ${here ?? 'the tenant'}` }),
      choices.length > 1 ? h('div', { class: 'filterbar' }, h('label', { for: 'emu-tenant', text: 'Show the personas of', style: 'margin:0' }), which) : null,
      h('p', { class: 'hint', text: 'Password for everyone: Passw0rd!. The MFA code is what each user\u2019s authenticator app shows right now (TOTP, 30 s, on the tenant\u2019s clock). Switching user signs you out of this window first.' }),
      h('table', {}, h('thead', {}, h('tr', {}, ['User', 'MFA code', 'Switch user'].map((t) => h('th', { scope: 'col', text: t })))), tbody),
      key ? h('details', { id: 'emu-team-key' }, h('summary', { text: `Your team\u2019s key for ${here}` }),
        h('p', {}, h('span', { class: 'code', text: key })),
        h('p', { class: 'hint', text: 'Your team\u2019s other browsers enter it on the sign-in page (I have a key). Anyone who has it can move this tenant\u2019s clock, read its codes and mail, and reset it.' })) : null));
  }

  // Session
  const c = me();
  put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-session-h' },
    h('h2', { id: 'emu-session-h', text: 'This window\u2019s session' }),
    c
      ? [h('dl', {},
        h('dt', { text: 'User' }), h('dd', { text: `${c.name} (${c.upn})` }),
        h('dt', { text: 'Tenant' }), h('dd', { text: `${s.tenant} (${c.tid})` }),
        h('dt', { text: 'Authentication (amr)' }), h('dd', { text: (c.amr ?? []).join(', ') }),
        h('dt', { text: 'Roles in the token (wids)' }), h('dd', { text: String((c.wids ?? []).length) }),
        h('dt', { text: 'Token expires (emulator clock)' }), h('dd', { text: fmt((c.exp ?? 0) * 1000) })),
      h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'emu-sign-out', onclick: () => {
        signOut();
        flash('ok', 'You signed out.');
        go('#/');
      } }, 'Sign out'))]
      : h('p', {}, 'Not signed in. ', h('a', { href: '#/', text: 'Sign in' }))));

  // Reset: the team's own tenant; the whole emulator only for the instructor (or a local run without keys).
  const resetTenant = async () => {
    if (!(await confirmDialog(`Reset ${here}`, `${here} goes back to how it was made: its assignments, settings, history, mail and clock. Other tenants are not touched. Continue?`, 'Reset'))) return;
    try {
      await emu(tpath('/reset'), { method: 'POST' });
      if (session()?.tenant === here) signOut();
      await syncClock();
      flash('ok', `${here} is back at its creation state. Sign in again.`);
      go('#/');
    } catch (e) {
      showInline(e, 'The reset failed');
    }
  };
  const resetAll = async () => {
    if (!(await confirmDialog('Reset the emulator', 'Every tenant, the inbox and the clock go back to the seed, for every window: the tenants teams created are deleted. Continue?', 'Reset'))) return;
    try {
      await emu('/reset', { method: 'POST' });
      signOut();
      await syncClock();
      flash('ok', 'The emulator is back at its seed. Sign in again.');
      go('#/');
    } catch (e) {
      showInline(e, 'The reset failed');
    }
  };
  put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-reset-h' },
    h('h2', { id: 'emu-reset-h', text: 'Reset' }),
    allowed ? h('p', { text: `Reset ${here}: back to how it was made (its state, mail and clock). Other tenants are not touched; everyone signed in to ${here} must sign in again.` }) : null,
    h('div', { class: 'buttons' },
      allowed ? h('button', { type: 'button', id: 'emu-reset-tenant', onclick: resetTenant }, `Reset ${here}`) : null,
      instructor() ? h('button', { type: 'button', id: 'emu-reset', onclick: resetAll }, 'Reset the emulator') : null),
    instructor() ? h('p', { class: 'hint', text: 'Reset the emulator: back to the seed, every tenant, the inbox and the clock; the tenants teams created are deleted.' }) : null,
    access.keysRequired && access.scope === 'admin' ? h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'forget-admin-key', onclick: async () => {
      kept.drop(KEY.adminKey);
      await syncAccess();
      go('#/emulator');
    } }, 'Forget the admin key in this browser')) : null,
    h('p', { class: 'hint' }, 'More: ', h('a', { href: '/_emulator/openapi.yaml', text: 'openapi.yaml' }), instructor() ? [' \u00b7 ', h('a', { href: '/_emulator/requests?limit=50', text: 'the last requests served' })] : null)));
}

// ------------------------------------------------------------------ start

async function start() {
  setupSearch();
  $('#skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    $('#main').focus();
  });
  window.addEventListener('hashchange', () => void render());
  await syncAccess();
  await syncClock();
  setInterval(paintClock, 1000);
  setInterval(() => void syncClock(), 10_000);
  try {
    await completeSignIn();
  } catch (e) {
    flash('error', `Sign-in did not complete: ${e.message}`);
  }
  await render();
}

if (typeof document !== 'undefined') void start();
