import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, ROLES, USERS, appToken, claimsOf, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { GUID_RE, get, moveClock, pathOf, send } from '../support/api.js';

const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const ROLE_ASSIGNMENTS = '/v1.0/roleManagement/directory/roleAssignments';
const ROLE_DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const SECURITY_OPERATIONS = 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40';
/** base64url(.NET bytes of roleDefinitionId ‖ principalId) + "-1" (reference §2.5). */
const ADMIN_GLOBAL_ADMIN_ASSIGNMENT = 'lAPpYvVpN0KRkAEhdxReEJcltPMD4ZROko9yVeeS7s0-1';
const PIMUSER_SECURITY_READER_ASSIGNMENT = 't2trXXHeI0a0r5Y4CjUlCQUug8S6IA1Oj-Pc8afxtwk-1';
const DEFAULT_USER_PROPERTIES = ['id', 'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'];

/** Re-signs a token's header and claims with a key the emulator never issued. */
function forge(token: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const [h, p] = token.split('.');
  const signature = sign('sha256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url');
  return `${h}.${p}.${signature}`;
}

describe('Microsoft Graph conventions', () => {
  let emu: Emulator;
  let admin: string;
  beforeEach(async () => {
    emu = await testEmulator();
    admin = await tokenFor(emu, USERS.admin.upn);
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('response headers', () => {
    it("answers with Graph's exact JSON content type", async () => {
      const res = await get(emu, '/v1.0/me', admin);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(GRAPH_JSON);
    });

    it('uses the same content type for errors', async () => {
      const res = await get(emu, '/v1.0/me');
      expect(res.headers['content-type']).toBe(GRAPH_JSON);
    });

    it('gives every response a request-id GUID and echoes it as client-request-id when the client sent none', async () => {
      const res = await get(emu, '/v1.0/me', admin);
      expect(res.headers['request-id']).toMatch(GUID_RE);
      expect(res.headers['client-request-id']).toBe(res.headers['request-id']);
    });

    it("echoes the client's client-request-id without requiring it to be a GUID", async () => {
      const res = await get(emu, '/v1.0/me', admin, { 'client-request-id': 'graph-client-0001' });
      expect(res.headers['client-request-id']).toBe('graph-client-0001');
      expect(res.headers['request-id']).toMatch(GUID_RE);
      expect(res.headers['request-id']).not.toBe('graph-client-0001');
    });

    it('gives each request its own request-id', async () => {
      const a = await get(emu, '/v1.0/me', admin);
      const b = await get(emu, '/v1.0/me', admin);
      expect(a.headers['request-id']).not.toBe(b.headers['request-id']);
    });
  });

  describe('authentication failures', () => {
    it('says the access token is empty when there is no Authorization header', async () => {
      const res = await get(emu, '/v1.0/me');
      expect(graphError(res)).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    });

    it('rejects a bearer value that is not a JWT with IdentityModel IDX14100', async () => {
      const res = await get(emu, '/v1.0/me', 'not-a-jwt');
      expect(graphError(res)).toMatchObject({
        status: 401,
        code: 'InvalidAuthenticationToken',
        message:
          "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.",
      });
    });

    it('rejects three dotted parts that do not decode with IDX14102, not the no-dots message', async () => {
      const res = await get(emu, '/v1.0/me', 'a.b.c');
      const e = graphError(res);
      expect(e).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken' });
      expect(e.message).toMatch(/^IDX14102: Unable to decode the header '.*' as Base64Url encoded string\.$/);
    });

    it('rejects a token signed by another key', async () => {
      const res = await get(emu, '/v1.0/me', forge(admin));
      expect(graphError(res)).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' });
    });

    it('rejects a token once the emulator clock passes its expiry', async () => {
      const token = await tokenFor(emu, USERS.pimuser.upn);
      expect((await get(emu, '/v1.0/me', token)).statusCode).toBe(200);
      await moveClock(emu, { advance: 'PT2H' });
      const res = await get(emu, '/v1.0/me', token);
      expect(graphError(res)).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' });
    });

    it('rejects a token minted for another resource', async () => {
      const res = await emu.app.inject({ method: 'POST', url: '/contoso/oauth2/v2.0/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: APPS.confidential.appId, client_secret: APPS.confidential.secret, scope: 'https://management.azure.com/.default' }).toString() });
      expect(claimsOf(res.json().access_token).aud).toBe('https://management.azure.com');
      const graph = await get(emu, '/v1.0/users', res.json().access_token);
      expect(graphError(graph)).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken', message: 'Access token validation failure. Invalid audience.' });
    });

    it('puts date, request-id and client-request-id in innerError', async () => {
      await moveClock(emu, { set: '2030-01-01T12:34:56.789Z', freeze: true });
      const res = await get(emu, '/v1.0/me', undefined, { 'client-request-id': 'abc-123' });
      const body = res.json();
      expect(Object.keys(body)).toEqual(['error']);
      expect(Object.keys(body.error)).toEqual(['code', 'message', 'innerError']);
      expect(body.error.innerError).toEqual({ date: '2030-01-01T12:34:56', 'request-id': res.headers['request-id'], 'client-request-id': 'abc-123' });
      expect(body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    });
  });

  describe('request errors', () => {
    it('answers an unknown path with a Graph 400 envelope', async () => {
      const res = await get(emu, '/v1.0/nothingHere', admin);
      const e = graphError(res);
      expect(e).toMatchObject({ status: 400, code: 'BadRequest' });
      expect(e.message).toMatch(/^Resource not found for the segment 'nothingHere'\./);
      expect(e.innerError['request-id']).toBe(res.headers['request-id']);
      expect(res.headers['content-type']).toBe(GRAPH_JSON);
    });

    it('rejects malformed JSON', async () => {
      const res = await emu.app.inject({ method: 'POST', url: ROLE_ASSIGNMENTS, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: '{"principalId": ' });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      });
    });

    it('rejects a body property the type does not have', async () => {
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', foo: 1 });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: "The property 'foo' does not exist on type 'microsoft.graph.unifiedRoleAssignment'. Make sure to only use property names that are defined by the type or mark the type as open type.",
      });
    });

    it('rejects a query option the resource does not support and names those it does', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$search="Security"`, admin);
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: "Query option '$search' is not supported on this resource. Supported query options: $filter, $select, $expand, $top, $skiptoken, $count, $orderby.",
      });
    });
  });

  describe('/me', () => {
    it('returns the signed-in user with the default properties', async () => {
      const res = await get(emu, '/v1.0/me', admin);
      const body = res.json();
      expect(body['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#users/$entity');
      expect(body).toMatchObject({ id: USERS.admin.id, userPrincipalName: USERS.admin.upn, displayName: 'Contoso Admin', jobTitle: 'IT Administrator' });
      expect(Object.keys(body).filter((k) => !k.startsWith('@'))).toEqual(DEFAULT_USER_PROPERTIES);
    });

    it('needs a delegated token', async () => {
      const res = await get(emu, '/v1.0/me', await appToken(emu));
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' });
    });
  });

  describe('/users', () => {
    it('lists the users of the caller tenant only', async () => {
      const res = await get(emu, '/v1.0/users', admin);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#users');
      expect(body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName)).toEqual([
        USERS.admin.upn, USERS.pimuser.upn, USERS.approver.upn, USERS.analyst.upn, USERS.helpdesk.upn,
      ]);
      expect(body).not.toHaveProperty('@odata.nextLink');
    });

    it('filters by userPrincipalName', async () => {
      const res = await get(emu, `/v1.0/users?$filter=userPrincipalName eq '${USERS.pimuser.upn}'`, admin);
      expect(res.json().value).toHaveLength(1);
      expect(res.json().value[0]).toMatchObject({ id: USERS.pimuser.id, displayName: 'PIM User' });
    });

    it('returns only the selected properties and says so in @odata.context', async () => {
      const res = await get(emu, '/v1.0/users?$select=displayName', admin);
      const body = res.json();
      expect(body['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#users(displayName)');
      for (const u of body.value) expect(Object.keys(u)).toEqual(['displayName']);
      expect(body.value[0]).toEqual({ displayName: 'Contoso Admin' });
    });

    it('pages with $top and an @odata.nextLink whose $skiptoken fetches the next page', async () => {
      const first = (await get(emu, '/v1.0/users?$top=2', admin)).json();
      expect(first.value).toHaveLength(2);
      expect(first['@odata.nextLink']).toMatch(/^http:\/\/localhost:80\/v1\.0\/users\?\$top=2&\$skiptoken=[\w-]+$/);

      const second = (await get(emu, pathOf(first['@odata.nextLink']), admin)).json();
      expect(second.value).toHaveLength(2);
      const third = (await get(emu, pathOf(second['@odata.nextLink']), admin)).json();
      expect(third.value).toHaveLength(1);
      expect(third).not.toHaveProperty('@odata.nextLink');

      const ids = [...first.value, ...second.value, ...third.value].map((u: { id: string }) => u.id);
      expect(new Set(ids).size).toBe(5);
    });

    it('counts with $count=true', async () => {
      const res = await get(emu, '/v1.0/users?$count=true&$top=1', admin);
      expect(res.json()['@odata.count']).toBe(5);
      expect(res.json().value).toHaveLength(1);
    });

    it.each([
      ['userPrincipalName', USERS.pimuser.upn],
      ['id', USERS.pimuser.id],
    ])('returns one user by %s', async (_kind, key) => {
      const res = await get(emu, `/v1.0/users/${key}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ '@odata.context': 'http://localhost:80/v1.0/$metadata#users/$entity', id: USERS.pimuser.id, userPrincipalName: USERS.pimuser.upn });
    });

    it('answers an unknown user with Request_ResourceNotFound', async () => {
      const res = await get(emu, '/v1.0/users/nobody@contoso.onmicrosoft.com', admin);
      expect(graphError(res)).toMatchObject({
        status: 404,
        code: 'Request_ResourceNotFound',
        message: "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.",
      });
    });

    it('does not show users of another tenant', async () => {
      const res = await get(emu, `/v1.0/users/${USERS.fabrikamUser.id}`, admin);
      expect(graphError(res)).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
    });
  });

  describe('/groups', () => {
    it('lists groups and their members', async () => {
      const groups = (await get(emu, '/v1.0/groups', admin)).json();
      expect(groups['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#groups');
      // The seed now also has groups for PIM for Groups (issue #18); Security Operations is still listed as before.
      expect(groups.value).toEqual(expect.arrayContaining([expect.objectContaining({ id: SECURITY_OPERATIONS, displayName: 'Security Operations', isAssignableToRole: true, securityEnabled: true })]));

      const members = (await get(emu, `/v1.0/groups/${SECURITY_OPERATIONS}/members`, admin)).json();
      expect(members['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#directoryObjects');
      expect(members.value.map((m: Record<string, unknown>) => [m['@odata.type'], m.id])).toEqual([
        ['#microsoft.graph.user', USERS.analyst.id],
        ['#microsoft.graph.user', USERS.helpdesk.id],
      ]);
    });
  });

  describe('roleDefinitions', () => {
    it('lists the built-in roles with the context of the host the client used', async () => {
      const res = await get(emu, ROLE_DEFINITIONS, admin);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#roleManagement/directory/roleDefinitions');
      expect(body.value.length).toBeGreaterThanOrEqual(26);
      const reader = body.value.find((r: { id: string }) => r.id === ROLES.securityReader);
      expect(reader).toMatchObject({ displayName: 'Security Reader', templateId: ROLES.securityReader, isBuiltIn: true, isEnabled: true, resourceScopes: ['/'] });
      for (const r of body.value) expect(r).not.toHaveProperty('isPrivileged');
    });

    it('uses the Host header in @odata.context', async () => {
      const res = await get(emu, ROLE_DEFINITIONS, admin, { host: 'localhost:8443', 'x-forwarded-proto': 'https' });
      expect(res.json()['@odata.context']).toBe('https://localhost:8443/v1.0/$metadata#roleManagement/directory/roleDefinitions');
    });

    it('shows isPrivileged in beta', async () => {
      const res = await get(emu, `/beta/roleManagement/directory/roleDefinitions/${ROLES.globalAdministrator}`, admin);
      expect(res.json()).toMatchObject({
        '@odata.context': 'http://localhost:80/beta/$metadata#roleManagement/directory/roleDefinitions/$entity',
        id: ROLES.globalAdministrator,
        isPrivileged: true,
      });
      const readers = (await get(emu, `/beta/roleManagement/directory/roleDefinitions/${ROLES.directoryReaders}`, admin)).json();
      expect(readers.isPrivileged).toBe(false);
    });

    it("filters with displayName eq 'Security Reader'", async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$filter=displayName eq 'Security Reader'`, admin);
      expect(res.json().value.map((r: { id: string }) => r.id)).toEqual([ROLES.securityReader]);
    });

    it('filters with id in (...)', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$filter=id in ('${ROLES.securityReader}', '${ROLES.globalAdministrator}')`, admin);
      expect(res.json().value.map((r: { id: string }) => r.id).sort()).toEqual([ROLES.securityReader, ROLES.globalAdministrator].sort());
    });

    it('refuses `or` as the real service does', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$filter=displayName eq 'Security Reader' or displayName eq 'Global Administrator'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery', message: 'Or operator not supported for this entity set.' });
    });

    it('refuses a filter on a property it does not support', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$filter=description eq 'x'`, admin);
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: "Invalid $filter: property 'description' is not supported for roleDefinitions. Supported properties: id, displayName, isBuiltIn, templateId.",
      });
    });

    it('returns one role by id with id equal to templateId', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}/${ROLES.securityReader}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        '@odata.context': 'http://localhost:80/v1.0/$metadata#roleManagement/directory/roleDefinitions/$entity',
        id: ROLES.securityReader,
        templateId: ROLES.securityReader,
      });
    });
  });

  describe('roleAssignments', () => {
    it('lists the assignments of one principal', async () => {
      const res = await get(emu, `${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        '@odata.context': 'http://localhost:80/v1.0/$metadata#roleManagement/directory/roleAssignments',
        value: [{
          id: ADMIN_GLOBAL_ADMIN_ASSIGNMENT,
          directoryScopeId: '/',
          principalId: USERS.admin.id,
          roleDefinitionId: ROLES.globalAdministrator,
          appScopeId: null,
          condition: null,
          principalOrganizationId: CONTOSO.id,
          resourceScope: '/',
        }],
      });
    });

    it('expands principal with its @odata.type', async () => {
      const res = await get(emu, `${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'&$expand=principal`, admin);
      const body = res.json();
      expect(body['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#roleManagement/directory/roleAssignments(principal())');
      expect(body.value[0].principal).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: USERS.admin.id, userPrincipalName: USERS.admin.upn });
    });

    it('expands roleDefinition', async () => {
      const res = await get(emu, `${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'&$expand=roleDefinition`, admin);
      expect(res.json().value[0].roleDefinition).toMatchObject({ id: ROLES.globalAdministrator, displayName: 'Global Administrator' });
    });

    it('returns one assignment by its base64url id', async () => {
      const res = await get(emu, `${ROLE_ASSIGNMENTS}/${ADMIN_GLOBAL_ADMIN_ASSIGNMENT}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        '@odata.context': 'http://localhost:80/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity',
        id: ADMIN_GLOBAL_ADMIN_ASSIGNMENT,
        principalId: USERS.admin.id,
        roleDefinitionId: ROLES.globalAdministrator,
      });
    });

    it('creates, reads and deletes an assignment as an administrator', async () => {
      const created = await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, { '@odata.type': '#microsoft.graph.unifiedRoleAssignment', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(created.statusCode).toBe(201);
      expect(created.headers['content-type']).toBe(GRAPH_JSON);
      expect(created.json()).toEqual({
        '@odata.context': 'http://localhost:80/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity',
        id: PIMUSER_SECURITY_READER_ASSIGNMENT,
        directoryScopeId: '/',
        principalId: USERS.pimuser.id,
        roleDefinitionId: ROLES.securityReader,
        appScopeId: null,
        condition: null,
        principalOrganizationId: CONTOSO.id,
        resourceScope: '/',
      });
      expect(created.json().id).toMatch(/^[A-Za-z0-9_-]{43}-1$/);

      expect((await get(emu, `${ROLE_ASSIGNMENTS}/${PIMUSER_SECURITY_READER_ASSIGNMENT}`, admin)).statusCode).toBe(200);

      const deleted = await send(emu, 'DELETE', `${ROLE_ASSIGNMENTS}/${PIMUSER_SECURITY_READER_ASSIGNMENT}`, admin);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');

      const gone = await get(emu, `${ROLE_ASSIGNMENTS}/${PIMUSER_SECURITY_READER_ASSIGNMENT}`, admin);
      expect(graphError(gone)).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
    });

    it('refuses a duplicate assignment as a conflicting object', async () => {
      const body = { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' };
      expect((await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, body)).statusCode).toBe(201);
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, body);
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'Request_BadRequest',
        message: 'A conflicting object with one or more of the specified property values is present in the directory.',
      });
    });

    it('refuses a user without an administrator role', async () => {
      const pimuser = await tokenFor(emu, USERS.pimuser.upn);
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, pimuser, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.globalAdministrator, directoryScopeId: '/' });
      expect(graphError(res)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    });

    it('lets an app with RoleManagement.ReadWrite.Directory assign roles', async () => {
      const app = await appToken(emu);
      expect(claimsOf(app).roles).toContain('RoleManagement.ReadWrite.Directory');
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, app, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(res.statusCode).toBe(201);
      expect(res.json().id).toBe(PIMUSER_SECURITY_READER_ASSIGNMENT);
    });

    it('refuses an app without RoleManagement.ReadWrite.Directory', async () => {
      const app = await appToken(emu, ['Directory.Read.All']);
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, app, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(graphError(res)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    });

    it('refuses an administrator whose token lacks the scope', async () => {
      const narrow = await tokenFor(emu, USERS.admin.upn, { scopes: ['User.Read'] });
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, narrow, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(graphError(res)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
      const list = await get(emu, ROLE_ASSIGNMENTS, narrow);
      expect(graphError(list)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied' });
    });

    it('answers an unknown principal with Request_ResourceNotFound', async () => {
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, { principalId: '00000000-0000-0000-0000-000000000001', roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(graphError(res)).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
    });

    it('shows a new assignment in the wids of a freshly issued token', async () => {
      const before = claimsOf(await tokenFor(emu, USERS.pimuser.upn));
      expect(before.wids).not.toContain(ROLES.securityReader);
      await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      const after = claimsOf(await tokenFor(emu, USERS.pimuser.upn));
      expect(after.wids).toContain(ROLES.securityReader);
    });

    it('gives members of a role-assignable group the roles assigned to the group', async () => {
      const res = await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, { principalId: SECURITY_OPERATIONS, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(res.statusCode).toBe(201);
      const expanded = (await get(emu, `${ROLE_ASSIGNMENTS}/${res.json().id}?$expand=principal`, admin)).json();
      expect(expanded.principal).toMatchObject({ '@odata.type': '#microsoft.graph.group', id: SECURITY_OPERATIONS });
      expect(claimsOf(await tokenFor(emu, USERS.analyst.upn)).wids).toContain(ROLES.securityReader);
    });
  });
});
