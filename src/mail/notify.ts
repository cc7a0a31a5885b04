import type { PolicyRule, RoleDefinition, TenantData, UserRecord } from '../directory/model.js';
import { findPrincipal, ROLE } from '../directory/directory.js';
import { parseDuration } from '../iso8601.js';
import { AZURE_ROLE_RESOURCE, GROUP_RESOURCE, type Kind, type RequestRecord, type ScheduleRecord } from '../pim/model.js';
import { groupDefaultRules, groupPolicy } from '../pim/group-policy.js';
import { defaultRules } from '../pim/policy-defaults.js';
import { policyFor } from '../pim/policy.js';
import { azurePolicy } from '../pim/azure-policy.js';
import { effectiveArmAssignments } from '../pim/azure-role.js';
import { AZURE_ROLE, azureRole } from '../directory/azure-roles.js';
import { isAtOrAbove } from '../directory/azure.js';
import type { PimEvent } from '../events.js';
import { tenantWideHolders } from '../pim/schedules.js';
import {
  activationApprovalRequestedMail, activationDecidedMail, activeAssignedMail, assignmentExtendedMail, assignmentRemovedMail,
  assignmentRenewedMail, assignmentUpdatedMail, eligibleAssignedMail, expiryReminderMail, extensionDecidedMail,
  extensionRequestedMail, roleActivatedMail, roleDeactivatedMail,
  type Decision, type MailAudience, type MailFacts, type RenderedMail,
} from './templates.js';
import { PIM_SENDER, type OutboxMessage } from './types.js';

/**
 * Domain events → the mails PIM sends for them: which notification rule governs each audience
 * (reference §3.3), whether its level lets the mail through (§8 "critical emails only"), who
 * receives it, and the rendered message. Pure: the caller queues the result in the outbox in the
 * same store write as the change.
 */

/** Every event a mail may follow from (src/events.ts). */
export type MailEvent = PimEvent;

export interface NotifyOptions {
  /** The emulator portal's base URL; mails link to `${portalBase}/#/roles/{roleId}?tenant={name}`. */
  portalBase: string;
  newId: () => string;
}

/** Microsoft mails at most 1000 recipients per event (reference §8). */
export const MAX_RECIPIENTS = 1000;

const AUDIENCE_WORD: Record<MailAudience, 'Admin' | 'Requestor' | 'Approver'> = { admin: 'Admin', requestor: 'Requestor', approver: 'Approver' };

/** The X-PIM-Event header: `{kind}.{type}`, reminders `{kind}.reminder.{14d|1d|expired}`. */
export function mailEventName(e: MailEvent): string {
  return e.type === 'reminder' ? `${e.kind}.reminder.${e.which}` : `${e.kind}.${e.type}`;
}

/** Who hears about an event. A role activated after approval is announced by its own 'activated' event. */
export function audiencesFor(e: MailEvent): MailAudience[] {
  switch (e.type) {
    case 'assigned':
    case 'updated':
    case 'removed':
    case 'extended':
    case 'renewed':
    case 'activated':
      return ['admin', 'requestor'];
    case 'deactivated':
      return ['requestor'];
    case 'reminder':
      return ['requestor', 'admin'];
    case 'approvalRequested':
      return ['approver'];
    case 'approved':
    case 'denied':
      return ['requestor'];
    case 'extendRequested':
    case 'renewRequested':
      return ['admin', 'approver'];
    case 'extendDecided':
    case 'renewDecided':
      return ['requestor'];
  }
}

/**
 * The `{Caller}_{Level}` half of the notification rule id (reference §3.3): admin actions on
 * eligibilities and their reminders → Admin_Eligibility; on active assignments → Admin_Assignment;
 * what eligible members do (activate, deactivate, approvals) → EndUser_Assignment.
 */
function ruleScope(e: MailEvent): 'Admin_Eligibility' | 'Admin_Assignment' | 'EndUser_Assignment' {
  switch (e.type) {
    case 'activated':
    case 'deactivated':
    case 'approvalRequested':
    case 'approved':
    case 'denied':
      return 'EndUser_Assignment';
    case 'reminder':
      if (e.schedule.assignmentType === 'Activated') return 'EndUser_Assignment';
      return e.kind === 'eligibility' ? 'Admin_Eligibility' : 'Admin_Assignment';
    default:
      return e.kind === 'eligibility' ? 'Admin_Eligibility' : 'Admin_Assignment';
  }
}

