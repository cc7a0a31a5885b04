import { TRACKING, isShared } from '../tracked.js';

/**
 * Change tracking for one store update. The callback of `store.update()` mutates the tenant in
 * place, as plain code does; it is handed a view (Proxy) of the tenant that records what it
 * touches, at record granularity:
 *   - a collection (an array of records with an `id`, e.g. `pim.schedules`): records appended,
 *     records changed (any nested property set), and — for splice, filter-and-reassign, … — the
 *     records removed;
 *   - any other property (`tenant`, …): the whole value, when anything inside it changed.
 * `finish()` turns that into journal operations (the change, not the tenant) and the list of
 * changed records for indexes; `rollback()` puts memory back exactly as it was before the update.
 *
 * Reads cost little: predicate methods (find, filter, some, …) run over the plain array and only
 * the records they return are wrapped, so a scan of 100k records creates no proxies.
 */

export type Op =
  | { c: string; put: unknown }
  | { c: string; del: string }
  | { k: string; set: unknown }
  | { k: string; unset: true };

/** What one update did to one collection's records (the objects themselves, for indexes). */
export interface CollectionChange {
  collection: string;
  added: object[];
  removed: object[];
  changed: object[];
}

type Rec = Record<string | symbol, unknown>;

interface ColState {
  path: string;
  /** The array at the start of the update. */
  startRef: unknown[];
  /** Its records at the start, captured at the first structural change (splice, reassign, …). */
  startItems?: unknown[];
  pushed: Set<object>;
  /** Records changed in place, with a copy of each taken before its first change. */
  dirty: Map<object, unknown>;
}

interface PartState {
  had: boolean;
  before: unknown;
}

const PREDICATES = new Set(['find', 'findIndex', 'findLast', 'findLastIndex', 'filter', 'some', 'every']);
const SEARCHES = new Set(['includes', 'indexOf', 'lastIndexOf']);
const MUTATORS = new Set(['splice', 'pop', 'shift', 'unshift', 'sort', 'reverse', 'fill', 'copyWithin']);
const isIndex = (key: string | symbol): boolean => typeof key === 'string' && key !== '' && String(Number(key)) === key && Number(key) >= 0;
const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

function getPath(root: unknown, path: string): unknown {
  let v = root as Rec | undefined;
  if (path === '') return v;
  for (const k of path.split('.')) v = v?.[k] as Rec | undefined;
  return v;
}
function setPath(root: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const parent = getPath(root, keys.slice(0, -1).join('.') || '') as Rec;
  const last = keys.at(-1)!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}
/** An object shared between tenants (tracked.ts share()) is never changed in place. */
function refuseShared(target: object, key: string | symbol): void {
  if (isShared(target)) throw new TypeError(`'${String(key)}' of an object shared between tenants cannot be changed in place: put a changed copy in its place`);
}
const join = (container: string, key: string): string => (container ? `${container}.${key}` : key);
const idOf = (r: unknown): string => String((r as { id?: unknown }).id);

export class Transaction {
  private readonly parts = new Map<string, PartState>();
  private readonly cols = new Map<string, ColState>();
  private readonly proxies = new WeakMap<object, object>();
  private readonly raws = new WeakMap<object, object>();
  private readonly containers: Set<string>;
  private readonly tracking = {
    view: <T extends object>(collection: string, record: T): T => this.wrapRecord(collection, this.raw(record), this.raw(record)) as T,
    raw: <T extends object>(value: T): T => this.raw(value),
  };
  /** The view the update callback receives. */
  readonly view: object;

