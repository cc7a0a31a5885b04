import type { Kind } from '../../pim/model.js';
import { pimIndex } from '../../pim/indexes.js';
import type { Caller } from '../caller.js';
import type { CollectionSpec } from '../collection.js';
import { directScheduleToWire, listedSchedules, scheduleToWire, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import type { AppContext } from '../../context.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';
import { registerPimReadRoutes, rowExpansions, type Row } from './pim-read.js';

/** roleAssignmentSchedules and roleEligibilitySchedules: list, get, filterByCurrentUser(on='principal'). */
export const schedulesRoutes: RouteModule = (app, ctx, version) => {
  for (const kind of ['assignment', 'eligibility'] as const) {
    registerPimReadRoutes(app, version, {
      kind,
      segment: SEGMENTS.schedule[kind],
      typeName: TYPE_NAMES.schedule[kind],
      rows: (caller, principalId) => rows(caller, kind, principalId),
      spec: (caller, contextPath) => spec(ctx, version, kind, contextPath, caller),
    });
  }
};

function rows(caller: Caller, kind: Kind, principalId?: string): Row[] {
  const pim: Row[] = listedSchedules(caller.tenant, kind, caller.nowMs, principalId).map((s) => ({ pim: s }));
  const direct = principalId === undefined ? caller.tenant.roleAssignments : caller.tenant.roleAssignments.filter((a) => a.principalId === principalId);
  // Direct (non-PIM) assignments also appear as Assigned schedules (reference §1.5).
  return kind === 'assignment' ? [...pim, ...direct.map((a) => ({ direct: a }))] : pim;
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
      ...rowExpansions(ctx, version, caller),
      ...(kind === 'assignment'
        ? {
            activatedUsing: (r: Row) => {
              if (!('pim' in r) || !r.pim.activatedUsing) return null;
              const e = pimIndex(caller.tenant).schedule(r.pim.activatedUsing);
              return e ? scheduleToWire(e, caller.nowMs) : null;
            },
          }
        : {}),
    },
  };
}
