import { beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { RoleDefinition, TenantData } from '../../src/directory/model.js';
import { audiencesFor, isCritical, mailEventName, mailsFor, notificationRuleId, type MailEvent, type NotifyOptions } from '../../src/mail/notify.js';
import { mailTime } from '../../src/mail/templates.js';
import { PIM_SENDER } from '../../src/mail/types.js';
import type { Kind, RequestRecord, ScheduleRecord } from '../../src/pim/model.js';
import { loadSeedFile } from '../../src/store/seed.js';

const SEED = loadSeedFile(defaultConfig().seedPath);
const ROLES: RoleDefinition[] = SEED.roleDefinitions;

const NOW = Date.parse('2025-06-01T08:00:00Z');
const SECURITY_READER = '5d6b6bb7-de71-4623-b4af-96380a352509';
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const ADMIN = 'f3b42597-e103-4e94-928f-7255e792eecd';
const PIMUSER = 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709';
const ANALYST = 'e45b36af-beb8-4442-905f-c9f608ed22b1';
const HELPDESK = '1e63414e-7c52-4856-abf1-0e4a09317237';
const SECOPS_GROUP = 'd0787156-9ef8-4ecb-a149-ef8fa1f26e40';

const ADMINS = ['admin@contoso.onmicrosoft.com', 'approver@contoso.onmicrosoft.com'];
const PIMUSER_MAIL = 'pimuser@contoso.onmicrosoft.com';

let t: TenantData;
let ids: number;
const opts: NotifyOptions = { portalBase: 'https://localhost:8443/', newId: () => `mail-${++ids}` };

beforeEach(() => {
  t = structuredClone(SEED.tenants.find((x) => x.tenant.name === 'contoso')!);
  ids = 0;
});

function request(o: Partial<RequestRecord> = {}): RequestRecord {
  return {
    kind: 'eligibility',
    id: '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11',
    action: 'adminAssign',
    status: 'Provisioned',
    principalId: PIMUSER,
    roleDefinitionId: SECURITY_READER,
    directoryScopeId: '/',
    appScopeId: null,
    justification: 'Project Falcon <script>alert(1)</script>',
    isValidationOnly: false,
    customData: null,
    createdDateTime: '2025-06-01T08:00:00Z',
    completedDateTime: '2025-06-01T08:00:00Z',
    approvalId: null,
    targetScheduleId: '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11',
    createdBy: { application: null, device: null, user: { displayName: null, id: ADMIN } },
    scheduleInfo: { startDateTime: '2025-06-01T08:00:00Z', recurrence: null, expiration: { type: 'afterDateTime', endDateTime: '2025-09-01T08:00:00Z', duration: null } },
    ticketInfo: { ticketNumber: 'INC1234', ticketSystem: 'ServiceNow' },
    ...o,
  };
}

function schedule(o: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    kind: 'eligibility',
    id: '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11',
    principalId: PIMUSER,
    roleDefinitionId: SECURITY_READER,
    directoryScopeId: '/',
    appScopeId: null,
    memberType: 'Direct',
    createdUsing: '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11',
    createdDateTime: '2025-06-01T08:00:00Z',
    modifiedDateTime: null,
    startDateTime: '2025-06-01T08:00:00Z',
    endDateTime: '2025-09-01T08:00:00Z',
    expiration: { type: 'afterDateTime', endDateTime: '2025-09-01T08:00:00Z', duration: null },
    activatedUsing: null,
    revokedDateTime: null,
    revokedBy: null,
    ...o,
  };
}

/** A domain event as submitRequest returns it. */
function event(type: 'assigned' | 'updated' | 'removed' | 'activated' | 'deactivated' | 'extended' | 'renewed', kind: Kind, r: Partial<RequestRecord> = {}, s: Partial<ScheduleRecord> = {}): MailEvent {
  return { type, kind, request: request({ kind, ...r }), schedule: schedule({ kind, ...(kind === 'assignment' ? { assignmentType: 'Assigned' } : {}), ...s }) };
}

