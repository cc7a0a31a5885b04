import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, ROLES, USERS, appToken, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { GUID_RE, get, moveClock, pathOf, send } from '../support/api.js';

/**
 * POST …/roleEligibilityScheduleRequests and …/roleAssignmentScheduleRequests, action by action,
 * as a Graph client sees them (reference §1.3–1.5, §2, §3.2, §3.5, §4, §7, §11).
 */
const RD = '/v1.0/roleManagement/directory';
const ELIGIBILITY_REQUESTS = `${RD}/roleEligibilityScheduleRequests`;
const ASSIGNMENT_REQUESTS = `${RD}/roleAssignmentScheduleRequests`;
const ELIGIBILITY_SCHEDULES = `${RD}/roleEligibilitySchedules`;
const ASSIGNMENT_SCHEDULES = `${RD}/roleAssignmentSchedules`;
const ELIGIBILITY_INSTANCES = `${RD}/roleEligibilityScheduleInstances`;
const ASSIGNMENT_INSTANCES = `${RD}/roleAssignmentScheduleInstances`;
const ROLE_ASSIGNMENTS = `${RD}/roleAssignments`;
const AUDITS = '/v1.0/auditLogs/directoryAudits';

/** The emulator clock for every test: frozen, so instants in responses are exact. */
const T0 = '2026-12-01T09:00:00Z';
const at = (offsetMs: number): string => new Date(Date.parse(T0) + offsetMs).toISOString().replace('.000Z', 'Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** base64url(.NET bytes of roleDefinitionId ‖ principalId) + "-1" (reference §2.5). */
const PIMUSER_SECURITY_READER = 't2trXXHeI0a0r5Y4CjUlCQUug8S6IA1Oj-Pc8afxtwk-1';
const ADMIN_GLOBAL_ADMIN = 'lAPpYvVpN0KRkAEhdxReEJcltPMD4ZROko9yVeeS7s0-1';
const NOBODY = '00000000-0000-0000-0000-0000000000aa';

const policyFailed = (rules: string[]) => ({
  status: 400,
  code: 'RoleAssignmentRequestPolicyValidationFailed',
  message: `The following policy rules failed: ${JSON.stringify(rules)}`,
});
const EXISTS = { status: 400, code: 'RoleAssignmentExists', message: 'The Role assignment already exists.' };
const DOES_NOT_EXIST = { status: 400, code: 'RoleAssignmentDoesNotExist', message: 'The Role assignment does not exist.' };
const INVALID = { status: 400, code: 'InvalidRoleAssignmentRequest', message: 'The role assignment request is invalid.' };
const UNAUTHORIZED = { status: 403, code: 'UnauthorizedAccessException', message: 'Attempted to perform an unauthorized operation.' };

// Response bodies are read loosely: the assertions say what each must contain.
type Json = Record<string, any>;

describe('PIM schedule requests', () => {
  let emu: Emulator;

  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
  });
  afterEach(async () => {
    await emu.close();
  });

  // Tokens are minted when needed: moving the clock by hours expires the earlier ones.
  const admin = () => tokenFor(emu, USERS.admin.upn, { mfa: true });
  const pimuser = (mfa = true) => tokenFor(emu, USERS.pimuser.upn, { mfa });
  const nowIso = () => new Date(emu.clock.nowMs()).toISOString();

  /** An adminAssign of pimuser's eligibility for Security Reader, permanent unless overridden. */
  const eligibilityBody = (overrides: Json = {}): Json => ({
    action: 'adminAssign',
    principalId: USERS.pimuser.id,
    roleDefinitionId: ROLES.securityReader,
    directoryScopeId: '/',
    justification: 'Security Reader for the SOC rotation',
    scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'noExpiration' } },
    ...overrides,
  });
  /** An adminAssign of an active (Assigned) assignment. */
  const activeBody = (overrides: Json = {}): Json => ({ ...eligibilityBody(), justification: 'Standing access for the audit', ...overrides });
  /** pimuser's selfActivate of Security Reader for eight hours. */
  const activationBody = (overrides: Json = {}): Json => ({
    action: 'selfActivate',
    principalId: USERS.pimuser.id,
    roleDefinitionId: ROLES.securityReader,
    directoryScopeId: '/',
    justification: 'Investigating INC1',
    scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'PT8H' } },
    ...overrides,
  });

  const post = async (url: string, token: string, body: Json) => send(emu, 'POST', url, token, body);
  async function created(url: string, token: string, body: Json): Promise<Json> {
    const res = await post(url, token, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  const makeEligible = async (overrides: Json = {}) => created(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody(overrides));
  const activate = async (overrides: Json = {}) => created(ASSIGNMENT_REQUESTS, await pimuser(), activationBody(overrides));
  const list = async (url: string, token?: string): Promise<Json[]> => {
    const res = await get(emu, url, token ?? (await admin()));
    expect(res.statusCode, res.body).toBe(200);
    return res.json().value;
  };
  const ofPimuser = (collection: string) => `${collection}?$filter=principalId eq '${USERS.pimuser.id}'`;

  /**
   * Changes one rule of a role's policy the way a client does (reference §1.6, §3.4): find the
   * policy through its assignment, then PATCH the rule with its derived @odata.type.
   */
  async function setRule(ruleId: string, type: 'Expiration' | 'Enablement', settings: Json, roleId: string = ROLES.securityReader): Promise<void> {
    const token = await admin();
    const found = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${roleId}'`, token);
    expect(found.statusCode, found.body).toBe(200);
    const policyId = found.json().value[0].policyId as string;
    const [, caller, level] = ruleId.split('_') as [string, string, string];
    const res = await send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${ruleId}`, token, {
      '@odata.type': `#microsoft.graph.unifiedRoleManagementPolicy${type}Rule`,
      id: ruleId,
      ...settings,
      target: { '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller, operations: ['All'], level, inheritableSettings: [], enforcedSettings: [] },
    });
    expect(res.statusCode, res.body).toBe(204);
  }

  /** The directory audit log; a missing route fails the test (it is part of what PIM must do). */
  async function audits(): Promise<Json[]> {
    const res = await get(emu, AUDITS, await admin());
    expect(res.statusCode, res.body).toBe(200);
    return res.json().value;
  }

  describe('adminAssign of an eligibility', () => {
    it('provisions an immediate eligibility at once and answers with Graph’s request shape', async () => {
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({
        action: 'AdminAssign',
        scheduleInfo: { startDateTime: '2026-11-30T08:00:00Z', expiration: { type: 'NoExpiration' } },
      }));
      expect(res.statusCode).toBe(201);
      const r = res.json();
      expect(r['@odata.context']).toMatch(/\/v1\.0\/\$metadata#roleManagement\/directory\/roleEligibilityScheduleRequests\/\$entity$/);
      expect(r.id).toMatch(GUID_RE);
      expect(r).toMatchObject({
        status: 'Provisioned',
        action: 'adminAssign',
        principalId: USERS.pimuser.id,
        roleDefinitionId: ROLES.securityReader,
        directoryScopeId: '/',
        appScopeId: null,
        approvalId: null,
        customData: null,
        isValidationOnly: false,
        justification: 'Security Reader for the SOC rotation',
        createdDateTime: T0,
        completedDateTime: T0,
        targetScheduleId: r.id,
      });
      expect(r.createdBy).toEqual({ application: null, device: null, user: { displayName: null, id: USERS.admin.id } });
      expect(r.ticketInfo).toEqual({ ticketNumber: null, ticketSystem: null });
      // The past start became the provisioning time; the enum came back camelCase (reference §1.4).
      expect(r.scheduleInfo).toEqual({ startDateTime: T0, recurrence: null, expiration: { type: 'noExpiration', endDateTime: null, duration: null } });
    });

    it('answers an AfterDuration expiration as afterDuration, with all three expiration fields', async () => {
      const r = await makeEligible({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'AfterDuration', duration: 'P30D' } } });
      expect(r.scheduleInfo.expiration).toEqual({ type: 'afterDuration', endDateTime: null, duration: 'P30D' });
      const [instance] = await list(ofPimuser(ELIGIBILITY_INSTANCES));
      expect(instance).toMatchObject({ startDateTime: T0, endDateTime: at(30 * DAY) });
    });

    it('makes the principal eligible at once: a schedule whose id is the request id, and an instance with the -1-e id', async () => {
      const r = await makeEligible();
      const schedules = await list(ofPimuser(ELIGIBILITY_SCHEDULES));
      expect(schedules).toHaveLength(1);
      expect(schedules[0]).toMatchObject({ id: r.id, createdUsing: r.id, status: 'Provisioned', memberType: 'Direct', roleDefinitionId: ROLES.securityReader });
      const instances = await list(ofPimuser(ELIGIBILITY_INSTANCES));
      expect(instances).toHaveLength(1);
      expect(instances[0]).toMatchObject({ id: `${PIMUSER_SECURITY_READER}-e`, roleEligibilityScheduleId: r.id, startDateTime: T0, endDateTime: null, memberType: 'Direct' });
    });

    it('grants a future-dated eligibility: Granted, completed at the start, scheduled but not in force until the clock gets there', async () => {
      const start = at(DAY);
      const r = await makeEligible({ scheduleInfo: { startDateTime: start, expiration: { type: 'noExpiration' } } });
      expect(r).toMatchObject({ status: 'Granted', completedDateTime: start, targetScheduleId: r.id });
      expect(r.scheduleInfo.startDateTime).toBe(start);

      const schedules = await list(ofPimuser(ELIGIBILITY_SCHEDULES));
      expect(schedules.map((s) => [s.id, s.status])).toEqual([[r.id, 'Granted']]);
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toEqual([]);

      await moveClock(emu, { advance: 'PT23H59M' });
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toEqual([]);
      await moveClock(emu, { advance: 'PT2M' });
      const instances = await list(ofPimuser(ELIGIBILITY_INSTANCES));
      expect(instances).toHaveLength(1);
      expect(instances[0]).toMatchObject({ roleEligibilityScheduleId: r.id, startDateTime: start });
      expect((await list(ofPimuser(ELIGIBILITY_SCHEDULES)))[0]!.status).toBe('Provisioned');
    });

    it('refuses a second eligibility for the same principal and role with RoleAssignmentExists', async () => {
      await makeEligible();
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody());
      expect(graphError(res)).toMatchObject(EXISTS);
    });

    it('validates without saving anything when isValidationOnly is true', async () => {
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ isValidationOnly: true }));
      expect(res.statusCode).toBe(201);
      const r = res.json();
      expect(r).toMatchObject({ isValidationOnly: true, status: 'Provisioned' });
      expect((await get(emu, `${ELIGIBILITY_REQUESTS}/${r.id}`, await admin())).statusCode).toBe(404);
      expect(await list(ofPimuser(ELIGIBILITY_SCHEDULES))).toEqual([]);
      expect(await list(ofPimuser(ELIGIBILITY_REQUESTS))).toEqual([]);
      // And the real request still goes through afterwards.
      await makeEligible();
    });

    it('still reports policy failures when isValidationOnly is true', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ isValidationOnly: true, justification: undefined }));
      expect(graphError(res)).toMatchObject(policyFailed(['JustificationRule']));
    });
  });

  describe('adminAssign of an active assignment', () => {
    it('requires a justification by default (Enablement_Admin_Assignment)', async () => {
      const body = activeBody();
      delete body.justification;
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), body);
      expect(graphError(res)).toMatchObject(policyFailed(['JustificationRule']));
    });

    it('treats a blank justification as none', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ justification: '   ' }));
      expect(graphError(res)).toMatchObject(policyFailed(['JustificationRule']));
    });

    it('gives a permanent active assignment when the admin forgot to untick "allow permanent active" (the default)', async () => {
      const r = await created(ASSIGNMENT_REQUESTS, await admin(), activeBody());
      expect(r).toMatchObject({ status: 'Provisioned', targetScheduleId: r.id });
      expect(r.scheduleInfo.expiration).toEqual({ type: 'noExpiration', endDateTime: null, duration: null });
      const [schedule] = await list(ofPimuser(ASSIGNMENT_SCHEDULES));
      expect(schedule).toMatchObject({ id: r.id, assignmentType: 'Assigned', memberType: 'Direct', status: 'Provisioned' });
      const [instance] = await list(ofPimuser(ASSIGNMENT_INSTANCES));
      expect(instance).toMatchObject({ id: PIMUSER_SECURITY_READER, assignmentType: 'Assigned', roleAssignmentScheduleId: r.id, roleAssignmentOriginId: PIMUSER_SECURITY_READER, endDateTime: null });
      const assignments = await list(ofPimuser(ROLE_ASSIGNMENTS));
      expect(assignments.map((a) => a.id)).toEqual([PIMUSER_SECURITY_READER]);
    });

    it('refuses a permanent active assignment with ExpirationRule once expiration is required', async () => {
      await setRule('Expiration_Admin_Assignment', 'Expiration', { isExpirationRequired: true, maximumDuration: 'P180D' });
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody());
      expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule']));
    });

    it('refuses an end beyond the maximum duration (P180D) when expiration is required, and accepts one within it', async () => {
      await setRule('Expiration_Admin_Assignment', 'Expiration', { isExpirationRequired: true, maximumDuration: 'P180D' });
      const tooLong = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'P181D' } } }));
      expect(graphError(tooLong)).toMatchObject(policyFailed(['ExpirationRule']));
      const tooLate = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDateTime', endDateTime: at(181 * DAY) } } }));
      expect(graphError(tooLate)).toMatchObject(policyFailed(['ExpirationRule']));
      const r = await created(ASSIGNMENT_REQUESTS, await admin(), activeBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'P180D' } } }));
      expect(r.status).toBe('Provisioned');
    });

    it('requires MFA of the admin once Enablement_Admin_Assignment asks for it, which an app-only token never has', async () => {
      await setRule('Enablement_Admin_Assignment', 'Enablement', { enabledRules: ['Justification', 'MultiFactorAuthentication'] });
      const withoutMfa = await post(ASSIGNMENT_REQUESTS, await tokenFor(emu, USERS.admin.upn, { mfa: false }), activeBody());
      expect(graphError(withoutMfa)).toMatchObject(policyFailed(['MfaRule']));
      const app = await post(ASSIGNMENT_REQUESTS, await appToken(emu), activeBody());
      expect(graphError(app)).toMatchObject(policyFailed(['MfaRule']));
      expect((await created(ASSIGNMENT_REQUESTS, await admin(), activeBody())).status).toBe('Provisioned');
    });

    it('reports every failed rule at once, in alphabetical order', async () => {
      await setRule('Expiration_Admin_Assignment', 'Expiration', { isExpirationRequired: true, maximumDuration: 'P180D' });
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ justification: null }));
      expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule', 'JustificationRule']));
    });
  });

  describe('selfActivate', () => {
    it('fails the EligibilityRule for someone who is not eligible', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
      expect(graphError(res)).toMatchObject(policyFailed(['EligibilityRule']));
    });

    it('fails EligibilityRule and ExpirationRule together for nine hours without an eligibility', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'PT9H' } } }));
      expect(graphError(res)).toMatchObject(policyFailed(['EligibilityRule', 'ExpirationRule']));
    });

    describe('with an eligibility', () => {
      beforeEach(async () => {
        await makeEligible();
      });

      it('fails the MfaRule when the token carries no mfa', async () => {
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(false), activationBody());
        expect(graphError(res)).toMatchObject(policyFailed(['MfaRule']));
      });

      it('fails the JustificationRule without a justification', async () => {
        const body = activationBody();
        delete body.justification;
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), body);
        expect(graphError(res)).toMatchObject(policyFailed(['JustificationRule']));
      });

      it('fails the ExpirationRule for nine hours (the maximum is PT8H)', async () => {
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'PT9H' } } }));
        expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule']));
      });

      it('fails the ExpirationRule for an activation without expiration', async () => {
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'noExpiration' } } }));
        expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule']));
      });

      it('reports ExpirationRule, JustificationRule and MfaRule at once', async () => {
        const body = activationBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'PT9H' } } });
        delete body.justification;
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(false), body);
        expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule', 'JustificationRule', 'MfaRule']));
      });

      it('requires ticket information once Ticketing is enabled, and echoes the ticket', async () => {
        await setRule('Enablement_EndUser_Assignment', 'Enablement', { enabledRules: ['MultiFactorAuthentication', 'Justification', 'Ticketing'] });
        const without = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
        expect(graphError(without)).toMatchObject(policyFailed(['TicketingRule']));
        const r = await activate({ ticketInfo: { ticketNumber: 'INC1', ticketSystem: 'ServiceNow' } });
        expect(r.status).toBe('Provisioned');
        expect(r.ticketInfo).toEqual({ ticketNumber: 'INC1', ticketSystem: 'ServiceNow' });
        const again = (await get(emu, `${ASSIGNMENT_REQUESTS}/${r.id}`, await pimuser())).json();
        expect(again.ticketInfo).toEqual({ ticketNumber: 'INC1', ticketSystem: 'ServiceNow' });
      });

      it('refuses to activate for someone else with 403', async () => {
        const res = await post(ASSIGNMENT_REQUESTS, await tokenFor(emu, USERS.analyst.upn, { mfa: true }), activationBody());
        expect(graphError(res)).toMatchObject(UNAUTHORIZED);
      });

      it('activates: Provisioned, an Activated instance whose id is the role assignment id, listed in roleAssignments while it lasts', async () => {
        const r = await activate();
        expect(r).toMatchObject({
          status: 'Provisioned',
          action: 'selfActivate',
          principalId: USERS.pimuser.id,
          createdDateTime: T0,
          completedDateTime: T0,
          targetScheduleId: r.id,
          justification: 'Investigating INC1',
          createdBy: { application: null, device: null, user: { displayName: null, id: USERS.pimuser.id } },
        });
        expect(r.scheduleInfo).toEqual({ startDateTime: T0, recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'PT8H' } });

        const instances = await list(ofPimuser(ASSIGNMENT_INSTANCES));
        expect(instances).toHaveLength(1);
        expect(instances[0]).toEqual({
          id: PIMUSER_SECURITY_READER,
          principalId: USERS.pimuser.id,
          roleDefinitionId: ROLES.securityReader,
          directoryScopeId: '/',
          appScopeId: null,
          startDateTime: T0,
          endDateTime: at(8 * HOUR),
          memberType: 'Direct',
          assignmentType: 'Activated',
          roleAssignmentOriginId: PIMUSER_SECURITY_READER,
          roleAssignmentScheduleId: r.id,
        });
        const [schedule] = await list(ofPimuser(ASSIGNMENT_SCHEDULES));
        expect(schedule).toMatchObject({ id: r.id, createdUsing: r.id, assignmentType: 'Activated', status: 'Provisioned' });

        const assignments = await list(ofPimuser(ROLE_ASSIGNMENTS));
        expect(assignments).toHaveLength(1);
        expect(assignments[0]).toMatchObject({ id: PIMUSER_SECURITY_READER, principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      });

      it('shows the eligibility schedule it used through $expand=activatedUsing', async () => {
        const eligibility = (await list(ofPimuser(ELIGIBILITY_SCHEDULES)))[0]!;
        const r = await activate();
        const res = await get(emu, `${ASSIGNMENT_REQUESTS}/${r.id}?$expand=activatedUsing`, await pimuser());
        expect(res.statusCode).toBe(200);
        expect(res.json()['@odata.context']).toMatch(/#roleManagement\/directory\/roleAssignmentScheduleRequests\(activatedUsing\(\)\)\/\$entity$/);
        expect(res.json().activatedUsing).toMatchObject({ id: eligibility.id, principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, status: 'Provisioned' });
      });

      it('refuses a second activation while the first lasts with RoleAssignmentExists', async () => {
        await activate();
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody());
        expect(graphError(res)).toMatchObject(EXISTS);
      });

      it('ends by itself after eight hours: the instance and the role assignment disappear, the eligibility stays', async () => {
        const r = await activate();
        await moveClock(emu, { advance: 'PT7H59M' });
        expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toHaveLength(1);
        await moveClock(emu, { advance: 'PT1M' });
        expect(await list(ofPimuser(ASSIGNMENT_INSTANCES))).toEqual([]);
        expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toEqual([]);
        expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toHaveLength(1);

        const log = await audits();
        if (log) {
          const expired = log.filter((a) => a.activityDisplayName === 'Remove member from role (PIM activation expired)');
          expect(expired).toHaveLength(1);
          expect(expired[0]).toMatchObject({ loggedByService: 'PIM', category: 'RoleManagement', operationType: 'Delete' });
          expect(expired[0]!.additionalDetails).toEqual(expect.arrayContaining([
            { key: 'AuditType', value: 'RemoveActivatedRole' },
            { key: 'OriginRoleAssignmentId', value: PIMUSER_SECURITY_READER },
            { key: 'RoleAssignmentRequestId', value: r.id },
          ]));
        }
      });

      it('lasts the policy maximum (PT8H) when the expiration is omitted', async () => {
        const r = await activate({ scheduleInfo: { startDateTime: nowIso() } });
        expect(r.scheduleInfo.expiration).toEqual({ type: 'afterDuration', endDateTime: null, duration: 'PT8H' });
        const [instance] = await list(ofPimuser(ASSIGNMENT_INSTANCES));
        expect(instance!.endDateTime).toBe(at(8 * HOUR));
        const withoutSchedule = activationBody();
        delete withoutSchedule.scheduleInfo;
        await moveClock(emu, { advance: 'PT8H' });
        const again = await created(ASSIGNMENT_REQUESTS, await pimuser(), withoutSchedule);
        expect(again.scheduleInfo).toEqual({ startDateTime: at(8 * HOUR), recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'PT8H' } });
      });

      it('follows a changed activation maximum (PT1H45M): longer fails, omitted lasts exactly that', async () => {
        await setRule('Expiration_EndUser_Assignment', 'Expiration', { isExpirationRequired: true, maximumDuration: 'PT1H45M' });
        const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'PT2H' } } }));
        expect(graphError(res)).toMatchObject(policyFailed(['ExpirationRule']));
        const r = await activate({ scheduleInfo: { startDateTime: nowIso() } });
        expect(r.scheduleInfo.expiration).toEqual({ type: 'afterDuration', endDateTime: null, duration: 'PT1H45M' });
        expect((await list(ofPimuser(ASSIGNMENT_INSTANCES)))[0]!.endDateTime).toBe(at(105 * 60_000));
      });

      it('needs no MFA or justification once the role no longer asks for them', async () => {
        await setRule('Enablement_EndUser_Assignment', 'Enablement', { enabledRules: [] });
        const body = activationBody();
        delete body.justification;
        const r = await created(ASSIGNMENT_REQUESTS, await pimuser(false), body);
        expect(r).toMatchObject({ status: 'Provisioned', justification: null });
      });

      it('activates a future start as Granted, completed at the start', async () => {
        const r = await activate({ scheduleInfo: { startDateTime: at(HOUR), expiration: { type: 'afterDuration', duration: 'PT2H' } } });
        expect(r).toMatchObject({ status: 'Granted', completedDateTime: at(HOUR) });
        expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toEqual([]);
        await moveClock(emu, { advance: 'PT1H' });
        expect((await list(ofPimuser(ASSIGNMENT_INSTANCES)))[0]).toMatchObject({ startDateTime: at(HOUR), endDateTime: at(3 * HOUR) });
      });
    });

    it('never passes the MfaRule with an app-only token, even for the app’s own service principal', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await appToken(emu), activationBody({ principalId: APPS.confidential.id }));
      const e = graphError(res);
      expect(e).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed' });
      expect(JSON.parse(e.message.replace('The following policy rules failed: ', ''))).toContain('MfaRule');
      expect(e.message).toBe('The following policy rules failed: ["EligibilityRule","MfaRule"]');
    });
  });

  describe('selfDeactivate', () => {
    const deactivation = (): Json => ({ action: 'selfDeactivate', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });

    beforeEach(async () => {
      await makeEligible();
    });

    it('refuses within five minutes of activation with ActiveDurationTooShort (Microsoft’s typo included)', async () => {
      await activate();
      await moveClock(emu, { advance: 'PT4M59S' });
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), deactivation());
      expect(graphError(res)).toMatchObject({ status: 400, code: 'ActiveDurationTooShort', message: 'The Active duration is too short. Miniumum Required is 5 minutes.' });
      expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toHaveLength(1);
    });

    it('ends the activation at once after ten minutes: Revoked, and the role is gone', async () => {
      const activation = await activate();
      await moveClock(emu, { advance: 'PT10M' });
      const r = await created(ASSIGNMENT_REQUESTS, await pimuser(), deactivation());
      expect(r).toMatchObject({ status: 'Revoked', action: 'selfDeactivate', principalId: USERS.pimuser.id, createdDateTime: at(10 * 60_000) });
      expect(r.id).not.toBe(activation.id);
      expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toEqual([]);
      expect(await list(ofPimuser(ASSIGNMENT_INSTANCES))).toEqual([]);
      expect(await list(ofPimuser(ASSIGNMENT_SCHEDULES))).toEqual([]);
      // Still eligible, and free to activate again.
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toHaveLength(1);
      expect((await activate()).status).toBe('Provisioned');
    });

    it('answers RoleAssignmentDoesNotExist when nothing is active', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), deactivation());
      expect(graphError(res)).toMatchObject(DOES_NOT_EXIST);
    });
  });

  describe('admin changes to existing assignments', () => {
    const removal = (overrides: Json = {}): Json => ({ action: 'adminRemove', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', ...overrides });

    it('adminUpdate changes the end of an eligibility', async () => {
      await makeEligible();
      const r = await created(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({
        action: 'adminUpdate',
        scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDateTime', endDateTime: at(60 * DAY) } },
      }));
      expect(r).toMatchObject({ status: 'Provisioned', action: 'adminUpdate', targetScheduleId: r.id });
      expect(r.scheduleInfo.expiration).toEqual({ type: 'afterDateTime', endDateTime: at(60 * DAY), duration: null });
      const schedules = await list(ofPimuser(ELIGIBILITY_SCHEDULES));
      expect(schedules).toHaveLength(1);
      expect(schedules[0]!.scheduleInfo.expiration).toEqual({ type: 'afterDateTime', endDateTime: at(60 * DAY), duration: null });
      const instances = await list(ofPimuser(ELIGIBILITY_INSTANCES));
      expect(instances.map((i) => i.endDateTime)).toEqual([at(60 * DAY)]);
    });

    it('adminUpdate of nothing answers RoleAssignmentDoesNotExist', async () => {
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ action: 'adminUpdate' }));
      expect(graphError(res)).toMatchObject(DOES_NOT_EXIST);
    });

    it('adminRemove of an eligibility answers Revoked with completedDateTime, targetScheduleId and scheduleInfo null', async () => {
      await makeEligible();
      const r = await created(ELIGIBILITY_REQUESTS, await admin(), removal());
      expect(r).toMatchObject({ status: 'Revoked', action: 'adminRemove', completedDateTime: null, targetScheduleId: null, scheduleInfo: null, createdDateTime: T0 });
      expect(await list(ofPimuser(ELIGIBILITY_SCHEDULES))).toEqual([]);
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toEqual([]);
    });

    it('adminRemove of an active assignment answers Revoked and the role assignment goes', async () => {
      await created(ASSIGNMENT_REQUESTS, await admin(), activeBody());
      expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toHaveLength(1);
      const r = await created(ASSIGNMENT_REQUESTS, await admin(), removal());
      expect(r).toMatchObject({ status: 'Revoked', completedDateTime: null, targetScheduleId: null, scheduleInfo: null });
      expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toEqual([]);
      expect(await list(ofPimuser(ASSIGNMENT_SCHEDULES))).toEqual([]);
    });

    it('adminRemove of something that does not exist answers RoleAssignmentDoesNotExist', async () => {
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await admin(), removal()))).toMatchObject(DOES_NOT_EXIST);
      expect(graphError(await post(ASSIGNMENT_REQUESTS, await admin(), removal()))).toMatchObject(DOES_NOT_EXIST);
    });

    it('adminRemove takes away a seeded direct Global Administrator assignment', async () => {
      const approver = await tokenFor(emu, USERS.approver.upn, { mfa: true });
      const before = await list(`${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, approver);
      expect(before.map((a) => a.id)).toEqual([ADMIN_GLOBAL_ADMIN]);
      const r = await created(ASSIGNMENT_REQUESTS, approver, removal({ principalId: USERS.admin.id, roleDefinitionId: ROLES.globalAdministrator }));
      expect(r).toMatchObject({ status: 'Revoked', principalId: USERS.admin.id, createdBy: { user: { id: USERS.approver.id } } });
      expect(await list(`${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, approver)).toEqual([]);
      // Without a role the former admin can no longer administer PIM.
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody());
      expect(graphError(res)).toMatchObject(UNAUTHORIZED);
    });

    it('adminExtend gives an expiring eligibility a later end, without approval', async () => {
      await makeEligible({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDateTime', endDateTime: at(10 * DAY) } } });
      const r = await created(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({
        action: 'adminExtend',
        scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDateTime', endDateTime: at(90 * DAY) } },
      }));
      expect(r).toMatchObject({ status: 'Provisioned', action: 'adminExtend' });
      const instances = await list(ofPimuser(ELIGIBILITY_INSTANCES));
      expect(instances.map((i) => i.endDateTime)).toEqual([at(90 * DAY)]);
      await moveClock(emu, { advance: 'P11D' });
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toHaveLength(1);
    });

    it('adminRenew makes an expired eligibility current again', async () => {
      await makeEligible({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'P1D' } } });
      await moveClock(emu, { advance: 'P2D' });
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toEqual([]);
      const r = await created(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({
        action: 'adminRenew',
        scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'P30D' } },
      }));
      expect(r).toMatchObject({ status: 'Provisioned', action: 'adminRenew', targetScheduleId: r.id });
      const instances = await list(ofPimuser(ELIGIBILITY_INSTANCES));
      expect(instances).toHaveLength(1);
      expect(instances[0]).toMatchObject({ roleEligibilityScheduleId: r.id, startDateTime: at(2 * DAY), endDateTime: at(32 * DAY) });
    });

    it('adminRenew of an eligibility that is still current answers RoleAssignmentExists', async () => {
      await makeEligible({ scheduleInfo: { startDateTime: nowIso(), expiration: { type: 'afterDuration', duration: 'P1D' } } });
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ action: 'adminRenew' }));
      expect(graphError(res)).toMatchObject(EXISTS);
    });
  });

  describe('actions and bodies the emulator refuses', () => {
    it('refuses selfExtend of an activation: only assigned (not activated) assignments are extended', async () => {
      await makeEligible();
      await activate();
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ action: 'selfExtend' }));
      expect(graphError(res)).toMatchObject({ status: 400, code: 'RoleAssignmentDoesNotExist', message: 'The Role assignment does not exist.' });
    });

    it('refuses selfRenew when nothing expired within the last 30 days', async () => {
      await makeEligible();
      await activate();
      const res = await post(ASSIGNMENT_REQUESTS, await pimuser(), activationBody({ action: 'selfRenew' }));
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'InvalidRoleAssignmentRequest',
        message: 'The role assignment request is invalid. selfRenew is possible only for an assignment that expired within the last 30 days.',
      });
    });

    it("answers an unknown action with .NET's enum message", async () => {
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ action: 'foo' }));
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: "Requested value 'foo' was not found." });
    });

    const malformed: Array<[string, Json]> = [
      ['a start without an offset', { startDateTime: '2026-12-01T09:00:00', expiration: { type: 'noExpiration' } }],
      ['a duration that is not ISO 8601', { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'eight hours' } }],
      ['an end before the start', { startDateTime: T0, expiration: { type: 'afterDateTime', endDateTime: at(-HOUR) } }],
      ['a recurrence', { startDateTime: T0, recurrence: { pattern: { type: 'daily', interval: 1 } }, expiration: { type: 'noExpiration' } }],
    ];
    it.each(malformed)('answers InvalidRoleAssignmentRequest for %s', async (_what, scheduleInfo) => {
      const res = await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ scheduleInfo }));
      expect(graphError(res)).toMatchObject(INVALID);
      expect(await list(ofPimuser(ELIGIBILITY_SCHEDULES))).toEqual([]);
    });

    it('answers InvalidRoleAssignmentRequest for an unknown principal or role', async () => {
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ principalId: NOBODY })))).toMatchObject(INVALID);
      expect(graphError(await post(ELIGIBILITY_REQUESTS, await admin(), eligibilityBody({ roleDefinitionId: NOBODY })))).toMatchObject(INVALID);
    });

    it('answers an unknown body property with a 400 naming it and the type', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ foo: 1 }));
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: "The property 'foo' does not exist on type 'microsoft.graph.unifiedRoleAssignmentScheduleRequest'. Make sure to only use property names that are defined by the type or mark the type as open type.",
      });
    });
  });

  describe('cancel', () => {
    it('cancels a future-dated eligibility request: 204, then Canceled and no schedule', async () => {
      const r = await makeEligible({ scheduleInfo: { startDateTime: at(DAY), expiration: { type: 'noExpiration' } } });
      const res = await send(emu, 'POST', `${ELIGIBILITY_REQUESTS}/${r.id}/cancel`, await admin());
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const after = (await get(emu, `${ELIGIBILITY_REQUESTS}/${r.id}`, await admin())).json();
      expect(after.status).toBe('Canceled');
      expect(await list(ofPimuser(ELIGIBILITY_SCHEDULES))).toEqual([]);
      await moveClock(emu, { advance: 'P2D' });
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toEqual([]);
    });

    it('lets the requester cancel its own future-dated activation', async () => {
      await makeEligible();
      const r = await activate({ scheduleInfo: { startDateTime: at(HOUR), expiration: { type: 'afterDuration', duration: 'PT1H' } } });
      expect(r.status).toBe('Granted');
      expect((await send(emu, 'POST', `${ASSIGNMENT_REQUESTS}/${r.id}/cancel`, await pimuser())).statusCode).toBe(204);
      expect((await get(emu, `${ASSIGNMENT_REQUESTS}/${r.id}`, await pimuser())).json().status).toBe('Canceled');
      await moveClock(emu, { advance: 'PT1H30M' });
      expect(await list(ofPimuser(ROLE_ASSIGNMENTS))).toEqual([]);
    });

    it("does not let the principal cancel an admin's assignment request made for it", async () => {
      const r = await makeEligible({ scheduleInfo: { startDateTime: at(DAY), expiration: { type: 'noExpiration' } } });
      const res = await send(emu, 'POST', `${ELIGIBILITY_REQUESTS}/${r.id}/cancel`, await pimuser());
      expect(graphError(res)).toMatchObject(UNAUTHORIZED);
      expect((await get(emu, `${ELIGIBILITY_REQUESTS}/${r.id}`, await admin())).json().status).toBe('Granted');
    });

    it("does not let another user cancel someone's future-dated activation", async () => {
      await makeEligible();
      const r = await activate({ scheduleInfo: { startDateTime: at(HOUR), expiration: { type: 'afterDuration', duration: 'PT1H' } } });
      const res = await send(emu, 'POST', `${ASSIGNMENT_REQUESTS}/${r.id}/cancel`, await tokenFor(emu, USERS.analyst.upn, { mfa: true }));
      expect(graphError(res)).toMatchObject(UNAUTHORIZED);
      expect((await get(emu, `${ASSIGNMENT_REQUESTS}/${r.id}`, await pimuser())).json().status).toBe('Granted');
    });

    it('lets an admin cancel anyone’s future-dated request', async () => {
      await makeEligible();
      const r = await activate({ scheduleInfo: { startDateTime: at(HOUR), expiration: { type: 'afterDuration', duration: 'PT1H' } } });
      expect((await send(emu, 'POST', `${ASSIGNMENT_REQUESTS}/${r.id}/cancel`, await admin())).statusCode).toBe(204);
    });

    it('answers 404 for cancelling a request that does not exist', async () => {
      const res = await send(emu, 'POST', `${ELIGIBILITY_REQUESTS}/${NOBODY}/cancel`, await admin());
      expect(res.statusCode).toBe(404);
    });

    it('refuses to cancel a Provisioned request with 400', async () => {
      const r = await makeEligible();
      const res = await send(emu, 'POST', `${ELIGIBILITY_REQUESTS}/${r.id}/cancel`, await admin());
      expect(res.statusCode).toBe(400);
      expect(graphError(res).code).toBe('BadRequest');
      expect((await get(emu, `${ELIGIBILITY_REQUESTS}/${r.id}`, await admin())).json().status).toBe('Provisioned');
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toHaveLength(1);
    });
  });

  describe('authorization', () => {
    it('refuses an admin action from a user without an admin role', async () => {
      const res = await post(ELIGIBILITY_REQUESTS, await pimuser(), eligibilityBody());
      expect(graphError(res)).toMatchObject(UNAUTHORIZED);
    });

    it('refuses a token without a PIM write scope with UnknownError wrapping PermissionScopeNotGranted', async () => {
      const token = await tokenFor(emu, USERS.admin.upn, { mfa: true, scopes: ['User.Read'] });
      const res = await post(ELIGIBILITY_REQUESTS, token, eligibilityBody());
      const e = graphError(res);
      expect(e).toMatchObject({ status: 403, code: 'UnknownError' });
      const inner = JSON.parse(e.message);
      expect(inner).toEqual({
        errorCode: 'PermissionScopeNotGranted',
        message: 'Authorization failed due to missing permission scope RoleEligibilitySchedule.ReadWrite.Directory,RoleManagement.ReadWrite.Directory.',
        instanceAnnotations: [],
      });
    });

    it('needs a ReadWrite scope to list eligibility requests although the documentation lists read scopes (reference §11.1)', async () => {
      const token = await tokenFor(emu, USERS.admin.upn, { scopes: ['RoleManagement.Read.Directory'] });
      const res = await get(emu, ELIGIBILITY_REQUESTS, token);
      const e = graphError(res);
      expect(e).toMatchObject({ status: 403, code: 'UnknownError' });
      expect(JSON.parse(e.message)).toMatchObject({ errorCode: 'PermissionScopeNotGranted', message: 'Authorization failed due to missing permission scope RoleEligibilitySchedule.ReadWrite.Directory,RoleManagement.ReadWrite.Directory.' });
      // The same token reads the eligibility schedules.
      expect((await get(emu, ELIGIBILITY_SCHEDULES, token)).statusCode).toBe(200);
    });

    it('lets an app with RoleManagement.ReadWrite.Directory adminAssign', async () => {
      const r = await created(ELIGIBILITY_REQUESTS, await appToken(emu), eligibilityBody());
      expect(r.status).toBe('Provisioned');
      expect(r.createdBy.user).toBeNull();
      expect(await list(ofPimuser(ELIGIBILITY_INSTANCES))).toHaveLength(1);
    });

    it("lets anyone read their own requests with filterByCurrentUser(on='principal'), each item typed", async () => {
      const r = await makeEligible();
      const token = await pimuser();
      expect(graphError(await get(emu, ELIGIBILITY_REQUESTS, token))).toMatchObject(UNAUTHORIZED);
      const res = await get(emu, `${ELIGIBILITY_REQUESTS}/filterByCurrentUser(on='principal')`, token);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body['@odata.context']).toMatch(/\/\$metadata#Collection\(unifiedRoleEligibilityScheduleRequest\)$/);
      expect(body.value).toHaveLength(1);
      expect(body.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.unifiedRoleEligibilityScheduleRequest', id: r.id, principalId: USERS.pimuser.id });

      const activation = await activate();
      const mine = (await get(emu, `${ASSIGNMENT_REQUESTS}/filterByCurrentUser(on='principal')`, token)).json();
      expect(mine['@odata.context']).toMatch(/\/\$metadata#Collection\(unifiedRoleAssignmentScheduleRequest\)$/);
      expect(mine.value.map((x: Json) => [x['@odata.type'], x.id])).toEqual([['#microsoft.graph.unifiedRoleAssignmentScheduleRequest', activation.id]]);
      // Someone else's list stays empty.
      const analyst = (await get(emu, `${ASSIGNMENT_REQUESTS}/filterByCurrentUser(on='principal')`, await tokenFor(emu, USERS.analyst.upn))).json();
      expect(analyst.value).toEqual([]);
    });

    it("answers filterByCurrentUser(on='approver') with an empty typed collection", async () => {
      const res = await get(emu, `${ASSIGNMENT_REQUESTS}/filterByCurrentUser(on='approver')?$filter=status eq 'PendingApproval'`, await tokenFor(emu, USERS.approver.upn));
      expect(res.statusCode).toBe(200);
      expect(res.json()['@odata.context']).toMatch(/#Collection\(unifiedRoleAssignmentScheduleRequest\)$/);
      expect(res.json().value).toEqual([]);
    });

    it("refuses filterByCurrentUser(on='createdBy') with 400", async () => {
      const res = await get(emu, `${ASSIGNMENT_REQUESTS}/filterByCurrentUser(on='createdBy')`, await admin());
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest' });
    });
  });

  describe('OData on the request collections', () => {
    let provisioned: Json;
    let granted: Json;
    beforeEach(async () => {
      provisioned = await makeEligible();
      granted = await makeEligible({ principalId: USERS.analyst.id, scheduleInfo: { startDateTime: at(DAY), expiration: { type: 'noExpiration' } } });
    });

    it('filters on status case-insensitively', async () => {
      expect((await list(`${ELIGIBILITY_REQUESTS}?$filter=status eq 'provisioned'`)).map((r) => r.id)).toEqual([provisioned.id]);
      expect((await list(`${ELIGIBILITY_REQUESTS}?$filter=status eq 'Granted'`)).map((r) => r.id)).toEqual([granted.id]);
    });

    it('filters on principalId', async () => {
      expect((await list(`${ELIGIBILITY_REQUESTS}?$filter=principalId eq '${USERS.analyst.id}'`)).map((r) => r.id)).toEqual([granted.id]);
    });

    it('refuses `or` with Request_UnsupportedQuery', async () => {
      const res = await get(emu, `${ELIGIBILITY_REQUESTS}?$filter=principalId eq '${USERS.analyst.id}' or principalId eq '${USERS.pimuser.id}'`, await admin());
      expect(graphError(res)).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery', message: 'Or operator not supported for this entity set.' });
    });

    it('expands principal and roleDefinition', async () => {
      const res = await get(emu, `${ELIGIBILITY_REQUESTS}?$filter=principalId eq '${USERS.pimuser.id}'&$expand=principal,roleDefinition`, await admin());
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body['@odata.context']).toMatch(/#roleManagement\/directory\/roleEligibilityScheduleRequests\(principal\(\),roleDefinition\(\)\)$/);
      expect(body.value[0].principal).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: USERS.pimuser.id, userPrincipalName: USERS.pimuser.upn });
      expect(body.value[0].roleDefinition).toMatchObject({ id: ROLES.securityReader, displayName: 'Security Reader' });
    });

    it('selects properties and says so in @odata.context', async () => {
      const res = await get(emu, `${ELIGIBILITY_REQUESTS}?$select=id,status`, await admin());
      const body = res.json();
      expect(body['@odata.context']).toMatch(/#roleManagement\/directory\/roleEligibilityScheduleRequests\(id,status\)$/);
      expect(body.value.map((r: Json) => Object.keys(r))).toEqual([['id', 'status'], ['id', 'status']]);
    });

    it('pages with $top and @odata.nextLink', async () => {
      const first = (await get(emu, `${ELIGIBILITY_REQUESTS}?$top=1`, await admin())).json();
      expect(first.value).toHaveLength(1);
      expect(first['@odata.nextLink']).toMatch(/^https?:\/\/[^/]+\/v1\.0\/roleManagement\/directory\/roleEligibilityScheduleRequests\?/);
      const second = (await get(emu, pathOf(first['@odata.nextLink']), await admin())).json();
      expect(second.value).toHaveLength(1);
      expect(second['@odata.nextLink']).toBeUndefined();
      expect([first.value[0].id, second.value[0].id].sort()).toEqual([provisioned.id, granted.id].sort());
    });
  });

  describe('direct (non-PIM) assignments seen through PIM', () => {
    it('lists a permanent direct assignment as an Assigned schedule and as an instance without dates', async () => {
      const [schedule] = await list(`${ASSIGNMENT_SCHEDULES}?$filter=principalId eq '${USERS.admin.id}'`);
      expect(schedule).toMatchObject({
        id: ADMIN_GLOBAL_ADMIN,
        assignmentType: 'Assigned',
        memberType: 'Direct',
        status: 'Provisioned',
        roleDefinitionId: ROLES.globalAdministrator,
      });
      expect(schedule!.scheduleInfo.expiration).toEqual({ type: 'noExpiration', endDateTime: null, duration: null });
      const instances = await list(`${ASSIGNMENT_INSTANCES}?$filter=principalId eq '${USERS.admin.id}'`);
      expect(instances).toHaveLength(1);
      expect(instances[0]).toMatchObject({ assignmentType: 'Assigned', memberType: 'Direct', startDateTime: null, endDateTime: null });
      expect(instances[0]!.id).toBe(ADMIN_GLOBAL_ADMIN);
      expect(instances[0]!.roleAssignmentOriginId).toBe(ADMIN_GLOBAL_ADMIN);
      expect(instances[0]!.roleAssignmentScheduleId).toBe(ADMIN_GLOBAL_ADMIN);
    });

    it('refuses to adminAssign what is already directly assigned', async () => {
      const res = await post(ASSIGNMENT_REQUESTS, await admin(), activeBody({ principalId: USERS.admin.id, roleDefinitionId: ROLES.globalAdministrator }));
      expect(graphError(res)).toMatchObject(EXISTS);
    });
  });

  describe('audit log', () => {
    it('records a permanent eligibility as requested and completed (permanent)', async () => {
      const r = await makeEligible();
      const log = await audits();
      const mine = log.filter((a) => a.additionalDetails.some((d: Json) => d.key === 'RequestId' && d.value === r.id));
      const names = mine.map((a) => a.activityDisplayName);
      expect(names).toContain('Add eligible member to role in PIM requested (permanent)');
      expect(names).toContain('Add eligible member to role in PIM completed (permanent)');
      for (const a of mine) expect(a).toMatchObject({ category: 'RoleManagement', loggedByService: 'PIM', result: 'success', initiatedBy: { user: { id: USERS.admin.id } } });
    });

    it('records an activation twice: by PIM, and by Core Directory initiated by MS-PIM, with the justification', async () => {
      await makeEligible();
      const r = await activate();
      const log = await audits();
      const requested = log.find((a) => a.activityDisplayName === 'Add member to role requested (PIM activation)');
      const completed = log.find((a) => a.activityDisplayName === 'Add member to role completed (PIM activation)');
      expect(requested).toMatchObject({ loggedByService: 'PIM', category: 'RoleManagement', initiatedBy: { user: { id: USERS.pimuser.id } } });
      expect(completed).toMatchObject({ loggedByService: 'PIM', category: 'RoleManagement' });
      for (const a of [requested!, completed!]) {
        expect(a.additionalDetails).toEqual(expect.arrayContaining([{ key: 'Justification', value: 'Investigating INC1' }, { key: 'RequestId', value: r.id }]));
      }
      const core = log.find((a) => a.activityDisplayName === 'Add member to role' && a.loggedByService === 'Core Directory');
      expect(core).toMatchObject({ operationType: 'Assign', initiatedBy: { app: { displayName: 'MS-PIM', appId: '01fc33a7-78ba-4d2f-a4b7-768e336e890e' }, user: null } });
      expect(core!.targetResources[0]).toMatchObject({ id: USERS.pimuser.id, userPrincipalName: USERS.pimuser.upn });
      expect(core!.targetResources[0].modifiedProperties).toContainEqual({ displayName: 'Role.TemplateId', oldValue: null, newValue: JSON.stringify(ROLES.securityReader) });
    });
  });
});
