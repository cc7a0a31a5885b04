import type { Clock } from '../clock.js';
import type { TenantData, TenantSource } from './model.js';

/**
 * Each tenant's time: the instance clock plus the tenant's own offset (design.md "Sharing"). A
 * workshop team moves its tenant's clock without moving anyone else's; moving the instance clock
 * moves every tenant, since the offsets ride on it. Everything that judges time for one tenant —
 * token lifetimes, MFA codes, schedules and instances, the scheduler, reminders, mail dates — asks here.
 */
export class TenantClocks {
  constructor(
    private readonly clock: Clock,
    private readonly store: TenantSource,
  ) {}

  /** The tenant's now (epoch ms); the instance clock's for no tenant or an unknown one. */
  nowMs(tenant?: TenantData | string | null): number {
    const t = typeof tenant === 'string' ? this.store.tenant(tenant) : tenant;
    return this.clock.nowMs() + offsetOf(t);
  }
}

export const offsetOf = (t: TenantData | undefined | null): number => t?.emulator?.clockOffsetMs ?? 0;
