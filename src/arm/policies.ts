import type { PolicyRecord, PolicyRule } from '../directory/model.js';
import { AZURE_BUILT_IN_ROLES } from '../directory/azure-roles.js';
import { isoInstant } from '../iso8601.js';
import { parseDuration } from '../iso8601.js';
import { azurePolicy, replaceAzurePolicy } from '../pim/azure-policy.js';
import { armPage, parseArmFilter, propertyValue, queryOf } from './conventions.js';
import { armErrors } from './errors.js';
import { methodNotAllowed, requireRoleAssignmentWrite, type ArmCall } from './route.js';
import { approverFromArm, fullRoleId, odataTypeOf, policyArmId, policyAssignmentName, policyAssignmentToArm, policyToArm, ruleTypeOf } from './wire.js';

/**
 * roleManagementPolicies and roleManagementPolicyAssignments (arm-pim-reference §1, §2.5): one
 * policy per built-in role at every scope, listed, read, found with `roleDefinitionId eq '{fullId}'`
 * (AzRM) and PATCHed with the rules a client changes; every problem with a PATCH is reported at once.
 */

const policiesAt = (call: ArmCall): PolicyRecord[] => AZURE_BUILT_IN_ROLES.map((r) => azurePolicy(call.caller.tenant, call.scope.id, r.name));

function filtered(call: ArmCall, properties: readonly string[]): PolicyRecord[] {
  const clauses = parseArmFilter(queryOf(call.request).$filter, { functions: [], properties });
  const role = propertyValue(clauses, 'roleDefinitionId')?.toLowerCase();
  const policy = propertyValue(clauses, 'policyId')?.toLowerCase();
  return policiesAt(call).filter((p) => (role === undefined || role === fullRoleId(p.scopeId, p.roleDefinitionId).toLowerCase()) && (policy === undefined || policy === policyArmId(p).toLowerCase()));
}

export async function roleManagementPolicies(call: ArmCall): Promise<unknown> {
  const t = call.caller.tenant;
  if (!call.name) {
    if (call.method !== 'GET') throw methodNotAllowed(call, 'roleManagementPolicies', 'GET');
    return armPage(call.request, filtered(call, ['roleDefinitionId']), (p) => policyToArm(t, p));
  }
  const policy = policiesAt(call).find((p) => p.id === call.name!.toLowerCase());
  if (!policy) throw armErrors.notFoundAt('roleManagementPolicies', call.name, call.scope.id);
  if (call.method === 'GET' && !call.action) return policyToArm(t, policy);
  if (call.method === 'PATCH' && !call.action) {
    requireRoleAssignmentWrite(call, 'roleManagementPolicies');
    const rules = patchedRules(policy, call.request.body);
    const by = { id: call.caller.id, displayName: call.caller.user?.displayName ?? call.caller.actor.displayName };
    const next = await call.ctx.commit(t.tenant.id, call.caller.nowMs, (tenant) => ({ policy: replaceAzurePolicy(tenant, policy, rules, by, isoInstant(call.caller.nowMs)), events: [] }));
    return policyToArm(call.ctx.store.tenant(t.tenant.id)!, next.policy);
  }
  throw methodNotAllowed(call, 'roleManagementPolicies', 'GET and PATCH');
}

export async function roleManagementPolicyAssignments(call: ArmCall): Promise<unknown> {
  const t = call.caller.tenant;
  if (call.method !== 'GET' || call.action) throw methodNotAllowed(call, 'roleManagementPolicyAssignments', 'GET (the assignment of each role to its policy is fixed)');
  if (!call.name) return armPage(call.request, filtered(call, ['roleDefinitionId', 'policyId']), (p) => policyAssignmentToArm(t, p));
  const policy = policiesAt(call).find((p) => policyAssignmentName(p) === call.name!.toLowerCase());
  if (!policy) throw armErrors.notFoundAt('roleManagementPolicyAssignments', call.name, call.scope.id);
  return policyAssignmentToArm(t, policy);
}

const ENABLEMENT_VALUES: Record<string, readonly string[]> = {
  Enablement_Admin_Eligibility: ['Justification', 'MultiFactorAuthentication'],
  Enablement_Admin_Assignment: ['Justification', 'MultiFactorAuthentication'],
  Enablement_EndUser_Assignment: ['Justification', 'MultiFactorAuthentication', 'Ticketing'],
};
const NOTIFICATION_LEVELS = ['None', 'Critical', 'All'];

/**
 * The policy's rules with a PATCH's changes merged in by rule id (a full or partial `rules` array,
 * SPEC `PatchRoleManagementPolicy.json` / `PatchPartialRoleManagementPolicy.json`). Every problem
 * found is reported in one error.
 */
