import type { TenantData } from '../directory/model.js';
import type { EventBus, PimEvent } from '../events.js';
import type { Store } from '../store/store.js';

/** A domain change and the events it reports. */
export interface Change {
  events: readonly PimEvent[];
}

export type Commit = <T extends Change>(tenantId: string, nowMs: number, change: (t: TenantData) => T) => Promise<T>;

/**
 * One write of a domain change: the change and what its events' subscribers add (the outbox's mail)
 * in one store transaction; subscribers act again once it is durable. Routes call this instead of
 * queueing anything themselves.
 */
export function committer(store: Store, events: EventBus): Commit {
  return async (tenantId, nowMs, change) => {
    const outcome = await store.update(tenantId, (t) => {
      const o = change(t);
      events.publish(t, o.events, nowMs);
      return o;
    });
    events.committed(outcome.events);
    return outcome;
  };
}
