import type { RoleAssignmentRecord, TenantData } from '../directory/model.js';
import { newGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { approvalTimedOut } from './approvals.js';
import { pimAudit, type AuditInput } from './audit.js';
import type { Outcome, Resolved, Schedule } from './command.js';
import { pimErrors } from './errors.js';
import { pimIndex, viewRequests } from './indexes.js';
import type { Action, AuditRecord, RequestRecord, ScheduleRecord } from './model.js';
import { createdBy, parseSchedule, ticket } from './parse.js';
import type { Target } from './resource.js';
import { failedRules } from './rules/index.js';
import { isCurrentOrFuture, sameTarget, schedulesOf } from './schedules.js';

/** What every action family builds on: new records, rule evaluation, lookups, and the shared provision() path. */

/** The requests of one principal (from the index; tracked inside a store update), oldest first. */
export const requestsOf = (t: TenantData, principalId: string): RequestRecord[] => viewRequests(t, pimIndex(t).requestsOf(principalId));

export function baseRequest(sub: Resolved, action: Action, target: Target, id: string): RequestRecord {
  return {
    kind: sub.kind,
    ...(sub.resource.tag ? { resource: sub.resource.tag } : {}),
    id,
    action,
    status: 'Provisioned',
    principalId: target.principalId,
    roleDefinitionId: target.roleDefinitionId,
    directoryScopeId: target.directoryScopeId,
    appScopeId: null,
    justification: sub.input.justification ?? null,
    isValidationOnly: sub.input.isValidationOnly ?? false,
    customData: sub.input.customData ?? null,
    createdDateTime: isoInstant(sub.nowMs),
    completedDateTime: isoInstant(sub.nowMs),
    approvalId: null,
    targetScheduleId: scheduleIdFor(sub, target, id),
    createdBy: createdBy(sub.actor),
    scheduleInfo: null,
    ticketInfo: ticket(sub.input),
  };
}

/** The id of the schedule a request creates: the request's id, or the kind's composite id. */
export const scheduleIdFor = (sub: Resolved, target: Target, requestId: string): string => sub.resource.scheduleId?.(target, requestId) ?? requestId;

export function newSchedule(sub: Resolved, target: Target, id: string, sched: Schedule, extra: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    kind: sub.kind,
    ...(sub.resource.tag ? { resource: sub.resource.tag } : {}),
    id: scheduleIdFor(sub, target, id),
    principalId: target.principalId,
    roleDefinitionId: target.roleDefinitionId,
    directoryScopeId: target.directoryScopeId,
    appScopeId: null,
    ...(sub.kind === 'assignment' ? { assignmentType: 'Assigned' as const } : {}),
    memberType: 'Direct',
    createdUsing: id,
    createdDateTime: isoInstant(sub.nowMs),
    modifiedDateTime: null,
    startDateTime: isoInstant(sched.startMs),
    endDateTime: sched.endMs === null ? null : isoInstant(sched.endMs),
    expiration: sched.expiration,
    activatedUsing: null,
    revokedDateTime: null,
    revokedBy: null,
    ...extra,
  };
}

/** Future starts are Granted, immediate ones Provisioned; completedDateTime is the (scheduled) start (reference §2.2, §11.5–6). */
export function scheduled(request: RequestRecord, sched: Schedule, nowMs: number): void {
  request.status = sched.startMs > nowMs ? 'Granted' : 'Provisioned';
  request.completedDateTime = isoInstant(sched.startMs);
  request.scheduleInfo = { startDateTime: isoInstant(sched.startMs), recurrence: null, expiration: sched.expiration };
}

/** Every policy rule at once; all failures in one error (reference §4). */
export function evaluate(sub: Resolved, target: Target, caller: 'Admin' | 'EndUser', sched: Schedule, eligibility?: ScheduleRecord): void {
  const policy = sub.resource.policy(sub.tenant, target);
  if (!policy) throw pimErrors.invalidRequest();
  const failed = failedRules({
    kind: sub.kind, caller, actor: sub.actor, policy, justification: sub.input.justification ?? null, ticketInfo: ticket(sub.input),
    startMs: sched.startMs, expiration: sched.expiration, endMs: sched.endMs, eligibility, nowMs: sub.nowMs,
  });
  if (failed.length) throw pimErrors.policyValidationFailed(failed);
}

