import type { Kind } from '../../pim/model.js';
import { pimIndex } from '../../pim/indexes.js';
import { isLive } from '../../pim/schedules.js';
import type { AppContext } from '../../context.js';
import type { Caller } from '../caller.js';
import type { CollectionSpec } from '../collection.js';
import { directInstanceToWire, instanceToWire, liveSchedules, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';
import { registerPimReadRoutes, rowExpansions, type Row } from './pim-read.js';

/**
 * roleAssignmentScheduleInstances and roleEligibilityScheduleInstances: what is in force right now,
 * derived from the schedules and the emulator clock on every read (an activation disappears the
 * moment the clock passes its end).
 */
export const instancesRoutes: RouteModule = (app, ctx, version) => {
  for (const kind of ['assignment', 'eligibility'] as const) {
    registerPimReadRoutes(app, version, {
      kind,
      segment: SEGMENTS.instance[kind],
      typeName: TYPE_NAMES.instance[kind],
      rows: (caller, principalId) => rows(caller, kind, principalId),
      spec: (caller, contextPath) => spec(ctx, version, kind, contextPath, caller),
    });
  }
};

function rows(caller: Caller, kind: Kind, principalId?: string): Row[] {
  const pim: Row[] = liveSchedules(caller.tenant, kind, caller.nowMs, principalId).map((s) => ({ pim: s }));
  const direct = principalId === undefined ? caller.tenant.roleAssignments : caller.tenant.roleAssignments.filter((a) => a.principalId === principalId);
  return kind === 'assignment' ? [...pim, ...direct.map((a) => ({ direct: a }))] : pim;
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
      ...rowExpansions(ctx, version, caller),
      ...(kind === 'assignment'
        ? {
            // On an active instance, activatedUsing is the eligibility *instance* (reference §1.3).
            activatedUsing: (r: Row) => {
              if (!('pim' in r) || !r.pim.activatedUsing) return null;
              const e = pimIndex(caller.tenant).schedule(r.pim.activatedUsing);
              return e && isLive(e, caller.nowMs) ? instanceToWire(e) : null;
            },
          }
        : {}),
    },
  };
}
