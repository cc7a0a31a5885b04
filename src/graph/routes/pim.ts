import { LIST_OPTIONS } from '../collection.js';
import { graphErrors } from '../errors.js';
import type { RouteModule } from './index.js';

/**
 * The PIM collections. Every one is licence-gated (400 AadPremiumLicenseRequired without P2,
 * reference §4.1); their behaviour arrives with the PIM core, until then a Graph-shaped 501.
 */
export const PIM_COLLECTIONS = [
  '/roleManagement/directory/roleAssignmentScheduleRequests',
  '/roleManagement/directory/roleEligibilityScheduleRequests',
  '/roleManagement/directory/roleAssignmentSchedules',
  '/roleManagement/directory/roleEligibilitySchedules',
  '/roleManagement/directory/roleAssignmentScheduleInstances',
  '/roleManagement/directory/roleEligibilityScheduleInstances',
  '/policies/roleManagementPolicies',
  '/policies/roleManagementPolicyAssignments',
] as const;

export const pimRoutes: RouteModule = (app) => {
  for (const path of PIM_COLLECTIONS) {
    const segment = path.split('/').pop()!;
    for (const url of [path, `${path}/*`]) {
      app.route({
        method: ['GET', 'POST', 'PATCH', 'DELETE'],
        url,
        config: { pim: true, query: LIST_OPTIONS },
        handler: async () => {
          throw graphErrors.notImplemented(`Microsoft Graph ${segment}`);
        },
      });
    }
  }
};
