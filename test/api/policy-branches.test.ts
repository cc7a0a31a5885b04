import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { defaultRules } from '../../src/pim/policy-defaults.js';
import { formatDuration, parseDuration } from '../../src/iso8601.js';
import { ROLES, USERS, appToken, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

/**
 * Every branch of a role's policy, at the API tier (inject, no sockets): MFA, justification,
 * ticket, maximum duration, permanence, authentication context and approval — for the end user's
 * selfActivate and for the admin's adminAssign of eligibilities and active assignments
 * (reference §3.2, §4.1, §5). The untouched limits come from the emulator's own defaults.
 */
const RD = '/v1.0/roleManagement/directory';
const ELIGIBILITY_REQUESTS = `${RD}/roleEligibilityScheduleRequests`;
const ASSIGNMENT_REQUESTS = `${RD}/roleAssignmentScheduleRequests`;
const ASSIGNMENT_INSTANCES = `${RD}/roleAssignmentScheduleInstances`;
const APPROVALS = '/beta/roleManagement/directory/roleAssignmentApprovals';
const T0 = '2026-12-01T09:00:00Z';
const MINUTE = 60_000;

type Json = Record<string, any>;

/** The default of one rule's setting, as an untouched policy has it. */
const defaultOf = (ruleId: string): Json => defaultRules().find((r) => r.id === ruleId)! as Json;
const END_USER_MAX = defaultOf('Expiration_EndUser_Assignment').maximumDuration as string;
const ADMIN_ELIGIBILITY_MAX = defaultOf('Expiration_Admin_Eligibility').maximumDuration as string;
const longer = (iso: string, byMs: number): string => formatDuration(parseDuration(iso) + byMs);

const policyFailed = (rules: string[]) => ({
  status: 400,
  code: 'RoleAssignmentRequestPolicyValidationFailed',
  message: `The following policy rules failed: ${JSON.stringify(rules)}`,
});

describe('policy branches', () => {
  let emu: Emulator;

  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
  });
  afterEach(async () => {
    await emu.close();
  });

  const admin = (mfa = true) => tokenFor(emu, USERS.admin.upn, { mfa });
  const pimuser = (mfa = true) => tokenFor(emu, USERS.pimuser.upn, { mfa });
  const approver = () => tokenFor(emu, USERS.approver.upn, { mfa: true });
  const post = async (url: string, token: string, body: Json) => send(emu, 'POST', url, token, body);
  const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

  const assignBody = (overrides: Json = {}): Json => ({
    action: 'adminAssign',
    principalId: USERS.pimuser.id,
    roleDefinitionId: ROLES.securityReader,
    directoryScopeId: '/',
    justification: 'Security Reader for the SOC rotation',
    scheduleInfo: { startDateTime: T0, expiration: { type: 'noExpiration' } },
    ...overrides,
  });
  const activationBody = (overrides: Json = {}): Json => ({
    action: 'selfActivate',
    principalId: USERS.pimuser.id,
    roleDefinitionId: ROLES.securityReader,
    directoryScopeId: '/',
    justification: 'Investigating INC1',
    scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT1H' } },
    ...overrides,
  });
  const forDuration = (duration: string) => ({ scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration } } });

  async function created(url: string, token: string, body: Json): Promise<Json> {
    const res = await post(url, token, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  const makeEligible = async () => created(ELIGIBILITY_REQUESTS, await admin(), assignBody());

  /** PATCH one rule of Security Reader's policy the way clients do (reference §3.4). */
  async function setRule(ruleId: string, type: 'Expiration' | 'Enablement' | 'Approval' | 'AuthenticationContext', settings: Json): Promise<void> {
    const token = await admin();
    const found = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${ROLES.securityReader}'`, token);
    expect(found.statusCode, found.body).toBe(200);
    const [, caller, level] = ruleId.split('_') as [string, string, string];
    const res = await send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${found.json().value[0].policyId}/rules/${ruleId}`, token, {
      '@odata.type': `#microsoft.graph.unifiedRoleManagementPolicy${type}Rule`,
      id: ruleId,
      ...settings,
      target: { '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller, operations: ['All'], level, inheritableSettings: [], enforcedSettings: [] },
    });
    expect(res.statusCode, res.body).toBe(204);
  }

  const requireApproval = () =>
    setRule('Approval_EndUser_Assignment', 'Approval', {
      setting: {
        ...defaultOf('Approval_EndUser_Assignment').setting,
        isApprovalRequired: true,
        approvalStages: [{ ...defaultOf('Approval_EndUser_Assignment').setting.approvalStages[0], primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.approver.id }] }],
      },
    });

  const activeInstances = async (): Promise<Json[]> => {
    const res = await get(emu, `${ASSIGNMENT_INSTANCES}?$filter=principalId eq '${USERS.pimuser.id}'`, await admin());
    expect(res.statusCode, res.body).toBe(200);
    return res.json().value;
  };

  describe('selfActivate (the EndUser rules)', () => {
    beforeEach(async () => {
      await makeEligible();
    });

    it('MFA: refuses a token without mfa while the default rules ask for it, and activates with it', async () => {
      expect(defaultOf('Enablement_EndUser_Assignment').enabledRules).toContain('MultiFactorAuthentication');
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await pimuser(false), activationBody()))).toMatchObject(policyFailed(['MfaRule']));
      expect((await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody())).status).toBe('Provisioned');
    });

    it('justification: refuses a blank one while the default rules ask for it', async () => {
      expect(defaultOf('Enablement_EndUser_Assignment').enabledRules).toContain('Justification');
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ justification: '   ' })))).toMatchObject(policyFailed(['JustificationRule']));
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ justification: null })))).toMatchObject(policyFailed(['JustificationRule']));
    });

    it('ticket: needs ticket information only once Ticketing is enabled', async () => {
      expect(defaultOf('Enablement_EndUser_Assignment').enabledRules).not.toContain('Ticketing');
      await setRule('Enablement_EndUser_Assignment', 'Enablement', { enabledRules: ['Ticketing'] });
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await pimuser(false), activationBody({ justification: null })))).toMatchObject(policyFailed(['TicketingRule']));
      const r = await created(ASSIGNMENT_REQUESTS, await pimuser(false), activationBody({ justification: null, ticketInfo: { ticketNumber: 'INC9', ticketSystem: 'Jira' } }));
      expect(r).toMatchObject({ status: 'Provisioned', ticketInfo: { ticketNumber: 'INC9', ticketSystem: 'Jira' } });
    });

    it(`maximum duration: accepts exactly the default maximum (${END_USER_MAX}) and refuses a minute more`, async () => {
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody(forDuration(longer(END_USER_MAX, MINUTE)))))).toMatchObject(policyFailed(['ExpirationRule']));
      const r = await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody(forDuration(END_USER_MAX)));
      expect(r.scheduleInfo.expiration).toEqual({ type: 'afterDuration', endDateTime: null, duration: END_USER_MAX });
    });

    it('permanence: an activation without end is refused while expiration is required (the default)', async () => {
      expect(defaultOf('Expiration_EndUser_Assignment').isExpirationRequired).toBe(true);
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ scheduleInfo: { startDateTime: T0, expiration: { type: 'noExpiration' } } }));
      expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule']));
      expect(await activeInstances()).toEqual([]);
    });

    it('authentication context: asks for the claims challenge before evaluating the other rules', async () => {
      await setRule('AuthenticationContext_EndUser_Assignment', 'AuthenticationContext', { isEnabled: true, claimValue: 'c1' });
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(false), activationBody({ justification: null }));
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'RoleAssignmentRequestAcrsValidationFailed',
        message: `The Role assignment request requires the authentication context 'c1'. Acquire a new token with this claims challenge and retry: &claims=${encodeURIComponent('{"access_token":{"acrs":{"essential":true, "value":"c1"}}}')}`,
      });
    });

    describe('approval (Approval_EndUser_Assignment)', () => {
      beforeEach(async () => {
        expect(defaultOf('Approval_EndUser_Assignment').setting.isApprovalRequired).toBe(false);
        await requireApproval();
      });

      it('answers 201 PendingApproval with approvalId = the request id, provisions nothing, and shows the approver a pending step', async () => {
        const r = await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
        expect(r).toMatchObject({ action: 'selfActivate', status: 'PendingApproval', approvalId: r.id, principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader });
        expect(await activeInstances()).toEqual([]);

        const approval = await get(emu, `${APPROVALS}/${r.id}?$expand=steps`, await approver());
        expect(approval.statusCode, approval.body).toBe(200);
        expect(approval.json()).toMatchObject({ id: r.id, steps: [{ id: r.id, assignedToMe: true, status: 'InProgress', reviewResult: 'NotReviewed', reviewedBy: null }] });

        const waiting = await get(emu, `${ASSIGNMENT_REQUESTS}/filterByCurrentUser(on='approver')`, await approver());
        expect(waiting.statusCode, waiting.body).toBe(200);
        expect(waiting.json().value.map((x: Json) => [x.id, x.status])).toEqual([[r.id, 'PendingApproval']]);
      });

      it("lists the approver's approvals on beta with filterByCurrentUser(on='approver'), steps with $expand; refuses what is not emulated saying so", async () => {
        const r = await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
        const mine = await get(emu, `${APPROVALS}/filterByCurrentUser(on='approver')`, await approver());
        expect(mine.statusCode, mine.body).toBe(200);
        expect(mine.json()).toEqual({ '@odata.context': 'http://localhost:80/beta/$metadata#Collection(approval)', value: [{ id: r.id }] });
        const expanded = await get(emu, `${APPROVALS}/filterByCurrentUser(on='approver')?$expand=steps`, await approver());
        expect(expanded.json().value).toMatchObject([{ id: r.id, steps: [{ id: r.id, assignedToMe: true, status: 'InProgress', reviewResult: 'NotReviewed' }] }]);
        // Not an approver: nothing to approve.
        expect((await get(emu, `${APPROVALS}/filterByCurrentUser(on='approver')`, await admin())).json().value).toEqual([]);

        expect(graphError(await get(emu, `${APPROVALS}/filterByCurrentUser(on='createdBy')`, await pimuser()))).toMatchObject({
          status: 400, code: 'BadRequest', message: "filterByCurrentUser(on='createdBy') is not supported. Supported: on='approver'.",
        });
        expect(graphError(await get(emu, APPROVALS, await approver()))).toMatchObject({
          status: 400,
          code: 'BadRequest',
          message: "Listing every approval (GET /roleManagement/directory/roleAssignmentApprovals; use filterByCurrentUser(on='approver'), or read one by the request's approvalId) is not emulated yet. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.",
        });
        expect(graphError(await get(emu, `${APPROVALS}/$count`, await approver()))).toMatchObject({ status: 400, code: 'BadRequest', message: expect.stringMatching(/^Counting approvals .* is not emulated yet\./) });
      });

      it('answers PendingApprovalProvisioning for a future start', async () => {
        const r = await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ scheduleInfo: { startDateTime: later(60 * MINUTE), expiration: { type: 'afterDuration', duration: 'PT1H' } } }));
        expect(r).toMatchObject({ status: 'PendingApprovalProvisioning', approvalId: r.id });
      });

      it('still evaluates every other rule first: a failed rule leaves no pending request', async () => {
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(false), activationBody({ justification: null }));
        expect(graphError(res)).toMatchObject(policyFailed(['JustificationRule', 'MfaRule']));
        const waiting = await get(emu, `${ASSIGNMENT_REQUESTS}/filterByCurrentUser(on='approver')`, await approver());
        expect(waiting.json().value).toEqual([]);
      });

      it('refuses a second activation while the first waits for its approver', async () => {
        await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
        expect(graphError(await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody()))).toMatchObject({
          status: 400,
          code: 'PendingRoleAssignmentRequest',
          message: 'There is already a pending request for this role assignment.',
        });
      });

      it('provisions the activation once the approver approves it', async () => {
        const r = await created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
        const decided = await send(emu, 'PATCH', `${APPROVALS}/${r.id}/steps/${r.id}`, await approver(), { reviewResult: 'Approve', justification: 'Looks right' });
        expect(decided.statusCode, decided.body).toBe(204);
        expect((await get(emu, `${ASSIGNMENT_REQUESTS}/${r.id}`, await pimuser())).json().status).toBe('Provisioned');
        expect((await activeInstances()).map((i) => i.assignmentType)).toEqual(['Activated']);
      });
    });
  });

  describe('adminAssign of an eligibility (the Admin Eligibility rules)', () => {
    it('permanence: allowed by default, refused once expiration is required', async () => {
      expect(defaultOf('Expiration_Admin_Eligibility').isExpirationRequired).toBe(false);
      await setRule('Expiration_Admin_Eligibility', 'Expiration', { isExpirationRequired: true, maximumDuration: ADMIN_ELIGIBILITY_MAX });
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await admin(), assignBody()))).toMatchObject(policyFailed(['ExpirationRule']));
    });

    it(`maximum duration: an end past ${ADMIN_ELIGIBILITY_MAX} is refused when expiration is required`, async () => {
      await setRule('Expiration_Admin_Eligibility', 'Expiration', { isExpirationRequired: true, maximumDuration: ADMIN_ELIGIBILITY_MAX });
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await admin(), assignBody(forDuration(longer(ADMIN_ELIGIBILITY_MAX, MINUTE)))))).toMatchObject(policyFailed(['ExpirationRule']));
      expect((await created(ELIGIBILITY_REQUESTS, await admin(), assignBody(forDuration(ADMIN_ELIGIBILITY_MAX)))).status).toBe('Provisioned');
    });

    it('MFA and justification: neither is asked by default; each once enabled', async () => {
      expect(defaultOf('Enablement_Admin_Eligibility').enabledRules).toEqual([]);
      await setRule('Enablement_Admin_Eligibility', 'Enablement', { enabledRules: ['MultiFactorAuthentication', 'Justification'] });
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await admin(false), assignBody({ justification: null })))).toMatchObject(policyFailed(['JustificationRule', 'MfaRule']));
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await appToken(emu), assignBody()))).toMatchObject(policyFailed(['MfaRule']));
      expect((await created(ELIGIBILITY_REQUESTS, await admin(), assignBody())).status).toBe('Provisioned');
    });
  });

  describe('adminAssign of an active assignment (the Admin Assignment rules)', () => {
    it('ticket: refused without ticket information once Ticketing is enabled', async () => {
      expect(defaultOf('Enablement_Admin_Assignment').enabledRules).toEqual(['Justification']);
      await setRule('Enablement_Admin_Assignment', 'Enablement', { enabledRules: ['Justification', 'Ticketing'] });
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await admin(), assignBody()))).toMatchObject(policyFailed(['TicketingRule']));
      const r = await created(ASSIGNMENT_REQUESTS, await admin(), assignBody({ ticketInfo: { ticketNumber: 'CHG7', ticketSystem: 'ServiceNow' } }));
      expect(r).toMatchObject({ status: 'Provisioned', ticketInfo: { ticketNumber: 'CHG7', ticketSystem: 'ServiceNow' } });
    });
  });
});
