import type { RoleDefinition, TenantData } from '../directory/model.js';
import { findPrincipal, principalIdsOf } from '../directory/directory.js';
import { newGuid } from '../ids.js';
import { DurationError, formatDuration, isoInstant, parseDateTimeOffset, parseDuration } from '../iso8601.js';
import { coreDirectoryAudit, pimAudit } from './audit.js';
import { PimError, pimErrors } from './errors.js';
import { ACTIONS, EXPIRATION_TYPES, type Action, type Actor, type AuditRecord, type Expiration, type Kind, type RequestRecord, type ScheduleRecord, type TicketInfo } from './model.js';
import { approvalSetting, authenticationContext, expirationSetting, policyFor } from './policy.js';
import { activeRoleTemplateIds } from './schedules.js';
import { ROLE } from '../directory/directory.js';
import { failedRules } from './rules/index.js';
import { endMs, hasExpired, isCurrentOrFuture, isLive, liveEligibility, sameTarget, schedulesOf } from './schedules.js';
import { pimIndex, viewRequest, viewRequests, viewSchedule } from './indexes.js';

/** The requests of one principal (from the index; tracked inside a store update), oldest first. */
const requestsOf = (t: TenantData, principalId: string): RequestRecord[] => viewRequests(t, pimIndex(t).requestsOf(principalId));


/** The body of POST …ScheduleRequests after schema validation (Graph's names, any enum casing). */
export interface RequestInput {
  action: string;
  principalId?: string;
  roleDefinitionId?: string;
  directoryScopeId?: string | null;
  appScopeId?: string | null;
  justification?: string | null;
  ticketInfo?: { ticketNumber?: string | null; ticketSystem?: string | null } | null;
  scheduleInfo?: {
    startDateTime?: string | null;
    recurrence?: unknown;
    expiration?: { type?: string | null; endDateTime?: string | null; duration?: string | null } | null;
  } | null;
  isValidationOnly?: boolean;
  customData?: string | null;
}

export type DomainEvent =
  | { type: 'assigned' | 'updated' | 'removed' | 'activated' | 'deactivated' | 'extended' | 'renewed'; kind: Kind; request: RequestRecord; schedule: ScheduleRecord | undefined }
  | {
      type: 'approvalRequested' | 'approved' | 'denied' | 'extendRequested' | 'renewRequested' | 'extendDecided' | 'renewDecided';
      kind: Kind;
      request: RequestRecord;
      schedule?: ScheduleRecord;
      decision?: 'approved' | 'denied';
    };

export interface Outcome {
  request: RequestRecord;
  events: DomainEvent[];
}

/** Graph accepts enum values in any case and answers in camelCase (reference §2.1). */
function enumValue<T extends string>(values: readonly T[], raw: string): T {
  const v = values.find((x) => x.toLowerCase() === raw.toLowerCase());
  if (!v) throw pimErrors.unknownEnumValue(raw);
  return v;
}

export const parseAction = (raw: string): Action => enumValue(ACTIONS, raw);

interface Target {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  role: RoleDefinition;
}

function resolveTarget(t: TenantData, roles: RoleDefinition[], input: RequestInput, kind: Kind): Target {
  if (!input.principalId || !input.roleDefinitionId) throw pimErrors.invalidRequest();
  const principal = findPrincipal(t, input.principalId);
  // Eligibility is for users and groups only; service principals can only get active assignments (reference §1.3).
  if (!principal || (kind === 'eligibility' && principal.kind === 'servicePrincipal')) throw pimErrors.invalidRequest();
  const role = roles.find((r) => r.id === input.roleDefinitionId!.toLowerCase() || r.templateId === input.roleDefinitionId!.toLowerCase());
  if (!role) throw pimErrors.invalidRequest();
  if (input.appScopeId) throw new PimError(400, 'InvalidRoleAssignmentRequest', "The role assignment request is invalid. appScopeId is not emulated; use directoryScopeId '/'.");
  const scope = input.directoryScopeId ?? '/';
  if (scope !== '/') throw new PimError(400, 'InvalidRoleAssignmentRequest', `The role assignment request is invalid. directoryScopeId '${scope}' is not emulated; the emulator supports the tenant scope '/'.`);
  return { principalId: principal.record.id, roleDefinitionId: role.id, directoryScopeId: '/', role };
}

