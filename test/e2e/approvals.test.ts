import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import type { Emulator } from '../../src/emulator.js';
import { APPS, PASSWORD, ROLES, testEmulator, tokenFor, USERS } from '../support/emulator.js';

/**
 * Approvals, extension/renewal requests and authentication-context step-up, end to end over real
 * sockets: Graph and the token endpoint over HTTPS (trusting the emulator's CA), the control plane
 * (clock, MFA code, inbox long-poll) over HTTP. Behaviour per shared/reference/graph-pim-reference.md
 * §2.1–2.2 (actions, statuses), §3.1 (approval settings, default approvers), §4.1–4.3 (errors),
 * §5 (beta approvals), §7 (audit names), §8 (mails). Mail subjects are those of src/mail/templates.ts.
 *
 * Each describe has its own emulator; its tests run in order on it and share its clock.
 */

const AZ_CLI = APPS.azureCli.appId;
const SR = ROLES.securityReader;
const DIR = '/v1.0/roleManagement/directory';
const APPROVALS = '/beta/roleManagement/directory/roleAssignmentApprovals';
const DAY = 86_400_000;
const HOUR = 3_600_000;

const ADMIN = USERS.admin;
const APPROVER = USERS.approver;
const PIMUSER = USERS.pimuser;
const ANALYST = USERS.analyst;
const HELPDESK = USERS.helpdesk;
/** The system user PIM's own audit records name (reference §7). */
const AZURE_AD_PIM = '9dfd627f-bdc5-4b1c-af9d-c85097fdeff8';

const SUBJECT = {
  approvalRequested: 'PIM: PIM User requests approval to activate the Security Reader role',
  approvalRequestedByApprover: 'PIM: Role Approver requests approval to activate the Security Reader role',
  activationApproved: 'PIM: Your request to activate the Security Reader role was approved',
  activationDenied: 'PIM: Your request to activate the Security Reader role was denied',
  activatedAdmin: 'PIM: PIM User has the Security Reader role activated',
  extendRequested: 'PIM: PIM User requests to extend the Security Reader role',
  extendApproved: 'PIM: Your request to extend the Security Reader role was approved',
  extendDenied: 'PIM: Your request to extend the Security Reader role was denied',
  renewRequested: 'PIM: PIM User requests to renew the Security Reader role',
  renewApproved: 'PIM: Your request to renew the Security Reader role was approved',
} as const;

/** The claims challenge Graph puts in RoleAssignmentRequestAcrsValidationFailed (reference §4.1). */
const ACRS_C1_CHALLENGE = '&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D';

// ---------------------------------------------------------------- harness

interface Harness {
  emu: Emulator;
  /** https://…: Graph and the token endpoint. */
  base: string;
  /** http://…: the control plane. */
  http: string;
  dispatcher: Agent;
}

/** A fresh emulator for the calling describe, listening on free ports; closed after it. */
function useEmulator(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    h.emu = await testEmulator();
    const urls = await h.emu.listen();
    h.base = urls.https!;
    h.http = urls.http!;
    h.dispatcher = new Agent({ connect: { ca: h.emu.ctx.tls.caCertPem } });
  });
  afterAll(async () => {
    await h.dispatcher?.close();
    await h.emu?.close();
  });
  return h;
}

interface Res {
  status: number;
  json: any;
}

async function call(h: Harness, method: string, path: string, token?: string, body?: unknown): Promise<Res> {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    dispatcher: h.dispatcher,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** What the user's authenticator shows now. */
async function mfaCode(h: Harness, upn: string): Promise<string> {
  const res = await fetch(`${h.http}/_emulator/tenants/contoso/users/${upn}/mfa-code`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { code: string }).code;
}

/** The password grant as the Azure CLI sends it; `mfa` adds the current code, `claims` a claims challenge. */
async function tokenResponse(h: Harness, upn: string, opts: { mfa?: boolean; claims?: string } = {}): Promise<Res> {
  const form: Record<string, string> = { grant_type: 'password', client_id: AZ_CLI, username: upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default' };
  if (opts.mfa) form.mfa_code = await mfaCode(h, upn);
  if (opts.claims !== undefined) form.claims = opts.claims;
  const res = await fetch(`${h.base}/contoso/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form), dispatcher: h.dispatcher });
  return { status: res.status, json: await res.json() };
}

/** A fresh token (tokens last an hour of emulator time, so every step signs in again). MFA by default. */
async function signIn(h: Harness, upn: string, mfa = true): Promise<string> {
  const res = await tokenResponse(h, upn, { mfa });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.access_token as string;
}

const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

/** Graph's error envelope, its code and message; returns the message. */
function expectGraphError(res: Res, status: number, code: string, message?: string): string {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(Object.keys(res.json)).toEqual(['error']);
  expect(res.json.error.code).toBe(code);
  if (message !== undefined) expect(res.json.error.message).toBe(message);
  expect(Object.keys(res.json.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
  return res.json.error.message as string;
}

async function advance(h: Harness, duration: string): Promise<void> {
  const res = await fetch(`${h.http}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: duration }) });
  expect(res.status).toBe(200);
}

const now = (h: Harness) => h.emu.clock.nowMs();
/** Whole seconds, as Graph writes instants. */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

// ---------------------------------------------------------------- policy

