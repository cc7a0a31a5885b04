import type { PolicyRecord, PolicyRule, TenantData } from '../directory/model.js';
import { newGuid, stableGuid } from '../ids.js';
import { groupDefaultRules } from './group-policy.js';

/**
 * Role management policies of Azure resource roles (arm-pim-reference §2.5): one per role per ARM
 * scope ("each role within each resource has a default policy"), the policy's name a GUID. A
 * policy never changed is derived with a stable name; a PATCH stores it under a new name — "the
 * policy name changes on update" (AzRM `role_management_policy.go`, §2.5).
 *
 * Defaults: the portal's defaults for Azure resource roles, which are those of Groups — eligible
 * assignments expire after a year and active ones after six months (permanent ones are not
 * allowed), activation lasts up to 8 hours and asks for a justification. (Unverified against a
 * fresh subscription's GET; the reference's sample is a tenant-customised one.)
 */
declare module '../directory/model.js' {
  interface TenantData {
    /** Azure resource role policies changed by a PATCH; absent until the first. */
    azurePolicies?: PolicyRecord[];
  }
}

export const azureDefaultRules = (): PolicyRule[] => groupDefaultRules();

function record(id: string, scope: string, roleGuid: string, rules: PolicyRule[], modified: Pick<PolicyRecord, 'lastModifiedBy' | 'lastModifiedDateTime'>): PolicyRecord {
  return {
    id, displayName: '', description: '', isOrganizationDefault: false, scopeId: scope, scopeType: 'AzureResource',
    lastModifiedDateTime: modified.lastModifiedDateTime, lastModifiedBy: modified.lastModifiedBy, roleDefinitionId: roleGuid, rules,
  };
}

const same = (p: PolicyRecord, scope: string, roleGuid: string) => p.scopeId.toLowerCase() === scope.toLowerCase() && p.roleDefinitionId === roleGuid;

/** The policy of a role at a scope: the stored one after a PATCH, else the default with a stable name. */
export function azurePolicy(t: TenantData, scope: string, roleGuid: string): PolicyRecord {
  const stored = t.azurePolicies?.find((p) => same(p, scope, roleGuid));
  if (stored) return stored;
  return record(stableGuid('armRoleManagementPolicy', t.tenant.id, scope.toLowerCase(), roleGuid), scope, roleGuid, azureDefaultRules(), { lastModifiedBy: null, lastModifiedDateTime: null });
}

/** Stores changed rules under a new policy name (inside a store update); returns the new policy. */
export function replaceAzurePolicy(t: TenantData, old: PolicyRecord, rules: PolicyRule[], by: { id: string; displayName: string | null }, nowIso: string): PolicyRecord {
  const next = record(newGuid(), old.scopeId, old.roleDefinitionId, rules, { lastModifiedBy: { id: by.id, displayName: by.displayName }, lastModifiedDateTime: nowIso });
  t.azurePolicies = [...(t.azurePolicies ?? []).filter((p) => !same(p, old.scopeId, old.roleDefinitionId)), next];
  return next;
}