export function notificationRuleId(e: MailEvent, audience: MailAudience): string {
  return `Notification_${AUDIENCE_WORD[audience]}_${ruleScope(e)}`;
}

/**
 * "Critical emails only" keeps the mails that ask someone to act — approving an activation, an
 * extension or a renewal — and drops the informational ones: assignment and activation alerts,
 * updates, removals, decisions and expiry reminders (reference §8; ED pim-how-to-change-default-settings.md:
 * mails asking users to extend are not sent, mails asking admins to approve an extension are).
 */
export function isCritical(e: MailEvent, audience: MailAudience): boolean {
  if (e.type === 'approvalRequested') return audience === 'approver';
  if (e.type === 'extendRequested' || e.type === 'renewRequested') return audience === 'admin' || audience === 'approver';
  return false;
}

interface NotificationSetting {
  level: 'none' | 'critical' | 'all';
  isDefaultRecipientsEnabled: boolean;
  notificationRecipients: string[];
}

/** What an event is about: a directory role, or a group's membership/ownership (`resource` 'group', pim-groups-reference). */
interface Subject {
  resource?: string;
  principalId: string;
  /** The role definition id, or the group's accessId (member | owner). */
  roleDefinitionId: string;
  /** '/' for roles; the group id for groups. */
  directoryScopeId: string;
}

const isGroup = (s: Subject): boolean => s.resource === GROUP_RESOURCE;
/** An Azure role at an ARM scope (`roleDefinitionId` the role's GUID, `directoryScopeId` the scope). */
const isAzure = (s: Subject): boolean => s.resource === AZURE_ROLE_RESOURCE;

/** The policy whose notification and approval rules govern the subject: the role's, the group's member/owner policy, or the Azure role's at its scope. */
const policyOf = (t: TenantData, s: Subject) =>
  isGroup(s) ? groupPolicy(t, s.directoryScopeId, s.roleDefinitionId) : isAzure(s) ? azurePolicy(t, s.directoryScopeId, s.roleDefinitionId) : policyFor(t, s.roleDefinitionId);

function notificationSetting(t: TenantData, subject: Subject, ruleId: string): NotificationSetting {
  const r: PolicyRule | undefined = policyOf(t, subject)?.rules.find((x) => x.id === ruleId) ?? (isGroup(subject) ? groupDefaultRules() : defaultRules()).find((x) => x.id === ruleId);
  const level = String(r?.notificationLevel ?? 'All').toLowerCase();
  return {
    level: level === 'none' || level === 'critical' ? level : 'all',
    isDefaultRecipientsEnabled: r?.isDefaultRecipientsEnabled !== false,
    notificationRecipients: Array.isArray(r?.notificationRecipients) ? (r.notificationRecipients as unknown[]).filter((x): x is string => typeof x === 'string') : [],
  };
}

/** A user's address: its mail, else its UPN (every emulated mailbox is reachable by UPN). */
const address = (u: UserRecord): string => u.mail ?? u.userPrincipalName;

/** A user's address, or every member's for a group; service principals have no mailbox. */
function principalAddresses(t: TenantData, principalId: string): string[] {
  const p = findPrincipal(t, principalId);
  if (!p) return [];
  if (p.kind === 'user') return [address(p.record)];
  if (p.kind === 'group') {
    const users = new Map(t.users.map((u) => [u.id, u]));
    return p.record.members.flatMap((id) => {
      const u = users.get(id.toLowerCase());
      return u ? [address(u)] : [];
    });
  }
  return [];
}


/**
 * Users who hold Global Administrator or Privileged Role Administrator right now (directly, through
 * PIM or through a group) — and, for activation alerts, Security Administrator too (reference §8:
 * "Security Administrator and Global Administrator (activated) get completion").
 */
