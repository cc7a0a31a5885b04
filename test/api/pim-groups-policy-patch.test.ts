import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, USERS, appToken, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

/**
 * The policy-level PATCH (GDC unifiedrolemanagementpolicy-update.md: `PATCH
 * /policies/roleManagementPolicies/{id}` with a `rules` array, 200 OK with the policy), as Terraform
 * azuread's azuread_group_role_management_policy calls it (pim-groups-reference §4, §7.1): find the
 * policy through its assignment, GET it with its rules, PATCH `{id, rules: [the changed rules as read]}`,
 * then re-list the assignments to learn the policy's new id (the first write onboards the group).
 */
const CONTEXT = 'http://localhost:80/v1.0/$metadata#policies/roleManagementPolicies/$entity';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
/** Terraform azuread's msgraph clients for these calls use the beta endpoint (VersionBeta). */
const BETA_POLICIES = '/beta/policies/roleManagementPolicies';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const T0 = '2026-12-01T09:00:00Z';
const G = '/v1.0/identityGovernance/privilegedAccess/group';

type Rule = { id: string; [k: string]: unknown };

describe('PATCH a role management policy with its rules', () => {
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

  const policyIdOf = async (filter: string): Promise<string> => {
    const res = await get(emu, `${ASSIGNMENTS}?$filter=${filter}`, admin);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().value).toHaveLength(1);
    return res.json().value[0].policyId;
  };
  const groupPolicyId = () => policyIdOf(`scopeType eq 'Group' and scopeId eq '${CLOUD}' and roleDefinitionId eq 'member'`);
  /** The policy's rules, read as Terraform azuread reads them: GET with $expand=* (its msgraph client's Get). */
  const rulesOf = async (policyId: string, base = POLICIES): Promise<Rule[]> => {
    const res = await get(emu, `${base}/${policyId}?$expand=*`, admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().rules;
  };
  const ruleOf = (rules: Rule[], id: string) => rules.find((r) => r.id === id)!;

  it("takes Terraform azuread's update of a group policy: 200 with the policy under its new id, the rules changed, approvers sent as id", async () => {
    const oldId = await groupPolicyId();
    const rules = await rulesOf(oldId, BETA_POLICIES);
    const expiration = { ...ruleOf(rules, 'Expiration_EndUser_Assignment'), maximumDuration: 'PT4H' };
    const approval = ruleOf(rules, 'Approval_EndUser_Assignment') as Rule & { setting: Record<string, unknown> };
    const changedApproval = {
      ...approval,
      setting: {
        ...approval.setting, isApprovalRequired: true,
        approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', id: USERS.approver.id, description: 'Role Approver' }] }],
      },
    };
    const res = await send(emu, 'PATCH', `${BETA_POLICIES}/${oldId}`, admin, { id: oldId, rules: [expiration, changedApproval] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      '@odata.context': CONTEXT.replace('/v1.0/', '/beta/'),
      id: expect.stringMatching(new RegExp(`^Group_${CLOUD}_[0-9a-f-]{36}$`)),
      displayName: 'Group', description: 'Group', isOrganizationDefault: false, scopeId: CLOUD, scopeType: 'Group',
      lastModifiedDateTime: T0, lastModifiedBy: { displayName: 'Contoso Admin', id: null },
    });
    // The group was onboarded by this first write: its policy id changed, and the assignment list says so.
    expect(body.id).not.toBe(oldId);
    expect(await groupPolicyId()).toBe(body.id);
    const after = await rulesOf(body.id);
    expect(ruleOf(after, 'Expiration_EndUser_Assignment')).toMatchObject({ maximumDuration: 'PT4H', isExpirationRequired: true });
    expect(ruleOf(after, 'Approval_EndUser_Assignment')).toMatchObject({
      setting: {
        isApprovalRequired: true,
        approvalStages: [expect.objectContaining({ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.approver.id, description: 'Role Approver' }] })],
      },
    });
    // Rules the PATCH did not name are as they were.
    expect(ruleOf(after, 'Enablement_EndUser_Assignment')).toEqual(ruleOf(rules, 'Enablement_EndUser_Assignment'));
    // One "Update role setting in PIM" per rule, under GroupManagement (Entra audit activity reference).
    const audits = (await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value as Array<{ activityDisplayName: string; category: string; targetResources: Array<{ id: string; type: string }> }>;
    expect(audits.slice(0, 2).map((a) => [a.activityDisplayName, a.category, a.targetResources.find((t) => t.type === 'Other')?.id])).toEqual([
      ['Update role setting in PIM', 'GroupManagement', 'Approval_EndUser_Assignment'],
      ['Update role setting in PIM', 'GroupManagement', 'Expiration_EndUser_Assignment'],
    ]);
    // The settings apply: an activation now waits for the approver, for at most four hours.
    const eligible = await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', justification: 'x',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(eligible.statusCode, eligible.body).toBe(201);
    const pimuser = await tokenFor(emu, USERS.pimuser.upn);
    const act = (duration: string) => send(emu, 'POST', `${G}/assignmentScheduleRequests`, pimuser, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'selfActivate', justification: 'y',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration } },
    });
    expect(graphError(await act('PT5H'))).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule"]' });
    expect((await act('PT4H')).json()).toMatchObject({ status: 'PendingApproval' });
  });

  it('an empty rules array changes nothing (and does not onboard the group)', async () => {
    const id = await groupPolicyId();
    const res = await send(emu, 'PATCH', `${POLICIES}/${id}`, admin, { id, rules: [] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null } });
    expect(await groupPolicyId()).toBe(id);
  });

  it("a second PATCH keeps the onboarded group's id", async () => {
    const first = (await send(emu, 'PATCH', `${POLICIES}/${await groupPolicyId()}`, admin, { rules: [{ '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT4H' }] })).json();
    const second = await send(emu, 'PATCH', `${POLICIES}/${first.id}`, admin, { rules: [{ '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT2H' }] });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().id).toBe(first.id);
  });

  it('updates a directory role policy the same way (200, the policy without its rules)', async () => {
    const id = await policyIdOf(`scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${ROLES.securityReader}'`);
    const mfa = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const res = await send(emu, 'PATCH', `${POLICIES}/${id}`, mfa, {
      rules: [{ '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification', 'Ticketing'], target: { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] } }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ '@odata.context': CONTEXT, id, scopeId: '/', scopeType: 'DirectoryRole', lastModifiedDateTime: T0 });
    expect(res.json().rules).toBeUndefined();
    expect(ruleOf(await rulesOf(id), 'Enablement_EndUser_Assignment')).toMatchObject({ enabledRules: ['Justification', 'Ticketing'] });
  });

  it('checks every rule before changing any: one bad rule, nothing changed', async () => {
    const id = await groupPolicyId();
    const before = await rulesOf(id);
    const res = await send(emu, 'PATCH', `${POLICIES}/${id}`, admin, {
      rules: [
        { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT4H' },
        { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'No_Such_Rule', maximumDuration: 'PT4H' },
      ],
    });
    expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: 'The policy rule id No_Such_Rule is invalid.' });
    // Not onboarded, nothing changed.
    expect(await groupPolicyId()).toBe(id);
    expect(await rulesOf(id)).toEqual(before);
  });

  it('refuses bodies it cannot apply, saying what it takes', async () => {
    const id = await groupPolicyId();
    const patch = (body: unknown, token = admin) => send(emu, 'PATCH', `${POLICIES}/${id}`, token, body);
    expect(graphError(await patch({ displayName: 'Mine' }))).toMatchObject({
      status: 400, code: 'BadRequest', message: 'Only the rules of a role management policy can be updated: send them in "rules" (or PATCH …/rules/{ruleId}).',
    });
    expect(graphError(await patch({ rules: [{ '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', maximumDuration: 'PT4H' }] }))).toMatchObject({
      status: 400, code: 'BadRequest', message: 'rules[0] needs the "id" of the rule to update (for example "Expiration_EndUser_Assignment").',
    });
    expect(graphError(await patch({ rules: {} }))).toMatchObject({ status: 400, code: 'BadRequest', message: '"rules" must be an array of unifiedRoleManagementPolicyRule, not {}.' });
    expect(graphError(await patch({ id: 'Group_other', rules: [] }))).toMatchObject({ status: 400, code: 'BadRequest', message: `The policy id 'Group_other' in the body does not match '${id}' in the URL.` });
    expect(graphError(await patch({ rules: [{ id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT4H' }] }))).toMatchObject({
      status: 400, code: 'BadRequest', message: expect.stringContaining('"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"'),
    });
    expect(graphError(await send(emu, 'PATCH', `${POLICIES}/Group_${CLOUD}_00000000-0000-0000-0000-000000000000`, admin, { rules: [] }))).toMatchObject({ status: 404 });
    const pimuser = await tokenFor(emu, USERS.pimuser.upn);
    expect(graphError(await patch({ rules: [] }, pimuser))).toMatchObject({ status: 403, code: 'UnauthorizedAccessException' });
    const app = await appToken(emu, ['Directory.Read.All']);
    expect(graphError(await patch({ rules: [] }, app))).toMatchObject({ status: 403, code: 'UnknownError', message: expect.stringContaining('RoleManagementPolicy.ReadWrite.AzureADGroup') });
    expect(await groupPolicyId()).toBe(id);
  });
});
