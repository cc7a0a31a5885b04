import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, FABRIKAM, PASSWORD, USERS, testEmulator } from '../support/emulator.js';
import { get, tokenRequest } from '../support/api.js';

/** The Azure Resource Manager surface az login needs (issue 13), with ARM's error envelope. */
describe('Azure Resource Manager: subscriptions, tenants, metadata/endpoints', () => {
  let emu: Emulator;
  let arm: string;
  let graph: string;
  let fabrikamArm: string;
  const CONTOSO_SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';

  const signIn = async (tenant: string, upn: string, scope: string) => {
    const res = await tokenRequest(emu, tenant, { grant_type: 'password', client_id: APPS.azureCli.appId, username: upn, password: PASSWORD, scope });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };

  beforeAll(async () => {
    emu = await testEmulator();
    // az asks for ARM as "https://management.core.windows.net//.default" (resource with its slash).
    arm = await signIn('organizations', USERS.pimuser.upn, 'https://management.core.windows.net//.default offline_access openid profile');
    graph = await signIn('contoso', USERS.pimuser.upn, 'https://graph.microsoft.com/.default');
    fabrikamArm = await signIn('fabrikam', USERS.fabrikamUser.upn, 'https://management.azure.com/user_impersonation');
  });
  afterAll(async () => emu.close());

  it('lists the subscription of the caller tenant (from the seed)', async () => {
    const res = await get(emu, '/subscriptions?api-version=2022-12-01', arm);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      value: [{
        id: `/subscriptions/${CONTOSO_SUB}`, authorizationSource: 'RoleBased', managedByTenants: [], subscriptionId: CONTOSO_SUB, tenantId: CONTOSO.id,
        displayName: 'Contoso Pay-As-You-Go', state: 'Enabled',
        subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
      }],
      count: { type: 'Total', value: 1 },
    });
    const other = await get(emu, '/subscriptions?api-version=2022-01-01', fabrikamArm);
    expect(other.json().value.map((s: { tenantId: string }) => s.tenantId)).toEqual([FABRIKAM.id]);
  });

  it('gets one subscription, and answers SubscriptionNotFound for another tenant\'s', async () => {
    expect((await get(emu, `/subscriptions/${CONTOSO_SUB}?api-version=2022-12-01`, arm)).json()).toMatchObject({ subscriptionId: CONTOSO_SUB });
    const res = await get(emu, `/subscriptions/${CONTOSO_SUB}?api-version=2022-12-01`, fabrikamArm);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'SubscriptionNotFound', message: `The subscription '${CONTOSO_SUB}' could not be found.` } });
  });

  it('gives a tenant made on demand a subscription of its own', async () => {
    const made = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team42', from: 'contoso' } });
    expect(made.statusCode, made.body).toBe(201);
    const token = await signIn('team42', `pimuser@${made.json().domain}`, 'https://management.azure.com/.default');
    const res = await get(emu, '/subscriptions?api-version=2022-12-01', token);
    expect(res.json().value).toEqual([expect.objectContaining({ tenantId: made.json().id, displayName: 'team42 subscription', subscriptionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) })]);
    expect(res.json().value[0].subscriptionId).not.toBe(CONTOSO_SUB);
  });

  it('lists the caller tenant', async () => {
    const res = await get(emu, '/tenants?api-version=2022-12-01', arm);
    expect(res.json()).toEqual({
      value: [{ id: `/tenants/${CONTOSO.id}`, tenantId: CONTOSO.id, countryCode: 'US', displayName: 'Contoso', domains: [CONTOSO.domain], tenantCategory: 'Home', defaultDomain: CONTOSO.domain, tenantType: 'AAD' }],
      count: { type: 'Total', value: 1 },
    });
  });

  it('checks api-version: missing, then unknown, each in ARM\'s words', async () => {
    const missing = await get(emu, '/subscriptions', arm);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' } });
    const unknown = await get(emu, '/tenants?api-version=2099-01-01', arm);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('InvalidApiVersionParameter');
    expect(unknown.json().error.message).toMatch(/^The api-version '2099-01-01' is invalid\. The supported versions are '2014-04-01-preview,.*,2022-12-01'\.$/);
  });

  it('needs an ARM token: none, a malformed one, and a Graph token each get 401', async () => {
    const none = await get(emu, '/subscriptions?api-version=2022-12-01');
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('AuthenticationFailed');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer authorization_uri=/);
    const bad = await get(emu, '/subscriptions?api-version=2022-12-01', 'not-a-jwt');
    expect(bad.json().error).toEqual({ code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' });
    const wrong = await get(emu, '/subscriptions?api-version=2022-12-01', graph);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('InvalidAuthenticationTokenAudience');
    expect(wrong.json().error.message).toContain("wrong audience or resource 'https://graph.microsoft.com'");
  });

  it('serves /metadata/endpoints in both formats, also with the doubled slash az sends', async () => {
    const old = await get(emu, '//metadata/endpoints?api-version=2015-01-01', undefined, { host: 'localhost:8443', 'x-forwarded-proto': 'https' });
    expect(old.statusCode).toBe(200);
    // Reached as the emulator, the cloud it describes is the emulator itself.
    expect(old.json()).toEqual({
      galleryEndpoint: 'https://gallery.azure.com/', graphEndpoint: 'https://graph.windows.net/', portalEndpoint: 'https://portal.azure.com/',
      authentication: { loginEndpoint: 'https://localhost:8443/', audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'] },
    });
    const list = await get(emu, '/metadata/endpoints?api-version=2022-09-01', undefined, { host: 'management.azure.com', 'x-forwarded-proto': 'https' });
    expect(list.json()).toEqual([expect.objectContaining({
      name: 'AzureCloud', resourceManager: 'https://management.azure.com/', microsoftGraphResourceId: 'https://graph.microsoft.com/',
      authentication: { loginEndpoint: 'https://login.microsoftonline.com', audiences: ['https://management.core.windows.net/', 'https://management.azure.com/'], tenant: 'common', identityProvider: 'AAD' },
    })]);
    expect((await get(emu, '/metadata/endpoints')).json().error.code).toBe('MissingApiVersionParameter');
  });

  it('fails loudly on ARM paths it does not serve, saying what it serves', async () => {
    const res = await get(emu, `/subscriptions/${CONTOSO_SUB}/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01`, arm);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NotFound');
    expect(res.json().error.message).toContain('It serves GET /subscriptions, GET /subscriptions/{subscriptionId}, GET /tenants and GET /metadata/endpoints');
  });
});