export function privilegedAdminAddresses(t: TenantData, nowMs: number, opts: { securityAdmins?: boolean } = {}): string[] {
  // From the index by role (issue #11): not every user's roles recomputed, nor every assignment scanned.
  const holders = tenantWideHolders(t, [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ...(opts.securityAdmins ? [ROLE.securityAdministrator] : [])], nowMs);
  if (!holders.size) return [];
  const userIds = new Set<string>();
  const groups = new Map(t.groups.map((g) => [g.id, g]));
  for (const id of holders) {
    const group = groups.get(id);
    if (group) for (const m of group.members) userIds.add(m);
    else userIds.add(id);
  }
  return t.users.filter((u) => userIds.has(u.id)).map(address);
}

/**
 * PIM for Groups mails its admin notices to the group's *permanent* owners only ("Notifications for
 * PIM for Groups", ED pim-email-notifications.md): direct owners, and owners by a PIM assignment
 * with no end date (not activations, not time-bound ones).
 */
function permanentOwnerAddresses(t: TenantData, groupId: string, nowMs: number): string[] {
  const group = t.groups.find((g) => g.id === groupId);
  if (!group) return [];
  const ids = new Set(group.owners ?? []);
  for (const s of t.pim.schedules) {
    if (s.resource === GROUP_RESOURCE && s.kind === 'assignment' && s.directoryScopeId === groupId && s.roleDefinitionId === 'owner'
      && s.assignmentType === 'Assigned' && s.endDateTime === null && s.revokedDateTime === null && Date.parse(s.startDateTime) <= nowMs) ids.add(s.principalId);
  }
  return [...ids].flatMap((id) => principalAddresses(t, id));
}

/**
 * PIM for Azure resource roles mails its admin notices to the resource's Owners and User Access
 * Administrators ("PIM emails for Azure resource roles", ED pim-email-notifications.md): the users
 * (and members of groups) holding either role at the scope or above it now, directly or through PIM.
 */
function resourceAdminAddresses(t: TenantData, scope: string, nowMs: number): string[] {
  const ids = new Set(effectiveArmAssignments(t, nowMs)
    .filter(({ record }) => (record.roleDefinitionId === AZURE_ROLE.owner || record.roleDefinitionId === AZURE_ROLE.userAccessAdministrator) && isAtOrAbove(record.scope, scope))
    .map(({ record }) => record.principalId));
  return [...ids].flatMap((id) => principalAddresses(t, id));
}

/** The role's configured approvers (first stage), or — when none are set — the active PRA/GA (reference §3.1). */
function approverAddresses(t: TenantData, subject: Subject, nowMs: number): string[] {
  const rule = policyOf(t, subject)?.rules.find((r) => r.id === 'Approval_EndUser_Assignment');
  const stages = (rule?.setting as { approvalStages?: Array<{ primaryApprovers?: Array<Record<string, unknown>> }> } | undefined)?.approvalStages;
  const approvers = stages?.[0]?.primaryApprovers ?? [];
  if (!approvers.length) return privilegedAdminAddresses(t, nowMs);
  return approvers.flatMap((a) => {
    if (typeof a.userId === 'string') return t.users.filter((u) => u.id === (a.userId as string).toLowerCase()).map(address);
    if (typeof a.groupId === 'string') return principalAddresses(t, a.groupId);
    return [];
  });
}

/** De-duplicated case-insensitively, first spelling kept. */
function unique(addresses: string[]): string[] {
  const seen = new Map<string, string>();
  for (const a of addresses) {
    const k = a.trim().toLowerCase();
    if (k && !seen.has(k)) seen.set(k, a.trim());
  }
  return [...seen.values()];
}

function defaultRecipients(audience: MailAudience, t: TenantData, subject: Subject, nowMs: number, request?: RequestRecord, eventType?: MailEvent['type']): string[] {
  // An activation awaiting approval names its approvers (never the requestor itself: reference §5).
  if (audience === 'approver' && request?.approval) {
    return request.approval.approverIds.flatMap((id) => {
      const u = t.users.find((x) => x.id === id);
      return u ? [u.mail ?? u.userPrincipalName] : [];
    });
  }
  switch (audience) {
    case 'admin':
      if (isAzure(subject)) return resourceAdminAddresses(t, subject.directoryScopeId, nowMs);
      return isGroup(subject) ? permanentOwnerAddresses(t, subject.directoryScopeId, nowMs) : privilegedAdminAddresses(t, nowMs, { securityAdmins: eventType === 'activated' });
    case 'requestor':
      return principalAddresses(t, subject.principalId);
    case 'approver':
      return approverAddresses(t, subject, nowMs);
  }
}

