import type { ScheduleRecord } from './model.js';

/**
 * When the scheduler has something to write for a schedule: a future start that began, its end,
 * its expiry reminders. Each is written once (flags on the schedule record it); these moments are
 * derived from the record alone, so an index can keep schedules in the order they come due.
 */
const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

const DAY = 86_400_000;
/** Expiry reminders for eligible and active assignments: 14 days and 1 day before, and at the end (reference §8). */
export const REMINDERS = [
  { kind: 'reminder14d', before: 14 * DAY },
  { kind: 'reminder1d', before: DAY },
] as const;

/** What the scheduler must write for a schedule, and when (each once: flags on the schedule record it). */
export interface DueItem {
  kind: 'started' | 'expired' | 'reminder14d' | 'reminder1d';
  atMs: number;
}

/** Every moment of a schedule still to be processed, whether due yet or not. */
export function pendingMoments(s: ScheduleRecord): DueItem[] {
  const out: DueItem[] = [];
  const start = Date.parse(s.startDateTime);
  const end = ms(s.endDateTime);
  const revoked = ms(s.revokedDateTime);
  const created = Date.parse(s.createdDateTime);
  const startedLate = start > created + 1000;
  if (startedLate && !s.startProcessed && (revoked === null || revoked > start)) out.push({ kind: 'started', atMs: start });
  if (end !== null && !s.expiryProcessed && (revoked === null || revoked > end)) out.push({ kind: 'expired', atMs: end });
  if (end !== null && s.assignmentType !== 'Activated') {
    for (const r of REMINDERS) {
      const at = end - r.before;
      // A reminder whose moment came before the assignment existed is not sent.
      if (at >= created && !(s.remindersSent ?? []).includes(r.kind) && (revoked === null || revoked > at)) out.push({ kind: r.kind, atMs: at });
    }
  }
  return out;
}

/** When the scheduler next has something to write for a schedule (null: nothing, ever). */
export function nextDue(s: ScheduleRecord): number | null {
  const m = pendingMoments(s);
  return m.length ? Math.min(...m.map((d) => d.atMs)) : null;
}