interface Schedule {
  requestedStart: string | null;
  startMs: number;
  expiration: Expiration;
  endMs: number | null;
}

/** scheduleInfo → effective start and end. A start in the past means now (reference §1.4). */
function parseSchedule(input: RequestInput, nowMs: number): Schedule {
  const info = input.scheduleInfo ?? {};
  if (info.recurrence !== undefined && info.recurrence !== null) throw pimErrors.invalidRequest();
  let startMs = nowMs;
  if (info.startDateTime !== undefined && info.startDateTime !== null) {
    const s = parseDateTimeOffset(info.startDateTime);
    if (s === undefined) throw pimErrors.invalidRequest();
    startMs = Math.max(s, nowMs);
  }
  const e = info.expiration ?? {};
  const type = e.type ? enumValue(EXPIRATION_TYPES, e.type) : 'notSpecified';
  let end: number | null = null;
  let expiration: Expiration;
  if (type === 'afterDateTime') {
    const at = parseDateTimeOffset(e.endDateTime ?? undefined);
    if (at === undefined || at <= startMs) throw pimErrors.invalidRequest();
    end = at;
    expiration = { type, endDateTime: isoInstant(at), duration: null };
  } else if (type === 'afterDuration') {
    let d: number;
    try {
      d = parseDuration(e.duration ?? '');
    } catch (err) {
      if (err instanceof DurationError) throw pimErrors.invalidRequest();
      throw err;
    }
    if (d <= 0) throw pimErrors.invalidRequest();
    end = startMs + d;
    expiration = { type, endDateTime: null, duration: e.duration!.toUpperCase() };
  } else {
    expiration = { type, endDateTime: null, duration: null };
  }
  return { requestedStart: info.startDateTime ?? null, startMs, expiration, endMs: end };
}

function ticket(input: RequestInput): TicketInfo {
  return { ticketNumber: input.ticketInfo?.ticketNumber ?? null, ticketSystem: input.ticketInfo?.ticketSystem ?? null };
}

function createdBy(actor: Actor): RequestRecord['createdBy'] {
  // Graph returns displayName null here (reference §2.4).
  return actor.kind === 'user'
    ? { application: null, device: null, user: { displayName: null, id: actor.id } }
    : { application: { displayName: null, id: actor.appId ?? actor.id }, device: null, user: null };
}

/** Everything a request needs to be decided against one tenant's state at one instant. */
export interface Submission {
  tenant: TenantData;
  roles: RoleDefinition[];
  kind: Kind;
  input: RequestInput;
  actor: Actor;
  nowMs: number;
  /** Apply the change (false for isValidationOnly). */
  apply: boolean;
}

/**
 * Decides a schedule request: resolves its target, evaluates every policy rule, and — when `apply`
 * — mutates the tenant (request, schedules, audit). Throws PimError before mutating anything.
 */
export function submitRequest(sub: Submission): Outcome {
  const action = parseAction(sub.input.action);
  const handler = HANDLERS[sub.kind][action];
  if (!handler) throw pimErrors.invalidRequest();
  const target = resolveTarget(sub.tenant, sub.roles, sub.input, sub.kind);
  return handler(sub, action, target);
}

type Handler = (sub: Submission, action: Action, target: Target) => Outcome;

function baseRequest(sub: Submission, action: Action, target: Target, id: string): RequestRecord {
  return {
    kind: sub.kind,
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
    targetScheduleId: id,
    createdBy: createdBy(sub.actor),
    scheduleInfo: null,
    ticketInfo: ticket(sub.input),
  };
}

