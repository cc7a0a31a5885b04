import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { appToken, claimsOf, testEmulator, tokenFor, USERS } from '../support/emulator.js';

describe('the OIDC userinfo endpoint advertised by discovery', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => emu.close());

  it('is the userinfo_endpoint of the discovery document', async () => {
    const res = await emu.app.inject({ method: 'GET', url: '/contoso/v2.0/.well-known/openid-configuration', headers: { host: 'localhost:8443', 'x-forwarded-proto': 'https' } });
    expect(res.json().userinfo_endpoint).toBe('https://localhost:8443/oidc/userinfo');
  });

  it("answers the signed-in user's claims, with the token's sub", async () => {
    const token = await tokenFor(emu, USERS.pimuser.upn);
    const res = await emu.app.inject({ method: 'GET', url: '/oidc/userinfo', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ sub: claimsOf(token).sub, name: 'PIM User', family_name: 'User', given_name: 'PIM', email: USERS.pimuser.upn });
  });

  it('refuses a missing token and an app-only token with 401 and WWW-Authenticate', async () => {
    const none = await emu.app.inject({ method: 'GET', url: '/oidc/userinfo' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('error="invalid_token"');
    const app = await emu.app.inject({ method: 'GET', url: '/oidc/userinfo', headers: { authorization: `Bearer ${await appToken(emu)}` } });
    expect(app.statusCode).toBe(401);
    expect(app.json().error.message).toBe('The userinfo endpoint needs a token for a signed-in user.');
  });
});
