import type { PolicyRecord, PolicyRule, TenantData } from '../directory/model.js';
import { findPrincipal } from '../directory/directory.js';
import { scopeById } from '../directory/azure.js';
import type { ArmRoleAssignmentRecord } from '../directory/azure-assignments.js';
import { azureRole, roleDefinitionArmId, type AzureRoleDefinition } from '../directory/azure-roles.js';
import { stableGuid } from '../ids.js';
import { principalTypeOf } from '../pim/azure-role.js';
import type { Kind, RequestRecord, ScheduleRecord } from '../pim/model.js';

/**
 * Wire shapes of Microsoft.Authorization (arm-pim-reference §2): ARM resources `{properties, name,
 * id, type}`, PascalCase enums, full role definition ids and expandedProperties. Id casing follows
 * the SPEC examples: `…/RoleEligibilityScheduleRequests/{name}` for PIM records, but the singular
 * `…/roleManagementPolicyAssignment/{name}` for policy assignments.
 */

const AUTH = '/providers/Microsoft.Authorization';
export const authId = (scope: string, segment: string, name: string): string => `${scope}${AUTH}/${segment}/${name}`;
const subscriptionOf = (scope: string): string => scope.split('/')[2]!;
export const fullRoleId = (scope: string, roleGuid: string): string => roleDefinitionArmId(subscriptionOf(scope), roleGuid);

/**
 * An activation's approval as ARM names it: a tenant-level Microsoft.Authorization resource,
 * `/providers/Microsoft.Authorization/roleAssignmentApprovals/{approvalId}` (api-version
 * 2021-01-01-preview; Azure/bicep-types-az generated/authorization 2021-01-01-preview types.md).
 */
export const approvalArmId = (approvalId: string): string => `${AUTH}/roleAssignmentApprovals/${approvalId}`;

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const SEGMENT = {
  request: { eligibility: 'RoleEligibilityScheduleRequests', assignment: 'RoleAssignmentScheduleRequests' },
  schedule: { eligibility: 'RoleEligibilitySchedules', assignment: 'RoleAssignmentSchedules' },
  instance: { eligibility: 'RoleEligibilityScheduleInstances', assignment: 'RoleAssignmentScheduleInstances' },
} as const;

export function expandedProperties(t: TenantData, scope: string, roleGuid: string, principalId: string): Record<string, unknown> {
  const s = scopeById(t, scope);
  const role = azureRole(roleGuid);
  const p = findPrincipal(t, principalId);
  const principal = p
    ? { id: p.record.id, displayName: p.record.displayName, ...(p.kind === 'user' ? { email: p.record.mail ?? p.record.userPrincipalName } : {}), type: principalTypeOf(p.kind) }
    : { id: principalId, displayName: null, type: 'User' };
  return {
    principal,
    roleDefinition: { id: fullRoleId(scope, roleGuid), displayName: role?.roleName ?? null, type: 'BuiltInRole' },
    scope: { id: scope, displayName: s?.displayName ?? null, type: s?.type ?? null },
  };
}

const principalType = (t: TenantData, id: string) => principalTypeOf(findPrincipal(t, id)?.kind);

export function requestToArm(t: TenantData, r: RequestRecord): Record<string, unknown> {
  const which = r.kind === 'eligibility' ? 'Eligibility' : 'Assignment';
  const scope = r.directoryScopeId;
  return {
    properties: {
      [`targetRole${which}ScheduleId`]: r.targetScheduleId,
      [`targetRole${which}ScheduleInstanceId`]: null,
      ...(r.kind === 'assignment' ? { linkedRoleEligibilityScheduleId: r.activatedUsing ?? null } : {}),
      scope,
      roleDefinitionId: fullRoleId(scope, r.roleDefinitionId),
      principalId: r.principalId,
      principalType: principalType(t, r.principalId),
      requestType: pascal(r.action),
      status: r.status,
      approvalId: r.approvalId ? approvalArmId(r.approvalId) : null,
      scheduleInfo: r.scheduleInfo
        ? { startDateTime: r.scheduleInfo.startDateTime, expiration: { type: pascal(r.scheduleInfo.expiration.type), endDateTime: r.scheduleInfo.expiration.endDateTime, duration: r.scheduleInfo.expiration.duration } }
        : null,
      ticketInfo: { ticketNumber: r.ticketInfo.ticketNumber, ticketSystem: r.ticketInfo.ticketSystem },
      justification: r.justification,
      requestorId: r.createdBy.user?.id ?? r.createdBy.application?.id ?? null,
      createdOn: r.createdDateTime,
      condition: null,
      conditionVersion: null,
      expandedProperties: expandedProperties(t, scope, r.roleDefinitionId, r.principalId),
    },
    name: r.id,
    id: authId(scope, SEGMENT.request[r.kind], r.id),
    type: `Microsoft.Authorization/${SEGMENT.request[r.kind]}`,
  };
}

