import { $ } from './dom.js';
import { fmt } from './format.js';

// The emulator's clock, not the machine's: expiry, "expired" and defaults are judged against it.
// What the clock reads is learned from the control plane by clock-sync.ts.
let clockOffset = 0;
export let clockFrozen = false;
export const emuNow = (): number => Date.now() + clockOffset;
/** The emulator clock now reads `iso` (after the Emulator panel moved it, or a sync), frozen or running. */
export function setClock(iso: string, frozen = clockFrozen): void {
  clockOffset = Date.parse(iso) - Date.now();
  clockFrozen = frozen;
}
export function paintClock(): void {
  const chip = $('#clock-chip');
  if (chip) chip.textContent = `Emulator clock: ${fmt(emuNow())}${clockFrozen ? ' (frozen)' : ''}`;
}
