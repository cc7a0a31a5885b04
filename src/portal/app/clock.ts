import { reaches, myTenant } from './access.js';
import { emu } from './api.js';
import { $ } from './dom.js';
import { fmt } from './format.js';

// The emulator's clock, not the machine's: expiry, "expired" and defaults are judged against it.
let clockOffset = 0;
export let clockFrozen = false;
export const emuNow = (): number => Date.now() + clockOffset;
/** The emulator clock now reads `iso` (after the Emulator panel moved it). */
export function setClock(iso: string): void {
  clockOffset = Date.parse(iso) - Date.now();
}
export async function syncClock(): Promise<void> {
  try {
    // This tenant's clock (each tenant runs on its own offset); the instance clock when it cannot be read.
    const t = myTenant();
    const c = (t && reaches(t) ? await emu(`/tenants/${encodeURIComponent(t)}/clock`).catch(() => null) : null) ?? await emu('/clock');
    clockOffset = Date.parse(c.now) - Date.now();
    clockFrozen = c.frozen;
  } catch {
    /* offline or restarting: keep the last offset */
  }
  paintClock();
}
export function paintClock(): void {
  const chip = $('#clock-chip');
  if (chip) chip.textContent = `Emulator clock: ${fmt(emuNow())}${clockFrozen ? ' (frozen)' : ''}`;
}
