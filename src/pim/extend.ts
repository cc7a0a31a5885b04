import { newGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { pimAudit } from './audit.js';
import { DAY_MS, type Handler, type Outcome, type Resolved } from './command.js';
import { pimErrors } from './errors.js';
import type { Action } from './model.js';
import { parseSchedule } from './parse.js';
import { baseRequest, currentSchedules, existing, pendingFor, provision, recordAudits, requestsOf, scheduled, single, standing } from './provision.js';
import type { Target } from './resource.js';
import { hasExpired, sameTarget, schedulesOf } from './schedules.js';

/** Extending an assignment near its end and renewing one that ran out: by an admin, or asked for by the principal (reference §2.1). */

/** adminExtend: a new end for an assignment in force, directly (no approval; reference §2.1). */
const adminExtendOnly: Handler = (sub, action, target) =>
  provision(sub, action, target, {
    replaces: existing(sub, target),
    audits: single(sub, `${sub.kind === 'eligibility' ? 'Update eligible member in PIM' : 'Update member in PIM'} requested (extend)`, 'Update'),
    event: 'extended',
  });

/** adminRenew: a new schedule for one that has expired. */
const adminRenewOnly: Handler = (sub, action, target) => {
  if (currentSchedules(sub, target).length || standing(sub, target)) throw pimErrors.exists();
  const expired = schedulesOf(sub.tenant, [target.principalId]).some((s) => sameTarget(s, sub.kind, target.principalId, target.roleDefinitionId, target.directoryScopeId) && s.assignmentType !== 'Activated' && hasExpired(s, sub.nowMs));
  if (!expired) throw pimErrors.doesNotExist();
  return provision(sub, action, target, {
    audits: single(sub, `${sub.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} requested (renew)`, 'Add'),
    event: 'renewed',
  });
};

/** adminExtend/adminRenew also decide a pending selfExtend/selfRenew of the same assignment. */
export const adminExtend: Handler = (sub, a, t) => approvePendingSelfRequest(sub, t, 'extend', adminExtendOnly(sub, a, t));
export const adminRenew: Handler = (sub, a, t) => approvePendingSelfRequest(sub, t, 'renew', adminRenewOnly(sub, a, t));

/**
 * selfExtend: the principal asks to extend its own assignment, possible only within 14 days of its
 * end; selfRenew: to renew one that expired within the last 30 days (reference §2.1). Both wait for
 * an admin: PendingAdminDecision, decided by adminExtend/adminRenew or denied by an admin's cancel.
 */
export const selfExtend: Handler = (sub, action, target) => {
  const current = currentSchedules(sub, target).find((s) => s.assignmentType !== 'Activated');
  if (!current) throw pimErrors.doesNotExist();
  const end = current.endDateTime === null ? null : Date.parse(current.endDateTime);
  if (end === null || end - sub.nowMs > 14 * DAY_MS) throw pimErrors.invalidRequestBecause('selfExtend is possible only within 14 days of the end of an assignment that has an end date.');
  if (pendingFor(sub, target)) throw pimErrors.pendingRequest();
  return selfDecisionRequest(sub, action, target, 'extend');
};

export const selfRenew: Handler = (sub, action, target) => {
  if (currentSchedules(sub, target).some((s) => s.assignmentType !== 'Activated') || standing(sub, target)) throw pimErrors.exists();
  const recent = schedulesOf(sub.tenant, [target.principalId]).some((s) => sameTarget(s, sub.kind, target.principalId, target.roleDefinitionId, target.directoryScopeId)
    && s.assignmentType !== 'Activated' && hasExpired(s, sub.nowMs) && sub.nowMs - Date.parse(s.endDateTime!) <= 30 * DAY_MS);
  if (!recent) throw pimErrors.invalidRequestBecause('selfRenew is possible only for an assignment that expired within the last 30 days.');
  if (pendingFor(sub, target)) throw pimErrors.pendingRequest();
  return selfDecisionRequest(sub, action, target, 'renew');
};

function selfDecisionRequest(sub: Resolved, action: Action, target: Target, operation: 'extend' | 'renew'): Outcome {
  const sched = parseSchedule(sub.input, sub.nowMs);
  const id = sub.resource.newId();
  const request = baseRequest(sub, action, target, id);
  scheduled(request, sched, sub.nowMs);
  request.status = 'PendingAdminDecision';
  request.targetScheduleId = null;
  request.pending = { startMs: sched.startMs, endMs: sched.endMs, expiration: sched.expiration, activatedUsing: null };
  if (sub.apply) {
    sub.tenant.pim.requests.push(request);
    const activity = operation === 'extend'
      ? `${sub.kind === 'eligibility' ? 'Update eligible member in PIM' : 'Update member in PIM'} requested (extend)`
      : `${sub.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} requested (renew)`;
    recordAudits(sub, [pimAudit(sub.tenant, { activity, operationType: 'Update', actor: sub.actor, role: target.role, principalId: target.principalId, request, nowMs: sub.nowMs, correlationId: newGuid() })]);
  }
  return { request, events: [{ type: operation === 'extend' ? 'extendRequested' : 'renewRequested', kind: sub.kind, request }] };
}

function approvePendingSelfRequest(sub: Resolved, target: Target, operation: 'extend' | 'renew', outcome: Outcome): Outcome {
  const wanted = operation === 'extend' ? 'selfExtend' : 'selfRenew';
  const pending = requestsOf(sub.tenant, target.principalId).find((r) => r.kind === sub.kind && r.action === wanted && r.status === 'PendingAdminDecision'
    && r.principalId === target.principalId && r.roleDefinitionId === target.roleDefinitionId && r.directoryScopeId === target.directoryScopeId);
  if (!pending) return outcome;
  if (sub.apply) {
    pending.status = 'AdminApproved';
    pending.targetScheduleId = outcome.request.targetScheduleId;
    pending.completedDateTime = isoInstant(sub.nowMs);
    recordAudits(sub, [pimAudit(sub.tenant, { activity: 'Update member in PIM approved by admin (extend/renew)', operationType: 'Update', actor: sub.actor, role: target.role, principalId: target.principalId, request: pending, nowMs: sub.nowMs, correlationId: newGuid() })]);
  }
  return { ...outcome, events: [...outcome.events, { type: operation === 'extend' ? 'extendDecided' : 'renewDecided', kind: sub.kind, request: pending, decision: 'approved' }] };
}
