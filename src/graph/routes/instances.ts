import type { FastifyRequest } from 'fastify';
import type { RoleAssignmentRecord } from '../../directory/model.js';
import { findPrincipal, findRoleDefinition } from '../../directory/directory.js';
import type { Kind, ScheduleRecord } from '../../pim/model.js';
import { pimErrors } from '../../pim/errors.js';
import { isLive } from '../../pim/schedules.js';
import type { AppContext } from '../../context.js';
import { GraphError } from '../errors.js';
import type { Caller } from '../caller.js';
import { ENTITY_OPTIONS, LIST_OPTIONS, entityBody, listBody, type CollectionSpec } from '../collection.js';
import { PERMISSIONS, requireReader, requireScope } from '../pim-access.js';
import { directInstanceToWire, instanceToWire, liveSchedules, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import type { GraphVersion } from '../plugin.js';
import { principalToWire, roleDefinitionToWire } from '../wire.js';
import type { RouteModule } from './index.js';

type Row = { pim: ScheduleRecord } | { direct: RoleAssignmentRecord };

const FILTER_ON = /^filterByCurrentUser\(on='([^']*)'\)$/;

/**
 * roleAssignmentScheduleInstances and roleEligibilityScheduleInstances: what is in force right now,
 * derived from the schedules and the emulator clock on every read (an activation disappears the
 * moment the clock passes its end).
 */
export const instancesRoutes: RouteModule = (app, ctx, version) => {
  for (const kind of ['assignment', 'eligibility'] as const) {
    const segment = SEGMENTS.instance[kind];
    const base = `/roleManagement/directory/${segment}`;
    const typeName = TYPE_NAMES.instance[kind];

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
      const s = spec(ctx, version, kind, `roleManagement/directory/${segment}`, caller);
      const row = rows(caller, kind).find((r) => s.toWire(r).id === request.params.id);
      if (!row) throw pimErrors.scheduleNotFound(request.params.id);
      if (principalOf(row) !== caller.id) requireReader(caller);
      return entityBody(request, version, row, s);
    });
  }
};

const principalOf = (r: Row) => ('pim' in r ? r.pim.principalId : r.direct.principalId);

function rows(caller: Caller, kind: Kind): Row[] {
  const pim: Row[] = liveSchedules(caller.tenant, kind, caller.nowMs).map((s) => ({ pim: s }));
  return kind === 'assignment' ? [...pim, ...caller.tenant.roleAssignments.map((a) => ({ direct: a }))] : pim;
}

function spec(ctx: AppContext, version: GraphVersion, kind: Kind, contextPath: string, caller: Caller): CollectionSpec<Row> {
  const props = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'startDateTime', 'endDateTime', 'memberType',
    ...(kind === 'assignment' ? ['assignmentType', 'roleAssignmentOriginId', 'roleAssignmentScheduleId'] : ['roleEligibilityScheduleId'])];
  return {
    type: `microsoft.graph.${TYPE_NAMES.instance[kind]}`,
    contextPath,
    toWire: (r) => ('pim' in r ? instanceToWire(r.pim) : directInstanceToWire(r.direct)),
    properties: props,
    filter: {
      entitySet: SEGMENTS.instance[kind],
      properties: {
        id: { type: 'string', ops: ['eq', 'ne', 'in'] },
        principalId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        roleDefinitionId: { type: 'guid', ops: ['eq', 'ne', 'in'] },
        memberType: { type: 'enum', ops: ['eq', 'ne'] },
        directoryScopeId: { type: 'string', ops: ['eq', 'ne', 'null'] },
        ...(kind === 'assignment'
          ? {
              assignmentType: { type: 'enum' as const, ops: ['eq' as const, 'ne' as const] },
              roleAssignmentOriginId: { type: 'string' as const, ops: ['eq' as const, 'ne' as const] },
              roleAssignmentScheduleId: { type: 'string' as const, ops: ['eq' as const, 'ne' as const] },
            }
          : { roleEligibilityScheduleId: { type: 'string' as const, ops: ['eq' as const, 'ne' as const] } }),
      },
    },
    orderBy: ['startDateTime', 'endDateTime'],
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
            // On an active instance, activatedUsing is the eligibility *instance* (reference §1.3).
            activatedUsing: (r: Row) => {
              if (!('pim' in r) || !r.pim.activatedUsing) return null;
              const e = caller.tenant.pim.schedules.find((s) => s.id === r.pim.activatedUsing);
              return e && isLive(e, caller.nowMs) ? instanceToWire(e) : null;
            },
          }
        : {}),
    },
  };
}
