import type { PolicyRule, TenantData } from '../../directory/model.js';
import { GraphError, graphErrors } from '../errors.js';
import { approval } from './approval.js';
import { authenticationContext } from './authenticationContext.js';
import { array, invalid, isObject, rejectUnknown, sameType, show, type PatchContext, type RuleKind } from './common.js';
import { enablement } from './enablement.js';
import { expiration } from './expiration.js';
import { notification } from './notification.js';

/** The five derived rule types (reference §3.1), by the name after "microsoft.graph.". */
const KINDS: Record<string, RuleKind> = {
  unifiedRoleManagementPolicyExpirationRule: expiration,
  unifiedRoleManagementPolicyEnablementRule: enablement,
  unifiedRoleManagementPolicyApprovalRule: approval,
  unifiedRoleManagementPolicyAuthenticationContextRule: authenticationContext,
  unifiedRoleManagementPolicyNotificationRule: notification,
};

const TARGET = 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget';
const TARGET_PROPERTIES = ['caller', 'operations', 'level', 'inheritableSettings', 'enforcedSettings', 'targetObjects'];

/** "microsoft.graph.unifiedRoleManagementPolicyExpirationRule" for a stored rule. */
export const ruleType = (rule: PolicyRule): string => rule['@odata.type'].replace(/^#/, '');

export const ruleErrors = {
  /** unifiedRoleManagementPolicyRule is abstract: Graph needs the derived type (reference §3.4, §11.8). */
  typeMissing: (rule: PolicyRule) =>
    new GraphError(400, 'BadRequest', `The request body must carry "@odata.type": "#${ruleType(rule)}": rule '${rule.id}' is a ${ruleType(rule)}, and microsoft.graph.unifiedRoleManagementPolicyRule is abstract.`),
  typeMismatch: (rule: PolicyRule, given: unknown) =>
    new GraphError(400, 'BadRequest', `The "@odata.type" ${show(given)} does not match rule '${rule.id}', which is a #${ruleType(rule)}. Send "@odata.type": "#${ruleType(rule)}".`),
  notAnObject: () => new GraphError(400, 'BadRequest', 'The request body must be a JSON object: a unifiedRoleManagementPolicyRule with its derived "@odata.type".'),
};

/**
 * Checks a PATCH body for a stored rule and returns the properties to merge into it, in the form the
 * emulator stores them. Throws before anything is changed. `target` is checked and accepted, but
 * the rule's target stays as it is (a rule's target is fixed by its id).
 */
export function validateRulePatch(tenant: TenantData, rule: PolicyRule, body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw ruleErrors.notAnObject();
  const type = ruleType(rule);
  const given = body['@odata.type'];
  if (given === undefined) throw ruleErrors.typeMissing(rule);
  if (typeof given !== 'string' || !sameType(given, type)) throw ruleErrors.typeMismatch(rule, given);
  if (body.id !== undefined && body.id !== rule.id) throw invalid('id', type, `this is rule '${rule.id}', not ${show(body.id)}`);
  if (body.target !== undefined && body.target !== null) checkTarget(body.target, type);

  const kind = KINDS[type.replace(/^microsoft\.graph\./, '')]!;
  const c: PatchContext = { tenant, rule, type };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === '@odata.type' || k === 'id' || k === 'target') continue;
    const check = Object.hasOwn(kind.properties, k) ? kind.properties[k] : undefined;
    if (!check) throw graphErrors.unknownProperty(k, type);
    fields[k] = check(v, c);
  }
  kind.finish?.({ ...rule, ...fields }, c);
  return fields;
}

function checkTarget(v: unknown, owner: string): void {
  if (!isObject(v)) throw invalid('target', owner, `expected an object, not ${show(v)}`);
  const t = v['@odata.type'];
  if (t !== undefined && (typeof t !== 'string' || !sameType(t, TARGET))) throw invalid('target/@odata.type', owner, `expected '${TARGET}', not ${show(t)}`);
  rejectUnknown(v, TARGET_PROPERTIES, TARGET);
  for (const k of ['operations', 'inheritableSettings', 'enforcedSettings'] as const) {
    if (v[k] !== undefined && v[k] !== null) array(v[k], k, TARGET).forEach((s) => {
      if (typeof s !== 'string') throw invalid(k, TARGET, `expected strings, not ${show(s)}`);
    });
  }
}
