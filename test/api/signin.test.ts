import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, PASSWORD, USERS, claimsOf, testEmulator } from '../support/emulator.js';
import { mfaCode, moveClock, tokenRequest } from '../support/api.js';

/**
 * The browser sign-in (authorization code flow with PKCE, the sign-in and MFA pages) and the
 * device code flow, driven the way a browser does it: read the form out of the HTML, post it back.
 */

const REDIRECT = 'http://localhost:53123/callback';
const SCOPE = 'https://graph.microsoft.com/.default openid profile offline_access';
const HTTPS_HOST = { host: 'localhost:8443', 'x-forwarded-proto': 'https' };

// ---- a very small browser ----

const unescapeHtml = (s: string): string =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

interface HtmlForm {
  action: string;
  fields: Record<string, string>;
}

/** The first form of a page: its action and its hidden fields. */
function formOf(html: string): HtmlForm {
  const m = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!m) throw new Error(`no form in:\n${html}`);
  const fields: Record<string, string> = {};
  for (const [input] of m[2]!.matchAll(/<input\b[^>]*>/g)) {
    if (!/\btype="hidden"/.test(input)) continue;
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    if (name) fields[name] = unescapeHtml(/\bvalue="([^"]*)"/.exec(input)?.[1] ?? '');
  }
  return { action: unescapeHtml(m[1]!), fields };
}

function submit(emu: Emulator, form: HtmlForm, fields: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return emu.app.inject({
    method: 'POST',
    url: form.action,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...form.fields, ...fields }).toString(),
  });
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizeUrl(params: Record<string, string>, tenant = 'contoso'): string {
  return `/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
    client_id: APPS.public.appId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: SCOPE,
    state: 'st-123',
    ...params,
  }).toString()}`;
}

/** The query parameters of a 302 to the app. */
function redirectParams(res: LightMyRequestResponse): URLSearchParams {
  expect(res.statusCode, res.body).toBe(302);
  return new URL(String(res.headers.location)).searchParams;
}

/** The text of the element with role="alert". */
const alertOf = (html: string): string | undefined => {
  const m = /role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(html);
  return m ? unescapeHtml(m[1]!.replace(/<[^>]+>/g, '')) : undefined;
};

