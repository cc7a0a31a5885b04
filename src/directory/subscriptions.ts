import { createHash } from 'node:crypto';
import type { SubscriptionRecord, TenantData } from './model.js';

/**
 * The tenant's Azure subscriptions: the seed's `tenant.subscriptions`, or one fake subscription
 * whose id is derived from the tenant id (stable across restarts and resets), so tenants made on
 * demand get one too.
 */
export function subscriptionsOf(t: TenantData): SubscriptionRecord[] {
  if (t.tenant.subscriptions?.length) return t.tenant.subscriptions;
  return [{ subscriptionId: derivedGuid(`pim-emulator-subscription:${t.tenant.id}`), displayName: `${t.tenant.displayName} subscription` }];
}

/** The tenant holding a subscription, and the subscription. */
export function findSubscription(tenants: readonly TenantData[], subscriptionId: string): { tenant: TenantData; subscription: SubscriptionRecord } | undefined {
  const id = subscriptionId.toLowerCase();
  for (const tenant of tenants) {
    const subscription = subscriptionsOf(tenant).find((s) => s.subscriptionId === id);
    if (subscription) return { tenant, subscription };
  }
  return undefined;
}

function derivedGuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  // RFC 4122 shape: version 5 (name-based, SHA-1), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
