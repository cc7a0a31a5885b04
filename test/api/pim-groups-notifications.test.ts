import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import type { OutboxMessage } from '../../src/mail/types.js';
import { USERS, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

/**
 * What PIM for Groups leaves behind besides the change itself: notification mails ("Notifications
 * for PIM for Groups", ED pim-email-notifications.md: admin notices to the group's permanent owners
 * only, the assignee told of its own assignments and activations) and directory audit records (the
 * PIM activity names under category GroupManagement, Entra audit activity reference; Core
 * Directory's "Add member to group" etc. for the membership change, pim-groups-reference §6).
 */
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const SECOPS = 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40'; // no owners in the seed
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b'; // owner: admin
const FALCON = '5b7c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e'; // owner: admin
const T0 = '2026-12-01T09:00:00Z';
const ADMIN = USERS.admin.upn;
const PIMUSER = USERS.pimuser.upn;

type Audit = { activityDisplayName: string; category: string; loggedByService: string; operationType: string; correlationId: string; initiatedBy: { app: { displayName: string } | null; user: { id: string } | null }; targetResources: Array<{ id: string; type: string; displayName: string | null; modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }> }> };

describe('PIM for Groups: mails and audit records', () => {
  let emu: Emulator;
  let admin: string;
  let pimuser: string;
  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: T0, freeze: true });
    admin = await tokenFor(emu, ADMIN);
    pimuser = await tokenFor(emu, PIMUSER);
  });
  afterEach(async () => {
    await emu.close();
  });

  const outbox = (): OutboxMessage[] => emu.store.tenants().find((t) => t.tenant.name === 'contoso')!.outbox;
  const sent = () => outbox().map((m) => [m.subject, m.to]);
  const audits = async (): Promise<Audit[]> => (await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value;
  const post = async (segment: string, body: Record<string, unknown>, token = admin) => {
    const res = await send(emu, 'POST', `${G}/${segment}`, token, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; status: string; targetScheduleId: string };
  };
  const eligible = (groupId = CLOUD) => post('eligibilityScheduleRequests', {
    accessId: 'member', principalId: USERS.pimuser.id, groupId, action: 'adminAssign', justification: 'On call',
    scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  const activate = (groupId = CLOUD) => post('assignmentScheduleRequests', {
    accessId: 'member', principalId: USERS.pimuser.id, groupId, action: 'selfActivate', justification: 'Incident 7',
    scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'PT2H' } },
  }, pimuser);

  it("an eligible assignment: the assignee and the group's permanent owners are mailed, and PIM audits it under GroupManagement", async () => {
    const r = await eligible();
    expect(sent()).toEqual([
      ['PIM: PIM User was made eligible for the Cloud Engineers Member role', [ADMIN]],
      ['PIM: You are eligible for the Cloud Engineers Member role', [PIMUSER]],
    ]);
    const [toOwners] = outbox();
    expect(toOwners!.headers).toMatchObject({
      'X-PIM-Event': 'eligibility.assigned', 'X-PIM-Audience': 'admin', 'X-PIM-Role-Id': 'member', 'X-PIM-Group-Id': CLOUD,
      'X-PIM-Request-Id': r.id, 'X-PIM-Notification-Rule': 'Notification_Admin_Admin_Eligibility',
    });
    expect(toOwners!.text).toMatch(/^Role:\s+Cloud Engineers Member$/m);
    expect(toOwners!.text).toContain(`/#/groups/${CLOUD}?tenant=contoso`);
    const records = (await audits()).filter((a) => a.targetResources.some((t) => t.id === r.id));
    expect(records.map((a) => [a.activityDisplayName, a.category, a.loggedByService, a.operationType])).toEqual([
      ['Add eligible member to role in PIM completed (timebound)', 'GroupManagement', 'PIM', 'Add'],
      ['Add eligible member to role in PIM requested (timebound)', 'GroupManagement', 'PIM', 'Add'],
    ]);
    expect(records[0]!.initiatedBy.user).toMatchObject({ id: USERS.admin.id });
    expect(records[0]!.targetResources.map((t) => [t.type, t.id])).toEqual([
      ['Role', 'member'], ['Group', CLOUD], ['User', USERS.pimuser.id], ['Request', r.id], ['Directory', '6d272baa-e81f-4496-8d0a-a21fbc9a1817'],
    ]);
  });

  it("a group without permanent owners sends no admin notice (not every Global Administrator's)", async () => {
    await eligible(SECOPS);
    expect(sent()).toEqual([['PIM: You are eligible for the Security Operations Member role', [PIMUSER]]]);
  });

  it('an activation: mailed to the assignee and the owners; audited with Core Directory adding the member, and its expiry removing it', async () => {
    await eligible();
    outbox().length = 0;
    const r = await activate();
    expect(r.status).toBe('Provisioned');
    expect(sent()).toEqual([
      ['PIM: PIM User has the Cloud Engineers Member role activated', [ADMIN]],
      ['PIM: You have activated the Cloud Engineers Member role', [PIMUSER]],
    ]);
    const activation = (await audits()).filter((a) => a.targetResources.some((t) => t.id === r.id) || a.loggedByService === 'Core Directory');
    expect(activation.map((a) => [a.activityDisplayName, a.category, a.loggedByService])).toEqual([
      ['Add member to group', 'GroupManagement', 'Core Directory'],
      ['Add member to role completed (PIM activation)', 'GroupManagement', 'PIM'],
      ['Add member to role requested (PIM activation)', 'GroupManagement', 'PIM'],
    ]);
    const add = activation[0]!;
    expect(new Set(activation.map((a) => a.correlationId)).size).toBe(1);
    expect(add).toMatchObject({ operationType: 'Assign', initiatedBy: { app: { displayName: 'MS-PIM' }, user: null } });
    expect(add.targetResources[0]).toMatchObject({
      id: USERS.pimuser.id, type: 'User',
      modifiedProperties: [
        { displayName: 'Group.ObjectID', oldValue: null, newValue: JSON.stringify(CLOUD) },
        { displayName: 'Group.DisplayName', oldValue: null, newValue: '"Cloud Engineers"' },
      ],
    });
    expect(add.targetResources[1]).toMatchObject({ id: CLOUD, type: 'Group', displayName: 'Cloud Engineers' });

    await moveClock(emu, { advance: 'PT2H1M' });
    admin = await tokenFor(emu, ADMIN);
    const after = await audits();
    expect(after.slice(0, 2).map((a) => [a.activityDisplayName, a.category, a.loggedByService, a.activityDisplayName === 'Remove member from group' ? a.operationType : 'Delete'])).toEqual([
      ['Remove member from group', 'GroupManagement', 'Core Directory', 'Unassign'],
      ['Remove member from role (PIM activation expired)', 'GroupManagement', 'PIM', 'Delete'],
    ]);
    expect((await get(emu, `/v1.0/groups/${CLOUD}/members`, admin)).json().value.map((o: { id: string }) => o.id)).not.toContain(USERS.pimuser.id);
  });

  it('an ownership: Core Directory records "Add owner to group", and the mail names the Owner role', async () => {
    const r = await post('assignmentScheduleRequests', {
      accessId: 'owner', principalId: USERS.analyst.id, groupId: FALCON, action: 'adminAssign', justification: 'Project lead',
      scheduleInfo: { startDateTime: T0, expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    expect(sent()).toEqual([
      ['PIM: Alex Analyst was assigned the Project Falcon Owner role', [ADMIN]],
      ['PIM: You are assigned the Project Falcon Owner role', [USERS.analyst.upn]],
    ]);
    const records = await audits();
    const completed = records.find((a) => a.activityDisplayName === 'Add member to role in PIM completed (timebound)' && a.targetResources.some((t) => t.id === r.id))!;
    expect(completed.category).toBe('GroupManagement');
    expect(records.filter((a) => a.correlationId === completed.correlationId && a.loggedByService === 'Core Directory').map((a) => [a.activityDisplayName, a.operationType])).toEqual([['Add owner to group', 'Assign']]);
  });

  it("follows the group policy's notification rules: level None silences the owners, extra recipients are added", async () => {
    const assignment = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${CLOUD}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`, admin);
    const policyId = assignment.json().value[0].policyId as string;
    const rule = (id: string, body: Record<string, unknown>) => send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${id}`, admin, {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule', notificationType: 'Email', recipientType: 'Admin', isDefaultRecipientsEnabled: true, notificationRecipients: [], notificationLevel: 'All', ...body,
    });
    expect((await rule('Notification_Admin_Admin_Eligibility', { notificationLevel: 'None' })).statusCode).toBe(204);
    // The first PATCH onboarded the group: its policy ids changed (pim-groups-reference §2.6); re-read, as Terraform does.
    const again = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '${CLOUD}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`, admin);
    expect(again.json().value[0].policyId).not.toBe(policyId);
    const current = again.json().value[0].policyId as string;
    expect((await send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${current}/rules/Notification_Requestor_Admin_Eligibility`, admin, {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule', notificationType: 'Email', recipientType: 'Requestor', isDefaultRecipientsEnabled: true, notificationRecipients: ['soc@contoso.example'], notificationLevel: 'All',
    })).statusCode).toBe(204);
    await eligible();
    expect(sent()).toEqual([['PIM: You are eligible for the Cloud Engineers Member role', [PIMUSER, 'soc@contoso.example']]]);
  });
});
