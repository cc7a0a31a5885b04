import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Low, Memory } from 'lowdb';
import type { Adapter } from 'lowdb';
import type { TenantData } from '../directory/model.js';
import { REAL_TIME } from '../clock.js';
import { AtomicJsonFile, fsyncDir } from './atomic-file.js';
import { GroupCommit } from './group-commit.js';
import { StoreError, type State, type Store, type SystemData } from './store.js';

interface Db<T> {
  low: Low<T>;
  commit: GroupCommit;
}

function db<T>(adapter: Adapter<T>, data: T): Db<T> {
  // `new Low(adapter)` ourselves: lowdb's presets silently switch to memory under NODE_ENV=test.
  const low = new Low<T>(adapter, data);
  low.data = data;
  return { low, commit: new GroupCommit(() => low.write()) };
}

/**
 * lowdb behind the Store port. File layout under `dir`:
 *   system.json                  clock, role definitions, tenant list, signing keys, generation
 *   gen-<n>/<tenantId>.json      one file per tenant, so a write costs the same however many tenants exist
 * replace() writes a whole new generation folder, then flips system.json to it in one rename.
 * addTenant() writes the tenant's file, then system.json; removeTenant() the reverse. Either costs
 * one tenant file and system.json, however many tenants there are.
 */
export class LowdbStore implements Store {
  private systemDb!: Db<SystemData>;
  private tenantDbs = new Map<string, Db<TenantData>>();
  /** Writes wait behind a replace(), addTenant() or removeTenant() in progress. */
  private barrier: Promise<void> = Promise.resolve();

  private constructor(readonly kind: 'file' | 'memory', private readonly dir: string | undefined) {}

  static async open(kind: 'file' | 'memory', dir: string | undefined, initial: () => State): Promise<LowdbStore> {
    const store = new LowdbStore(kind, dir);
    if (kind === 'memory' || !dir) {
      const s = initial();
      store.systemDb = db(new Memory<SystemData>(), store.newSystem(s, 0, {}));
      for (const t of s.tenants) store.tenantDbs.set(t.tenant.id, db(new Memory<TenantData>(), t));
      return store;
    }
    await fs.mkdir(dir, { recursive: true });
    const sysAdapter = new AtomicJsonFile<SystemData>(path.join(dir, 'system.json'));
    const existing = await sysAdapter.read();
    if (existing) {
      store.systemDb = db(sysAdapter, existing);
      for (const id of existing.tenantIds) {
        const adapter = new AtomicJsonFile<TenantData>(store.tenantFile(existing.generation, id));
        const data = await adapter.read();
        if (!data) throw new StoreError(`state is incomplete: ${store.tenantFile(existing.generation, id)} is missing`);
        store.tenantDbs.set(id, db(adapter, data));
      }
      return store;
    }
    await store.writeGeneration(initial(), 1, {});
    return store;
  }

  system(): SystemData {
    return this.systemDb.low.data;
  }

  tenants(): TenantData[] {
    return [...this.tenantDbs.values()].map((d) => d.low.data);
  }

  tenant(id: string): TenantData | undefined {
    return this.tenantDbs.get(id)?.low.data;
  }

  async update<T>(tenantId: string, fn: (data: TenantData) => T): Promise<T> {
    await this.barrier;
    const d = this.tenantDbs.get(tenantId);
    if (!d) throw new StoreError(`no tenant ${tenantId}`);
    const result = fn(d.low.data);
    await d.commit.commit();
    return result;
  }

  async updateSystem<T>(fn: (data: SystemData) => T): Promise<T> {
    await this.barrier;
    const result = fn(this.systemDb.low.data);
    await this.systemDb.commit.commit();
    return result;
  }

  async addTenant(data: TenantData): Promise<void> {
    await this.exclusive(async () => {
      const id = data.tenant.id;
      if (this.tenantDbs.has(id)) throw new StoreError(`tenant ${id} exists`);
      const sys = this.system();
      if (this.kind === 'memory' || !this.dir) {
        sys.tenantIds.push(id);
        this.tenantDbs.set(id, db(new Memory<TenantData>(), data));
        return;
      }
      // The tenant's file first, then system.json lists it: a crash between the two leaves an
      // unlisted file (ignored, and swept by the next replace), never a listed tenant without data.
      const file = this.tenantFile(sys.generation, id);
      const d = db(new AtomicJsonFile<TenantData>(file), data);
      await d.low.write();
      sys.tenantIds.push(id);
      try {
        await this.systemDb.commit.commit();
      } catch (e) {
        sys.tenantIds = sys.tenantIds.filter((x) => x !== id);
        await fs.rm(file, { force: true }).catch(() => undefined);
        throw e;
      }
      this.tenantDbs.set(id, d);
    });
  }

  async removeTenant(id: string): Promise<void> {
    await this.exclusive(async () => {
      const d = this.tenantDbs.get(id);
      if (!d) throw new StoreError(`no tenant ${id}`);
      const sys = this.system();
      const before = { tenantIds: sys.tenantIds, key: sys.signingKeys[id] };
      sys.tenantIds = sys.tenantIds.filter((x) => x !== id);
      // Its tokens must stop verifying: the key goes with the tenant.
      delete sys.signingKeys[id];
      this.tenantDbs.delete(id);
      if (this.kind === 'memory' || !this.dir) return;
      // system.json first (the commit point), then the file: a crash between leaves an unlisted file.
      try {
        await this.systemDb.commit.commit();
      } catch (e) {
        sys.tenantIds = before.tenantIds;
        if (before.key) sys.signingKeys[id] = before.key;
        this.tenantDbs.set(id, d);
        throw e;
      }
      await d.commit.idle();
      await fs.rm(this.tenantFile(sys.generation, id), { force: true });
    });
  }

  async replace(state: State): Promise<void> {
    await this.exclusive(async () => {
      const sys = this.system();
      const keys = Object.fromEntries(
        Object.entries(sys.signingKeys).filter(([id]) => state.tenants.some((t) => t.tenant.id === id)),
      );
      if (this.kind === 'memory' || !this.dir) {
        const clock = sys.clock;
        this.systemDb = db(new Memory<SystemData>(), { ...this.newSystem(state, 0, keys), clock });
        this.tenantDbs = new Map(state.tenants.map((t) => [t.tenant.id, db(new Memory<TenantData>(), t)]));
        return;
      }
      const oldGen = sys.generation;
      await this.writeGeneration(state, oldGen + 1, keys, sys.clock);
      await fs.rm(path.join(this.dir, `gen-${oldGen}`), { recursive: true, force: true });
    });
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

  async close(): Promise<void> {
    await this.barrier;
    await this.idle();
  }

  private async idle(): Promise<void> {
    await this.systemDb?.commit.idle();
    for (const d of this.tenantDbs.values()) await d.commit.idle();
  }

  private tenantFile(generation: number, id: string): string {
    return path.join(this.dir!, `gen-${generation}`, `${id}.json`);
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
    const tenantDbs = new Map<string, Db<TenantData>>();
    for (const t of state.tenants) {
      const d = db(new AtomicJsonFile<TenantData>(this.tenantFile(generation, t.tenant.id)), t);
      await d.low.write();
      tenantDbs.set(t.tenant.id, d);
    }
    await fsyncDir(genDir);
    const sys = db(new AtomicJsonFile<SystemData>(path.join(dir, 'system.json')), {
      ...this.newSystem(state, generation, keys),
      clock: { ...clock },
    });
    await sys.low.write(); // the commit point
    this.systemDb = sys;
    this.tenantDbs = tenantDbs;
  }
}
