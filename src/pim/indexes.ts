import type { TenantData } from '../directory/model.js';
import { tracked, untracked } from '../tracked.js';
import type { RequestRecord, ScheduleRecord } from './model.js';
import { nextDue } from './due.js';

/**
 * Indexes over one tenant's PIM records, for the lookups Graph clients and the engine make:
 * schedules and requests by principal and by id, requests awaiting an approval decision, and the
 * schedules in time order of their next due moment (for the scheduler). They are built from a
 * tenant on first use and then kept current from the store's change feed (`applyChanges`), so no
 * lookup scans a tenant that holds 100k schedules.
 *
 * Inside a store update, the records they return are seen through the update's tracking view
 * (`tracked`), so changing one is recorded like any other change.
 */
export interface RecordChange {
  collection: string;
  added: object[];
  removed: object[];
  changed: object[];
}

/** When a schedule next needs the scheduler (a late start, its end, an expiry reminder), or null. */
export type DueFn = (s: ScheduleRecord) => number | null;

class Bag<T> {
  private readonly map = new Map<string, Set<T>>();
  // GUIDs are compared case-insensitively, as Graph does.
  add(key: string, v: T): void {
    key = key.toLowerCase();
    let s = this.map.get(key);
    if (!s) this.map.set(key, (s = new Set()));
    s.add(v);
  }
  remove(key: string, v: T): void {
    key = key.toLowerCase();
    const s = this.map.get(key);
    if (!s) return;
    s.delete(v);
    if (s.size === 0) this.map.delete(key);
  }
  get(key: string): ReadonlySet<T> {
    return this.map.get(key.toLowerCase()) ?? EMPTY;
  }
}
const EMPTY: ReadonlySet<never> = new Set();