const activation = (): MailEvent =>
  event('activated', 'assignment', { action: 'selfActivate', principalId: PIMUSER, createdBy: { application: null, device: null, user: { displayName: null, id: PIMUSER } } }, { assignmentType: 'Activated', endDateTime: '2025-06-01T16:00:00Z' });

function setRule(ruleId: string, patch: Record<string, unknown>, roleId = SECURITY_READER): void {
  const rule = t.policies.find((p) => p.roleDefinitionId === roleId)!.rules.find((r) => r.id === ruleId)!;
  Object.assign(rule, patch);
}

const mails = (e: MailEvent) => mailsFor(e, t, ROLES, NOW, opts);
const byAudience = (e: MailEvent) => Object.fromEntries(mails(e).map((m) => [m.headers['X-PIM-Audience'], m]));

describe('an eligible assignment', () => {
  it('mails the seeded Global and Privileged Role Administrators, and the user', () => {
    const m = byAudience(event('assigned', 'eligibility'));
    expect(Object.keys(m).sort()).toEqual(['admin', 'requestor']);
    expect(m.admin!.to).toEqual(ADMINS);
    expect(m.requestor!.to).toEqual([PIMUSER_MAIL]);
    expect(m.admin!.subject).toBe('PIM: PIM User was made eligible for the Security Reader role');
    expect(m.requestor!.subject).toBe('PIM: You are eligible for the Security Reader role');
  });

  it('builds complete outbox messages', () => {
    const [admin] = mails(event('assigned', 'eligibility'));
    expect(admin).toMatchObject({
      id: 'mail-1',
      from: { name: PIM_SENDER.name, address: PIM_SENDER.address },
      createdDateTime: '2025-06-01T08:00:00.000Z',
      attempts: 0,
      notBeforeMs: 0,
      lastError: null,
      headers: {
        'X-PIM-Event': 'eligibility.assigned',
        'X-PIM-Audience': 'admin',
        'X-PIM-Request-Id': '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11',
        'X-PIM-Role-Id': SECURITY_READER,
        'X-PIM-Tenant': t.tenant.id,
        'X-PIM-Notification-Rule': 'Notification_Admin_Admin_Eligibility',
      },
    });
  });

  it('writes every fact into both parts, with the portal link, and escapes the justification in HTML', () => {
    for (const m of mails(event('assigned', 'eligibility'))) {
      for (const part of [m.text, m.html]) {
        for (const fact of ['Security Reader', 'PIM User', PIMUSER_MAIL, 'Contoso', 'INC1234', '0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11', mailTime('2025-06-01T08:00:00Z'), mailTime('2025-09-01T08:00:00Z'), `https://localhost:8443/#/roles/${SECURITY_READER}`, 'Contoso Admin']) {
          expect(part).toContain(fact);
        }
      }
      expect(m.text).toContain('Project Falcon <script>alert(1)</script>');
      expect(m.html).toContain('Project Falcon &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(m.html).not.toContain('<script>');
    }
  });

  it('says "permanently" when it has no end', () => {
    const m = byAudience(event('assigned', 'eligibility', {}, { endDateTime: null, expiration: { type: 'noExpiration', endDateTime: null, duration: null } }));
    expect(m.admin!.subject).toBe('PIM: PIM User was made permanently eligible for the Security Reader role');
    expect(m.admin!.text).toMatch(/End:\s+Permanent/);
  });

  it('of a group mails every member of the group', () => {
    const m = byAudience(event('assigned', 'eligibility', { principalId: SECOPS_GROUP }, { principalId: SECOPS_GROUP }));
    expect(m.requestor!.to).toEqual(['analyst@contoso.onmicrosoft.com', 'helpdesk@contoso.onmicrosoft.com']);
    expect(m.admin!.subject).toBe('PIM: Security Operations was made eligible for the Security Reader role');
  });

  it('of a group with no members sends the requestor nothing', () => {
    t.groups.find((g) => g.id === SECOPS_GROUP)!.members = [];
    const m = byAudience(event('assigned', 'eligibility', { principalId: SECOPS_GROUP }, { principalId: SECOPS_GROUP }));
    expect(Object.keys(m)).toEqual(['admin']);
  });
});

describe('an active assignment', () => {
  it('uses the documented subject when permanent, and the Admin_Assignment rules', () => {
    const m = byAudience(event('assigned', 'assignment', {}, { endDateTime: null }));
    expect(m.admin!.subject).toBe('PIM: PIM User was permanently assigned the Security Reader role');
    expect(m.requestor!.subject).toBe('PIM: You are assigned the Security Reader role');
    expect(m.admin!.headers['X-PIM-Event']).toBe('assignment.assigned');
    expect(m.admin!.headers['X-PIM-Notification-Rule']).toBe('Notification_Admin_Admin_Assignment');
    expect(m.requestor!.headers['X-PIM-Notification-Rule']).toBe('Notification_Requestor_Admin_Assignment');
  });
});

describe('recipients', () => {
  it('drop the defaults when isDefaultRecipientsEnabled is false, keeping notificationRecipients', () => {
    setRule('Notification_Admin_Admin_Eligibility', { isDefaultRecipientsEnabled: false, notificationRecipients: ['secops@contoso.com'] });
    const m = byAudience(event('assigned', 'eligibility'));
    expect(m.admin!.to).toEqual(['secops@contoso.com']);
    expect(m.requestor!.to).toEqual([PIMUSER_MAIL]);
  });

  it('add notificationRecipients to the defaults, de-duplicated case-insensitively', () => {
    setRule('Notification_Admin_Admin_Eligibility', { notificationRecipients: ['ADMIN@contoso.onmicrosoft.com', 'secops@contoso.com', 'SecOps@Contoso.com'] });
    expect(byAudience(event('assigned', 'eligibility')).admin!.to).toEqual([...ADMINS, 'secops@contoso.com']);
  });

  it('send no message to an audience left with no recipient', () => {
    setRule('Notification_Admin_Admin_Eligibility', { isDefaultRecipientsEnabled: false, notificationRecipients: [] });
    expect(mails(event('assigned', 'eligibility')).map((m) => m.headers['X-PIM-Audience'])).toEqual(['requestor']);
  });

  it('count a Global Administrator active through PIM right now, not one whose assignment expired', () => {
    t.pim.schedules.push(schedule({ kind: 'assignment', assignmentType: 'Activated', id: 'ga-live', principalId: ANALYST, roleDefinitionId: GLOBAL_ADMINISTRATOR, startDateTime: '2025-06-01T07:00:00Z', endDateTime: '2025-06-01T15:00:00Z' }));
    t.pim.schedules.push(schedule({ kind: 'assignment', assignmentType: 'Assigned', id: 'ga-gone', principalId: HELPDESK, roleDefinitionId: GLOBAL_ADMINISTRATOR, startDateTime: '2025-05-01T07:00:00Z', endDateTime: '2025-05-31T15:00:00Z' }));
    expect(byAudience(event('assigned', 'eligibility')).admin!.to).toEqual([...ADMINS, 'analyst@contoso.onmicrosoft.com']);
  });

  it('use a user\'s mail when it has one', () => {
    t.users.find((u) => u.id === PIMUSER)!.mail = 'pim.user@contoso.com';
    expect(byAudience(event('assigned', 'eligibility')).requestor!.to).toEqual(['pim.user@contoso.com']);
  });
});

describe('notification levels', () => {
  it('Critical suppresses the activation alert (informational) but not the requestor rule', () => {
    setRule('Notification_Admin_EndUser_Assignment', { notificationLevel: 'Critical' });
    const m = byAudience(activation());
    expect(Object.keys(m)).toEqual(['requestor']);
    expect(m.requestor!.subject).toBe('PIM: You have activated the Security Reader role');
  });

  it('Critical still sends approval requests to approvers', () => {
    setRule('Notification_Approver_EndUser_Assignment', { notificationLevel: 'Critical' });
    const e: MailEvent = { type: 'approvalRequested', kind: 'assignment', request: request({ kind: 'assignment', action: 'selfActivate', status: 'PendingApproval' }) };
    expect(mails(e)).toHaveLength(1);
  });

  it('Critical suppresses expiry reminders', () => {
    setRule('Notification_Requestor_Admin_Eligibility', { notificationLevel: 'Critical' });
    setRule('Notification_Admin_Admin_Eligibility', { notificationLevel: 'Critical' });
    expect(mails({ type: 'reminder', which: '14d', kind: 'eligibility', schedule: schedule() })).toEqual([]);
  });

  it('None sends nothing', () => {
    setRule('Notification_Admin_Admin_Eligibility', { notificationLevel: 'None' });
    setRule('Notification_Requestor_Admin_Eligibility', { notificationLevel: 'None' });
    expect(mails(event('assigned', 'eligibility'))).toEqual([]);
  });

  it('None on one audience leaves the others', () => {
    setRule('Notification_Requestor_Admin_Eligibility', { notificationLevel: 'None' });
    expect(mails(event('assigned', 'eligibility')).map((m) => m.headers['X-PIM-Audience'])).toEqual(['admin']);
  });

  it('apply per role: another role\'s settings do not matter', () => {
    setRule('Notification_Admin_Admin_Eligibility', { notificationLevel: 'None' }, GLOBAL_ADMINISTRATOR);
    expect(mails(event('assigned', 'eligibility'))).toHaveLength(2);
  });
});

describe('activation', () => {
  it('alerts the admins and the user under the EndUser_Assignment rules', () => {
    const m = byAudience(activation());
    expect(m.admin!.to).toEqual(ADMINS);
    expect(m.admin!.subject).toBe('PIM: PIM User has the Security Reader role activated');
    expect(m.admin!.headers['X-PIM-Notification-Rule']).toBe('Notification_Admin_EndUser_Assignment');
    expect(m.requestor!.to).toEqual([PIMUSER_MAIL]);
    expect(m.admin!.text).toContain(mailTime('2025-06-01T16:00:00Z'));
  });

  it('deactivation tells only the user', () => {
    const m = mails(event('deactivated', 'assignment', { action: 'selfDeactivate', status: 'Revoked' }, { assignmentType: 'Activated' }));
    expect(m.map((x) => [x.headers['X-PIM-Audience'], x.subject])).toEqual([['requestor', 'PIM: You deactivated the Security Reader role']]);
  });
});

describe('approvals', () => {
  const pending = () => request({ kind: 'assignment', action: 'selfActivate', status: 'PendingApproval', scheduleInfo: { startDateTime: '2025-06-01T08:00:00Z', recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'PT4H' } } });

  it('ask the default approvers (active PRA and GA) when the rule names none', () => {
    const [m] = mails({ type: 'approvalRequested', kind: 'assignment', request: pending() });
    expect(m!.to).toEqual(ADMINS);
    expect(m!.subject).toBe('PIM: PIM User requests approval to activate the Security Reader role');
    expect(m!.headers['X-PIM-Audience']).toBe('approver');
    expect(m!.headers['X-PIM-Event']).toBe('assignment.approvalRequested');
    // The end comes from the requested duration when there is no schedule yet.
    expect(m!.text).toContain(mailTime('2025-06-01T12:00:00Z'));
  });

  it('ask the configured primaryApprovers: single users and group members', () => {
    const rule = t.policies.find((p) => p.roleDefinitionId === SECURITY_READER)!.rules.find((r) => r.id === 'Approval_EndUser_Assignment')!;
    (rule.setting as { isApprovalRequired: boolean; approvalStages: Array<{ primaryApprovers: unknown[] }> }).isApprovalRequired = true;
    (rule.setting as { approvalStages: Array<{ primaryApprovers: unknown[] }> }).approvalStages[0]!.primaryApprovers = [
      { '@odata.type': '#microsoft.graph.singleUser', userId: HELPDESK, description: null },
      { '@odata.type': '#microsoft.graph.groupMembers', groupId: SECOPS_GROUP, description: null },
    ];
    const [m] = mails({ type: 'approvalRequested', kind: 'assignment', request: pending() });
    expect(m!.to).toEqual(['helpdesk@contoso.onmicrosoft.com', 'analyst@contoso.onmicrosoft.com']);
  });

  it('tell the requestor the decision', () => {
    expect(mails({ type: 'approved', kind: 'assignment', request: pending() }).map((m) => [m.to, m.subject])).toEqual([[[PIMUSER_MAIL], 'PIM: Your request to activate the Security Reader role was approved']]);
    expect(mails({ type: 'denied', kind: 'assignment', request: pending() }).map((m) => m.subject)).toEqual(['PIM: Your request to activate the Security Reader role was denied']);
  });
});

