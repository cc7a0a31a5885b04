import type { Kind } from '../pim/model.js';
import { pimErrors } from '../pim/errors.js';
import { ADMIN_ROLES, callerHoldsRole, hasPermission, PIM_READER_ROLES, type Caller, type PermissionRule } from './caller.js';

/**
 * Who may call the PIM endpoints, as Graph decides it (reference §1.2, §4.2): the token must carry
 * one of the operation's permissions (else 403 UnknownError wrapping PermissionScopeNotGranted),
 * and a signed-in user must also hold a suitable role right now (else 403 UnauthorizedAccessException).
 */
const both = (...p: string[]): PermissionRule => ({ delegated: p, application: p });

export const PERMISSIONS = {
  write: {
    assignment: both('RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'),
    eligibility: both('RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'),
  },
  remove: {
    assignment: both('RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleAssignmentSchedule.Remove.Directory'),
    eligibility: both('RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleEligibilitySchedule.Remove.Directory'),
  },
  read: {
    assignment: both('RoleAssignmentSchedule.Read.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'),
    eligibility: both('RoleEligibilitySchedule.Read.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'),
  },
  policyRead: both('RoleManagementPolicy.Read.Directory', 'RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'),
  policyWrite: both('RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'),
} satisfies Record<string, PermissionRule | Record<Kind, PermissionRule>>;

/**
 * Listing every request needs a ReadWrite permission although the documentation lists read ones:
 * the real service answers 403 otherwise (reference §1.2, §11.1; microsoft-graph-docs#22292).
 */
export const listRequestsPermission = (kind: Kind): PermissionRule => PERMISSIONS.write[kind];

export function requireScope(caller: Caller, rule: PermissionRule, message?: readonly string[]): void {
  if (hasPermission(caller, rule)) return;
  // The message names the ReadWrite permissions, as the observed payloads do.
  throw pimErrors.scopeNotGranted(message ?? (caller.kind === 'user' ? rule.delegated : rule.application).filter((p) => /ReadWrite/.test(p)));
}

/** Admin operations: an active Privileged Role Administrator or Global Administrator (apps pass on permission alone). */
export function requireAdmin(caller: Caller): void {
  if (caller.kind === 'user' && !callerHoldsRole(caller, ADMIN_ROLES)) throw pimErrors.unauthorized();
}

/** Reading others' PIM data: one of the PIM reader roles (apps pass on permission alone). */
export function requireReader(caller: Caller): void {
  if (caller.kind === 'user' && !callerHoldsRole(caller, PIM_READER_ROLES)) throw pimErrors.unauthorized();
}