/** A binary min-heap of (due, schedule); stale entries are skipped when popped. */
class DueHeap {
  private readonly items: Array<{ at: number; s: ScheduleRecord }> = [];
  push(at: number, s: ScheduleRecord): void {
    const a = this.items;
    a.push({ at, s });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= a[i]!.at) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  peek(): { at: number; s: ScheduleRecord } | undefined {
    return this.items[0];
  }
  pop(): { at: number; s: ScheduleRecord } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.at < a[m]!.at) m = l;
        if (r < a.length && a[r]!.at < a[m]!.at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

const PENDING = new Set(['PendingApproval', 'PendingApprovalProvisioning', 'PendingAdminDecision']);

export class PimIndex {
  private readonly schedulesByPrincipal = new Bag<ScheduleRecord>();
  private readonly schedulesById = new Map<string, ScheduleRecord>();
  /** Active-assignment schedules (kind 'assignment'): role holders are found without the eligibilities. */
  private readonly assignments = new Set<ScheduleRecord>();
  /** The same, by role definition: who holds a role is found without the other roles' holders. */
  private readonly assignmentsByRole = new Bag<ScheduleRecord>();
  private readonly requestsByPrincipal = new Bag<RequestRecord>();
  private readonly requestsById = new Map<string, RequestRecord>();
  private readonly pending = new Set<RequestRecord>();
  private readonly due = new DueHeap();
  /** The due moment each schedule was last pushed with (to skip stale heap entries). */
  private readonly dueAt = new WeakMap<ScheduleRecord, number | null>();

  constructor(t: TenantData, private readonly dueOf: DueFn) {
    for (const s of t.pim.schedules) this.addSchedule(s);
    for (const r of t.pim.requests) this.addRequest(r);
  }

  apply(change: RecordChange): void {
    if (change.collection === 'pim.schedules') {
      for (const s of change.removed as ScheduleRecord[]) this.removeSchedule(s);
      for (const s of change.added as ScheduleRecord[]) this.addSchedule(s);
      for (const s of change.changed as ScheduleRecord[]) this.reschedule(s);
    } else if (change.collection === 'pim.requests') {
      for (const r of change.removed as RequestRecord[]) this.removeRequest(r);
      for (const r of change.added as RequestRecord[]) this.addRequest(r);
      for (const r of change.changed as RequestRecord[]) this.trackPending(r);
    }
  }

  schedulesOf(principalId: string): ReadonlySet<ScheduleRecord> {
    return this.schedulesByPrincipal.get(principalId);
  }
  schedule(id: string): ScheduleRecord | undefined {
    return this.schedulesById.get(id);
  }
  assignmentSchedules(): ReadonlySet<ScheduleRecord> {
    return this.assignments;
  }
  assignmentSchedulesOf(roleDefinitionId: string): ReadonlySet<ScheduleRecord> {
    return this.assignmentsByRole.get(roleDefinitionId);
  }
  requestsOf(principalId: string): ReadonlySet<RequestRecord> {
    return this.requestsByPrincipal.get(principalId);
  }
  request(id: string): RequestRecord | undefined {
    return this.requestsById.get(id);
  }
  pendingRequests(): ReadonlySet<RequestRecord> {
    return this.pending;
  }

  /** Schedules whose next due moment is at or before `nowMs`, each once, earliest first. */
  dueBy(nowMs: number): ScheduleRecord[] {
    const out = new Set<ScheduleRecord>();
    const later: Array<{ at: number; s: ScheduleRecord }> = [];
    for (let top = this.due.peek(); top && top.at <= nowMs; top = this.due.peek()) {
      this.due.pop();
      const s = top.s;
      if (this.schedulesById.get(s.id) !== s) continue; // removed
      const at = this.dueOf(s);
      if (at !== top.at) {
        // A stale entry: the schedule moved (its current moment has an entry of its own, unless it
        // was changed outside the change feed — then queue it now).
        if (at !== null && this.dueAt.get(s) !== at) {
          this.dueAt.set(s, at);
          later.push({ at, s });
        }
        continue;
      }
      out.add(s);
      // Kept until the work is written: the change feed then queues the schedule's next moment.
      later.push({ at, s });
    }
    for (const e of later) this.due.push(e.at, e.s);
    return [...out];
  }

  private addSchedule(s: ScheduleRecord): void {
    if (s.kind === 'assignment') {
      this.assignments.add(s);
      this.assignmentsByRole.add(s.roleDefinitionId, s);
    }
    this.schedulesByPrincipal.add(s.principalId, s);
    this.schedulesById.set(s.id, s);
    this.reschedule(s);
  }
  private removeSchedule(s: ScheduleRecord): void {
    if (this.assignments.delete(s)) this.assignmentsByRole.remove(s.roleDefinitionId, s);
    this.schedulesByPrincipal.remove(s.principalId, s);
    if (this.schedulesById.get(s.id) === s) this.schedulesById.delete(s.id);
  }
  private reschedule(s: ScheduleRecord): void {
    const at = this.dueOf(s);
    if (this.dueAt.get(s) === at) return;
    this.dueAt.set(s, at);
    if (at !== null) this.due.push(at, s);
  }
  private addRequest(r: RequestRecord): void {
    this.requestsByPrincipal.add(r.principalId, r);
    this.requestsById.set(r.id, r);
    this.trackPending(r);
  }
  private removeRequest(r: RequestRecord): void {
    this.requestsByPrincipal.remove(r.principalId, r);
    if (this.requestsById.get(r.id) === r) this.requestsById.delete(r.id);
    this.pending.delete(r);
  }
  private trackPending(r: RequestRecord): void {
    if (PENDING.has(r.status)) this.pending.add(r);
    else this.pending.delete(r);
  }
}

const indexes = new WeakMap<TenantData, PimIndex>();

/** The index of a tenant (the plain tenant, or the view a store update hands out). */
export function pimIndex(t: TenantData): PimIndex {
  const raw = untracked(t);
  let ix = indexes.get(raw);
  if (!ix) {
    ix = new PimIndex(raw, nextDue);
    indexes.set(raw, ix);
  }
  return ix;
}

/** The store's change feed: keep a tenant's index (if built) current. */
export function applyChanges(t: TenantData, changes: readonly RecordChange[]): void {
  const ix = indexes.get(untracked(t));
  if (ix) for (const c of changes) ix.apply(c);
}

/** Records from an index, as the code holding `t` must see them (tracked inside a store update). */
export const viewSchedules = (t: TenantData, records: Iterable<ScheduleRecord>): ScheduleRecord[] => [...records].map((s) => tracked(t, 'pim.schedules', s));
export const viewRequests = (t: TenantData, records: Iterable<RequestRecord>): RequestRecord[] => [...records].map((r) => tracked(t, 'pim.requests', r));
export const viewSchedule = (t: TenantData, s: ScheduleRecord | undefined): ScheduleRecord | undefined => (s ? tracked(t, 'pim.schedules', s) : undefined);
export const viewRequest = (t: TenantData, r: RequestRecord | undefined): RequestRecord | undefined => (r ? tracked(t, 'pim.requests', r) : undefined);
