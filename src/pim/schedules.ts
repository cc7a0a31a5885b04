import type { RoleAssignmentRecord, TenantData } from '../directory/model.js';
import { principalIdsOf } from '../directory/directory.js';
import { roleAssignmentId } from '../ids.js';
import { GROUP_RESOURCE, isDirectoryRoleRecord, type Kind, type ScheduleRecord } from './model.js';
import { pimIndex, viewSchedules } from './indexes.js';

/**
 * Time-dependent state is derived from stored schedules and `now` when read, so a GET right after
 * a clock jump is already correct (design.md "Time").
 */
const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

export function endMs(s: ScheduleRecord): number | null {
  const end = ms(s.endDateTime);
  const revoked = ms(s.revokedDateTime);
  if (revoked === null) return end;
  return end === null ? revoked : Math.min(end, revoked);
}

/** In force right now. */
export function isLive(s: ScheduleRecord, nowMs: number): boolean {
  const end = endMs(s);
  return Date.parse(s.startDateTime) <= nowMs && (end === null || nowMs < end);
}

/** In force now or later (Graph lists these as schedules). */
export function isCurrentOrFuture(s: ScheduleRecord, nowMs: number): boolean {
  const end = endMs(s);
  return end === null || nowMs < end;
}

/** Ran to its end date (not revoked early). */
export function hasExpired(s: ScheduleRecord, nowMs: number): boolean {
  const end = ms(s.endDateTime);
  return s.revokedDateTime === null && end !== null && end <= nowMs;
}

export function sameTarget(s: ScheduleRecord, kind: Kind, principalId: string, roleDefinitionId: string, directoryScopeId: string): boolean {
  // A group's member/owner target never equals a role's: their scopes differ (a group id, not '/').
  return s.kind === kind && s.principalId === principalId && s.roleDefinitionId === roleDefinitionId && s.directoryScopeId === directoryScopeId;
}

/** The schedules of these principals (from the index; tracked inside a store update), in the order they were made. */
export function schedulesOf(t: TenantData, principalIds: readonly string[]): ScheduleRecord[] {
  const ix = pimIndex(t);
  const found = principalIds.flatMap((id) => [...ix.schedulesOf(id)]);
  return viewSchedules(t, principalIds.length > 1 ? found.sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime)) : found);
}

/**
 * The groups a principal is a member of right now through PIM for Groups: its active or activated
 * member assignments (pim-groups-reference §2.5; eligible ones do not make a member).
 */
export function pimMemberGroupIds(t: TenantData, principalId: string, nowMs: number): string[] {
  return schedulesOf(t, [principalId]).filter((s) => s.resource === GROUP_RESOURCE && s.kind === 'assignment' && s.roleDefinitionId === 'member' && isLive(s, nowMs)).map((s) => s.directoryScopeId);
}

/**
 * The principal ids whose assignments apply to a user right now: the user, the groups it is a direct
 * member of, and the groups PIM makes it a member of while that lasts — so a role-assignable group's
 * roles reach the members PIM for Groups gives it (the PIM-for-Groups-to-roles pattern).
 */
export function principalIdsAt(t: TenantData, userId: string, nowMs: number): string[] {
  return [...new Set([...principalIdsOf(t, userId), ...pimMemberGroupIds(t, userId, nowMs)])];
}

/**
 * A user's eligibilities for a role right now: its own, or a role-assignable group's it belongs to.
 * `covers` says whether an eligibility at its scope entitles an activation at the target scope
 * (default: the same scope); the nearest scope comes first.
 */
export function liveEligibilities(
  t: TenantData, userOrPrincipalId: string, roleDefinitionId: string, directoryScopeId: string, nowMs: number, resource?: string,
  covers: (eligibilityScope: string, targetScope: string) => boolean = (e, s) => e === s,
): ScheduleRecord[] {
  return schedulesOf(t, principalIdsAt(t, userOrPrincipalId, nowMs))
    .filter((s) => s.kind === 'eligibility' && s.resource === (resource ?? undefined) && s.roleDefinitionId === roleDefinitionId && covers(s.directoryScopeId, directoryScopeId) && isLive(s, nowMs))
    .sort((a, b) => b.directoryScopeId.length - a.directoryScopeId.length);
}

/**
 * The role assignments in force right now: direct ones plus PIM's live active assignments
 * (admin-assigned or activated). An activation is a role assignment while it lasts (reference §2.5).
 */
export function effectiveRoleAssignments(t: TenantData, nowMs: number): Array<RoleAssignmentRecord & { schedule?: ScheduleRecord }> {
  // Only the active-assignment schedules (from the index), never the eligibilities.
  const pim = viewSchedules(t, pimIndex(t).assignmentSchedules())
    .filter((s) => isDirectoryRoleRecord(s) && isLive(s, nowMs))
    .map((s) => ({
      id: roleAssignmentId(s.roleDefinitionId, s.principalId),
      principalId: s.principalId,
      roleDefinitionId: s.roleDefinitionId,
      directoryScopeId: s.directoryScopeId,
      appScopeId: s.appScopeId,
      createdDateTime: s.startDateTime,
      schedule: s,
    }));
  return [...t.roleAssignments, ...pim];
}

/**
 * Who holds any of these roles at the tenant scope right now (directly or through PIM), by
 * principal id: a group holder stands for its members. From the index by role, so the cost does
 * not grow with the other roles' assignments.
 */
export function tenantWideHolders(t: TenantData, roleDefinitionIds: readonly string[], nowMs: number): Set<string> {
  const wanted = new Set(roleDefinitionIds.map((r) => r.toLowerCase()));
  const holders = new Set<string>();
  for (const a of t.roleAssignments) if (a.directoryScopeId === '/' && wanted.has(a.roleDefinitionId.toLowerCase())) holders.add(a.principalId);
  const ix = pimIndex(t);
  for (const role of wanted) {
    for (const s of viewSchedules(t, ix.assignmentSchedulesOf(role))) if (s.directoryScopeId === '/' && isDirectoryRoleRecord(s) && isLive(s, nowMs)) holders.add(s.principalId);
  }
  return holders;
}

/** Template ids of the roles a principal (and its groups) holds right now: wids and authorization. */
export function activeRoleTemplateIds(t: TenantData, principalId: string, nowMs: number): string[] {
  return rolesHeldBy(t, principalIdsAt(t, principalId, nowMs), nowMs);
}

/** Template ids of the tenant-wide roles these principals hold right now, directly or through PIM (active, never eligible). */
export function rolesHeldBy(t: TenantData, principals: readonly string[], nowMs: number): string[] {
  const ids = new Set(principals);
  const direct = t.roleAssignments.filter((a) => ids.has(a.principalId) && a.directoryScopeId === '/').map((a) => a.roleDefinitionId);
  const pim = schedulesOf(t, principals).filter((s) => s.kind === 'assignment' && s.directoryScopeId === '/' && isDirectoryRoleRecord(s) && isLive(s, nowMs)).map((s) => s.roleDefinitionId);
  return [...new Set([...direct, ...pim])];
}
