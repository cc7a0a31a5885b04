import type { FastifyInstance, FastifyRequest, FastifyContextConfig } from 'fastify';
import { baseUrl } from '../web.js';
import { graphErrors } from './errors.js';
import { compileFilter, compileOrderBy, equalityHints, type FilterSpec } from './odata/index.js';
import type { GraphVersion } from './types.js';

/**
 * One implementation of Graph's query options for every collection and entity:
 * $filter → $orderby → $count → $skiptoken/$top paging → $expand → $select, and @odata.context.
 */
export interface EntitySpec<T> {
  /** The Graph type, for messages: "microsoft.graph.unifiedRoleAssignment". */
  type: string;
  /** Store record → wire object (before $select/$expand). */
  toWire: (item: T) => Record<string, unknown>;
  /**
   * Navigation properties that $expand may name. A handler that declares a second parameter also
   * accepts nested options, e.g. policy($expand=rules), and receives their text.
   */
  expand?: Record<string, (item: T, nested?: string) => unknown>;
  /** Properties $select may name. */
  properties: readonly string[];
}

export interface CollectionSpec<T> extends EntitySpec<T> {
  /** Path after $metadata#: "roleManagement/directory/roleDefinitions". */
  contextPath: string;
  filter?: FilterSpec;
  orderBy?: readonly string[];
  /** Page size when the client gives no $top (Graph's default is 100 for most directory lists). */
  pageSize?: number;
  maxTop?: number;
}

type Query = Record<string, string | undefined>;

/** `property eq 'value'` terms every match of the request's $filter has (see equalityHints). */
export type Hints = Readonly<Record<string, string>>;

/**
 * `items` may be a function of the $filter's equality terms, so a collection backed by an index
 * (e.g. schedules by principalId) hands over only the candidates; the whole filter still applies.
 */
export function listBody<T>(request: FastifyRequest, version: GraphVersion, source: readonly T[] | ((hints: Hints) => readonly T[]), spec: CollectionSpec<T>): Record<string, unknown> {
  const q = request.query as Query;
  const keep = q.$filter !== undefined && spec.filter ? compileFilter(q.$filter, spec.filter) : undefined;
  const items = typeof source === 'function' ? source(keep ? equalityHints(q.$filter!, spec.filter) : {}) : source;
  const order = q.$orderby !== undefined ? compileOrderBy(q.$orderby, { entitySet: spec.filter?.entitySet ?? spec.contextPath, properties: [...(spec.orderBy ?? [])] }) : undefined;
  const { select, expand } = parseSelectExpand(q, spec);
  const top = parseTop(q.$top, spec.maxTop ?? 999);
  const skip = parseSkipToken(q.$skiptoken);

  let rows = items.map((item) => ({ item, wire: spec.toWire(item) }));
  if (keep) rows = rows.filter((r) => keep(r.wire));
  if (order) rows.sort((a, b) => order(a.wire, b.wire));
  const count = rows.length;
  const size = top ?? spec.pageSize ?? 100;
  const page = rows.slice(skip, skip + size);
  const base = `${baseUrl(request)}/${version}`;
  const body: Record<string, unknown> = { '@odata.context': `${base}/$metadata#${spec.contextPath}${contextSuffix(select, expand)}` };
  if (q.$count === 'true') body['@odata.count'] = count;
  if (skip + size < count) body['@odata.nextLink'] = nextLink(request, base, skip + size);
  body.value = page.map((r) => shape(r.item, r.wire, spec, select, expand));
  return body;
}

/**
 * GET {collection}/$count: the number of items the request's $filter keeps, as text/plain (OData's
 * `$count` segment). On directory objects (users, groups) Graph counts only in its advanced-query
 * mode: without `ConsistencyLevel: eventual` it answers 400 Request_BadRequest "$count is not
 * currently supported." (microsoftgraph/microsoft-graph-docs#15067 shows the body).
 */