describe('updates and removals', () => {
  it('mail admins and the user', () => {
    expect(mails(event('updated', 'eligibility')).map((m) => m.subject)).toEqual(["PIM: PIM User's Security Reader assignment was updated", 'PIM: Your Security Reader assignment was updated']);
    expect(mails(event('removed', 'assignment', { action: 'adminRemove', status: 'Revoked' })).map((m) => m.subject)).toEqual(['PIM: PIM User was removed from the Security Reader role', 'PIM: You were removed from the Security Reader role']);
  });

  it('removing a direct (non-PIM) assignment still mails, as permanent', () => {
    const e: MailEvent = { type: 'removed', kind: 'assignment', request: request({ kind: 'assignment', action: 'adminRemove', status: 'Revoked', scheduleInfo: null }), schedule: undefined };
    const m = byAudience(e);
    expect(m.admin!.text).toMatch(/End:\s+Permanent/);
  });
});

describe('expiry reminders', () => {
  it('go to the user and the admins, 14 days and 1 day before, and at the end', () => {
    const s = schedule();
    expect(mails({ type: 'reminder', which: '14d', kind: 'eligibility', schedule: s }).map((m) => [m.headers['X-PIM-Audience'], m.subject])).toEqual([
      ['requestor', 'PIM: Your Security Reader assignment expires in 14 days'],
      ['admin', "PIM: PIM User's Security Reader assignment expires in 14 days"],
    ]);
    expect(mails({ type: 'reminder', which: '1d', kind: 'eligibility', schedule: s })[0]!.subject).toBe('PIM: Your Security Reader assignment expires in 1 day');
    const expired = mails({ type: 'reminder', which: 'expired', kind: 'eligibility', schedule: s });
    expect(expired[1]!.subject).toBe("PIM: PIM User's Security Reader assignment has expired");
    expect(expired[1]!.headers['X-PIM-Event']).toBe('eligibility.reminder.expired');
  });

  it('use the request that created the schedule for its justification and ticket', () => {
    t.pim.requests.push(request());
    const [m] = mails({ type: 'reminder', which: '14d', kind: 'eligibility', schedule: schedule() });
    expect(m!.text).toContain('INC1234');
    expect(m!.headers['X-PIM-Request-Id']).toBe('0b6f1c5e-2d1a-4a57-9a53-3b4b0b7f0c11');
  });

  it('of active assignments follow the Admin_Assignment rules', () => {
    setRule('Notification_Requestor_Admin_Assignment', { notificationLevel: 'None' });
    const m = mails({ type: 'reminder', which: '1d', kind: 'assignment', schedule: schedule({ kind: 'assignment', assignmentType: 'Assigned' }) });
    expect(m.map((x) => x.headers['X-PIM-Notification-Rule'])).toEqual(['Notification_Admin_Admin_Assignment']);
  });

  it('are not sent for a permanent assignment', () => {
    expect(mails({ type: 'reminder', which: '14d', kind: 'eligibility', schedule: schedule({ endDateTime: null }) })).toEqual([]);
  });
});

