import type { RoleDefinition, TenantData } from '../directory/model.js';
import { roleAssignmentId, newGuid } from '../ids.js';
import { pimAudit } from '../pim/audit.js';
import { activeChangeAudit, roleOfRecord } from '../pim/group.js';
import type { ReminderEvent } from '../events.js';
import type { ScheduleRecord } from '../pim/model.js';
import { pendingMoments } from '../pim/due.js';
import { pimIndex, viewRequest, viewSchedules } from '../pim/indexes.js';

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
export type ScheduledEvent = ReminderEvent & { /** When it was due. */ atMs: number };

export function dueWork(t: TenantData, nowMs: number): Due[] {
  // The index hands out only the schedules whose next moment has come, earliest first: no scan.
  const due: Due[] = [];
  for (const s of viewSchedules(t, pimIndex(t).dueBy(nowMs))) {
    for (const d of pendingMoments(s)) if (d.atMs <= nowMs) due.push({ kind: d.kind, schedule: s, atMs: d.atMs });
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
    const role = roleOfRecord(t, roles, s);
    if (!role) continue;
    if (d.kind === 'reminder14d' || d.kind === 'reminder1d') {
      s.remindersSent = [...(s.remindersSent ?? []), d.kind];
      events.push({ type: 'reminder', which: d.kind === 'reminder14d' ? '14d' : '1d', kind: s.kind, schedule: s, atMs: d.atMs });
      continue;
    }
    const c = newGuid();
    const request = s.createdUsing ? viewRequest(t, pimIndex(t).request(s.createdUsing)) : undefined;
    const base = { actor: 'system' as const, role, principalId: s.principalId, request, schedule: s, nowMs: d.atMs, correlationId: c };
    const permanence = s.endDateTime === null ? 'permanent' : 'timebound';
    if (d.kind === 'started') {
      s.startProcessed = true;
      const activity = s.assignmentType === 'Activated'
        ? 'Add member to role completed (PIM activation)'
        : `${s.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} completed (${permanence})`;
      t.pim.audits.push(pimAudit(t, { ...base, activity, operationType: 'Add' }));
      if (s.kind === 'assignment') t.pim.audits.push(activeChangeAudit(t, s, role, true, d.atMs, c));
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
      t.pim.audits.push(record, activeChangeAudit(t, s, role, false, d.atMs, c));
    } else {
      events.push({ type: 'reminder', which: 'expired', kind: s.kind, schedule: s, atMs: d.atMs });
      const which = s.kind === 'eligibility' ? 'Remove eligible member from role in PIM' : 'Remove member from role in PIM';
      t.pim.audits.push(pimAudit(t, { ...base, activity: `${which} completed (timebound)`, operationType: 'Delete' }));
      if (s.kind === 'assignment') t.pim.audits.push(activeChangeAudit(t, s, role, false, d.atMs, c));
    }
  }
  return events;
}
