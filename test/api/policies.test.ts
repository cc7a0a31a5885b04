import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { defaultRules } from '../../src/pim/policy-defaults.js';
import { CONTOSO, ROLES, USERS, appToken, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

const BASE = 'http://localhost:80/v1.0/$metadata#';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';
const SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";
const LICENCE_MESSAGE = 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.';
const SCOPE_FILTER_REQUIRED = (missing: string) =>
  `The required parameters ${missing} is missing. A $filter on scopeId and scopeType is required, for example $filter=scopeId eq '/' and scopeType eq 'DirectoryRole'.`;
const SCOPE_NOT_GRANTED = JSON.stringify({
  errorCode: 'PermissionScopeNotGranted',
  message: 'Authorization failed due to missing permission scope RoleManagementPolicy.ReadWrite.Directory,RoleManagement.ReadWrite.Directory.',
  instanceAnnotations: [],
});
const NOW = '2030-01-01T09:00:00Z';
const POLICY_ID = new RegExp(`^DirectoryRole_${CONTOSO.id}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

const NS = '#microsoft.graph.';
const EXPIRATION = `${NS}unifiedRoleManagementPolicyExpirationRule`;
const ENABLEMENT = `${NS}unifiedRoleManagementPolicyEnablementRule`;
const APPROVAL = `${NS}unifiedRoleManagementPolicyApprovalRule`;
const AUTH_CONTEXT = `${NS}unifiedRoleManagementPolicyAuthenticationContextRule`;
const NOTIFICATION = `${NS}unifiedRoleManagementPolicyNotificationRule`;

/** Reference §3.2: the 17 rules of an untouched policy, in the order Graph returns them (src/pim/policy-defaults.ts holds them once). */
const target = (caller: string, level: string) => ({ caller, operations: ['all'], level, inheritableSettings: [], enforcedSettings: [] });
const expiration = (id: string, caller: string, level: string, isExpirationRequired: boolean, maximumDuration: string) =>
  ({ '@odata.type': EXPIRATION, id, isExpirationRequired, maximumDuration, target: target(caller, level) });
const DEFAULT_RULES = defaultRules();
const DEFAULT_APPROVAL_SETTING = DEFAULT_RULES.find((r) => r.id === 'Approval_EndUser_Assignment')!.setting as { approvalStages: object[] };
const DEFAULT_SETTING_OF = (stage: object) => ({ ...DEFAULT_APPROVAL_SETTING, approvalStages: [stage] });
const DEFAULT_STAGE = DEFAULT_APPROVAL_SETTING.approvalStages[0]!;

/** The PATCH target the Graph docs send (reference §3.4). */
const patchTarget = (caller: string, level: string) => ({
  '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller, operations: ['All'], level, inheritableSettings: [], enforcedSettings: [],
});

describe('role management policies', () => {
  let emu: Emulator;
  let admin: string;
  /** The policy of Security Reader, found the documented way (reference §1.6). */
  let policyId: string;
  const rulesUrl = (ruleId = '') => `${POLICIES}/${policyId}/rules${ruleId ? `/${ruleId}` : ''}`;

  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: NOW, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
    const res = await get(emu, `${ASSIGNMENTS}?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'`, admin);
    policyId = res.json().value[0].policyId;
  });
  afterEach(async () => {
    await emu.close();
  });

  describe('GET /policies/roleManagementPolicies', () => {
    it('requires the $filter on scopeId and scopeType', async () => {
      const res = await get(emu, POLICIES, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: SCOPE_FILTER_REQUIRED('ScopeId') });
    });

    it('names ScopeType when only scopeId is filtered', async () => {
      const res = await get(emu, `${POLICIES}?$filter=scopeId eq '/'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: SCOPE_FILTER_REQUIRED('ScopeType') });
    });

    it('lists one policy per role, with the policy properties only', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE}`, admin);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicies`);
      expect(body.value).toHaveLength(26);
      const mine = body.value.find((p: { id: string }) => p.id === policyId);
      expect(mine).toEqual({
        id: policyId, displayName: 'DirectoryRole', description: 'DirectoryRole', isOrganizationDefault: false,
        scopeId: '/', scopeType: 'DirectoryRole', lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null },
      });
      for (const p of body.value) expect(p.id).toMatch(POLICY_ID);
    });

    it('expands rules: the 17 rules of reference §3.2, in order, with their defaults', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE}&$expand=rules`, admin);
      const body = res.json();
      expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicies(rules())`);
      const mine = body.value.find((p: { id: string }) => p.id === policyId);
      expect(mine.rules).toEqual(DEFAULT_RULES);
    });

    it('expands effectiveRules to the same rules', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE}&$expand=effectiveRules&$select=id`, admin);
      const body = res.json();
      expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicies(id,effectiveRules())`);
      expect(Object.keys(body.value[0])).toEqual(['id', 'effectiveRules']);
      expect(body.value[0].effectiveRules).toEqual(DEFAULT_RULES);
    });

    it('applies a $select nested in $expand=rules', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE} and id eq '${policyId}'&$expand=rules($select=id)`, admin);
      expect(res.json().value[0].rules).toEqual(DEFAULT_RULES.map((r) => ({ '@odata.type': r['@odata.type'], id: r.id })));
    });

    it('answers scopeType Directory with an empty list', async () => {
      const res = await get(emu, `${POLICIES}?$filter=scopeId eq '/' and scopeType eq 'Directory'`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().value).toEqual([]);
    });

    it('filters by id', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE} and id eq '${policyId}'`, admin);
      expect(res.json().value.map((p: { id: string }) => p.id)).toEqual([policyId]);
    });

    it('rejects `or` as Graph does', async () => {
      const res = await get(emu, `${POLICIES}?$filter=scopeId eq '/' or scopeType eq 'DirectoryRole'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery', message: 'Or operator not supported for this entity set.' });
    });

    it('is served under /beta too', async () => {
      const res = await get(emu, `/beta/policies/roleManagementPolicies?$filter=${SCOPE}`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json()['@odata.context']).toBe('http://localhost:80/beta/$metadata#policies/roleManagementPolicies');
    });
  });

  describe('one policy and its rules', () => {
    it('GETs a policy', async () => {
      const res = await get(emu, `${POLICIES}/${policyId}`, admin);
      expect(res.json()).toEqual({
        '@odata.context': `${BASE}policies/roleManagementPolicies/$entity`,
        id: policyId, displayName: 'DirectoryRole', description: 'DirectoryRole', isOrganizationDefault: false,
        scopeId: '/', scopeType: 'DirectoryRole', lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null },
      });
    });

    it('GETs a policy with its rules expanded', async () => {
      const res = await get(emu, `${POLICIES}/${policyId}?$expand=rules`, admin);
      expect(res.json()['@odata.context']).toBe(`${BASE}policies/roleManagementPolicies(rules())/$entity`);
      expect(res.json().rules).toEqual(DEFAULT_RULES);
    });

    it('answers an unknown policy with a 404 envelope', async () => {
      const res = await get(emu, `${POLICIES}/DirectoryRole_nope`, admin);
      expect(graphError(res)).toMatchObject({
        status: 404,
        code: 'Request_ResourceNotFound',
        message: "Resource 'DirectoryRole_nope' does not exist or one of its queried reference-property objects are not present.",
      });
    });

    it('lists the rules of a policy', async () => {
      const res = await get(emu, rulesUrl(), admin);
      const body = res.json();
      expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicies('${policyId}')/rules`);
      expect(body.value).toEqual(DEFAULT_RULES);
    });

    it('filters rules by target/caller, target/level and id', async () => {
      const ids = async (filter: string) => (await get(emu, `${rulesUrl()}?$filter=${filter}`, admin)).json().value.map((r: { id: string }) => r.id);
      expect(await ids("target/caller eq 'EndUser'")).toEqual(DEFAULT_RULES.slice(10).map((r) => r.id));
      expect(await ids("target/level eq 'Eligibility'")).toEqual(DEFAULT_RULES.slice(0, 5).map((r) => r.id));
      expect(await ids("target/level ne 'Eligibility' and target/caller ne 'EndUser'")).toEqual(DEFAULT_RULES.slice(5, 10).map((r) => r.id));
      expect(await ids("id eq 'Approval_EndUser_Assignment'")).toEqual(['Approval_EndUser_Assignment']);
    });

    it('GETs one rule', async () => {
      const res = await get(emu, rulesUrl('Expiration_EndUser_Assignment'), admin);
      expect(res.json()).toEqual({
        '@odata.context': `${BASE}policies/roleManagementPolicies('${policyId}')/rules/$entity`,
        ...expiration('Expiration_EndUser_Assignment', 'EndUser', 'Assignment', true, 'PT8H'),
      });
    });

    it('rejects a rule id the policy does not have', async () => {
      const res = await get(emu, rulesUrl('Expiration_EndUser_Eligibility'), admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: 'The policy rule id Expiration_EndUser_Eligibility is invalid.' });
    });
  });

  describe('GET /policies/roleManagementPolicyAssignments', () => {
    it('requires the $filter on scopeId and scopeType', async () => {
      const res = await get(emu, `${ASSIGNMENTS}?$filter=roleDefinitionId eq '${ROLES.securityReader}'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: SCOPE_FILTER_REQUIRED('ScopeId') });
    });

    it("finds a role's policy assignment by roleDefinitionId", async () => {
      const res = await get(emu, `${ASSIGNMENTS}?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'`, admin);
      const body = res.json();
      expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicyAssignments`);
      expect(body.value).toEqual([
        { id: `${policyId}_${ROLES.securityReader}`, policyId, roleDefinitionId: ROLES.securityReader, scopeId: '/', scopeType: 'DirectoryRole' },
      ]);
      expect(policyId).toMatch(POLICY_ID);
    });

    it('lists one assignment per role', async () => {
      const res = await get(emu, `${ASSIGNMENTS}?$filter=${SCOPE}`, admin);
      const value = res.json().value as { roleDefinitionId: string }[];
      expect(value).toHaveLength(26);
      expect(new Set(value.map((a) => a.roleDefinitionId)).size).toBe(26);
    });

    it('expands policy($expand=rules)', async () => {
      const res = await get(emu, `${ASSIGNMENTS}?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'&$expand=policy($expand=rules)`, admin);
      const body = res.json();
      expect(body['@odata.context']).toBe(`${BASE}policies/roleManagementPolicyAssignments(policy(rules()))`);
      expect(body.value).toHaveLength(1);
      expect(body.value[0].policy).toEqual({
        id: policyId, displayName: 'DirectoryRole', description: 'DirectoryRole', isOrganizationDefault: false,
        scopeId: '/', scopeType: 'DirectoryRole', lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null }, rules: DEFAULT_RULES,
      });
    });

    it('expands policy without its rules', async () => {
      const res = await get(emu, `${ASSIGNMENTS}?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'&$expand=policy`, admin);
      expect(res.json()['@odata.context']).toBe(`${BASE}policies/roleManagementPolicyAssignments(policy())`);
      expect(res.json().value[0].policy).not.toHaveProperty('rules');
      expect(res.json().value[0].policy.id).toBe(policyId);
    });

    it('GETs one assignment by id', async () => {
      const id = `${policyId}_${ROLES.securityReader}`;
      const res = await get(emu, `${ASSIGNMENTS}/${id}`, admin);
      expect(res.json()).toEqual({
        '@odata.context': `${BASE}policies/roleManagementPolicyAssignments/$entity`,
        id, policyId, roleDefinitionId: ROLES.securityReader, scopeId: '/', scopeType: 'DirectoryRole',
      });
    });
  });

  describe('PATCH a rule', () => {
    const expirationBody = (maximumDuration: string) => ({
      '@odata.type': EXPIRATION, id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration, target: patchTarget('EndUser', 'Assignment'),
    });

    it('sets the activation maximum duration: 204, read back, policy marked modified, audited', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, expirationBody('PT4H'));
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');

      const rule = (await get(emu, rulesUrl('Expiration_EndUser_Assignment'), admin)).json();
      expect(rule).toMatchObject({ maximumDuration: 'PT4H', isExpirationRequired: true, target: target('EndUser', 'Assignment') });

      const policy = (await get(emu, `${POLICIES}/${policyId}`, admin)).json();
      expect(policy.lastModifiedDateTime).toBe(NOW);
      expect(policy.lastModifiedBy).toEqual({ displayName: 'Contoso Admin', id: null });

      const audits = (await get(emu, `/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Update role setting in PIM'`, admin)).json().value;
      expect(audits).toHaveLength(1);
      expect(audits[0].targetResources[1]).toEqual({
        id: 'Expiration_EndUser_Assignment', displayName: 'Expiration_EndUser_Assignment', type: 'Other', userPrincipalName: null, groupType: null,
        modifiedProperties: [{ displayName: 'maximumDuration', oldValue: '"PT8H"', newValue: '"PT4H"' }],
      });
    });

    it('changes only the policy it was sent to', async () => {
      await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, expirationBody('PT4H'));
      const others = (await get(emu, `${POLICIES}?$filter=${SCOPE}&$expand=rules`, admin)).json().value.filter((p: { id: string }) => p.id !== policyId);
      for (const p of others) expect(p.rules).toEqual(DEFAULT_RULES);
    });

    it("accepts Graph's documented PT1H45M and @odata.type without '#' in any case", async () => {
      const body = { ...expirationBody('PT1H45M'), '@odata.type': 'Microsoft.Graph.UnifiedRoleManagementPolicyExpirationRule' };
      expect((await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, body)).statusCode).toBe(204);
      expect((await get(emu, rulesUrl('Expiration_EndUser_Assignment'), admin)).json().maximumDuration).toBe('PT1H45M');
    });

    it('stores maximumDuration as an Edm.Duration reads back (PT90M → PT1H30M) and refuses less than PT30M', async () => {
      expect((await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, expirationBody('PT90M'))).statusCode).toBe(204);
      expect((await get(emu, rulesUrl('Expiration_EndUser_Assignment'), admin)).json().maximumDuration).toBe('PT1H30M');
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, expirationBody('PT20M'));
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'maximumDuration' of type 'microsoft.graph.unifiedRoleManagementPolicyExpirationRule': an activation may last from PT30M to PT24H, not "PT20M".`,
      });
    });

    it('requires the derived @odata.type', async () => {
      const { '@odata.type': _omitted, ...body } = expirationBody('PT4H');
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, body);
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `The request body must carry "@odata.type": "${EXPIRATION}": rule 'Expiration_EndUser_Assignment' is a microsoft.graph.unifiedRoleManagementPolicyExpirationRule, and microsoft.graph.unifiedRoleManagementPolicyRule is abstract.`,
      });
    });

    it('rejects another rule type', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, { ...expirationBody('PT4H'), '@odata.type': ENABLEMENT });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `The "@odata.type" "${ENABLEMENT}" does not match rule 'Expiration_EndUser_Assignment', which is a ${EXPIRATION}. Send "@odata.type": "${EXPIRATION}".`,
      });
    });

    it('rejects an activation longer than 24 hours, and changes nothing', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, expirationBody('PT25H'));
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'maximumDuration' of type 'microsoft.graph.unifiedRoleManagementPolicyExpirationRule': an activation may last from PT30M to PT24H, not "PT25H".`,
      });
      expect((await get(emu, rulesUrl('Expiration_EndUser_Assignment'), admin)).json().maximumDuration).toBe('PT8H');
      expect((await get(emu, `${POLICIES}/${policyId}`, admin)).json().lastModifiedDateTime).toBeNull();
      expect((await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value).toEqual([]);
    });

    it('rejects a maximumDuration that is not an ISO 8601 duration', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_Admin_Eligibility'), admin, {
        '@odata.type': EXPIRATION, isExpirationRequired: true, maximumDuration: '90 days',
      });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'maximumDuration' of type 'microsoft.graph.unifiedRoleManagementPolicyExpirationRule': expected an ISO 8601 duration such as PT8H or P90D, not "90 days".`,
      });
    });

    it('sets eligibility expiry to P90D (reference §3.4)', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_Admin_Eligibility'), admin, {
        '@odata.type': EXPIRATION, id: 'Expiration_Admin_Eligibility', isExpirationRequired: true, maximumDuration: 'P90D', target: patchTarget('Admin', 'Eligibility'),
      });
      expect(res.statusCode).toBe(204);
      expect((await get(emu, rulesUrl('Expiration_Admin_Eligibility'), admin)).json()).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P90D' });
    });

    it('stores enabledRules in canonical case', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Enablement_EndUser_Assignment'), admin, {
        '@odata.type': ENABLEMENT, id: 'Enablement_EndUser_Assignment', enabledRules: ['justification', 'MULTIFACTORAUTHENTICATION', 'Ticketing'], target: patchTarget('EndUser', 'Assignment'),
      });
      expect(res.statusCode).toBe(204);
      expect((await get(emu, rulesUrl('Enablement_EndUser_Assignment'), admin)).json().enabledRules).toEqual(['Justification', 'MultiFactorAuthentication', 'Ticketing']);
    });

    it('rejects an enabledRules value PIM does not know', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Enablement_EndUser_Assignment'), admin, { '@odata.type': ENABLEMENT, enabledRules: ['Justification', 'Fido2'] });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'enabledRules' of type 'microsoft.graph.unifiedRoleManagementPolicyEnablementRule': "Fido2" is not a rule PIM can enable; use MultiFactorAuthentication, Justification, Ticketing.`,
      });
    });

    it('rejects a property the rule type does not have', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Enablement_EndUser_Assignment'), admin, { '@odata.type': ENABLEMENT, enabledRules: [], maximumDuration: 'PT1H' });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: "The property 'maximumDuration' does not exist on type 'microsoft.graph.unifiedRoleManagementPolicyEnablementRule'. Make sure to only use property names that are defined by the type or mark the type as open type.",
      });
    });

    it('rejects an id that is not the rule in the URL', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), admin, { ...expirationBody('PT4H'), id: 'Expiration_Admin_Assignment' });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'id' of type 'microsoft.graph.unifiedRoleManagementPolicyExpirationRule': this is rule 'Expiration_EndUser_Assignment', not "Expiration_Admin_Assignment".`,
      });
    });

    it('sets approval with a single-user and a group approver, and reads them back', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Approval_EndUser_Assignment'), admin, {
        '@odata.type': APPROVAL,
        id: 'Approval_EndUser_Assignment',
        target: patchTarget('EndUser', 'Assignment'),
        setting: {
          '@odata.type': 'microsoft.graph.approvalSettings',
          isApprovalRequired: true,
          isApprovalRequiredForExtension: false,
          isRequestorJustificationRequired: true,
          approvalMode: 'SingleStage',
          approvalStages: [{
            '@odata.type': 'microsoft.graph.unifiedApprovalStage',
            approvalStageTimeOutInDays: 1,
            isApproverJustificationRequired: true,
            escalationTimeInMinutes: 0,
            primaryApprovers: [
              { '@odata.type': '#microsoft.graph.singleUser', userId: USERS.approver.id },
              { '@odata.type': '#microsoft.graph.groupMembers', groupId: 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40' },
            ],
            isEscalationEnabled: false,
            escalationApprovers: [],
          }],
        },
      });
      expect(res.statusCode).toBe(204);
      const rule = (await get(emu, rulesUrl('Approval_EndUser_Assignment'), admin)).json();
      expect(rule.setting).toEqual({
        isApprovalRequired: true,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [{
          ...DEFAULT_STAGE,
          primaryApprovers: [
            { '@odata.type': '#microsoft.graph.singleUser', userId: USERS.approver.id, description: null },
            { '@odata.type': '#microsoft.graph.groupMembers', groupId: 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40', description: null },
          ],
        }],
      });
    });

    it('merges a partial approval setting into the stored one', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Approval_EndUser_Assignment'), admin, { '@odata.type': APPROVAL, setting: { isApprovalRequired: true } });
      expect(res.statusCode).toBe(204);
      const rule = (await get(emu, rulesUrl('Approval_EndUser_Assignment'), admin)).json();
      expect(rule.setting).toEqual({ ...DEFAULT_SETTING_OF(DEFAULT_STAGE), isApprovalRequired: true });
    });

    it('rejects an approver who is not in the tenant', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Approval_EndUser_Assignment'), admin, {
        '@odata.type': APPROVAL,
        setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.fabrikamUser.id }] }] },
      });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'userId' of type 'microsoft.graph.singleUser': no user with id '${USERS.fabrikamUser.id}' exists in the tenant.`,
      });
    });

    it('rejects an unknown approvalMode', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Approval_EndUser_Assignment'), admin, { '@odata.type': APPROVAL, setting: { approvalMode: 'Quorum' } });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'approvalMode' of type 'microsoft.graph.approvalSettings': expected one of SingleStage, Serial, Parallel, NoApproval, not "Quorum".`,
      });
    });

    it('enables an authentication context', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('AuthenticationContext_EndUser_Assignment'), admin, { '@odata.type': AUTH_CONTEXT, isEnabled: true, claimValue: 'c1' });
      expect(res.statusCode).toBe(204);
      expect((await get(emu, rulesUrl('AuthenticationContext_EndUser_Assignment'), admin)).json()).toMatchObject({ isEnabled: true, claimValue: 'c1' });
    });

    it('sets notification recipients and level', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Notification_Admin_EndUser_Assignment'), admin, {
        '@odata.type': NOTIFICATION, notificationType: 'Email', recipientType: 'Admin', notificationLevel: 'critical', isDefaultRecipientsEnabled: false, notificationRecipients: ['secops@contoso.com'],
      });
      expect(res.statusCode).toBe(204);
      expect((await get(emu, rulesUrl('Notification_Admin_EndUser_Assignment'), admin)).json()).toMatchObject({
        notificationLevel: 'Critical', isDefaultRecipientsEnabled: false, notificationRecipients: ['secops@contoso.com'],
      });
    });

    it("rejects a recipientType other than the rule's", async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Notification_Admin_EndUser_Assignment'), admin, { '@odata.type': NOTIFICATION, recipientType: 'Requestor' });
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: `Invalid value for property 'recipientType' of type 'microsoft.graph.unifiedRoleManagementPolicyNotificationRule': rule 'Notification_Admin_EndUser_Assignment' notifies the Admin; its recipientType cannot change to "Requestor".`,
      });
    });

    it('works with an app token that holds RoleManagementPolicy.ReadWrite.Directory', async () => {
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), await appToken(emu), expirationBody('PT2H'));
      expect(res.statusCode).toBe(204);
      expect((await get(emu, `${POLICIES}/${policyId}`, admin)).json().lastModifiedBy).toEqual({ displayName: 'PIM Automation (confidential client)', id: null });
    });
  });

  describe('who may call', () => {
    it('refuses a PATCH by a user without an admin role', async () => {
      const pimuser = await tokenFor(emu, USERS.pimuser.upn);
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), pimuser, { '@odata.type': EXPIRATION, maximumDuration: 'PT1H' });
      expect(graphError(res)).toMatchObject({ status: 403, code: 'UnauthorizedAccessException', message: 'Attempted to perform an unauthorized operation.' });
    });

    it('refuses reads by a user without a PIM reader role', async () => {
      const pimuser = await tokenFor(emu, USERS.pimuser.upn);
      const res = await get(emu, rulesUrl(), pimuser);
      expect(graphError(res)).toMatchObject({ status: 403, code: 'UnauthorizedAccessException', message: 'Attempted to perform an unauthorized operation.' });
    });

    it.each([
      ['the policy list', `${POLICIES}?$filter=${SCOPE}`],
      ['the rules', '/rules'],
      ['the assignment list', `${ASSIGNMENTS}?$filter=${SCOPE}`],
    ])('answers %s without a policy scope with PermissionScopeNotGranted', async (_name, url) => {
      const weak = await tokenFor(emu, USERS.admin.upn, { scopes: ['User.Read'] });
      const res = await get(emu, url === '/rules' ? rulesUrl() : url, weak);
      expect(graphError(res)).toMatchObject({ status: 403, code: 'UnknownError', message: SCOPE_NOT_GRANTED });
    });

    it('refuses a PATCH with only a read scope', async () => {
      const reader = await tokenFor(emu, USERS.admin.upn, { scopes: ['RoleManagement.Read.Directory'] });
      const res = await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), reader, { '@odata.type': EXPIRATION, maximumDuration: 'PT1H' });
      expect(graphError(res)).toMatchObject({ status: 403, code: 'UnknownError', message: SCOPE_NOT_GRANTED });
    });

    it('answers fabrikam, which has no P2 licence, with AadPremiumLicenseRequired', async () => {
      const fabrikam = await tokenFor(emu, USERS.fabrikamAdmin.upn);
      for (const res of [
        await get(emu, `${POLICIES}?$filter=${SCOPE}`, fabrikam),
        await get(emu, `${ASSIGNMENTS}?$filter=${SCOPE}`, fabrikam),
        await send(emu, 'PATCH', rulesUrl('Expiration_EndUser_Assignment'), fabrikam, { '@odata.type': EXPIRATION, maximumDuration: 'PT1H' }),
      ]) {
        expect(graphError(res)).toMatchObject({ status: 400, code: 'AadPremiumLicenseRequired', message: LICENCE_MESSAGE });
      }
    });
  });
});