describe('extension and renewal', () => {
  const ask = (type: 'extendRequested' | 'renewRequested'): MailEvent => ({ type, kind: 'eligibility', request: request({ action: type === 'extendRequested' ? 'selfExtend' : 'selfRenew', status: 'PendingAdminDecision', createdBy: { application: null, device: null, user: { displayName: null, id: PIMUSER } } }) });

  it('requests go to the admins and the approvers, and survive Critical', () => {
    setRule('Notification_Admin_Admin_Eligibility', { notificationLevel: 'Critical' });
    const m = mails(ask('extendRequested'));
    expect(m.map((x) => [x.headers['X-PIM-Audience'], x.subject])).toEqual([
      ['admin', 'PIM: PIM User requests to extend the Security Reader role'],
      ['approver', 'PIM: PIM User requests to extend the Security Reader role'],
    ]);
    expect(m[1]!.headers['X-PIM-Notification-Rule']).toBe('Notification_Approver_Admin_Eligibility');
    expect(mails(ask('renewRequested'))[0]!.subject).toBe('PIM: PIM User requests to renew the Security Reader role');
  });

  it('decisions go to the requestor', () => {
    const m = mails({ type: 'extendDecided', kind: 'eligibility', request: request({ action: 'selfExtend' }), decision: 'denied' });
    expect(m.map((x) => [x.to, x.subject])).toEqual([[[PIMUSER_MAIL], 'PIM: Your request to extend the Security Reader role was denied']]);
    expect(mails({ type: 'renewDecided', kind: 'eligibility', request: request({ action: 'selfRenew' }), decision: 'approved' })[0]!.subject).toBe('PIM: Your request to renew the Security Reader role was approved');
  });
});

