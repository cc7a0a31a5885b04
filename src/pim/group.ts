import type { GroupRecord, RoleAssignmentRecord, RoleDefinition, TenantData } from '../directory/model.js';
import { findPrincipal } from '../directory/directory.js';
import { azureRole } from '../directory/azure-roles.js';
import { azureAsRole } from './azure-role.js';
import { newGuid, stableGuid } from '../ids.js';
import { coreDirectoryAudit, groupMembershipAudit } from './audit.js';
import { pimErrors } from './errors.js';
import { ACCESS_IDS, groupPolicy, type AccessId } from './group-policy.js';
import { pimIndex, viewSchedules } from './indexes.js';
import { AZURE_ROLE_RESOURCE, GROUP_RESOURCE, type AuditRecord, type ScheduleRecord } from './model.js';
import { enumValue } from './parse.js';
import type { ResourceKind, Target } from './resource.js';
import { isLive, pimMemberGroupIds } from './schedules.js';

/**
 * PIM for Groups (pim-groups-reference): membership or ownership of a group, the engine's second
 * resource kind. The engine's three words carry the group's: `roleDefinitionId` is the accessId
 * (`member` | `owner`) and `directoryScopeId` the group id, so a group target never equals a
 * directory role's (whose scope is '/'). Records carry the tag 'group'.
 */
export const GROUP_TAG = GROUP_RESOURCE;

/** Schedules are `{groupId}_{member|owner}_{requestId}` (§2.3; Terraform azuread parses it). */
export const groupScheduleId = (groupId: string, accessId: string, guid: string): string => `${groupId}_${accessId}_${guid}`;

/** Instances: the same shape with a GUID of their own, unlike the schedule's (§2.3). */
export const groupInstanceId = (s: ScheduleRecord): string => groupScheduleId(s.directoryScopeId, s.roleDefinitionId, stableGuid('groupScheduleInstance', s.id));

/** What audit records name as the "role": the group's membership or ownership. */
export function groupAsRole(group: GroupRecord, accessId: string): RoleDefinition {
  return {
    id: accessId, templateId: accessId, displayName: `${group.displayName} (${accessId})`, description: group.description ?? '',
    isBuiltIn: false, isEnabled: true, resourceScopes: [`/groups/${group.id}`], version: null, rolePermissions: [],
  };
}

/** Groups PIM cannot manage (§2.5): dynamic-membership groups. */
const isDynamic = (g: GroupRecord): boolean => g.groupTypes.some((t) => t.toLowerCase() === 'dynamicmembership');

/** Direct (non-PIM) members or owners of a group. */
export const directOf = (g: GroupRecord, accessId: AccessId): string[] => (accessId === 'member' ? g.members : (g.owners ?? []));

export const groups: ResourceKind = {
  name: 'group',
  tag: GROUP_TAG,

  resolve(t, _roles, input): Target {
    if (!input.principalId || !input.directoryScopeId || !input.roleDefinitionId) throw pimErrors.invalidRequest();
    const accessId = enumValue(ACCESS_IDS, input.roleDefinitionId);
    const group = t.groups.find((g) => g.id === input.directoryScopeId!.toLowerCase());
    if (!group) throw pimErrors.invalidRequestBecause(`The group ${input.directoryScopeId} was not found.`);
    if (isDynamic(group)) throw pimErrors.invalidRequestBecause('Dynamic membership groups cannot be managed with PIM for Groups.');
    const principal = findPrincipal(t, input.principalId);
    // §2.1: the principal is a user or a group.
    if (!principal || principal.kind === 'servicePrincipal') throw pimErrors.invalidRequest();
    return { principalId: principal.record.id, roleDefinitionId: accessId, directoryScopeId: group.id, role: groupAsRole(group, accessId) };
  },

  newId: newGuid,
  scheduleId: (target, requestId) => groupScheduleId(target.directoryScopeId, target.roleDefinitionId, requestId),

  policy: (t, target) => groupPolicy(t, target.directoryScopeId, target.roleDefinitionId),

  // A direct membership (or ownership) is the group's assignment made outside PIM.
  standing(t, kind, target): RoleAssignmentRecord | undefined {
    if (kind !== 'assignment') return undefined;
    const group = t.groups.find((g) => g.id === target.directoryScopeId);
    if (!group || !directOf(group, target.roleDefinitionId as AccessId).includes(target.principalId)) return undefined;
    return { id: groupScheduleId(group.id, target.roleDefinitionId, target.principalId), principalId: target.principalId, roleDefinitionId: target.roleDefinitionId, directoryScopeId: group.id, appScopeId: null, createdDateTime: null };
  },

  removeStanding(t, standing) {
    const group = t.groups.find((g) => g.id === standing.directoryScopeId);
    if (!group) return;
    if (standing.roleDefinitionId === 'member') group.members = group.members.filter((m) => m !== standing.principalId);
    else group.owners = (group.owners ?? []).filter((m) => m !== standing.principalId);
  },

  // Membership is derived from the schedules on read (holdersOf); what remains is Core Directory's record of the change.
  onActiveChange: (t, target, active, nowMs, correlationId) => [groupMembershipAudit(t, active, target.roleDefinitionId, target.directoryScopeId, target.principalId, nowMs, correlationId)],
};

