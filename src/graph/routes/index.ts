import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { GraphVersion, RouteModule } from '../types.js';
import { meRoutes } from './me.js';
import { usersRoutes } from './users.js';
import { memberOfRoutes } from './memberOf.js';
import { groupsRoutes } from './groups.js';
import { roleDefinitionsRoutes } from './roleDefinitions.js';
import { roleAssignmentsRoutes } from './roleAssignments.js';
import { scheduleRequestsRoutes } from './scheduleRequests.js';
import { schedulesRoutes } from './schedules.js';
import { instancesRoutes } from './instances.js';
import { policiesRoutes } from './policies.js';
import { auditLogsRoutes } from './auditLogs.js';
import { roleAssignmentApprovalsRoutes } from './roleAssignmentApprovals.js';
import { metadataRoutes } from './metadata.js';
import { resourceNamespacesRoutes } from './resourceNamespaces.js';
import { privilegedAccessGroupRoutes } from './privilegedAccessGroup.js';
import { assignmentApprovalsRoutes } from './assignmentApprovals.js';

export type { RouteModule };

/** One file per URL segment (the two PIM kinds share a file per segment). */
const MODULES: RouteModule[] = [
  meRoutes, usersRoutes, memberOfRoutes, groupsRoutes, roleDefinitionsRoutes, resourceNamespacesRoutes, roleAssignmentsRoutes,
  scheduleRequestsRoutes, schedulesRoutes, instancesRoutes, policiesRoutes, auditLogsRoutes, roleAssignmentApprovalsRoutes, privilegedAccessGroupRoutes, assignmentApprovalsRoutes, metadataRoutes,
];

export function registerRoutes(app: FastifyInstance, ctx: AppContext, version: GraphVersion): void {
  for (const m of MODULES) m(app, ctx, version);
}