describe('routing', () => {
  it('maps events to audiences and rules (reference §3.3)', () => {
    const e = event('assigned', 'eligibility');
    expect(audiencesFor(e)).toEqual(['admin', 'requestor']);
    expect(notificationRuleId(e, 'requestor')).toBe('Notification_Requestor_Admin_Eligibility');
    expect(notificationRuleId(event('updated', 'assignment'), 'admin')).toBe('Notification_Admin_Admin_Assignment');
    expect(notificationRuleId(activation(), 'requestor')).toBe('Notification_Requestor_EndUser_Assignment');
    expect(mailEventName({ type: 'reminder', which: '1d', kind: 'assignment', schedule: schedule() })).toBe('assignment.reminder.1d');
    expect(isCritical(activation(), 'admin')).toBe(false);
    expect(isCritical({ type: 'approvalRequested', kind: 'assignment', request: request() }, 'approver')).toBe(true);
  });

  it('ids come from newId, one per message', () => {
    expect(mails(event('assigned', 'eligibility')).map((m) => m.id)).toEqual(['mail-1', 'mail-2']);
  });
});

describe('a Security Administrator', () => {
  it('hears about activations (reference §8) but not about assignments', () => {
    // analyst@ holds Security Administrator directly.
    t.roleAssignments.push({ id: 'secadmin-analyst', principalId: ANALYST, roleDefinitionId: '194ae4cb-b126-40b2-bd5b-6091b380977d', directoryScopeId: '/', appScopeId: null, createdDateTime: null });
    expect(byAudience(activation()).admin!.to).toEqual([...ADMINS, 'analyst@contoso.onmicrosoft.com']);
    expect(byAudience(event('assigned', 'eligibility')).admin!.to).toEqual(ADMINS);
  });
});