function patchedRules(policy: PolicyRecord, body: unknown): PolicyRule[] {
  const props = (body as { properties?: { rules?: unknown } } | null)?.properties;
  if (!props || !Array.isArray(props.rules)) throw armErrors.invalidRequestContent("properties.rules must be an array of rules.");
  const problems: string[] = [];
  const rules = policy.rules.map((r) => ({ ...r }));
  for (const [i, raw] of (props.rules as unknown[]).entries()) {
    if (!raw || typeof raw !== 'object') {
      problems.push(`Rule ${i} is not an object.`);
      continue;
    }
    const given = raw as Record<string, unknown>;
    const at = rules.findIndex((r) => typeof given.id === 'string' && r.id.toLowerCase() === given.id.toLowerCase());
    if (at < 0) {
      problems.push(`Rule '${String(given.id)}' is not a rule of this policy.`);
      continue;
    }
    const rule = rules[at]!;
    const expected = ruleTypeOf(rule);
    if (given.ruleType !== undefined && given.ruleType !== expected) {
      problems.push(`Rule '${rule.id}' has ruleType '${expected}', not '${String(given.ruleType)}'.`);
      continue;
    }
    const changed = mergeRule(rule, given, problems);
    if (changed) rules[at] = changed;
  }
  if (problems.length) throw armErrors.invalidPolicyRules(problems);
  return rules;
}

function mergeRule(rule: PolicyRule, given: Record<string, unknown>, problems: string[]): PolicyRule | undefined {
  const next: PolicyRule = { ...rule };
  const before = problems.length;
  const bool = (k: string) => {
    if (given[k] === undefined) return;
    if (typeof given[k] !== 'boolean') problems.push(`Rule '${rule.id}': ${k} must be true or false.`);
    else next[k] = given[k];
  };
  switch (odataTypeOf(ruleTypeOf(rule))?.replace('#microsoft.graph.unifiedRoleManagementPolicy', '')) {
    case 'ExpirationRule': {
      bool('isExpirationRequired');
      if (given.maximumDuration !== undefined) {
        let ok = typeof given.maximumDuration === 'string';
        try {
          ok = ok && parseDuration(given.maximumDuration as string) > 0;
        } catch {
          ok = false;
        }
        if (!ok) problems.push(`Rule '${rule.id}': maximumDuration '${String(given.maximumDuration)}' is not a positive ISO 8601 duration.`);
        else next.maximumDuration = (given.maximumDuration as string).toUpperCase();
      }
      break;
    }
    case 'EnablementRule': {
      if (given.enabledRules !== undefined) {
        const allowed = ENABLEMENT_VALUES[rule.id] ?? [];
        const list = Array.isArray(given.enabledRules) ? given.enabledRules : null;
        const bad = list ? list.filter((v) => !allowed.includes(v as string)) : [given.enabledRules];
        if (!list || bad.length) problems.push(`Rule '${rule.id}': enabledRules ${JSON.stringify(bad)} not allowed; allowed: ${JSON.stringify(allowed)}.`);
        else next.enabledRules = [...list] as string[];
      }
      break;
    }
    case 'NotificationRule': {
      bool('isDefaultRecipientsEnabled');
      if (given.notificationLevel !== undefined) {
        if (!NOTIFICATION_LEVELS.includes(given.notificationLevel as string)) problems.push(`Rule '${rule.id}': notificationLevel must be one of ${NOTIFICATION_LEVELS.join(', ')}.`);
        else next.notificationLevel = given.notificationLevel;
      }
      if (given.notificationRecipients !== undefined) {
        const list = given.notificationRecipients;
        if (list !== null && (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))) problems.push(`Rule '${rule.id}': notificationRecipients must be a list of email addresses.`);
        else next.notificationRecipients = list ?? [];
      }
      break;
    }
    case 'ApprovalRule': {
      const setting = given.setting as { isApprovalRequired?: unknown; approvalStages?: Array<{ primaryApprovers?: unknown[]; escalationApprovers?: unknown[] }> } | undefined;
      if (setting !== undefined) {
        if (setting.isApprovalRequired !== undefined && typeof setting.isApprovalRequired !== 'boolean') problems.push(`Rule '${rule.id}': setting.isApprovalRequired must be true or false.`);
        else if (setting.approvalStages !== undefined && (!Array.isArray(setting.approvalStages) || setting.approvalStages.length > 1)) {
          // Activation approvals have one stage here, as for directory roles and groups.
          problems.push(`Rule '${rule.id}': setting.approvalStages must be a list of one stage (multi-stage approvals are not emulated).`);
        } else {
          const badApprover = (setting.approvalStages ?? []).flatMap((s) => [...(s.primaryApprovers ?? []), ...(s.escalationApprovers ?? [])])
            .find((a) => !a || typeof (a as { id?: unknown }).id !== 'string' || !['User', 'Group'].includes((a as { userType?: string }).userType ?? ''));
          if (badApprover !== undefined) problems.push(`Rule '${rule.id}': approvers must be {"id": "{objectId}", "userType": "User" | "Group"}, not ${JSON.stringify(badApprover)}.`);
          else {
            const stages = (setting.approvalStages ?? []).map((s) => ({ ...s, primaryApprovers: (s.primaryApprovers ?? []).map((a) => approverFromArm(a as never)), escalationApprovers: (s.escalationApprovers ?? []).map((a) => approverFromArm(a as never)) }));
            next.setting = { ...(rule.setting as object), ...setting, ...(setting.approvalStages ? { approvalStages: stages } : {}) };
          }
        }
      }
      break;
    }
    case 'AuthenticationContextRule': {
      bool('isEnabled');
      if (given.claimValue !== undefined) next.claimValue = given.claimValue === '' ? null : given.claimValue;
      break;
    }
  }
  return problems.length === before ? next : undefined;
}
