import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, USERS, appToken, claimsOf, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { GUID_RE, get, moveClock, send } from '../support/api.js';

/**
 * PIM for Groups on Graph v1.0 (shared/reference/pim-groups-reference.md): the groups of the seed,
 * their members and owners (direct, and made by PIM while an active assignment lasts), and the
 * schedule requests, schedules and instances under identityGovernance/privilegedAccess/group.
 */
const BASE = 'http://localhost:80/v1.0/$metadata#';
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const SECOPS = 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40';
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const FALCON = '5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e';
const T0 = '2026-12-01T09:00:00Z';
const GROUP_APP_ROLES = ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup', 'Directory.Read.All'];
const FILTER_REQUIRED = (segment: string) =>
  `The required parameters GroupId or PrincipalId is missing. ${segment} needs a $filter on groupId or principalId, for example $filter=groupId eq '{groupId}'.`;

describe('PIM for Groups', () => {
  let emu: Emulator;
  let admin: string;
  let pimuser: string;
  /** An admin token that may change group membership (the default scopes do not include it). */
  let groupWriter: string;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
    // No MFA: a Group policy does not ask for it on activation (reference §4).
    pimuser = await tokenFor(emu, USERS.pimuser.upn);
    groupWriter = await tokenFor(emu, USERS.admin.upn, { scopes: ['GroupMember.ReadWrite.All', 'Directory.Read.All'] });
  });
  afterEach(async () => {
    await emu.close();
  });

  const ids = async (url: string, token = admin): Promise<string[]> => {
    const res = await get(emu, url, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().value.map((o: { id: string }) => o.id);
  };
  const members = (group: string) => ids(`/v1.0/groups/${group}/members`);
  const owners = (group: string) => ids(`/v1.0/groups/${group}/owners`);
  const post = (segment: string, body: Record<string, unknown>, token = admin) => send(emu, 'POST', `${G}/${segment}`, token, body);
  const eligible = (extra: Record<string, unknown> = {}) => post('eligibilityScheduleRequests', {
    accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', justification: 'On call',
    scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } }, ...extra,
  });

  describe('groups in the directory', () => {
    it('lists security and Microsoft 365 groups, role-assignable and not', async () => {
      const res = await get(emu, '/v1.0/groups', admin);
      expect(res.json().value).toEqual(expect.arrayContaining([
        expect.objectContaining({ id: SECOPS, isAssignableToRole: true, securityEnabled: true, mailEnabled: false, groupTypes: [] }),
        expect.objectContaining({ id: CLOUD, displayName: 'Cloud Engineers', isAssignableToRole: false, securityEnabled: true, mailEnabled: false, groupTypes: [] }),
        expect.objectContaining({ id: FALCON, displayName: 'Project Falcon', isAssignableToRole: false, securityEnabled: false, mailEnabled: true, groupTypes: ['Unified'], mail: 'falcon@contoso.onmicrosoft.com' }),
      ]));
      expect((await get(emu, `/v1.0/groups/${FALCON}`, admin)).json()).toMatchObject({ '@odata.context': `${BASE}groups/$entity`, id: FALCON, mailNickname: 'falcon' });
    });

    it('takes $select on members and owners, naming properties of any member type', async () => {
      const res = await get(emu, `/v1.0/groups/${CLOUD}/owners?$select=id,userPrincipalName`, admin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        '@odata.context': `${BASE}directoryObjects(id,userPrincipalName)`,
        value: [{ '@odata.type': '#microsoft.graph.user', id: USERS.admin.id, userPrincipalName: USERS.admin.upn }],
      });
      const members = await get(emu, `/v1.0/groups/${CLOUD}/members?$select=displayName,securityEnabled`, admin);
      expect(members.statusCode, members.body).toBe(200);
      expect(members.json()['@odata.context']).toBe(`${BASE}directoryObjects(displayName,securityEnabled)`);
      // A user member has no securityEnabled: the item leaves it out.
      expect(members.json().value).toEqual(expect.arrayContaining([{ '@odata.type': '#microsoft.graph.user', displayName: expect.any(String) }]));
      expect(graphError(await get(emu, `/v1.0/groups/${CLOUD}/members?$select=shoeSize`, admin))).toMatchObject({ status: 400 });
    });

    it('lists owners as directory objects', async () => {
      const res = await get(emu, `/v1.0/groups/${CLOUD}/owners`, admin);
      expect(res.json()).toEqual({
        '@odata.context': `${BASE}directoryObjects`,
        value: [expect.objectContaining({ '@odata.type': '#microsoft.graph.user', id: USERS.admin.id, userPrincipalName: USERS.admin.upn })],
      });
    });

    it('adds and removes a direct member with $ref, with the directory errors for a duplicate or a missing member', async () => {
      const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${USERS.pimuser.id}` };
      const added = await send(emu, 'POST', `/v1.0/groups/${CLOUD}/members/$ref`, groupWriter, ref);
      expect(added.statusCode, added.body).toBe(204);
      expect(await members(CLOUD)).toEqual([USERS.approver.id, USERS.pimuser.id]);

      expect(graphError(await send(emu, 'POST', `/v1.0/groups/${CLOUD}/members/$ref`, groupWriter, ref))).toMatchObject({
        status: 400, code: 'Request_BadRequest', message: "One or more added object references already exist for the following modified properties: 'members'.",
      });
      const nobody = '00000000-0000-0000-0000-00000000beef';
      expect(graphError(await send(emu, 'POST', `/v1.0/groups/${CLOUD}/members/$ref`, groupWriter, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${nobody}` }))).toMatchObject({
        status: 404, code: 'Request_ResourceNotFound', message: `Resource '${nobody}' does not exist or one of its queried reference-property objects are not present.`,
      });
      expect(graphError(await send(emu, 'POST', `/v1.0/groups/${CLOUD}/members/$ref`, groupWriter, { '@odata.id': 'not-an-id' }))).toMatchObject({
        status: 400, code: 'Request_BadRequest', message: "Invalid object identifier 'not-an-id'.",
      });

      expect((await send(emu, 'DELETE', `/v1.0/groups/${CLOUD}/members/${USERS.pimuser.id}/$ref`, groupWriter)).statusCode).toBe(204);
      expect(await members(CLOUD)).toEqual([USERS.approver.id]);
      expect(graphError(await send(emu, 'DELETE', `/v1.0/groups/${CLOUD}/members/${USERS.pimuser.id}/$ref`, groupWriter))).toMatchObject({
        status: 404, code: 'Request_ResourceNotFound', message: `Resource '${USERS.pimuser.id}' does not exist or one of its queried reference-property objects are not present.`,
      });
    });

    it('lets only group writers change membership: 403 Authorization_RequestDenied for a plain user', async () => {
      const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${USERS.analyst.id}` };
      const token = await tokenFor(emu, USERS.pimuser.upn, { scopes: ['GroupMember.ReadWrite.All'] });
      expect(graphError(await send(emu, 'POST', `/v1.0/groups/${CLOUD}/members/$ref`, token, ref))).toMatchObject({
        status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.',
      });
    });
  });

  describe('eligibility and activation of membership', () => {
    it('answers adminAssign with 201 and the composite targetScheduleId {groupId}_member_{requestId}; an eligible member is no member', async () => {
      const res = await eligible();
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body.id).toMatch(GUID_RE);
      expect(body).toEqual({
        '@odata.context': `${BASE}identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/$entity`,
        id: body.id,
        status: 'Provisioned',
        completedDateTime: T0,
        createdDateTime: T0,
        approvalId: null,
        customData: null,
        createdBy: { application: null, device: null, user: { displayName: null, id: USERS.admin.id } },
        action: 'adminAssign',
        isValidationOnly: false,
        justification: 'On call',
        scheduleInfo: { startDateTime: T0, recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'P30D' } },
        ticketInfo: { ticketNumber: null, ticketSystem: null },
        accessId: 'member',
        principalId: USERS.pimuser.id,
        groupId: CLOUD,
        targetScheduleId: `${CLOUD}_member_${body.id}`,
      });
      expect(res.headers.location).toBe(`http://localhost:80/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/${body.id}`);
      expect(await members(CLOUD)).not.toContain(USERS.pimuser.id);
    });

    it('takes enum values in any case, as the docs send them (AdminAssign, AfterDateTime)', async () => {
      const res = await eligible({ action: 'AdminAssign', scheduleInfo: { startDateTime: T0, expiration: { type: 'AfterDateTime', endDateTime: '2027-01-01T00:00:00Z' } } });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ action: 'adminAssign', scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: '2027-01-01T00:00:00Z', duration: null } } });
    });

    it('refuses a permanent eligibility by the Group default policy (expiry required): ["ExpirationRule"]', async () => {
      const res = await eligible({ scheduleInfo: { startDateTime: T0, expiration: { type: 'noExpiration' } } });
      expect(graphError(res)).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule"]' });
      // P365D is the most an eligibility may last.
      const tooLong = await eligible({ scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P366D' } } });
      expect(graphError(tooLong)).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule"]' });
    });

    it('activates with a justification and no MFA; the member appears at once and is gone when the activation ends', async () => {
      const e = (await eligible()).json();
      const activate = (extra: Record<string, unknown> = {}) => post('assignmentScheduleRequests', {
        accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'selfActivate',
        scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT2H' } }, ...extra,
      }, pimuser);

      expect(graphError(await activate())).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["JustificationRule"]' });
      // Everything that fails is reported at once: no justification, and longer than PT8H.
      expect(graphError(await activate({ scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT9H' } } }))).toMatchObject({
        status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule","JustificationRule"]',
      });

      const res = await activate({ justification: 'Deploying the hotfix' });
      expect(res.statusCode, res.body).toBe(201);
      const a = res.json();
      expect(a).toMatchObject({ '@odata.context': `${BASE}identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity`, action: 'selfActivate', status: 'Provisioned', accessId: 'member', groupId: CLOUD, targetScheduleId: `${CLOUD}_member_${a.id}` });
      expect(await members(CLOUD)).toEqual([USERS.approver.id, USERS.pimuser.id]);
      // A second activation while one lasts.
      expect(graphError(await activate({ justification: 'again' }))).toMatchObject({ status: 400, code: 'RoleAssignmentExists', message: 'The Role assignment already exists.' });

      const instances = (await get(emu, `${G}/assignmentScheduleInstances?$filter=groupId eq '${CLOUD}'`, admin)).json();
      expect(instances['@odata.context']).toBe(`${BASE}identityGovernance/privilegedAccess/group/assignmentScheduleInstances`);
      const activated = instances.value.find((i: { principalId: string }) => i.principalId === USERS.pimuser.id);
      expect(activated).toEqual({
        id: expect.stringMatching(new RegExp(`^${CLOUD}_member_[0-9a-f-]{36}$`)),
        accessId: 'member', groupId: CLOUD, principalId: USERS.pimuser.id, memberType: 'direct',
        startDateTime: T0, endDateTime: '2026-12-01T11:00:00Z', assignmentScheduleId: a.targetScheduleId, assignmentType: 'activated',
      });
      // The instance has an id of its own; a direct membership's instance id is its schedule id, without start or end (reference §2.3).
      expect(activated.id).not.toBe(a.targetScheduleId);
      const direct = instances.value.find((i: { principalId: string }) => i.principalId === USERS.approver.id);
      expect(direct).toMatchObject({ assignmentType: 'assigned', startDateTime: null, endDateTime: null, id: direct.assignmentScheduleId });

      // The eligibility instance names its schedule.
      const eis = (await get(emu, `${G}/eligibilityScheduleInstances?$filter=principalId eq '${USERS.pimuser.id}'`, admin)).json().value;
      expect(eis).toEqual([expect.objectContaining({ eligibilityScheduleId: e.targetScheduleId, accessId: 'member', groupId: CLOUD })]);

      await moveClock(emu, { advance: 'PT2H' });
      admin = await tokenFor(emu, USERS.admin.upn); // the first one has expired by now
      expect(await members(CLOUD)).toEqual([USERS.approver.id]);
      expect((await get(emu, `${G}/assignmentSchedules/${a.targetScheduleId}`, admin)).statusCode).toBe(404);
    });

    it('ends an activation on selfDeactivate (after five minutes)', async () => {
      await eligible();
      const body = { accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, justification: 'x' };
      await post('assignmentScheduleRequests', { ...body, action: 'selfActivate', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } } }, pimuser);
      expect(graphError(await post('assignmentScheduleRequests', { ...body, action: 'selfDeactivate' }, pimuser))).toMatchObject({
        status: 400, code: 'ActiveDurationTooShort', message: 'The Active duration is too short. Miniumum Required is 5 minutes.',
      });
      await moveClock(emu, { advance: 'PT10M' });
      const res = await post('assignmentScheduleRequests', { ...body, action: 'selfDeactivate' }, pimuser);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ action: 'selfDeactivate', status: 'Revoked' });
      expect(await members(CLOUD)).toEqual([USERS.approver.id]);
    });

    it('cannot activate without an eligibility: ["EligibilityRule"]', async () => {
      const res = await post('assignmentScheduleRequests', {
        accessId: 'owner', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'selfActivate', justification: 'x',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
      }, pimuser);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["EligibilityRule"]' });
    });
  });

  describe('active assignments by an admin', () => {
    const assign = (extra: Record<string, unknown> = {}) => post('assignmentScheduleRequests', {
      accessId: 'owner', principalId: USERS.pimuser.id, groupId: FALCON, action: 'adminAssign', justification: 'Project lead',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P90D' } }, ...extra,
    });

    it('makes an owner at once, and ends it by adminRemove (no scheduleInfo) — 201 Revoked', async () => {
      const res = await assign();
      expect(res.statusCode, res.body).toBe(201);
      expect(await owners(FALCON)).toEqual([USERS.admin.id, USERS.pimuser.id]);
      expect(await members(FALCON)).not.toContain(USERS.pimuser.id);

      const removed = await post('assignmentScheduleRequests', { accessId: 'owner', principalId: USERS.pimuser.id, groupId: FALCON, action: 'adminRemove' });
      expect(removed.statusCode, removed.body).toBe(201);
      expect(removed.json()).toMatchObject({ action: 'adminRemove', status: 'Revoked', targetScheduleId: null, scheduleInfo: null });
      expect(await owners(FALCON)).toEqual([USERS.admin.id]);
    });

    it('asks an admin for a justification and an end: ["ExpirationRule","JustificationRule"] at once', async () => {
      const res = await assign({ justification: null, scheduleInfo: { startDateTime: T0, expiration: { type: 'noExpiration' } } });
      expect(graphError(res)).toMatchObject({ status: 400, code: 'RoleAssignmentRequestPolicyValidationFailed', message: 'The following policy rules failed: ["ExpirationRule","JustificationRule"]' });
    });

    it('answers RoleAssignmentExists for a principal that is already a direct member', async () => {
      const res = await assign({ accessId: 'member', principalId: USERS.helpdesk.id });
      expect(graphError(res)).toMatchObject({ status: 400, code: 'RoleAssignmentExists', message: 'The Role assignment already exists.' });
    });

    it('removes a PIM-made owner through DELETE …/owners/{id}/$ref: the assignment ends', async () => {
      const a = (await assign()).json();
      expect((await send(emu, 'DELETE', `/v1.0/groups/${FALCON}/owners/${USERS.pimuser.id}/$ref`, groupWriter)).statusCode).toBe(204);
      expect(await owners(FALCON)).toEqual([USERS.admin.id]);
      expect((await get(emu, `${G}/assignmentSchedules/${a.targetScheduleId}`, admin)).statusCode).toBe(404);
    });

    it('cancels a future assignment (Granted) with 204; the request reads back Canceled', async () => {
      const a = (await assign({ scheduleInfo: { startDateTime: '2026-12-05T09:00:00Z', expiration: { type: 'afterDuration', duration: 'P10D' } } })).json();
      expect(a.status).toBe('Granted');
      const res = await send(emu, 'POST', `${G}/assignmentScheduleRequests/${a.id}/cancel`, admin);
      expect(res.statusCode, res.body).toBe(204);
      expect((await get(emu, `${G}/assignmentScheduleRequests/${a.id}`, admin)).json()).toMatchObject({ id: a.id, status: 'Canceled' });
      expect(graphError(await send(emu, 'POST', `${G}/assignmentScheduleRequests/${a.id}/cancel`, admin))).toMatchObject({
        status: 400, code: 'BadRequest', message: "The request cannot be canceled because its status is 'Canceled'. Only requests with status Granted, PendingApproval or PendingApprovalProvisioning can be canceled.",
      });
      expect(graphError(await send(emu, 'POST', `${G}/assignmentScheduleRequests/${a.targetScheduleId}/cancel`, admin))).toMatchObject({ status: 404, code: 'NotFound', message: `The request ${a.targetScheduleId} was not found.` });
    });
  });

  it("gives a role-assignable group's roles to the members PIM makes, while they last (PIM for Groups to roles)", async () => {
    const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
    const granted = await send(emu, 'POST', '/v1.0/roleManagement/directory/roleAssignments', admin, { principalId: SECOPS, roleDefinitionId: GLOBAL_READER, directoryScopeId: '/' });
    expect(granted.statusCode, granted.body).toBe(201);
    const readsOthers = async () => (await get(emu, `${G}/eligibilityScheduleRequests`, await tokenFor(emu, USERS.pimuser.upn))).statusCode;
    const wids = async () => claimsOf(await tokenFor(emu, USERS.pimuser.upn)).wids as string[];
    expect(await wids()).not.toContain(GLOBAL_READER);
    expect(await readsOthers()).toBe(403);

    const assigned = await post('assignmentScheduleRequests', {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: SECOPS, action: 'adminAssign', justification: 'Incident bridge',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT2H' } },
    });
    expect(assigned.statusCode, assigned.body).toBe(201);
    expect(await wids()).toContain(GLOBAL_READER);
    expect(await readsOthers()).toBe(200);

    await moveClock(emu, { advance: 'PT2H' });
    expect(await wids()).not.toContain(GLOBAL_READER);
    expect(await readsOthers()).toBe(403);
  });

  describe('schedules, instances and the required $filter', () => {
    for (const segment of ['assignmentSchedules', 'eligibilitySchedules', 'assignmentScheduleInstances', 'eligibilityScheduleInstances']) {
      it(`${segment} needs a $filter on groupId or principalId`, async () => {
        expect(graphError(await get(emu, `${G}/${segment}`, admin))).toMatchObject({ status: 400, code: 'BadRequest', message: FILTER_REQUIRED(segment) });
        expect(graphError(await get(emu, `${G}/${segment}?$filter=accessId eq 'member'`, admin))).toMatchObject({ status: 400, code: 'BadRequest', message: FILTER_REQUIRED(segment) });
        const ok = await get(emu, `${G}/${segment}?$filter=groupId eq '${SECOPS}'`, admin);
        expect(ok.statusCode, ok.body).toBe(200);
        expect(ok.json()['@odata.context']).toBe(`${BASE}identityGovernance/privilegedAccess/group/${segment}`);
      });
    }

    it('reads a schedule by its composite id and lists it by group; 404 for an unknown id', async () => {
      const e = (await eligible()).json();
      const res = await get(emu, `${G}/eligibilitySchedules/${e.targetScheduleId}`, admin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        '@odata.context': `${BASE}identityGovernance/privilegedAccess/group/eligibilitySchedules/$entity`,
        id: e.targetScheduleId, createdDateTime: T0, createdUsing: e.id, modifiedDateTime: null,
        scheduleInfo: { startDateTime: T0, recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'P30D' } },
        status: 'Provisioned', accessId: 'member', groupId: CLOUD, memberType: 'direct', principalId: USERS.pimuser.id,
      });
      expect(await ids(`${G}/eligibilitySchedules?$filter=groupId eq '${CLOUD}'`)).toEqual([e.targetScheduleId]);
      expect(await ids(`${G}/eligibilitySchedules?$filter=groupId eq '${SECOPS}'`)).toEqual([]);
      const unknown = `${CLOUD}_member_00000000-0000-0000-0000-000000000000`;
      expect(graphError(await get(emu, `${G}/eligibilitySchedules/${unknown}`, admin))).toMatchObject({ status: 404, code: 'NotFound', message: `The schedule or instance ${unknown} was not found.` });
    });

    it("answers filterByCurrentUser(on='principal') with the caller's own only", async () => {
      const e = (await eligible()).json();
      const mine = (await get(emu, `${G}/eligibilityScheduleRequests/filterByCurrentUser(on='principal')`, pimuser)).json();
      expect(mine.value).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.privilegedAccessGroupEligibilityScheduleRequest', id: e.id })]);
      expect((await get(emu, `${G}/eligibilitySchedules/filterByCurrentUser(on='principal')`, pimuser)).json().value.map((s: { id: string }) => s.id)).toEqual([e.targetScheduleId]);
      expect((await get(emu, `${G}/eligibilityScheduleRequests/filterByCurrentUser(on='principal')`, admin)).json().value).toEqual([]);
      expect(graphError(await get(emu, `${G}/eligibilityScheduleRequests/filterByCurrentUser(on='approver')`, pimuser))).toMatchObject({
        status: 400, code: 'BadRequest', message: "filterByCurrentUser(on='approver') is not supported. Supported: on='principal'.",
      });
    });

    it("writes PIM's audit records for group requests under the GroupManagement category", async () => {
      const before = (await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value.length;
      const e = (await eligible({ scheduleInfo: { startDateTime: '2026-12-03T09:00:00Z', expiration: { type: 'afterDuration', duration: 'P30D' } } })).json();
      expect(e.status).toBe('Granted');
      expect((await send(emu, 'POST', `${G}/eligibilityScheduleRequests/${e.id}/cancel`, admin)).statusCode).toBe(204);
      const records = (await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value;
      expect(records.length).toBe(before + 2);
      expect(records.slice(0, 2).map((a: { activityDisplayName: string; category: string }) => [a.activityDisplayName, a.category])).toEqual([
        ['Add eligible member to role in PIM canceled (timebound)', 'GroupManagement'],
        ['Add eligible member to role in PIM requested (timebound)', 'GroupManagement'],
      ]);
    });

    it("keeps group requests out of the directory roles' lists", async () => {
      const e = (await eligible()).json();
      const roleRequests = await ids('/v1.0/roleManagement/directory/roleEligibilityScheduleRequests');
      expect(roleRequests).not.toContain(e.id);
      expect(await ids(`${G}/eligibilityScheduleRequests`)).toEqual([e.id]);
    });
  });

  it('fails loudly on what it does not serve: 400 BadRequest saying it is not emulated', async () => {
    const res = await get(emu, `${G}/assignmentApprovals`, admin);
    expect(graphError(res)).toMatchObject({
      status: 400, code: 'BadRequest',
      message: 'Listing approvals for PIM for Groups (GET /identityGovernance/privilegedAccess/group/assignmentApprovals) is not emulated yet. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.',
    });
  });

  /**
   * Terraform azuread's call sequence (reference §3, §7.1): create the request, poll the request,
   * read the schedule by the composite id it parsed from targetScheduleId, list the requests by
   * group and targetScheduleId newest first, and delete with adminRemove (no scheduleInfo).
   */
  describe("Terraform azuread's call sequence", () => {
    for (const kind of ['eligibility', 'assignment'] as const) {
      it(`creates, reads and removes an ${kind} schedule`, async () => {
        const app = await appToken(emu, GROUP_APP_ROLES);
        const requests = `${kind}ScheduleRequests`;
        const schedules = `${kind}Schedules`;
        const created = await post(requests, {
          accessId: 'member', principalId: USERS.analyst.id, groupId: CLOUD, action: 'adminAssign', justification: 'terraform',
          scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
        }, app);
        expect(created.statusCode, created.body).toBe(201);
        const r = created.json();
        expect(r.status).not.toBe('Failed');
        expect(r.createdBy).toEqual({ application: { displayName: null, id: APPS.confidential.appId }, device: null, user: null });
        // parse.PrivilegedAccessGroupScheduleID: three parts split on '_', UUID / member|owner / UUID.
        const [groupId, relationship, guid, ...rest] = (r.targetScheduleId as string).split('_');
        expect([groupId, relationship, rest.length]).toEqual([CLOUD, 'member', 0]);
        expect(guid).toMatch(GUID_RE);

        expect((await get(emu, `${G}/${requests}/${r.id}`, app)).json()).toMatchObject({ id: r.id, status: 'Provisioned' });
        const schedule = await get(emu, `${G}/${schedules}/${r.targetScheduleId}`, app);
        expect(schedule.statusCode, schedule.body).toBe(200);
        expect(schedule.json()).toMatchObject({ id: r.targetScheduleId, status: 'Provisioned', principalId: USERS.analyst.id, groupId: CLOUD, accessId: 'member' });
        const listed = await get(emu, `${G}/${requests}?$filter=groupId eq '${CLOUD}' and targetScheduleId eq '${r.targetScheduleId}'&$orderby=createdDateTime desc`, app);
        expect(listed.json().value.map((x: { id: string }) => x.id)).toEqual([r.id]);
        expect(await members(CLOUD)).toEqual(kind === 'assignment' ? [USERS.approver.id, USERS.analyst.id] : [USERS.approver.id]);

        const removed = await post(requests, { accessId: 'member', principalId: USERS.analyst.id, groupId: CLOUD, action: 'adminRemove' }, app);
        expect(removed.statusCode, removed.body).toBe(201);
        expect(removed.json().status).toBe('Revoked');
        expect(graphError(await get(emu, `${G}/${schedules}/${r.targetScheduleId}`, app))).toMatchObject({ status: 404, code: 'NotFound' });
        expect(await members(CLOUD)).toEqual([USERS.approver.id]);
      });
    }
  });
});
