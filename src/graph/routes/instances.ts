import type { Kind } from '../../pim/model.js';
import { pimIndex } from '../../pim/indexes.js';
import { isLive } from '../../pim/schedules.js';
import type { AppContext } from '../../context.js';
import type { Caller } from '../caller.js';
import type { CollectionSpec } from '../collection.js';
import { instanceToWire, liveSchedules, SEGMENTS, TYPE_NAMES } from '../pim-wire.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';
import { registerPimReadFamily, rowExpansions, type Row } from './pim-read.js';

/**
 * roleAssignmentScheduleInstances and roleEligibilityScheduleInstances: what is in force right now,
 * derived from the schedules and the emulator clock on every read (an activation disappears the
 * moment the clock passes its end).
 */
export const instancesRoutes: RouteModule = (app, ctx, version) => registerPimReadFamily(app, ctx, version, 'instance', { schedules: liveSchedules, spec });

function spec(ctx: AppContext, version: GraphVersion, kind: Kind, contextPath: string, caller: Caller): CollectionSpec<Row> {
  const props = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'startDateTime', 'endDateTime', 'memberType',
    ...(kind === 'assignment' ? ['assignmentType', 'roleAssignmentOriginId', 'roleAssignmentScheduleId'] : ['roleEligibilityScheduleId'])];
  return {
    type: `microsoft.graph.${TYPE_NAMES.instance[kind]}`,
    contextPath,
    toWire: instanceToWire,
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
              if (!r.activatedUsing) return null;
              const e = pimIndex(caller.tenant).schedule(r.activatedUsing);
              return e && isLive(e, caller.nowMs) ? instanceToWire(e) : null;
            },
          }
        : {}),
    },
  };
}