export function countText<T>(request: FastifyRequest, source: readonly T[], spec: CollectionSpec<T>, opts: { directoryObjects?: boolean } = {}): string {
  if (opts.directoryObjects && String(request.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    throw graphErrors.badQuery('Request_BadRequest', '$count is not currently supported.');
  }
  const q = request.query as Query;
  const keep = q.$filter !== undefined && spec.filter ? compileFilter(q.$filter, spec.filter) : undefined;
  return String(keep ? source.filter((item) => keep(spec.toWire(item))).length : source.length);
}

/** Query options of a $count segment. */
export const COUNT_OPTIONS = ['$filter'] as const;

/** The Location of a created entity: its URL, as OData 4.01 §11.4.2.1 asks of a 201 Created. */
export const locationOf = (request: FastifyRequest, version: GraphVersion, collectionPath: string, id: string): string =>
  `${baseUrl(request)}/${version}/${collectionPath}/${encodeURIComponent(id)}`;

export function entityBody<T>(request: FastifyRequest, version: GraphVersion, item: T, spec: EntitySpec<T> & { contextPath: string }): Record<string, unknown> {
  const q = request.query as Query;
  const { select, expand } = parseSelectExpand(q, spec);
  const base = `${baseUrl(request)}/${version}`;
  return {
    '@odata.context': `${base}/$metadata#${spec.contextPath}${contextSuffix(select, expand)}/$entity`,
    ...shape(item, spec.toWire(item), spec, select, expand),
  };
}

/**
 * GET {entity}/{navigation}: the navigation property the SDKs' fluent calls read
 * (`roleAssignments[id].principal`, `…/{id}/roleDefinition`), the value $expand would give.
 * A single-valued navigation with nothing behind it (directoryScope of the tenant-wide scope '/')
 * is a 404, as Graph answers a reference-property that is not present.
 */
export function navigationBody<T>(request: FastifyRequest, version: GraphVersion, item: T, id: string, name: string, spec: EntitySpec<T> & { contextPath: string }): Record<string, unknown> {
  const handler = spec.expand && Object.hasOwn(spec.expand, name) ? spec.expand[name] : undefined;
  if (!handler && !SCOPE_NAVIGATIONS.includes(name)) throw graphErrors.segmentNotFound(name);
  const value = handler ? handler(item) : null;
  if (value === null || value === undefined) throw graphErrors.resourceNotFound(name);
  const q = request.query as Query;
  const selected = (q.$select !== undefined ? selectNested(value, q.$select, name) : value) as Record<string, unknown> | Record<string, unknown>[];
  const context = `${baseUrl(request)}/${version}/$metadata#${spec.contextPath}('${id}')/${name}`;
  return Array.isArray(selected) ? { '@odata.context': context, value: selected } : { '@odata.context': `${context}/$entity`, ...selected };
}

/**
 * The emulator serves the tenant-wide directory scope '/' only and no app scope (other scopes are
 * refused when written), so directoryScope and appScope never have an object behind them.
 */
const SCOPE_NAVIGATIONS: readonly string[] = ['directoryScope', 'appScope'];

/** The navigation properties of Microsoft's schema on each PIM / role entity set the emulator serves. */
export const NAVIGATIONS = {
  roleAssignment: ['principal', 'roleDefinition', 'directoryScope', 'appScope'],
  assignmentRequest: ['principal', 'roleDefinition', 'directoryScope', 'appScope', 'targetSchedule', 'activatedUsing'],
  eligibilityRequest: ['principal', 'roleDefinition', 'directoryScope', 'appScope', 'targetSchedule'],
  assignmentSchedule: ['principal', 'roleDefinition', 'directoryScope', 'appScope', 'activatedUsing'],
  eligibilitySchedule: ['principal', 'roleDefinition', 'directoryScope', 'appScope'],
} as const;

/**
 * Registers GET `${base}/:id/${name}` for each navigation: `load` finds the entity exactly as the
 * entity route does (same permissions, same 404), so a navigation reads only what its entity may.
 */
export function navigationRoutes<T>(
  app: FastifyInstance,
  version: GraphVersion,
  base: string,
  names: readonly string[],
  config: FastifyContextConfig,
  load: (request: FastifyRequest<{ Params: { id: string } }>) => { item: T; spec: EntitySpec<T> & { contextPath: string } },
): void {
  for (const name of names) {
    app.get<{ Params: { id: string } }>(`${base}/:id/${name}`, { config: { ...config, query: ['$select'] } }, async (request) => {
      const { item, spec } = load(request);
      return navigationBody(request, version, item, request.params.id, name, spec);
    });
  }
}

interface Expansion {
  name: string;
  nested: string | undefined;
}

function shape<T>(item: T, wire: Record<string, unknown>, spec: EntitySpec<T>, select: string[] | undefined, expand: Expansion[]): Record<string, unknown> {
  let out: Record<string, unknown> = wire;
  if (select) {
    out = {};
    const typed = '@odata.type' in wire;
    if (typed) out['@odata.type'] = wire['@odata.type'];
    // On a list of several types (directoryObjects), a property of another type is left out of the item, as Graph does.
    for (const p of select) if (!typed || p in wire) out[p] = wire[p] ?? null;
  }
  for (const e of expand) {
    const handler = spec.expand![e.name]!;
    // A handler without nested options still honours a nested $select (CLI for Microsoft 365 sends
    // $expand=roleDefinition($select=displayName)).
    out[e.name] = handler.length < 2 && e.nested !== undefined ? selectNested(handler(item), e.nested, e.name) : handler(item, e.nested);
  }
  return out;
}

/** Applies `$select=a,b` to an expanded entity (or each of a list); names match case-insensitively. */
function selectNested(value: unknown, nested: string, navigation: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const names = nested.replace(/^\$select=/i, '').split(',').map((x) => x.trim()).filter(Boolean);
  const pick = (o: Record<string, unknown>) => {
    const keys = new Map(Object.keys(o).map((k) => [k.toLowerCase(), k]));
    const out: Record<string, unknown> = {};
    if ('@odata.type' in o) out['@odata.type'] = o['@odata.type'];
    for (const n of names) {
      const k = keys.get(n.toLowerCase());
      if (!k) throw graphErrors.selectExpand(n, navigation);
      out[k] = o[k];
    }
    return out;
  };
  return Array.isArray(value) ? value.map((v) => pick(v as Record<string, unknown>)) : pick(value as Record<string, unknown>);
}

function parseSelectExpand<T>(q: Query, spec: EntitySpec<T>): { select: string[] | undefined; expand: Expansion[] } {
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  // OData's $expand=* expands every navigation property (Terraform azuread reads a policy with
  // $expand=*: its msgraph RoleManagementPolicyClient.Get, pim-groups-reference §4).
  const names = list(q.$expand).flatMap((e) => (e === '*' ? Object.keys(spec.expand ?? {}) : [e]));
  const expand = names.map((e) => {
    const m = /^([A-Za-z]+)(?:\((.*)\))?$/.exec(e);
    const name = m?.[1] ?? e;
    // Own properties only: $expand=constructor or __proto__ must not reach Object.prototype.
    const handler = spec.expand && Object.hasOwn(spec.expand, name) ? spec.expand[name] : undefined;
    if (!handler) throw graphErrors.selectExpand(name, spec.type);
    const nested = m?.[2];
    if (nested !== undefined && handler.length < 2 && !/^\$select=[A-Za-z,\s]+$/i.test(nested)) throw graphErrors.badQuery('BadRequest', `Nested query options in $expand are not supported for '${name}' on type '${spec.type}'. Use $expand=${name}.`);
    return { name, nested };
  });
  if (q.$select === undefined) return { select: undefined, expand };
  // Graph matches property names case-insensitively ($select=Id answers "id"; CLI for Microsoft 365 sends it).
  const canonical = new Map(spec.properties.map((p) => [p.toLowerCase(), p]));
  const select = list(q.$select).map((p) => {
    const name = canonical.get(p.toLowerCase());
    if (!name) throw graphErrors.selectExpand(p, spec.type);
    return name;
  });
  return { select, expand };
}

/** (principalId,roleDefinition(),policy(rules())) as Graph writes selected and expanded properties in @odata.context. */
function contextSuffix(select: string[] | undefined, expand: Expansion[]): string {
  if (!select && expand.length === 0) return '';
  const inner = (nested: string | undefined) => {
    const m = nested ? /\$expand=([A-Za-z]+)/i.exec(nested) : null;
    return m ? `${m[1]}()` : '';
  };
  return `(${[...(select ?? []), ...expand.map((e) => `${e.name}(${inner(e.nested)})`)].join(',')})`;
}

function parseTop(v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw graphErrors.badQuery('BadRequest', `Invalid value '${v}' for query option '$top': it must be a whole number from 1 to ${max}.`);
  return Math.min(Number(v), max);
}

function parseSkipToken(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(Buffer.from(v, 'base64url').toString('utf8').replace(/^skip:/, ''));
  if (!Number.isInteger(n) || n < 0) throw graphErrors.badQuery('BadRequest', `Invalid $skiptoken '${v}': use the @odata.nextLink the previous page returned.`);
  return n;
}

function nextLink(request: FastifyRequest, base: string, offset: number): string {
  const url = new URL(request.url, 'http://x');
  url.searchParams.set('$skiptoken', Buffer.from(`skip:${offset}`).toString('base64url'));
  const path = url.pathname.replace(/^\/(v1\.0|beta)/, '');
  return `${base}${path}?${url.searchParams.toString().replace(/%24/g, '$')}`;
}

/** Query options each kind of route accepts (lower case, as the preHandler compares them). */
export const LIST_OPTIONS = ['$filter', '$select', '$expand', '$top', '$skiptoken', '$count', '$orderby'] as const;
export const ENTITY_OPTIONS = ['$select', '$expand'] as const;
