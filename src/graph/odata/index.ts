/**
 * OData `$filter` / `$orderby` for every Graph collection of the emulator: lexer → parser → bind → evaluate.
 *
 * Each collection declares what it supports (a FilterSpec mirroring the "$filter support" lines of the
 * Graph docs, reference §1.3). Anything outside the declaration fails loudly with a 400 instead of being
 * ignored, because a silently ignored filter returns wrong data that looks right.
 */
import { compareValues, evaluate, normalize, valueAt, type BoundNode, type Comparable, type PropType } from './evaluate.js';
import { ODataQueryError } from './lexer.js';
import { parseFilter, parseOrderBy, type FilterNode, type Literal } from './parser.js';

export { ODataQueryError } from './lexer.js';

export type { PropType };
/** 'null' = may be compared with null via eq/ne. */
export type Operator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in' | 'startswith' | 'null';
export interface PropertySpec {
  type: PropType;
  ops: Operator[];
  caseInsensitive?: boolean;
}
export interface FilterSpec {
  /** For messages, e.g. "roleDefinitions". */
  entitySet: string;
  /** Keys are paths, e.g. "principalId", "initiatedBy/user/id"; their order is the order listed in errors. */
  properties: Record<string, PropertySpec>;
  /** Collection path → properties of an item usable inside any(), e.g. {"targetResources": {"id": {...}}}. */
  lambdas?: Record<string, Record<string, PropertySpec>>;
  /** Default false: Graph rejects `or` on most directory collections. */
  allowOr?: boolean;
  /** Message when `or` is used and not allowed. */
  orMessage?: string;
}
export interface OrderBySpec {
  entitySet: string;
  properties: string[];
}

/** Exact message of the real service (reference §4.3, observed on roleDefinitions). */
const DEFAULT_OR_MESSAGE = 'Or operator not supported for this entity set.';

export function compileFilter(text: string, spec: FilterSpec): (entity: unknown) => boolean {
  const bound = bind(parseFilter(text), spec, outerScope(spec));
  return (entity) => evaluate(bound, entity);
}

/**
 * The `property eq 'value'` terms a filter requires of every match (its top-level `and` terms), so
 * a collection can start from an index instead of every item. Only a narrowing: the whole filter
 * still decides. GUIDs are lower-cased, as the emulator stores them.
 */
export function equalityHints(text: string, spec?: FilterSpec): Record<string, string> {
  const hints: Record<string, string> = {};
  const name = (path: string) => (spec ? canonicalName(Object.keys(spec.properties), path) ?? path : path);
  const walk = (n: FilterNode): void => {
    if (n.kind === 'and') {
      walk(n.left);
      walk(n.right);
    } else if (n.kind === 'compare' && n.op === 'eq' && (n.value.kind === 'string' || n.value.kind === 'guid') && !Object.hasOwn(hints, name(n.path))) {
      hints[name(n.path)] = n.value.kind === 'guid' ? n.value.value.toLowerCase() : n.value.value;
    }
  };
  try {
    walk(parseFilter(text));
  } catch {
    return {}; // compileFilter reports the error
  }
  return hints;
}

export function compileOrderBy(text: string, spec: OrderBySpec): (a: unknown, b: unknown) => number {
  const keys = parseOrderBy(text).map(({ path: written, descending }) => {
    const path = canonicalName(spec.properties, written) ?? written;
    if (!spec.properties.includes(path)) {
      throw badRequest(
        `Invalid $orderby: property '${path}' is not supported for ${spec.entitySet}. ` +
          `Supported properties: ${list(spec.properties)}.`,
      );
    }
    return { path: path.split('/'), sign: descending ? -1 : 1 };
  });
  return (a, b) => {
    for (const key of keys) {
      const c = compareValues(valueAt(a, key.path), valueAt(b, key.path));
      if (c !== 0) return c * key.sign;
    }
    return 0;
  };
}

