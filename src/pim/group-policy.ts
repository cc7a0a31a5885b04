import type { GroupRecord, PolicyRecord, PolicyRule, TenantData } from '../directory/model.js';
import { newGuid, stableGuid } from '../ids.js';
import { defaultRules } from './policy-defaults.js';

/**
 * Role management policies of scope Group (pim-groups-reference §4): two per group, one for
 * membership and one for ownership, `id` `Group_{groupId}_{policyGuid}`, `scopeId` the bare group
 * id, and the policy assignment's `roleDefinitionId` the literal `member` / `owner`.
 *
 * A group never used with PIM has no stored policies: its two are derived with stable ids. The
 * first request for the group, or the first PATCH of one of its policies, onboards it (§2.6): the
 * two policies are stored with new ids — "the ids of the group's policies and policy assignments
 * change" — and onboarding is never undone.
 */
export const ACCESS_IDS = ['member', 'owner'] as const;
export type AccessId = (typeof ACCESS_IDS)[number];

declare module '../directory/model.js' {
  interface TenantData {
    /** The policies of the groups onboarded to PIM for Groups (two per group); absent until the first. */
    groupPolicies?: PolicyRecord[];
  }
}

const set = <T extends PolicyRule>(rules: PolicyRule[], id: string, change: Partial<T>): PolicyRule[] =>
  rules.map((r) => (r.id === id ? { ...r, ...change } : r));

/**
 * The Group defaults (§4 table), which differ from a directory role's in three rules: expiry is
 * required for eligible (P365D) and active (P180D) assignments, and activation asks for a
 * justification but not MFA.
 */
export function groupDefaultRules(): PolicyRule[] {
  let rules = defaultRules();
  rules = set(rules, 'Expiration_Admin_Eligibility', { isExpirationRequired: true, maximumDuration: 'P365D' });
  rules = set(rules, 'Expiration_Admin_Assignment', { isExpirationRequired: true, maximumDuration: 'P180D' });
  rules = set(rules, 'Enablement_EndUser_Assignment', { enabledRules: ['Justification'] });
  return rules;
}

function groupPolicyRecord(groupId: string, accessId: AccessId, policyGuid: string, rules: PolicyRule[]): PolicyRecord {
  return {
    id: `Group_${groupId}_${policyGuid}`,
    // §4: an untouched Group policy is named and described "Group".
    displayName: 'Group',
    description: 'Group',
    isOrganizationDefault: false,
    scopeId: groupId,
    scopeType: 'Group',
    lastModifiedDateTime: null,
    lastModifiedBy: null,
    roleDefinitionId: accessId,
    rules,
  };
}

export const isOnboarded = (t: TenantData, groupId: string): boolean => (t.groupPolicies ?? []).some((p) => p.scopeId === groupId);

/** The two policies of a group: stored once onboarded, derived (stable ids) before. */
export function policiesOfGroup(t: TenantData, group: GroupRecord): PolicyRecord[] {
  const stored = (t.groupPolicies ?? []).filter((p) => p.scopeId === group.id);
  if (stored.length) return stored;
  return ACCESS_IDS.map((a) => groupPolicyRecord(group.id, a, stableGuid('groupRoleManagementPolicy', t.tenant.id, group.id, a), groupDefaultRules()));
}

export function groupPolicy(t: TenantData, groupId: string, accessId: string): PolicyRecord | undefined {
  const group = t.groups.find((g) => g.id === groupId);
  return group ? policiesOfGroup(t, group).find((p) => p.roleDefinitionId === accessId) : undefined;
}

/** Every group's two policies (what the policy lists filter with `scopeType eq 'Group'`). */
export const allGroupPolicies = (t: TenantData): PolicyRecord[] => t.groups.flatMap((g) => policiesOfGroup(t, g));

/**
 * Onboards a group on its first PIM write (§2.6): its two policies are stored with new ids, their
 * rules as they were. Returns the policy that replaced `previousId`, if given. Inside a store update.
 */
export function onboardGroup(t: TenantData, groupId: string, previousId?: string): PolicyRecord | undefined {
  const group = t.groups.find((g) => g.id === groupId);
  if (!group) return undefined;
  if (isOnboarded(t, groupId)) return previousId ? t.groupPolicies!.find((p) => p.id.toLowerCase() === previousId.toLowerCase()) : undefined;
  const derived = policiesOfGroup(t, group);
  const fresh = derived.map((p) => groupPolicyRecord(group.id, p.roleDefinitionId as AccessId, newGuid(), p.rules));
  t.groupPolicies = [...(t.groupPolicies ?? []), ...fresh];
  const i = previousId ? derived.findIndex((p) => p.id.toLowerCase() === previousId.toLowerCase()) : -1;
  return i >= 0 ? t.groupPolicies.find((p) => p.id === fresh[i]!.id) : undefined;
}
