/**
 * The seam between the store's change tracking and code that reads through an index inside a
 * store update. Inside `store.update()` the tenant handed to the callback is a tracking view; a
 * record found through an index (which holds plain records) must be seen through that view too,
 * or a change made to it would not be recorded. Code outside an update gets the record as is.
 * Neither side imports the other: both import this module.
 */
export const TRACKING = Symbol.for('entra-pim-emulator.tracking');

interface TrackingView {
  /** The record as the running update sees it (a view that records changes). */
  view<T extends object>(collection: string, record: T): T;
  /** The plain object behind a view. */
  raw<T extends object>(value: T): T;
}

const trackingOf = (root: object): TrackingView | undefined => (root as { [TRACKING]?: TrackingView })[TRACKING];

/** `record` (from an index over `root`'s `collection`) as the code holding `root` must see it. */
export function tracked<T extends object>(root: object, collection: string, record: T): T {
  const t = trackingOf(root);
  return t ? t.view(collection, record) : record;
}

/** The plain object behind a tracking view (the object itself when it is not a view). */
export function untracked<T extends object>(value: T): T {
  const t = trackingOf(value);
  return t ? t.raw(value) : value;
}

const SHARED = new WeakSet<object>();

/**
 * Marks an object (and everything inside it) as shared between tenants — one copy of a default
 * policy rule for every tenant, say. A store update that tries to change a shared object in place
 * fails loudly: replace it with a changed copy instead.
 */
export function share<T extends object>(value: T): T {
  SHARED.add(value);
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null && !SHARED.has(v)) share(v);
  return value;
}

export const isShared = (value: object): boolean => SHARED.has(value);

const canonicals = new Map<string, object>();

/** The one shared copy of a value (by its JSON) that every tenant holding it refers to. */
export function canonical<T extends object>(value: T): T {
  const key = JSON.stringify(value);
  let c = canonicals.get(key);
  if (!c) canonicals.set(key, (c = share(structuredClone(value))));
  return c as T;
}
