import { reaches, myTenant } from './access.js';
import { emu } from './api.js';
import { paintClock, setClock } from './clock.js';

/** Reads the emulator's clock from the control plane (clock.ts keeps it), then paints the header's chip. */
export async function syncClock(): Promise<void> {
  try {
    // This tenant's clock (each tenant runs on its own offset); the instance clock when it cannot be read.
    const t = myTenant();
    const c = (t && reaches(t) ? await emu(`/tenants/${encodeURIComponent(t)}/clock`).catch(() => null) : null) ?? await emu('/clock');
    setClock(c.now, Boolean(c.frozen));
  } catch {
    /* offline or restarting: keep the last offset */
  }
  paintClock();
}