function newSchedule(sub: Submission, target: Target, id: string, sched: Schedule, extra: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    kind: sub.kind,
    id,
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
function scheduled(request: RequestRecord, sched: Schedule, nowMs: number): void {
  request.status = sched.startMs > nowMs ? 'Granted' : 'Provisioned';
  request.completedDateTime = isoInstant(sched.startMs);
  request.scheduleInfo = { startDateTime: isoInstant(sched.startMs), recurrence: null, expiration: sched.expiration };
}

function evaluate(sub: Submission, target: Target, caller: 'Admin' | 'EndUser', sched: Schedule, eligibility?: ScheduleRecord): void {
  const policy = policyFor(sub.tenant, target.roleDefinitionId);
  if (!policy) throw pimErrors.invalidRequest();
  const failed = failedRules({
    kind: sub.kind, caller, actor: sub.actor, policy, justification: sub.input.justification ?? null, ticketInfo: ticket(sub.input),
    startMs: sched.startMs, expiration: sched.expiration, endMs: sched.endMs, eligibility, nowMs: sub.nowMs,
  });
  if (failed.length) throw pimErrors.policyValidationFailed(failed);
}

/** Schedules of this kind for the target that are in force now or later. */
function currentSchedules(sub: Submission, target: Target): ScheduleRecord[] {
  return schedulesOf(sub.tenant, [target.principalId]).filter((s) => sameTarget(s, sub.kind, target.principalId, target.roleDefinitionId, target.directoryScopeId) && isCurrentOrFuture(s, sub.nowMs));
}

function directAssignment(sub: Submission, target: Target) {
  return sub.kind === 'assignment' ? sub.tenant.roleAssignments.find((a) => a.principalId === target.principalId && a.roleDefinitionId === target.roleDefinitionId && a.directoryScopeId === target.directoryScopeId) : undefined;
}

const permanence = (s: { endDateTime: string | null } | Schedule) => (('endMs' in s ? s.endMs : s.endDateTime) === null ? 'permanent' : 'timebound');

function audit(sub: Submission, records: AuditRecord[]): void {
  sub.tenant.pim.audits.push(...records);
}

const adminAssign: Handler = (sub, action, target) => {
  if (currentSchedules(sub, target).length || directAssignment(sub, target)) throw pimErrors.exists();
  const sched = parseSchedule(sub.input, sub.nowMs);
  evaluate(sub, target, 'Admin', sched);
  const id = newGuid();
  const request = baseRequest(sub, action, target, id);
  scheduled(request, sched, sub.nowMs);
  const schedule = newSchedule(sub, target, id, sched);
  if (sub.apply) {
    sub.tenant.pim.requests.push(request);
    sub.tenant.pim.schedules.push(schedule);
    const c = newGuid();
    const base = { actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule, nowMs: sub.nowMs, correlationId: c };
    const which = sub.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM';
    const records = [pimAudit(sub.tenant, { ...base, activity: `${which} requested (${permanence(sched)})`, operationType: 'Add' })];
    if (request.status === 'Provisioned') {
      records.push(pimAudit(sub.tenant, { ...base, activity: `${which} completed (${permanence(sched)})`, operationType: 'Add' }));
      if (sub.kind === 'assignment') records.push(coreDirectoryAudit(sub.tenant, true, target.role, target.principalId, sub.nowMs, c));
    }
    audit(sub, records);
  }
  return { request, events: [{ type: 'assigned', kind: sub.kind, request, schedule }] };
};

/** The schedule an admin update/extend/remove acts on: a current PIM schedule, or (assignments) a direct assignment. */
function existing(sub: Submission, target: Target): { schedule?: ScheduleRecord; direct?: ReturnType<typeof directAssignment> } {
  const schedule = currentSchedules(sub, target).find((s) => sub.kind === 'eligibility' || s.assignmentType === 'Assigned');
  if (schedule) return { schedule };
  const direct = directAssignment(sub, target);
  if (direct) return { direct };
  throw pimErrors.doesNotExist();
}

function endSchedule(sub: Submission, ex: ReturnType<typeof existing>, requestId: string): void {
  if (ex.schedule) {
    ex.schedule.revokedDateTime = isoInstant(sub.nowMs);
    ex.schedule.revokedBy = requestId;
    ex.schedule.modifiedDateTime = isoInstant(sub.nowMs);
  }
  if (ex.direct) sub.tenant.roleAssignments = sub.tenant.roleAssignments.filter((a) => a !== ex.direct);
}

/**
 * The admin actions that put a new schedule in place of (or after) an old one: evaluate the admin
 * rules, then — when applying — end what it replaces, store the request and schedule, audit it.
 */
function provision(
  sub: Submission, action: Action, target: Target,
  opts: { replaces?: ReturnType<typeof existing>; activity: string; operationType: string; event: 'updated' | 'extended' | 'renewed' },
): Outcome {
  const sched = parseSchedule(sub.input, sub.nowMs);
  evaluate(sub, target, 'Admin', sched);
  const id = newGuid();
  const request = baseRequest(sub, action, target, id);
  scheduled(request, sched, sub.nowMs);
  const schedule = newSchedule(sub, target, id, sched);
  if (sub.apply) {
    if (opts.replaces) endSchedule(sub, opts.replaces, id);
    sub.tenant.pim.requests.push(request);
    sub.tenant.pim.schedules.push(schedule);
    audit(sub, [pimAudit(sub.tenant, { activity: opts.activity, operationType: opts.operationType, actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule, nowMs: sub.nowMs, correlationId: newGuid() })]);
  }
  return { request, events: [{ type: opts.event, kind: sub.kind, request, schedule }] };
}

const adminUpdate: Handler = (sub, action, target) =>
  provision(sub, action, target, { replaces: existing(sub, target), activity: 'Process role update request', operationType: 'Update', event: 'updated' });

/** adminRemove answers Revoked with completedDateTime, targetScheduleId and scheduleInfo null (reference §2.2). */
const adminRemove: Handler = (sub, action, target) => {
  const ex = existing(sub, target);
  const id = newGuid();
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
    if (sub.kind === 'assignment') records.push(coreDirectoryAudit(sub.tenant, false, target.role, target.principalId, sub.nowMs, c));
    audit(sub, records);
  }
  return { request, events: [{ type: 'removed', kind: sub.kind, request, schedule: ex.schedule }] };
};