async function securityReaderPolicyId(h: Harness, token: string): Promise<string> {
  const filter = `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${SR}'`;
  const res = await call(h, 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}`, token);
  expect(res.status).toBe(200);
  expect(res.json.value).toHaveLength(1);
  return res.json.value[0].policyId as string;
}

async function patchRule(h: Harness, ruleId: string, body: Record<string, unknown>): Promise<Res> {
  const admin = await signIn(h, ADMIN.upn);
  const policyId = await securityReaderPolicyId(h, admin);
  const res = await call(h, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${ruleId}`, admin, { id: ruleId, ...body });
  expect(res.status, JSON.stringify(res.json)).toBe(204);
  return call(h, 'GET', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${ruleId}`, admin);
}

/** "Require approval to activate" on Security Reader; no approvers → the active PRA/GA approve (reference §3.1). */
async function requireApproval(h: Harness, approverIds: string[] = []): Promise<void> {
  const rule = await patchRule(h, 'Approval_EndUser_Assignment', {
    '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
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
        isEscalationEnabled: false,
        primaryApprovers: approverIds.map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser', userId })),
        escalationApprovers: [],
      }],
    },
  });
  expect(rule.json.setting.isApprovalRequired).toBe(true);
  expect(rule.json.setting.approvalStages[0].primaryApprovers.map((a: { userId: string }) => a.userId)).toEqual(approverIds);
}

// ---------------------------------------------------------------- requests

type Kind = 'eligibility' | 'assignment';
const requestsOf = (kind: Kind) => `${DIR}/${kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`;
const instancesOf = (kind: Kind) => `${DIR}/${kind === 'eligibility' ? 'roleEligibilityScheduleInstances' : 'roleAssignmentScheduleInstances'}`;

/** POST a Security Reader request as `token`. */
function post(h: Harness, kind: Kind, token: string, body: Record<string, unknown>): Promise<Res> {
  return call(h, 'POST', requestsOf(kind), token, { roleDefinitionId: SR, directoryScopeId: '/', ...body });
}

async function created(res: Promise<Res>): Promise<Record<string, any>> {
  const r = await res;
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

/** An admin action on Security Reader (adminAssign, adminExtend, adminRenew), expected to succeed. */
async function asAdmin(h: Harness, kind: Kind, action: string, principalId: string, expiration: Record<string, unknown>): Promise<Record<string, any>> {
  return created(post(h, kind, await signIn(h, ADMIN.upn), { action, principalId, justification: 'Security operations rota', scheduleInfo: { expiration } }));
}

const until = (ms: number) => ({ type: 'afterDateTime', endDateTime: iso(ms) });

/** selfActivate of Security Reader for 8 hours, with MFA and a justification. */
async function activate(h: Harness, user: { id: string; upn: string }, extra: Record<string, unknown> = {}): Promise<Res> {
  return post(h, 'assignment', await signIn(h, user.upn), {
    action: 'selfActivate', principalId: user.id, justification: 'Investigating alert 4711',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } }, ...extra,
  });
}

async function getRequest(h: Harness, kind: Kind, id: string, upn: string): Promise<Record<string, any>> {
  const res = await call(h, 'GET', `${requestsOf(kind)}/${id}`, await signIn(h, upn));
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json;
}

/** The caller's own instances of one kind. */
async function myInstances(h: Harness, kind: Kind, upn: string): Promise<Array<Record<string, any>>> {
  const res = await call(h, 'GET', `${instancesOf(kind)}/filterByCurrentUser(on='principal')`, await signIn(h, upn));
  expect(res.status).toBe(200);
  return res.json.value;
}

async function roleAssignmentsOf(h: Harness, user: { id: string; upn: string }): Promise<string[]> {
  const res = await call(h, 'GET', `${DIR}/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${user.id}'`)}`, await signIn(h, user.upn));
  expect(res.status).toBe(200);
  return res.json.value.map((a: { roleDefinitionId: string }) => a.roleDefinitionId);
}

/** The caller's pending approvals, as the ED pim-approval-workflow doc lists them (reference §5). */
async function pendingForApprover(h: Harness, upn: string): Promise<Res> {
  return call(h, 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=${encodeURIComponent("status eq 'PendingApproval'")}`, await signIn(h, upn));
}

const approval = (id: string, expand = false) => `${APPROVALS}/${id}${expand ? '?$expand=steps' : ''}`;
const step = (id: string) => `${APPROVALS}/${id}/steps/${id}`;

async function review(h: Harness, upn: string, id: string, body: Record<string, unknown>): Promise<Res> {
  return call(h, 'PATCH', step(id), await signIn(h, upn), body);
}

// ---------------------------------------------------------------- mail and audit

interface Mail {
  subject: string;
  from: { name: string; address: string };
  to: Array<{ address: string }>;
  text: string;
}

/** Long-polls the captured inbox for the newest mail to `to` whose subject contains `subject`. */
async function waitMail(h: Harness, to: string, subject: string): Promise<Mail> {
  const res = await fetch(`${h.http}/_emulator/mail/latest?${new URLSearchParams({ to, subject, wait: '15s' })}`);
  const body = await res.json();
  expect(res.status, `mail to ${to} '${subject}': ${JSON.stringify(body)}`).toBe(200);
  return body as Mail;
}

/** Every captured mail to `to` with this exact subject. */
async function mailsTo(h: Harness, to: string, subject: string): Promise<Mail[]> {
  const res = await fetch(`${h.http}/_emulator/mail?${new URLSearchParams({ to, subject, limit: '1000' })}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: Mail[] }).messages.filter((m) => m.subject === subject);
}

