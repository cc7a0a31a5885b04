import type { PolicyRecord, PolicyRule, TenantData } from '../directory/model.js';
import { parseDuration } from '../iso8601.js';

/** The policy (role settings) that applies to a role, and typed views of its rules. */
export function policyFor(t: TenantData, roleDefinitionId: string): PolicyRecord | undefined {
  return t.policies.find((p) => p.roleDefinitionId === roleDefinitionId.toLowerCase());
}

function rule(p: PolicyRecord, id: string): PolicyRule | undefined {
  return p.rules.find((r) => r.id === id);
}

export interface ExpirationSetting {
  isExpirationRequired: boolean;
  maximumMs: number;
  maximumDuration: string;
}

export function expirationSetting(p: PolicyRecord, id: 'Expiration_Admin_Eligibility' | 'Expiration_Admin_Assignment' | 'Expiration_EndUser_Assignment'): ExpirationSetting {
  const r = rule(p, id);
  const maximumDuration = typeof r?.maximumDuration === 'string' ? r.maximumDuration : 'P365D';
  return { isExpirationRequired: r?.isExpirationRequired === true, maximumDuration, maximumMs: parseDuration(maximumDuration) };
}

export function enabledRules(p: PolicyRecord, id: 'Enablement_Admin_Eligibility' | 'Enablement_Admin_Assignment' | 'Enablement_EndUser_Assignment'): string[] {
  const r = rule(p, id);
  return Array.isArray(r?.enabledRules) ? (r.enabledRules as string[]) : [];
}

export interface ApprovalSetting {
  isApprovalRequired: boolean;
  /** The first (only emulated) stage. */
  stage: {
    timeoutDays: number;
    isApproverJustificationRequired: boolean;
    primaryApprovers: Array<{ userId?: string; groupId?: string }>;
  };
}

export function approvalSetting(p: PolicyRecord): ApprovalSetting {
  const setting = rule(p, 'Approval_EndUser_Assignment')?.setting as
    | { isApprovalRequired?: boolean; approvalStages?: Array<{ approvalStageTimeOutInDays?: number; isApproverJustificationRequired?: boolean; primaryApprovers?: Array<{ userId?: string; groupId?: string }> }> }
    | undefined;
  const stage = setting?.approvalStages?.[0];
  return {
    isApprovalRequired: setting?.isApprovalRequired === true,
    stage: {
      // Approvers have 24 hours (reference §2.6).
      timeoutDays: stage?.approvalStageTimeOutInDays ?? 1,
      isApproverJustificationRequired: stage?.isApproverJustificationRequired ?? true,
      primaryApprovers: stage?.primaryApprovers ?? [],
    },
  };
}

export function authenticationContext(p: PolicyRecord): { isEnabled: boolean; claimValue: string | null } {
  const r = rule(p, 'AuthenticationContext_EndUser_Assignment');
  return { isEnabled: r?.isEnabled === true, claimValue: typeof r?.claimValue === 'string' ? r.claimValue : null };
}
