import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, PASSWORD, ROLES, USERS, claimsOf, testEmulator } from '../support/emulator.js';
import { GUID_RE, headerOf, mfaCode, moveClock, tokenRequest } from '../support/api.js';

const HTTPS_HOST = { host: 'localhost:8443', 'x-forwarded-proto': 'https' };
const ISSUER = `https://localhost:8443/${CONTOSO.id}/v2.0`;
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
const USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';
/** What `.default` grants a client with no consented list of its own. */
const DEFAULT_DELEGATED = [
  'AuditLog.Read.All',
  'Directory.Read.All',
  'PrivilegedAccess.ReadWrite.AzureAD',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'RoleManagement.ReadWrite.Directory',
  'RoleManagementPolicy.ReadWrite.Directory',
  'User.Read',
];
/** 2030-01-01T00:00:00Z in epoch seconds. */
const Y2030 = 1893456000;

const passwordGrant = (upn: string, extra: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'password',
  client_id: APPS.public.appId,
  username: upn,
  password: PASSWORD,
  scope: `${GRAPH_DEFAULT} openid profile offline_access`,
  ...extra,
});

const clientCredentials = (extra: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'client_credentials',
  client_id: APPS.confidential.appId,
  client_secret: APPS.confidential.secret,
  scope: GRAPH_DEFAULT,
  ...extra,
});

