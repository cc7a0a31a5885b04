import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, USERS, testEmulator, tokenFor } from '../support/emulator.js';
import { get } from '../support/api.js';

const ROLE_DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
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
});
