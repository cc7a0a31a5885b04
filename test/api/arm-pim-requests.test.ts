import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, PASSWORD, USERS, testEmulator } from '../support/emulator.js';
import { bearer, moveClock, tokenRequest } from '../support/api.js';

/**
 * PIM for Azure resources (arm-pim-reference §1–§3): schedule requests PUT with the client's GUID,
 * decided by the PIM engine over the Azure role kind; schedules and instances with ARM's filters
 * and inheritance down the scope tree; ARM's errors; role management policies with ARM's defaults
 * and PATCH. Each test builds its own emulator.
 */
const SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const RG_SCOPE = `${SUB_SCOPE}/resourceGroups/rg-workshop`;
const AUTH = '/providers/Microsoft.Authorization';
const V = 'api-version=2020-10-01';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const roleId = (guid: string) => `${SUB_SCOPE}${AUTH}/roleDefinitions/${guid}`;
const q = (filter: string) => `${V}&$filter=${encodeURIComponent(filter)}`;

describe('PIM for Azure resources: requests, schedules, instances, policies', () => {
  let emu: Emulator;
  let admin: string;
  let user: string;
  let n = 0;
  const guid = () => `0000aaaa-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;

  const signIn = async (upn: string) => {
    const res = await tokenRequest(emu, 'contoso', { grant_type: 'password', client_id: APPS.azureCli.appId, username: upn, password: PASSWORD, scope: 'https://management.azure.com/.default' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };
  const arm = (method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, token = admin, payload?: unknown) =>
    emu.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  const request = (kind: 'Eligibility' | 'Assignment', scope: string, name: string, properties: Record<string, unknown>, token = admin) =>
    arm('PUT', `${scope}${AUTH}/role${kind}ScheduleRequests/${name}?${V}`, token, { properties });
  const eligible = (scope: string, name: string, extra: Record<string, unknown> = {}) =>
    request('Eligibility', scope, name, {
      principalId: USERS.pimuser.id, roleDefinitionId: roleId(CONTRIBUTOR), requestType: 'AdminAssign', justification: 'on call',
      scheduleInfo: { startDateTime: null, expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P30D' } }, ...extra,
    });
  const advance = async (by: string) => {
    await moveClock(emu, { advance: by });
    admin = await signIn(USERS.admin.upn);
    user = await signIn(USERS.pimuser.upn);
  };

  beforeEach(async () => {
    await emu?.close();
    emu = await testEmulator();
    admin = await signIn(USERS.admin.upn);
    user = await signIn(USERS.pimuser.upn);
  });
  afterAll(async () => emu.close());

  it('creates an eligibility with PUT and the client\'s GUID: 201, PascalCase enums, full ids, expandedProperties', async () => {
    const name = '64caffb6-55c0-4deb-a585-68e948ea1ad6';
    const res = await eligible(SUB_SCOPE, name);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      properties: {
        targetRoleEligibilityScheduleId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        targetRoleEligibilityScheduleInstanceId: null,
        scope: SUB_SCOPE,
        roleDefinitionId: roleId(CONTRIBUTOR),
        principalId: USERS.pimuser.id,
        principalType: 'User',
        requestType: 'AdminAssign',
        status: 'Provisioned',
        approvalId: null,
        scheduleInfo: { startDateTime: expect.any(String), expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P30D' } },
        ticketInfo: { ticketNumber: null, ticketSystem: null },
        justification: 'on call',
        requestorId: USERS.admin.id,
        createdOn: expect.any(String),
        condition: null,
        conditionVersion: null,
        expandedProperties: {
          principal: { id: USERS.pimuser.id, displayName: expect.any(String), email: expect.any(String), type: 'User' },
          roleDefinition: { id: roleId(CONTRIBUTOR), displayName: 'Contributor', type: 'BuiltInRole' },
          scope: { id: SUB_SCOPE, displayName: 'Contoso Pay-As-You-Go', type: 'subscription' },
        },
      },
      name,
      id: `${SUB_SCOPE}${AUTH}/RoleEligibilityScheduleRequests/${name}`,
      type: 'Microsoft.Authorization/RoleEligibilityScheduleRequests',
    });
    // The schedule has a GUID of its own (§2.2).
    expect(body.properties.targetRoleEligibilityScheduleId).not.toBe(name);
    const again = await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/${name.toUpperCase()}?${V}`);
    expect(again.json()).toEqual(body);
  });

  it('finds the schedule as Terraform does, Direct at its scope and Inherited below it', async () => {
    const created = (await eligible(SUB_SCOPE, guid())).json();
    const at = await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${q(`(principalId eq '${USERS.pimuser.id}') and atScope()`)}`);
    expect(at.statusCode).toBe(200);
    expect(at.json().value).toHaveLength(1);
    const schedule = at.json().value[0];
    expect(schedule).toMatchObject({
      name: created.properties.targetRoleEligibilityScheduleId,
      id: `${SUB_SCOPE}${AUTH}/RoleEligibilitySchedules/${created.properties.targetRoleEligibilityScheduleId}`,
      type: 'Microsoft.Authorization/RoleEligibilitySchedules',
      properties: { scope: SUB_SCOPE, roleDefinitionId: roleId(CONTRIBUTOR), principalId: USERS.pimuser.id, memberType: 'Direct', status: 'Provisioned', roleEligibilityScheduleRequestId: created.id, endDateTime: expect.any(String) },
    });
    // The request is read back through the id the schedule carries (AzRM).
    expect((await arm('GET', `${schedule.properties.roleEligibilityScheduleRequestId}?${V}`)).json().name).toBe(created.name);
    const below = await arm('GET', `${RG_SCOPE}${AUTH}/roleEligibilitySchedules?${q(`(principalId eq '${USERS.pimuser.id}') and atScope()`)}`);
    expect(below.json().value.map((s: any) => [s.properties.scope, s.properties.memberType])).toEqual([[SUB_SCOPE, 'Inherited']]);
    const instances = await arm('GET', `${RG_SCOPE}${AUTH}/roleEligibilityScheduleInstances?${q(`assignedTo('${USERS.pimuser.id}')`)}`);
    expect(instances.json().value).toEqual([expect.objectContaining({ type: 'Microsoft.Authorization/RoleEligibilityScheduleInstances', properties: expect.objectContaining({ memberType: 'Inherited', roleEligibilityScheduleId: schedule.id }) })]);
    // Nothing at another resource group's sibling scope is listed from the subscription with atScope().
    await eligible(RG_SCOPE, guid(), { roleDefinitionId: roleId(READER) });
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${q('atScope()')}`)).json().value).toHaveLength(1);
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${V}`)).json().value).toHaveLength(2);
  });

  it('answers ARM\'s errors: a reused request name, a second assignment, a policy rule, a removal too soon and one of nothing', async () => {
    const name = guid();
    expect((await eligible(SUB_SCOPE, name)).statusCode).toBe(201);
    const reused = await eligible(SUB_SCOPE, name);
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toEqual({ error: { code: 'RoleAssignmentRequestExists', message: `A role assignment request with Id: ${name} already exists` } });
    const twice = await eligible(SUB_SCOPE, guid());
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual({ error: { code: 'RoleAssignmentExists', message: 'The Role assignment already exists.' } });
    const permanent = await eligible(RG_SCOPE, guid(), { scheduleInfo: { expiration: { type: 'NoExpiration' } } });
    expect(permanent.statusCode).toBe(400);
    expect(permanent.json()).toEqual({ error: { code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule"]' } });
    const remove = () => request('Eligibility', SUB_SCOPE, guid(), { principalId: USERS.pimuser.id, roleDefinitionId: roleId(CONTRIBUTOR), requestType: 'AdminRemove', justification: 'Removed by Terraform' });
    const soon = await remove();
    expect(soon.statusCode).toBe(400);
    expect(soon.json()).toEqual({ error: { code: 'ActiveDurationTooShort', message: 'The Active duration is too short. Miniumum Required is 5 minutes.' } });
    await advance('PT5M');
    const removed = await remove();
    expect(removed.statusCode, removed.body).toBe(201);
    expect(removed.json().properties).toMatchObject({ requestType: 'AdminRemove', status: 'Revoked', scheduleInfo: null });
    const gone = await remove();
    expect(gone.statusCode).toBe(400);
    expect(gone.json()).toEqual({ error: { code: 'RoleAssignmentDoesNotExist', message: 'The Role assignment does not exist.' } });
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${q(`principalId eq '${USERS.pimuser.id}'`)}`)).json().value).toEqual([]);
  });

  it('activates an eligibility: every failed rule at once, then a live assignment and role assignment that end on the tenant\'s clock', async () => {
    const elig = (await eligible(SUB_SCOPE, guid())).json();
    const activate = (props: Record<string, unknown>, token = user) => request('Assignment', SUB_SCOPE, guid(), {
      principalId: USERS.pimuser.id, roleDefinitionId: roleId(CONTRIBUTOR), requestType: 'SelfActivate',
      linkedRoleEligibilityScheduleId: elig.properties.targetRoleEligibilityScheduleId, ...props,
    }, token);
    const failed = await activate({ scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT9H' } } });
    expect(failed.statusCode).toBe(400);
    expect(failed.json()).toEqual({ error: { code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule","JustificationRule"]' } });
    const forOther = await request('Assignment', SUB_SCOPE, guid(), { principalId: USERS.analyst.id, roleDefinitionId: roleId(CONTRIBUTOR), requestType: 'SelfActivate', justification: 'x' }, user);
    expect(forOther.statusCode).toBe(403);
    expect(forOther.json().error.code).toBe('AuthorizationFailed');

    const ok = await activate({ justification: 'deploy hotfix', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT1H' } } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().properties).toMatchObject({
      requestType: 'SelfActivate', status: 'Provisioned', requestorId: USERS.pimuser.id, linkedRoleEligibilityScheduleId: elig.properties.targetRoleEligibilityScheduleId,
      targetRoleAssignmentScheduleId: expect.stringMatching(/^[0-9a-f-]{36}$/), scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT1H', endDateTime: null } },
    });
    const mine = await arm('GET', `${RG_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${q('asTarget()')}`, user);
    expect(mine.json().value).toEqual([expect.objectContaining({
      properties: expect.objectContaining({
        scope: SUB_SCOPE, assignmentType: 'Activated', memberType: 'Inherited', status: 'Provisioned',
        linkedRoleEligibilityScheduleId: `${SUB_SCOPE}${AUTH}/RoleEligibilitySchedules/${elig.properties.targetRoleEligibilityScheduleId}`,
      }),
    })]);
    const holders = async () => (await arm('GET', `${RG_SCOPE}${AUTH}/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${USERS.pimuser.id}'`)}`)).json().value;
    expect(await holders()).toEqual([expect.objectContaining({ properties: expect.objectContaining({ roleDefinitionId: roleId(CONTRIBUTOR), scope: SUB_SCOPE }) })]);
    await advance('PT61M');
    expect((await arm('GET', `${RG_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${q('asTarget()')}`, user)).json().value).toEqual([]);
    expect(await holders()).toEqual([]);
  });

  it('activates at a narrower scope than the eligibility (reduced scope), never at a wider or unrelated one', async () => {
    const elig = (await eligible(SUB_SCOPE, guid())).json();
    const linked = elig.properties.targetRoleEligibilityScheduleId;
    const activate = (scope: string, props: Record<string, unknown> = {}) => request('Assignment', scope, guid(), {
      principalId: USERS.pimuser.id, roleDefinitionId: roleId(CONTRIBUTOR), requestType: 'SelfActivate', justification: 'fix the web app',
      scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT1H' } }, ...props,
    }, user);
    const notEligible = { error: { code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["EligibilityRule"]' } };

    // A linked id that is not the caller's eligibility entitles nothing.
    const wrongLink = await activate(RG_SCOPE, { linkedRoleEligibilityScheduleId: '00000000-0000-4000-8000-000000000000' });
    expect(wrongLink.statusCode).toBe(400);
    expect(wrongLink.json()).toEqual(notEligible);

    const ok = await activate(RG_SCOPE, { linkedRoleEligibilityScheduleId: `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules/${linked}` });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().properties).toMatchObject({ scope: RG_SCOPE, status: 'Provisioned', linkedRoleEligibilityScheduleId: linked, roleDefinitionId: roleId(CONTRIBUTOR) });
    // The active assignment is at the resource group: Direct there, not seen at the subscription with atScope().
    const atRg = (await arm('GET', `${RG_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${q('asTarget()')}`, user)).json().value;
    expect(atRg).toEqual([expect.objectContaining({ properties: expect.objectContaining({
      scope: RG_SCOPE, memberType: 'Direct', assignmentType: 'Activated',
      linkedRoleEligibilityScheduleId: `${SUB_SCOPE}${AUTH}/RoleEligibilitySchedules/${linked}`,
    }) })]);
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${q('atScope() and asTarget()')}`, user)).json().value).toEqual([]);
    const holders = (await arm('GET', `${RG_SCOPE}${AUTH}/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${USERS.pimuser.id}'`)}`)).json().value;
    expect(holders).toEqual([expect.objectContaining({ properties: expect.objectContaining({ roleDefinitionId: roleId(CONTRIBUTOR), scope: RG_SCOPE }) })]);

    // Without a link the nearest eligibility is used; an eligibility at the resource group does not reach up to the subscription.
    await advance('PT2H');
    const unlinked = await activate(RG_SCOPE);
    expect(unlinked.statusCode, unlinked.body).toBe(201);
    expect(unlinked.json().properties.linkedRoleEligibilityScheduleId).toBe(linked);
    const rgOnly = (await request('Eligibility', RG_SCOPE, guid(), {
      principalId: USERS.analyst.id, roleDefinitionId: roleId(READER), requestType: 'AdminAssign',
      scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P30D' } },
    })).json();
    expect(rgOnly.properties.status).toBe('Provisioned');
    const analyst = await signIn(USERS.analyst.upn);
    const wider = await request('Assignment', SUB_SCOPE, guid(), {
      principalId: USERS.analyst.id, roleDefinitionId: roleId(READER), requestType: 'SelfActivate', justification: 'read everything',
      scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT1H' } },
    }, analyst);
    expect(wider.statusCode).toBe(400);
    expect(wider.json()).toEqual(notEligible);
  });

  it('reports every failed activation rule at once under a policy that asks for MFA, and activates with an MFA token', async () => {
    const elig = (await eligible(SUB_SCOPE, guid())).json();
    const policy = (await arm('GET', `${SUB_SCOPE}${AUTH}/roleManagementPolicies?${q(`roleDefinitionId eq '${roleId(CONTRIBUTOR)}'`)}`)).json().value[0];
    const patched = await arm('PATCH', `${policy.id}?${V}`, admin, { properties: { rules: [
      { id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification', 'Ticketing'] },
    ] } });
    expect(patched.statusCode, patched.body).toBe(200);
    const activate = (token: string, props: Record<string, unknown>) => request('Assignment', SUB_SCOPE, guid(), {
      principalId: USERS.pimuser.id, roleDefinitionId: roleId(CONTRIBUTOR), requestType: 'SelfActivate', linkedRoleEligibilityScheduleId: elig.properties.targetRoleEligibilityScheduleId,
      scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT2H' } }, ...props,
    }, token);
    const failed = await activate(user, {});
    expect(failed.statusCode).toBe(400);
    expect(failed.json()).toEqual({ error: { code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["JustificationRule","MfaRule","TicketingRule"]' } });
    const minted = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: USERS.pimuser.upn, mfa: true, resource: 'https://management.azure.com' } });
    expect(minted.statusCode, minted.body).toBe(200);
    const ok = await activate(minted.json().access_token, { justification: 'INC-7', ticketInfo: { ticketNumber: 'INC-7', ticketSystem: 'ServiceNow' } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().properties).toMatchObject({ status: 'Provisioned', ticketInfo: { ticketNumber: 'INC-7', ticketSystem: 'ServiceNow' }, justification: 'INC-7' });
  });

  it('cancels a request still waiting for its start; validate decides without storing', async () => {
    const start = new Date(emu.ctx.time.nowMs(emu.store.tenant('6d272baa-e81f-4496-8d0a-a21fbc9a1817')!) + 86_400_000).toISOString();
    const name = guid();
    const later = await eligible(SUB_SCOPE, name, { scheduleInfo: { startDateTime: start, expiration: { type: 'AfterDuration', duration: 'P30D' } } });
    expect(later.json().properties.status).toBe('Granted');
    const canceled = await arm('POST', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/${name}/cancel?${V}`);
    expect(canceled.statusCode).toBe(200);
    expect(canceled.body).toBe('');
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/${name}?${V}`)).json().properties.status).toBe('Canceled');
    const validated = await arm('POST', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/${guid()}/validate?${V}`, admin, { properties: { principalId: USERS.pimuser.id, roleDefinitionId: roleId(READER), requestType: 'AdminAssign', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P1D' } } } });
    expect(validated.statusCode, validated.body).toBe(200);
    expect(validated.json().properties.status).toBe('Provisioned');
    expect((await arm('GET', `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules?${V}`)).json().value).toEqual([]);
  });

  it('has one policy per role per scope with ARM\'s defaults; a PATCH renames it and changes what requests may do', async () => {
    const list = await arm('GET', `${RG_SCOPE}${AUTH}/roleManagementPolicies?${q(`roleDefinitionId eq '${roleId(CONTRIBUTOR)}'`)}`);
    expect(list.statusCode).toBe(200);
    expect(list.json().value).toHaveLength(1);
    const policy = list.json().value[0];
    expect(policy).toMatchObject({
      id: `${RG_SCOPE}${AUTH}/roleManagementPolicies/${policy.name}`, type: 'Microsoft.Authorization/RoleManagementPolicies',
      properties: { scope: RG_SCOPE, displayName: null, description: null, isOrganizationDefault: false, lastModifiedBy: null, policyProperties: { scope: { id: RG_SCOPE, displayName: 'rg-workshop', type: 'resourcegroup' } } },
    });
    expect(policy.properties.rules).toHaveLength(17);
    expect(policy.properties.rules[0]).toEqual({
      isExpirationRequired: true, maximumDuration: 'P365D', id: 'Expiration_Admin_Eligibility', ruleType: 'RoleManagementPolicyExpirationRule',
      target: { caller: 'Admin', operations: ['All'], level: 'Eligibility', targetObjects: null, inheritableSettings: null, enforcedSettings: null },
    });
    expect(policy.properties.rules.find((r: any) => r.id === 'Enablement_EndUser_Assignment').enabledRules).toEqual(['Justification']);
    expect(policy.properties.rules.find((r: any) => r.id === 'Expiration_EndUser_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'PT8H' });

    const assignments = await arm('GET', `${RG_SCOPE}${AUTH}/roleManagementPolicyAssignments?${q(`roleDefinitionId eq '${roleId(CONTRIBUTOR)}'`)}`);
    expect(assignments.json().value.map((a: any) => [a.name, a.properties.policyId])).toEqual([[`${policy.name}_${CONTRIBUTOR}`, policy.id]]);

    const bad = await arm('PATCH', `${policy.id}?${V}`, admin, { properties: { rules: [
      { id: 'Expiration_Admin_Eligibility', ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'forever' },
      { id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['Justification', 'Telepathy'] },
      { id: 'No_Such_Rule', ruleType: 'RoleManagementPolicyExpirationRule' },
    ] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'InvalidRoleManagementPolicyRule', message: "The role management policy rules are invalid: Rule 'Expiration_Admin_Eligibility': maximumDuration 'forever' is not a positive ISO 8601 duration. Rule 'Enablement_EndUser_Assignment': enabledRules [\"Telepathy\"] not allowed; allowed: [\"Justification\",\"MultiFactorAuthentication\",\"Ticketing\"]. Rule 'No_Such_Rule' is not a rule of this policy." } });

    const patched = await arm('PATCH', `${policy.id}?${V}`, admin, { properties: { rules: [{ id: 'Expiration_Admin_Eligibility', ruleType: 'RoleManagementPolicyExpirationRule', isExpirationRequired: false, maximumDuration: 'P365D', target: policy.properties.rules[0].target }] } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().name).not.toBe(policy.name);
    expect(patched.json().properties.rules[0].isExpirationRequired).toBe(false);
    expect(patched.json().properties.lastModifiedBy).toMatchObject({ id: USERS.admin.id, type: 'User' });
    expect((await arm('GET', `${policy.id}?${V}`)).statusCode).toBe(404);
    expect((await arm('GET', `${RG_SCOPE}${AUTH}/roleManagementPolicies?${q(`roleDefinitionId eq '${roleId(CONTRIBUTOR)}'`)}`)).json().value.map((p: any) => p.name)).toEqual([patched.json().name]);
    // Permanent eligibility is now allowed at the resource group, and still not at the subscription.
    expect((await eligible(RG_SCOPE, guid(), { scheduleInfo: { expiration: { type: 'NoExpiration' } } })).statusCode).toBe(201);
    expect((await eligible(SUB_SCOPE, guid(), { scheduleInfo: { expiration: { type: 'NoExpiration' } } })).statusCode).toBe(400);
    const refused = await arm('PATCH', `${patched.json().id}?${V}`, user, { properties: { rules: [] } });
    expect(refused.statusCode).toBe(403);
  });
});
