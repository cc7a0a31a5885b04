import type { RoleDefinition, TenantData } from '../directory/model.js';
import { roleAssignmentId, newGuid } from '../ids.js';
import { coreDirectoryAudit, pimAudit } from '../pim/audit.js';
import type { ScheduleRecord } from '../pim/model.js';

/**
 * Materialises what time has made due: future starts that began and schedules that ran out.
 * What is *in force* is always derived from `now` on read; tick exists to write the records
 * (audit, and later mail) exactly once. No timers inside: the caller decides when to tick.
 */
export interface Due {
  kind: 'started' | 'expired' | 'reminder14d' | 'reminder1d';
  schedule: ScheduleRecord;
  atMs: number;
}

/** What tick hands to the mail path: reminders and expiries of assignments with an end date. */
export type ScheduledEvent = { type: 'reminder'; which: '14d' | '1d' | 'expired'; kind: ScheduleRecord['kind']; schedule: ScheduleRecord; /** When it was due. */ atMs: number };

const DAY = 86_400_000;
/** Expiry reminders for eligible and active assignments: 14 days and 1 day before, and at the end (reference §8). */
const REMINDERS = [
  { kind: 'reminder14d', before: 14 * DAY },
  { kind: 'reminder1d', before: DAY },
] as const;

export function dueWork(t: TenantData, nowMs: number): Due[] {
  const due: Due[] = [];
  for (const s of t.pim.schedules) {
    const start = Date.parse(s.startDateTime);
    const end = s.endDateTime === null ? null : Date.parse(s.endDateTime);
    const revoked = s.revokedDateTime === null ? null : Date.parse(s.revokedDateTime);
    const startedLate = start > Date.parse(s.createdDateTime) + 1000;
    if (startedLate && !s.startProcessed && start <= nowMs && (revoked === null || revoked > start)) due.push({ kind: 'started', schedule: s, atMs: start });
    if (end !== null && !s.expiryProcessed && end <= nowMs && (revoked === null || revoked > end)) due.push({ kind: 'expired', schedule: s, atMs: end });
    if (end !== null && s.assignmentType !== 'Activated') {
      for (const r of REMINDERS) {
        const at = end - r.before;
        // A reminder whose moment came before the assignment existed is not sent.
        if (at <= nowMs && at >= Date.parse(s.createdDateTime) && !(s.remindersSent ?? []).includes(r.kind) && (revoked === null || revoked > at)) {
          due.push({ kind: r.kind, schedule: s, atMs: at });
        }
      }
    }
  }
  return due.sort((a, b) => a.atMs - b.atMs);
}

/**
 * Applies due work to one tenant (inside a store update), each item once (flags on the schedule
 * survive restarts). Returns the events the mail path turns into reminders, in time order.
 */
export function applyDue(t: TenantData, roles: RoleDefinition[], nowMs: number): ScheduledEvent[] {
  const due = dueWork(t, nowMs);
  const events: ScheduledEvent[] = [];
  for (const d of due) {
    const s = d.schedule;
    const role = roles.find((r) => r.id === s.roleDefinitionId);
    if (!role) continue;
    if (d.kind === 'reminder14d' || d.kind === 'reminder1d') {
      s.remindersSent = [...(s.remindersSent ?? []), d.kind];
      events.push({ type: 'reminder', which: d.kind === 'reminder14d' ? '14d' : '1d', kind: s.kind, schedule: s, atMs: d.atMs });
      continue;
    }
    const c = newGuid();
    const request = t.pim.requests.find((r) => r.id === s.createdUsing);
    const base = { actor: 'system' as const, role, principalId: s.principalId, request, schedule: s, nowMs: d.atMs, correlationId: c };
    const permanence = s.endDateTime === null ? 'permanent' : 'timebound';
    if (d.kind === 'started') {
      s.startProcessed = true;
      const activity = s.assignmentType === 'Activated'
        ? 'Add member to role completed (PIM activation)'
        : `${s.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} completed (${permanence})`;
      t.pim.audits.push(pimAudit(t, { ...base, activity, operationType: 'Add' }));
      if (s.kind === 'assignment') t.pim.audits.push(coreDirectoryAudit(t, true, role, s.principalId, d.atMs, c));
      continue;
    }
    s.expiryProcessed = true;
    if (s.assignmentType === 'Activated') {
      // Reference §7 (LAB 67657175704): the expiry record and its additionalDetails.
      const record = pimAudit(t, { ...base, activity: 'Remove member from role (PIM activation expired)', operationType: 'Delete' });
      record.additionalDetails.push(
        { key: 'AuditType', value: 'RemoveActivatedRole' },
        { key: 'ActionType', value: 'Revoke' },
        { key: 'OriginRoleAssignmentId', value: roleAssignmentId(s.roleDefinitionId, s.principalId) },
      );
      t.pim.audits.push(record, coreDirectoryAudit(t, false, role, s.principalId, d.atMs, c));
    } else {
      events.push({ type: 'reminder', which: 'expired', kind: s.kind, schedule: s, atMs: d.atMs });
      const which = s.kind === 'eligibility' ? 'Remove eligible member from role in PIM' : 'Remove member from role in PIM';
      t.pim.audits.push(pimAudit(t, { ...base, activity: `${which} completed (timebound)`, operationType: 'Delete' }));
      if (s.kind === 'assignment') t.pim.audits.push(coreDirectoryAudit(t, false, role, s.principalId, d.atMs, c));
    }
  }
  return events;
}
