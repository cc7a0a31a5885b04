import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, USERS, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get } from '../support/api.js';

const ROLE_DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const ROLE_ASSIGNMENTS = 'roleManagement/directory/roleAssignments';
const SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";

describe("Graph's conventions", () => {
  let emu: Emulator;
  let admin: string;
  beforeAll(async () => {
    emu = await testEmulator();
    admin = await tokenFor(emu, USERS.admin.upn);
  });
  afterAll(async () => {
    await emu.close();
  });

  describe('shapes', () => {
    it('gives an unmodified policy lastModifiedBy {displayName: null, id: null}, as Graph does', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE}`, admin);
      expect(res.statusCode).toBe(200);
      const policies = res.json().value;
      expect(policies.length).toBeGreaterThan(0);
      for (const p of policies) {
        expect(p.lastModifiedDateTime).toBeNull();
        expect(p.lastModifiedBy).toEqual({ displayName: null, id: null });
      }
    });

    it('lists inheritsPermissionsFrom on every built-in role but Directory Readers, without $expand', async () => {
      const res = await get(emu, ROLE_DEFINITIONS, admin);
      for (const r of res.json().value) {
        expect(r.inheritsPermissionsFrom).toEqual(r.id === ROLES.directoryReaders ? [] : [{ id: ROLES.directoryReaders }]);
      }
      const one = (await get(emu, `/beta/roleManagement/directory/roleDefinitions/${ROLES.securityReader}`, admin)).json();
      expect(one.inheritsPermissionsFrom).toEqual([{ id: ROLES.directoryReaders }]);
    });
  });

  describe('query options', () => {
    const ids = (res: { json: () => { value: { id: string }[] } }) => res.json().value.map((r) => r.id).sort();

    it('honours filter=, top= and select= without the $ on /beta, as Graph documents for beta', async () => {
      const all = await get(emu, `/beta/${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, admin);
      const dollarless = await get(emu, `/beta/${ROLE_ASSIGNMENTS}?filter=principalId eq '${USERS.admin.id}'`, admin);
      expect(dollarless.statusCode).toBe(200);
      expect(ids(dollarless)).toEqual(ids(all));
      expect(dollarless.json().value.every((a: { principalId: string }) => a.principalId === USERS.admin.id)).toBe(true);

      const page = await get(emu, `/beta/roleManagement/directory/roleDefinitions?top=2&select=displayName,id&orderby=displayName`, admin);
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.value).toHaveLength(2);
      for (const r of body.value) expect(Object.keys(r).sort()).toEqual(['displayName', 'id']);
      expect(body['@odata.context']).toBe('http://localhost:80/beta/$metadata#roleManagement/directory/roleDefinitions(displayName,id)');
      expect(body['@odata.nextLink']).toContain('$skiptoken=');
      expect(body.value.map((r: { displayName: string }) => r.displayName)).toEqual(
        [...body.value.map((r: { displayName: string }) => r.displayName)].sort(),
      );
    });

    it('refuses a $-less option a beta route does not serve, as it refuses the $ form', async () => {
      const res = await get(emu, `/beta/roleManagement/directory/roleDefinitions/${ROLES.securityReader}?top=1`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: "Query option 'top' is not supported on this resource. Supported query options: $select, $expand." });
    });

    it('refuses filter= and $filter= together on /beta as a repeated option', async () => {
      const res = await get(emu, `/beta/${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'&filter=principalId eq '${USERS.admin.id}'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: "Query option 'filter' was specified more than once, but it must be specified at most once." });
    });

    it('leaves filter= without the $ alone on /v1.0, where the $ is not optional for these APIs', async () => {
      const res = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?filter=principalId eq '${USERS.pimuser.id}'`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().value.some((a: { principalId: string }) => a.principalId !== USERS.pimuser.id)).toBe(true);
    });

    it('treats $FILTER, $TOP and $Select as the system options they name', async () => {
      const res = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?$FILTER=principalId eq '${USERS.admin.id}'&$TOP=1&$Select=id,principalId`, admin);
      expect(res.statusCode).toBe(200);
      const value = res.json().value;
      expect(value).toHaveLength(1);
      expect(value[0].principalId).toBe(USERS.admin.id);
      expect(Object.keys(value[0]).sort()).toEqual(['id', 'principalId']);
    });

    it('matches property names in $filter case-insensitively (PrincipalId eq …)', async () => {
      const exact = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, admin);
      const pascal = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?$filter=PrincipalId eq '${USERS.admin.id}'`, admin);
      expect(pascal.statusCode).toBe(200);
      expect(ids(pascal)).toEqual(ids(exact));
      expect(ids(pascal).length).toBeGreaterThan(0);
      const roles = await get(emu, `${ROLE_DEFINITIONS}?$filter=DisplayName eq 'Security Reader'`, admin);
      expect(roles.json().value.map((r: { id: string }) => r.id)).toEqual([ROLES.securityReader]);
    });

    it('matches property names in $orderby and $select case-insensitively', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$orderby=DisplayName desc&$select=DisplayName`, admin);
      expect(res.statusCode).toBe(200);
      const names = res.json().value.map((r: { displayName: string }) => r.displayName);
      expect(names.length).toBeGreaterThan(2);
      expect(names).toEqual([...names].sort().reverse());
    });

    it('matches the required scope filter of policies case-insensitively (ScopeId, ScopeType)', async () => {
      const res = await get(emu, `${POLICIES}?$filter=ScopeId eq '/' and ScopeType eq 'DirectoryRole'`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().value.length).toBeGreaterThan(0);
    });
  });
});