/**
 * A group's membership or ownership as the mails name it: "the Cloud Engineers Member role" (Entra
 * speaks of a group's "Owner or Member role", ED pim-email-notifications.md; the exact subjects of
 * group mails are not documented, so the emulator words them like the role mails).
 */
export const groupRoleName = (groupName: string, accessId: string): string => `${groupName} ${accessId === 'owner' ? 'Owner' : 'Member'}`;

function subjectOf(request: RequestRecord | undefined, schedule: ScheduleRecord | undefined): Subject | undefined {
  const r = request ?? schedule;
  return r ? { resource: r.resource, principalId: r.principalId, roleDefinitionId: r.roleDefinitionId, directoryScopeId: r.directoryScopeId } : undefined;
}

function requestOf(e: MailEvent, t: TenantData): RequestRecord | undefined {
  if (e.type === 'reminder') return t.pim.requests.find((r) => r.id === e.schedule.createdUsing);
  return e.request;
}

function scheduleOf(e: MailEvent): ScheduleRecord | undefined {
  return e.schedule;
}

/** Start and end: the schedule's, else what the request asked for. */
function period(request: RequestRecord | undefined, schedule: ScheduleRecord | undefined): { start: string | null; end: string | null } {
  if (schedule) return { start: schedule.startDateTime, end: schedule.endDateTime };
  const info = request?.scheduleInfo;
  if (!info) return { start: null, end: null };
  const start = info.startDateTime ?? request!.createdDateTime;
  const x = info.expiration;
  if (x.type === 'afterDateTime') return { start, end: x.endDateTime };
  if (x.type === 'afterDuration' && x.duration) {
    const endMs = Date.parse(start) + parseDuration(x.duration);
    return { start, end: new Date(endMs).toISOString().replace('.000Z', 'Z') };
  }
  return { start, end: null };
}

function actorOf(t: TenantData, request: RequestRecord | undefined): { displayName: string } | null {
  const by = request?.createdBy;
  if (by?.user) {
    const u = t.users.find((x) => x.id === by.user!.id.toLowerCase());
    return { displayName: by.user.displayName ?? u?.displayName ?? by.user.id };
  }
  if (by?.application) {
    const id = by.application.id.toLowerCase();
    const a = t.applications.find((x) => x.appId.toLowerCase() === id || x.id === id);
    return { displayName: by.application.displayName ?? a?.displayName ?? by.application.id };
  }
  return null;
}

function facts(e: MailEvent, audience: MailAudience, t: TenantData, roles: RoleDefinition[], opts: NotifyOptions): MailFacts {
  const request = requestOf(e, t);
  const schedule = scheduleOf(e);
  const principalId = (request?.principalId ?? schedule?.principalId)!;
  const roleDefinitionId = (request?.roleDefinitionId ?? schedule?.roleDefinitionId)!;
  const subject = subjectOf(request, schedule);
  const group = subject && isGroup(subject) ? t.groups.find((g) => g.id === subject.directoryScopeId) : undefined;
  const azure = subject && isAzure(subject) ? azureRole(roleDefinitionId) : undefined;
  const role = group ? { displayName: groupRoleName(group.displayName, roleDefinitionId) } : azure ? { displayName: azure.roleName } : roles.find((r) => r.id === roleDefinitionId || r.templateId === roleDefinitionId);
  const p = findPrincipal(t, principalId);
  const user = !p
    ? { displayName: principalId, userPrincipalName: null }
    : p.kind === 'user'
      ? { displayName: p.record.displayName, userPrincipalName: p.record.userPrincipalName }
      : p.kind === 'group'
        ? { displayName: p.record.displayName, userPrincipalName: p.record.mail }
        : { displayName: p.record.displayName, userPrincipalName: null };
  return {
    tenant: { name: t.tenant.name, displayName: t.tenant.displayName, domain: t.tenant.domain },
    user,
    role: { id: roleDefinitionId, displayName: role?.displayName ?? roleDefinitionId },
    kind: e.kind,
    ...period(request, schedule),
    justification: request?.justification ?? null,
    ticket: { ticketNumber: request?.ticketInfo.ticketNumber ?? null, ticketSystem: request?.ticketInfo.ticketSystem ?? null },
    requestId: request?.id ?? null,
    // A reminder is the service's own doing, not the request author's.
    actor: e.type === 'reminder' ? null : actorOf(t, request),
    // The tenant rides along so a signed-out browser lands on the right tenant's sign-in.
    // Azure roles have no portal page of their own yet: their mails open the user's requests.
    portalUrl: `${opts.portalBase.replace(/\/+$/, '')}/#/${group ? `groups/${group.id}` : azure ? 'pim/my-requests' : `roles/${roleDefinitionId}`}?tenant=${encodeURIComponent(t.tenant.name)}`,
    audience,
  };
}

