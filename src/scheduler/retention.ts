import type { TenantData } from '../directory/model.js';
import { endMs } from '../pim/schedules.js';

/**
 * Retention as Entra has it, on the emulator clock, so a long-running instance does not grow
 * without bound:
 *   - audit records: 30 days (PIM's audit history and the directory audit log of a P1/P2 tenant
 *     show the past 30 days — Microsoft Entra docs, "View audit log report for Microsoft Entra roles");
 *   - finished requests (canceled, denied, timed out, revoked, decided): 30 days after they finished
 *     ("auto-deleted after 30 days", Graph's cancel documentation, reference §2.2);
 *   - schedules that ended more than 30 days ago (an expired assignment stays visible 30 days, for
 *     selfRenew — reference §2.1), with the requests that made them.
 */
export const RETENTION_MS = 30 * 86_400_000;

const FINISHED = new Set(['Canceled', 'Denied', 'TimedOut', 'AdminDenied', 'AdminApproved', 'Revoked', 'Failed']);

export interface Expired {
  audits: number;
  requestIds: Set<string>;
  scheduleIds: Set<string>;
}

/** What retention drops from a tenant now (a read: call it outside a store update). */
export function expiredRecords(t: TenantData, nowMs: number): Expired | undefined {
  const cutoff = nowMs - RETENTION_MS;
  // Audit records are appended in time order: the old ones lead.
  let audits = 0;
  while (audits < t.pim.audits.length && Date.parse(t.pim.audits[audits]!.activityDateTime) < cutoff) audits++;
  const scheduleIds = new Set<string>();
  for (const s of t.pim.schedules) {
    const end = endMs(s);
    if (end !== null && end < cutoff) scheduleIds.add(s.id);
  }
  const requestIds = new Set<string>();
  for (const r of t.pim.requests) {
    const finishedAt = Date.parse(r.completedDateTime ?? r.createdDateTime);
    const finished = FINISHED.has(r.status) || (r.targetScheduleId !== null && scheduleIds.has(r.targetScheduleId));
    if (finished && finishedAt < cutoff) requestIds.add(r.id);
  }
  if (audits === 0 && scheduleIds.size === 0 && requestIds.size === 0) return undefined;
  return { audits, requestIds, scheduleIds };
}

/** Drop them (inside a store update). */
export function dropExpired(t: TenantData, e: Expired): void {
  if (e.audits) t.pim.audits.splice(0, e.audits);
  if (e.scheduleIds.size) t.pim.schedules = t.pim.schedules.filter((s) => !e.scheduleIds.has(s.id));
  if (e.requestIds.size) t.pim.requests = t.pim.requests.filter((r) => !e.requestIds.has(r.id));
}