/** adminExtend: a new end for an assignment in force, directly (no approval; reference §2.1). */
const adminExtend: Handler = (sub, action, target) =>
  provision(sub, action, target, {
    replaces: existing(sub, target),
    activity: `${sub.kind === 'eligibility' ? 'Update eligible member in PIM' : 'Update member in PIM'} requested (extend)`,
    operationType: 'Update',
    event: 'extended',
  });

/** adminRenew: a new schedule for one that has expired. */
const adminRenew: Handler = (sub, action, target) => {
  if (currentSchedules(sub, target).length || directAssignment(sub, target)) throw pimErrors.exists();
  const expired = schedulesOf(sub.tenant, [target.principalId]).some((s) => sameTarget(s, sub.kind, target.principalId, target.roleDefinitionId, target.directoryScopeId) && s.assignmentType !== 'Activated' && hasExpired(s, sub.nowMs));
  if (!expired) throw pimErrors.doesNotExist();
  return provision(sub, action, target, {
    activity: `${sub.kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} requested (renew)`,
    operationType: 'Add',
    event: 'renewed',
  });
};

/** The active assignments (PIM or direct) a principal holds for the target now or later. */
function activeFor(sub: Submission, target: Target): boolean {
  return schedulesOf(sub.tenant, [target.principalId]).some((s) => sameTarget(s, 'assignment', target.principalId, target.roleDefinitionId, target.directoryScopeId) && isCurrentOrFuture(s, sub.nowMs)) || Boolean(directAssignment(sub, target));
}

const selfActivate: Handler = (sub, action, target) => {
  if (activeFor(sub, target)) throw pimErrors.exists();
  const policy = policyFor(sub.tenant, target.roleDefinitionId)!;
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
  const eligibility = liveEligibility(sub.tenant, target.principalId, target.roleDefinitionId, target.directoryScopeId, sub.nowMs);
  evaluate(sub, target, 'EndUser', sched, eligibility);
  const id = newGuid();
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
      records.push(coreDirectoryAudit(sub.tenant, true, target.role, target.principalId, sub.nowMs, c));
    }
    audit(sub, records);
  }
  return { request, events: [{ type: 'activated', kind: sub.kind, request, schedule }] };
};

const FIVE_MINUTES = 5 * 60_000;

