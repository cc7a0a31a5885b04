import type { PolicyRecord, RoleDefinition, TenantData } from '../directory/model.js';
import { findPrincipal } from '../directory/directory.js';
import { scopeById } from '../directory/azure.js';
import { ROLE } from '../directory/roles.js';
import { newGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { AZURE_ROLE_RESOURCE, GROUP_RESOURCE, type Actor, type AuditRecord, type RequestRecord, type ScheduleRecord } from './model.js';

/**
 * directoryAudit records as PIM writes them (reference §7): category RoleManagement, loggedByService
 * PIM, Entra's activity names; the directory change itself is a second record by Core Directory,
 * initiated by the MS-PIM app.
 */
export const MS_PIM = { appId: '01fc33a7-78ba-4d2f-a4b7-768e336e890e', displayName: 'MS-PIM' };
/** System-initiated PIM records (expiry) name this user (reference §7, LAB 67657175704). */
export const AZURE_AD_PIM = { id: '9dfd627f-bdc5-4b1c-af9d-c85097fdeff8', displayName: 'Azure AD PIM' };

/** Well-known object names Core Directory puts in Role.WellKnownObjectName, for the roles that have one. */
const WELL_KNOWN: Record<string, string> = {
  [ROLE.globalAdministrator]: 'TenantAdmins',
  [ROLE.privilegedRoleAdministrator]: 'PrivilegedRoleAdmins',
  [ROLE.userAdministrator]: 'UserAccountAdmins',
  [ROLE.securityReader]: 'SecurityReaders',
  [ROLE.securityAdministrator]: 'SecurityAdministrators',
  [ROLE.helpdeskAdministrator]: 'HelpDeskAdmins',
};

/**
 * PIM writes each resource kind's records under its own audit category, with the same activity
 * names: RoleManagement for Microsoft Entra roles, GroupManagement for PIM for Groups (Entra audit
 * activity reference, "Privileged Identity Management" table: MicrosoftDocs/entra-docs
 * docs/identity/monitoring-health/reference-audit-activities.md, e.g. "GroupManagement | Add member
 * to role completed (PIM activation)"), and ResourceManagement for Azure resource roles (the same
 * table's "ResourceManagement | Add member to role completed (PIM activation)" rows).
 */
export const auditCategoryOf = (r: { resource?: string } | undefined): string =>
  r?.resource === GROUP_RESOURCE ? 'GroupManagement' : r?.resource === AZURE_ROLE_RESOURCE ? 'ResourceManagement' : 'RoleManagement';

/** .NET ticks (100 ns since 0001-01-01), as PIM record ids carry them. */
const ticks = (ms: number): string => (BigInt(ms) * 10000n + 621355968000000000n).toString();

export interface AuditInput {
  activity: string;
  operationType: string;
  actor: Actor | 'system';
  role: RoleDefinition;
  principalId: string;
  request?: RequestRecord;
  schedule?: ScheduleRecord;
  nowMs: number;
  correlationId: string;
}

function initiatedBy(actor: Actor | 'system'): AuditRecord['initiatedBy'] {
  if (actor === 'system') return { app: null, user: { id: AZURE_AD_PIM.id, displayName: AZURE_AD_PIM.displayName, userPrincipalName: null, ipAddress: null } };
  if (actor.kind === 'app') return { app: { appId: actor.appId, displayName: actor.displayName, servicePrincipalId: actor.id, servicePrincipalName: actor.displayName }, user: null };
  return { app: null, user: { id: actor.id, displayName: actor.displayName, userPrincipalName: actor.userPrincipalName, ipAddress: '127.0.0.1' } };
}

function principalTarget(t: TenantData, principalId: string): AuditRecord['targetResources'][number] {
  const p = findPrincipal(t, principalId);
  return {
    id: principalId,
    displayName: p?.record.displayName ?? null,
    type: p?.kind === 'group' ? 'Group' : p?.kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User',
    userPrincipalName: p?.kind === 'user' ? p.record.userPrincipalName : null,
    groupType: p?.kind === 'group' ? 'azureAD' : null,
    modifiedProperties: [],
  };
}

/**
 * PIM for Groups' records also name the group itself (the "role" target is its membership or
 * ownership). Which targets Entra lists for groups is not in a source read (pim-groups-reference §6):
 * the emulator's choice.
 */
function groupTarget(t: TenantData, r: { resource?: string; directoryScopeId: string } | undefined): AuditRecord['targetResources'] {
  if (r?.resource !== GROUP_RESOURCE) return [];
  const g = t.groups.find((x) => x.id === r.directoryScopeId);
  return [{ id: r.directoryScopeId, displayName: g?.displayName ?? null, type: 'Group', userPrincipalName: null, groupType: g?.groupTypes.includes('Unified') ? 'unifiedGroups' : 'azureAD', modifiedProperties: [] }];
}

/**
 * Azure resource roles' records also name the ARM scope the role is held at (the emulator's
 * choice: the arm-pim-reference has no activity-log shape, so records follow roles and groups).
 */
function azureScopeTarget(t: TenantData, r: { resource?: string; directoryScopeId: string } | undefined): AuditRecord['targetResources'] {
  if (r?.resource !== AZURE_ROLE_RESOURCE) return [];
  return [{ id: r.directoryScopeId, displayName: scopeById(t, r.directoryScopeId)?.displayName ?? null, type: 'Resource', userPrincipalName: null, groupType: null, modifiedProperties: [] }];
}

/** The PIM record of a change. */
export function pimAudit(t: TenantData, a: AuditInput): AuditRecord {
  const r = a.request;
  const s = a.schedule;
  const details: Array<[string, string | null | undefined]> = [
    ['RoleDefinitionOriginId', a.role.id],
    ['RoleDefinitionOriginType', a.role.isBuiltIn ? 'BuiltInRole' : 'CustomRole'],
    ['TemplateId', a.role.templateId],
    ['ResourceOriginId', t.tenant.id],
    ['RequestId', r?.id],
    ['RoleAssignmentRequestId', r?.id],
    ['Justification', r?.justification],
    ['TicketNumber', r?.ticketInfo.ticketNumber],
    ['TicketSystem', r?.ticketInfo.ticketSystem],
    ['StartTime', s?.startDateTime],
    ['ExpirationTime', s?.endDateTime],
    ['tid', t.tenant.id],
  ];
  return {
    id: `PIM_${newGuid()}_${t.tenant.id}_${ticks(a.nowMs)}`,
    activityDateTime: isoInstant(a.nowMs),
    activityDisplayName: a.activity,
    additionalDetails: details.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([key, value]) => ({ key, value: value! })),
    category: auditCategoryOf(r ?? s),
    correlationId: a.correlationId,
    initiatedBy: initiatedBy(a.actor),
    loggedByService: 'PIM',
    operationType: a.operationType,
    result: 'success',
    resultReason: '',
    targetResources: [
      { id: a.role.id, displayName: a.role.displayName, type: 'Role', userPrincipalName: null, groupType: null, modifiedProperties: [] },
      ...groupTarget(t, r ?? s),
      ...azureScopeTarget(t, r ?? s),
      principalTarget(t, a.principalId),
      ...(r ? [{ id: r.id, displayName: null, type: 'Request', userPrincipalName: null, groupType: null, modifiedProperties: [] }] : []),
      { id: t.tenant.id, displayName: t.tenant.displayName, type: 'Directory', userPrincipalName: null, groupType: null, modifiedProperties: [] },
    ],
  };
}

