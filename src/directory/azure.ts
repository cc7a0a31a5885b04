import type { SubscriptionRecord, TenantData } from './model.js';
import { subscriptionsOf } from './subscriptions.js';

/**
 * A tenant's Azure resources as ARM scopes: its subscriptions (directory/subscriptions.ts), their
 * resource groups and a few resources in each. The tree is derived from the subscription (the same
 * names for every subscription, so a tenant made on demand has one too); scopes are compared
 * case-insensitively and answered in their canonical casing, as ARM does.
 */
export interface AzureResource {
  /** `Microsoft.Storage/storageAccounts`. */
  type: string;
  name: string;
}

export interface ResourceGroup {
  name: string;
  location: string;
  resources: AzureResource[];
}

/** What a scope is: ARM's words in expandedProperties.scope.type. */
export type ScopeLevel = 'subscription' | 'resourcegroup' | 'resource';

export interface ArmScope {
  /** Canonical id: `/subscriptions/{sub}`, `…/resourceGroups/{rg}`, `…/providers/{ns}/{type}/{name}`. */
  id: string;
  level: ScopeLevel;
  subscription: SubscriptionRecord;
  resourceGroup?: ResourceGroup;
  resource?: AzureResource;
  /** expandedProperties.scope.displayName: the subscription's name, the group's or the resource's. */
  displayName: string;
  /** expandedProperties.scope.type: `subscription`, `resourcegroup` or the resource's type. */
  type: string;
}

/** Every subscription's resource groups (seed-independent, so tests and workshops can rely on the names). */
export const DEFAULT_RESOURCE_GROUPS: readonly ResourceGroup[] = [
  {
    name: 'rg-workshop',
    location: 'westeurope',
    resources: [
      { type: 'Microsoft.Storage/storageAccounts', name: 'stworkshop' },
      { type: 'Microsoft.KeyVault/vaults', name: 'kv-workshop' },
    ],
  },
  {
    name: 'rg-production',
    location: 'northeurope',
    resources: [{ type: 'Microsoft.Compute/virtualMachines', name: 'vm-prod-01' }],
  },
];

export const resourceGroupsOf = (_s: SubscriptionRecord): readonly ResourceGroup[] => DEFAULT_RESOURCE_GROUPS;

const subscriptionScope = (s: SubscriptionRecord): ArmScope => ({
  id: `/subscriptions/${s.subscriptionId}`, level: 'subscription', subscription: s, displayName: s.displayName, type: 'subscription',
});
const groupScope = (s: SubscriptionRecord, g: ResourceGroup): ArmScope => ({
  id: `/subscriptions/${s.subscriptionId}/resourceGroups/${g.name}`, level: 'resourcegroup', subscription: s, resourceGroup: g, displayName: g.name, type: 'resourcegroup',
});
const resourceScope = (s: SubscriptionRecord, g: ResourceGroup, r: AzureResource): ArmScope => ({
  id: `/subscriptions/${s.subscriptionId}/resourceGroups/${g.name}/providers/${r.type}/${r.name}`,
  level: 'resource', subscription: s, resourceGroup: g, resource: r, displayName: r.name, type: r.type,
});

export type ScopeLookup = { scope: ArmScope } | { subscriptionMissing: string } | { notFound: string } | { malformed: string };

/**
 * An ARM scope path (`subscriptions/{sub}[/resourceGroups/{rg}[/providers/{ns}/{type}/{name}]]`, with
 * or without its leading slash, any casing) as one of the tenant's scopes.
 */
export function findScope(t: TenantData, path: string): ScopeLookup {
  const parts = path.split('/').filter(Boolean);
  if (parts[0]?.toLowerCase() !== 'subscriptions' || !parts[1]) return { malformed: path };
  const sub = subscriptionsOf(t).find((s) => s.subscriptionId === parts[1]!.toLowerCase());
  if (!sub) return { subscriptionMissing: parts[1] };
  if (parts.length === 2) return { scope: subscriptionScope(sub) };
  if (parts[2]?.toLowerCase() !== 'resourcegroups' || !parts[3]) return { malformed: path };
  const group = resourceGroupsOf(sub).find((g) => g.name.toLowerCase() === parts[3]!.toLowerCase());
  if (!group) return { notFound: `/subscriptions/${sub.subscriptionId}/resourceGroups/${parts[3]}` };
  if (parts.length === 4) return { scope: groupScope(sub, group) };
  if (parts[4]?.toLowerCase() !== 'providers' || parts.length !== 8) return { malformed: path };
  const type = `${parts[5]}/${parts[6]}`.toLowerCase();
  const resource = group.resources.find((r) => r.type.toLowerCase() === type && r.name.toLowerCase() === parts[7]!.toLowerCase());
  if (!resource) return { notFound: `/${parts.join('/')}` };
  return { scope: resourceScope(sub, group, resource) };
}

/** Every scope of the tenant, top-down (a subscription, then its groups, each followed by its resources). */
export function allScopes(t: TenantData): ArmScope[] {
  return subscriptionsOf(t).flatMap((s) => [
    subscriptionScope(s),
    ...resourceGroupsOf(s).flatMap((g) => [groupScope(s, g), ...g.resources.map((r) => resourceScope(s, g, r))]),
  ]);
}

/** The scope itself or one above it (a subscription is above its groups and their resources). */
export function isAtOrAbove(candidate: string, scope: string): boolean {
  const c = candidate.toLowerCase();
  const s = scope.toLowerCase();
  return s === c || s.startsWith(`${c}/`);
}

/** How a record at `recordScope` relates to a list at `scope`: at it, above it (inherited), below it, or unrelated. */
export function relation(recordScope: string, scope: string): 'at' | 'above' | 'below' | 'none' {
  const r = recordScope.toLowerCase();
  const s = scope.toLowerCase();
  if (r === s) return 'at';
  if (s.startsWith(`${r}/`)) return 'above';
  if (r.startsWith(`${s}/`)) return 'below';
  return 'none';
}

/** The scope with a given canonical id (records store canonical ids). */
export function scopeById(t: TenantData, id: string): ArmScope | undefined {
  const found = findScope(t, id);
  return 'scope' in found ? found.scope : undefined;
}
