import { newGuid } from '../ids.js';
import { pimAudit } from './audit.js';
import type { Handler } from './command.js';
import { pimErrors } from './errors.js';
import type { RequestRecord } from './model.js';
import { baseRequest, endSchedule, existing, permanence, recordAudits } from './provision.js';
import { isCurrentOrFuture, isLive, sameTarget, schedulesOf } from './schedules.js';

/** adminRemove and selfDeactivate: a schedule in force ends early. */

/** adminRemove answers Revoked with completedDateTime, targetScheduleId and scheduleInfo null (reference §2.2). */
export const adminRemove: Handler = (sub, action, target) => {
  const ex = existing(sub, target);
  const grace = sub.resource.removalGraceMs;
  if (grace && ex.schedule && isLive(ex.schedule, sub.nowMs) && sub.nowMs - Date.parse(ex.schedule.startDateTime) < grace) throw pimErrors.activeDurationTooShort();
  const id = sub.resource.newId();
  const request: RequestRecord = { ...baseRequest(sub, action, target, id), status: 'Revoked', completedDateTime: null, targetScheduleId: null, scheduleInfo: null };
  if (sub.apply) {
    endSchedule(sub, ex, id);
    sub.tenant.pim.requests.push(request);
    const c = newGuid();
    const was = ex.schedule ? permanence(ex.schedule) : 'permanent';
    const which = sub.kind === 'eligibility' ? 'Remove eligible member from role in PIM' : 'Remove member from role in PIM';
    const base = { actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule: ex.schedule, nowMs: sub.nowMs, correlationId: c };
    const records = [
      pimAudit(sub.tenant, { ...base, activity: `${which} requested (${was})`, operationType: 'Delete' }),
      pimAudit(sub.tenant, { ...base, activity: `${which} completed (${was})`, operationType: 'Delete' }),
    ];
    if (sub.kind === 'assignment') records.push(...sub.resource.onActiveChange(sub.tenant, target, false, sub.nowMs, c));
    recordAudits(sub, records);
  }
  return { request, events: [{ type: 'removed', kind: sub.kind, request, schedule: ex.schedule }] };
};

const FIVE_MINUTES = 5 * 60_000;

/** selfDeactivate: the principal ends its own activation, no sooner than five minutes after it began (reference §2.1). */
export const selfDeactivate: Handler = (sub, action, target) => {
  const activation = schedulesOf(sub.tenant, [target.principalId]).find(
    (s) => sameTarget(s, 'assignment', target.principalId, target.roleDefinitionId, target.directoryScopeId) && s.assignmentType === 'Activated' && isCurrentOrFuture(s, sub.nowMs),
  );
  if (!activation) throw pimErrors.doesNotExist();
  if (isLive(activation, sub.nowMs) && sub.nowMs - Date.parse(activation.startDateTime) < FIVE_MINUTES) throw pimErrors.activeDurationTooShort();
  const id = sub.resource.newId();
  const request: RequestRecord = { ...baseRequest(sub, action, target, id), status: 'Revoked', targetScheduleId: activation.id, scheduleInfo: null };
  if (sub.apply) {
    endSchedule(sub, { schedule: activation }, id);
    sub.tenant.pim.requests.push(request);
    const c = newGuid();
    const base = { actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule: activation, nowMs: sub.nowMs, correlationId: c };
    recordAudits(sub, [
      pimAudit(sub.tenant, { ...base, activity: 'Remove member from role requested (PIM deactivate)', operationType: 'Delete' }),
      pimAudit(sub.tenant, { ...base, activity: 'Remove member from role completed (PIM deactivate)', operationType: 'Delete' }),
      ...sub.resource.onActiveChange(sub.tenant, target, false, sub.nowMs, c),
    ]);
  }
  return { request, events: [{ type: 'deactivated', kind: sub.kind, request, schedule: activation }] };
};