/** The group's active PIM assignments (admin-assigned or activated) in force now: members or owners through PIM (§2.5). */
export function livePimAssignments(t: TenantData, groupId: string, accessId: AccessId, nowMs: number): ScheduleRecord[] {
  return viewSchedules(t, pimIndex(t).assignmentSchedulesOf(accessId)).filter((s) => s.resource === GROUP_TAG && s.directoryScopeId === groupId && isLive(s, nowMs));
}

/** Members (or owners) right now, in order: the direct ones, then those PIM makes so (eligible ones do not count). */
export function holdersOf(t: TenantData, group: GroupRecord, accessId: AccessId, nowMs: number): string[] {
  const ids = [...directOf(group, accessId)];
  for (const s of livePimAssignments(t, group.id, accessId, nowMs)) if (!ids.includes(s.principalId)) ids.push(s.principalId);
  return ids;
}

/**
 * The groups a principal (user or group) is a member of right now: directly, or through an active
 * or activated PIM for Groups assignment (§2.5; eligible ones do not count). With `transitive`, also
 * the groups those groups are members of. In the tenant's group order.
 */
export function memberGroupsOf(t: TenantData, principalId: string, nowMs: number, transitive: boolean): GroupRecord[] {
  const found = new Set<string>();
  let frontier = [principalId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const p of frontier) {
      for (const id of [...t.groups.filter((g) => g.members.includes(p)).map((g) => g.id), ...pimMemberGroupIds(t, p, nowMs)]) {
        if (!found.has(id)) {
          found.add(id);
          next.push(id);
        }
      }
    }
    if (!transitive) break;
    frontier = next;
  }
  return t.groups.filter((g) => found.has(g.id));
}

/** What a record's audit entries and mails name as its "role": the role definition, or the group's membership or ownership. */
export function roleOfRecord(t: TenantData, roles: readonly RoleDefinition[], r: { resource?: string; roleDefinitionId: string; directoryScopeId: string }): RoleDefinition | undefined {
  if (r.resource === AZURE_ROLE_RESOURCE) {
    const azure = azureRole(r.roleDefinitionId);
    return azure ? azureAsRole(azure) : undefined;
  }
  if (r.resource !== GROUP_TAG) return roles.find((x) => x.id === r.roleDefinitionId);
  const group = t.groups.find((g) => g.id === r.directoryScopeId);
  return group ? groupAsRole(group, r.roleDefinitionId) : undefined;
}

/** Core Directory's record of an active assignment starting or ending: a role membership, or a group membership/ownership. */
export function activeChangeAudit(t: TenantData, r: { resource?: string; roleDefinitionId: string; directoryScopeId: string; principalId: string }, role: RoleDefinition, add: boolean, nowMs: number, correlationId: string): AuditRecord {
  return r.resource === GROUP_TAG
    ? groupMembershipAudit(t, add, r.roleDefinitionId, r.directoryScopeId, r.principalId, nowMs, correlationId)
    : coreDirectoryAudit(t, add, role, r.principalId, nowMs, correlationId);
}