/** The properties visible at one level of the filter (the entity, or an item inside any()) and how messages name them. */
interface Scope {
  properties: Record<string, PropertySpec>;
  /** "'id' of roleDefinitions" / "'t/id' inside targetResources/any() of directoryAudits" */
  describe(path: string): string;
  unknown(path: string): ODataQueryError;
}

function outerScope(spec: FilterSpec): Scope {
  const supported = [...Object.keys(spec.properties), ...Object.keys(spec.lambdas ?? {}).map((c) => `${c}/any(...)`)];
  return {
    properties: spec.properties,
    describe: (path) => `'${path}' of ${spec.entitySet}`,
    unknown: (path) =>
      badRequest(
        `Invalid $filter: property '${path}' is not supported for ${spec.entitySet}. Supported properties: ${list(supported)}.`,
      ),
  };
}

function lambdaScope(spec: FilterSpec, collection: string, variable: string, properties: Record<string, PropertySpec>): Scope {
  const where = `inside ${collection}/any() of ${spec.entitySet}`;
  return {
    properties,
    describe: (path) => `'${variable}/${path}' ${where}`,
    unknown: (path) =>
      badRequest(
        `Invalid $filter: property '${variable}/${path}' is not supported ${where}. ` +
          `Supported properties: ${list(Object.keys(properties).map((p) => `${variable}/${p}`))}.`,
      ),
  };
}

/** Checks the parsed filter against the spec and prepares it for evaluation. */
function bind(written: FilterNode, spec: FilterSpec, scope: Scope): BoundNode {
  const node = canonicalNode(written, spec, scope);
  switch (node.kind) {
    case 'or':
    case 'and':
      if (node.kind === 'or' && !spec.allowOr) {
        throw new ODataQueryError('Request_UnsupportedQuery', spec.orMessage ?? DEFAULT_OR_MESSAGE);
      }
      return { kind: node.kind, left: bind(node.left, spec, scope), right: bind(node.right, spec, scope) };

    case 'compare': {
      const prop = lookup(scope, node.path);
      const ci = caseInsensitive(prop);
      if (node.value.kind === 'null') {
        // Only eq/ne may test for null, and only where the docs list "null" for the property.
        const allowed = (node.op === 'eq' || node.op === 'ne') && prop.ops.includes('null');
        if (!allowed) throw unsupportedOperator(`${node.op} null`, node.path, prop, scope);
        return { kind: 'compare', op: node.op, path: node.path.split('/'), type: prop.type, ci, value: null };
      }
      if (!prop.ops.includes(node.op)) throw unsupportedOperator(node.op, node.path, prop, scope);
      const value = literalValue(node.value, node.path, prop, scope);
      return { kind: 'compare', op: node.op, path: node.path.split('/'), type: prop.type, ci, value };
    }

    case 'in': {
      const prop = lookup(scope, node.path);
      if (!prop.ops.includes('in')) throw unsupportedOperator('in', node.path, prop, scope);
      const values = node.values.map((lit) => {
        if (lit.kind !== 'null') return literalValue(lit, node.path, prop, scope);
        if (!prop.ops.includes('null')) throw unsupportedOperator('in null', node.path, prop, scope);
        return null;
      });
      return { kind: 'in', path: node.path.split('/'), type: prop.type, ci: caseInsensitive(prop), values };
    }

    case 'startswith': {
      const prop = lookup(scope, node.path);
      if (!prop.ops.includes('startswith')) throw unsupportedOperator('startswith', node.path, prop, scope);
      if (prop.type !== 'string' && prop.type !== 'guid' && prop.type !== 'enum') {
        throw badRequest(`Invalid $filter: startswith needs a text property, but ${scope.describe(node.path)} is a ${prop.type}.`);
      }
      if (node.value.kind !== 'string') {
        throw badRequest(`Invalid $filter: startswith on ${scope.describe(node.path)} expects a quoted string, not ${describeLiteral(node.value)}.`);
      }
      return { kind: 'startswith', path: node.path.split('/'), prefix: node.value.value.toLowerCase() };
    }

    case 'any': {
      const itemProperties = spec.lambdas && Object.hasOwn(spec.lambdas, node.collection) ? spec.lambdas[node.collection] : undefined;
      if (!itemProperties) throw scope.unknown(`${node.collection}/any(...)`);
      const inner = lambdaScope(spec, node.collection, node.variable, itemProperties);
      return { kind: 'any', path: node.collection.split('/'), body: bind(node.body, spec, inner) };
    }
  }
}