describe('the token service', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('OIDC discovery', () => {
    it.each(['contoso', 'contoso.onmicrosoft.com', CONTOSO.id])('describes tenant %s with an issuer on the host the client used', async (tenant) => {
      const res = await emu.app.inject({ method: 'GET', url: `/${tenant}/v2.0/.well-known/openid-configuration`, headers: HTTPS_HOST });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({
        issuer: ISSUER,
        authorization_endpoint: `https://localhost:8443/${CONTOSO.id}/oauth2/v2.0/authorize`,
        token_endpoint: `https://localhost:8443/${CONTOSO.id}/oauth2/v2.0/token`,
        jwks_uri: `https://localhost:8443/${CONTOSO.id}/discovery/v2.0/keys`,
        device_authorization_endpoint: `https://localhost:8443/${CONTOSO.id}/oauth2/v2.0/devicecode`,
      });
    });

    it('describes the common authority with the {tenantid} placeholder issuer Entra uses', async () => {
      const res = await emu.app.inject({ method: 'GET', url: '/common/v2.0/.well-known/openid-configuration', headers: HTTPS_HOST });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        issuer: 'https://localhost:8443/{tenantid}/v2.0',
        authorization_endpoint: 'https://localhost:8443/common/oauth2/v2.0/authorize',
        token_endpoint: 'https://localhost:8443/common/oauth2/v2.0/token',
        jwks_uri: 'https://localhost:8443/common/discovery/v2.0/keys',
      });
    });

    it('serves the same document on the non-v2.0 path that protocolMode OIDC asks for', async () => {
      const v2 = await emu.app.inject({ method: 'GET', url: '/contoso/v2.0/.well-known/openid-configuration', headers: HTTPS_HOST });
      const plain = await emu.app.inject({ method: 'GET', url: '/contoso/.well-known/openid-configuration', headers: HTTPS_HOST });
      expect(plain.statusCode).toBe(200);
      expect(plain.json()).toEqual(v2.json());
    });

    it('builds URLs from the Host header when no proxy header says otherwise', async () => {
      const res = await emu.app.inject({ method: 'GET', url: '/contoso/v2.0/.well-known/openid-configuration', headers: { host: '127.0.0.1:8080' } });
      expect(res.json().issuer).toBe(`http://127.0.0.1:8080/${CONTOSO.id}/v2.0`);
      expect(res.json().token_endpoint).toBe(`http://127.0.0.1:8080/${CONTOSO.id}/oauth2/v2.0/token`);
    });

    it('answers an unknown tenant with AADSTS90002', async () => {
      const res = await emu.app.inject({ method: 'GET', url: '/nowhere/v2.0/.well-known/openid-configuration' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
      expect(res.json().error_description).toMatch(/^AADSTS90002: Tenant 'nowhere' not found\./);
    });
  });

  describe('JWKS', () => {
    it('publishes the RSA key whose kid signs the tenant tokens', async () => {
      const token = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn));
      const kid = headerOf(token.json().access_token).kid;
      const res = await emu.app.inject({ method: 'GET', url: '/contoso/discovery/v2.0/keys' });
      expect(res.statusCode).toBe(200);
      const keys = res.json().keys as Record<string, unknown>[];
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', kid, alg: 'RS256', e: 'AQAB' });
      expect(keys[0]!.n).toMatch(/^[A-Za-z0-9_-]{300,}$/);
      expect(keys[0]).not.toHaveProperty('d');
      expect(headerOf(token.json().access_token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    });
  });

  describe('password grant', () => {
    it('returns the token set MSAL needs', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn), HTTPS_HOST);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store, no-cache');
      const body = res.json();
      expect(body).toMatchObject({ token_type: 'Bearer', scope: GRAPH_DEFAULT, expires_in: 3599, ext_expires_in: 3599 });
      for (const t of ['access_token', 'refresh_token', 'id_token']) expect(body[t]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(JSON.parse(Buffer.from(body.client_info, 'base64url').toString('utf8'))).toEqual({ uid: USERS.pimuser.id, utid: CONTOSO.id });
    });

    it('issues an access token for Graph with the user, tenant, scopes and roles, timed by the emulator clock', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn), HTTPS_HOST);
      const claims = claimsOf(res.json().access_token);
      expect(claims).toMatchObject({
        aud: 'https://graph.microsoft.com',
        iss: ISSUER,
        tid: CONTOSO.id,
        oid: USERS.pimuser.id,
        upn: USERS.pimuser.upn,
        name: 'PIM User',
        amr: ['pwd'],
        acrs: [],
        idtyp: 'user',
        appid: APPS.public.appId,
        iat: Y2030,
        nbf: Y2030,
        exp: Y2030 + 3600,
      });
      expect((claims.scp as string).split(' ')).toEqual(expect.arrayContaining(DEFAULT_DELEGATED));
      expect(claims.wids).toEqual([USER_ROLE]);
      expect(claims).not.toHaveProperty('roles');
    });

    it('puts the Global Administrator role in the admin token wids', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.admin.upn));
      expect(claimsOf(res.json().access_token).wids).toEqual(expect.arrayContaining([ROLES.globalAdministrator, USER_ROLE]));
    });

    it('issues an id token for the client with the signed-in user', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn), HTTPS_HOST);
      expect(claimsOf(res.json().id_token)).toMatchObject({
        aud: APPS.public.appId,
        iss: ISSUER,
        tid: CONTOSO.id,
        oid: USERS.pimuser.id,
        preferred_username: USERS.pimuser.upn,
        ver: '2.0',
      });
    });

    it('echoes explicit scopes and grants exactly those', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { scope: 'User.Read RoleManagement.Read.Directory offline_access' }));
      expect(res.statusCode).toBe(200);
      expect(res.json().scope).toBe('User.Read RoleManagement.Read.Directory');
      expect(claimsOf(res.json().access_token).scp).toBe('User.Read RoleManagement.Read.Directory');
    });

    it('adds mfa to amr when the current authenticator code is sent as mfa_code', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const code = await mfaCode(emu, USERS.pimuser.upn);
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { mfa_code: code }));
      expect(res.statusCode).toBe(200);
      expect(claimsOf(res.json().access_token).amr).toEqual(['pwd', 'mfa']);
      expect(claimsOf(res.json().id_token).amr).toEqual(['pwd', 'mfa']);
    });

    it('rejects a wrong MFA code with AADSTS500121 and says where the current code is', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const code = await mfaCode(emu, USERS.pimuser.upn);
      const wrong = String((Number(code) + 500000) % 1000000).padStart(6, '0');
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { mfa_code: wrong }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_grant', error_codes: [500121] });
      expect(res.json().error_description).toMatch(/^AADSTS500121: /);
      expect(res.json().error_description).toContain('GET /_emulator/tenants/contoso/users/pimuser%40contoso.onmicrosoft.com/mfa-code');
    });

    it('rejects a wrong password with AADSTS50126 in the AAD error shape, and no Retry-After', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { password: 'wrong' }), { 'client-request-id': 'msal-correlation-1' });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['retry-after']).toBeUndefined();
      const body = res.json();
      expect(body).toMatchObject({
        error: 'invalid_grant',
        error_codes: [50126],
        timestamp: '2030-01-01 00:00:00Z',
        correlation_id: 'msal-correlation-1',
      });
      expect(body.trace_id).toMatch(GUID_RE);
      expect(body.error_description).toMatch(/^AADSTS50126: Error validating credentials due to invalid username or password\./);
      expect(body.error_description).toContain(`Trace ID: ${body.trace_id}`);
      expect(body.error_description).toContain('Correlation ID: msal-correlation-1');
    });

    it('gives every error a fresh correlation id when the client sends none', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { password: 'wrong' }));
      expect(res.json().correlation_id).toMatch(GUID_RE);
    });

    it('rejects an unknown user with AADSTS50034', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant('nobody@contoso.onmicrosoft.com'));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50034] });
      expect(res.json().error_description).toMatch(/^AADSTS50034: The user account \{EUII Hidden\} does not exist in the contoso\.onmicrosoft\.com directory\./);
    });

    it('rejects an unknown tenant with AADSTS90002', async () => {
      const res = await tokenRequest(emu, 'nowhere.onmicrosoft.com', passwordGrant(USERS.pimuser.upn));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
      expect(res.json().error_description).toMatch(/^AADSTS90002: Tenant 'nowhere\.onmicrosoft\.com' not found\./);
    });

    it.each(['organizations', 'common'])('finds the tenant from the UPN on the %s authority', async (authority) => {
      const res = await tokenRequest(emu, authority, passwordGrant(USERS.pimuser.upn), HTTPS_HOST);
      expect(res.statusCode).toBe(200);
      expect(claimsOf(res.json().access_token)).toMatchObject({ tid: CONTOSO.id, oid: USERS.pimuser.id, iss: ISSUER });
    });

    it('requires the secret of a confidential client', async () => {
      const without = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { client_id: APPS.confidential.appId }));
      expect(without.statusCode).toBe(401);
      expect(without.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
      expect(without.json().error_description).toMatch(/^AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'\./);

      const wrong = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { client_id: APPS.confidential.appId, client_secret: 'nope' }));
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });

      const right = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { client_id: APPS.confidential.appId, client_secret: APPS.confidential.secret }));
      expect(right.statusCode).toBe(200);
      expect(claimsOf(right.json().access_token)).toMatchObject({ appid: APPS.confidential.appId, idtyp: 'user', oid: USERS.pimuser.id });
    });

    it('ignores the extra form fields MSAL sends', async () => {
      const res = await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, {
        'x-client-SKU': 'msal.js.node',
        'x-client-VER': '3.0.0',
        'x-client-OS': 'linux',
        'x-ms-lib-capability': 'retry-after, h429',
        claims: '{"access_token":{"xms_cc":{"values":["CP1"]}}}',
        client_info: '1',
      }));
      expect(res.statusCode).toBe(200);
      expect(claimsOf(res.json().access_token).oid).toBe(USERS.pimuser.id);
    });
  });

  describe('request errors', () => {
    it('asks for grant_type when it is missing (AADSTS900144)', async () => {
      const res = await tokenRequest(emu, 'contoso', { client_id: APPS.public.appId });
      expect(res.statusCode).toBe(400);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(res.json()).toMatchObject({ error: 'invalid_request', error_codes: [900144] });
      expect(res.json().error_description).toMatch(/^AADSTS900144: The request body must contain the following parameter: 'grant_type'\./);
    });

    it('rejects a grant type it does not support (AADSTS70003)', async () => {
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'urn:ietf:params:oauth:grant-type:saml1_1-bearer', client_id: APPS.public.appId });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'unsupported_grant_type', error_codes: [70003] });
      expect(res.json().error_description).toMatch(/^AADSTS70003: The app requested an unsupported grant type 'urn:ietf:params:oauth:grant-type:saml1_1-bearer'\./);
    });

    it('never sends Retry-After with an AAD error', async () => {
      const responses = await Promise.all([
        tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { password: 'wrong' })),
        tokenRequest(emu, 'contoso', clientCredentials({ client_secret: 'wrong' })),
        tokenRequest(emu, 'nowhere', clientCredentials()),
        tokenRequest(emu, 'contoso', { grant_type: 'refresh_token', client_id: APPS.public.appId, refresh_token: 'garbage' }),
      ]);
      for (const res of responses) {
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(429);
        expect(res.headers['retry-after']).toBeUndefined();
      }
    });
  });

  describe('client_credentials grant', () => {
    it('issues an app-only token whose roles are the app permissions', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const res = await tokenRequest(emu, 'contoso', clientCredentials(), HTTPS_HOST);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ token_type: 'Bearer', scope: GRAPH_DEFAULT, expires_in: 3599 });
      expect(body).not.toHaveProperty('refresh_token');
      expect(body).not.toHaveProperty('id_token');
      const claims = claimsOf(body.access_token);
      expect(claims).toMatchObject({
        aud: 'https://graph.microsoft.com',
        iss: ISSUER,
        tid: CONTOSO.id,
        oid: APPS.confidential.id,
        appid: APPS.confidential.appId,
        idtyp: 'app',
        roles: ['RoleManagement.ReadWrite.Directory', 'RoleManagementPolicy.ReadWrite.Directory', 'Directory.Read.All', 'AuditLog.Read.All'],
        iat: Y2030,
        exp: Y2030 + 3600,
      });
      expect(claims).not.toHaveProperty('scp');
      expect(claims).not.toHaveProperty('wids');
    });

    it('accepts the secret through HTTP Basic authentication', async () => {
      const basic = Buffer.from(`${APPS.confidential.appId}:${APPS.confidential.secret}`).toString('base64');
      const { client_secret: _omit, ...form } = clientCredentials();
      const res = await tokenRequest(emu, 'contoso', form, { authorization: `Basic ${basic}` });
      expect(res.statusCode).toBe(200);
      expect(claimsOf(res.json().access_token).idtyp).toBe('app');
    });

    it('rejects a wrong secret with 401 invalid_client AADSTS7000215', async () => {
      const res = await tokenRequest(emu, 'contoso', clientCredentials({ client_secret: 'not-the-secret' }));
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
      expect(res.json().error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    });

    it('rejects an unknown client with AADSTS700016', async () => {
      const res = await tokenRequest(emu, 'contoso', clientCredentials({ client_id: '11111111-2222-3333-4444-555555555555' }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      expect(res.json().error_description).toMatch(
        /^AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory 'contoso\.onmicrosoft\.com'\./,
      );
    });

    it('requires a /.default scope (AADSTS1002012)', async () => {
      const res = await tokenRequest(emu, 'contoso', clientCredentials({ scope: 'https://graph.microsoft.com/User.Read.All' }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
      expect(res.json().error_description).toMatch(/^AADSTS1002012: The provided value for scope https:\/\/graph\.microsoft\.com\/User\.Read\.All is not valid\./);
    });

    it('refuses a public client', async () => {
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'client_credentials', client_id: APPS.public.appId, scope: GRAPH_DEFAULT });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    });
  });

  describe('refresh_token grant', () => {
    it('returns new tokens that keep the MFA of the original sign-in', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const code = await mfaCode(emu, USERS.pimuser.upn);
      const first = (await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { mfa_code: code }))).json();
      await moveClock(emu, { advance: 'PT2H' });

      const res = await tokenRequest(emu, 'contoso', { grant_type: 'refresh_token', client_id: APPS.public.appId, refresh_token: first.refresh_token, scope: `${GRAPH_DEFAULT} offline_access` });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ token_type: 'Bearer', scope: GRAPH_DEFAULT, expires_in: 3599 });
      expect(body.access_token).not.toBe(first.access_token);
      expect(body.refresh_token).toEqual(expect.any(String));
      expect(body.id_token).toEqual(expect.any(String));
      expect(claimsOf(body.access_token)).toMatchObject({ oid: USERS.pimuser.id, tid: CONTOSO.id, amr: ['pwd', 'mfa'], iat: Y2030 + 7200 });
    });

    it('keeps the scope of the original request when none is sent', async () => {
      const first = (await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn, { scope: 'User.Read offline_access' }))).json();
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'refresh_token', client_id: APPS.public.appId, refresh_token: first.refresh_token });
      expect(res.statusCode).toBe(200);
      expect(res.json().scope).toBe('User.Read');
      expect(claimsOf(res.json().access_token).scp).toBe('User.Read');
    });

    it('rejects a refresh token it did not issue with invalid_grant', async () => {
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'refresh_token', client_id: APPS.public.appId, refresh_token: 'not-a-refresh-token' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_grant');
      expect(res.json().error_description).toMatch(/^AADSTS\d+: /);
    });

    it('rejects an access token offered as a refresh token', async () => {
      const first = (await tokenRequest(emu, 'contoso', passwordGrant(USERS.pimuser.upn))).json();
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'refresh_token', client_id: APPS.public.appId, refresh_token: first.access_token });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_grant');
    });
  });
});