interface Audit {
  activityDisplayName: string;
  loggedByService: string;
  category: string;
  initiatedBy: { user: { id: string } | null; app: { appId: string } | null };
  additionalDetails: Array<{ key: string; value: string }>;
}

/** The PIM audit records with this activity name about this request (additionalDetails RequestId). */
async function auditsFor(h: Harness, activity: string, requestId: string): Promise<Audit[]> {
  const res = await call(h, 'GET', `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(`activityDisplayName eq '${activity}'`)}`, await signIn(h, ADMIN.upn));
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return (res.json.value as Audit[]).filter((a) => a.additionalDetails.some((d) => d.key === 'RequestId' && d.value === requestId));
}

/** Exactly one such record, from PIM, initiated by `by`. */
async function expectAudit(h: Harness, activity: string, requestId: string, by: string): Promise<void> {
  const records = await auditsFor(h, activity, requestId);
  expect(records, `audit '${activity}' for ${requestId}`).toHaveLength(1);
  expect(records[0]).toMatchObject({ activityDisplayName: activity, category: 'RoleManagement', loggedByService: 'PIM' });
  expect(records[0]!.initiatedBy.user?.id).toBe(by);
}

// ================================================================ 1. approve and deny

describe('an activation that needs approval, decided by the named approver (beta roleAssignmentApprovals)', () => {
  const h = useEmulator();

  beforeAll(async () => {
    await requireApproval(h, [APPROVER.id]);
    await asAdmin(h, 'eligibility', 'adminAssign', PIMUSER.id, { type: 'noExpiration' });
    await asAdmin(h, 'eligibility', 'adminAssign', ANALYST.id, { type: 'noExpiration' });
  });

  it('is PendingApproval until the approver approves it; then pimuser holds the role and everyone is told', async () => {
    const res = await activate(h, PIMUSER);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const req = res.json;
    expect(req).toMatchObject({
      action: 'selfActivate', status: 'PendingApproval', principalId: PIMUSER.id, roleDefinitionId: SR,
      justification: 'Investigating alert 4711', createdBy: { user: { id: PIMUSER.id } },
    });
    // Reference §2.5, §11.3: approvalId is the request id.
    expect(req.approvalId).toBe(req.id);

    // Nothing is provisioned while the request waits.
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toEqual([]);
    expect(await roleAssignmentsOf(h, PIMUSER)).toEqual([]);

    // The named approver (only) is asked.
    const ask = await waitMail(h, APPROVER.upn, SUBJECT.approvalRequested);
    expect(ask.subject).toBe(SUBJECT.approvalRequested);
    expect(ask.from).toMatchObject({ name: 'Microsoft Security', address: 'MSSecurity-noreply@microsoft.com' });
    expect(ask.to.map((a) => a.address)).toEqual([APPROVER.upn]);
    expect(ask.text).toContain(req.id);
    expect(ask.text).toContain('Investigating alert 4711');
    expect(await mailsTo(h, APPROVER.upn, SUBJECT.approvalRequested)).toHaveLength(1);
    expect(await mailsTo(h, ADMIN.upn, SUBJECT.approvalRequested)).toEqual([]);

    // v1.0: the approver's list of what waits for it.
    const list = await pendingForApprover(h, APPROVER.upn);
    expect(list.status).toBe(200);
    expect(list.json['@odata.context']).toMatch(/\/v1\.0\/\$metadata#Collection\(unifiedRoleAssignmentScheduleRequest\)$/);
    expect(list.json.value).toHaveLength(1);
    expect(list.json.value[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.unifiedRoleAssignmentScheduleRequest', id: req.id, status: 'PendingApproval', approvalId: req.id, principalId: PIMUSER.id,
    });
    // The requestor approves nothing; the admin is not an approver of this role.
    expect((await pendingForApprover(h, PIMUSER.upn)).json.value).toEqual([]);
    expect((await pendingForApprover(h, ADMIN.upn)).json.value).toEqual([]);

    // beta: the approval and its single step (id == request id, reference §5).
    const approver = await signIn(h, APPROVER.upn);
    const read = await call(h, 'GET', approval(req.id, true), approver);
    expect(read.status, JSON.stringify(read.json)).toBe(200);
    expect(read.json['@odata.context']).toMatch(/\/beta\/\$metadata#roleManagement\/directory\/roleAssignmentApprovals\(steps\(\)\)\/\$entity$/);
    expect(read.json.id).toBe(req.id);
    expect(read.json.steps).toEqual([{
      id: req.id, assignedToMe: true, displayName: null, justification: null, reviewedBy: null, reviewedDateTime: null, reviewResult: 'NotReviewed', status: 'InProgress',
    }]);
    const bare = await call(h, 'GET', approval(req.id), approver);
    expect(bare.status).toBe(200);
    expect(bare.json.steps).toBeUndefined();
    const steps = await call(h, 'GET', `${APPROVALS}/${req.id}/steps`, approver);
    expect(steps.status).toBe(200);
    expect(steps.json.value).toEqual(read.json.steps);
    // The requestor can read it too, but it is not assigned to them.
    const own = await call(h, 'GET', step(req.id), await signIn(h, PIMUSER.upn));
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ id: req.id, assignedToMe: false, status: 'InProgress' });

    // Approve: 204, no body.
    const ok = await call(h, 'PATCH', step(req.id), approver, { reviewResult: 'Approve', justification: 'ok' });
    expect(ok.status, JSON.stringify(ok.json)).toBe(204);
    expect(ok.json).toBeUndefined();

    // pimuser holds the role now.
    const active = await myInstances(h, 'assignment', PIMUSER.upn);
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ assignmentType: 'Activated', roleDefinitionId: SR, roleAssignmentScheduleId: req.id });
    expect(await roleAssignmentsOf(h, PIMUSER)).toEqual([SR]);
    expect(claimsOf(await signIn(h, PIMUSER.upn)).wids).toContain(SR);
    expect(await getRequest(h, 'assignment', req.id, PIMUSER.upn)).toMatchObject({ status: 'Provisioned', approvalId: req.id, targetScheduleId: req.id });

    // The step is completed, reviewed by the approver.
    const done = await call(h, 'GET', step(req.id), approver);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({
      id: req.id, status: 'Completed', reviewResult: 'Approve', justification: 'ok',
      reviewedBy: { id: APPROVER.id, displayName: 'Role Approver', userPrincipalName: APPROVER.upn },
    });
    expect(Date.parse(done.json.reviewedDateTime)).not.toBeNaN();
    expect((await pendingForApprover(h, APPROVER.upn)).json.value).toEqual([]);

    // The requestor hears the decision; the admins hear of the activation.
    const decision = await waitMail(h, PIMUSER.upn, SUBJECT.activationApproved);
    expect(decision.to.map((a) => a.address)).toEqual([PIMUSER.upn]);
    expect(decision.text).toContain(req.id);
    await waitMail(h, ADMIN.upn, SUBJECT.activatedAdmin);

    await expectAudit(h, 'Add member to role requested (PIM activation)', req.id, PIMUSER.id);
    await expectAudit(h, 'Add member to role approval requested (PIM activation)', req.id, PIMUSER.id);
    await expectAudit(h, 'Add member to role request approved (PIM activation)', req.id, APPROVER.id);
    await expectAudit(h, 'Add member to role completed (PIM activation)', req.id, APPROVER.id);
  });

  it('a denial leaves the request Denied and the role unassigned, and tells the requestor', async () => {
    const res = await activate(h, ANALYST);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const req = res.json;
    expect(req).toMatchObject({ status: 'PendingApproval', approvalId: req.id });

    const no = await review(h, APPROVER.upn, req.id, { reviewResult: 'Deny', justification: 'Not on the rota this week' });
    expect(no.status, JSON.stringify(no.json)).toBe(204);

    expect(await getRequest(h, 'assignment', req.id, ANALYST.upn)).toMatchObject({ status: 'Denied', approvalId: req.id });
    expect(await myInstances(h, 'assignment', ANALYST.upn)).toEqual([]);
    expect(await roleAssignmentsOf(h, ANALYST)).toEqual([]);
    const s = await call(h, 'GET', step(req.id), await signIn(h, APPROVER.upn));
    expect(s.json).toMatchObject({ status: 'Completed', reviewResult: 'Deny', justification: 'Not on the rota this week', reviewedBy: { id: APPROVER.id } });

    const mail = await waitMail(h, ANALYST.upn, SUBJECT.activationDenied);
    expect(mail.text).toContain(req.id);
    await expectAudit(h, 'Add member to role request denied (PIM activation)', req.id, APPROVER.id);
    expect(await auditsFor(h, 'Add member to role completed (PIM activation)', req.id)).toEqual([]);
  });
});