/**
 * A row of the schedule and instance lists: a PIM schedule, or a role assignment made outside
 * PIM (listed as a permanent Assigned assignment, as the portal shows it).
 */
export interface ArmRow {
  kind: Kind;
  /** The schedule's name. */
  name: string;
  scope: string;
  roleGuid: string;
  principalId: string;
  startDateTime: string;
  endDateTime: string | null;
  createdOn: string;
  updatedOn: string;
  /** The request that made it (null for assignments made outside PIM). */
  requestName: string | null;
  assignmentType?: 'Assigned' | 'Activated';
  /** Activations: the eligibility schedule's name. */
  linkedEligibility: string | null;
  /** Future starts are Granted until they begin. */
  status: 'Provisioned' | 'Granted';
  /** The role assignment ARM lists for it while it is in force. */
  roleAssignmentName: string;
}

export function scheduleRow(s: ScheduleRecord, nowMs: number, roleAssignmentName: string): ArmRow {
  return {
    kind: s.kind, name: s.id, scope: s.directoryScopeId, roleGuid: s.roleDefinitionId, principalId: s.principalId,
    startDateTime: s.startDateTime, endDateTime: s.revokedDateTime && (!s.endDateTime || s.revokedDateTime < s.endDateTime) ? s.revokedDateTime : s.endDateTime,
    createdOn: s.createdDateTime, updatedOn: s.modifiedDateTime ?? s.createdDateTime,
    requestName: s.createdUsing, ...(s.assignmentType ? { assignmentType: s.assignmentType } : {}), linkedEligibility: s.activatedUsing,
    status: Date.parse(s.startDateTime) > nowMs ? 'Granted' : 'Provisioned', roleAssignmentName,
  };
}

export function classicRow(a: ArmRoleAssignmentRecord): ArmRow {
  return {
    kind: 'assignment', name: stableGuid('armClassicSchedule', a.id), scope: a.scope, roleGuid: a.roleDefinitionId, principalId: a.principalId,
    startDateTime: a.createdOn, endDateTime: null, createdOn: a.createdOn, updatedOn: a.updatedOn, requestName: null, assignmentType: 'Assigned',
    linkedEligibility: null, status: 'Provisioned', roleAssignmentName: a.id,
  };
}

export const instanceName = (row: ArmRow): string => stableGuid('armScheduleInstance', row.name);

/** memberType: Direct at the scope listed, Inherited from a scope above it (§2.4). */
export type MemberType = 'Direct' | 'Inherited';

export function scheduleToArm(t: TenantData, row: ArmRow, memberType: MemberType, linkedScope: string | null): Record<string, unknown> {
  const kind = row.kind;
  const which = kind === 'eligibility' ? 'Eligibility' : 'Assignment';
  return {
    properties: {
      scope: row.scope,
      roleDefinitionId: fullRoleId(row.scope, row.roleGuid),
      principalId: row.principalId,
      principalType: principalType(t, row.principalId),
      [`role${which}ScheduleRequestId`]: row.requestName ? authId(row.scope, SEGMENT.request[kind], row.requestName) : null,
      ...(kind === 'assignment'
        ? { linkedRoleEligibilityScheduleId: row.linkedEligibility && linkedScope ? authId(linkedScope, SEGMENT.schedule.eligibility, row.linkedEligibility) : null, assignmentType: row.assignmentType }
        : {}),
      memberType,
      status: row.status,
      startDateTime: row.startDateTime,
      endDateTime: row.endDateTime,
      condition: null,
      conditionVersion: null,
      createdOn: row.createdOn,
      updatedOn: row.updatedOn,
      expandedProperties: expandedProperties(t, row.scope, row.roleGuid, row.principalId),
    },
    name: row.name,
    id: authId(row.scope, SEGMENT.schedule[kind], row.name),
    type: `Microsoft.Authorization/${SEGMENT.schedule[kind]}`,
  };
}