const selfDeactivate: Handler = (sub, action, target) => {
  const activation = schedulesOf(sub.tenant, [target.principalId]).find(
    (s) => sameTarget(s, 'assignment', target.principalId, target.roleDefinitionId, target.directoryScopeId) && s.assignmentType === 'Activated' && isCurrentOrFuture(s, sub.nowMs),
  );
  if (!activation) throw pimErrors.doesNotExist();
  if (isLive(activation, sub.nowMs) && sub.nowMs - Date.parse(activation.startDateTime) < FIVE_MINUTES) throw pimErrors.activeDurationTooShort();
  const id = newGuid();
  const request: RequestRecord = { ...baseRequest(sub, action, target, id), status: 'Revoked', targetScheduleId: activation.id, scheduleInfo: null };
  if (sub.apply) {
    endSchedule(sub, { schedule: activation }, id);
    sub.tenant.pim.requests.push(request);
    const c = newGuid();
    const base = { actor: sub.actor, role: target.role, principalId: target.principalId, request, schedule: activation, nowMs: sub.nowMs, correlationId: c };
    audit(sub, [
      pimAudit(sub.tenant, { ...base, activity: 'Remove member from role requested (PIM deactivate)', operationType: 'Delete' }),
      pimAudit(sub.tenant, { ...base, activity: 'Remove member from role completed (PIM deactivate)', operationType: 'Delete' }),
      coreDirectoryAudit(sub.tenant, false, target.role, target.principalId, sub.nowMs, c),
    ]);
  }
  return { request, events: [{ type: 'deactivated', kind: sub.kind, request, schedule: activation }] };
};

/**
 * Approval required (reference §5): 201 PendingApproval (PendingApprovalProvisioning for a future
 * start), approvalId = the request id, nothing provisioned until an approver decides.
 */
function requestApproval(sub: Submission, target: Target, request: RequestRecord, sched: Schedule, eligibilityId: string): Outcome {
  const policy = policyFor(sub.tenant, target.roleDefinitionId)!;
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
    audit(sub, [
      pimAudit(sub.tenant, { ...base, activity: 'Add member to role requested (PIM activation)', operationType: 'Add' }),
      pimAudit(sub.tenant, { ...base, activity: 'Add member to role approval requested (PIM activation)', operationType: 'Add' }),
    ]);
  }
  return { request, events: [{ type: 'approvalRequested', kind: 'assignment', request }] };
}

/** A request of the same principal for the same role still waiting for a decision. */
function pendingFor(sub: Submission, target: Target): RequestRecord | undefined {
  return requestsOf(sub.tenant, target.principalId).find((r) => r.kind === sub.kind && r.principalId === target.principalId && r.roleDefinitionId === target.roleDefinitionId
    && ['PendingApproval', 'PendingApprovalProvisioning', 'PendingAdminDecision'].includes(r.status) && !approvalTimedOut(r, sub.nowMs));
}

const DAY_MS = 86_400_000;

/**
 * selfExtend: the principal asks to extend its own assignment, possible only within 14 days of its
 * end; selfRenew: to renew one that expired within the last 30 days (reference §2.1). Both wait for
 * an admin: PendingAdminDecision, decided by adminExtend/adminRenew or denied by an admin's cancel.
 */
const selfExtend: Handler = (sub, action, target) => {
  const current = currentSchedules(sub, target).find((s) => s.assignmentType !== 'Activated');
  if (!current) throw pimErrors.doesNotExist();
  const end = current.endDateTime === null ? null : Date.parse(current.endDateTime);
  if (end === null || end - sub.nowMs > 14 * DAY_MS) throw pimErrors.invalidRequestBecause('selfExtend is possible only within 14 days of the end of an assignment that has an end date.');
  if (pendingFor(sub, target)) throw pimErrors.pendingRequest();
  return selfDecisionRequest(sub, action, target, 'extend');
};