// ================================================================ 2. the rules around a decision

describe('approval rules with the default approvers (active Global and Privileged Role Administrators)', () => {
  const h = useEmulator();
  let firstId: string;

  beforeAll(async () => {
    await requireApproval(h);
    for (const user of [PIMUSER, APPROVER, ANALYST]) await asAdmin(h, 'eligibility', 'adminAssign', user.id, { type: 'noExpiration' });
  });

  it('asks both default approvers, and a decision needs the approver\'s justification (400)', async () => {
    const res = await activate(h, PIMUSER);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    firstId = res.json.id;
    expect(res.json.status).toBe('PendingApproval');

    const ask = await waitMail(h, ADMIN.upn, SUBJECT.approvalRequested);
    expect(ask.to.map((a) => a.address).sort()).toEqual([ADMIN.upn, APPROVER.upn].sort());
    for (const upn of [ADMIN.upn, APPROVER.upn]) {
      expect((await pendingForApprover(h, upn)).json.value.map((r: { id: string }) => r.id)).toEqual([firstId]);
    }

    // Stage default isApproverJustificationRequired: true (reference §3.2).
    const message = 'A justification is required to review this request (isApproverJustificationRequired).';
    expectGraphError(await review(h, APPROVER.upn, firstId, { reviewResult: 'Approve' }), 400, 'BadRequest', message);
    expectGraphError(await review(h, APPROVER.upn, firstId, { reviewResult: 'Approve', justification: '   ' }), 400, 'BadRequest', message);
    expectGraphError(await review(h, APPROVER.upn, firstId, { reviewResult: 'Maybe', justification: 'hmm' }), 400, 'BadRequest');
    // Still undecided.
    const s = await call(h, 'GET', step(firstId), await signIn(h, APPROVER.upn));
    expect(s.json).toMatchObject({ status: 'InProgress', reviewResult: 'NotReviewed', reviewedBy: null });
    expect((await getRequest(h, 'assignment', firstId, PIMUSER.upn)).status).toBe('PendingApproval');
  });

  it('the first decision wins: a second one, by anyone, is 409', async () => {
    expect((await review(h, APPROVER.upn, firstId, { reviewResult: 'Deny', justification: 'Use the break-glass process' })).status).toBe(204);
    const conflict = 'The approval step has already been completed or has expired.';
    expectGraphError(await review(h, ADMIN.upn, firstId, { reviewResult: 'Approve', justification: 'I disagree' }), 409, 'Conflict', conflict);
    expectGraphError(await review(h, APPROVER.upn, firstId, { reviewResult: 'Approve', justification: 'Changed my mind' }), 409, 'Conflict', conflict);
    expect((await getRequest(h, 'assignment', firstId, PIMUSER.upn)).status).toBe('Denied');
    const s = await call(h, 'GET', step(firstId), await signIn(h, ADMIN.upn));
    expect(s.json).toMatchObject({ status: 'Completed', reviewResult: 'Deny', reviewedBy: { id: APPROVER.id } });
    expect(await roleAssignmentsOf(h, PIMUSER)).toEqual([]);
  });

  it('an approver cannot approve their own request (403); a bystander cannot even see it (404)', async () => {
    const res = await activate(h, APPROVER);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    expect(res.json.status).toBe('PendingApproval');
    await waitMail(h, ADMIN.upn, SUBJECT.approvalRequestedByApprover);

    // The requestor sees the approval, not as theirs to decide, and is refused.
    const own = await call(h, 'GET', approval(id, true), await signIn(h, APPROVER.upn));
    expect(own.status).toBe(200);
    expect(own.json.steps[0]).toMatchObject({ assignedToMe: false, status: 'InProgress' });
    expect((await pendingForApprover(h, APPROVER.upn)).json.value).toEqual([]);
    expectGraphError(await review(h, APPROVER.upn, id, { reviewResult: 'Approve', justification: 'Trust me' }), 403, 'Forbidden', 'Approvers cannot approve their own request.');

    // Users who are neither an approver nor the requestor: the approval does not exist for them.
    for (const upn of [ANALYST.upn, PIMUSER.upn]) {
      expectGraphError(await call(h, 'GET', approval(id, true), await signIn(h, upn)), 404, 'NotFound', `The approval ${id} was not found.`);
      expectGraphError(await review(h, upn, id, { reviewResult: 'Approve', justification: 'Looks fine' }), 404, 'NotFound', `The approval ${id} was not found.`);
    }
    expect((await getRequest(h, 'assignment', id, APPROVER.upn)).status).toBe('PendingApproval');

    // The other default approver decides it.
    expect((await pendingForApprover(h, ADMIN.upn)).json.value.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await review(h, ADMIN.upn, id, { reviewResult: 'Approve', justification: 'Change CHG-77' })).status).toBe(204);
    expect((await getRequest(h, 'assignment', id, APPROVER.upn)).status).toBe('Provisioned');
    // (approver also holds Privileged Role Administrator directly.)
    expect((await myInstances(h, 'assignment', APPROVER.upn)).filter((i) => i.roleDefinitionId === SR)).toMatchObject([{ assignmentType: 'Activated', roleAssignmentScheduleId: id }]);
  });

  it('the requestor cancels a pending request: 204, Canceled, no longer decidable', async () => {
    const res = await activate(h, PIMUSER);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    const cancel = await call(h, 'POST', `${requestsOf('assignment')}/${id}/cancel`, await signIn(h, PIMUSER.upn));
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(204);
    expect(cancel.json).toBeUndefined();
    expect(await getRequest(h, 'assignment', id, PIMUSER.upn)).toMatchObject({ status: 'Canceled' });
    expect((await pendingForApprover(h, ADMIN.upn)).json.value).toEqual([]);
    expectGraphError(await review(h, ADMIN.upn, id, { reviewResult: 'Approve', justification: 'Too late' }), 409, 'Conflict');
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toEqual([]);
    // Canceling twice is a 400 (reference §2.2).
    expectGraphError(await call(h, 'POST', `${requestsOf('assignment')}/${id}/cancel`, await signIn(h, PIMUSER.upn)), 400, 'BadRequest');
    await expectAudit(h, 'Add member to role canceled (PIM activation)', id, PIMUSER.id);
  });

  it('a future start: PendingApprovalProvisioning, Granted on approval, active from the start', async () => {
    const start = iso(now(h) + 2 * HOUR);
    const res = await activate(h, PIMUSER, { scheduleInfo: { startDateTime: start, expiration: { type: 'afterDuration', duration: 'PT4H' } } });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    expect(res.json).toMatchObject({ status: 'PendingApprovalProvisioning', approvalId: id });
    expect(res.json.scheduleInfo.startDateTime).toBe(start);
    // filterByCurrentUser(on='approver') with status eq 'PendingApproval' does not list it; without the filter it is there.
    const all = await call(h, 'GET', `${DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')`, await signIn(h, ADMIN.upn));
    expect(all.json.value.filter((r: { status: string }) => r.status === 'PendingApprovalProvisioning').map((r: { id: string }) => r.id)).toEqual([id]);

    expect((await review(h, APPROVER.upn, id, { reviewResult: 'Approve', justification: 'Planned maintenance' })).status).toBe(204);
    expect(await getRequest(h, 'assignment', id, PIMUSER.upn)).toMatchObject({ status: 'Granted', completedDateTime: start });
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toEqual([]);

    await advance(h, 'PT2H');
    const active = await myInstances(h, 'assignment', PIMUSER.upn);
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ assignmentType: 'Activated', roleAssignmentScheduleId: id, startDateTime: start, endDateTime: iso(Date.parse(start) + 4 * HOUR) });
    expect(await roleAssignmentsOf(h, PIMUSER)).toEqual([SR]);
  });

  it('v1.0 has no approvals segment (400); beta needs a PrivilegedAccess scope (403)', async () => {
    const approver = await signIn(h, APPROVER.upn);
    const segment = "Resource not found for the segment 'roleAssignmentApprovals'.";
    expectGraphError(await call(h, 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${firstId}`, approver), 400, 'BadRequest', segment);
    expectGraphError(await call(h, 'GET', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${firstId}?$expand=steps`, approver), 400, 'BadRequest', segment);
    expectGraphError(await call(h, 'PATCH', `/v1.0/roleManagement/directory/roleAssignmentApprovals/${firstId}/steps/${firstId}`, approver, { reviewResult: 'Approve', justification: 'x' }), 400, 'BadRequest', segment);

    // Reference §4.2 (LAB): the observed message, with an empty code.
    const narrow = await tokenFor(h.emu, APPROVER.upn, { scopes: ['User.Read'] });
    const denied = 'Valid permissions not present. User needs one of the following permissions for this action : PrivilegedAccess.ReadWrite.AzureAD,PrivilegedAccess.Read.AzureAD';
    expectGraphError(await call(h, 'GET', approval(firstId, true), narrow), 403, '', denied);
    expectGraphError(await call(h, 'GET', step(firstId), narrow), 403, '', denied);
    expectGraphError(await call(h, 'PATCH', step(firstId), narrow, { reviewResult: 'Approve', justification: 'x' }), 403, '', denied);

    // An unknown approval is a 404.
    const unknown = '00000000-0000-0000-0000-000000000001';
    expectGraphError(await call(h, 'GET', approval(unknown), approver), 404, 'NotFound', `The approval ${unknown} was not found.`);
  });

  it('unanswered for a day: TimedOut, the step Expired, a late decision 409, audited; the user may ask again', async () => {
    const res = await activate(h, ANALYST);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    expect(res.json.status).toBe('PendingApproval');

    await advance(h, 'PT25H');

    expect(await getRequest(h, 'assignment', id, ANALYST.upn)).toMatchObject({ status: 'TimedOut' });
    const s = await call(h, 'GET', step(id), await signIn(h, APPROVER.upn));
    expect(s.status).toBe(200);
    expect(s.json).toMatchObject({ status: 'Expired', reviewResult: 'NotReviewed', reviewedBy: null });
    expectGraphError(await review(h, APPROVER.upn, id, { reviewResult: 'Approve', justification: 'Sorry, was away' }), 409, 'Conflict');
    expect((await pendingForApprover(h, APPROVER.upn)).json.value).toEqual([]);
    expect(await myInstances(h, 'assignment', ANALYST.upn)).toEqual([]);
    await expectAudit(h, 'PIM activation request expired', id, AZURE_AD_PIM);

    // "Afterwards the user must re-submit" (reference §2.6).
    const again = await activate(h, ANALYST);
    expect(again.status, JSON.stringify(again.json)).toBe(201);
    expect(again.json.status).toBe('PendingApproval');
    expect(again.json.id).not.toBe(id);
  });
});