export function instanceToArm(t: TenantData, row: ArmRow, memberType: MemberType, linkedScope: string | null): Record<string, unknown> {
  const kind = row.kind;
  const which = kind === 'eligibility' ? 'Eligibility' : 'Assignment';
  const name = instanceName(row);
  return {
    properties: {
      scope: row.scope,
      roleDefinitionId: fullRoleId(row.scope, row.roleGuid),
      principalId: row.principalId,
      principalType: principalType(t, row.principalId),
      [`role${which}ScheduleId`]: authId(row.scope, SEGMENT.schedule[kind], row.name),
      ...(kind === 'assignment'
        ? {
            originRoleAssignmentId: authId(row.scope, 'roleAssignments', row.roleAssignmentName),
            linkedRoleEligibilityScheduleId: row.linkedEligibility && linkedScope ? authId(linkedScope, SEGMENT.schedule.eligibility, row.linkedEligibility) : null,
            linkedRoleEligibilityScheduleInstanceId: row.linkedEligibility && linkedScope ? authId(linkedScope, SEGMENT.instance.eligibility, stableGuid('armScheduleInstance', row.linkedEligibility)) : null,
            assignmentType: row.assignmentType,
          }
        : {}),
      status: row.status,
      startDateTime: row.startDateTime,
      endDateTime: row.endDateTime,
      memberType,
      createdOn: row.createdOn,
      condition: null,
      conditionVersion: null,
      expandedProperties: expandedProperties(t, row.scope, row.roleGuid, row.principalId),
    },
    name,
    id: authId(row.scope, SEGMENT.instance[kind], name),
    type: `Microsoft.Authorization/${SEGMENT.instance[kind]}`,
  };
}

// Built-in roles were created when Azure RBAC shipped; Microsoft's timestamps vary per role.
const BUILT_IN_CREATED = '2015-02-02T21:55:09.8806423Z';

export function roleDefinitionToArm(subscriptionId: string, r: AzureRoleDefinition): Record<string, unknown> {
  return {
    properties: {
      roleName: r.roleName,
      type: 'BuiltInRole',
      description: r.description,
      assignableScopes: ['/'],
      permissions: [{ actions: [...r.actions], notActions: [...r.notActions], dataActions: [...r.dataActions], notDataActions: [] }],
      createdOn: BUILT_IN_CREATED,
      updatedOn: BUILT_IN_CREATED,
      createdBy: null,
      updatedBy: null,
    },
    id: roleDefinitionArmId(subscriptionId, r.name),
    type: 'Microsoft.Authorization/roleDefinitions',
    name: r.name,
  };
}

export function roleAssignmentToArm(a: ArmRoleAssignmentRecord): Record<string, unknown> {
  return {
    properties: {
      roleDefinitionId: fullRoleId(a.scope, a.roleDefinitionId),
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: a.condition,
      conditionVersion: a.conditionVersion,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn,
      createdBy: a.createdBy,
      updatedBy: a.updatedBy,
      delegatedManagedIdentityResourceId: null,
      description: a.description,
    },
    id: authId(a.scope, 'roleAssignments', a.id),
    type: 'Microsoft.Authorization/roleAssignments',
    name: a.id,
  };
}

// ---- policies (§2.5) ----

const RULE_TYPES: Record<string, string> = {
  '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule': 'RoleManagementPolicyExpirationRule',
  '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule': 'RoleManagementPolicyEnablementRule',
  '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule': 'RoleManagementPolicyNotificationRule',
  '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule': 'RoleManagementPolicyApprovalRule',
  '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule': 'RoleManagementPolicyAuthenticationContextRule',
};
export const ruleTypeOf = (r: PolicyRule): string => RULE_TYPES[r['@odata.type']]!;
export const odataTypeOf = (ruleType: string): string | undefined => Object.keys(RULE_TYPES).find((k) => RULE_TYPES[k] === ruleType);

