import type { RoleDefinition, TenantData } from '../directory/model.js';
import type { DomainEvent } from '../events.js';
import { newGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { approvalTimedOut } from './approvals.js';
import { pimAudit } from './audit.js';
import { roleOfRecord } from './group.js';
import type { Outcome } from './command.js';
import { pimErrors } from './errors.js';
import { pimIndex, viewRequest, viewSchedule } from './indexes.js';
import type { Actor, Kind } from './model.js';

/**
 * POST …/{id}/cancel: only requests still waiting (a future start, or pending approval) can be
 * canceled; anything else is a 400 (reference §2.2). An admin's cancel of a pending selfExtend/
 * selfRenew is the admin's denial, which the requestor is told of (reference §8).
 */
export function cancelRequest(t: TenantData, roles: RoleDefinition[], kind: Kind, id: string, actor: Actor, nowMs: number): Outcome {
  const request = [viewRequest(t, pimIndex(t).request(id))].find((r) => r && r.kind === kind);
  if (!request) throw pimErrors.requestNotFound(id);
  if (request.status === 'PendingAdminDecision') {
    const role = roleOfRecord(t, roles, request)!;
    const byRequestor = actor.id === request.principalId || actor.id === request.createdBy.user?.id;
    const operation = request.action === 'selfRenew' ? 'renew' : 'extend';
    // The requestor withdraws it; an admin's cancel is the admin's denial (Graph offers no other way to decide it).
    request.status = byRequestor ? 'Canceled' : 'AdminDenied';
    // Reference §7: a withdrawn renewal is "Add (eligible) member to role in PIM canceled (renew)".
    const withdrawn = operation === 'renew'
      ? `${kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} canceled (renew)`
      : `${kind === 'eligibility' ? 'Update eligible member in PIM' : 'Update member in PIM'} canceled (extend)`;
    const activity = byRequestor ? withdrawn : 'Update member in PIM denied by admin (extend/renew)';
    if (role) t.pim.audits.push(pimAudit(t, { activity, operationType: 'Update', actor, role, principalId: request.principalId, request, nowMs, correlationId: newGuid() }));
    const events: DomainEvent[] = byRequestor ? [] : [{ type: operation === 'renew' ? 'renewDecided' : 'extendDecided', kind, request, decision: 'denied' }];
    return { request, events };
  }
  if (approvalTimedOut(request, nowMs)) throw pimErrors.cannotCancel('TimedOut');
  const schedule = request.targetScheduleId ? viewSchedule(t, pimIndex(t).schedule(request.targetScheduleId)) : undefined;
  const waiting = ['Granted', 'PendingApproval', 'PendingApprovalProvisioning'].includes(request.status) && (!schedule || Date.parse(schedule.startDateTime) > nowMs);
  if (!waiting) throw pimErrors.cannotCancel(request.status === 'Granted' ? 'Provisioned' : request.status);
  request.status = 'Canceled';
  if (schedule) {
    schedule.revokedDateTime = isoInstant(nowMs);
    schedule.revokedBy = request.id;
  }
  const role = roleOfRecord(t, roles, request)!;
  const activity = request.action === 'selfActivate'
    ? 'Add member to role canceled (PIM activation)'
    : `${kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} canceled (${schedule && schedule.endDateTime === null ? 'permanent' : 'timebound'})`;
  t.pim.audits.push(pimAudit(t, { activity, operationType: 'Update', actor, role, principalId: request.principalId, request, schedule, nowMs, correlationId: newGuid() }));
  return { request, events: [] };
}
