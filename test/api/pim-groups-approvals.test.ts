import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import type { OutboxMessage } from '../../src/mail/types.js';
import { USERS, appToken, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

/**
 * Approvals of PIM for Groups activations (pim-groups-reference §1, §5): a selfActivate under the
 * group policy's approval rule waits (PendingApproval, approvalId = request id); an approver reads
 * GET …/group/assignmentApprovals/{id} and decides with PATCH …/stages/{id} (v1.0) or …/steps/{id}
 * (beta, and Microsoft's v1.0 update page); approval provisions the membership, denial ends the
 * request. With the mails (to the approver, the requestor and the group's permanent owners) and the
 * audit records (category GroupManagement) that go with them.
 */
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const BETA_G = '/beta/identityGovernance/privilegedAccess/group';
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const T0 = '2026-12-01T09:00:00Z';
const BASE = 'http://localhost:80';
const ADMIN = USERS.admin.upn; // Cloud Engineers' (permanent, direct) owner in the seed
const APPROVER = USERS.approver.upn;
const PIMUSER = USERS.pimuser.upn;

describe('approvals for PIM for Groups', () => {
  let emu: Emulator;
  let admin: string;
  let pimuser: string;
  let approver: string;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await tokenFor(emu, ADMIN);
    pimuser = await tokenFor(emu, PIMUSER);
    approver = await tokenFor(emu, APPROVER);
  });
  afterEach(async () => {
    await emu.close();
  });

  const outbox = (): OutboxMessage[] => emu.store.tenants().find((t) => t.tenant.name === 'contoso')!.outbox;
  const mailTo = (address: string, subject: string) => outbox().filter((m) => m.to.includes(address) && m.subject === subject);
  const members = async () => (await get(emu, `/v1.0/groups/${CLOUD}/members`, admin)).json().value.map((o: { id: string }) => o.id);
  const audits = async () => (await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value as Array<{ activityDisplayName: string; category: string; loggedByService: string; correlationId: string; targetResources: Array<{ id: string; type: string; displayName: string | null }> }>;

  /** "Require approval to activate" on Cloud Engineers' membership, with the approver as its single approver. */
  async function requireApproval(approverIds = [USERS.approver.id]): Promise<void> {
    const res = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${CLOUD}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`, admin);
    const policyId = res.json().value[0].policyId as string;
    const patch = await send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Approval_EndUser_Assignment`, admin, {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      setting: {
        isApprovalRequired: true, isApprovalRequiredForExtension: false, isRequestorJustificationRequired: true, approvalMode: 'SingleStage',
        approvalStages: [{
          approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, isEscalationEnabled: false,
          primaryApprovers: approverIds.map((id) => ({ '@odata.type': '#microsoft.graph.singleUser', userId: id })), escalationApprovers: [],
        }],
      },
    });
    expect(patch.statusCode, patch.body).toBe(204);
  }

  /** pimuser eligible for Cloud Engineers' membership, then activating it: the pending request. */
  async function activate(): Promise<{ id: string; status: string; approvalId: string | null; targetScheduleId: string }> {
    const e = await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', justification: 'On call',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(e.statusCode, e.body).toBe(201);
    const res = await send(emu, 'POST', `${G}/assignmentScheduleRequests`, pimuser, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'selfActivate', justification: 'Incident 42',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT2H' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const stageUrl = (id: string, segment = 'stages', base = G) => `${base}/assignmentApprovals/${id}/${segment}/${id}`;

  it('keeps a selfActivate under an approval rule PendingApproval, with approvalId = the request id, and no membership yet', async () => {
    await requireApproval();
    const r = await activate();
    expect(r).toMatchObject({ status: 'PendingApproval', approvalId: r.id, targetScheduleId: `${CLOUD}_member_${r.id}` });
    expect(await members()).not.toContain(USERS.pimuser.id);
    const schedules = await get(emu, `${G}/assignmentSchedules?$filter=groupId eq '${CLOUD}'`, admin);
    expect(schedules.json().value.map((s: { id: string }) => s.id)).not.toContain(r.targetScheduleId);
  });

  it('shows the approval with its single stage to the approver (v1.0: stages inline), and to the requestor as not assigned to them', async () => {
    await requireApproval();
    const r = await activate();
    const pending = { id: r.id, displayName: null, justification: null, reviewedBy: null, reviewedDateTime: null, reviewResult: 'NotReviewed', status: 'InProgress' };
    const res = await get(emu, `${G}/assignmentApprovals/${r.id}`, approver);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      '@odata.context': `${BASE}/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentApprovals/$entity`,
      id: r.id,
      stages: [{ ...pending, assignedToMe: true }],
    });
    expect((await get(emu, `${G}/assignmentApprovals/${r.id}`, pimuser)).json().stages).toEqual([{ ...pending, assignedToMe: false }]);
    expect((await get(emu, `${G}/assignmentApprovals/${r.id}/stages`, approver)).json()).toEqual({
      '@odata.context': `${BASE}/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentApprovals('${r.id}')/stages`,
      value: [{ ...pending, assignedToMe: true }],
    });
    expect((await get(emu, stageUrl(r.id), approver)).json()).toEqual({
      '@odata.context': `${BASE}/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentApprovals('${r.id}')/stages/$entity`,
      ...pending, assignedToMe: true,
    });
    // Beta's navigation is steps, expanded on request.
    expect((await get(emu, `${BETA_G}/assignmentApprovals/${r.id}`, approver)).json()).toEqual({
      '@odata.context': `${BASE}/beta/$metadata#identityGovernance/privilegedAccess/group/assignmentApprovals/$entity`, id: r.id,
    });
    expect((await get(emu, `${BETA_G}/assignmentApprovals/${r.id}?$expand=steps`, approver)).json().steps).toEqual([{ ...pending, assignedToMe: true }]);
  });

  it('mails the approver, and audits the request under GroupManagement', async () => {
    await requireApproval();
    const r = await activate();
    const [mail] = mailTo(APPROVER, 'PIM: PIM User requests approval to activate the Cloud Engineers Member role');
    expect(mail, JSON.stringify(outbox().map((m) => [m.to, m.subject]))).toBeDefined();
    expect(mail!.to).toEqual([APPROVER]);
    expect(mail!.headers).toMatchObject({
      'X-PIM-Event': 'assignment.approvalRequested', 'X-PIM-Audience': 'approver', 'X-PIM-Request-Id': r.id,
      'X-PIM-Role-Id': 'member', 'X-PIM-Group-Id': CLOUD, 'X-PIM-Notification-Rule': 'Notification_Approver_EndUser_Assignment',
    });
    expect(mail!.text).toMatch(/^Justification:\s+Incident 42$/m);
    // Nothing for the requestor or the owners before a decision.
    expect(outbox().filter((m) => m.headers['X-PIM-Request-Id'] === r.id && m.headers['X-PIM-Audience'] !== 'approver')).toEqual([]);
    const records = (await audits()).filter((a) => a.targetResources.some((t) => t.id === r.id));
    expect(records.map((a) => [a.activityDisplayName, a.category, a.loggedByService])).toEqual([
      ['Add member to role approval requested (PIM activation)', 'GroupManagement', 'PIM'],
      ['Add member to role requested (PIM activation)', 'GroupManagement', 'PIM'],
    ]);
    expect(records[0]!.targetResources).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: CLOUD, type: 'Group', displayName: 'Cloud Engineers' }),
      expect.objectContaining({ id: USERS.pimuser.id, type: 'User' }),
    ]));
  });

  it('approving provisions the membership at once, completes the stage, mails requestor and owners, and audits it', async () => {
    await requireApproval();
    const r = await activate();
    const res = await send(emu, 'PATCH', stageUrl(r.id), approver, { reviewResult: 'Approve', justification: 'Looks right' });
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');

    const request = (await get(emu, `${G}/assignmentScheduleRequests/${r.id}`, pimuser)).json();
    expect(request).toMatchObject({ status: 'Provisioned', approvalId: r.id, completedDateTime: T0, scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT2H' } } });
    expect(await members()).toContain(USERS.pimuser.id);
    const schedule = await get(emu, `${G}/assignmentSchedules/${r.targetScheduleId}`, admin);
    expect(schedule.statusCode, schedule.body).toBe(200);
    expect(schedule.json()).toMatchObject({ id: r.targetScheduleId, accessId: 'member', groupId: CLOUD, principalId: USERS.pimuser.id, assignmentType: 'activated' });

    expect((await get(emu, stageUrl(r.id), approver)).json()).toMatchObject({
      reviewResult: 'Approve', status: 'Completed', justification: 'Looks right', reviewedDateTime: T0,
      reviewedBy: { id: USERS.approver.id, displayName: 'Role Approver', userPrincipalName: APPROVER },
    });

    expect(mailTo(PIMUSER, 'PIM: Your request to activate the Cloud Engineers Member role was approved')).toHaveLength(1);
    expect(mailTo(PIMUSER, 'PIM: You have activated the Cloud Engineers Member role')).toHaveLength(1);
    // PIM for Groups' admin notices go to the group's permanent owners only (admin owns Cloud Engineers), not to every GA/PRA.
    const [alert] = mailTo(ADMIN, 'PIM: PIM User has the Cloud Engineers Member role activated');
    expect(alert!.to).toEqual([ADMIN]);
    expect(alert!.headers['X-PIM-Notification-Rule']).toBe('Notification_Admin_EndUser_Assignment');

    const records = await audits();
    const approved = records.find((a) => a.activityDisplayName === 'Add member to role request approved (PIM activation)')!;
    expect(approved).toMatchObject({ category: 'GroupManagement', loggedByService: 'PIM' });
    const sameChange = records.filter((a) => a.correlationId === approved.correlationId).map((a) => [a.activityDisplayName, a.category, a.loggedByService]);
    expect(sameChange).toEqual([
      ['Add member to group', 'GroupManagement', 'Core Directory'],
      ['Add member to role completed (PIM activation)', 'GroupManagement', 'PIM'],
      ['Add member to role request approved (PIM activation)', 'GroupManagement', 'PIM'],
    ]);
  });

  it('a second decision answers 409 Conflict', async () => {
    await requireApproval([USERS.approver.id, USERS.analyst.id]);
    const r = await activate();
    expect((await send(emu, 'PATCH', stageUrl(r.id), approver, { reviewResult: 'Deny', justification: 'No incident open' })).statusCode).toBe(204);
    const analyst = await tokenFor(emu, USERS.analyst.upn);
    expect(graphError(await send(emu, 'PATCH', stageUrl(r.id), analyst, { reviewResult: 'Approve', justification: 'ok' }))).toMatchObject({
      status: 409, code: 'Conflict', message: 'The approval step has already been completed or has expired.',
    });
  });

  it('denying ends the request Denied, adds no member, and tells the requestor', async () => {
    await requireApproval();
    const r = await activate();
    expect((await send(emu, 'PATCH', stageUrl(r.id), approver, { reviewResult: 'Deny', justification: 'No incident open' })).statusCode).toBe(204);
    expect((await get(emu, `${G}/assignmentScheduleRequests/${r.id}`, pimuser)).json()).toMatchObject({ status: 'Denied' });
    expect(await members()).not.toContain(USERS.pimuser.id);
    expect((await get(emu, `${G}/assignmentApprovals/${r.id}`, approver)).json().stages[0]).toMatchObject({ reviewResult: 'Deny', status: 'Completed' });
    expect(mailTo(PIMUSER, 'PIM: Your request to activate the Cloud Engineers Member role was denied')).toHaveLength(1);
    expect(outbox().filter((m) => m.subject.includes('activated'))).toEqual([]);
    expect((await audits()).find((a) => a.activityDisplayName === 'Add member to role request denied (PIM activation)')).toMatchObject({ category: 'GroupManagement' });
  });

  it('accepts the steps segment in v1.0 (as Microsoft documents the update) and in beta', async () => {
    await requireApproval();
    const r = await activate();
    expect((await send(emu, 'PATCH', stageUrl(r.id, 'steps'), approver, { reviewResult: 'Approve', justification: 'ok' })).statusCode).toBe(204);
    expect(await members()).toContain(USERS.pimuser.id);
    expect((await get(emu, stageUrl(r.id, 'steps', BETA_G), approver)).json()).toMatchObject({
      '@odata.context': `${BASE}/beta/$metadata#identityGovernance/privilegedAccess/group/assignmentApprovals('${r.id}')/steps/$entity`,
      reviewResult: 'Approve', status: 'Completed',
    });
  });

  it('refuses what Graph refuses: the requestor, someone else, a missing justification, an unknown id or stage, a bad reviewResult, an app', async () => {
    await requireApproval();
    const r = await activate();
    expect(graphError(await send(emu, 'PATCH', stageUrl(r.id), pimuser, { reviewResult: 'Approve', justification: 'me' }))).toMatchObject({
      status: 403, code: 'Forbidden', message: 'Approvers cannot approve their own request.',
    });
    // Not an approver: the approval is not there for them.
    const helpdesk = await tokenFor(emu, USERS.helpdesk.upn);
    expect(graphError(await send(emu, 'PATCH', stageUrl(r.id), helpdesk, { reviewResult: 'Approve', justification: 'x' }))).toMatchObject({
      status: 404, code: 'NotFound', message: `The approval ${r.id} was not found.`,
    });
    expect(graphError(await send(emu, 'PATCH', stageUrl(r.id), approver, { reviewResult: 'Approve' }))).toMatchObject({
      status: 400, code: 'BadRequest', message: 'A justification is required to review this request (isApproverJustificationRequired).',
    });
    expect(graphError(await send(emu, 'PATCH', stageUrl(r.id), approver, { reviewResult: 'Maybe', justification: 'x' }))).toMatchObject({
      status: 400, code: 'BadRequest', message: "reviewResult must be 'Approve' or 'Deny', not 'Maybe'.",
    });
    const unknown = '00000000-0000-0000-0000-000000000042';
    expect(graphError(await get(emu, `${G}/assignmentApprovals/${unknown}`, approver))).toMatchObject({ status: 404, code: 'NotFound', message: `The approval ${unknown} was not found.` });
    expect(graphError(await send(emu, 'PATCH', `${G}/assignmentApprovals/${r.id}/stages/${unknown}`, approver, { reviewResult: 'Approve', justification: 'x' }))).toMatchObject({
      status: 404, code: 'NotFound', message: `The approval stage ${unknown} was not found.`,
    });
    const app = await appToken(emu, ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup']);
    expect(graphError(await get(emu, `${G}/assignmentApprovals/${r.id}`, app))).toMatchObject({
      status: 403, code: 'Forbidden', message: 'Approvals for PIM for Groups require a signed-in user (delegated token); application permissions are not supported.',
    });
    // Nothing was decided by any of it.
    expect((await get(emu, `${G}/assignmentScheduleRequests/${r.id}`, pimuser)).json().status).toBe('PendingApproval');
  });

  it('an approval left 24 hours times out: the stage reads Expired and a late decision is 409', async () => {
    await requireApproval();
    const r = await activate();
    await moveClock(emu, { advance: 'P1DT1M' });
    approver = await tokenFor(emu, APPROVER);
    expect((await get(emu, `${G}/assignmentApprovals/${r.id}`, approver)).json().stages[0].status).toBe('Expired');
    expect(graphError(await send(emu, 'PATCH', stageUrl(r.id), approver, { reviewResult: 'Approve', justification: 'late' }))).toMatchObject({ status: 409, code: 'Conflict' });
    admin = await tokenFor(emu, ADMIN);
    expect((await audits()).find((a) => a.activityDisplayName === 'PIM activation request expired')).toMatchObject({ category: 'GroupManagement', loggedByService: 'PIM' });
  });
});
