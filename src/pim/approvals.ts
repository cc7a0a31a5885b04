import type { PolicyRecord, RoleDefinition, TenantData } from '../directory/model.js';
import { ROLE } from '../directory/directory.js';
import { newGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { pimAudit } from './audit.js';
import { WAITING_FOR_APPROVAL, type Outcome } from './command.js';
import { directoryRoles } from './directory-role.js';
import { pimErrors } from './errors.js';
import { roleOfRecord } from './group.js';
import { pimIndex, viewRequest, viewRequests } from './indexes.js';
import type { Actor, RequestRecord, ScheduleRecord } from './model.js';
import { approvalSetting } from './policy.js';
import type { ResourceKind } from './resource.js';
import { activeRoleTemplateIds } from './schedules.js';

/** Activation approvals (reference §5): who may approve, timing out, and an approver's decision. */

const waiting = (r: RequestRecord): boolean => (WAITING_FOR_APPROVAL as readonly string[]).includes(r.status);

/** The users who may approve an activation: the stage's approvers, else the active PRAs and GAs (reference §3.1). */
export function approversOf(t: TenantData, policy: PolicyRecord, nowMs: number): string[] {
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

/** The stage's status as read at `nowMs`: one still in progress past its timeout reads Expired. */
export const approvalStageStatus = (r: RequestRecord, nowMs: number): string =>
  r.approval!.step.status === 'InProgress' && approvalTimedOut(r, nowMs) ? 'Expired' : r.approval!.step.status;

/** Pending approvals whose 24 h (stage timeout) passed: TimedOut, once, with PIM's audit record. */
export function expireApprovals(t: TenantData, roles: RoleDefinition[], nowMs: number): number {
  let n = 0;
  for (const r of viewRequests(t, pimIndex(t).pendingRequests())) {
    if (!approvalTimedOut(r, nowMs) || !waiting(r)) continue;
    r.status = 'TimedOut';
    r.approval!.step.status = 'Expired';
    const role = roleOfRecord(t, roles, r);
    if (role) t.pim.audits.push(pimAudit(t, { activity: 'PIM activation request expired', operationType: 'Update', actor: 'system', role, principalId: r.principalId, request: r, nowMs: Date.parse(r.approval!.expiresDateTime), correlationId: newGuid() }));
    n++;
  }
  return n;
}

/** Still waiting for an approver's decision now (not decided, canceled or timed out). */
export const isAwaitingDecision = (r: RequestRecord, nowMs: number): boolean =>
  Boolean(r.approval && r.approval.step.status === 'InProgress' && waiting(r) && !approvalTimedOut(r, nowMs));

export const hasExpiringApprovals = (t: TenantData, nowMs: number): boolean =>
  [...pimIndex(t).pendingRequests()].some((r) => approvalTimedOut(r, nowMs) && waiting(r));

export interface Decision {
  reviewResult: 'Approve' | 'Deny';
  justification: string | null;
}

/**
 * An approver decides (beta PATCH …/roleAssignmentApprovals/{id}/steps/{stepId}). The first decision
 * resolves the request; the requestor cannot approve its own (reference §5).
 */
export function decideApproval(t: TenantData, roles: RoleDefinition[], approvalId: string, approver: Actor, decision: Decision, nowMs: number, resource: ResourceKind = directoryRoles): Outcome {
  const request = [viewRequest(t, pimIndex(t).request(approvalId))].find((r) => r && r.kind === 'assignment' && r.approvalId === approvalId && r.approval);
  if (!request || !request.approval) throw pimErrors.approvalNotFound(approvalId);
  const approval = request.approval;
  if (approver.id === request.principalId || approver.id === request.createdBy.user?.id) throw pimErrors.selfApproval();
  if (!approval.approverIds.includes(approver.id)) throw pimErrors.notAnApprover();
  if (approval.step.status !== 'InProgress' || approvalTimedOut(request, nowMs) || !waiting(request)) throw pimErrors.alreadyDecided();
  if (approval.isApproverJustificationRequired && !decision.justification?.trim()) throw pimErrors.approverJustificationRequired();
  const role = roleOfRecord(t, roles, request)!;
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
    kind: 'assignment', ...(request.resource ? { resource: request.resource } : {}), id: request.targetScheduleId ?? request.id, principalId: request.principalId, roleDefinitionId: request.roleDefinitionId, directoryScopeId: request.directoryScopeId,
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
    const target = { principalId: request.principalId, roleDefinitionId: request.roleDefinitionId, directoryScopeId: request.directoryScopeId, role };
    records.push(...resource.onActiveChange(t, target, true, nowMs, c));
  }
  t.pim.audits.push(...records);
  return { request, events: [{ type: 'approved', kind: 'assignment', request, schedule, decision: 'approved' }, { type: 'activated', kind: 'assignment', request, schedule }] };
}