/** The Core Directory record of the role membership change, initiated by MS-PIM (reference §7). */
export function coreDirectoryAudit(t: TenantData, add: boolean, role: RoleDefinition, principalId: string, nowMs: number, correlationId: string): AuditRecord {
  const q = (v: string) => JSON.stringify(v);
  const target = principalTarget(t, principalId);
  target.modifiedProperties = [
    { displayName: 'Role.ObjectID', oldValue: add ? null : q(role.id), newValue: add ? q(role.id) : null },
    { displayName: 'Role.DisplayName', oldValue: add ? null : q(role.displayName), newValue: add ? q(role.displayName) : null },
    { displayName: 'Role.TemplateId', oldValue: add ? null : q(role.templateId), newValue: add ? q(role.templateId) : null },
    { displayName: 'Role.WellKnownObjectName', oldValue: add ? null : q(WELL_KNOWN[role.id] ?? ''), newValue: add ? q(WELL_KNOWN[role.id] ?? '') : null },
  ];
  return {
    id: `Directory_${newGuid()}_${ticks(nowMs)}`,
    activityDateTime: isoInstant(nowMs),
    activityDisplayName: add ? 'Add member to role' : 'Remove member from role',
    additionalDetails: [],
    category: 'RoleManagement',
    correlationId,
    initiatedBy: { app: { appId: MS_PIM.appId, displayName: MS_PIM.displayName, servicePrincipalId: null, servicePrincipalName: null }, user: null },
    loggedByService: 'Core Directory',
    operationType: add ? 'Assign' : 'Unassign',
    result: 'success',
    resultReason: '',
    targetResources: [target],
  };
}