/** Schedules of this kind for the target that are in force now or later. */
export function currentSchedules(sub: Resolved, target: Target): ScheduleRecord[] {
  return schedulesOf(sub.tenant, [target.principalId]).filter((s) => sameTarget(s, sub.kind, target.principalId, target.roleDefinitionId, target.directoryScopeId) && isCurrentOrFuture(s, sub.nowMs));
}

export const standing = (sub: Resolved, target: Target): RoleAssignmentRecord | undefined => sub.resource.standing(sub.tenant, sub.kind, target);

export const permanence = (s: { endDateTime: string | null } | Schedule) => (('endMs' in s ? s.endMs : s.endDateTime) === null ? 'permanent' : 'timebound');

export function recordAudits(sub: Resolved, records: AuditRecord[]): void {
  sub.tenant.pim.audits.push(...records);
}

/** What an admin update/extend/remove acts on: a current PIM schedule, or an assignment made outside PIM. */
export interface Existing {
  schedule?: ScheduleRecord;
  direct?: RoleAssignmentRecord;
}

export function existing(sub: Resolved, target: Target): Existing {
  const schedule = currentSchedules(sub, target).find((s) => sub.kind === 'eligibility' || s.assignmentType === 'Assigned');
  if (schedule) return { schedule };
  const direct = standing(sub, target);
  if (direct) return { direct };
  throw pimErrors.doesNotExist();
}

export function endSchedule(sub: Resolved, ex: Existing, requestId: string): void {
  if (ex.schedule) {
    ex.schedule.revokedDateTime = isoInstant(sub.nowMs);
    ex.schedule.revokedBy = requestId;
    ex.schedule.modifiedDateTime = isoInstant(sub.nowMs);
  }
  if (ex.direct) sub.resource.removeStanding(sub.tenant, ex.direct);
}

/** A request of the same principal for the same target still waiting for a decision. */
export function pendingFor(sub: Resolved, target: Target): RequestRecord | undefined {
  return requestsOf(sub.tenant, target.principalId).find((r) => r.kind === sub.kind && r.principalId === target.principalId && r.roleDefinitionId === target.roleDefinitionId && r.directoryScopeId === target.directoryScopeId
    && ['PendingApproval', 'PendingApprovalProvisioning', 'PendingAdminDecision'].includes(r.status) && !approvalTimedOut(r, sub.nowMs));
}

/** The audit facts of one change, to which provision's callers add the activity. */
export type AuditBase = Omit<AuditInput, 'activity' | 'operationType'>;

/**
 * The admin actions that put a new schedule in place (adminAssign), in place of an old one
 * (adminUpdate, adminExtend) or after one (adminRenew): evaluate the admin rules, then — when
 * applying — end what it replaces, store the request and schedule, and audit it.
 */
export function provision(
  sub: Resolved, action: Action, target: Target,
  opts: { replaces?: Existing; audits: (base: AuditBase, request: RequestRecord, sched: Schedule) => AuditRecord[]; event: 'assigned' | 'updated' | 'extended' | 'renewed' },
): Outcome {
  const sched = parseSchedule(sub.input, sub.nowMs);
  evaluate(sub, target, 'Admin', sched);
  const id = sub.resource.newId();
  const request = baseRequest(sub, action, target, id);
  scheduled(request, sched, sub.nowMs);
  const schedule = newSchedule(sub, target, id, sched);
  if (sub.apply) {
    if (opts.replaces) endSchedule(sub, opts.replaces, id);
    sub.tenant.pim.requests.push(request);
    sub.tenant.pim.schedules.push(schedule);
    const base: AuditBase = { actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule, nowMs: sub.nowMs, correlationId: newGuid() };
    recordAudits(sub, opts.audits(base, request, sched));
  }
  return { request, events: [{ type: opts.event, kind: sub.kind, request, schedule }] };
}

/** One PIM audit record for a provisioned change. */
export const single = (sub: Resolved, activity: string, operationType: string) => (base: AuditBase): AuditRecord[] => [pimAudit(sub.tenant, { ...base, activity, operationType })];
