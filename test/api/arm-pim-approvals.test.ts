import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import type { OutboxMessage } from '../../src/mail/types.js';
import { USERS, testEmulator, tokenFor } from '../support/emulator.js';
import { bearer, get, moveClock } from '../support/api.js';

/**
 * Approvals, mails and audit of Azure resource role activations: a SelfActivate under an
 * approval rule waits (PendingApproval), the approver finds it with asApprover() and decides on
 * Microsoft.Authorization/roleAssignmentApprovals/{id}/stages/{id} (api-version 2021-01-01-preview);
 * the Owners of the subscription, the requestor and the approver get PIM's mails; PIM's records go
 * to the directory audit log under ResourceManagement.
 */
const SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const AUTH = '/providers/Microsoft.Authorization';
const V = 'api-version=2020-10-01';
const AV = 'api-version=2021-01-01-preview';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const roleId = `${SUB_SCOPE}${AUTH}/roleDefinitions/${CONTRIBUTOR}`;
const T0 = '2026-12-01T09:00:00Z';
const ACTIVATION = '7a1b2c3d-0000-4000-8000-000000000001';
const APPROVAL = `/providers/Microsoft.Authorization/roleAssignmentApprovals/${ACTIVATION}`;

describe('PIM for Azure resources: approvals, mails, audit', () => {
  let emu: Emulator;
  let admin: string;
  let user: string;
  let approver: string;
  const armToken = async (upn: string): Promise<string> => {
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: upn, resource: 'https://management.azure.com' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };
  const arm = (method: 'GET' | 'PUT' | 'PATCH', url: string, token: string, payload?: unknown) =>
    emu.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  const outbox = (): OutboxMessage[] => emu.store.tenants().find((t) => t.tenant.name === 'contoso')!.outbox;

  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await armToken(USERS.admin.upn);
    user = await armToken(USERS.pimuser.upn);
    approver = await armToken(USERS.approver.upn);
    const policy = (await arm('GET', `${SUB_SCOPE}${AUTH}/roleManagementPolicies?${V}&$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}`, admin)).json().value[0];
    const patched = await arm('PATCH', `${policy.id}?${V}`, admin, { properties: { rules: [{
      id: 'Approval_EndUser_Assignment', ruleType: 'RoleManagementPolicyApprovalRule',
      setting: { isApprovalRequired: true, approvalStages: [{ approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, primaryApprovers: [{ id: USERS.approver.id, description: 'Approver', isBackup: false, userType: 'User' }] }] },
    }] } });
    expect(patched.statusCode, patched.body).toBe(200);
    const elig = await arm('PUT', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/7a1b2c3d-0000-4000-8000-0000000000e1?${V}`, admin, { properties: {
      principalId: USERS.pimuser.id, roleDefinitionId: roleId, requestType: 'AdminAssign', justification: 'on call',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'AfterDuration', duration: 'P30D' } },
    } });
    expect(elig.statusCode, elig.body).toBe(201);
    outbox().length = 0;
    const activation = await arm('PUT', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests/${ACTIVATION}?${V}`, user, { properties: {
      principalId: USERS.pimuser.id, roleDefinitionId: roleId, requestType: 'SelfActivate', justification: 'Incident 7',
      linkedRoleEligibilityScheduleId: elig.json().properties.targetRoleEligibilityScheduleId,
      scheduleInfo: { startDateTime: T0, expiration: { type: 'AfterDuration', duration: 'PT2H' } },
    } });
    expect(activation.statusCode, activation.body).toBe(201);
    expect(activation.json().properties).toMatchObject({ status: 'PendingApproval', approvalId: APPROVAL, requestType: 'SelfActivate' });
  });
  afterEach(async () => {
    await emu.close();
  });

  it('waits for the approver: asApprover() lists it for the approver only, the approval has one stage, and the approver is mailed', async () => {
    const forApprover = await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests?${V}&$filter=asApprover()`, approver);
    expect(forApprover.statusCode, forApprover.body).toBe(200);
    expect(forApprover.json().value.map((r: { name: string; properties: { status: string } }) => [r.name, r.properties.status])).toEqual([[ACTIVATION, 'PendingApproval']]);
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests?${V}&$filter=asApprover()`, user)).json().value).toEqual([]);
    // At the tenant root, across every scope (only asApprover() is served there).
    const root = await arm('GET', `/providers/microsoft.authorization/roleassignmentschedulerequests?${V}&$filter=asApprover()`, approver);
    expect(root.statusCode, root.body).toBe(200);
    expect(root.json().value.map((r: { id: string }) => r.id)).toEqual([`${SUB_SCOPE}${AUTH}/RoleAssignmentScheduleRequests/${ACTIVATION}`]);
    const unfiltered = await arm('GET', `${AUTH}/roleAssignmentScheduleRequests?${V}`, approver);
    expect(unfiltered.statusCode).toBe(400);
    expect(unfiltered.json()).toEqual({ error: { code: 'NotSupported', message: 'Listing roleAssignmentScheduleRequests at the tenant root without $filter=asApprover() (list them at a subscription, resource group or resource scope) is not emulated yet.' } });
    // Nothing is active until the approver decides.
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${V}&$filter=asTarget()`, user)).json().value).toEqual([]);

    const approval = await arm('GET', `${APPROVAL}?${AV}`, approver);
    expect(approval.statusCode, approval.body).toBe(200);
    expect(approval.json()).toEqual({
      properties: { stages: [{
        properties: { displayName: null, status: 'InProgress', reviewResult: 'NotReviewed', assignedToMe: true, reviewedDateTime: null, reviewedBy: null, justification: null },
        id: `${APPROVAL}/stages/${ACTIVATION}`, name: ACTIVATION, type: 'Microsoft.Authorization/roleAssignmentApprovals/stages',
      }] },
      id: APPROVAL, name: ACTIVATION, type: 'Microsoft.Authorization/roleAssignmentApprovals',
    });
    // Case-insensitive path words, as ARM's.
    expect((await arm('GET', `/providers/microsoft.authorization/roleassignmentapprovals/${ACTIVATION}/Stages?${AV}`, approver)).json().value).toHaveLength(1);
    const other = await arm('GET', `${APPROVAL}?${AV}`, await armToken(USERS.analyst.upn));
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ error: { code: 'RoleAssignmentApprovalNotFound', message: `The role assignment approval '${ACTIVATION}' was not found.` } });
    const noVersion = await arm('GET', `${APPROVAL}?api-version=2020-10-01`, approver);
    expect(noVersion.statusCode).toBe(400);
    expect(noVersion.json().error.code).toBe('InvalidResourceType');

    expect(outbox().map((m) => [m.subject, m.to, m.headers['X-PIM-Audience'], m.headers['X-PIM-Notification-Rule']])).toEqual([
      ['PIM: PIM User requests approval to activate the Contributor role', [USERS.approver.upn], 'approver', 'Notification_Approver_EndUser_Assignment'],
    ]);
    expect(outbox()[0]!.headers).toMatchObject({ 'X-PIM-Event': 'assignment.approvalRequested', 'X-PIM-Role-Id': CONTRIBUTOR, 'X-PIM-Scope': SUB_SCOPE, 'X-PIM-Request-Id': ACTIVATION });
  });

  it('approve: the requestor cannot decide, a justification is required, then the role is provisioned, mailed and audited', async () => {
    const stage = `${APPROVAL}/stages/${ACTIVATION}?${AV}`;
    const self = await arm('PUT', stage, user, { properties: { reviewResult: 'Approve', justification: 'me' } });
    expect(self.statusCode).toBe(403);
    expect(self.json()).toEqual({ error: { code: 'Forbidden', message: 'Approvers cannot approve their own request.' } });
    // The requestor may read its own approval, not decide it.
    expect((await arm('GET', `${APPROVAL}?${AV}`, user)).json().properties.stages[0].properties).toMatchObject({ status: 'InProgress', assignedToMe: false });
    const bad = await arm('PUT', stage, approver, { properties: { reviewResult: 'Maybe' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'InvalidRequestContent', message: `The request content was invalid and could not be deserialized: 'properties.reviewResult must be 'Approve' or 'Deny', not "Maybe".'.` } });
    const unjustified = await arm('PUT', stage, approver, { properties: { reviewResult: 'Approve' } });
    expect(unjustified.statusCode).toBe(400);
    expect(unjustified.json()).toEqual({ error: { code: 'BadRequest', message: 'A justification is required to review this request (isApproverJustificationRequired).' } });

    outbox().length = 0;
    const ok = await arm('PUT', stage, approver, { properties: { reviewResult: 'Approve', justification: 'Looks right' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().properties).toEqual({
      displayName: null, status: 'Completed', reviewResult: 'Approve', assignedToMe: true, reviewedDateTime: T0,
      reviewedBy: { principalId: USERS.approver.id, principalName: expect.any(String), principalType: 'user', userPrincipalName: USERS.approver.upn },
      justification: 'Looks right',
    });
    const again = await arm('PATCH', stage, approver, { properties: { reviewResult: 'Deny', justification: 'changed my mind' } });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'Conflict', message: 'The approval step has already been completed or has expired.' } });

    const req = await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests/${ACTIVATION}?${V}`, user);
    expect(req.json().properties).toMatchObject({ status: 'Provisioned', approvalId: APPROVAL });
    const mine = (await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${V}&$filter=asTarget()`, user)).json().value;
    expect(mine.map((i: { properties: { assignmentType: string; startDateTime: string; endDateTime: string } }) => [i.properties.assignmentType, i.properties.startDateTime, i.properties.endDateTime]))
      .toEqual([['Activated', T0, '2026-12-01T11:00:00Z']]);
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests?${V}&$filter=asApprover()`, approver)).json().value).toEqual([]);

    // The subscription's Owner (admin, from the seed) is told of the activation; the requestor of the decision and the activation.
    expect(outbox().map((m) => [m.subject, m.to, m.headers['X-PIM-Audience']])).toEqual([
      ['PIM: Your request to activate the Contributor role was approved', [USERS.pimuser.upn], 'requestor'],
      ['PIM: PIM User has the Contributor role activated', [USERS.admin.upn], 'admin'],
      ['PIM: You have activated the Contributor role', [USERS.pimuser.upn], 'requestor'],
    ]);

    const graph = await tokenFor(emu, USERS.admin.upn);
    const audits = (await get(emu, '/v1.0/auditLogs/directoryAudits', graph)).json().value as Array<{ activityDisplayName: string; category: string; loggedByService: string; targetResources: Array<{ id: string; type: string }> }>;
    const mineAudits = audits.filter((a) => a.targetResources.some((t) => t.id === ACTIVATION));
    expect(mineAudits.map((a) => [a.activityDisplayName, a.category, a.loggedByService]).sort()).toEqual([
      ['Add member to role approval requested (PIM activation)', 'ResourceManagement', 'PIM'],
      ['Add member to role completed (PIM activation)', 'ResourceManagement', 'PIM'],
      ['Add member to role request approved (PIM activation)', 'ResourceManagement', 'PIM'],
      ['Add member to role requested (PIM activation)', 'ResourceManagement', 'PIM'],
    ]);
    expect(mineAudits[0]!.targetResources.map((t) => [t.type, t.id])).toEqual([
      ['Role', CONTRIBUTOR], ['Resource', SUB_SCOPE], ['User', USERS.pimuser.id], ['Request', ACTIVATION], ['Directory', '6d272baa-e81f-4496-8d0a-a21fbc9a1817'],
    ]);
  });

  it('deny: the request is Denied, nothing is provisioned, and the requestor is told', async () => {
    outbox().length = 0;
    const res = await arm('PATCH', `${APPROVAL}/stages/${ACTIVATION}?${AV}`, approver, { properties: { reviewResult: 'Deny', justification: 'Not today' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().properties).toMatchObject({ status: 'Completed', reviewResult: 'Deny', justification: 'Not today' });
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests/${ACTIVATION}?${V}`, user)).json().properties.status).toBe('Denied');
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${V}&$filter=asTarget()`, user)).json().value).toEqual([]);
    expect(outbox().map((m) => [m.subject, m.to])).toEqual([['PIM: Your request to activate the Contributor role was denied', [USERS.pimuser.upn]]]);
  });

  it('a policy PATCH with a malformed approval setting is refused, every problem at once', async () => {
    const policy = (await arm('GET', `${SUB_SCOPE}${AUTH}/roleManagementPolicies?${V}&$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}`, admin)).json().value[0];
    const res = await arm('PATCH', `${policy.id}?${V}`, admin, { properties: { rules: [
      { id: 'Approval_EndUser_Assignment', ruleType: 'RoleManagementPolicyApprovalRule', setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ id: USERS.approver.id }] }] } },
      { id: 'Expiration_EndUser_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'soon' },
    ] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'InvalidRoleManagementPolicyRule', message: `The role management policy rules are invalid: Rule 'Approval_EndUser_Assignment': approvers must be {"id": "{objectId}", "userType": "User" | "Group"}, not {"id":"${USERS.approver.id}"}. Rule 'Expiration_EndUser_Assignment': maximumDuration 'soon' is not a positive ISO 8601 duration.` } });
    const notBoolean = await arm('PATCH', `${policy.id}?${V}`, admin, { properties: { rules: [
      { id: 'Approval_EndUser_Assignment', ruleType: 'RoleManagementPolicyApprovalRule', setting: { isApprovalRequired: 'yes' } },
    ] } });
    expect(notBoolean.statusCode).toBe(400);
    expect(notBoolean.json()).toEqual({ error: { code: 'InvalidRoleManagementPolicyRule', message: `The role management policy rules are invalid: Rule 'Approval_EndUser_Assignment': setting.isApprovalRequired must be true or false.` } });
  });
});
