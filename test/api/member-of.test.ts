import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { stableGuid } from '../../src/ids.js';
import type { GroupMembershipClaims } from '../../src/directory/model.js';
import { APPS, CONTOSO, PASSWORD, USERS, appToken, claimsOf, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send, tokenRequest } from '../support/api.js';

/**
 * A user's memberships (learn user-list-memberof, user-list-transitivememberof): groups and
 * directory roles, as directoryObjects with their @odata.type, derived from the clock. PIM for Groups
 * makes a member while an assignment is active or activated, never while only eligible
 * (pim-groups-reference §2.5); a role-assignable group's role assignments reach its members — in
 * /me/transitiveMemberOf and the token's wids — and end with the membership.
 */
const BASE = 'http://localhost:80/v1.0/$metadata#';
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const SECOPS = 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40';
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const FALCON = '5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const T0 = '2026-12-01T09:00:00Z';

const group = (id: string, displayName: string) => expect.objectContaining({ '@odata.type': '#microsoft.graph.group', id, displayName });
/** A directory role as Graph lists it among memberships: the tenant's role object, not the template. */
const directoryRole = (templateId: string, displayName: string) => ({
  '@odata.type': '#microsoft.graph.directoryRole',
  id: stableGuid('directoryRole', CONTOSO.id, templateId),
  deletedDateTime: null,
  description: expect.any(String),
  displayName,
  roleTemplateId: templateId,
});

