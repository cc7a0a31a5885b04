import type { RoleAssignmentRecord, RoleDefinition, TenantData } from '../directory/model.js';
import { findPrincipal } from '../directory/directory.js';
import { azureRole, type AzureRoleDefinition } from '../directory/azure-roles.js';
import { relation, scopeById } from '../directory/azure.js';
import { armRoleAssignmentsOf, storedArmRoleAssignments, type ArmRoleAssignmentRecord } from '../directory/azure-assignments.js';
import { stableGuid } from '../ids.js';
import { azurePolicy } from './azure-policy.js';
import { PimError, pimErrors } from './errors.js';
import { AZURE_ROLE_RESOURCE, type ScheduleRecord } from './model.js';
import type { ResourceKind, Target } from './resource.js';
import { isLive } from './schedules.js';

/**
 * PIM for Azure resources (arm-pim-reference): an Azure role at an ARM scope, the engine's third
 * resource kind. The engine's words carry ARM's: `roleDefinitionId` is the role's GUID and
 * `directoryScopeId` the canonical scope id (`/subscriptions/{sub}[/resourceGroups/{rg}[/providers/…]]`).
 * Request names are the client's (the PUT's `{name}`), so the kind is made per request; the
 * schedule a request creates has a GUID of its own (§2.2: request 64caffb6-… → schedule b1477448-…).
 */
export const AZURE_TAG = AZURE_ROLE_RESOURCE;

const ROLE_DEFINITION_ID = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i;

/** The role GUID of a full role definition id in the scope's subscription; a PimError naming what is wrong otherwise. */
export function roleOfId(fullId: string, scope: string): AzureRoleDefinition {
  const m = ROLE_DEFINITION_ID.exec(fullId);
  if (!m) {
    // hashicorp/terraform-provider-azurerm#31052, #30437: ids without the subscription prefix at a
    // subscription/resource-group scope never resolve; say so instead of timing the client out.
    throw pimErrors.invalidRequestBecause(`The roleDefinitionId '${fullId}' must be a full role definition id: /subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionGuid}.`);
  }
  const subscription = scope.split('/')[2]!;
  if (m[1]!.toLowerCase() !== subscription.toLowerCase()) {
    // Azure/terraform-provider-azapi#692 names the code; the message is the emulator's.
    throw new PimError(400, 'ScopeDoesNotMatchRoleDefinition', `The role definition '${fullId}' is not in the subscription of the scope '${scope}'.`);
  }
  const role = azureRole(m[2]!);
  if (!role) throw new PimError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${m[2]}' does not exist.`);
  return role;
}

/** What audit records would name: the Azure role as a role definition. */
export const azureAsRole = (r: AzureRoleDefinition): RoleDefinition => ({
  id: r.name, templateId: r.name, displayName: r.roleName, description: r.description, isBuiltIn: true, isEnabled: true,
  resourceScopes: ['/'], version: null, rolePermissions: [],
});

export const armScheduleId = (requestName: string): string => stableGuid('armRoleSchedule', requestName);

/** A standing (non-PIM) assignment as the engine sees it. */
const asStanding = (a: ArmRoleAssignmentRecord): RoleAssignmentRecord => ({
  id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.scope, appScopeId: null, createdDateTime: a.createdOn,
});

/**
 * The Azure role kind for one request, whose name the client chose; an activation may name the
 * eligibility it uses (linkedRoleEligibilityScheduleId: the schedule's name or full id).
 */
export function azureRoles(requestName: string, linkedEligibility?: string): ResourceKind {
  return {
    name: 'azureRole',
    tag: AZURE_TAG,
    ...(linkedEligibility !== undefined ? { linkedEligibility: linkedEligibility.split('/').pop()!.toLowerCase() } : {}),
    // An eligibility at a subscription lets its holder activate there or at a resource group or
    // resource below it ("reduced scope" activation; the active assignment is at the narrower scope).
    eligibilityCovers: (eligibilityScope, targetScope) => ['at', 'above'].includes(relation(eligibilityScope, targetScope)),

    resolve(t, _roles, input, kind): Target {
      if (!input.principalId || !input.roleDefinitionId || !input.directoryScopeId) throw pimErrors.invalidRequest();
      const scope = scopeById(t, input.directoryScopeId);
      if (!scope) throw pimErrors.invalidRequest();
      const role = roleOfId(input.roleDefinitionId, scope.id);
      const principal = findPrincipal(t, input.principalId);
      // AzRM retries the PUT on SubjectNotFound while a new principal replicates (§3, §4.1).
      if (!principal) throw new PimError(400, 'SubjectNotFound', `The subject '${input.principalId}' was not found in the directory.`);
      if (kind === 'eligibility' && principal.kind === 'servicePrincipal') throw pimErrors.invalidRequestBecause('Service principals cannot be made eligible; give them an active assignment.');
      return { principalId: principal.record.id, roleDefinitionId: role.name, directoryScopeId: scope.id, role: azureAsRole(role) };
    },

    newId: () => requestName,
    scheduleId: (_target, requestId) => armScheduleId(requestId),
    // AzRM retries an AdminRemove every minute while ARM answers ActiveDurationTooShort (§3).
    removalGraceMs: 5 * 60_000,

    policy: (t, target) => azurePolicy(t, target.directoryScopeId, target.roleDefinitionId),

    // A role assignment made outside PIM is the assignment's standing form (the portal lists it as a permanent active assignment).
    standing(t, kind, target) {
      if (kind !== 'assignment') return undefined;
      const a = armRoleAssignmentsOf(t).find((x) => x.principalId === target.principalId && x.roleDefinitionId === target.roleDefinitionId && x.scope === target.directoryScopeId);
      return a ? asStanding(a) : undefined;
    },

    removeStanding(t, standing) {
      t.armRoleAssignments = storedArmRoleAssignments(t).filter((a) => a.id !== standing.id);
    },

    // Holding the role is derived from the schedules on read (armRoleAssignmentsAt).
    onActiveChange: () => [],
  };
}

/** A live PIM active assignment seen as a role assignment (what GET roleAssignments lists while it lasts). */
export const pimRoleAssignmentName = (s: ScheduleRecord): string => stableGuid('armPimRoleAssignment', s.id);

export interface EffectiveArmAssignment {
  record: ArmRoleAssignmentRecord;
  /** The PIM schedule behind it, for assignments PIM made. */
  schedule?: ScheduleRecord;
}

/** Every Azure role assignment in force now: those made outside PIM, then PIM's live active ones. */
export function effectiveArmAssignments(t: TenantData, nowMs: number): EffectiveArmAssignment[] {
  const pim = t.pim.schedules
    .filter((s) => s.resource === AZURE_TAG && s.kind === 'assignment' && isLive(s, nowMs))
    .map((s) => {
      const p = findPrincipal(t, s.principalId);
      return {
        schedule: s,
        record: {
          id: pimRoleAssignmentName(s), scope: s.directoryScopeId, roleDefinitionId: s.roleDefinitionId, principalId: s.principalId,
          principalType: principalTypeOf(p?.kind), description: null, condition: null, conditionVersion: null,
          createdOn: s.startDateTime, updatedOn: s.startDateTime, createdBy: null, updatedBy: null,
        } satisfies ArmRoleAssignmentRecord,
      };
    });
  return [...armRoleAssignmentsOf(t).map((record) => ({ record })), ...pim];
}

export const principalTypeOf = (kind: 'user' | 'group' | 'servicePrincipal' | undefined): 'User' | 'Group' | 'ServicePrincipal' =>
  kind === 'group' ? 'Group' : kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User';