/** The node with its property (or lambda collection) named as declared. */
function canonicalNode(node: FilterNode, spec: FilterSpec, scope: Scope): FilterNode {
  if (node.kind === 'compare' || node.kind === 'in' || node.kind === 'startswith') {
    return { ...node, path: canonicalName(Object.keys(scope.properties), node.path) ?? node.path };
  }
  if (node.kind === 'any') return { ...node, collection: canonicalName(Object.keys(spec.lambdas ?? {}), node.collection) ?? node.collection };
  return node;
}

/**
 * The declared name a written property path stands for: Graph matches property names in $filter and
 * $orderby case-insensitively (`PrincipalId eq '…'`, as PowerShell users write it, is `principalId`).
 */
export function canonicalName(names: readonly string[], written: string): string | undefined {
  const lower = written.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower);
}

function lookup(scope: Scope, path: string): PropertySpec {
  // hasOwn, so that "constructor" or "toString" are unknown properties rather than prototype members.
  if (!Object.hasOwn(scope.properties, path)) throw scope.unknown(path);
  return scope.properties[path]!;
}

/** GUIDs and enum members compare case-insensitively in Graph (`status eq 'provisioned'` matches). */
function caseInsensitive(prop: PropertySpec): boolean {
  return prop.type === 'guid' || prop.type === 'enum' || prop.caseInsensitive === true;
}

/** Literal kinds each property type accepts. Graph also takes unquoted GUIDs for id-like properties. */
const ACCEPTS: Record<PropType, readonly Literal['kind'][]> = {
  string: ['string'],
  guid: ['string', 'guid'],
  enum: ['string'],
  boolean: ['boolean'],
  number: ['number'],
  datetime: ['datetime'],
};

const EXPECTS: Record<PropType, string> = {
  string: "a quoted string such as 'value'",
  guid: 'a GUID, quoted or not',
  enum: "a quoted enum member such as 'value'",
  boolean: 'true or false',
  number: 'a number',
  datetime: 'an unquoted ISO 8601 datetime such as 2026-01-01T00:00:00Z',
};

function literalValue(lit: Exclude<Literal, { kind: 'null' }>, path: string, prop: PropertySpec, scope: Scope): Comparable | null {
  if (!ACCEPTS[prop.type].includes(lit.kind)) {
    throw badRequest(`Invalid $filter: property ${scope.describe(path)} expects ${EXPECTS[prop.type]}, not ${describeLiteral(lit)}.`);
  }
  return normalize(lit.value, prop.type, caseInsensitive(prop));
}

function describeLiteral(lit: Literal): string {
  return lit.kind === 'null' ? 'null' : `the ${lit.kind === 'guid' ? 'GUID' : lit.kind} ${lit.text}`;
}

function unsupportedOperator(op: string, path: string, prop: PropertySpec, scope: Scope): ODataQueryError {
  const supported = prop.ops.flatMap((o) => (o === 'null' ? ['eq null', 'ne null'] : [o]));
  return badRequest(
    `Invalid $filter: operator '${op}' is not supported on property ${scope.describe(path)}. Supported operators: ${list(supported)}.`,
  );
}

function list(items: readonly string[]): string {
  return items.length > 0 ? items.join(', ') : 'none';
}

function badRequest(message: string): ODataQueryError {
  return new ODataQueryError('BadRequest', message);
}