// ================================================================ 3. extend and renew

describe('adminExtend and adminRenew take effect directly', () => {
  const h = useEmulator();

  it('adminExtend gives an eligible and an active assignment a later end at once (201 Provisioned)', async () => {
    const t0 = now(h);
    await asAdmin(h, 'eligibility', 'adminAssign', ANALYST.id, until(t0 + 5 * DAY));
    await asAdmin(h, 'assignment', 'adminAssign', HELPDESK.id, until(t0 + 5 * DAY));

    const eligible = await asAdmin(h, 'eligibility', 'adminExtend', ANALYST.id, until(t0 + 60 * DAY));
    expect(eligible).toMatchObject({ action: 'adminExtend', status: 'Provisioned', principalId: ANALYST.id });
    const active = await asAdmin(h, 'assignment', 'adminExtend', HELPDESK.id, until(t0 + 60 * DAY));
    expect(active).toMatchObject({ action: 'adminExtend', status: 'Provisioned', principalId: HELPDESK.id });

    expect(await myInstances(h, 'eligibility', ANALYST.upn)).toMatchObject([{ roleDefinitionId: SR, endDateTime: iso(t0 + 60 * DAY) }]);
    expect(await myInstances(h, 'assignment', HELPDESK.upn)).toMatchObject([{ roleDefinitionId: SR, assignmentType: 'Assigned', endDateTime: iso(t0 + 60 * DAY) }]);
    await expectAudit(h, 'Update eligible member in PIM requested (extend)', eligible.id, ADMIN.id);
    await expectAudit(h, 'Update member in PIM requested (extend)', active.id, ADMIN.id);
  });

  it('adminRenew brings back an expired eligible and an expired active assignment at once (201 Provisioned)', async () => {
    const t0 = now(h);
    await asAdmin(h, 'eligibility', 'adminAssign', PIMUSER.id, until(t0 + DAY));
    await asAdmin(h, 'assignment', 'adminAssign', ANALYST.id, until(t0 + DAY));
    await advance(h, 'P2D');
    expect(await myInstances(h, 'eligibility', PIMUSER.upn)).toEqual([]);
    expect(await myInstances(h, 'assignment', ANALYST.upn)).toEqual([]);

    const t1 = now(h);
    const eligible = await asAdmin(h, 'eligibility', 'adminRenew', PIMUSER.id, until(t1 + 90 * DAY));
    expect(eligible).toMatchObject({ action: 'adminRenew', status: 'Provisioned' });
    const active = await asAdmin(h, 'assignment', 'adminRenew', ANALYST.id, until(t1 + 30 * DAY));
    expect(active).toMatchObject({ action: 'adminRenew', status: 'Provisioned' });

    expect(await myInstances(h, 'eligibility', PIMUSER.upn)).toMatchObject([{ roleDefinitionId: SR, endDateTime: iso(t1 + 90 * DAY) }]);
    expect(await myInstances(h, 'assignment', ANALYST.upn)).toMatchObject([{ roleDefinitionId: SR, assignmentType: 'Assigned', endDateTime: iso(t1 + 30 * DAY) }]);
    await expectAudit(h, 'Add eligible member to role in PIM requested (renew)', eligible.id, ADMIN.id);
    await expectAudit(h, 'Add member to role in PIM requested (renew)', active.id, ADMIN.id);
  });
});

