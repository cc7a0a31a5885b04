import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { USERS, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

/**
 * PIM for Groups: `$count` on the six sets and their navigation properties (group, principal,
 * targetSchedule, activatedUsing — Microsoft's schema, metadata/graph-v1.0.xml), as segments and as
 * `$expand`.
 */
const BASE = 'http://localhost:80/v1.0/$metadata#';
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const CTX = `${BASE}identityGovernance/privilegedAccess/group`;
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const T0 = '2026-12-01T09:00:00Z';
const CLOUD_WIRE = {
  id: CLOUD, description: 'Security group (not role-assignable) granting Azure access; membership through PIM for Groups', displayName: 'Cloud Engineers',
  groupTypes: [], isAssignableToRole: false, mail: null, mailEnabled: false, mailNickname: 'cloudeng', securityEnabled: true,
};
const FILTER_REQUIRED = (segment: string) =>
  `The required parameters GroupId or PrincipalId is missing. ${segment} needs a $filter on groupId or principalId, for example $filter=groupId eq '{groupId}'.`;

describe('PIM for Groups: $count and navigations', () => {
  let emu: Emulator;
  let admin: string;
  let pimuser: string;
  /** pimuser's eligible and then activated membership of Cloud Engineers. */
  let eligibility: Record<string, string>;
  let activation: Record<string, string>;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
    pimuser = await tokenFor(emu, USERS.pimuser.upn);
    const e = await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(e.statusCode, e.body).toBe(201);
    eligibility = e.json();
    const a = await send(emu, 'POST', `${G}/assignmentScheduleRequests`, pimuser, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'selfActivate', justification: 'Patching',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT2H' } },
    });
    expect(a.statusCode, a.body).toBe(201);
    activation = a.json();
  });
  afterEach(async () => {
    await emu.close();
  });

  const json = async (url: string, token = admin) => {
    const res = await get(emu, url, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const count = async (url: string) => {
    const res = await get(emu, url, admin);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  };

  describe('$count', () => {
    it('counts the requests as text/plain, with or without a $filter, and needs no ConsistencyLevel header (not directory objects)', async () => {
      expect(await count(`${G}/assignmentScheduleRequests/$count`)).toBe('1');
      expect(await count(`${G}/eligibilityScheduleRequests/$count`)).toBe('1');
      expect(await count(`${G}/assignmentScheduleRequests/$count?$filter=action eq 'adminAssign'`)).toBe('0');
      expect(await count(`${G}/assignmentScheduleRequests/$count?$filter=action eq 'selfActivate'`)).toBe('1');
    });

    it('counts schedules and instances only with the $filter on groupId or principalId their lists need', async () => {
      // Cloud Engineers: approver (direct) and pimuser (activated) are members, admin (direct) the owner.
      expect(await count(`${G}/assignmentScheduleInstances/$count?$filter=groupId eq '${CLOUD}'`)).toBe('3');
      expect(await count(`${G}/assignmentScheduleInstances/$count?$filter=groupId eq '${CLOUD}' and accessId eq 'member'`)).toBe('2');
      expect(await count(`${G}/assignmentScheduleInstances/$count?$filter=groupId eq '${CLOUD}' and assignmentType eq 'activated'`)).toBe('1');
      expect(await count(`${G}/eligibilitySchedules/$count?$filter=principalId eq '${USERS.pimuser.id}'`)).toBe('1');
      for (const segment of ['assignmentSchedules', 'eligibilitySchedules', 'assignmentScheduleInstances', 'eligibilityScheduleInstances']) {
        expect(graphError(await get(emu, `${G}/${segment}/$count`, admin))).toMatchObject({ status: 400, code: 'BadRequest', message: FILTER_REQUIRED(segment) });
      }
    });

    it('follows the clock: the activation is no longer counted once it has ended', async () => {
      await moveClock(emu, { advance: 'PT2H' });
      admin = await tokenFor(emu, USERS.admin.upn);
      expect(await count(`${G}/assignmentScheduleInstances/$count?$filter=groupId eq '${CLOUD}' and accessId eq 'member'`)).toBe('1');
      expect(await count(`${G}/eligibilityScheduleInstances/$count?$filter=groupId eq '${CLOUD}'`)).toBe('1');
    });

    it('needs the read permission and a PIM reader role, as the list does', async () => {
      expect(graphError(await get(emu, `${G}/assignmentScheduleRequests/$count`, pimuser))).toMatchObject({ status: 403, code: 'UnauthorizedAccessException', message: 'Attempted to perform an unauthorized operation.' });
    });
  });

  describe('navigation segments', () => {
    it('reads the group of a request, with the navigation context', async () => {
      expect(await json(`${G}/assignmentScheduleRequests/${activation.id}/group`)).toEqual({
        '@odata.context': `${CTX}/assignmentScheduleRequests('${activation.id}')/group/$entity`,
        ...CLOUD_WIRE,
      });
    });

    it('reads the principal as a directory object with its @odata.type, and honours $select', async () => {
      expect(await json(`${G}/eligibilityScheduleRequests/${eligibility.id}/principal?$select=id,userPrincipalName`)).toEqual({
        '@odata.context': `${CTX}/eligibilityScheduleRequests('${eligibility.id}')/principal/$entity`,
        '@odata.type': '#microsoft.graph.user',
        id: USERS.pimuser.id,
        userPrincipalName: USERS.pimuser.upn,
      });
    });

    it('reads the targetSchedule of a request: the schedule its targetScheduleId names', async () => {
      const body = await json(`${G}/assignmentScheduleRequests/${activation.id}/targetSchedule`);
      expect(body).toEqual({
        '@odata.context': `${CTX}/assignmentScheduleRequests('${activation.id}')/targetSchedule/$entity`,
        id: activation.targetScheduleId, createdDateTime: T0, createdUsing: activation.id, modifiedDateTime: null,
        scheduleInfo: { startDateTime: T0, recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'PT2H' } },
        status: 'Provisioned', accessId: 'member', assignmentType: 'activated', groupId: CLOUD, memberType: 'direct', principalId: USERS.pimuser.id,
      });
    });

    it("reads an activation's activatedUsing: the eligibility schedule on requests and schedules, the eligibility instance on instances", async () => {
      const viaRequest = await json(`${G}/assignmentScheduleRequests/${activation.id}/activatedUsing`);
      expect(viaRequest).toMatchObject({ '@odata.context': `${CTX}/assignmentScheduleRequests('${activation.id}')/activatedUsing/$entity`, id: eligibility.targetScheduleId, status: 'Provisioned' });
      expect(viaRequest).not.toHaveProperty('assignmentType');
      expect(await json(`${G}/assignmentSchedules/${activation.targetScheduleId}/activatedUsing`)).toMatchObject({ id: eligibility.targetScheduleId, createdUsing: eligibility.id });

      const [instance] = (await json(`${G}/assignmentScheduleInstances?$filter=principalId eq '${USERS.pimuser.id}'`)).value;
      const viaInstance = await json(`${G}/assignmentScheduleInstances/${instance.id}/activatedUsing`);
      expect(viaInstance).toEqual({
        '@odata.context': `${CTX}/assignmentScheduleInstances('${instance.id}')/activatedUsing/$entity`,
        id: expect.stringMatching(new RegExp(`^${CLOUD}_member_`)), accessId: 'member', groupId: CLOUD, principalId: USERS.pimuser.id, memberType: 'direct',
        startDateTime: T0, endDateTime: '2026-12-31T09:00:00Z', eligibilityScheduleId: eligibility.targetScheduleId,
      });
    });

    it('answers 404 where nothing is behind a navigation: activatedUsing of an admin assignment or of a direct membership', async () => {
      const assigned = (await send(emu, 'POST', `${G}/assignmentScheduleRequests`, admin, {
        accessId: 'owner', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', justification: 'Cover',
        scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P1D' } },
      })).json();
      expect(graphError(await get(emu, `${G}/assignmentScheduleRequests/${assigned.id}/activatedUsing`, admin))).toMatchObject({
        status: 404, code: 'Request_ResourceNotFound', message: "Resource 'activatedUsing' does not exist or one of its queried reference-property objects are not present.",
      });
      const direct = (await json(`${G}/assignmentScheduleInstances?$filter=principalId eq '${USERS.approver.id}'`)).value[0];
      expect(graphError(await get(emu, `${G}/assignmentScheduleInstances/${direct.id}/activatedUsing`, admin))).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
      expect(await json(`${G}/assignmentScheduleInstances/${direct.id}/principal`)).toMatchObject({ '@odata.type': '#microsoft.graph.user', id: USERS.approver.id });
    });

    it('reads only what the entity may: 404 for an unknown id, and pimuser reads its own', async () => {
      const unknown = '00000000-0000-0000-0000-000000000001';
      expect(graphError(await get(emu, `${G}/eligibilityScheduleRequests/${unknown}/group`, admin))).toMatchObject({ status: 404, code: 'NotFound', message: `The request ${unknown} was not found.` });
      expect(await json(`${G}/eligibilitySchedules/${eligibility.targetScheduleId}/group`, pimuser)).toMatchObject({ id: CLOUD });
    });
  });

  describe('$expand', () => {
    it('expands group and principal on a list, and names them in @odata.context', async () => {
      const body = await json(`${G}/eligibilityScheduleRequests?$expand=group,principal`);
      expect(body['@odata.context']).toBe(`${CTX}/eligibilityScheduleRequests(group(),principal())`);
      expect(body.value).toEqual([expect.objectContaining({ id: eligibility.id, group: CLOUD_WIRE, principal: expect.objectContaining({ '@odata.type': '#microsoft.graph.user', id: USERS.pimuser.id }) })]);
    });

    it('expands targetSchedule and activatedUsing on an entity, and a nested $select', async () => {
      const body = await json(`${G}/assignmentScheduleRequests/${activation.id}?$expand=targetSchedule($select=id),activatedUsing`);
      expect(body.targetSchedule).toEqual({ id: activation.targetScheduleId });
      expect(body.activatedUsing).toMatchObject({ id: eligibility.targetScheduleId, accessId: 'member' });
    });

    it('refuses a navigation the type does not have, as Graph does', async () => {
      expect(graphError(await get(emu, `${G}/eligibilityScheduleRequests?$expand=activatedUsing`, admin))).toMatchObject({
        status: 400, code: 'BadRequest', message: "Parsing OData Select and Expand failed: Could not find a property named 'activatedUsing' on type 'microsoft.graph.privilegedAccessGroupEligibilityScheduleRequest'.",
      });
      expect(graphError(await get(emu, `${G}/eligibilitySchedules?$filter=groupId eq '${CLOUD}'&$expand=roleDefinition`, admin))).toMatchObject({
        status: 400, code: 'BadRequest', message: "Parsing OData Select and Expand failed: Could not find a property named 'roleDefinition' on type 'microsoft.graph.privilegedAccessGroupEligibilitySchedule'.",
      });
    });
  });
});
