import type { Kind } from '../../pim/model.js';
import { pimIndex } from '../../pim/indexes.js';
import type { Caller } from '../caller.js';
import type { CollectionSpec } from '../collection.js';
import { listedSchedules, scheduleToWire, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import type { AppContext } from '../../context.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';
import { registerPimReadFamily, rowExpansions, type Row } from './pim-read.js';

/** roleAssignmentSchedules and roleEligibilitySchedules: list, get, filterByCurrentUser(on='principal'). */
export const schedulesRoutes: RouteModule = (app, ctx, version) => registerPimReadFamily(app, ctx, version, 'schedule', { schedules: listedSchedules, spec });

function spec(ctx: AppContext, version: GraphVersion, kind: Kind, contextPath: string, caller: Caller): CollectionSpec<Row> {
  const toWire = (r: Row) => scheduleToWire(r, caller.nowMs);
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
              if (!r.activatedUsing) return null;
              const e = pimIndex(caller.tenant).schedule(r.activatedUsing);
              return e ? scheduleToWire(e, caller.nowMs) : null;
            },
          }
        : {}),
    },
  };
}