describe('selfExtend: only within 14 days of the end, decided by an admin', () => {
  const h = useEmulator();
  let t0: number;
  let extendId: string;

  beforeAll(async () => {
    t0 = now(h);
    await asAdmin(h, 'assignment', 'adminAssign', PIMUSER.id, until(t0 + 20 * DAY));
    await asAdmin(h, 'eligibility', 'adminAssign', ANALYST.id, until(t0 + 20 * DAY));
  });

  const selfExtend = async (kind: Kind, user: { id: string; upn: string }, endMs: number) =>
    post(h, kind, await signIn(h, user.upn), { action: 'selfExtend', principalId: user.id, justification: 'Project runs another month', scheduleInfo: { expiration: until(endMs) } });

  it('20 days before the end: 400 InvalidRoleAssignmentRequest', async () => {
    expectGraphError(await selfExtend('assignment', PIMUSER, t0 + 50 * DAY), 400, 'InvalidRoleAssignmentRequest',
      'The role assignment request is invalid. selfExtend is possible only within 14 days of the end of an assignment that has an end date.');
  });

  it('13 days before the end: 201 PendingAdminDecision, and the admins are asked', async () => {
    await advance(h, 'P7D');
    const res = await selfExtend('assignment', PIMUSER, t0 + 50 * DAY);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    extendId = res.json.id;
    expect(res.json).toMatchObject({ action: 'selfExtend', status: 'PendingAdminDecision', principalId: PIMUSER.id, approvalId: null });

    const ask = await waitMail(h, ADMIN.upn, SUBJECT.extendRequested);
    expect(ask.to.map((a) => a.address).sort()).toEqual([ADMIN.upn, APPROVER.upn].sort());
    expect(ask.text).toContain(extendId);
    expect(await mailsTo(h, ADMIN.upn, SUBJECT.extendRequested)).toHaveLength(1);
    await expectAudit(h, 'Update member in PIM requested (extend)', extendId, PIMUSER.id);
    // Nothing changed yet; a second request waits behind the first.
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toMatchObject([{ endDateTime: iso(t0 + 20 * DAY) }]);
    expectGraphError(await selfExtend('assignment', PIMUSER, t0 + 40 * DAY), 400, 'PendingRoleAssignmentRequest');
  });

  it('the admin approves by adminExtend: AdminApproved, the new end is in force, the requestor is told', async () => {
    const extend = await asAdmin(h, 'assignment', 'adminExtend', PIMUSER.id, until(t0 + 50 * DAY));
    expect(extend).toMatchObject({ action: 'adminExtend', status: 'Provisioned' });
    expect(await getRequest(h, 'assignment', extendId, PIMUSER.upn)).toMatchObject({ action: 'selfExtend', status: 'AdminApproved', targetScheduleId: extend.id });
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toMatchObject([{ assignmentType: 'Assigned', endDateTime: iso(t0 + 50 * DAY) }]);

    const mail = await waitMail(h, PIMUSER.upn, SUBJECT.extendApproved);
    expect(mail.to.map((a) => a.address)).toEqual([PIMUSER.upn]);
    await expectAudit(h, 'Update member in PIM approved by admin (extend/renew)', extendId, ADMIN.id);
  });

  it("an admin's cancel denies another: AdminDenied, the end unchanged, the requestor is told", async () => {
    const res = await selfExtend('eligibility', ANALYST, t0 + 50 * DAY);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    expect(res.json.status).toBe('PendingAdminDecision');
    await expectAudit(h, 'Update eligible member in PIM requested (extend)', id, ANALYST.id);

    const cancel = await call(h, 'POST', `${requestsOf('eligibility')}/${id}/cancel`, await signIn(h, ADMIN.upn));
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(204);
    expect(await getRequest(h, 'eligibility', id, ANALYST.upn)).toMatchObject({ status: 'AdminDenied' });
    expect(await myInstances(h, 'eligibility', ANALYST.upn)).toMatchObject([{ endDateTime: iso(t0 + 20 * DAY) }]);
    await expectAudit(h, 'Update member in PIM denied by admin (extend/renew)', id, ADMIN.id);
    // Reference §8: after a decision, the requester is notified (catalogue: src/mail/README.md).
    const mail = await waitMail(h, ANALYST.upn, SUBJECT.extendDenied);
    expect(mail.text).toContain(id);
  });
});

