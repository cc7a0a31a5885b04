import type { FastifyRequest } from 'fastify';
import type { RoleAssignmentRecord } from '../../directory/model.js';
import { findPrincipal, findRoleDefinition } from '../../directory/directory.js';
import type { Kind, ScheduleRecord } from '../../pim/model.js';
import { GraphError } from '../errors.js';
import { actorOf, type Caller } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, type CollectionSpec } from '../collection.js';
import { PERMISSIONS, requireReader, requireScope } from '../pim-access.js';
import { directScheduleToWire, listedSchedules, scheduleToWire, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import { principalToWire, roleDefinitionToWire } from '../wire.js';
import type { AppContext } from '../../context.js';
import type { GraphVersion } from '../plugin.js';
import type { RouteModule } from './index.js';
import { pimErrors } from '../../pim/errors.js';

/** A schedule row: a PIM schedule, or (assignment schedules) a direct assignment shown as Assigned. */
type Row = { pim: ScheduleRecord } | { direct: RoleAssignmentRecord };

const FILTER_ON = /^filterByCurrentUser\(on='([^']*)'\)$/;

/** roleAssignmentSchedules and roleEligibilitySchedules: list, get, filterByCurrentUser(on='principal'). */
export const schedulesRoutes: RouteModule = (app, ctx, version) => {
  for (const kind of ['assignment', 'eligibility'] as const) {
    const segment = SEGMENTS.schedule[kind];
    const base = `/roleManagement/directory/${segment}`;
    const typeName = TYPE_NAMES.schedule[kind];

    app.get(base, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
      const caller = request.caller!;
      requireScope(caller, PERMISSIONS.read[kind]);
      requireReader(caller);
      return listBody(request, version, rows(caller, kind), spec(ctx, version, kind, `roleManagement/directory/${segment}`, caller));
    });

    app.get(`${base}/filterByCurrentUser(on='principal')`, { config: { pim: true, query: LIST_OPTIONS } }, async (request: FastifyRequest) => {
      const caller = request.caller!;
      requireScope(caller, PERMISSIONS.read[kind]);
      const mine = rows(caller, kind).filter((r) => principalOf(r) === caller.id);
      const s = spec(ctx, version, kind, `Collection(${typeName})`, caller);
      return listBody(request, version, mine, { ...s, toWire: (r) => ({ '@odata.type': `#microsoft.graph.${typeName}`, ...s.toWire(r) }) });
    });

    app.get<{ Params: { id: string } }>(`${base}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
      const caller = request.caller!;
      const fn = FILTER_ON.exec(request.params.id);
      if (fn) throw new GraphError(400, 'BadRequest', `filterByCurrentUser(on='${fn[1]}') is not supported. Supported: on='principal'.`);
      requireScope(caller, PERMISSIONS.read[kind]);
      const row = rows(caller, kind).find((r) => idOf(r) === request.params.id);
      if (!row) throw pimErrors.scheduleNotFound(request.params.id);
      if (principalOf(row) !== actorOf(caller).id) requireReader(caller);
      return entityBody(request, version, row, spec(ctx, version, kind, `roleManagement/directory/${segment}`, caller));
    });
  }
};

const idOf = (r: Row) => ('pim' in r ? r.pim.id : r.direct.id);
const principalOf = (r: Row) => ('pim' in r ? r.pim.principalId : r.direct.principalId);

function rows(caller: Caller, kind: Kind): Row[] {
  const pim: Row[] = listedSchedules(caller.tenant, kind, caller.nowMs).map((s) => ({ pim: s }));
  // Direct (non-PIM) assignments also appear as Assigned schedules (reference §1.5).
  return kind === 'assignment' ? [...pim, ...caller.tenant.roleAssignments.map((a) => ({ direct: a }))] : pim;
}

function spec(ctx: AppContext, version: GraphVersion, kind: Kind, contextPath: string, caller: Caller): CollectionSpec<Row> {
  const toWire = (r: Row) => ('pim' in r ? scheduleToWire(r.pim, caller.nowMs) : directScheduleToWire(r.direct));
  const props = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'createdUsing', 'createdDateTime', 'modifiedDateTime', 'status', 'memberType', 'scheduleInfo', ...(kind === 'assignment' ? ['assignmentType'] : [])];
  return {
    type: `microsoft.graph.${TYPE_NAMES.schedule[kind]}`,
    contextPath,
    toWire,
    properties: props,
    filter: {
      entitySet: SEGMENTS.schedule[kind],
      // Reference §1.3: schedules filter like requests, plus assignmentType, memberType, createdUsing.
      properties: {
        id: { type: 'string', ops: ['eq', 'ne', 'in'] },
        principalId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        roleDefinitionId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        status: { type: 'enum', ops: ['eq', 'ne'] },
        memberType: { type: 'enum', ops: ['eq', 'ne'] },
        ...(kind === 'assignment' ? { assignmentType: { type: 'enum' as const, ops: ['eq' as const, 'ne' as const] } } : {}),
        directoryScopeId: { type: 'string', ops: ['eq', 'ne', 'null'] },
        createdUsing: { type: 'string', ops: ['eq', 'ne', 'null'] },
      },
    },
    expand: {
      principal: (r) => {
        const p = findPrincipal(caller.tenant, principalOf(r));
        return p ? principalToWire(p) : null;
      },
      roleDefinition: (r) => {
        const d = findRoleDefinition(ctx.store, 'pim' in r ? r.pim.roleDefinitionId : r.direct.roleDefinitionId);
        return d ? roleDefinitionToWire(d, version) : null;
      },
      ...(kind === 'assignment'
        ? {
            activatedUsing: (r: Row) => {
              if (!('pim' in r) || !r.pim.activatedUsing) return null;
              const e = caller.tenant.pim.schedules.find((s) => s.id === r.pim.activatedUsing);
              return e ? scheduleToWire(e, caller.nowMs) : null;
            },
          }
        : {}),
    },
  };
}