/**
 * The Core Directory record of a group membership or ownership change PIM made, initiated by MS-PIM:
 * Entra's standard activities "Add member to group" / "Remove member from group" / "Add owner to
 * group" / "Remove owner from group" (category GroupManagement; pim-groups-reference §6), the
 * principal as target with the group's id and name as modified properties.
 */
export function groupMembershipAudit(t: TenantData, add: boolean, accessId: string, groupId: string, principalId: string, nowMs: number, correlationId: string): AuditRecord {
  const q = (v: string) => JSON.stringify(v);
  const group = t.groups.find((g) => g.id === groupId);
  const target = principalTarget(t, principalId);
  target.modifiedProperties = [
    { displayName: 'Group.ObjectID', oldValue: add ? null : q(groupId), newValue: add ? q(groupId) : null },
    { displayName: 'Group.DisplayName', oldValue: add ? null : q(group?.displayName ?? ''), newValue: add ? q(group?.displayName ?? '') : null },
  ];
  const word = accessId === 'owner' ? 'owner' : 'member';
  return {
    id: `Directory_${newGuid()}_${ticks(nowMs)}`,
    activityDateTime: isoInstant(nowMs),
    activityDisplayName: add ? `Add ${word} to group` : `Remove ${word} from group`,
    additionalDetails: [],
    category: 'GroupManagement',
    correlationId,
    initiatedBy: { app: { appId: MS_PIM.appId, displayName: MS_PIM.displayName, servicePrincipalId: null, servicePrincipalName: null }, user: null },
    loggedByService: 'Core Directory',
    operationType: add ? 'Assign' : 'Unassign',
    result: 'success',
    resultReason: '',
    targetResources: [target, { id: groupId, displayName: group?.displayName ?? null, type: 'Group', userPrincipalName: null, groupType: null, modifiedProperties: [] }],
  };
}

export interface PolicyAuditInput {
  actor: Actor;
  role: RoleDefinition;
  policy: PolicyRecord;
  ruleId: string;
  /** One entry per changed property of the rule; values are JSON strings, as Entra writes them. */
  modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>;
  nowMs: number;
  correlationId: string;
}

/**
 * The PIM record of a role-setting change ("Update role setting in PIM", reference §3.4, §7).
 * The shape of its targets and details is the emulator's guess: the role, the rule (with the
 * changed properties), the policy and the directory.
 */
export function policyUpdateAudit(t: TenantData, a: PolicyAuditInput): AuditRecord {
  const details: Array<[string, string]> = [
    ['RoleDefinitionOriginId', a.role.id],
    ['RoleDefinitionOriginType', a.role.isBuiltIn ? 'BuiltInRole' : 'CustomRole'],
    ['TemplateId', a.role.templateId],
    ['ResourceOriginId', t.tenant.id],
    ['PolicyId', a.policy.id],
    ['RuleId', a.ruleId],
    ['tid', t.tenant.id],
  ];
  const target = (id: string, displayName: string | null, type: string): AuditRecord['targetResources'][number] => ({ id, displayName, type, userPrincipalName: null, groupType: null, modifiedProperties: [] });
  return {
    id: `PIM_${newGuid()}_${t.tenant.id}_${ticks(a.nowMs)}`,
    activityDateTime: isoInstant(a.nowMs),
    activityDisplayName: 'Update role setting in PIM',
    additionalDetails: details.map(([key, value]) => ({ key, value })),
    // "GroupManagement | Update role setting in PIM" for a group's policy (Entra audit activity reference).
    category: a.policy.scopeType === 'Group' ? 'GroupManagement' : 'RoleManagement',
    correlationId: a.correlationId,
    initiatedBy: initiatedBy(a.actor),
    loggedByService: 'PIM',
    operationType: 'Update',
    result: 'success',
    resultReason: '',
    targetResources: [
      target(a.role.id, a.role.displayName, 'Role'),
      { ...target(a.ruleId, a.ruleId, 'Other'), modifiedProperties: a.modifiedProperties },
      target(a.policy.id, a.policy.displayName, 'Policy'),
      target(t.tenant.id, t.tenant.displayName, 'Directory'),
    ],
  };
}

/** Newest first, as Graph lists directory audits; records of the same instant keep their reverse write order. */
export function auditsNewestFirst(audits: readonly AuditRecord[]): AuditRecord[] {
  return audits
    .map((a, i) => ({ a, i, ms: Date.parse(a.activityDateTime) }))
    .sort((x, y) => y.ms - x.ms || y.i - x.i)
    .map((x) => x.a);
}