const selfRenew: Handler = (sub, action, target) => {
  if (currentSchedules(sub, target).some((s) => s.assignmentType !== 'Activated') || directAssignment(sub, target)) throw pimErrors.exists();
  const recent = schedulesOf(sub.tenant, [target.principalId]).some((s) => sameTarget(s, sub.kind, target.principalId, target.roleDefinitionId, target.directoryScopeId)
    && s.assignmentType !== 'Activated' && hasExpired(s, sub.nowMs) && sub.nowMs - Date.parse(s.endDateTime!) <= 30 * DAY_MS);
  if (!recent) throw pimErrors.invalidRequestBecause('selfRenew is possible only for an assignment that expired within the last 30 days.');
  if (pendingFor(sub, target)) throw pimErrors.pendingRequest();
  return selfDecisionRequest(sub, action, target, 'renew');
};

function selfDecisionRequest(sub: Submission, action: Action, target: Target, operation: 'extend' | 'renew'): Outcome {
  const sched = parseSchedule(sub.input, sub.nowMs);
  const id = newGuid();
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
    audit(sub, [pimAudit(sub.tenant, { activity, operationType: 'Update', actor: sub.actor, role: target.role, principalId: target.principalId, request, nowMs: sub.nowMs, correlationId: newGuid() })]);
  }
  return { request, events: [{ type: operation === 'extend' ? 'extendRequested' : 'renewRequested', kind: sub.kind, request }] };
}

/** adminExtend/adminRenew also decide a pending selfExtend/selfRenew of the same assignment. */
function approvePendingSelfRequest(sub: Submission, target: Target, operation: 'extend' | 'renew', outcome: Outcome): Outcome {
  const wanted = operation === 'extend' ? 'selfExtend' : 'selfRenew';
  const pending = requestsOf(sub.tenant, target.principalId).find((r) => r.kind === sub.kind && r.action === wanted && r.status === 'PendingAdminDecision'
    && r.principalId === target.principalId && r.roleDefinitionId === target.roleDefinitionId);
  if (!pending) return outcome;
  if (sub.apply) {
    pending.status = 'AdminApproved';
    pending.targetScheduleId = outcome.request.targetScheduleId;
    pending.completedDateTime = isoInstant(sub.nowMs);
    audit(sub, [pimAudit(sub.tenant, { activity: 'Update member in PIM approved by admin (extend/renew)', operationType: 'Update', actor: sub.actor, role: target.role, principalId: target.principalId, request: pending, nowMs: sub.nowMs, correlationId: newGuid() })]);
  }
  return { ...outcome, events: [...outcome.events, { type: operation === 'extend' ? 'extendDecided' : 'renewDecided', kind: sub.kind, request: pending, decision: 'approved' }] };
}

/** Actions per collection, named with Graph's words. */
const HANDLERS: Record<Kind, Partial<Record<Action, Handler>>> = {
  eligibility: {
    adminAssign, adminUpdate, adminRemove, selfExtend, selfRenew,
    adminExtend: (sub, a, t) => approvePendingSelfRequest(sub, t, 'extend', adminExtend(sub, a, t)),
    adminRenew: (sub, a, t) => approvePendingSelfRequest(sub, t, 'renew', adminRenew(sub, a, t)),
  },
  assignment: {
    adminAssign, adminUpdate, adminRemove, selfActivate, selfDeactivate, selfExtend, selfRenew,
    adminExtend: (sub, a, t) => approvePendingSelfRequest(sub, t, 'extend', adminExtend(sub, a, t)),
    adminRenew: (sub, a, t) => approvePendingSelfRequest(sub, t, 'renew', adminRenew(sub, a, t)),
  },
};

/** The users who may approve an activation: the stage's approvers, else the active PRAs and GAs (reference §3.1). */
export function approversOf(t: TenantData, policy: NonNullable<ReturnType<typeof policyFor>>, nowMs: number): string[] {
  const configured = approvalSetting(policy).stage.primaryApprovers;
  const ids = new Set<string>();
  for (const a of configured) {
    if (a.userId) ids.add(a.userId.toLowerCase());
    if (a.groupId) for (const m of t.groups.find((g) => g.id === a.groupId!.toLowerCase())?.members ?? []) ids.add(m);
  }
  if (configured.length === 0) {
    for (const u of t.users) {
      const held = activeRoleTemplateIds(t, u.id, nowMs);
      if (held.includes(ROLE.globalAdministrator) || held.includes(ROLE.privilegedRoleAdministrator)) ids.add(u.id);
    }
  }
  return [...ids];
}

