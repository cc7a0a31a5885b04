import type { RoleAssignmentRecord, TenantData } from '../directory/model.js';
import { eligibilityInstanceId, roleAssignmentId } from '../ids.js';
import { isDirectoryRoleRecord, type Kind, type RequestRecord, type ScheduleRecord } from '../pim/model.js';
import { endMs, isLive, schedulesOf } from '../pim/schedules.js';
import { isoInstant } from '../iso8601.js';
import { approvalStageStatus } from '../pim/approvals.js';

/** PIM records → Graph's JSON (reference §1.4, §1.5). Internal fields never leave. */
export function requestToWire(r: RequestRecord): Record<string, unknown> {
  return {
    id: r.id,
    status: r.status,
    createdDateTime: r.createdDateTime,
    completedDateTime: r.completedDateTime,
    approvalId: r.approvalId,
    customData: r.customData,
    action: r.action,
    principalId: r.principalId,
    roleDefinitionId: r.roleDefinitionId,
    directoryScopeId: r.directoryScopeId,
    appScopeId: r.appScopeId,
    isValidationOnly: r.isValidationOnly,
    targetScheduleId: r.targetScheduleId,
    justification: r.justification,
    createdBy: r.createdBy,
    scheduleInfo: r.scheduleInfo,
    ticketInfo: r.ticketInfo,
  };
}

export const REQUEST_PROPERTIES = Object.keys(requestToWire({ ticketInfo: {} } as RequestRecord));

/** A schedule in force now is Provisioned; one that starts later is Granted. */
function scheduleStatus(s: ScheduleRecord, nowMs: number): string {
  return Date.parse(s.startDateTime) > nowMs ? 'Granted' : 'Provisioned';
}

export function scheduleToWire(s: ScheduleRecord, nowMs: number): Record<string, unknown> {
  const end = endMs(s);
  return {
    id: s.id,
    principalId: s.principalId,
    roleDefinitionId: s.roleDefinitionId,
    directoryScopeId: s.directoryScopeId,
    appScopeId: s.appScopeId,
    createdUsing: s.createdUsing,
    createdDateTime: s.createdDateTime,
    modifiedDateTime: s.modifiedDateTime,
    status: scheduleStatus(s, nowMs),
    ...(s.kind === 'assignment' ? { assignmentType: s.assignmentType } : {}),
    memberType: s.memberType,
    scheduleInfo: {
      startDateTime: s.startDateTime,
      recurrence: null,
      expiration: s.revokedDateTime && end !== null && (s.endDateTime === null || end < Date.parse(s.endDateTime))
        ? { type: 'afterDateTime', endDateTime: isoInstant(end), duration: null }
        : s.expiration,
    },
  };
}

/** A schedule as the read collections list it: PIM's own, or a direct (non-PIM) assignment seen as one. */
export type ScheduleView = ScheduleRecord & { direct?: true };

/**
 * A direct (non-PIM) assignment seen as a PIM schedule: Assigned, Provisioned, no expiration,
 * id = the assignment id; as an instance it has no start (reference §1.5). Its createdDateTime may
 * be null (a seed may leave it out), which both mappers pass through as null.
 */
export function directAsSchedule(a: RoleAssignmentRecord): ScheduleView {
  return {
    kind: 'assignment', direct: true, id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId,
    appScopeId: a.appScopeId, assignmentType: 'Assigned', memberType: 'Direct', createdUsing: a.id, createdDateTime: a.createdDateTime as string,
    modifiedDateTime: null, startDateTime: a.createdDateTime as string, endDateTime: null, expiration: { type: 'noExpiration', endDateTime: null, duration: null },
    activatedUsing: null, revokedDateTime: null, revokedBy: null,
  };
}

/** Instances: what is in force right now, one per schedule (reference §1.5, §2.5 ids). */
export function instanceToWire(s: ScheduleView): Record<string, unknown> {
  const end = endMs(s);
  const base = {
    principalId: s.principalId,
    roleDefinitionId: s.roleDefinitionId,
    directoryScopeId: s.directoryScopeId,
    appScopeId: s.appScopeId,
    startDateTime: s.direct ? null : s.startDateTime,
    endDateTime: end === null ? null : isoInstant(end),
    memberType: s.memberType,
  };
  if (s.kind === 'eligibility') {
    return { id: eligibilityInstanceId(s.roleDefinitionId, s.principalId), ...base, roleEligibilityScheduleId: s.id };
  }
  const raId = s.direct ? s.id : roleAssignmentId(s.roleDefinitionId, s.principalId);
  return { id: raId, ...base, assignmentType: s.assignmentType, roleAssignmentOriginId: raId, roleAssignmentScheduleId: s.id };
}

/** A tenant's schedules, or one principal's (from the index). */
const candidates = (t: TenantData, principalId: string | undefined): readonly ScheduleRecord[] =>
  (principalId === undefined ? t.pim.schedules : schedulesOf(t, [principalId])).filter(isDirectoryRoleRecord);

/** Schedules Graph lists: in force now or later (expired and revoked ones drop out). */
export function listedSchedules(t: TenantData, kind: Kind, nowMs: number, principalId?: string): ScheduleRecord[] {
  return candidates(t, principalId).filter((s) => s.kind === kind && (endMs(s) === null || nowMs < endMs(s)!));
}

export function liveSchedules(t: TenantData, kind: Kind, nowMs: number, principalId?: string): ScheduleRecord[] {
  return candidates(t, principalId).filter((s) => s.kind === kind && isLive(s, nowMs));
}

export const TYPE_NAMES = {
  request: { assignment: 'unifiedRoleAssignmentScheduleRequest', eligibility: 'unifiedRoleEligibilityScheduleRequest' },
  schedule: { assignment: 'unifiedRoleAssignmentSchedule', eligibility: 'unifiedRoleEligibilitySchedule' },
  instance: { assignment: 'unifiedRoleAssignmentScheduleInstance', eligibility: 'unifiedRoleEligibilityScheduleInstance' },
} as const;

export const SEGMENTS = {
  request: { assignment: 'roleAssignmentScheduleRequests', eligibility: 'roleEligibilityScheduleRequests' },
  schedule: { assignment: 'roleAssignmentSchedules', eligibility: 'roleEligibilitySchedules' },
  instance: { assignment: 'roleAssignmentScheduleInstances', eligibility: 'roleEligibilityScheduleInstances' },
} as const;

/** An approval's one stage (v1.0 approvalStage, beta approvalStep: same properties), as `callerId` sees it at `nowMs`. */
export function approvalStageToWire(r: RequestRecord, callerId: string, nowMs: number): Record<string, unknown> {
  const s = r.approval!.step;
  return {
    id: r.id,
    assignedToMe: r.approval!.approverIds.includes(callerId),
    displayName: null,
    justification: s.justification,
    reviewedBy: s.reviewedBy,
    reviewedDateTime: s.reviewedDateTime,
    reviewResult: s.reviewResult,
    status: approvalStageStatus(r, nowMs),
  };
}