describe("a user's memberships: memberOf and transitiveMemberOf", () => {
  let emu: Emulator;
  let admin: string;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
  });
  afterEach(async () => {
    await emu.close();
  });

  const list = async (url: string, token: string) => {
    const res = await get(emu, url, token);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body['@odata.context']).toBe(`${BASE}directoryObjects`);
    return body.value as Array<Record<string, unknown>>;
  };
  const pimuserToken = () => tokenFor(emu, USERS.pimuser.upn);
  const activeMember = (groupId: string, duration: string) => send(emu, 'POST', `${G}/assignmentScheduleRequests`, admin, {
    accessId: 'member', principalId: USERS.pimuser.id, groupId, action: 'adminAssign', justification: 'Incident bridge',
    scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration } },
  });

  it('lists the direct groups and directly held roles of the signed-in user', async () => {
    // approver: a direct member of Cloud Engineers and a Privileged Role Administrator.
    const approver = await tokenFor(emu, USERS.approver.upn);
    expect(await list('/v1.0/me/memberOf', approver)).toEqual([group(CLOUD, 'Cloud Engineers'), directoryRole('e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator')]);
    expect(await list(`/v1.0/users/${USERS.approver.upn}/memberOf`, admin)).toEqual(await list('/v1.0/me/memberOf', approver));
    expect(await list('/v1.0/me/memberOf', await pimuserToken())).toEqual([]);
  });

  it('counts an eligible membership as none, an active one at once, and drops it when the clock passes its end', async () => {
    const eligible = await send(emu, 'POST', `${G}/eligibilityScheduleRequests`, admin, {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'adminAssign', scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(eligible.statusCode, eligible.body).toBe(201);
    expect(await list('/v1.0/me/transitiveMemberOf', await pimuserToken())).toEqual([]);

    const activated = await send(emu, 'POST', `${G}/assignmentScheduleRequests`, await pimuserToken(), {
      accessId: 'member', principalId: USERS.pimuser.id, groupId: CLOUD, action: 'selfActivate', justification: 'Patching',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(activated.statusCode, activated.body).toBe(201);
    expect(await list('/v1.0/me/memberOf', await pimuserToken())).toEqual([group(CLOUD, 'Cloud Engineers')]);
    expect(await list(`/v1.0/users/${USERS.pimuser.id}/transitiveMemberOf`, admin)).toEqual([group(CLOUD, 'Cloud Engineers')]);

    await moveClock(emu, { advance: 'PT1H' });
    expect(await list('/v1.0/me/memberOf', await pimuserToken())).toEqual([]);
  });

  it("gives a role-assignable group's role to an active member: in transitiveMemberOf (not memberOf) and wids, until the membership ends", async () => {
    const granted = await send(emu, 'POST', '/v1.0/roleManagement/directory/roleAssignments', admin, { principalId: SECOPS, roleDefinitionId: GLOBAL_READER, directoryScopeId: '/' });
    expect(granted.statusCode, granted.body).toBe(201);
    const assigned = await activeMember(SECOPS, 'PT2H');
    expect(assigned.statusCode, assigned.body).toBe(201);

    const pimuser = await pimuserToken();
    expect(await list('/v1.0/me/memberOf', pimuser)).toEqual([group(SECOPS, 'Security Operations')]);
    expect(await list('/v1.0/me/transitiveMemberOf', pimuser)).toEqual([group(SECOPS, 'Security Operations'), directoryRole(GLOBAL_READER, 'Global Reader')]);
    expect(claimsOf(pimuser).wids).toEqual([GLOBAL_READER, 'b79fbf4d-3ef9-4689-8143-76b194e85509']);

    await moveClock(emu, { advance: 'PT2H' });
    const later = await pimuserToken();
    expect(await list('/v1.0/me/transitiveMemberOf', later)).toEqual([]);
    expect(claimsOf(later).wids).toEqual(['b79fbf4d-3ef9-4689-8143-76b194e85509']);
  });

  it("leaves the group's role out of filterByCurrentUser(on='principal'): Graph returns no role assignment held through a group (reference §2.6)", async () => {
    await send(emu, 'POST', '/v1.0/roleManagement/directory/roleAssignments', admin, { principalId: SECOPS, roleDefinitionId: GLOBAL_READER, directoryScopeId: '/' });
    expect((await activeMember(SECOPS, 'PT2H')).statusCode).toBe(201);
    const pimuser = await pimuserToken();
    const mine = await get(emu, "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')", pimuser);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().value).toEqual([]);
    // The group's own instance is there, memberType Direct, for those who list by the group.
    const byGroup = await get(emu, `/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=principalId eq '${SECOPS}'`, admin);
    expect(byGroup.json().value).toEqual([expect.objectContaining({ principalId: SECOPS, roleDefinitionId: GLOBAL_READER, memberType: 'Direct', assignmentType: 'Assigned' })]);
  });

  it('follows nested security groups transitively', async () => {
    // A security group with Cloud Engineers as a member (Microsoft 365 and role-assignable groups take no groups as members).
    const PLATFORM = '7e1d2c3b-4a59-4687-9a8b-1c2d3e4f5a6b';
    await emu.store.update(CONTOSO.id, (t) => {
      t.groups.push({ id: PLATFORM, displayName: 'Platform Team', description: null, mailNickname: 'platform', mail: null, mailEnabled: false, securityEnabled: true, isAssignableToRole: false, groupTypes: [], members: [CLOUD] });
    });
    expect((await activeMember(CLOUD, 'PT2H')).statusCode).toBe(201);
    const pimuser = await pimuserToken();
    expect(await list('/v1.0/me/memberOf', pimuser)).toEqual([group(CLOUD, 'Cloud Engineers')]);
    expect(await list('/v1.0/me/transitiveMemberOf', pimuser)).toEqual([group(CLOUD, 'Cloud Engineers'), group(PLATFORM, 'Platform Team')]);
  });

  it('pages and counts like the other directory lists, and takes $select', async () => {
    const approver = await tokenFor(emu, USERS.approver.upn);
    const res = await get(emu, '/v1.0/me/memberOf?$top=1&$count=true&$select=id,displayName', approver);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      '@odata.context': `${BASE}directoryObjects(id,displayName)`,
      '@odata.count': 2,
      '@odata.nextLink': expect.stringContaining('/v1.0/me/memberOf?'),
      value: [{ '@odata.type': '#microsoft.graph.group', id: CLOUD, displayName: 'Cloud Engineers' }],
    });
  });

  it("answers as Graph does: 404 for an unknown user, 403 without a permission to read another user's memberships, 400 for /me without a user", async () => {
    const nobody = '00000000-0000-0000-0000-00000000beef';
    expect(graphError(await get(emu, `/v1.0/users/${nobody}/transitiveMemberOf`, admin))).toMatchObject({
      status: 404, code: 'Request_ResourceNotFound', message: `Resource '${nobody}' does not exist or one of its queried reference-property objects are not present.`,
    });
    const userRead = await tokenFor(emu, USERS.pimuser.upn, { scopes: ['User.Read'] });
    expect((await get(emu, '/v1.0/me/transitiveMemberOf', userRead)).statusCode).toBe(200);
    expect((await get(emu, `/v1.0/users/${USERS.pimuser.id}/memberOf`, userRead)).statusCode).toBe(200);
    expect(graphError(await get(emu, `/v1.0/users/${USERS.approver.id}/memberOf`, userRead))).toMatchObject({
      status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.',
    });
    expect(graphError(await get(emu, '/v1.0/me/memberOf', await appToken(emu)))).toMatchObject({
      status: 400, code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.',
    });
    const app = await get(emu, `/v1.0/users/${USERS.approver.id}/memberOf`, await appToken(emu));
    expect(app.statusCode, app.body).toBe(200);
  });

  describe("the groups claim, where the app's manifest asks for it (groupMembershipClaims)", () => {
    /** pimuser signs in to the workshop's public client, its manifest set as given; returns the ID and access token claims. */
    const signIn = async (claims?: GroupMembershipClaims) => {
      await emu.store.update(CONTOSO.id, (t) => {
        const app = t.applications.find((a) => a.appId === APPS.public.appId)!;
        if (claims) app.groupMembershipClaims = claims;
        else delete app.groupMembershipClaims;
      });
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'password', client_id: APPS.public.appId, username: USERS.pimuser.upn, password: PASSWORD, scope: 'openid profile https://graph.microsoft.com/.default' });
      expect(res.statusCode, res.body).toBe(200);
      return { id: claimsOf(res.json().id_token), access: claimsOf(res.json().access_token) };
    };
    const USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

    beforeEach(async () => {
      // pimuser: an active member of the role-assignable Security Operations (Global Reader) and of Cloud Engineers, and a direct member of Project Falcon (Microsoft 365).
      await send(emu, 'POST', '/v1.0/roleManagement/directory/roleAssignments', admin, { principalId: SECOPS, roleDefinitionId: GLOBAL_READER, directoryScopeId: '/' });
      expect((await activeMember(SECOPS, 'PT2H')).statusCode).toBe(201);
      expect((await activeMember(CLOUD, 'PT1H')).statusCode).toBe(201);
      await emu.store.update(CONTOSO.id, (t) => {
        t.groups.find((g) => g.id === FALCON)!.members.push(USERS.pimuser.id);
      });
    });

    it('is absent without the manifest setting, and never in the access token for Graph', async () => {
      const { id, access } = await signIn();
      expect(id).not.toHaveProperty('groups');
      expect(id).not.toHaveProperty('wids');
      expect(access).not.toHaveProperty('groups');
      expect((await signIn('All')).access).not.toHaveProperty('groups');
    });

    it('SecurityGroup: the security groups, PIM-made memberships included, no roles', async () => {
      const { id } = await signIn('SecurityGroup');
      expect(id.groups).toEqual([SECOPS, CLOUD]);
      expect(id).not.toHaveProperty('wids');
    });

    it('All: every group and the roles (wids); DirectoryRole: the roles only', async () => {
      expect((await signIn('All')).id).toMatchObject({ groups: [SECOPS, CLOUD, FALCON], wids: [GLOBAL_READER, USER_ROLE] });
      const roles = (await signIn('DirectoryRole')).id;
      expect(roles.wids).toEqual([GLOBAL_READER, USER_ROLE]);
      expect(roles).not.toHaveProperty('groups');
    });

    it('follows the clock: an ended PIM membership is not in the next token, nor the role it gave', async () => {
      await moveClock(emu, { advance: 'PT1H' });
      expect((await signIn('All')).id).toMatchObject({ groups: [SECOPS, FALCON], wids: [GLOBAL_READER, USER_ROLE] });
      await moveClock(emu, { advance: 'PT1H' });
      expect((await signIn('All')).id).toMatchObject({ groups: [FALCON], wids: [USER_ROLE] });
    });

    it('past 200 groups, carries the overage claims pointing at getMemberObjects instead', async () => {
      await emu.store.update(CONTOSO.id, (t) => {
        for (let i = 0; i < 200; i++) {
          const id = stableGuid('overage-group', String(i));
          t.groups.push({ id, displayName: `Team ${i}`, description: null, mailNickname: `team${i}`, mail: null, mailEnabled: false, securityEnabled: true, isAssignableToRole: false, groupTypes: [], members: [USERS.pimuser.id] });
        }
      });
      const { id } = await signIn('SecurityGroup');
      expect(id).not.toHaveProperty('groups');
      expect(id).toMatchObject({
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${USERS.pimuser.id}/getMemberObjects` } },
      });
    });
  });
});
