import type { PolicyRecord, RoleAssignmentRecord, TenantData } from '../directory/model.js';
import { findPrincipal } from '../directory/directory.js';
import { newGuid } from '../ids.js';
import { coreDirectoryAudit } from './audit.js';
import { PimError, pimErrors } from './errors.js';
import { policyFor } from './policy.js';
import type { ResourceKind, Target } from './resource.js';

/**
 * The directory-role kind: a Microsoft Entra role (roleDefinitionId) for a user, a role-assignable
 * group or (active only) a service principal, at the tenant scope '/' (reference §1.3).
 */
export const directoryRoles: ResourceKind = {
  name: 'directoryRole',

  resolve(t, roles, input, kind): Target {
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
  },

  // A schedule request and the schedule it creates share one GUID (reference §1.5).
  newId: newGuid,

  policy: (t: TenantData, target: Target): PolicyRecord | undefined => policyFor(t, target.roleDefinitionId),

  standing(t, kind, target): RoleAssignmentRecord | undefined {
    return kind === 'assignment'
      ? t.roleAssignments.find((a) => a.principalId === target.principalId && a.roleDefinitionId === target.roleDefinitionId && a.directoryScopeId === target.directoryScopeId)
      : undefined;
  },

  removeStanding(t, standing) {
    t.roleAssignments = t.roleAssignments.filter((a) => a !== standing);
  },

  // Holding the role is derived from the schedules on read; what remains is Core Directory's record of the change (reference §7).
  onActiveChange: (t, target, active, nowMs, correlationId) => [coreDirectoryAudit(t, active, target.role, target.principalId, nowMs, correlationId)],
};
