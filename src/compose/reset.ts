import { REAL_TIME, type Clock } from '../clock.js';
import type { SigningKeys } from '../auth/keys.js';
import type { AuthFlows } from '../auth/flows.js';
import type { TenantData } from '../directory/model.js';
import type { Faults } from '../emulator/faults.js';
import type { RequestLog } from '../emulator/request-log.js';
import type { Inbox } from '../mail/inbox.js';
import type { State, Store } from '../store/store.js';

interface Parts {
  store: Store;
  clock: Clock;
  keys: SigningKeys;
  inbox: Inbox;
  faults: Faults;
  requests: RequestLog;
  authFlows: AuthFlows;
  loadSeed: () => State;
}

/** POST /_emulator/reset: everything back to the seed, the clock back to real time. */
export function resetAll(p: Parts): () => Promise<void> {
  return async () => {
    const state = p.loadSeed();
    await p.keys.assign(state.tenants);
    await p.store.replace(state);
    p.inbox.clear();
    p.faults.clear();
    p.requests.clear();
    p.authFlows.clear();
    p.clock.restore(REAL_TIME);
    await p.store.updateSystem((s) => {
      s.clock = p.clock.snapshot();
    });
  };
}

/**
 * One tenant back to its creation state: its data, clock, faults, mail and request log; its key
 * stays and no other tenant is touched. False when the creation state is unknown.
 */
export function resetOneTenant(p: Parts): (tenantId: string) => Promise<boolean> {
  return async (tenantId) => {
    const t = p.store.tenant(tenantId);
    if (!t) return false;
    const creation = t.emulator?.creation ?? p.loadSeed().tenants.find((x) => x.tenant.id === tenantId);
    if (!creation) return false;
    const { name, domain } = t.tenant;
    await p.store.update(tenantId, (data) => {
      const kept = data.emulator;
      const fresh = structuredClone(creation) as TenantData;
      delete fresh.emulator;
      // Property by property (collections inside pim one by one), so the store journals the change.
      for (const k of Object.keys(data) as (keyof TenantData)[]) if (!(k in fresh) && k !== 'signingKey') delete data[k];
      for (const k of Object.keys(fresh) as (keyof TenantData)[]) if (k !== 'pim') (data as unknown as Record<string, unknown>)[k] = fresh[k];
      for (const k of Object.keys(fresh.pim) as (keyof TenantData['pim'])[]) (data.pim as unknown as Record<string, unknown>)[k] = fresh.pim[k];
      // The key and the creation state stay; the clock goes back to the instance clock.
      if (kept?.keyHash || kept?.creation) data.emulator = { keyHash: kept.keyHash, creation: kept.creation };
    });
    p.faults.clear(tenantId);
    for (const m of p.inbox.list({ domain })) p.inbox.delete(m.id);
    p.requests.clear(name);
    return true;
  };
}