describe('browser sign-in and the device code flow', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { freeze: true });
  });
  afterEach(async () => {
    await emu.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => emu.app.inject({ method: 'GET', url, headers });

  /** GET /authorize → sign-in page → (password) → MFA page. */
  async function toMfaPage(params: Record<string, string> = {}, upn: string = USERS.pimuser.upn): Promise<LightMyRequestResponse> {
    const page = await get(authorizeUrl(params));
    expect(page.statusCode, page.body).toBe(200);
    const mfa = await submit(emu, formOf(page.body), { login: upn, passwd: PASSWORD });
    expect(mfa.statusCode).toBe(200);
    expect(mfa.body).toContain('Enter code');
    return mfa;
  }

  /** The whole sign-in with the authenticator code; returns the 302 back to the app. */
  async function signInWithMfa(params: Record<string, string> = {}, upn: string = USERS.pimuser.upn): Promise<LightMyRequestResponse> {
    const mfa = await toMfaPage(params, upn);
    return submit(emu, formOf(mfa.body), { otc: await mfaCode(emu, upn), action: 'verify' });
  }

  const redeem = (code: string, extra: Record<string, string> = {}, tenant = 'contoso') =>
    tokenRequest(emu, tenant, { grant_type: 'authorization_code', client_id: APPS.public.appId, code, redirect_uri: REDIRECT, scope: SCOPE, ...extra });

  describe('authorization code flow with PKCE', () => {
    it('signs in with password and authenticator code and redeems the code for tokens with amr pwd+mfa and the nonce', async () => {
      const { verifier, challenge } = pkce();
      const back = await signInWithMfa({ code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-42' });
      const params = redirectParams(back);
      expect(String(back.headers.location)).toMatch(/^http:\/\/localhost:53123\/callback\?/);
      expect(params.get('state')).toBe('st-123');
      const code = params.get('code')!;
      expect(code.length).toBeGreaterThan(40);

      const res = await redeem(code, { code_verifier: verifier }, 'contoso');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'https://graph.microsoft.com/.default', expires_in: 3599 });
      expect(claimsOf(body.access_token)).toMatchObject({ oid: USERS.pimuser.id, tid: CONTOSO.id, amr: ['pwd', 'mfa'], acrs: [], appid: APPS.public.appId });
      expect(claimsOf(body.id_token)).toMatchObject({ aud: APPS.public.appId, nonce: 'n-42', preferred_username: USERS.pimuser.upn, amr: ['pwd', 'mfa'] });
      expect(body.refresh_token).toEqual(expect.any(String));
    });

    it('continues with password only when the user skips MFA: amr is pwd', async () => {
      const { verifier, challenge } = pkce();
      const mfa = await toMfaPage({ code_challenge: challenge, code_challenge_method: 'S256' });
      expect(mfa.body).toContain('Sign in without MFA (password only)');
      const back = await submit(emu, formOf(mfa.body), { action: 'skip' });
      const res = await redeem(redirectParams(back).get('code')!, { code_verifier: verifier });
      expect(res.statusCode, res.body).toBe(200);
      expect(claimsOf(res.json().access_token)).toMatchObject({ amr: ['pwd'], acrs: [] });
    });

    it('requires MFA when the claims parameter asks for an authentication context, and puts it in acrs', async () => {
      const claims = JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } });
      const mfa = await toMfaPage({ claims });
      expect(mfa.body).not.toContain('Sign in without MFA');
      expect(mfa.body).toContain('authentication context c1');
      // A forged skip is refused.
      const skipped = await submit(emu, formOf(mfa.body), { action: 'skip' });
      expect(skipped.statusCode).toBe(200);
      expect(alertOf(skipped.body)).toContain('requires multi-factor authentication');

      const back = await submit(emu, formOf(mfa.body), { otc: await mfaCode(emu, USERS.pimuser.upn), action: 'verify' });
      const res = await redeem(redirectParams(back).get('code')!);
      expect(res.statusCode, res.body).toBe(200);
      expect(claimsOf(res.json().access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['c1'] });
    });

    it('requires MFA when amr_values names mfa', async () => {
      const mfa = await toMfaPage({ amr_values: 'mfa' });
      expect(mfa.body).not.toContain('Sign in without MFA');
    });

    it("shows Entra's message for a wrong password, and for an unknown user", async () => {
      const page = await get(authorizeUrl({}));
      const wrong = await submit(emu, formOf(page.body), { login: USERS.pimuser.upn, passwd: 'nope' });
      expect(wrong.statusCode).toBe(200);
      expect(alertOf(wrong.body)).toBe('Your account or password is incorrect. (AADSTS50126)');
      // The username stays filled in, and the page can be submitted again.
      expect(wrong.body).toContain(`value="${USERS.pimuser.upn}"`);
      const retry = await submit(emu, formOf(wrong.body), { login: USERS.pimuser.upn, passwd: PASSWORD });
      expect(retry.body).toContain('Enter code');

      const unknown = await submit(emu, formOf(page.body), { login: 'nobody@contoso.onmicrosoft.com', passwd: PASSWORD });
      expect(alertOf(unknown.body)).toMatch(/^This username may be incorrect\..*\(AADSTS50034\)$/);
    });

    it("shows Entra's message for a wrong authenticator code", async () => {
      const mfa = await toMfaPage();
      const code = await mfaCode(emu, USERS.pimuser.upn);
      const wrong = String((Number(code) + 500000) % 1000000).padStart(6, '0');
      const res = await submit(emu, formOf(mfa.body), { otc: wrong, action: 'verify' });
      expect(res.statusCode).toBe(200);
      expect(alertOf(res.body)).toBe("You didn't enter the expected verification code. Please try again.");
      const again = await submit(emu, formOf(res.body), { otc: code, action: 'verify' });
      expect(again.statusCode).toBe(302);
    });

    it('redeems a code once (AADSTS54005)', async () => {
      const code = redirectParams(await signInWithMfa()).get('code')!;
      expect((await redeem(code)).statusCode).toBe(200);
      const again = await redeem(code);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
      expect(again.json().error_description).toMatch(/^AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token\./);
    });

    it('refuses a wrong code_verifier (AADSTS501481), and a plain challenge needs the same verifier', async () => {
      const { challenge } = pkce();
      const code = redirectParams(await signInWithMfa({ code_challenge: challenge, code_challenge_method: 'S256' })).get('code')!;
      const wrong = await redeem(code, { code_verifier: pkce().verifier });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
      expect(wrong.json().error_description).toMatch(/^AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request\./);
      expect((await redeem(code)).json()).toMatchObject({ error: 'invalid_request', error_codes: [900144] });

      const plain = 'p'.repeat(50);
      const plainCode = redirectParams(await signInWithMfa({ code_challenge: plain, code_challenge_method: 'plain' })).get('code')!;
      expect((await redeem(plainCode, { code_verifier: plain })).statusCode).toBe(200);
    });

    it('expires a code after 10 minutes on the emulator clock (AADSTS70008)', async () => {
      const code = redirectParams(await signInWithMfa()).get('code')!;
      await moveClock(emu, { advance: 'PT11M' });
      const res = await redeem(code);
      expect(res.json()).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
    });

    it('binds the code to its redirect URI and client; a confidential client needs its secret', async () => {
      const code = redirectParams(await signInWithMfa()).get('code')!;
      const otherUri = await redeem(code, { redirect_uri: 'http://localhost:9/other' });
      expect(otherUri.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50011] });

      const conf = 'http://localhost:3000/callback';
      const mfa = await get(authorizeUrl({ client_id: APPS.confidential.appId, redirect_uri: conf }));
      const afterPassword = await submit(emu, formOf(mfa.body), { login: USERS.pimuser.upn, passwd: PASSWORD });
      const back = await submit(emu, formOf(afterPassword.body), { action: 'skip' });
      const confCode = redirectParams(back).get('code')!;
      const form = { grant_type: 'authorization_code', client_id: APPS.confidential.appId, code: confCode, redirect_uri: conf };
      expect((await tokenRequest(emu, 'contoso', form)).json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
      const ok = await tokenRequest(emu, 'contoso', { ...form, client_secret: APPS.confidential.secret });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(claimsOf(ok.json().access_token)).toMatchObject({ appid: APPS.confidential.appId, appidacr: '1', amr: ['pwd'] });
    });

    it('shows an error page, never a redirect, for a redirect URI the app did not register (AADSTS50011)', async () => {
      const res = await get(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain(
        `AADSTS50011: The redirect URI &#39;https://evil.example/cb&#39; specified in the request does not match the redirect URIs configured for the application &#39;${APPS.public.appId}&#39;.`,
      );
      // A confidential client gets exact matching only, port included.
      const conf = await get(authorizeUrl({ client_id: APPS.confidential.appId, redirect_uri: 'http://localhost:3001/callback' }));
      expect(conf.statusCode).toBe(400);
      expect(conf.body).toContain('AADSTS50011');
      // Public clients, the well-known ones included, take any loopback port and path.
      for (const [clientId, uri] of [[APPS.public.appId, 'http://127.0.0.1:8400/'], [APPS.azureCli.appId, 'http://localhost:61234/any/path']] as const) {
        expect((await get(authorizeUrl({ client_id: clientId, redirect_uri: uri }))).statusCode).toBe(200);
      }
    });

    it('shows an error page for an unknown client (AADSTS700016) or tenant (AADSTS90002)', async () => {
      const client = await get(authorizeUrl({ client_id: '11111111-2222-3333-4444-555555555555' }));
      expect(client.statusCode).toBe(400);
      expect(client.body).toContain("AADSTS700016: Application with identifier &#39;11111111-2222-3333-4444-555555555555&#39; was not found in the directory &#39;contoso.onmicrosoft.com&#39;.");
      const tenant = await get(authorizeUrl({}, 'nowhere'));
      expect(tenant.statusCode).toBe(400);
      expect(tenant.body).toContain('AADSTS90002');
    });

    it('sends other request errors back to the app with error, error_description and state', async () => {
      const token = redirectParams(await get(authorizeUrl({ response_type: 'token' })));
      expect(token.get('error')).toBe('unsupported_response_type');
      expect(token.get('error_description')).toMatch(/^AADSTS700051: response_type 'token' is not enabled for the application\./);
      expect(token.get('state')).toBe('st-123');
      const noScope = redirectParams(await get(authorizeUrl({ scope: '' })));
      expect(noScope.get('error')).toBe('invalid_request');
      expect(noScope.get('error_description')).toMatch(/^AADSTS900144: The request body must contain the following parameter: 'scope'\./);
      const badScope = redirectParams(await get(authorizeUrl({ scope: 'Mail.Send openid' })));
      expect(badScope.get('error')).toBe('invalid_scope');
      const badChallenge = redirectParams(await get(authorizeUrl({ code_challenge: 'short', code_challenge_method: 'S256' })));
      expect(badChallenge.get('error_description')).toMatch(/^AADSTS501491: /);
    });

    it('answers prompt=none with login_required (AADSTS50058): there is no sign-in session', async () => {
      const params = redirectParams(await get(authorizeUrl({ prompt: 'none' })));
      expect(params.get('error')).toBe('login_required');
      expect(params.get('error_description')).toMatch(/^AADSTS50058: A silent sign-in request was sent but no user is signed in\./);
      expect(params.get('state')).toBe('st-123');
      // prompt=login always shows the form.
      expect((await get(authorizeUrl({ prompt: 'login' }))).body).toContain('name="passwd"');
    });

    it('returns the code by form_post: a self-submitting form, with a button when scripts are off', async () => {
      const mfa = await toMfaPage({ response_mode: 'form_post' });
      const res = await submit(emu, formOf(mfa.body), { action: 'skip' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const form = formOf(res.body);
      expect(form.action).toBe(REDIRECT);
      expect(form.fields).toMatchObject({ code: expect.any(String), state: 'st-123' });
      expect(res.body).toMatch(/<form method="post" name="hiddenform"/);
      expect(res.body).toMatch(/<noscript>[\s\S]*<button type="submit"[^>]*>Submit<\/button>[\s\S]*<\/noscript>/);
      expect(res.headers['content-security-policy']).toContain("script-src 'unsafe-inline'");
      expect((await redeem(form.fields.code!)).statusCode).toBe(200);
    });

    it('returns the code in the fragment for response_mode=fragment', async () => {
      const mfa = await toMfaPage({ response_mode: 'fragment' });
      const res = await submit(emu, formOf(mfa.body), { action: 'skip' });
      const url = new URL(String(res.headers.location));
      expect(url.search).toBe('');
      expect(new URLSearchParams(url.hash.slice(1)).get('state')).toBe('st-123');
    });

    it('signs in on the organizations authority: the UPN picks the tenant', async () => {
      const page = await get(authorizeUrl({}, 'organizations'));
      expect(formOf(page.body).action).toBe('/organizations/login');
      const mfa = await submit(emu, formOf(page.body), { login: USERS.pimuser.upn, passwd: PASSWORD });
      const code = redirectParams(await submit(emu, formOf(mfa.body), { action: 'skip' })).get('code')!;
      const res = await redeem(code, {}, 'organizations');
      expect(res.statusCode, res.body).toBe(200);
      expect(claimsOf(res.json().access_token)).toMatchObject({ tid: CONTOSO.id, oid: USERS.pimuser.id });
      expect((await redeem(code, {}, 'fabrikam')).json().error_codes).toEqual([700005]);
    });

    it('refuses a sign-in page older than 15 minutes on the emulator clock (AADSTS50089)', async () => {
      const page = await get(authorizeUrl({}));
      await moveClock(emu, { advance: 'PT16M' });
      const res = await submit(emu, formOf(page.body), { login: USERS.pimuser.upn, passwd: PASSWORD });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('AADSTS50089');
    });

    it('lists the grants it supports when refusing another', async () => {
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'implicit', client_id: APPS.public.appId });
      expect(res.json().error_description).toContain('The emulator supports: authorization_code, client_credentials, device_code, urn:ietf:params:oauth:grant-type:device_code, password, refresh_token.');
    });

    it('advertises the endpoints in the OIDC metadata', async () => {
      const res = await get('/contoso/v2.0/.well-known/openid-configuration', HTTPS_HOST);
      expect(res.json()).toMatchObject({
        authorization_endpoint: `https://localhost:8443/${CONTOSO.id}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `https://localhost:8443/${CONTOSO.id}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `https://localhost:8443/${CONTOSO.id}/oauth2/v2.0/logout`,
      });
    });
  });

  describe('the pages', () => {
    it('have a language, labelled fields, no external scripts, and escape what the request brings', async () => {
      const hint = '<script>alert(1)</script>"';
      const res = await get(authorizeUrl({ login_hint: hint }));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store, no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.body).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
      expect(res.body).toContain('entra-pim-emulator');
      expect(res.body).not.toContain('<script>alert(1)</script>');
      expect(res.body).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;"');
      expect(res.body).not.toMatch(/<script\b[^>]*\bsrc=/);
      expect(res.body).not.toMatch(/<link\b/);
      for (const id of ['login', 'passwd']) {
        expect(res.body).toContain(`<label for="${id}">`);
        expect(res.body).toMatch(new RegExp(`<input id="${id}" `));
      }
      // The username is known: focus starts at the password.
      expect(res.body).toMatch(/<input id="passwd"[^>]*autofocus/);
    });

    it('the MFA page names the control-plane route that shows the current code', async () => {
      const mfa = await toMfaPage();
      const path = `/_emulator/tenants/contoso/users/${encodeURIComponent(USERS.pimuser.upn)}/mfa-code`;
      expect(mfa.body).toContain(`<a href="${path}">GET /_emulator/tenants/contoso/users/${USERS.pimuser.upn}/mfa-code</a>`);
      expect(mfa.body).toContain('Enter the code displayed in the authenticator app on your mobile device');
      expect(mfa.body).toMatch(/<input id="otc" name="otc" type="text" inputmode="numeric" autocomplete="one-time-code"/);
      expect(mfa.body).toContain('<label for="otc">');
      expect((await get(path)).statusCode).toBe(200);
    });
  });

  describe('logout', () => {
    it('sends the browser back to post_logout_redirect_uri with the state', async () => {
      const res = await get(`/contoso/oauth2/v2.0/logout?${new URLSearchParams({ post_logout_redirect_uri: 'http://localhost:3000/signed-out', state: 'bye' })}`);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('http://localhost:3000/signed-out?state=bye');
    });

    it('shows a signed-out page without one, or when it is not a redirect URI of the named app', async () => {
      const bare = await get('/contoso/oauth2/v2.0/logout');
      expect(bare.statusCode).toBe(200);
      expect(bare.body).toContain('You signed out of your account');
      const foreign = await get(`/contoso/oauth2/v2.0/logout?${new URLSearchParams({ post_logout_redirect_uri: 'https://evil.example/', client_id: APPS.confidential.appId })}`);
      expect(foreign.statusCode).toBe(200);
      expect(foreign.body).toContain('You signed out of your account');
    });
  });

  describe('refresh tokens', () => {
    it('rotate: each refresh returns a new one and the used one is refused (AADSTS70000)', async () => {
      const first = (await redeem(redirectParams(await signInWithMfa()).get('code')!)).json();
      const refresh = (rt: string) => tokenRequest(emu, 'contoso', { grant_type: 'refresh_token', client_id: APPS.public.appId, refresh_token: rt, scope: SCOPE });
      const second = await refresh(first.refresh_token);
      expect(second.statusCode).toBe(200);
      expect(second.json().refresh_token).not.toBe(first.refresh_token);
      expect(claimsOf(second.json().access_token).amr).toEqual(['pwd', 'mfa']);

      const reused = await refresh(first.refresh_token);
      expect(reused.statusCode).toBe(400);
      expect(reused.json()).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
      expect(reused.json().error_description).toMatch(/^AADSTS70000: .*refresh token was already used/);
      expect((await refresh(second.json().refresh_token)).statusCode).toBe(200);
    });
  });

  describe('device code flow', () => {
    const start = async (extra: Record<string, string> = {}, tenant = 'contoso') => {
      const res = await emu.app.inject({
        method: 'POST',
        url: `/${tenant}/oauth2/v2.0/devicecode`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...HTTPS_HOST },
        payload: new URLSearchParams({ client_id: APPS.public.appId, scope: SCOPE, ...extra }).toString(),
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { user_code: string; device_code: string; verification_uri: string; expires_in: number; interval: number; message: string };
    };
    const poll = (deviceCode: string, grantType = 'device_code') =>
      tokenRequest(emu, 'contoso', { grant_type: grantType, client_id: APPS.public.appId, device_code: deviceCode, client_info: '1' });
    const controlPlane = (payload: Record<string, unknown>) => emu.app.inject({ method: 'POST', url: '/_emulator/devicelogin', payload });

    it("issues a code with Entra's fields and message", async () => {
      const dc = await start();
      expect(dc.user_code).toMatch(/^[A-HJKMNP-Z2-9]{9}$/);
      expect(dc.device_code.length).toBeGreaterThan(100);
      expect(dc).toMatchObject({ verification_uri: 'https://localhost:8443/devicelogin', expires_in: 900, interval: 5 });
      expect(dc.message).toBe(`To sign in, use a web browser to open the page https://localhost:8443/devicelogin and enter the code ${dc.user_code} to authenticate.`);
    });

    it('is pending, then signed in through the /devicelogin pages, then gives tokens once', async () => {
      const dc = await start();
      const pending = await poll(dc.device_code);
      expect(pending.statusCode).toBe(400);
      expect(pending.json()).toMatchObject({ error: 'authorization_pending', error_codes: [70016] });
      expect(pending.json().error_description).toMatch(/^AADSTS70016: OAuth 2\.0 device flow error\. Authorization is pending\. Continue polling\./);

      const enter = await get('/devicelogin');
      expect(enter.statusCode).toBe(200);
      expect(enter.body).toContain('Enter code');
      // People type codes in lower case.
      const signInPage = await submit(emu, formOf(enter.body), { otc: dc.user_code.toLowerCase() });
      expect(signInPage.body).toContain('Are you trying to sign in to <strong>PIM Workshop (public client)</strong>?');
      const mfa = await submit(emu, formOf(signInPage.body), { login: USERS.pimuser.upn, passwd: PASSWORD });
      const done = await submit(emu, formOf(mfa.body), { otc: await mfaCode(emu, USERS.pimuser.upn), action: 'verify' });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('You have signed in to the PIM Workshop (public client) application on your device. You may now close this window.');

      const tokens = await poll(dc.device_code);
      expect(tokens.statusCode, tokens.body).toBe(200);
      expect(claimsOf(tokens.json().access_token)).toMatchObject({ oid: USERS.pimuser.id, amr: ['pwd', 'mfa'] });
      expect(tokens.json().id_token).toEqual(expect.any(String));

      const again = await poll(dc.device_code);
      expect(again.json()).toMatchObject({ error: 'invalid_grant' });
      // The code cannot be entered a second time.
      const reused = await submit(emu, formOf(enter.body), { otc: dc.user_code });
      expect(alertOf(reused.body)).toContain('already used');
    });

    it('is completed headlessly through POST /_emulator/devicelogin, with or without MFA', async () => {
      const dc = await start();
      expect((await controlPlane({ userCode: 'ABCDEFGHJ', user: USERS.pimuser.upn })).statusCode).toBe(404);
      const ok = await controlPlane({ userCode: dc.user_code, user: USERS.pimuser.upn, mfa: false });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'approved', userPrincipalName: USERS.pimuser.upn, amr: ['pwd'] });
      expect((await controlPlane({ userCode: dc.user_code, user: USERS.pimuser.upn })).statusCode).toBe(409);
      // The URN form of the grant type works too.
      const tokens = await poll(dc.device_code, 'urn:ietf:params:oauth:grant-type:device_code');
      expect(tokens.statusCode, tokens.body).toBe(200);
      expect(claimsOf(tokens.json().access_token).amr).toEqual(['pwd']);

      const withMfa = await start({ claims: JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } }) });
      expect((await controlPlane({ deviceCode: withMfa.device_code, user: USERS.pimuser.upn })).json().error.code).toBe('MfaRequired');
      expect((await controlPlane({ deviceCode: withMfa.device_code, user: USERS.pimuser.upn, mfa: true })).statusCode).toBe(200);
      expect(claimsOf((await poll(withMfa.device_code)).json().access_token)).toMatchObject({ amr: ['pwd', 'mfa'], acrs: ['c1'] });
    });

    it('expires after 15 minutes on the emulator clock (expired_token, AADSTS70020)', async () => {
      const dc = await start();
      await moveClock(emu, { advance: 'PT16M' });
      const res = await poll(dc.device_code);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'expired_token', error_codes: [70020] });
      expect(res.json().error_description).toMatch(/^AADSTS70020: The provided value for the input parameter 'device_code' is not valid\. This device code has expired\./);
      expect((await controlPlane({ userCode: dc.user_code, user: USERS.pimuser.upn })).statusCode).toBe(400);
      const page = await submit(emu, formOf((await get('/devicelogin')).body), { otc: dc.user_code });
      expect(alertOf(page.body)).toContain('expired');
    });

    it('is declined with Cancel on the sign-in page (authorization_declined)', async () => {
      const dc = await start();
      const signInPage = await submit(emu, formOf((await get('/devicelogin')).body), { otc: dc.user_code });
      const cancelled = await submit(emu, formOf(signInPage.body), { action: 'cancel' });
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.body).toContain('You declined to sign in');
      const res = await poll(dc.device_code);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'authorization_declined' });
    });

    it('tells a client polling faster than the interval to slow down', async () => {
      const dc = await start();
      expect((await poll(dc.device_code)).json().error).toBe('authorization_pending');
      const fast = await poll(dc.device_code);
      expect(fast.json()).toMatchObject({ error: 'slow_down' });
      expect(fast.json().error_description).toContain('Wait 10 seconds');
    });

    it('refuses an unknown client and an unknown device code', async () => {
      const res = await emu.app.inject({
        method: 'POST',
        url: '/contoso/oauth2/v2.0/devicecode',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ client_id: '11111111-2222-3333-4444-555555555555', scope: SCOPE }).toString(),
      });
      expect(res.json()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      expect((await poll('nope')).json()).toMatchObject({ error: 'bad_verification_code' });
    });
  });
});
