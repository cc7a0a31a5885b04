import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator.js';
import { defaultConfig } from '../../src/config.js';
import { groupDefaultRules } from '../../src/pim/group-policy.js';
import { defaultRules } from '../../src/pim/policy-defaults.js';
import { USERS, defaultSeed, graphError, sharedTls, tempDir, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';
import { observeResponse } from '../support/conformance.js';

/**
 * Group-scoped role management policies (pim-groups-reference §4, §2.6): two per group, ids
 * Group_{groupId}_{guid}, scopeId the bare group id, roleDefinitionId member/owner, the Group
 * defaults, and onboarding on the first write, which changes the policy ids.
 */
const BASE = 'http://localhost:80/v1.0/$metadata#';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const FALCON = '5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e';
const T0 = '2026-12-01T09:00:00Z';
const scope = (g: string) => `scopeId eq '${g}' and scopeType eq 'Group'`;
const POLICY_ID = (g: string) => new RegExp(`^Group_${g}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);
const rule = (rules: Array<{ id: string }>, id: string) => rules.find((r) => r.id === id);

describe('Group-scoped role management policies', () => {
  let emu: Emulator;
  let admin: string;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
  });
  afterEach(async () => {
    await emu.close();
  });

  /** The policy of a group's membership or ownership, found as Terraform and PowerShell find it: through its assignment. */
  const policyOf = async (g: string, role: 'member' | 'owner') => {
    const res = await get(emu, `${ASSIGNMENTS}?$filter=${scope(g)} and roleDefinitionId eq '${role}'&$expand=policy($expand=rules)`, admin);
    expect(res.statusCode, res.body).toBe(200);
    const value = res.json().value;
    expect(value).toHaveLength(1);
    return value[0] as { id: string; policyId: string; scopeId: string; scopeType: string; roleDefinitionId: string; policy: { id: string; rules: Array<{ id: string } & Record<string, unknown>> } };
  };

  it('lists two policies per group: named "Group", scopeId the bare group id, never modified', async () => {
    const res = await get(emu, `${POLICIES}?$filter=${scope(CLOUD)}`, admin);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicies`);
    expect(body.value).toHaveLength(2);
    for (const p of body.value) {
      expect(p).toEqual({
        id: expect.stringMatching(POLICY_ID(CLOUD)), displayName: 'Group', description: 'Group', isOrganizationDefault: false,
        scopeId: CLOUD, scopeType: 'Group', lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null },
      });
    }
    expect(new Set(body.value.map((p: { id: string }) => p.id)).size).toBe(2);
  });

  it('tells member from owner through the policy assignments: roleDefinitionId is the literal member / owner', async () => {
    const member = await policyOf(CLOUD, 'member');
    const owner = await policyOf(CLOUD, 'owner');
    expect(member).toMatchObject({ id: `${member.policyId}_member`, scopeId: CLOUD, scopeType: 'Group', roleDefinitionId: 'member' });
    expect(owner).toMatchObject({ id: `${owner.policyId}_owner`, scopeId: CLOUD, scopeType: 'Group', roleDefinitionId: 'owner' });
    expect(member.policyId).not.toBe(owner.policyId);
    expect((await get(emu, `${ASSIGNMENTS}/${member.id}`, admin)).json()).toMatchObject({ id: member.id, policyId: member.policyId });
  });

  it('has the Group defaults: expiry required (P365D eligible, P180D active), justification but no MFA on activation', async () => {
    const { policy } = await policyOf(FALCON, 'member');
    expect(policy.rules).toEqual(groupDefaultRules());
    expect(rule(policy.rules, 'Expiration_Admin_Eligibility')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P365D' });
    expect(rule(policy.rules, 'Expiration_Admin_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P180D' });
    expect(rule(policy.rules, 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'] });
    expect(rule(policy.rules, 'Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });
    // The other 13 rules are the directory role's.
    const differs = ['Expiration_Admin_Eligibility', 'Expiration_Admin_Assignment', 'Enablement_EndUser_Assignment'];
    expect(policy.rules.filter((r) => !differs.includes(r.id))).toEqual(defaultRules().filter((r) => !differs.includes(r.id)));
  });

  it("leaves the directory roles' lists as they were", async () => {
    const roles = (await get(emu, `${POLICIES}?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'`, admin)).json().value;
    expect(roles.length).toBe(emu.store.system().roleDefinitions.length);
    for (const p of roles) expect(p.scopeType).toBe('DirectoryRole');
  });

  it('onboards the group on its first request: both policy ids change, the old ones answer 404', async () => {
    const before = [await policyOf(CLOUD, 'member'), await policyOf(CLOUD, 'owner')].map((a) => a.policyId);
    const res = await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const after = [await policyOf(CLOUD, 'member'), await policyOf(CLOUD, 'owner')].map((a) => a.policyId);
    for (const id of after) expect(id).toMatch(POLICY_ID(CLOUD));
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(graphError(await get(emu, `${POLICIES}/${before[0]}`, admin))).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
    // Onboarding is once: a second request keeps the ids.
    await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.analyst.id, groupId: CLOUD, action: 'adminAssign', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect([await policyOf(CLOUD, 'member'), await policyOf(CLOUD, 'owner')].map((a) => a.policyId)).toEqual(after);
    // A failed request onboards nothing.
    const other = (await policyOf(FALCON, 'member')).policyId;
    await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, { accessId: 'member', principalId: USERS.pimuser.id, groupId: FALCON, action: 'adminAssign', scheduleInfo: { expiration: { type: 'noExpiration' } } });
    expect((await policyOf(FALCON, 'member')).policyId).toBe(other);
  });

  it('PATCHes a rule (onboarding the group: the policy is re-read by its assignment), and the engine enforces it — every failure at once', async () => {
    const before = await policyOf(FALCON, 'member');
    const res = await send(emu, 'PATCH', `${POLICIES}/${before.policyId}/rules/Enablement_EndUser_Assignment`, admin, {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification'],
      target: { '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
    });
    expect(res.statusCode, res.body).toBe(204);
    const after = await policyOf(FALCON, 'member');
    expect(after.policyId).not.toBe(before.policyId);
    expect(rule(after.policy.rules, 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['MultiFactorAuthentication', 'Justification'] });
    expect((await get(emu, `${POLICIES}/${after.policyId}`, admin)).json()).toMatchObject({ lastModifiedDateTime: T0, lastModifiedBy: { displayName: 'Contoso Admin', id: null } });
    // The owner policy was onboarded too, unchanged.
    expect(rule((await policyOf(FALCON, 'owner')).policy.rules, 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification'] });

    await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: FALCON, action: 'adminAssign', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    const pimuser = await tokenFor(emu, USERS.pimuser.upn, { mfa: false });
    const activation = await send(emu, 'POST', `${G}/assignmentScheduleRequests`, pimuser, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: FALCON, action: 'selfActivate', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(graphError(activation)).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["JustificationRule","MfaRule"]' });
  });

  it('answers 400 for a rule id the group policy does not have', async () => {
    const { policyId } = await policyOf(CLOUD, 'owner');
    const res = await send(emu, 'PATCH', `${POLICIES}/${policyId}/rules/Nope`, admin, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Nope' });
    expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: 'The policy rule id Nope is invalid.' });
  });

  it('keeps an onboarded group\'s policies across a restart (file storage) and through a seed export and import', async () => {
    const { dir, cleanup } = tempDir();
    const tls = await sharedTls();
    const start = () => createEmulator({ ...defaultConfig(), storage: 'file', dataDir: dir, httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' }, { seed: defaultSeed(), tls, observe: observeResponse });
    try {
      let file = await start();
      const token = async () => tokenFor(file, USERS.admin.upn);
      const onboard = await send(file, 'POST', `${G}/eligibilityScheduleRequests`, await token(), {
        accessId: 'owner', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', justification: 'x', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
      });
      expect(onboard.statusCode, onboard.body).toBe(201);
      const ids = async () => (await get(file, `${POLICIES}?$filter=${scope(CLOUD)}`, await token())).json().value.map((p: { id: string }) => p.id).sort();
      const onboarded = await ids();
      await file.close();
      file = await start();
      expect(await ids()).toEqual(onboarded);

      const exported = await file.app.inject({ method: 'GET', url: '/_emulator/seed' });
      expect(exported.statusCode).toBe(200);
      const imported = await file.app.inject({ method: 'POST', url: '/_emulator/seed', payload: exported.json() });
      expect(imported.statusCode, imported.body).toBe(200);
      expect(await ids()).toEqual(onboarded);
      await file.close();
    } finally {
      cleanup();
    }
  });
});