function renderFor(e: MailEvent, f: MailFacts): RenderedMail {
  switch (e.type) {
    case 'assigned':
      return e.kind === 'eligibility' ? eligibleAssignedMail(f) : activeAssignedMail(f);
    case 'updated':
      return assignmentUpdatedMail(f);
    case 'extended':
      return assignmentExtendedMail(f);
    case 'renewed':
      return assignmentRenewedMail(f);
    case 'removed':
      return assignmentRemovedMail(f);
    case 'activated':
      return roleActivatedMail(f);
    case 'deactivated':
      return roleDeactivatedMail(f);
    case 'reminder':
      return expiryReminderMail(f, e.which);
    case 'approvalRequested':
      return activationApprovalRequestedMail(f);
    case 'approved':
    case 'denied':
      return activationDecidedMail(f, e.type);
    case 'extendRequested':
      return extensionRequestedMail(f, 'extend');
    case 'renewRequested':
      return extensionRequestedMail(f, 'renew');
    case 'extendDecided':
    case 'renewDecided':
      return extensionDecidedMail(f, e.type === 'extendDecided' ? 'extend' : 'renew', e.decision ?? (e.request.status === 'Denied' ? 'denied' : 'approved'));
  }
}

/**
 * The outbox messages an event produces: at most one per audience, addressed to everyone the
 * governing notification rule names. Nothing for an audience whose rule is at level None, whose
 * level is Critical and the mail is informational, or that ends up with no recipient.
 */
export function mailsFor(event: MailEvent, t: TenantData, roles: RoleDefinition[], nowMs: number, opts: NotifyOptions): OutboxMessage[] {
  // Reminders are about an end date; a permanent schedule has none.
  if (event.type === 'reminder' && event.schedule.endDateTime === null) return [];
  const request = requestOf(event, t);
  const schedule = scheduleOf(event);
  const subject = subjectOf(request, schedule);
  if (!subject) return [];
  const roleDefinitionId = subject.roleDefinitionId;

  const out: OutboxMessage[] = [];
  for (const audience of audiencesFor(event)) {
    const ruleId = notificationRuleId(event, audience);
    const setting = notificationSetting(t, subject, ruleId);
    if (setting.level === 'none') continue;
    if (setting.level === 'critical' && !isCritical(event, audience)) continue;
    const to = unique([
      ...(setting.isDefaultRecipientsEnabled ? defaultRecipients(audience, t, subject, nowMs, request, event.type) : []),
      ...setting.notificationRecipients,
    ]).slice(0, MAX_RECIPIENTS);
    if (!to.length) continue;
    const f = facts(event, audience, t, roles, opts);
    const mail = renderFor(event, f);
    out.push({
      id: opts.newId(),
      from: { name: PIM_SENDER.name, address: PIM_SENDER.address },
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: {
        'X-PIM-Event': mailEventName(event),
        'X-PIM-Audience': audience,
        ...(f.requestId ? { 'X-PIM-Request-Id': f.requestId } : {}),
        'X-PIM-Role-Id': roleDefinitionId,
        ...(isGroup(subject) ? { 'X-PIM-Group-Id': subject.directoryScopeId } : {}),
        ...(isAzure(subject) ? { 'X-PIM-Scope': subject.directoryScopeId } : {}),
        'X-PIM-Tenant': t.tenant.id,
        'X-PIM-Notification-Rule': ruleId,
      },
      createdDateTime: new Date(nowMs).toISOString(),
      attempts: 0,
      notBeforeMs: 0,
      lastError: null,
    });
  }
  return out;
}
