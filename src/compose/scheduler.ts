import type { TenantClocks } from '../directory/tenant-clock.js';
import type { EventBus, PimEvent } from '../events.js';
import { expireApprovals, hasExpiringApprovals } from '../pim/approvals.js';
import { dropExpired, expiredRecords } from '../scheduler/retention.js';
import { applyDue, dueWork } from '../scheduler/tick.js';
import type { Store } from '../store/store.js';

/**
 * The scheduler wired to the store, the tenants' clocks and the event subscribers: one pass over
 * every tenant applying what its own clock has made due, durably. No timers here (the caller ticks).
 */
export function schedulerTick(store: Store, time: TenantClocks, events: EventBus): () => Promise<void> {
  /** When retention last ran per tenant (emulated time). */
  const retentionRun = new Map<string, number>();
  return async () => {
    const roles = store.system().roleDefinitions;
    const published: PimEvent[] = [];
    for (const t of store.tenants()) {
      // Each tenant on its own clock: one team's jump makes nothing due in another's tenant.
      const now = time.nowMs(t);
      // Retention: once an emulated hour per tenant (a scan), and only when something is old enough.
      const id = t.tenant.id;
      const last = retentionRun.get(id);
      if (last === undefined || now < last || now - last >= 3_600_000) {
        retentionRun.set(id, now);
        const expired = expiredRecords(t, now);
        if (expired) await store.update(id, (data) => dropExpired(data, expired));
      }
      if (dueWork(t, now).length === 0 && !hasExpiringApprovals(t, now)) continue;
      await store.update(t.tenant.id, (data) => {
        expireApprovals(data, roles, now);
        // Each reminder is dated when it was due, so a 30-day jump yields three mails in their real order.
        for (const e of applyDue(data, roles, now)) {
          events.publish(data, [e], e.atMs);
          published.push(e);
        }
      });
    }
    events.committed(published);
  };
}