/** An undecided approval past its stage timeout has timed out (derived from the clock on read). */
export function approvalTimedOut(r: RequestRecord, nowMs: number): boolean {
  return Boolean(r.approval && r.approval.step.status === 'InProgress' && Date.parse(r.approval.expiresDateTime) <= nowMs);
}

/** Pending approvals whose 24 h (stage timeout) passed: TimedOut, once, with PIM's audit record. */
export function expireApprovals(t: TenantData, roles: RoleDefinition[], nowMs: number): number {
  let n = 0;
  for (const r of viewRequests(t, pimIndex(t).pendingRequests())) {
    if (!approvalTimedOut(r, nowMs) || !['PendingApproval', 'PendingApprovalProvisioning'].includes(r.status)) continue;
    r.status = 'TimedOut';
    r.approval!.step.status = 'Expired';
    const role = roles.find((x) => x.id === r.roleDefinitionId);
    if (role) t.pim.audits.push(pimAudit(t, { activity: 'PIM activation request expired', operationType: 'Update', actor: 'system', role, principalId: r.principalId, request: r, nowMs: Date.parse(r.approval!.expiresDateTime), correlationId: newGuid() }));
    n++;
  }
  return n;
}

export const hasExpiringApprovals = (t: TenantData, nowMs: number): boolean =>
  [...pimIndex(t).pendingRequests()].some((r) => approvalTimedOut(r, nowMs) && ['PendingApproval', 'PendingApprovalProvisioning'].includes(r.status));

export interface Decision {
  reviewResult: 'Approve' | 'Deny';
  justification: string | null;
}

/**
 * An approver decides (beta PATCH …/roleAssignmentApprovals/{id}/steps/{stepId}). The first decision
 * resolves the request; the requestor cannot approve its own (reference §5).
 */
export function decideApproval(t: TenantData, roles: RoleDefinition[], approvalId: string, approver: Actor, decision: Decision, nowMs: number): Outcome {
  const request = [viewRequest(t, pimIndex(t).request(approvalId))].find((r) => r && r.kind === 'assignment' && r.approvalId === approvalId && r.approval);
  if (!request || !request.approval) throw pimErrors.approvalNotFound(approvalId);
  const approval = request.approval;
  if (approver.id === request.principalId || approver.id === request.createdBy.user?.id) throw pimErrors.selfApproval();
  if (!approval.approverIds.includes(approver.id)) throw pimErrors.notAnApprover();
  if (approval.step.status !== 'InProgress' || approvalTimedOut(request, nowMs) || !['PendingApproval', 'PendingApprovalProvisioning'].includes(request.status)) throw pimErrors.alreadyDecided();
  if (approval.isApproverJustificationRequired && !decision.justification?.trim()) throw pimErrors.approverJustificationRequired();
  const role = roles.find((r) => r.id === request.roleDefinitionId)!;
  approval.step = {
    status: 'Completed',
    reviewResult: decision.reviewResult,
    reviewedBy: { id: approver.id, displayName: approver.displayName, userPrincipalName: approver.userPrincipalName, mail: approver.userPrincipalName },
    reviewedDateTime: isoInstant(nowMs),
    justification: decision.justification,
  };
  const c = newGuid();
  const base = { actor: approver, role, principalId: request.principalId, request, nowMs, correlationId: c };
  if (decision.reviewResult === 'Deny') {
    request.status = 'Denied';
    t.pim.audits.push(pimAudit(t, { ...base, activity: 'Add member to role request denied (PIM activation)', operationType: 'Update' }));
    return { request, events: [{ type: 'denied', kind: 'assignment', request, decision: 'denied' }] };
  }
  // Approved: provisioned from the approval time for the requested duration (or from a later requested start).
  const p = request.pending!;
  const startMs = Math.max(nowMs, p.startMs);
  const endMs = p.expiration.type === 'afterDuration' && p.endMs !== null ? startMs + (p.endMs - p.startMs) : p.endMs;
  const schedule: ScheduleRecord = {
    kind: 'assignment', id: request.id, principalId: request.principalId, roleDefinitionId: request.roleDefinitionId, directoryScopeId: request.directoryScopeId,
    appScopeId: null, assignmentType: 'Activated', memberType: 'Direct', createdUsing: request.id, createdDateTime: isoInstant(nowMs), modifiedDateTime: null,
    startDateTime: isoInstant(startMs), endDateTime: endMs === null ? null : isoInstant(endMs), expiration: p.expiration, activatedUsing: p.activatedUsing,
    revokedDateTime: null, revokedBy: null,
  };
  t.pim.schedules.push(schedule);
  request.status = startMs > nowMs ? 'Granted' : 'Provisioned';
  request.completedDateTime = isoInstant(startMs);
  request.scheduleInfo = { startDateTime: isoInstant(startMs), recurrence: null, expiration: p.expiration };
  const records = [pimAudit(t, { ...base, schedule, activity: 'Add member to role request approved (PIM activation)', operationType: 'Update' })];
  if (startMs <= nowMs) {
    records.push(pimAudit(t, { ...base, schedule, activity: 'Add member to role completed (PIM activation)', operationType: 'Add' }));
    records.push(coreDirectoryAudit(t, true, role, request.principalId, nowMs, c));
  }
  t.pim.audits.push(...records);
  return { request, events: [{ type: 'approved', kind: 'assignment', request, schedule, decision: 'approved' }, { type: 'activated', kind: 'assignment', request, schedule }] };
}

