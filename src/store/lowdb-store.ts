import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import type { TenantData } from '../directory/model.js';
import { REAL_TIME } from '../clock.js';
import { fsyncDir } from './atomic-file.js';
import { JournalWriter, SnapshotFile, corrupt, journalLine, readJournal, snapshotText, type Snapshot } from './journal.js';
import { SystemFile } from './system-file.js';
import { Transaction, applyOps, type CollectionChange } from './tracker.js';
import { StorageUnavailable, StoreError, type State, type Store, type SystemData } from './store.js';

/**
 * The arrays of records (each with an `id`) inside a tenant: the journal records their changes
 * record by record; anything else in a tenant is journaled as a whole value when it changes.
 */
export const COLLECTIONS: ReadonlySet<string> = new Set([
  'users', 'groups', 'applications', 'roleAssignments', 'policies', 'pim.requests', 'pim.schedules', 'pim.audits', 'outbox',
]);

/** Compact a tenant's journal into its snapshot once the journal is larger than this and a quarter of the snapshot. */
export const DEFAULT_JOURNAL_MAX_BYTES = 4 * 1024 * 1024;

/** Where a test may have the process killed (SIGKILL) to prove a crash there loses nothing. */
export const CRASH_POINTS = ['none', 'compaction-before-rename', 'compaction-before-journal-reset'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface StoreOptions {
  journalMaxBytes?: number;
  crashAt?: CrashPoint;
  /** Called on every tenant as it enters memory (loaded, added, replaced): e.g. to share what tenants hold alike. */
  normalize?: (tenant: TenantData) => void;
}

interface Pending {
  tx: Transaction;
  line: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** One tenant in memory, and (file storage) its snapshot and journal. */
interface Slot {
  data: TenantData;
  snapshot?: Low<Snapshot<TenantData>>;
  journal?: JournalWriter;
  snapshotBytes: number;
  /** Sequence number of the last update given a journal line. */
  seq: number;
  /** Applied in memory, not yet durable, in order. */
  pending: Pending[];
  flushing?: Promise<void>;
}

/** A tenant as it is on disk: its snapshot with its journal applied (tests, tools). */
export async function readTenantFromDisk(dir: string, generation: number, id: string): Promise<TenantData> {
  const file = path.join(dir, `gen-${generation}`, `${id}.json`);
  const snap = await new SnapshotFile<TenantData>(file).read();
  if (!snap) throw new StoreError(`${file} is missing`);
  const j = await readJournal(path.join(dir, `gen-${generation}`, `${id}.journal`), snap.seq);
  const positions = new Map<string, Map<string, number>>();
  for (const e of j.entries) applyOps(snap.data, e.ops, positions);
  return snap.data;
}

/** `fn` over `items`, at most `limit` at a time; results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export type ChangeListener = (tenant: TenantData, changes: CollectionChange[]) => void;

/**
 * lowdb behind the Store port. File layout under `dir`:
 *   system.json                    clock, role definitions, tenant list, generation (checksummed)
 *   gen-<n>/<tenantId>.json        the tenant's snapshot (lowdb), checksummed
 *   gen-<n>/<tenantId>.journal     what changed since the snapshot, one fsynced line per update
 * An update appends its change — the records it touched, not the tenant — so its cost does not
 * grow with the tenant; concurrent updates share one write and one fsync (group commit). When the
 * journal outgrows its snapshot it is folded into a new snapshot (atomic rename), then emptied.
 * A flush that fails puts memory back as it was before every update it carried (and every later
 * one, which saw them), and those updates reject.
 * replace() writes a whole new generation folder, then flips system.json to it in one rename.
 */
export class LowdbStore implements Store {
  private system_!: SystemFile;
  private slots = new Map<string, Slot>();
  private listeners: ChangeListener[] = [];
  /** Writes wait behind a replace(), addTenant() or removeTenant() in progress. */
  private barrier: Promise<void> = Promise.resolve();

  private constructor(
    readonly kind: 'file' | 'memory',
    private readonly dir: string | undefined,
    private readonly journalMaxBytes: number,
    private readonly crashAt: CrashPoint = 'none',
    private readonly normalize: (tenant: TenantData) => void = () => undefined,
  ) {}

  static async open(kind: 'file' | 'memory', dir: string | undefined, initial: () => State, options: StoreOptions = {}): Promise<LowdbStore> {
    const store = new LowdbStore(kind, dir, options.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES, options.crashAt, options.normalize);
    if (kind === 'memory' || !dir) {
      const s = initial();
      store.system_ = SystemFile.memory(store.newSystem(s, 0, {}));
      for (const t of s.tenants) {
        store.normalize(t);
        store.slots.set(t.tenant.id, { data: t, snapshotBytes: 0, seq: 0, pending: [] });
      }
      return store;
    }
    await fs.mkdir(dir, { recursive: true });
    const sysFile = path.join(dir, 'system.json');
    const existing = await SystemFile.read(sysFile);
    if (existing) {
      store.system_ = existing;
      const sys = existing.data;
      // Read several tenants at a time (the reads wait on the disk, not the CPU), keep their order.
      const loaded = await mapLimited(sys.tenantIds, 16, (id) => store.loadTenant(sys.generation, id));
      sys.tenantIds.forEach((id, i) => store.slots.set(id, loaded[i]!));
      return store;
    }
    const generations = (await fs.readdir(dir)).filter((f) => /^gen-\d+$/.test(f));
    if (generations.length) {
      throw new StoreError(`${sysFile} is missing, but ${path.join(dir, generations[0]!)} holds tenant data: the emulator will not start over it (it would reseed and lose that data). To recover, restore system.json from a backup, or delete the data directory (or use a fresh PIM_DATA) to start again from the seed.`);
    }
    const first = initial();
    for (const t of first.tenants) store.normalize(t);
    await store.writeGeneration(first, 1, {});
    return store;
  }

  /** Called after every update with the records it changed (and after a rollback, with the inverse). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  system(): SystemData {
    return this.system_.data;
  }

  tenants(): TenantData[] {
    return [...this.slots.values()].map((s) => s.data);
  }

  tenant(id: string): TenantData | undefined {
    return this.slots.get(id)?.data;
  }

  async update<T>(tenantId: string, fn: (data: TenantData) => T): Promise<T> {
    await this.barrier;
    const slot = this.slots.get(tenantId);
    if (!slot) throw new StoreError(`no tenant ${tenantId}`);
    const tx = new Transaction(slot.data, COLLECTIONS);
    let result: T;
    try {
      result = fn(tx.view as TenantData);
    } catch (e) {
      this.notify(slot.data, tx.rollback());
      throw e;
    }
    const { ops, changes } = tx.finish();
    this.notify(slot.data, changes);
    if (!slot.journal) return result;
    if (ops.length === 0) {
      // Nothing to write; what it read may still be in flight: answer once that is durable.
      await slot.flushing;
      return result;
    }
    const line = journalLine({ seq: ++slot.seq, ops });
    await new Promise<void>((resolve, reject) => {
      slot.pending.push({ tx, line, resolve, reject });
      slot.flushing ??= this.flushLoop(slot);
    });
    return result;
  }

  async updateSystem<T>(fn: (data: SystemData) => T): Promise<T> {
    await this.barrier;
    return this.system_.update(fn);
  }

  async addTenant(data: TenantData): Promise<void> {
    // Not exclusive: tenants added at once write their snapshots side by side and share system.json's
    // write (SystemFile group-commits); a replace() waits for them.
    await this.alongside(async () => {
      const id = data.tenant.id;
      if (this.slots.has(id)) throw new StoreError(`tenant ${id} exists`);
      this.normalize(data);
      if (this.kind === 'memory' || !this.dir) {
        this.system().tenantIds.push(id);
        this.slots.set(id, { data, snapshotBytes: 0, seq: 0, pending: [] });
        return;
      }
      // The tenant's file first, then system.json lists it: a crash between the two leaves an
      // unlisted file (ignored, and swept by the next replace), never a listed tenant without data.
      const generation = this.system().generation;
      const slot = await this.writeTenant(generation, data);
      try {
        await this.system_.update((s) => void s.tenantIds.push(id));
      } catch (e) {
        await this.removeFiles(generation, id);
        throw e;
      }
      this.slots.set(id, slot);
    });
  }

  async removeTenant(id: string): Promise<void> {
    await this.exclusive(async () => {
      const slot = this.slots.get(id);
      if (!slot) throw new StoreError(`no tenant ${id}`);
      // system.json first (the commit point), then the files: a crash between leaves unlisted files.
      // Its tokens must stop verifying: the key goes with the tenant.
      await this.system_.update((s) => {
        s.tenantIds = s.tenantIds.filter((x) => x !== id);
        delete s.signingKeys[id];
      });
      this.slots.delete(id);
      await slot.journal?.close();
      if (this.kind === 'file' && this.dir) await this.removeFiles(this.system().generation, id);
    });
  }

  async replace(state: State): Promise<void> {
    await this.exclusive(async () => {
      const sys = this.system();
      const keys = Object.fromEntries(
        Object.entries(sys.signingKeys).filter(([id]) => state.tenants.some((t) => t.tenant.id === id)),
      );
      for (const t of state.tenants) this.normalize(t);
      if (this.kind === 'memory' || !this.dir) {
        this.system_ = SystemFile.memory({ ...this.newSystem(state, 0, keys), clock: sys.clock });
        this.slots = new Map(state.tenants.map((t) => [t.tenant.id, { data: t, snapshotBytes: 0, seq: 0, pending: [] }]));
        return;
      }
      const oldGen = sys.generation;
      for (const s of this.slots.values()) await s.journal?.close();
      await this.writeGeneration(state, oldGen + 1, keys, sys.clock);
      await fs.rm(path.join(this.dir, `gen-${oldGen}`), { recursive: true, force: true });
    });
  }

  async close(): Promise<void> {
    await this.barrier;
    await this.idle();
    for (const s of this.slots.values()) await s.journal?.close();
  }

  private notify(tenant: TenantData, changes: CollectionChange[]): void {
    if (changes.length) for (const l of this.listeners) l(tenant, changes);
  }

  /** Writes every pending line of a tenant, batch after batch; one write and one fsync per batch. */
  private async flushLoop(slot: Slot): Promise<void> {
    try {
      while (slot.pending.length) {
        const batch = slot.pending.slice();
        try {
          await slot.journal!.append(batch.map((p) => p.line).join(''));
        } catch (e) {
          // Undo every update that is not durable — this batch and any queued after it, which saw
          // its changes — newest first, so memory is exactly as it was before them.
          const undone = slot.pending.splice(0);
          for (const p of [...undone].reverse()) this.notify(slot.data, p.tx.rollback());
          slot.seq -= undone.length;
          const err = new StorageUnavailable(`could not write ${slot.journal!.file}: ${(e as Error).message}`, { cause: e });
          for (const p of undone) p.reject(err);
          return;
        }
        slot.pending.splice(0, batch.length);
        for (const p of batch) p.resolve();
        if (slot.pending.length === 0 && this.wantsCompaction(slot)) await this.compact(slot);
      }
    } finally {
      slot.flushing = undefined;
    }
  }

  private wantsCompaction(slot: Slot): boolean {
    const j = slot.journal!.bytes;
    return j > Math.max(this.journalMaxBytes, slot.snapshotBytes / 4);
  }

  private crash(at: CrashPoint): void {
    if (this.crashAt === at) process.kill(process.pid, 'SIGKILL');
  }

  /**
   * Fold the journal into a new snapshot. Runs only when nothing is pending, so the snapshot holds
   * durable updates only; updates arriving meanwhile wait in the queue. A crash after the rename
   * but before the journal is emptied is harmless: entries up to the snapshot's seq are skipped.
   */
  private async compact(slot: Slot): Promise<void> {
    const text = snapshotText({ seq: slot.seq, data: slot.data });
    await (slot.snapshot!.adapter as SnapshotFile<TenantData>).writeText(text, () => this.crash('compaction-before-rename'));
    slot.snapshotBytes = text.length;
    this.crash('compaction-before-journal-reset');
    await slot.journal!.reset();
  }

  private adding = new Set<Promise<unknown>>();

  /** Runs `fn` after every earlier exclusive operation, alongside other such calls; exclusive ones wait for it. */
  private alongside<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.barrier.then(fn);
    this.adding.add(run);
    void run.finally(() => this.adding.delete(run)).catch(() => undefined);
    return run;
  }

  /** Runs `fn` alone: after every earlier exclusive operation and in-flight write; later writes wait for it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.barrier;
    const run = (async () => {
      await previous;
      await this.idle();
      return fn();
    })();
    this.barrier = run.then(() => undefined, () => undefined);
    return run;
  }

  private async idle(): Promise<void> {
    await Promise.allSettled([...this.adding]);
    await this.system_?.idle();
    for (const s of this.slots.values()) while (s.flushing) await s.flushing;
  }

  private snapshotFile(generation: number, id: string): string {
    return path.join(this.dir!, `gen-${generation}`, `${id}.json`);
  }

  private journalFile(generation: number, id: string): string {
    return path.join(this.dir!, `gen-${generation}`, `${id}.journal`);
  }

  private async loadTenant(generation: number, id: string): Promise<Slot> {
    const file = this.snapshotFile(generation, id);
    const low = new Low<Snapshot<TenantData>>(new SnapshotFile<TenantData>(file), { seq: 0, data: undefined as never });
    const snap = await low.adapter.read();
    if (!snap) throw new StoreError(`state is incomplete: ${file} is missing. To recover, restore it from a backup, or delete the data directory (or use a fresh PIM_DATA) to start again from the seed.`);
    low.data = snap;
    const journalFile = this.journalFile(generation, id);
    const j = await readJournal(journalFile, snap.seq);
    const positions = new Map<string, Map<string, number>>();
    for (const e of j.entries) {
      try {
        applyOps(snap.data, e.ops, positions);
      } catch (err) {
        throw corrupt(journalFile, `entry ${e.seq} cannot be applied (${(err as Error).message})`);
      }
    }
    const snapshotBytes = (await fs.stat(file)).size;
    this.normalize(snap.data);
    return { data: snap.data, snapshot: low, journal: new JournalWriter(journalFile, j.bytes), snapshotBytes, seq: j.lastSeq, pending: [] };
  }

  private async writeTenant(generation: number, data: TenantData): Promise<Slot> {
    const id = data.tenant.id;
    const adapter = new SnapshotFile<TenantData>(this.snapshotFile(generation, id));
    const low = new Low<Snapshot<TenantData>>(adapter, { seq: 0, data });
    const text = snapshotText(low.data);
    await adapter.writeText(text);
    await fs.rm(this.journalFile(generation, id), { force: true });
    return { data, snapshot: low, journal: new JournalWriter(this.journalFile(generation, id), 0), snapshotBytes: text.length, seq: 0, pending: [] };
  }

  private async removeFiles(generation: number, id: string): Promise<void> {
    await fs.rm(this.snapshotFile(generation, id), { force: true }).catch(() => undefined);
    await fs.rm(this.journalFile(generation, id), { force: true }).catch(() => undefined);
  }

  private newSystem(state: State, generation: number, signingKeys: SystemData['signingKeys']): SystemData {
    return {
      version: 1,
      generation,
      clock: { ...REAL_TIME },
      roleDefinitions: state.roleDefinitions,
      tenantIds: state.tenants.map((t) => t.tenant.id),
      signingKeys,
    };
  }

  /** Write every tenant into a fresh generation folder, then switch system.json to it atomically. */
  private async writeGeneration(state: State, generation: number, keys: SystemData['signingKeys'], clock = REAL_TIME): Promise<void> {
    const dir = this.dir!;
    const genDir = path.join(dir, `gen-${generation}`);
    await fs.rm(genDir, { recursive: true, force: true });
    await fs.mkdir(genDir, { recursive: true });
    const slots = new Map<string, Slot>();
    for (const t of state.tenants) slots.set(t.tenant.id, await this.writeTenant(generation, t));
    await fsyncDir(genDir);
    const sys = SystemFile.file(path.join(dir, 'system.json'), { ...this.newSystem(state, generation, keys), clock: { ...clock } });
    await sys.write(); // the commit point
    this.system_ = sys;
    this.slots = slots;
  }
}
