import type { GroupRecord } from '../directory/model.js';
import { stableGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { GROUP_TAG, groupInstanceId, groupScheduleId } from '../pim/group.js';
import type { AccessId } from '../pim/group-policy.js';
import type { Kind, RequestRecord, ScheduleRecord } from '../pim/model.js';
import { endMs } from '../pim/schedules.js';

/**
 * PIM for Groups' records → Graph's JSON (pim-groups-reference §2). The engine stores the accessId
 * as roleDefinitionId and the group id as directoryScopeId (pim/group.ts); these mappers give them
 * their Graph names. Enum values are the schema's camelCase members (§2.4 notes docs that show
 * PascalCase; Microsoft's CSDL declares `assigned`, `activated`, `direct`).
 */
export function groupRequestToWire(r: RequestRecord): Record<string, unknown> {
  return {
    id: r.id,
    status: r.status,
    completedDateTime: r.completedDateTime,
    createdDateTime: r.createdDateTime,
    approvalId: r.approvalId,
    customData: r.customData,
    createdBy: r.createdBy,
    action: r.action,
    isValidationOnly: r.isValidationOnly,
    justification: r.justification,
    scheduleInfo: r.scheduleInfo,
    ticketInfo: r.ticketInfo,
    accessId: r.roleDefinitionId,
    principalId: r.principalId,
    groupId: r.directoryScopeId,
    targetScheduleId: r.targetScheduleId,
  };
}

export const GROUP_REQUEST_PROPERTIES = Object.keys(groupRequestToWire({ ticketInfo: {} } as RequestRecord));

/** A group schedule row: PIM's own, or a direct (non-PIM) membership or ownership seen as Assigned. */
export type GroupRow = ScheduleRecord & { direct?: true };

/**
 * A direct membership as the schedule and instance lists show it (§2.3: for plain memberships the
 * instance id equals assignmentScheduleId, start and end null).
 */
export function directMembershipRow(g: GroupRecord, accessId: AccessId, principalId: string): GroupRow {
  const id = groupScheduleId(g.id, accessId, stableGuid('groupDirectMembership', g.id, accessId, principalId));
  return {
    kind: 'assignment', resource: GROUP_TAG, direct: true, id, principalId, roleDefinitionId: accessId, directoryScopeId: g.id, appScopeId: null,
    assignmentType: 'Assigned', memberType: 'Direct', createdUsing: null, createdDateTime: null as unknown as string, modifiedDateTime: null,
    startDateTime: null as unknown as string, endDateTime: null, expiration: { type: 'noExpiration', endDateTime: null, duration: null },
    activatedUsing: null, revokedDateTime: null, revokedBy: null,
  };
}

const status = (s: GroupRow, nowMs: number): string => (!s.direct && Date.parse(s.startDateTime) > nowMs ? 'Granted' : 'Provisioned');
const assignmentType = (s: GroupRow): string => (s.assignmentType === 'Activated' ? 'activated' : 'assigned');

export function groupScheduleToWire(s: GroupRow, kind: Kind, nowMs: number): Record<string, unknown> {
  const end = endMs(s);
  const expiration = s.revokedDateTime && end !== null && (s.endDateTime === null || end < Date.parse(s.endDateTime))
    ? { type: 'afterDateTime', endDateTime: isoInstant(end), duration: null }
    : s.expiration;
  return {
    id: s.id,
    createdDateTime: s.createdDateTime,
    createdUsing: s.createdUsing,
    modifiedDateTime: s.modifiedDateTime,
    scheduleInfo: { startDateTime: s.startDateTime, recurrence: null, expiration },
    status: status(s, nowMs),
    accessId: s.roleDefinitionId,
    ...(kind === 'assignment' ? { assignmentType: assignmentType(s) } : {}),
    groupId: s.directoryScopeId,
    memberType: 'direct',
    principalId: s.principalId,
  };
}

export function groupInstanceToWire(s: GroupRow, kind: Kind): Record<string, unknown> {
  const end = endMs(s);
  const base = {
    accessId: s.roleDefinitionId,
    groupId: s.directoryScopeId,
    principalId: s.principalId,
    memberType: 'direct',
    startDateTime: s.direct ? null : s.startDateTime,
    endDateTime: end === null ? null : isoInstant(end),
  };
  if (kind === 'eligibility') return { id: groupInstanceId(s), ...base, eligibilityScheduleId: s.id };
  return { id: s.direct ? s.id : groupInstanceId(s), ...base, assignmentScheduleId: s.id, assignmentType: assignmentType(s) };
}
