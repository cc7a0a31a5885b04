import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kind, ScheduleRecord } from '../../pim/model.js';
import { pimErrors } from '../../pim/errors.js';
import { GraphError } from '../errors.js';
import type { Caller } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, NAVIGATIONS, entityBody, listBody, navigationRoutes, type CollectionSpec, COUNT_OPTIONS, countText } from '../collection.js';
import { PERMISSIONS, requireReader, requireScope } from '../pim-access.js';
import type { GraphVersion } from '../types.js';
import type { AppContext } from '../../context.js';
import { findPrincipal, findRoleDefinition } from '../../directory/directory.js';
import { principalToWire, roleDefinitionToWire } from '../wire.js';
import { directAsSchedule, SEGMENTS, TYPE_NAMES, type ScheduleView } from '../pim-wire.js';
import type { TenantData } from '../../directory/model.js';

/** A row of a schedule or instance collection: a PIM schedule, or a direct assignment seen as Assigned. */
export type Row = ScheduleView;

const principalOf = (r: Row): string => r.principalId;
const roleOf = (r: Row): string => r.roleDefinitionId;

/** $expand=principal and $expand=roleDefinition, the same on every schedule and instance collection. */
export function rowExpansions(ctx: AppContext, version: GraphVersion, caller: Caller): Record<'principal' | 'roleDefinition', (r: Row) => unknown> {
  return {
    principal: (r) => {
      const p = findPrincipal(caller.tenant, principalOf(r));
      return p ? principalToWire(p) : null;
    },
    roleDefinition: (r) => {
      const d = findRoleDefinition(ctx.store, roleOf(r));
      return d ? roleDefinitionToWire(d, version) : null;
    },
  };
}

const FILTER_ON = /^filterByCurrentUser\(on='([^']*)'\)$/;

/**
 * The read-only PIM collections (schedules and instances, both kinds) share their routes: list
 * (reader role), filterByCurrentUser(on='principal') (own only, items with @odata.type), get by id.
 */
function registerPimReadRoutes(
  app: FastifyInstance,
  version: GraphVersion,
  opts: {
    kind: Kind;
    segment: string;
    typeName: string;
    /** The rows, narrowed to a principal when the request names one (an index lookup, not a scan). */
    rows: (caller: Caller, principalId?: string) => Row[];
    spec: (caller: Caller, contextPath: string) => CollectionSpec<Row>;
  },
): void {
  const { kind, segment, typeName } = opts;
  const base = `/roleManagement/directory/${segment}`;
  const contextPath = `roleManagement/directory/${segment}`;

  app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    requireReader(caller);
    return listBody(request, version, (hints) => opts.rows(caller, hints.principalId), opts.spec(caller, contextPath));
  });

  app.get(`${base}/$count`, { config: { pim: true, query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    requireReader(caller);
    return reply.type('text/plain; charset=utf-8').send(countText(request, opts.rows(caller), opts.spec(caller, contextPath)));
  });

  app.get(`${base}/filterByCurrentUser(on='principal')`, { config: { pim: true, query: LIST_OPTIONS } }, async (request: FastifyRequest) => {
    const caller = request.caller!;
    requireScope(caller, PERMISSIONS.read[kind]);
    // Only the caller's own principal: assignments through groups are not returned (reference §2.6).
    const mine = opts.rows(caller, caller.id).filter((r) => principalOf(r) === caller.id);
    const s = opts.spec(caller, `Collection(${typeName})`);
    return listBody(request, version, mine, { ...s, toWire: (r) => ({ '@odata.type': `#microsoft.graph.${typeName}`, ...s.toWire(r) }) });
  });

  const load = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = request.caller!;
    const fn = FILTER_ON.exec(request.params.id);
    if (fn) throw new GraphError(400, 'BadRequest', `filterByCurrentUser(on='${fn[1]}') is not supported. Supported: on='principal'.`);
    requireScope(caller, PERMISSIONS.read[kind]);
    const s = opts.spec(caller, contextPath);
    const row = opts.rows(caller).find((r) => s.toWire(r).id === request.params.id);
    if (!row) throw pimErrors.scheduleNotFound(request.params.id);
    if (principalOf(row) !== caller.id) requireReader(caller);
    return { item: row, spec: s };
  };

  app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
    const { item, spec } = load(request);
    return entityBody(request, version, item, spec);
  });
  navigationRoutes(app, version, base, kind === 'assignment' ? NAVIGATIONS.assignmentSchedule : NAVIGATIONS.eligibilitySchedule, { pim: true }, load);
}

/**
 * A read-only family (schedules or instances) for both kinds: its PIM schedules, plus — for
 * assignments — the direct (non-PIM) assignments seen as Assigned (reference §1.5).
 */
export function registerPimReadFamily(
  app: FastifyInstance,
  ctx: AppContext,
  version: GraphVersion,
  family: 'schedule' | 'instance',
  opts: {
    /** The PIM schedules the family lists, narrowed to a principal when given. */
    schedules: (t: TenantData, kind: Kind, nowMs: number, principalId?: string) => ScheduleRecord[];
    spec: (ctx: AppContext, version: GraphVersion, kind: Kind, contextPath: string, caller: Caller) => CollectionSpec<Row>;
  },
): void {
  for (const kind of ['assignment', 'eligibility'] as const) {
    registerPimReadRoutes(app, version, {
      kind,
      segment: SEGMENTS[family][kind],
      typeName: TYPE_NAMES[family][kind],
      rows: (caller, principalId) => {
        const pim: Row[] = opts.schedules(caller.tenant, kind, caller.nowMs, principalId);
        if (kind !== 'assignment') return pim;
        const direct = principalId === undefined ? caller.tenant.roleAssignments : caller.tenant.roleAssignments.filter((a) => a.principalId === principalId);
        return [...pim, ...direct.map(directAsSchedule)];
      },
      spec: (caller, contextPath) => opts.spec(ctx, version, kind, contextPath, caller),
    });
  }
}