type GraphApprover = { '@odata.type'?: string; userId?: string; groupId?: string; description?: string | null };
type ArmApprover = { id: string; description: string | null; isBackup: boolean; userType: 'User' | 'Group' };
const approverToArm = (a: GraphApprover): ArmApprover => ({ id: a.userId ?? a.groupId ?? '', description: a.description ?? null, isBackup: false, userType: a.groupId ? 'Group' : 'User' });
export const approverFromArm = (a: ArmApprover): GraphApprover =>
  a.userType === 'Group' ? { '@odata.type': '#microsoft.graph.groupMembers', groupId: a.id, description: a.description } : { '@odata.type': '#microsoft.graph.singleUser', userId: a.id, description: a.description };

/** A stored (Graph-shaped) rule as ARM returns it: its settings, then id, ruleType and target. */
export function ruleToArm(rule: PolicyRule): Record<string, unknown> {
  const { '@odata.type': _type, id, target, ...settings } = rule;
  const out: Record<string, unknown> = { ...settings };
  if (out.setting && typeof out.setting === 'object') {
    const s = out.setting as { approvalStages?: Array<Record<string, unknown>> };
    out.setting = {
      ...s,
      approvalStages: (s.approvalStages ?? []).map((st) => ({
        ...st,
        primaryApprovers: ((st.primaryApprovers as GraphApprover[] | undefined) ?? []).map(approverToArm),
        escalationApprovers: ((st.escalationApprovers as GraphApprover[] | undefined) ?? []).map(approverToArm),
      })),
    };
  }
  if ('claimValue' in out && out.claimValue === null) out.claimValue = '';
  return {
    ...out,
    id,
    ruleType: ruleTypeOf(rule),
    target: {
      caller: target.caller,
      operations: target.operations.map((o) => (o.toLowerCase() === 'all' ? 'All' : o)),
      level: target.level,
      targetObjects: null,
      inheritableSettings: null,
      enforcedSettings: null,
    },
  };
}

const scopeRef = (t: TenantData, scope: string) => {
  const s = scopeById(t, scope);
  return { id: scope, displayName: s?.displayName ?? null, type: s?.type ?? null };
};

const modifiedBy = (t: TenantData, p: PolicyRecord) => {
  if (!p.lastModifiedBy?.id) return null;
  const u = t.users.find((x) => x.id === p.lastModifiedBy!.id);
  return { id: p.lastModifiedBy.id, displayName: p.lastModifiedBy.displayName, type: 'User', email: u?.mail ?? u?.userPrincipalName ?? null };
};

export const policyArmId = (p: PolicyRecord): string => authId(p.scopeId, 'roleManagementPolicies', p.id);

export function policyToArm(t: TenantData, p: PolicyRecord): Record<string, unknown> {
  const rules = p.rules.map(ruleToArm);
  return {
    properties: {
      scope: p.scopeId,
      displayName: null,
      description: null,
      isOrganizationDefault: false,
      lastModifiedBy: modifiedBy(t, p),
      lastModifiedDateTime: p.lastModifiedDateTime,
      rules,
      effectiveRules: rules,
      policyProperties: { scope: scopeRef(t, p.scopeId) },
    },
    name: p.id,
    id: policyArmId(p),
    type: 'Microsoft.Authorization/RoleManagementPolicies',
  };
}

export const policyAssignmentName = (p: PolicyRecord): string => `${p.id}_${p.roleDefinitionId}`;

export function policyAssignmentToArm(t: TenantData, p: PolicyRecord): Record<string, unknown> {
  const name = policyAssignmentName(p);
  const role = azureRole(p.roleDefinitionId);
  return {
    properties: {
      scope: p.scopeId,
      roleDefinitionId: fullRoleId(p.scopeId, p.roleDefinitionId),
      policyId: policyArmId(p),
      effectiveRules: p.rules.map(ruleToArm),
      policyAssignmentProperties: {
        scope: scopeRef(t, p.scopeId),
        roleDefinition: { id: fullRoleId(p.scopeId, p.roleDefinitionId), displayName: role?.roleName ?? null, type: 'BuiltInRole' },
        policy: { id: policyArmId(p), lastModifiedBy: modifiedBy(t, p), lastModifiedDateTime: p.lastModifiedDateTime },
      },
    },
    name,
    id: authId(p.scopeId, 'roleManagementPolicyAssignment', name),
    type: 'Microsoft.Authorization/RoleManagementPolicyAssignment',
  };
}
