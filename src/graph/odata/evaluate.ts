/**
 * Runtime semantics: evaluates a checked ("bound") filter against a plain JS entity, and orders values.
 *
 * Binding (index.ts) has already resolved each property's type and normalised each literal with
 * `normalize`, so evaluation only normalises the entity's side the same way and compares.
 * Missing values are null, following OData: `x eq null` is true, `x ne 'a'` is true,
 * and any ordering comparison (gt, ge, lt, le) with null is false.
 */
import { parseInstant } from './lexer.js';
import type { CompareOp } from './parser.js';

/** The types a filterable property can have. */
export type PropType = 'string' | 'guid' | 'boolean' | 'number' | 'datetime' | 'enum';

/** A value ready for ===, < and >: lowercased where comparison is case-insensitive, datetimes as epoch ms. */
export type Comparable = string | number | boolean;

export type BoundNode =
  | { kind: 'and' | 'or'; left: BoundNode; right: BoundNode }
  | { kind: 'compare'; op: CompareOp; path: string[]; type: PropType; ci: boolean; value: Comparable | null }
  | { kind: 'in'; path: string[]; type: PropType; ci: boolean; values: (Comparable | null)[] }
  | { kind: 'startswith'; path: string[]; prefix: string }
  | { kind: 'any'; path: string[]; body: BoundNode };

/** Brings a literal or an entity value to its comparable form; null when absent or not of the type. */
export function normalize(value: unknown, type: PropType, caseInsensitive: boolean): Comparable | null {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'number':
      return typeof value === 'number' && !Number.isNaN(value) ? value : null;
    case 'datetime':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
      // Stored values are our own ISO strings; a zone-less one is read as UTC rather than local time.
      return typeof value === 'string' ? (parseInstant(value, { requireZone: false }) ?? null) : null;
    default: {
      const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
      return text !== null && caseInsensitive ? text.toLowerCase() : text;
    }
  }
}

/** Walks `initiatedBy/user/id`-style paths; anything missing along the way is undefined. */
export function valueAt(entity: unknown, path: readonly string[]): unknown {
  let current: unknown = entity;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export function evaluate(node: BoundNode, entity: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, entity) && evaluate(node.right, entity);
    case 'or':
      return evaluate(node.left, entity) || evaluate(node.right, entity);
    case 'compare':
      return compare(node.op, normalize(valueAt(entity, node.path), node.type, node.ci), node.value);
    case 'in': {
      const actual = normalize(valueAt(entity, node.path), node.type, node.ci);
      return node.values.some((v) => v === actual);
    }
    case 'startswith': {
      // Case-insensitive, as Graph's startswith is on directory objects.
      const actual = valueAt(entity, node.path);
      return typeof actual === 'string' && actual.toLowerCase().startsWith(node.prefix);
    }
    case 'any': {
      const items = valueAt(entity, node.path);
      return Array.isArray(items) && items.some((item) => evaluate(node.body, item));
    }
  }
}

function compare(op: CompareOp, actual: Comparable | null, expected: Comparable | null): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
  }
  if (actual === null || expected === null) return false;
  switch (op) {
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
  }
}

/**
 * Total order for $orderby, which has no declared types: null first, then numbers, booleans and
 * strings by their natural order. Two ISO datetime strings compare as instants (offsets may differ);
 * other strings case-insensitively, with case as the tie-breaker so the order is deterministic.
 */
export function compareValues(a: unknown, b: unknown): number {
  const x = a ?? null;
  const y = b ?? null;
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  if (typeof x === 'string' && typeof y === 'string') {
    const tx = parseInstant(x, { requireZone: false });
    const ty = parseInstant(y, { requireZone: false });
    if (tx !== undefined && ty !== undefined) return Math.sign(tx - ty);
    return order(x.toLowerCase(), y.toLowerCase()) || order(x, y);
  }
  if (typeof x === typeof y && (typeof x === 'number' || typeof x === 'boolean')) {
    return Math.sign(Number(x) - Number(y));
  }
  // Mixed types: keep the order stable and total rather than throwing mid-sort.
  return order(typeof x, typeof y) || order(String(x), String(y));
}

function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
