import { canonical, isShared } from '../tracked.js';
import type { PolicyRecord, PolicyRule } from '../directory/model.js';
import { stableGuid } from '../ids.js';

/**
 * The 17 rules of an untouched Entra role policy, in the order Graph returns them, with the
 * sample defaults of reference §3.2 (GDC api/unifiedrolemanagementpolicy-list-rules.md).
 * Rule ids follow `{Type}_{Caller}_{Level}`.
 */
const NS = '#microsoft.graph.';
const target = (caller: 'Admin' | 'EndUser', level: 'Eligibility' | 'Assignment') => ({
  caller,
  // GET returns lowercase "all" (reference §3.1).
  operations: ['all'],
  level,
  inheritableSettings: [] as string[],
  enforcedSettings: [] as string[],
});

const expiration = (id: string, caller: 'Admin' | 'EndUser', level: 'Eligibility' | 'Assignment', isExpirationRequired: boolean, maximumDuration: string): PolicyRule => ({
  '@odata.type': `${NS}unifiedRoleManagementPolicyExpirationRule`, id, isExpirationRequired, maximumDuration, target: target(caller, level),
});
const enablement = (id: string, caller: 'Admin' | 'EndUser', level: 'Eligibility' | 'Assignment', enabledRules: string[]): PolicyRule => ({
  '@odata.type': `${NS}unifiedRoleManagementPolicyEnablementRule`, id, enabledRules, target: target(caller, level),
});
const notification = (caller: 'Admin' | 'EndUser', level: 'Eligibility' | 'Assignment', recipientType: 'Admin' | 'Requestor' | 'Approver'): PolicyRule => ({
  '@odata.type': `${NS}unifiedRoleManagementPolicyNotificationRule`,
  id: `Notification_${recipientType}_${caller}_${level}`,
  notificationType: 'Email',
  recipientType,
  notificationLevel: 'All',
  isDefaultRecipientsEnabled: true,
  notificationRecipients: [],
  target: target(caller, level),
});

export function defaultRules(): PolicyRule[] {
  return [
    expiration('Expiration_Admin_Eligibility', 'Admin', 'Eligibility', false, 'P365D'),
    enablement('Enablement_Admin_Eligibility', 'Admin', 'Eligibility', []),
    notification('Admin', 'Eligibility', 'Admin'),
    notification('Admin', 'Eligibility', 'Requestor'),
    notification('Admin', 'Eligibility', 'Approver'),
    expiration('Expiration_Admin_Assignment', 'Admin', 'Assignment', false, 'P180D'),
    enablement('Enablement_Admin_Assignment', 'Admin', 'Assignment', ['Justification']),
    notification('Admin', 'Assignment', 'Admin'),
    notification('Admin', 'Assignment', 'Requestor'),
    notification('Admin', 'Assignment', 'Approver'),
    expiration('Expiration_EndUser_Assignment', 'EndUser', 'Assignment', true, 'PT8H'),
    enablement('Enablement_EndUser_Assignment', 'EndUser', 'Assignment', ['MultiFactorAuthentication', 'Justification']),
    {
      '@odata.type': `${NS}unifiedRoleManagementPolicyApprovalRule`,
      id: 'Approval_EndUser_Assignment',
      target: target('EndUser', 'Assignment'),
      setting: {
        isApprovalRequired: false,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [
          {
            approvalStageTimeOutInDays: 1,
            isApproverJustificationRequired: true,
            escalationTimeInMinutes: 0,
            isEscalationEnabled: false,
            primaryApprovers: [],
            escalationApprovers: [],
          },
        ],
      },
    },
    {
      '@odata.type': `${NS}unifiedRoleManagementPolicyAuthenticationContextRule`,
      id: 'AuthenticationContext_EndUser_Assignment',
      isEnabled: false,
      claimValue: null,
      target: target('EndUser', 'Assignment'),
    },
    notification('EndUser', 'Assignment', 'Admin'),
    notification('EndUser', 'Assignment', 'Requestor'),
    notification('EndUser', 'Assignment', 'Approver'),
  ];
}

/** Policy ids look like DirectoryRole_{tenantId}_{policyGuid} (reference §1.6). */
export function defaultPolicy(tenantId: string, roleDefinitionId: string): PolicyRecord {
  return {
    id: `DirectoryRole_${tenantId}_${stableGuid('roleManagementPolicy', tenantId, roleDefinitionId)}`,
    // An untouched policy is named and described "DirectoryRole" (reference §1.6).
    displayName: 'DirectoryRole',
    description: 'DirectoryRole',
    isOrganizationDefault: false,
    scopeId: '/',
    scopeType: 'DirectoryRole',
    lastModifiedDateTime: null,
    lastModifiedBy: null,
    roleDefinitionId,
    rules: defaultRules(),
  };
}

/** Policy assignment ids are `{policyId}_{roleDefinitionId}` (reference §1.6). */
export const policyAssignmentId = (p: PolicyRecord): string => `${p.id}_${p.roleDefinitionId}`;

/**
 * Every tenant starts with the same 26 × 17 default rules: keep one shared copy of each distinct
 * rule instead of one per tenant (a thousand tenants would otherwise hold 440,000 rule objects).
 * Shared rules are never changed in place — a rule PATCH puts a changed copy in the policy.
 */
export function internRules(policies: readonly PolicyRecord[]): void {
  for (const p of policies) {
    p.rules = p.rules.map((r) => {
      // Already one of the shared copies (a snapshot loads them so), or the shared copy of its value.
      return isShared(r) ? r : canonical(r);
    });
  }
}
