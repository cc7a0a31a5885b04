import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Emulator } from '../../src/emulator.js';
import { readFileSync } from 'node:fs';
import { createEmulator } from '../../src/emulator.js';
import { defaultConfig } from '../../src/config.js';
import { parseSeed } from '../../src/store/seed.js';
import { APPS, PASSWORD, USERS, claimsOf, sharedTls, testEmulator } from '../support/emulator.js';
import { mfaCode, tokenRequest } from '../support/api.js';

/**
 * The per-user authenticator behaviour (issue 13): `code` (default: the TOTP code proves MFA),
 * `approve` (every sign-in carries MFA, for clients that cannot send a code), `deny` (MFA fails
 * with AADSTS500121). Set in the seed or at /_emulator/tenants/{t}/users/{upn}/authenticator.
 */
describe('the authenticator behaviour', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => emu.close());

  const setBehaviour = (upn: string, authenticator: unknown) =>
    emu.app.inject({ method: 'PUT', url: `/_emulator/tenants/contoso/users/${upn}/authenticator`, payload: { authenticator } });
  const password = (upn: string, extra: Record<string, string> = {}) =>
    tokenRequest(emu, 'contoso', { grant_type: 'password', client_id: APPS.azureCli.appId, username: upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default', ...extra });

  it('is code by default: a password sign-in without mfa_code has amr ["pwd"]', async () => {
    const res = await emu.app.inject({ method: 'GET', url: `/_emulator/tenants/contoso/users/${USERS.pimuser.upn}/authenticator` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userPrincipalName: USERS.pimuser.upn, tenant: 'contoso', authenticator: 'code' });
    expect(claimsOf((await password(USERS.pimuser.upn)).json().access_token).amr).toEqual(['pwd']);
  });

  it('approve: every sign-in of the user carries MFA, without a code', async () => {
    const set = await setBehaviour(USERS.pimuser.upn, 'approve');
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ authenticator: 'approve', meaning: expect.stringContaining('as if the user approved the push notification') });
    const token = await password(USERS.pimuser.upn);
    expect(token.statusCode).toBe(200);
    expect(claimsOf(token.json().access_token).amr).toEqual(['pwd', 'mfa']);
    // Other users keep the default.
    expect(claimsOf((await password(USERS.admin.upn)).json().access_token).amr).toEqual(['pwd']);
    // A wrong code is still a wrong code.
    const wrong = await password(USERS.pimuser.upn, { mfa_code: '000000' === (await mfaCode(emu, USERS.pimuser.upn)) ? '111111' : '000000' });
    expect(wrong.json().error_codes).toEqual([500121]);
  });

  it('deny: the sign-in fails with AADSTS500121, even with the right code', async () => {
    await setBehaviour(USERS.pimuser.upn, 'deny');
    const res = await password(USERS.pimuser.upn, { mfa_code: await mfaCode(emu, USERS.pimuser.upn) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_grant', error_codes: [500121] });
    expect(res.json().error_description).toMatch(/^AADSTS500121: Authentication failed during strong authentication request\. The user denied the sign-in request in the authenticator app/);
    // Back to code.
    await setBehaviour(USERS.pimuser.upn, 'code');
    expect((await password(USERS.pimuser.upn)).statusCode).toBe(200);
  });

  it('rejects an unknown behaviour, naming the allowed ones', async () => {
    const res = await setBehaviour(USERS.pimuser.upn, 'push');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'InvalidRequest', message: expect.stringContaining('must be equal to one of the allowed values') });
    const unknown = await emu.app.inject({ method: 'PUT', url: `/_emulator/tenants/contoso/users/nobody@contoso.onmicrosoft.com/authenticator`, payload: { authenticator: 'approve' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('UserNotFound');
  });

  it('is settable in the seed, and a seed with an unknown behaviour is refused', async () => {
    const doc = JSON.parse(readFileSync(defaultConfig().seedPath, 'utf8'));
    const user = doc.tenants[0].users.find((u: { userPrincipalName: string }) => u.userPrincipalName === USERS.admin.upn);
    user.authenticator = 'approve';
    const seeded = await createEmulator({ ...defaultConfig(), storage: 'memory', logLevel: 'silent' }, { seed: parseSeed(doc, 'seed'), tls: await sharedTls() });
    try {
      const res = await tokenRequest(seeded, 'contoso', { grant_type: 'password', client_id: APPS.azureCli.appId, username: USERS.admin.upn, password: PASSWORD, scope: 'User.Read' });
      expect(claimsOf(res.json().access_token).amr).toEqual(['pwd', 'mfa']);
    } finally {
      await seeded.close();
    }
    user.authenticator = 'push';
    expect(() => parseSeed(doc, 'seed')).toThrow(/authenticator/);
  });

  it('approve skips the MFA page of the device code flow; deny ends it with AADSTS500121', async () => {
    const start = () => emu.app.inject({ method: 'POST', url: '/contoso/oauth2/v2.0/devicecode', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `client_id=${APPS.public.appId}&scope=User.Read` }).then((r) => r.json());
    const signIn = async (userCode: string, upn: string) => {
      const enter = await emu.app.inject({ method: 'GET', url: '/devicelogin' });
      const page = await submit(formOf(enter.body), { otc: userCode });
      return submit(formOf(page.body), { login: upn, passwd: PASSWORD });
    };
    await setBehaviour(USERS.pimuser.upn, 'approve');
    const dc = await start();
    const done = await signIn(dc.user_code, USERS.pimuser.upn);
    expect(done.body).toContain('You may now close this window.');
    const tokens = await tokenRequest(emu, 'contoso', { grant_type: 'device_code', client_id: APPS.public.appId, device_code: dc.device_code });
    expect(claimsOf(tokens.json().access_token).amr).toEqual(['pwd', 'mfa']);

    await setBehaviour(USERS.pimuser.upn, 'deny');
    const denied = await signIn((await start()).user_code, USERS.pimuser.upn);
    expect(denied.statusCode).toBe(400);
    expect(denied.body).toContain('500121');
  });

  function formOf(html: string): { action: string; fields: Record<string, string> } {
    const m = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    if (!m) throw new Error(`no form in:\n${html}`);
    const fields: Record<string, string> = {};
    for (const [input] of m[2]!.matchAll(/<input\b[^>]*>/g)) {
      if (!/\btype="hidden"/.test(input)) continue;
      const name = /\bname="([^"]*)"/.exec(input)?.[1];
      if (name) fields[name] = (/\bvalue="([^"]*)"/.exec(input)?.[1] ?? '').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
    return { action: m[1]!.replace(/&amp;/g, '&'), fields };
  }
  function submit(form: { action: string; fields: Record<string, string> }, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return emu.app.inject({ method: 'POST', url: form.action, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ ...form.fields, ...fields }).toString() });
  }
});
