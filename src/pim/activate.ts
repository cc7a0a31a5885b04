import { newGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { approversOf } from './approvals.js';
import { pimAudit } from './audit.js';
import type { Handler, Outcome, Resolved, Schedule } from './command.js';
import { pimErrors } from './errors.js';
import type { RequestRecord, ScheduleRecord } from './model.js';
import { parseSchedule } from './parse.js';
import { approvalSetting, authenticationContext, expirationSetting } from './policy.js';
import { baseRequest, evaluate, newSchedule, pendingFor, recordAudits, scheduled, standing } from './provision.js';
import type { Target } from './resource.js';
import { isCurrentOrFuture, liveEligibilities, sameTarget, schedulesOf } from './schedules.js';

/** selfActivate: an eligible principal activates, directly or through an approval (reference §2.1, §4, §5). */

/** The active assignments (PIM or outside it) a principal holds for the target now or later. */
function activeFor(sub: Resolved, target: Target): boolean {
  return schedulesOf(sub.tenant, [target.principalId]).some((s) => sameTarget(s, 'assignment', target.principalId, target.roleDefinitionId, target.directoryScopeId) && isCurrentOrFuture(s, sub.nowMs)) || Boolean(standing(sub, target));
}

/**
 * The eligibility an activation uses: the one it names, if it names one (none if that one does not
 * entitle it: the EligibilityRule then fails), else the nearest live one covering the target.
 */
function eligibilityFor(sub: Resolved, target: Target): ScheduleRecord | undefined {
  const { resource } = sub;
  const live = liveEligibilities(sub.tenant, target.principalId, target.roleDefinitionId, target.directoryScopeId, sub.nowMs, resource.tag, resource.eligibilityCovers?.bind(resource));
  return resource.linkedEligibility === undefined ? live[0] : live.find((s) => s.id === resource.linkedEligibility);
}

export const selfActivate: Handler = (sub, action, target) => {
  if (activeFor(sub, target)) throw pimErrors.exists();
  const policy = sub.resource.policy(sub.tenant, target)!;
  let sched = parseSchedule(sub.input, sub.nowMs);
  if (sched.expiration.type === 'notSpecified') {
    // No expiration given: the activation lasts the role's maximum.
    const max = expirationSetting(policy, 'Expiration_EndUser_Assignment');
    sched = { ...sched, endMs: sched.startMs + max.maximumMs, expiration: { type: 'afterDuration', endDateTime: null, duration: max.maximumDuration } };
  }
  if (pendingFor(sub, target)) throw pimErrors.pendingRequest();
  const context = authenticationContext(policy);
  // The claims challenge comes first: a client that can handle it steps up and retries (reference §4.1).
  if (context.isEnabled && context.claimValue && !sub.actor.acrs.includes(context.claimValue)) throw pimErrors.acrsValidationFailed(context.claimValue);
  const eligibility = eligibilityFor(sub, target);
  evaluate(sub, target, 'EndUser', sched, eligibility);
  const id = sub.resource.newId();
  const request = baseRequest(sub, action, target, id);
  scheduled(request, sched, sub.nowMs);
  request.activatedUsing = eligibility!.id;
  if (approvalSetting(policy).isApprovalRequired) return requestApproval(sub, target, request, sched, eligibility!.id);
  const schedule = newSchedule(sub, target, id, sched, { assignmentType: 'Activated', activatedUsing: eligibility!.id });
  if (sub.apply) {
    sub.tenant.pim.requests.push(request);
    sub.tenant.pim.schedules.push(schedule);
    const c = newGuid();
    const base = { actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule, nowMs: sub.nowMs, correlationId: c };
    const records = [pimAudit(sub.tenant, { ...base, activity: 'Add member to role requested (PIM activation)', operationType: 'Add' })];
    if (request.status === 'Provisioned') {
      records.push(pimAudit(sub.tenant, { ...base, activity: 'Add member to role completed (PIM activation)', operationType: 'Add' }));
      records.push(...sub.resource.onActiveChange(sub.tenant, target, true, sub.nowMs, c));
    }
    recordAudits(sub, records);
  }
  return { request, events: [{ type: 'activated', kind: sub.kind, request, schedule }] };
};

/**
 * Approval required (reference §5): 201 PendingApproval (PendingApprovalProvisioning for a future
 * start), approvalId = the request id, nothing provisioned until an approver decides.
 */
function requestApproval(sub: Resolved, target: Target, request: RequestRecord, sched: Schedule, eligibilityId: string): Outcome {
  const policy = sub.resource.policy(sub.tenant, target)!;
  const stage = approvalSetting(policy).stage;
  request.status = sched.startMs > sub.nowMs ? 'PendingApprovalProvisioning' : 'PendingApproval';
  request.approvalId = request.id;
  request.approval = {
    approverIds: approversOf(sub.tenant, policy, sub.nowMs).filter((id) => id !== sub.actor.id),
    isApproverJustificationRequired: stage.isApproverJustificationRequired,
    expiresDateTime: isoInstant(sub.nowMs + stage.timeoutDays * 86_400_000),
    step: { status: 'InProgress', reviewResult: 'NotReviewed', reviewedBy: null, reviewedDateTime: null, justification: null },
  };
  request.pending = { startMs: sched.startMs, endMs: sched.endMs, expiration: sched.expiration, activatedUsing: eligibilityId };
  if (sub.apply) {
    sub.tenant.pim.requests.push(request);
    const base = { actor: sub.actor, role: target.role, principalId: target.principalId, request, nowMs: sub.nowMs, correlationId: newGuid() };
    recordAudits(sub, [
      pimAudit(sub.tenant, { ...base, activity: 'Add member to role requested (PIM activation)', operationType: 'Add' }),
      pimAudit(sub.tenant, { ...base, activity: 'Add member to role approval requested (PIM activation)', operationType: 'Add' }),
    ]);
  }
  return { request, events: [{ type: 'approvalRequested', kind: 'assignment', request }] };
}
