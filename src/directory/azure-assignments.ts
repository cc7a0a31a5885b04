import { stableGuid } from '../ids.js';
import { ROLE } from './roles.js';
import type { TenantData } from './model.js';
import { AZURE_ROLE } from './azure-roles.js';
import { subscriptionsOf } from './subscriptions.js';

/**
 * Azure RBAC role assignments made outside PIM (Microsoft.Authorization/roleAssignments, "classic"
 * assignments): who holds which Azure role at which ARM scope. Until the tenant's first write they
 * are derived: the tenant's Global Administrators own every subscription (the subscription's
 * creator is its Owner), so someone can manage Azure roles from the start.
 */
export interface ArmRoleAssignmentRecord {
  /** The assignment's name (a GUID); unique in the tenant. */
  id: string;
  /** Canonical scope id. */
  scope: string;
  /** The role's GUID. */
  roleDefinitionId: string;
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  description: string | null;
  condition: string | null;
  conditionVersion: string | null;
  createdOn: string;
  updatedOn: string;
  createdBy: string | null;
  updatedBy: string | null;
}

declare module './model.js' {
  interface TenantData {
    /** Azure role assignments made outside PIM; absent until the first write (then derived ones are stored). */
    armRoleAssignments?: ArmRoleAssignmentRecord[];
  }
}

// The subscriptions' creation time, for the derived Owner assignments.
const SEEDED_ON = '2024-01-01T00:00:00.0000000Z';

function derived(t: TenantData): ArmRoleAssignmentRecord[] {
  const admins = t.roleAssignments.filter((a) => a.roleDefinitionId === ROLE.globalAdministrator && a.directoryScopeId === '/' && t.users.some((u) => u.id === a.principalId));
  return subscriptionsOf(t).flatMap((s) => admins.map((a) => ({
    id: stableGuid('armOwner', t.tenant.id, s.subscriptionId, a.principalId),
    scope: `/subscriptions/${s.subscriptionId}`,
    roleDefinitionId: AZURE_ROLE.owner,
    principalId: a.principalId,
    principalType: 'User' as const,
    description: null, condition: null, conditionVersion: null,
    createdOn: SEEDED_ON, updatedOn: SEEDED_ON, createdBy: null, updatedBy: null,
  })));
}

/** The tenant's Azure role assignments made outside PIM. */
export const armRoleAssignmentsOf = (t: TenantData): ArmRoleAssignmentRecord[] => t.armRoleAssignments ?? derived(t);

/** The stored list, materialised on the first write (inside a store update). */
export function storedArmRoleAssignments(t: TenantData): ArmRoleAssignmentRecord[] {
  if (!t.armRoleAssignments) t.armRoleAssignments = derived(t);
  return t.armRoleAssignments;
}
