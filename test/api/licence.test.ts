import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, USERS, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, send } from '../support/api.js';

/** Every PIM collection of Graph (reference §1.1); each needs Entra ID P2 or ID Governance. */
const PIM_PATHS = [
  '/roleManagement/directory/roleAssignmentScheduleRequests',
  '/roleManagement/directory/roleEligibilityScheduleRequests',
  '/roleManagement/directory/roleAssignmentSchedules',
  '/roleManagement/directory/roleEligibilitySchedules',
  '/roleManagement/directory/roleAssignmentScheduleInstances',
  '/roleManagement/directory/roleEligibilityScheduleInstances',
  '/policies/roleManagementPolicies',
  '/policies/roleManagementPolicyAssignments',
];
const REQUEST_PATHS = PIM_PATHS.filter((p) => p.endsWith('Requests'));
const LICENCE_MESSAGE = 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.';

describe('the PIM licence gate', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  it('covers every PIM collection the emulator routes', () => {
    // The collections under /v1.0 that are PIM's: the schedule requests, schedules and instances of
    // both kinds, and the role management policies and their assignments.
    const pim = /^\/v1\.0(\/roleManagement\/directory\/role(Assignment|Eligibility)Schedule\w*|\/policies\/roleManagementPolic\w*)/;
    const routed = new Set(emu.routes.map((r) => pim.exec(r.url)?.[1]).filter((p): p is string => p !== undefined));
    expect([...routed].sort()).toEqual([...PIM_PATHS].sort());
  });

  describe('in fabrikam, which has no P2 licence', () => {
    let token: string;
    beforeEach(async () => {
      token = await tokenFor(emu, USERS.fabrikamAdmin.upn);
    });

    it.each(PIM_PATHS.flatMap((p) => [`/v1.0${p}`, `/beta${p}`]))('GET %s answers 400 AadPremiumLicenseRequired', async (url) => {
      const res = await get(emu, url, token);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'AadPremiumLicenseRequired', message: LICENCE_MESSAGE });
    });

    it.each(REQUEST_PATHS.map((p) => `/v1.0${p}`))('POST %s answers 400 AadPremiumLicenseRequired', async (url) => {
      const res = await send(emu, 'POST', url, token, { action: 'adminAssign', principalId: USERS.fabrikamUser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(graphError(res)).toMatchObject({ status: 400, code: 'AadPremiumLicenseRequired', message: LICENCE_MESSAGE });
    });

    it('gates the filterByCurrentUser functions and single items too', async () => {
      const fn = await get(emu, "/v1.0/roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='principal')", token);
      expect(graphError(fn)).toMatchObject({ status: 400, code: 'AadPremiumLicenseRequired', message: LICENCE_MESSAGE });
      const item = await get(emu, '/v1.0/policies/roleManagementPolicies/DirectoryRole_x_y', token);
      expect(graphError(item)).toMatchObject({ status: 400, code: 'AadPremiumLicenseRequired', message: LICENCE_MESSAGE });
    });

    it('still serves roleDefinitions and /me, which need no licence', async () => {
      const defs = await get(emu, '/v1.0/roleManagement/directory/roleDefinitions', token);
      expect(defs.statusCode).toBe(200);
      expect(defs.json().value.length).toBeGreaterThanOrEqual(26);
      const me = await get(emu, '/v1.0/me', token);
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: USERS.fabrikamAdmin.id, userPrincipalName: USERS.fabrikamAdmin.upn });
    });
  });

  describe('in contoso, which has P2', () => {
    // The policy collections need their scope filter (reference §1.6); the others answer as they are.
    const SCOPE = "?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'";
    it.each(PIM_PATHS.map((p) => `/v1.0${p}`))('GET %s passes the gate', async (url) => {
      const token = await tokenFor(emu, USERS.admin.upn);
      const res = await get(emu, url.includes('/policies/') ? `${url}${SCOPE}` : url, token);
      expect(res.statusCode).toBe(200);
      expect(Array.isArray(res.json().value)).toBe(true);
    });
  });
});
