import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import type { Emulator } from '../../src/emulator.js';
import { PASSWORD, ROLES, testEmulator, USERS } from '../support/emulator.js';

/**
 * The article's five phases (shared/reference/pim-walkthrough-article.txt), end to end over real
 * HTTPS sockets trusting the emulator's CA, using only the token endpoint, Graph, the MFA code
 * (what the user's authenticator would show) and the clock.
 */
const AZ_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const SECURITY_READER = ROLES.securityReader;

describe('configuring and activating Security Reader with PIM, phase by phase', () => {
  let emu: Emulator;
  let base: string;
  let http: string;
  let dispatcher: Agent;

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      dispatcher,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const signIn = async (upn: string, mfa: boolean) => {
    const form: Record<string, string> = { grant_type: 'password', client_id: AZ_CLI, username: upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default' };
    if (mfa) form.mfa_code = (await (await fetch(`${http}/_emulator/tenants/contoso/users/${upn}/mfa-code`)).json()).code;
    const res = await fetch(`${base}/contoso/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form), dispatcher });
    expect(res.status).toBe(200);
    return (await res.json()).access_token as string;
  };
  const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString());
  const graph = '/v1.0/roleManagement/directory';
  const activation = (justification: string | undefined, duration: string) => ({
    action: 'selfActivate', principalId: USERS.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
    ...(justification ? { justification } : {}),
    scheduleInfo: { startDateTime: new Date(emu.clock.nowMs()).toISOString(), expiration: { type: 'AfterDuration', duration } },
  });

  /** Long-polls the captured inbox for the newest mail to `to` whose subject contains `subject`. */
  const waitForMail = async (to: string, subject: string) => {
    const res = await fetch(`${http}/_emulator/mail/latest?to=${encodeURIComponent(to)}&subject=${encodeURIComponent(subject)}&wait=10s`);
    expect(res.status).toBe(200);
    return res.json() as Promise<{ subject: string; text: string; from: { name: string; address: string }; to: Array<{ address: string }> }>;
  };

  beforeAll(async () => {
    emu = await testEmulator();
    const urls = await emu.listen();
    base = urls.https!;
    http = urls.http!;
    dispatcher = new Agent({ connect: { ca: emu.ctx.tls.caCertPem } });
  });
  afterAll(async () => {
    await dispatcher.close();
    await emu.close();
  });

  it('phase 1: pimuser has no roles', async () => {
    const token = await signIn(USERS.pimuser.upn, false);
    for (const segment of ['roleEligibilityScheduleInstances', 'roleAssignmentScheduleInstances', 'roleEligibilitySchedules', 'roleAssignmentSchedules']) {
      const res = await call('GET', `${graph}/${segment}/filterByCurrentUser(on='principal')`, token);
      expect(res.status).toBe(200);
      expect(res.json.value).toEqual([]);
    }
    const ra = await call('GET', `${graph}/roleAssignments?$filter=principalId eq '${USERS.pimuser.id}'`, token);
    expect(ra.json.value).toEqual([]);
  });

  let policyId: string;
  it('phase 2: the admin sets Security Reader to 8 h, MFA and justification, permanent eligible allowed, permanent active not', async () => {
    const admin = await signIn(USERS.admin.upn, true);
    const assignments = await call('GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${SECURITY_READER}'`, admin);
    expect(assignments.status).toBe(200);
    expect(assignments.json.value).toHaveLength(1);
    policyId = assignments.json.value[0].policyId;
    const patch = (ruleId: string, body: Record<string, unknown>) => call('PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${ruleId}`, admin, { id: ruleId, ...body });
    const target = (caller: string, level: string) => ({ '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller, operations: ['All'], level, inheritableSettings: [], enforcedSettings: [] });
    expect((await patch('Expiration_EndUser_Assignment', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'PT8H', target: target('EndUser', 'Assignment') })).status).toBe(204);
    expect((await patch('Enablement_EndUser_Assignment', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification'], target: target('EndUser', 'Assignment') })).status).toBe(204);
    expect((await patch('Expiration_Admin_Eligibility', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', isExpirationRequired: false, maximumDuration: 'P365D', target: target('Admin', 'Eligibility') })).status).toBe(204);
    expect((await patch('Expiration_Admin_Assignment', { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'P180D', target: target('Admin', 'Assignment') })).status).toBe(204);
    const rules = await call('GET', `/v1.0/policies/roleManagementPolicies/${policyId}/rules`, admin);
    const byId = Object.fromEntries(rules.json.value.map((r: { id: string }) => [r.id, r]));
    expect(byId.Expiration_EndUser_Assignment).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });
    expect(byId.Enablement_EndUser_Assignment.enabledRules).toEqual(['MultiFactorAuthentication', 'Justification']);
    expect(byId.Expiration_Admin_Eligibility.isExpirationRequired).toBe(false);
    expect(byId.Expiration_Admin_Assignment.isExpirationRequired).toBe(true);
  });

  it('phase 3: the admin makes pimuser permanently eligible', async () => {
    const admin = await signIn(USERS.admin.upn, true);
    const res = await call('POST', `${graph}/roleEligibilityScheduleRequests`, admin, {
      action: 'AdminAssign', justification: 'Phase 3 of the workshop', principalId: USERS.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
      scheduleInfo: { startDateTime: new Date(emu.clock.nowMs()).toISOString(), expiration: { type: 'NoExpiration' } },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ action: 'adminAssign', status: 'Provisioned', principalId: USERS.pimuser.id, roleDefinitionId: SECURITY_READER });
    expect(res.json.targetScheduleId).toBe(res.json.id);
    expect(res.json.scheduleInfo.expiration).toEqual({ type: 'noExpiration', endDateTime: null, duration: null });
    // "The first auto-email arrives in the Global Admin inbox" — through real SMTP into the capture inbox.
    const mail = await waitForMail(USERS.admin.upn, 'permanently eligible');
    expect(mail.subject).toBe('PIM: PIM User was made permanently eligible for the Security Reader role');
    expect(mail.from).toMatchObject({ name: 'Microsoft Security', address: 'MSSecurity-noreply@microsoft.com' });
    expect(mail.text).toContain(res.json.id);
  });

  it('phase 4: pimuser sees the eligibility, fails without MFA, reason or within 8 h, then activates', async () => {
    const plain = await signIn(USERS.pimuser.upn, false);
    const eligible = await call('GET', `${graph}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, plain);
    expect(eligible.json.value).toHaveLength(1);
    expect(eligible.json.value[0]).toMatchObject({ roleDefinitionId: SECURITY_READER, endDateTime: null });
    expect(eligible.json.value[0].id).toMatch(/-1-e$/);

    const rulesFailed = (res: { status: number; json: { error: { code: string; message: string } } }) => {
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('RoleAssignmentRequestPolicyValidationFailed');
      return res.json.error.message;
    };
    const strong = await signIn(USERS.pimuser.upn, true);
    expect(rulesFailed(await call('POST', `${graph}/roleAssignmentScheduleRequests`, plain, activation('Reviewing sign-in logs', 'PT8H')))).toBe('The following policy rules failed: ["MfaRule"]');
    expect(rulesFailed(await call('POST', `${graph}/roleAssignmentScheduleRequests`, strong, activation(undefined, 'PT8H')))).toBe('The following policy rules failed: ["JustificationRule"]');
    expect(rulesFailed(await call('POST', `${graph}/roleAssignmentScheduleRequests`, strong, activation('Reviewing sign-in logs', 'PT9H')))).toBe('The following policy rules failed: ["ExpirationRule"]');
    expect(rulesFailed(await call('POST', `${graph}/roleAssignmentScheduleRequests`, plain, activation(undefined, 'PT9H')))).toBe('The following policy rules failed: ["ExpirationRule","JustificationRule","MfaRule"]');

    const ok = await call('POST', `${graph}/roleAssignmentScheduleRequests`, strong, activation('Reviewing sign-in logs for compliance audit, ticket #INC1234', 'PT8H'));
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ action: 'selfActivate', status: 'Provisioned', justification: 'Reviewing sign-in logs for compliance audit, ticket #INC1234' });
    // "Second auto-email arrives in the Global Admin inbox: user has actively elevated."
    const alert = await waitForMail(USERS.admin.upn, 'activated');
    expect(alert.subject).toBe('PIM: PIM User has the Security Reader role activated');
    expect(alert.text).toContain('Reviewing sign-in logs for compliance audit, ticket #INC1234');

    const fresh = await signIn(USERS.pimuser.upn, true);
    expect(claims(fresh).wids).toContain(SECURITY_READER);
    const ra = await call('GET', `${graph}/roleAssignments?$filter=principalId eq '${USERS.pimuser.id}'`, fresh);
    expect(ra.json.value.map((a: { roleDefinitionId: string }) => a.roleDefinitionId)).toEqual([SECURITY_READER]);
    const active = await call('GET', `${graph}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, fresh);
    expect(active.json.value).toHaveLength(1);
    expect(active.json.value[0]).toMatchObject({ assignmentType: 'Activated', memberType: 'Direct', roleAssignmentScheduleId: ok.json.id });
    expect(active.json.value[0].roleAssignmentOriginId).toBe(ra.json.value[0].id);
    // Security Reader is a PIM reader role: the list of every eligibility now answers for pimuser.
    expect((await call('GET', `${graph}/roleEligibilitySchedules`, fresh)).status).toBe(200);
  });

  it('phase 4, eight hours later: the activation is gone, the eligibility remains', async () => {
    const before = await signIn(USERS.pimuser.upn, true);
    expect((await call('GET', `${graph}/roleEligibilitySchedules`, before)).status).toBe(200);
    await fetch(`${http}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT8H' }) });
    const token = await signIn(USERS.pimuser.upn, true);
    expect(claims(token).wids).not.toContain(SECURITY_READER);
    expect((await call('GET', `${graph}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, token)).json.value).toEqual([]);
    expect((await call('GET', `${graph}/roleAssignments?$filter=principalId eq '${USERS.pimuser.id}'`, token)).json.value).toEqual([]);
    expect((await call('GET', `${graph}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`, token)).json.value).toHaveLength(1);
    // The reader role expired with the activation: the same list is refused now.
    expect((await call('GET', `${graph}/roleEligibilitySchedules`, token)).status).toBe(403);
  });

  it('phase 5: the admin updates the assignment to active with an end date, then removes it; pimuser has no roles again', async () => {
    const admin = await signIn(USERS.admin.upn, true);
    const now = emu.clock.nowMs();
    const removeEligibility = await call('POST', `${graph}/roleEligibilityScheduleRequests`, admin, {
      action: 'adminRemove', principalId: USERS.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
    });
    expect(removeEligibility.status).toBe(201);
    expect(removeEligibility.json).toMatchObject({ status: 'Revoked', completedDateTime: null, targetScheduleId: null, scheduleInfo: null });
    const active = await call('POST', `${graph}/roleAssignmentScheduleRequests`, admin, {
      action: 'adminAssign', justification: 'Project work, active for 30 days', principalId: USERS.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
      scheduleInfo: { startDateTime: new Date(now).toISOString(), expiration: { type: 'AfterDateTime', endDateTime: new Date(now + 30 * 86400e3).toISOString() } },
    });
    expect(active.status).toBe(201);
    const pim = await signIn(USERS.pimuser.upn, true);
    const held = await call('GET', `${graph}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, pim);
    expect(held.json.value).toHaveLength(1);
    expect(held.json.value[0]).toMatchObject({ assignmentType: 'Assigned', endDateTime: new Date(now + 30 * 86400e3).toISOString().replace('.000Z', 'Z') });

    const remove = await call('POST', `${graph}/roleAssignmentScheduleRequests`, admin, {
      action: 'adminRemove', principalId: USERS.pimuser.id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
    });
    expect(remove.status).toBe(201);
    expect(remove.json.status).toBe('Revoked');
    const after = await signIn(USERS.pimuser.upn, false);
    for (const segment of ['roleEligibilityScheduleInstances', 'roleAssignmentScheduleInstances']) {
      expect((await call('GET', `${graph}/${segment}/filterByCurrentUser(on='principal')`, after)).json.value).toEqual([]);
    }
    expect(claims(after).wids).toEqual(['b79fbf4d-3ef9-4689-8143-76b194e85509']);
  });
});