describe('selfRenew: within 30 days of the expiry, decided by an admin', () => {
  const h = useEmulator();
  let t0: number;

  beforeAll(async () => {
    t0 = now(h);
    await asAdmin(h, 'eligibility', 'adminAssign', PIMUSER.id, until(t0 + DAY));
    await asAdmin(h, 'eligibility', 'adminAssign', ANALYST.id, until(t0 + DAY));
  });

  const selfRenew = async (user: { id: string; upn: string }) =>
    post(h, 'eligibility', await signIn(h, user.upn), { action: 'selfRenew', principalId: user.id, justification: 'Still on the SOC rota', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P90D' } } });

  it('expired 10 days ago: 201 PendingAdminDecision, the admins are asked; the requestor may withdraw it', async () => {
    await advance(h, 'P11D');
    expect(await myInstances(h, 'eligibility', PIMUSER.upn)).toEqual([]);
    const res = await selfRenew(PIMUSER);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    expect(res.json).toMatchObject({ action: 'selfRenew', status: 'PendingAdminDecision' });
    await waitMail(h, ADMIN.upn, SUBJECT.renewRequested);
    await expectAudit(h, 'Add eligible member to role in PIM requested (renew)', id, PIMUSER.id);

    const withdraw = await call(h, 'POST', `${requestsOf('eligibility')}/${id}/cancel`, await signIn(h, PIMUSER.upn));
    expect(withdraw.status, JSON.stringify(withdraw.json)).toBe(204);
    expect(await getRequest(h, 'eligibility', id, PIMUSER.upn)).toMatchObject({ status: 'Canceled' });
    // Reference §7: "Add eligible member to role in PIM canceled (permanent|renew|timebound)".
    await expectAudit(h, 'Add eligible member to role in PIM canceled (renew)', id, PIMUSER.id);
  });

  it('asked again and approved by adminRenew: AdminApproved, eligible again, the requestor is told', async () => {
    const res = await selfRenew(PIMUSER);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.id as string;
    const t1 = now(h);
    const renew = await asAdmin(h, 'eligibility', 'adminRenew', PIMUSER.id, until(t1 + 90 * DAY));
    expect(renew).toMatchObject({ action: 'adminRenew', status: 'Provisioned' });
    expect(await getRequest(h, 'eligibility', id, PIMUSER.upn)).toMatchObject({ status: 'AdminApproved', targetScheduleId: renew.id });
    expect(await myInstances(h, 'eligibility', PIMUSER.upn)).toMatchObject([{ roleDefinitionId: SR, endDateTime: iso(t1 + 90 * DAY) }]);
    await waitMail(h, PIMUSER.upn, SUBJECT.renewApproved);
    await expectAudit(h, 'Update member in PIM approved by admin (extend/renew)', id, ADMIN.id);
  });

  it('expired 40 days ago: 400 InvalidRoleAssignmentRequest', async () => {
    await advance(h, 'P30D');
    expectGraphError(await selfRenew(ANALYST), 400, 'InvalidRoleAssignmentRequest',
      'The role assignment request is invalid. selfRenew is possible only for an assignment that expired within the last 30 days.');
  });
});

// ================================================================ 4. authentication context (step-up)

describe('an authentication context on activation: the claims challenge and the step-up', () => {
  const h = useEmulator();

  beforeAll(async () => {
    const rule = await patchRule(h, 'AuthenticationContext_EndUser_Assignment', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule', isEnabled: true, claimValue: 'c1',
    });
    expect(rule.json).toMatchObject({ isEnabled: true, claimValue: 'c1' });
    await asAdmin(h, 'eligibility', 'adminAssign', PIMUSER.id, { type: 'noExpiration' });
  });

  it('refuses an MFA token without acrs c1 with the challenge; the challenge needs MFA; the stepped-up token activates', async () => {
    const mfaOnly = await signIn(h, PIMUSER.upn);
    expect(claimsOf(mfaOnly).amr).toContain('mfa');
    const refused = await activate(h, PIMUSER);
    const message = expectGraphError(refused, 400, 'RoleAssignmentRequestAcrsValidationFailed');
    expect(message).toContain(ACRS_C1_CHALLENGE);
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toEqual([]);

    // The challenge, decoded, is what the client sends to the token endpoint as `claims`.
    const encoded = /&claims=([^&\s]+)/.exec(message)![1]!;
    const claims = decodeURIComponent(encoded);
    expect(claims).toBe('{"access_token":{"acrs":{"essential":true, "value":"c1"}}}');

    // Without the second factor: invalid_grant AADSTS50076.
    const noMfa = await tokenResponse(h, PIMUSER.upn, { claims });
    expect(noMfa.status).toBe(400);
    expect(noMfa.json).toMatchObject({ error: 'invalid_grant', error_codes: [50076] });
    expect(noMfa.json.error_description).toMatch(/^AADSTS50076: /);

    // With it: a token carrying acrs ["c1"].
    const stepped = await tokenResponse(h, PIMUSER.upn, { claims, mfa: true });
    expect(stepped.status, JSON.stringify(stepped.json)).toBe(200);
    const token = stepped.json.access_token as string;
    expect(claimsOf(token)).toMatchObject({ acrs: ['c1'] });
    expect(claimsOf(token).amr).toContain('mfa');

    const ok = await post(h, 'assignment', token, {
      action: 'selfActivate', principalId: PIMUSER.id, justification: 'Investigating alert 4711', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    expect(ok.json).toMatchObject({ action: 'selfActivate', status: 'Provisioned' });
    expect(await myInstances(h, 'assignment', PIMUSER.upn)).toMatchObject([{ assignmentType: 'Activated', roleAssignmentScheduleId: ok.json.id }]);
  });
});