  constructor(
    private readonly root: object,
    private readonly collections: ReadonlySet<string>,
  ) {
    this.containers = new Set([...collections].flatMap((c) => c.split('.').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('.'))));
    this.view = this.containerProxy('', root);
  }

  /** Journal operations and changed records, once the callback has returned. */
  finish(): { ops: Op[]; changes: CollectionChange[] } {
    const ops: Op[] = [];
    for (const path of this.parts.keys()) {
      const v = getPath(this.root, path);
      ops.push(v === undefined ? { k: path, unset: true } : { k: path, set: v });
    }
    const changes: CollectionChange[] = [];
    for (const st of this.cols.values()) {
      const cur = getPath(this.root, st.path) as unknown[];
      const change: CollectionChange = { collection: st.path, added: [], removed: [], changed: [] };
      if (st.startItems) {
        const base = new Map(st.startItems.map((r) => [idOf(r), r]));
        const present = new Set<string>();
        for (const r of cur) {
          const id = idOf(r);
          present.add(id);
          const was = base.get(id);
          if (was !== r) {
            if (was !== undefined) change.removed.push(was as object);
            change.added.push(r as object);
            ops.push({ c: st.path, put: r });
          } else if (st.dirty.has(r as object)) {
            change.changed.push(r as object);
            ops.push({ c: st.path, put: r });
          }
        }
        for (const [id, r] of base) {
          if (present.has(id)) continue;
          change.removed.push(r as object);
          ops.push({ c: st.path, del: id });
        }
      } else {
        for (const r of st.pushed) {
          change.added.push(r);
          ops.push({ c: st.path, put: r });
        }
        for (const r of st.dirty.keys()) {
          if (st.pushed.has(r)) continue;
          change.changed.push(r);
          ops.push({ c: st.path, put: r });
        }
      }
      if (change.added.length || change.removed.length || change.changed.length) changes.push(change);
    }
    return { ops, changes };
  }

  /** Puts memory back as it was before the update; returns the inverse changes (for indexes). */
  rollback(): CollectionChange[] {
    const changes: CollectionChange[] = [];
    for (const st of [...this.cols.values()].reverse()) {
      const change: CollectionChange = { collection: st.path, added: [], removed: [], changed: [] };
      if (st.startItems) {
        const cur = getPath(this.root, st.path) as unknown[];
        const start = new Set(st.startItems);
        for (const r of cur) if (!start.has(r)) change.removed.push(r as object);
        const now = new Set(cur);
        for (const r of st.startItems) if (!now.has(r)) change.added.push(r as object);
        st.startRef.length = 0;
        st.startRef.push(...st.startItems);
        setPath(this.root, st.path, st.startRef);
      } else {
        st.startRef.length -= st.pushed.size;
        change.removed.push(...st.pushed);
      }
      for (const [r, before] of st.dirty) {
        if (st.pushed.has(r)) continue;
        for (const k of Object.keys(r)) delete (r as Rec)[k];
        Object.assign(r, before);
        change.changed.push(r);
      }
      changes.push(change);
    }
    for (const [path, p] of [...this.parts].reverse()) setPath(this.root, path, p.had ? p.before : undefined);
    return changes;
  }

  private raw<T extends object>(v: T): T {
    return (this.raws.get(v) as T | undefined) ?? v;
  }

  /** Replace our views by the plain objects behind them, anywhere inside a new value. */
  private unwrap<T>(v: T): T {
    if (!isObject(v)) return v;
    const raw = this.raws.get(v);
    if (raw) return raw as T;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (isObject(v[i])) v[i] = this.unwrap(v[i]);
    } else {
      for (const k of Object.keys(v)) {
        const x = (v as Rec)[k];
        if (isObject(x)) (v as Rec)[k] = this.unwrap(x);
      }
    }
    return v;
  }

  private cached(raw: object, make: () => object): object {
    let p = this.proxies.get(raw);
    if (!p) {
      p = make();
      this.proxies.set(raw, p);
      this.raws.set(p, raw);
    }
    return p;
  }

  private markPart(path: string): void {
    if (this.parts.has(path)) return;
    const v = getPath(this.root, path);
    this.parts.set(path, { had: v !== undefined, before: v === undefined ? undefined : structuredClone(v) });
  }

  private col(path: string): ColState {
    let st = this.cols.get(path);
    if (!st) {
      st = { path, startRef: getPath(this.root, path) as unknown[], pushed: new Set(), dirty: new Map() };
      this.cols.set(path, st);
    }
    return st;
  }

  private structural(st: ColState): void {
    if (st.startItems) return;
    // Appended records sit at the end until the first structural change.
    st.startItems = st.startRef.slice(0, st.startRef.length - st.pushed.size);
  }

  private markDirty(path: string, record: object): void {
    const st = this.col(path);
    if (st.pushed.has(record) || st.dirty.has(record)) return;
    st.dirty.set(record, structuredClone(record));
  }

  private containerProxy(container: string, target: object): object {
    return this.cached(target, () => new Proxy(target, {
      get: (t, key, receiver) => {
        if (key === TRACKING) return this.tracking;
        if (typeof key === 'symbol') return Reflect.get(t, key, receiver);
        const path = join(container, key);
        const v = (t as Rec)[key];
        if (!isObject(v)) return v;
        if (this.collections.has(path)) return this.colProxy(path, v as unknown[]);
        if (this.containers.has(path)) return this.containerProxy(path, v);
        return this.partProxy(path, v);
      },
      set: (t, key, value) => {
        if (typeof key === 'symbol') return Reflect.set(t, key, value);
        const path = join(container, key);
        if (this.containers.has(path)) throw new TypeError(`assign to the collections inside '${path}', not to '${path}' itself`);
        if (this.collections.has(path)) {
          const st = this.col(path);
          this.structural(st);
          (t as Rec)[key] = this.unwrap(value);
          return true;
        }
        this.markPart(path);
        (t as Rec)[key] = this.unwrap(value);
        return true;
      },
      deleteProperty: (t, key) => {
        if (typeof key === 'symbol') return Reflect.deleteProperty(t, key);
        const path = join(container, key);
        if (this.collections.has(path) || this.containers.has(path)) throw new TypeError(`'${path}' cannot be deleted`);
        this.markPart(path);
        return Reflect.deleteProperty(t, key);
      },
    }));
  }

  /** Any object inside a part: a change anywhere marks the whole part. */
  private partProxy(part: string, target: object): object {
    return this.cached(target, () => new Proxy(target, {
      get: (t, key, receiver) => {
        if (key === TRACKING) return this.tracking;
        const v = Reflect.get(t, key, receiver);
        return typeof key !== 'symbol' && isObject(v) ? this.partProxy(part, v) : v;
      },
      set: (t, key, value) => {
        refuseShared(t, key);
        this.markPart(part);
        return Reflect.set(t, key, this.unwrap(value));
      },
      deleteProperty: (t, key) => {
        refuseShared(t, key);
        this.markPart(part);
        return Reflect.deleteProperty(t, key);
      },
    }));
  }

  /** A record of a collection, or any object inside it: a change anywhere marks the record. */
  private wrapRecord(path: string, record: object, target: object): object {
    return this.cached(target, () => new Proxy(target, {
      get: (t, key, receiver) => {
        if (key === TRACKING) return this.tracking;
        const v = Reflect.get(t, key, receiver);
        return typeof key !== 'symbol' && isObject(v) ? this.wrapRecord(path, record, v) : v;
      },
      set: (t, key, value) => {
        refuseShared(t, key);
        this.markDirty(path, record);
        return Reflect.set(t, key, this.unwrap(value));
      },
      deleteProperty: (t, key) => {
        refuseShared(t, key);
        this.markDirty(path, record);
        return Reflect.deleteProperty(t, key);
      },
    }));
  }

  private colProxy(path: string, arr: unknown[]): object {
    const wrap = (r: unknown) => (isObject(r) ? this.wrapRecord(path, r, r) : r);
    const seen = (r: unknown) => (isObject(r) ? this.proxies.get(r) ?? r : r);
    return this.cached(arr, () => new Proxy(arr, {
      get: (t, key, receiver) => {
        if (key === TRACKING) return this.tracking;
        if (isIndex(key)) return wrap(t[Number(key as string)]);
        if (key === 'push') {
          return (...items: unknown[]) => {
            const st = this.col(path);
            const raws = items.map((x) => this.unwrap(x));
            for (const r of raws) if (isObject(r)) st.pushed.add(r);
            return t.push(...raws);
          };
        }
        if (typeof key === 'string' && PREDICATES.has(key)) {
          // The predicate sees plain records (or the view already handed out, so identity holds).
          return (fn: (v: unknown, i: number, a: unknown) => unknown, thisArg?: unknown) => {
            const pred = (v: unknown, i: number) => fn.call(thisArg, seen(v), i, receiver);
            switch (key) {
              case 'find': return wrap(t.find(pred));
              case 'findLast': return wrap(t.findLast(pred));
              case 'filter': return t.filter(pred).map(wrap);
              case 'findIndex': return t.findIndex(pred);
              case 'findLastIndex': return t.findLastIndex(pred);
              case 'some': return t.some(pred);
              default: return t.every(pred);
            }
          };
        }
        if (typeof key === 'string' && SEARCHES.has(key)) {
          return (x: unknown, from?: number) => (t as unknown as Record<string, (x: unknown, f?: number) => unknown>)[key]!(isObject(x) ? this.raw(x) : x, from);
        }
        if (typeof key === 'string' && MUTATORS.has(key)) {
          return (...args: unknown[]) => {
            this.structural(this.col(path));
            const out = (Array.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[key]!.apply(t, args.map((a) => this.unwrap(a)));
            if (key === 'splice') return (out as unknown[]).map(wrap);
            if (key === 'pop' || key === 'shift') return wrap(out);
            return out === t ? receiver : out;
          };
        }
        return Reflect.get(t, key, receiver);
      },
      set: (t, key, value) => {
        if (isIndex(key) || key === 'length') this.structural(this.col(path));
        return Reflect.set(t, key, this.unwrap(value));
      },
      deleteProperty: (t, key) => {
        if (isIndex(key)) this.structural(this.col(path));
        return Reflect.deleteProperty(t, key);
      },
    }));
  }
}

/** Apply journal operations to a plain tenant (on load). Puts are upserts, so replaying is idempotent. */
export function applyOps(root: object, ops: readonly Op[], indexes: Map<string, Map<string, number>>): void {
  for (const op of ops) {
    if ('k' in op) {
      setPath(root, op.k, 'set' in op ? op.set : undefined);
      continue;
    }
    let arr = getPath(root, op.c) as unknown[] | undefined;
    if (!arr) {
      arr = [];
      setPath(root, op.c, arr);
    }
    let index = indexes.get(op.c);
    if (!index || index.size !== arr.length) {
      index = new Map(arr.map((r, i) => [idOf(r), i]));
      indexes.set(op.c, index);
    }
    if ('put' in op) {
      const id = idOf(op.put);
      const at = index.get(id);
      if (at === undefined) {
        index.set(id, arr.length);
        arr.push(op.put);
      } else arr[at] = op.put;
    } else {
      const at = index.get(op.del);
      if (at === undefined) continue;
      arr.splice(at, 1);
      indexes.delete(op.c); // positions moved: rebuilt on next use
    }
  }
}
