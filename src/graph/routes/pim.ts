/**
 * The PIM collections. Every route under them is licence-gated: 400 AadPremiumLicenseRequired
 * without Entra ID P2 (reference §4.1, §11.10). Routes declare it with `config: { pim: true }`.
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