/** Admin actions need an admin; self actions are the principal's own. */
export const isSelfAction = (a: Action): boolean => a.startsWith('self');

/** True when `principalId` is the actor or a group the actor belongs to (group-based eligibility, reference §2.6). */
export function actsForSelf(t: TenantData, actor: Actor, principalId: string | undefined): boolean {
  if (!principalId) return false;
  return principalIdsOf(t, actor.id).includes(principalId.toLowerCase());
}

/**
 * POST …/{id}/cancel: only requests still waiting (a future start, or pending approval) can be
 * canceled; anything else is a 400 (reference §2.2). An admin's cancel of a pending selfExtend/
 * selfRenew is the admin's denial, which the requestor is told of (reference §8).
 */
export function cancelRequest(t: TenantData, roles: RoleDefinition[], kind: Kind, id: string, actor: Actor, nowMs: number): Outcome {
  const request = [viewRequest(t, pimIndex(t).request(id))].find((r) => r && r.kind === kind);
  if (!request) throw pimErrors.requestNotFound(id);
  if (request.status === 'PendingAdminDecision') {
    const role = roles.find((r) => r.id === request.roleDefinitionId)!;
    const byRequestor = actor.id === request.principalId || actor.id === request.createdBy.user?.id;
    const operation = request.action === 'selfRenew' ? 'renew' : 'extend';
    // The requestor withdraws it; an admin's cancel is the admin's denial (Graph offers no other way to decide it).
    request.status = byRequestor ? 'Canceled' : 'AdminDenied';
    // Reference §7: a withdrawn renewal is "Add (eligible) member to role in PIM canceled (renew)".
    const withdrawn = operation === 'renew'
      ? `${kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} canceled (renew)`
      : `${kind === 'eligibility' ? 'Update eligible member in PIM' : 'Update member in PIM'} canceled (extend)`;
    const activity = byRequestor ? withdrawn : 'Update member in PIM denied by admin (extend/renew)';
    t.pim.audits.push(pimAudit(t, { activity, operationType: 'Update', actor, role, principalId: request.principalId, request, nowMs, correlationId: newGuid() }));
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
  const role = roles.find((r) => r.id === request.roleDefinitionId)!;
  const activity = request.action === 'selfActivate'
    ? 'Add member to role canceled (PIM activation)'
    : `${kind === 'eligibility' ? 'Add eligible member to role in PIM' : 'Add member to role in PIM'} canceled (${schedule && schedule.endDateTime === null ? 'permanent' : 'timebound'})`;
  t.pim.audits.push(pimAudit(t, { activity, operationType: 'Update', actor, role, principalId: request.principalId, request, schedule, nowMs, correlationId: newGuid() }));
  return { request, events: [] };
}

export { endMs, formatDuration };
