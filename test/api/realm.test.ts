import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, PASSWORD, USERS, claimsOf, testEmulator } from '../support/emulator.js';
import { get } from '../support/api.js';

/** What real clients ask the sign-in service before the token (issue 13). */
describe('sign-in discovery and the v1 token endpoint', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());
  const MS = { host: 'login.microsoftonline.com', 'x-forwarded-proto': 'https' };

  it('answers instance discovery for Microsoft\'s sign-in hosts, as Entra does', async () => {
    const res = await get(emu, '/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize', undefined, MS);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      tenant_discovery_endpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration',
      'api-version': '1.1',
      metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] }],
    });
  });

  it('adds the emulator\'s own host when reached directly, and refuses an unknown instance', async () => {
    const own = await get(emu, '/common/discovery/instance?api-version=1.1&authorization_endpoint=https://localhost:8443/contoso/oauth2/authorize', undefined, { host: 'localhost:8443', 'x-forwarded-proto': 'https' });
    expect(own.json().tenant_discovery_endpoint).toBe('https://localhost:8443/contoso/.well-known/openid-configuration');
    expect(own.json().metadata[1]).toEqual({ preferred_network: 'localhost:8443', preferred_cache: 'localhost:8443', aliases: ['localhost:8443'] });
    const bad = await get(emu, '/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.example.org/x/oauth2/v2.0/authorize', undefined, MS);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_instance', error_codes: [50049] });
  });

  it('answers user-realm discovery: Managed for an emulated domain, Unknown otherwise (v1 and v2 shapes)', async () => {
    expect((await get(emu, `/common/userrealm/${USERS.pimuser.upn}?api-version=1.0`)).json()).toEqual({
      ver: '1.0', account_type: 'Managed', domain_name: CONTOSO.domain, cloud_instance_name: 'microsoftonline.com', cloud_audience_urn: 'urn:federation:MicrosoftOnline',
    });
    expect((await get(emu, '/common/userrealm/someone@example.org?api-version=1.0')).json()).toEqual({ ver: '1.0', account_type: 'Unknown', cloud_instance_name: 'microsoftonline.com' });
    expect((await get(emu, `/common/userrealm/${USERS.pimuser.upn}?api-version=2.0`)).json()).toMatchObject({ NameSpaceType: 'Managed', DomainName: CONTOSO.domain, FederationBrandName: 'Contoso' });
  });

  it('issues tokens on the v1 endpoint for a resource, with v1\'s extra fields', async () => {
    const res = await emu.app.inject({
      method: 'POST', url: '/contoso.onmicrosoft.com/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...MS },
      payload: new URLSearchParams({ grant_type: 'password', client_id: APPS.azureCli.appId, username: USERS.pimuser.upn, password: PASSWORD, resource: 'https://management.core.windows.net/' }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', resource: 'https://management.core.windows.net/', expires_in: '3599', expires_on: expect.stringMatching(/^\d+$/), not_before: expect.stringMatching(/^\d+$/) });
    expect(claimsOf(body.access_token)).toMatchObject({ aud: 'https://management.core.windows.net/', tid: CONTOSO.id, scp: 'user_impersonation' });
    const missing = await emu.app.inject({ method: 'POST', url: '/contoso/oauth2/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=password' });
    expect(missing.json()).toMatchObject({ error: 'invalid_request', error_codes: [900144] });
    expect(missing.json().error_description).toContain("The request body must contain the following parameter: 'resource'.");
  });
});
