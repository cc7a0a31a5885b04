import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, PASSWORD, USERS, testEmulator } from '../support/emulator.js';
import { GUID_RE, bearer, get, moveClock, pathOf, tokenRequest } from '../support/api.js';

/**
 * PIM for Azure resources on ARM (issue 19; arm-pim-reference): ARM's conventions, the tenant's
 * Azure resources, built-in role definitions, role assignments, PIM schedule requests over the
 * engine's Azure role kind, schedules and instances with ARM's filters, and role management policies.
 */
const SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/rg-workshop`;
const AUTH = '/providers/Microsoft.Authorization';
const V = 'api-version=2020-10-01';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const roleId = (guid: string) => `${SUB_SCOPE}${AUTH}/roleDefinitions/${guid}`;

describe('PIM for Azure resources on ARM', () => {
  let emu: Emulator;
  let admin: string;
  let user: string;
  let graph: string;
  let n = 0;
  /** A fresh client-chosen request name. */
  const guid = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;

  const signIn = async (upn: string, scope: string) => {
    const res = await tokenRequest(emu, 'contoso', { grant_type: 'password', client_id: APPS.azureCli.appId, username: upn, password: PASSWORD, scope });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };
  const arm = (method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: unknown) =>
    emu.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  const put = (scope: string, type: string, name: string, properties: Record<string, unknown>, token = admin) => arm('PUT', `${scope}${AUTH}/${type}/${name}?${V}`, token, { properties });

  beforeAll(async () => {
    emu = await testEmulator();
    admin = await signIn(USERS.admin.upn, 'https://management.azure.com/.default');
    user = await signIn(USERS.pimuser.upn, 'https://management.azure.com/.default');
    graph = await signIn(USERS.admin.upn, 'https://graph.microsoft.com/.default');
  });
  afterAll(async () => emu.close());

  describe("ARM's conventions", () => {
    it('requires an api-version, and answers an unknown one with the resource type\'s supported versions', async () => {
      const missing = await get(emu, `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules`, admin);
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({ error: { code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' } });
      const unknown = await get(emu, `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?api-version=2015-07-01`, admin);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toEqual({
        error: {
          code: 'InvalidResourceType',
          message: "The resource type 'roleEligibilitySchedules' could not be found in the namespace 'Microsoft.Authorization' for api version '2015-07-01'. The supported api-versions are '2020-10-01,2020-10-01-preview,2022-04-01-preview,2024-02-01-preview,2024-09-01-preview'.",
        },
      });
    });

    it('names every response with x-ms-request-id, keeping the client\'s correlation id', async () => {
      const res = await emu.app.inject({ method: 'GET', url: `${SUB_SCOPE}${AUTH}/roleDefinitions?api-version=2022-04-01`, headers: { ...bearer(admin), 'x-ms-correlation-request-id': 'c0ffee00-0000-4000-8000-000000000001' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ms-request-id']).toMatch(GUID_RE);
      expect(res.headers['x-ms-correlation-request-id']).toBe('c0ffee00-0000-4000-8000-000000000001');
      const failed = await get(emu, `${SUB_SCOPE}${AUTH}/roleDefinitions`, admin);
      expect(failed.headers['x-ms-request-id']).toMatch(GUID_RE);
    });

    it('takes ARM tokens only: a Graph token and a missing one get ARM\'s 401 and challenge, naming the subscription\'s tenant', async () => {
      const wrong = await get(emu, `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${V}`, graph);
      expect(wrong.statusCode).toBe(401);
      const message = "The access token has been obtained for wrong audience or resource 'https://graph.microsoft.com'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.";
      expect(wrong.json()).toEqual({ error: { code: 'InvalidAuthenticationTokenAudience', message } });
      expect(wrong.headers['www-authenticate']).toBe(`Bearer authorization_uri="https://login.windows.net/${CONTOSO.id}", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`);
      const none = await get(emu, `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${V}`);
      expect(none.statusCode).toBe(401);
      expect(none.json()).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
      expect(none.headers['www-authenticate']).toBe(`Bearer authorization_uri="https://login.windows.net/${CONTOSO.id}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`);
    });

    it('compares scopes, provider namespaces and type names case-insensitively and answers canonical ids', async () => {
      const res = await get(emu, `/subscriptions/${SUB.toUpperCase()}/RESOURCEGROUPS/RG-Workshop/providers/microsoft.authorization/ROLEDEFINITIONS/${CONTRIBUTOR.toUpperCase()}?api-version=2022-04-01`, admin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().id).toBe(roleId(CONTRIBUTOR));
    });

    it('answers missing scopes in ARM\'s words', async () => {
      const rg = await get(emu, `${SUB_SCOPE}/resourceGroups/rg-nope${AUTH}/roleEligibilitySchedules?${V}`, admin);
      expect(rg.statusCode).toBe(404);
      expect(rg.json()).toEqual({ error: { code: 'ResourceGroupNotFound', message: "Resource group 'rg-nope' could not be found." } });
      const res = await get(emu, `${RG_SCOPE}/providers/Microsoft.Storage/storageAccounts/nope${AUTH}/roleEligibilitySchedules?${V}`, admin);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'ResourceNotFound', message: "The Resource 'Microsoft.Storage/storageAccounts/nope' under resource group 'rg-workshop' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix" } });
      const sub = await get(emu, `/subscriptions/2c7e9b14-6d3a-4f58-9e21-7b4c8a0d5f36${AUTH}/roleEligibilitySchedules?${V}`, admin);
      expect(sub.statusCode).toBe(404);
      expect(sub.json().error.code).toBe('SubscriptionNotFound');
    });

    it('fails loudly on a $filter it does not understand, saying what it supports', async () => {
      const res = await get(emu, `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${V}&$filter=${encodeURIComponent("startswith(principalId,'a')")}`, admin);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'BadRequest', message: "The filter 'startswith(principalId,'a')' is not supported. Supported: atScope(), asTarget(), assignedTo('{objectId}'), principalId eq '{value}', roleDefinitionId eq '{value}', combined with 'and'." } });
    });
  });

  describe('Azure resources, role definitions and role assignments', () => {
    it('lists the subscription\'s resource groups and resources as eligible child resources', async () => {
      const res = await get(emu, `${SUB_SCOPE}${AUTH}/eligibleChildResources?${V}&$filter=${encodeURIComponent("resourceType eq 'resourcegroup'")}`, admin);
      expect(res.json()).toEqual({ value: [
        { name: 'rg-workshop', id: RG_SCOPE, type: 'resourcegroup' },
        { name: 'rg-production', id: `${SUB_SCOPE}/resourceGroups/rg-production`, type: 'resourcegroup' },
      ] });
    });

    it('finds a built-in role by name at a resource group, with its real GUID and the subscription\'s id', async () => {
      const res = await get(emu, `${RG_SCOPE}${AUTH}/roleDefinitions?api-version=2022-05-01-preview&$filter=${encodeURIComponent("roleName eq 'Contributor'")}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().value).toHaveLength(1);
      expect(res.json().value[0]).toMatchObject({
        id: roleId(CONTRIBUTOR), name: CONTRIBUTOR, type: 'Microsoft.Authorization/roleDefinitions',
        properties: { roleName: 'Contributor', type: 'BuiltInRole', assignableScopes: ['/'], permissions: [{ actions: ['*'], dataActions: [], notDataActions: [] }] },
      });
      const names = (await get(emu, `${SUB_SCOPE}${AUTH}/roleDefinitions?api-version=2022-04-01`, admin)).json().value.map((r: { properties: { roleName: string } }) => r.properties.roleName);
      expect(names).toEqual(expect.arrayContaining(['Owner', 'Contributor', 'Reader', 'User Access Administrator', 'Storage Blob Data Reader', 'Key Vault Secrets User']));
    });

    it('lists the Global Administrator as Owner of the subscription, inherited at a resource group', async () => {
      const res = await get(emu, `${RG_SCOPE}${AUTH}/roleAssignments?api-version=2022-04-01&$filter=atScope()`, admin);
      expect(res.json().value).toEqual([expect.objectContaining({
        type: 'Microsoft.Authorization/roleAssignments',
        properties: expect.objectContaining({ roleDefinitionId: roleId(OWNER), principalId: USERS.admin.id, principalType: 'User', scope: SUB_SCOPE }),
      })]);
    });

    it('creates and deletes a role assignment directly; a duplicate is RoleAssignmentExists; a non-owner is refused', async () => {
      const name = '6f1c9a52-0d3e-4b7a-9c84-2e5f7a1b3c9d';
      const url = `${RG_SCOPE}${AUTH}/roleAssignments/${name}?api-version=2022-04-01`;
      const body = { properties: { roleDefinitionId: roleId(READER), principalId: USERS.analyst.id, principalType: 'User' } };
      const created = await arm('PUT', url, admin, body);
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toEqual({
        properties: {
          roleDefinitionId: roleId(READER), principalId: USERS.analyst.id, principalType: 'User', scope: RG_SCOPE, condition: null, conditionVersion: null,
          createdOn: expect.any(String), updatedOn: expect.any(String), createdBy: USERS.admin.id, updatedBy: USERS.admin.id, delegatedManagedIdentityResourceId: null, description: null,
        },
        id: `${RG_SCOPE}${AUTH}/roleAssignments/${name}`, type: 'Microsoft.Authorization/roleAssignments', name,
      });
      const dup = await arm('PUT', `${RG_SCOPE}${AUTH}/roleAssignments/7a2d0b63-1e4f-4c8b-8d95-3f6a8b2c4d0e?api-version=2022-04-01`, admin, body);
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toEqual({ error: { code: 'RoleAssignmentExists', message: 'The role assignment already exists.' } });
      const refused = await arm('PUT', `${RG_SCOPE}${AUTH}/roleAssignments/8b3e1c74-2f50-4d9c-9ea6-4a7b9c3d5e1f?api-version=2022-04-01`, user, { properties: { roleDefinitionId: roleId(OWNER), principalId: USERS.pimuser.id } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ error: { code: 'AuthorizationFailed', message: `The client '${USERS.pimuser.id}' with object id '${USERS.pimuser.id}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${RG_SCOPE}' or the scope is invalid. If access was recently granted, please refresh your credentials.` } });
      const deleted = await arm('DELETE', url, admin);
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json().name).toBe(name);
      expect((await arm('DELETE', url, admin)).statusCode).toBe(204);
    });

    it('pages long lists with nextLink', async () => {
      const scope = `${SUB_SCOPE}/resourceGroups/rg-production`;
      const t = emu.store.tenant(CONTOSO.id)!;
      const roles = (await get(emu, `${SUB_SCOPE}${AUTH}/roleDefinitions?api-version=2022-04-01`, admin)).json().value as Array<{ id: string }>;
      const principals = [...t.users.map((u) => u.id), ...t.groups.map((g) => g.id)];
      const pairs = principals.flatMap((id) => roles.map((r) => ({ principalId: id, roleDefinitionId: r.id }))).slice(0, 101);
      expect(pairs).toHaveLength(101);
      for (const properties of pairs) {
        const res = await arm('PUT', `${scope}${AUTH}/roleAssignments/${guid()}?api-version=2022-04-01`, admin, { properties });
        expect(res.statusCode, res.body).toBe(201);
      }
      const first = await get(emu, `${scope}${AUTH}/roleAssignments?api-version=2022-04-01&$filter=atScope()`, admin);
      expect(first.json().value).toHaveLength(100);
      expect(first.json().nextLink).toMatch(/^http:\/\/localhost:80\/subscriptions\/.*\/roleAssignments\?api-version=2022-04-01&%24filter=atScope%28%29&%24skiptoken=/);
      const second = await get(emu, pathOf(first.json().nextLink), admin);
      expect(second.statusCode).toBe(200);
      // 101 made here and the subscription's Owner inherited from above.
      expect(second.json().value).toHaveLength(2);
      expect(second.json().nextLink).toBeUndefined();
      const names = [...first.json().value, ...second.json().value].map((a: { name: string }) => a.name);
      expect(new Set(names).size).toBe(102);
    });
  });
});
