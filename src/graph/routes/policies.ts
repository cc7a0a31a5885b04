import type { FastifyRequest } from 'fastify';
import type { PolicyRecord, PolicyRule, TenantData } from '../../directory/model.js';
import { findRoleDefinition } from '../../directory/directory.js';
import { newGuid } from '../../ids.js';
import { isoInstant } from '../../iso8601.js';
import { policyUpdateAudit } from '../../pim/audit.js';
import { policyAssignmentId } from '../../pim/policy-defaults.js';
import { groupAsRole } from '../../pim/group.js';
import { allGroupPolicies, onboardGroup } from '../../pim/group-policy.js';
import type { PermissionRule } from '../caller.js';
import { actorOf, type Caller } from '../caller.js';
import { COUNT_OPTIONS, ENTITY_OPTIONS, LIST_OPTIONS, countText, entityBody, listBody, type CollectionSpec, navigationRoutes } from '../collection.js';
import { GraphError, graphErrors } from '../errors.js';
import { compileFilter, equalityHints, type FilterSpec } from '../odata/index.js';
import { parseFilter, type FilterNode } from '../odata/parser.js';
import { PERMISSIONS, requireAdmin, requireReader, requireScope } from '../pim-access.js';
import { validateRulePatch } from '../rule-patch/index.js';
import { untracked } from '../../tracked.js';
import type { GraphVersion } from '../types.js';
import type { RouteModule } from '../types.js';

/**
 * Role settings: /policies/roleManagementPolicies (+ rules) and /policies/roleManagementPolicyAssignments
 * (reference §1.6, §3). One policy per Entra role; the assignment is derived from it.
 */
const POLICY = 'microsoft.graph.unifiedRoleManagementPolicy';
const RULE = 'microsoft.graph.unifiedRoleManagementPolicyRule';
const ASSIGNMENT = 'microsoft.graph.unifiedRoleManagementPolicyAssignment';
const POLICY_PROPERTIES = ['id', 'displayName', 'description', 'isOrganizationDefault', 'scopeId', 'scopeType', 'lastModifiedDateTime', 'lastModifiedBy'];
const RULE_PROPERTIES = ['id', 'target'];
const ASSIGNMENT_PROPERTIES = ['id', 'policyId', 'roleDefinitionId', 'scopeId', 'scopeType'];

/** Wire shape of a policy; the internal roleDefinitionId and rules never leave this way. */
function policyToWire(p: PolicyRecord): Record<string, unknown> {
  return {
    id: p.id,
    displayName: p.displayName,
    description: p.description,
    isOrganizationDefault: p.isOrganizationDefault,
    scopeId: p.scopeId,
    scopeType: p.scopeType,
    lastModifiedDateTime: p.lastModifiedDateTime,
    // A policy no one has changed says so with an empty identity, not null
    // (pim-groups-reference.md: `lastModifiedBy: {displayName: null, id: null}`).
    lastModifiedBy: p.lastModifiedBy ?? { displayName: null, id: null },
  };
}

/** Rules as stored, each with its derived '@odata.type' (reference §3.2). */
const ruleToWire = (r: PolicyRule): Record<string, unknown> => structuredClone(r);

function assignmentToWire(p: PolicyRecord): Record<string, unknown> {
  return { id: policyAssignmentId(p), policyId: p.id, roleDefinitionId: p.roleDefinitionId, scopeId: p.scopeId, scopeType: p.scopeType };
}

// ---- the required scope filter ----

const SCOPE_PROPERTIES: FilterSpec['properties'] = {
  scopeId: { type: 'string', ops: ['eq'] },
  scopeType: { type: 'string', ops: ['eq'], caseInsensitive: true },
};

/**
 * Both lists answer only for one scope: `$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'`
 * (reference §1.1, §1.6). The first sentence is the service's text as a third-party client quotes
 * it ("The required parameters ScopeId is missing"); the second says what to send.
 */
const scopeFilterRequired = (missing: string) =>
  new GraphError(400, 'BadRequest', `The required parameters ${missing} is missing. A $filter on scopeId and scopeType is required, for example $filter=scopeId eq '/' and scopeType eq 'DirectoryRole'.`);

function requireScopeFilter(filter: string | undefined, spec: FilterSpec): void {
  if (filter !== undefined) compileFilter(filter, spec); // unsupported properties and syntax first
  const terms = filter === undefined ? [] : conjuncts(parseFilter(filter));
  for (const [path, name] of [['scopeId', 'ScopeId'], ['scopeType', 'ScopeType']] as const) {
    if (!terms.some((n) => n.kind === 'compare' && n.op === 'eq' && n.path.toLowerCase() === path.toLowerCase())) throw scopeFilterRequired(name);
  }
}

function conjuncts(n: FilterNode): FilterNode[] {
  return n.kind === 'and' ? [...conjuncts(n.left), ...conjuncts(n.right)] : [n];
}

// ---- nested $expand / $select: rules($select=id), policy($expand=rules) ----

function nestedOptions(nested: string | undefined, where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (nested ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\$[a-z]+)=(.*)$/i.exec(part);
    const option = m?.[1]!.toLowerCase();
    if (!m || (option !== '$select' && option !== '$expand')) {
      throw graphErrors.badQuery('BadRequest', `Nested query option '${part}' in $expand=${where}(…) is not supported; use $select or $expand.`);
    }
    out.set(option, m[2]!);
  }
  return out;
}

function pick(wire: Record<string, unknown>, select: string | undefined, properties: readonly string[], type: string): Record<string, unknown> {
  if (select === undefined) return wire;
  const out: Record<string, unknown> = {};
  if ('@odata.type' in wire) out['@odata.type'] = wire['@odata.type'];
  for (const p of select.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!properties.includes(p)) throw graphErrors.selectExpand(p, type);
    out[p] = wire[p] ?? null;
  }
  return out;
}

/** rules and effectiveRules are the same list: the emulator has no tenant-wide policy to inherit from. */
const expandRules = (p: PolicyRecord, nested?: string) => {
  const opts = nestedOptions(nested, 'rules');
  if (opts.has('$expand')) throw graphErrors.selectExpand(opts.get('$expand')!, RULE);
  return p.rules.map((r) => pick(ruleToWire(r), opts.get('$select'), RULE_PROPERTIES, RULE));
};

function expandPolicy(p: PolicyRecord, nested?: string): Record<string, unknown> {
  const opts = nestedOptions(nested, 'policy');
  const out = pick(policyToWire(p), opts.get('$select'), POLICY_PROPERTIES, POLICY);
  for (const e of (opts.get('$expand') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (e !== 'rules' && e !== 'effectiveRules') throw graphErrors.selectExpand(e, POLICY);
    out[e] = expandRules(p);
  }
  return out;
}

// ---- specs ----

const policySpec: CollectionSpec<PolicyRecord> = {
  type: POLICY,
  contextPath: 'policies/roleManagementPolicies',
  toWire: policyToWire,
  properties: POLICY_PROPERTIES,
  filter: {
    entitySet: 'roleManagementPolicies',
    properties: {
      ...SCOPE_PROPERTIES,
      isOrganizationDefault: { type: 'boolean', ops: ['eq'] },
      id: { type: 'string', ops: ['eq'] },
    },
  },
  expand: { rules: expandRules, effectiveRules: expandRules },
};

const ruleSpec = (policyId: string, nav: 'rules' | 'effectiveRules' = 'rules'): CollectionSpec<PolicyRule> => ({
  type: RULE,
  contextPath: `policies/roleManagementPolicies('${policyId}')/${nav}`,
  toWire: ruleToWire,
  properties: RULE_PROPERTIES,
  filter: {
    entitySet: 'rules',
    properties: {
      id: { type: 'string', ops: ['eq', 'ne'] },
      'target/caller': { type: 'string', ops: ['eq', 'ne'], caseInsensitive: true },
      'target/level': { type: 'string', ops: ['eq', 'ne'], caseInsensitive: true },
    },
  },
});

const assignmentSpec: CollectionSpec<PolicyRecord> = {
  type: ASSIGNMENT,
  contextPath: 'policies/roleManagementPolicyAssignments',
  toWire: assignmentToWire,
  properties: ASSIGNMENT_PROPERTIES,
  filter: {
    entitySet: 'roleManagementPolicyAssignments',
    properties: {
      ...SCOPE_PROPERTIES,
      roleDefinitionId: { type: 'guid', ops: ['eq'] },
      policyId: { type: 'string', ops: ['eq'] },
      id: { type: 'string', ops: ['eq'] },
    },
  },
  expand: { policy: expandPolicy },
};

// ---- lookups ----

/** Every policy: the directory roles' and the groups' (pim-groups-reference §4; derived until a group is onboarded). */
const allPolicies = (t: TenantData): PolicyRecord[] => [...t.policies, ...allGroupPolicies(t)];

const findPolicy = (t: TenantData, id: string): PolicyRecord | undefined =>
  t.policies.find((p) => p.id.toLowerCase() === id.toLowerCase()) ?? (id.toLowerCase().startsWith('group_') ? allGroupPolicies(t).find((p) => p.id.toLowerCase() === id.toLowerCase()) : undefined);

const isGroupPolicy = (p: PolicyRecord): boolean => p.scopeType === 'Group';

/** Group-scoped policies take their own permissions (§1.1) besides the directory ones. */
const GROUP_POLICY_READ: PermissionRule = { delegated: ['RoleManagementPolicy.Read.AzureADGroup', 'RoleManagementPolicy.ReadWrite.AzureADGroup'], application: ['RoleManagementPolicy.Read.AzureADGroup', 'RoleManagementPolicy.ReadWrite.AzureADGroup'] };
const GROUP_POLICY_WRITE: PermissionRule = { delegated: ['RoleManagementPolicy.ReadWrite.AzureADGroup'], application: ['RoleManagementPolicy.ReadWrite.AzureADGroup'] };
const union = (a: PermissionRule, b: PermissionRule): PermissionRule => ({ delegated: [...a.delegated, ...b.delegated], application: [...a.application, ...b.application] });

/** Whether a list's $filter asks for Group scope (scopeType eq 'Group'). */
const asksForGroups = (filter: string | undefined): boolean => filter !== undefined && equalityHints(filter).scopeType?.toLowerCase() === 'group';

function policyOr404(t: TenantData, id: string): PolicyRecord {
  const p = findPolicy(t, id);
  if (!p) throw graphErrors.resourceNotFound(id);
  return p;
}

/** The PIM service's text for a rule id the policy does not have (microsoft-graph-docs#16689). */
function ruleOr400(p: PolicyRecord, ruleId: string): PolicyRule {
  const r = p.rules.find((x) => x.id === ruleId);
  if (!r) throw new GraphError(400, 'BadRequest', `The policy rule id ${ruleId} is invalid.`);
  return r;
}

/** Properties of the policy a PATCH may carry besides `rules`: what a client read back and sends unchanged. */
const POLICY_ECHOED = ['@odata.type', '@odata.context', 'id', 'displayName', 'description', 'isOrganizationDefault', 'scopeId', 'scopeType', 'lastModifiedDateTime', 'lastModifiedBy', 'rules@odata.context', 'effectiveRules', 'effectiveRules@odata.context'];

/** The rule changes of a policy-level PATCH body: `rules`, each rule named by its `id`. */
function policyPatchRules(policyId: string, body: unknown): Array<{ ruleId: string; body: unknown }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GraphError(400, 'BadRequest', 'The request body must be a JSON object: a unifiedRoleManagementPolicy with the rules to update in "rules".');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (k !== 'rules' && !POLICY_ECHOED.includes(k)) throw graphErrors.unknownProperty(k, POLICY);
  }
  if (typeof b.id === 'string' && b.id.toLowerCase() !== policyId.toLowerCase()) throw new GraphError(400, 'BadRequest', `The policy id '${b.id}' in the body does not match '${policyId}' in the URL.`);
  // Only the rules change: the emulator says so rather than ignoring a changed display name.
  if (b.rules === undefined) throw new GraphError(400, 'BadRequest', 'Only the rules of a role management policy can be updated: send them in "rules" (or PATCH …/rules/{ruleId}).');
  if (!Array.isArray(b.rules)) throw new GraphError(400, 'BadRequest', `"rules" must be an array of unifiedRoleManagementPolicyRule, not ${JSON.stringify(b.rules)}.`);
  return b.rules.map((r, i) => {
    const id = (r as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !id) throw new GraphError(400, 'BadRequest', `rules[${i}] needs the "id" of the rule to update (for example "Expiration_EndUser_Assignment").`);
    const { id: _id, ...rest } = r as Record<string, unknown>;
    return { ruleId: id, body: { ...rest, id } };
  });
}

/** Reading role settings: a policy read permission and, for a signed-in user, a PIM reader role (reference §1.2). */
function requireRead(caller: Caller, group = false): void {
  requireScope(caller, group ? union(PERMISSIONS.policyRead, GROUP_POLICY_READ) : PERMISSIONS.policyRead);
  requireReader(caller);
}

export const policiesRoutes: RouteModule = (app, ctx, version: GraphVersion) => {
  const policies = '/policies/roleManagementPolicies';
  const assignments = '/policies/roleManagementPolicyAssignments';

  app.get(policies, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    const filter = (request.query as { $filter?: string }).$filter;
    requireRead(caller, asksForGroups(filter));
    requireScopeFilter(filter, policySpec.filter!);
    return listBody(request, version, allPolicies(caller.tenant), policySpec);
  });

  // $count segments of both sets: the same required scope filter as the lists; not directory
  // objects, so no ConsistencyLevel header (issue #15).
  app.get(`${policies}/$count`, { config: { pim: true, query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    const filter = (request.query as { $filter?: string }).$filter;
    requireRead(caller, asksForGroups(filter));
    requireScopeFilter(filter, policySpec.filter!);
    return reply.type('text/plain; charset=utf-8').send(countText(request, allPolicies(caller.tenant), policySpec));
  });

  app.get<{ Params: { id: string } }>(`${policies}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    requireRead(caller, request.params.id.toLowerCase().startsWith('group_'));
    return entityBody(request, version, policyOr404(caller.tenant, request.params.id), policySpec);
  });

  // effectiveRules is the same list as rules: the emulator has no tenant-wide policy to inherit from.
  for (const nav of ['rules', 'effectiveRules'] as const) {
    app.get<{ Params: { id: string } }>(`${policies}/:id/${nav}`, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
      const caller = request.caller!;
      requireRead(caller, request.params.id.toLowerCase().startsWith('group_'));
      const p = policyOr404(caller.tenant, request.params.id);
      return listBody(request, version, p.rules, ruleSpec(p.id, nav));
    });

    app.get<{ Params: { id: string; ruleId: string } }>(`${policies}/:id/${nav}/:ruleId`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
      const caller = request.caller!;
      requireRead(caller, request.params.id.toLowerCase().startsWith('group_'));
      const p = policyOr404(caller.tenant, request.params.id);
      return entityBody(request, version, ruleOr400(p, request.params.ruleId), ruleSpec(p.id, nav));
    });
  }

  /**
   * Applies checked rule changes to a policy inside a store update, with one "Update role setting in
   * PIM" record per rule. Checks every rule before the first change (update() must not throw after
   * mutating); a group policy's first write onboards the group, whose policies get new ids
   * (pim-groups-reference §2.6). Returns the policy as it now is.
   */
  function updateRules(t: TenantData, policyId: string, changes: ReadonlyArray<{ ruleId: string; body: unknown }>, caller: Caller): PolicyRecord {
    const actor = actorOf(caller);
    let policy = policyOr404(t, policyId);
    for (const c of changes) validateRulePatch(t, ruleOr400(policy, c.ruleId), c.body);
    if (isGroupPolicy(policy)) policy = onboardGroup(t, policy.scopeId, policy.id) ?? policy;
    const group = isGroupPolicy(policy) ? t.groups.find((g) => g.id === policy.scopeId) : undefined;
    const role = group ? groupAsRole(group, policy.roleDefinitionId) : findRoleDefinition(ctx.store, policy.roleDefinitionId);
    if (!role) throw new GraphError(500, 'InternalServerError', `The emulator has no role definition ${policy.roleDefinitionId} for policy ${policy.id}.`);
    const correlationId = newGuid();
    for (const c of changes) {
      const rule = ruleOr400(policy, c.ruleId);
      const fields = validateRulePatch(t, rule, c.body);
      const json = (v: unknown) => JSON.stringify(v ?? null);
      const modifiedProperties = Object.entries(fields)
        .filter(([k, v]) => json(rule[k]) !== json(v))
        .map(([k, v]) => ({ displayName: k, oldValue: json(rule[k]), newValue: json(v) }));
      // A changed copy in the rule's place: default rules are shared between tenants (internRules).
      policy.rules[policy.rules.indexOf(rule)] = { ...rule, ...fields };
      t.pim.audits.push(policyUpdateAudit(t, { actor, role, policy, ruleId: rule.id, modifiedProperties, nowMs: caller.nowMs, correlationId }));
    }
    policy.lastModifiedDateTime = isoInstant(caller.nowMs);
    // Graph names the modifier but leaves its id null (reference §3.4).
    policy.lastModifiedBy = { displayName: actor.displayName, id: null };
    return policy;
  }

  const requirePolicyWrite = (caller: Caller, policyId: string): void => {
    requireScope(caller, policyId.toLowerCase().startsWith('group_') ? union(PERMISSIONS.policyWrite, GROUP_POLICY_WRITE) : PERMISSIONS.policyWrite);
    requireAdmin(caller);
  };

  // 204 No Content; the body must carry the rule's derived @odata.type (reference §3.4, §11.8).
  app.patch<{ Params: { id: string; ruleId: string } }>(`${policies}/:id/rules/:ruleId`, { config: { pim: true, query: [], graphType: RULE } }, async (request, reply) => {
    const caller = request.caller!;
    requirePolicyWrite(caller, request.params.id);
    await ctx.store.update(caller.tenant.tenant.id, (t) => {
      updateRules(t, request.params.id, [{ ruleId: request.params.ruleId, body: request.body }], caller);
    });
    return reply.status(204).send();
  });

  /**
   * PATCH the policy with a `rules` array (GDC unifiedrolemanagementpolicy-update.md, for Entra roles
   * and groups alike): 200 OK with the policy, without its rules. Terraform azuread's
   * azuread_group_role_management_policy sends `{id, rules: [the changed rules as it read them]}`
   * (pim-groups-reference §4, §7.1). Each rule is named by its `id` and checked as the rule PATCH
   * checks it; all are checked before any is applied.
   */
  app.patch<{ Params: { id: string } }>(`${policies}/:id`, { config: { pim: true, query: [], graphType: POLICY } }, async (request) => {
    const caller = request.caller!;
    requirePolicyWrite(caller, request.params.id);
    const changes = policyPatchRules(request.params.id, request.body);
    // Nothing to change: no write, no onboarding, no audit record.
    if (changes.length === 0) return entityBody(request, version, policyOr404(caller.tenant, request.params.id), policySpec);
    // The policy as the update left it (a plain copy: the update's records are tracked views).
    const updated = await ctx.store.update(caller.tenant.tenant.id, (t) => structuredClone(untracked(updateRules(t, request.params.id, changes, caller))));
    return entityBody(request, version, updated, policySpec);
  });

  app.get(assignments, { config: { pim: true, query: LIST_OPTIONS } }, async (request) => {
    const caller = request.caller!;
    const filter = (request.query as { $filter?: string }).$filter;
    requireRead(caller, asksForGroups(filter));
    requireScopeFilter(filter, assignmentSpec.filter!);
    return listBody(request, version, allPolicies(caller.tenant), assignmentSpec);
  });

  app.get(`${assignments}/$count`, { config: { pim: true, query: COUNT_OPTIONS } }, async (request, reply) => {
    const caller = request.caller!;
    const filter = (request.query as { $filter?: string }).$filter;
    requireRead(caller, asksForGroups(filter));
    requireScopeFilter(filter, assignmentSpec.filter!);
    return reply.type('text/plain; charset=utf-8').send(countText(request, allPolicies(caller.tenant), assignmentSpec));
  });

  const loadAssignment = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = request.caller!;
    const id = request.params.id.toLowerCase();
    requireRead(caller, id.startsWith('group_'));
    const p = (id.startsWith('group_') ? allGroupPolicies(caller.tenant) : caller.tenant.policies).find((x) => policyAssignmentId(x).toLowerCase() === id);
    if (!p) throw graphErrors.resourceNotFound(request.params.id);
    return { item: p, spec: assignmentSpec };
  };
  app.get<{ Params: { id: string } }>(`${assignments}/:id`, { config: { pim: true, query: ENTITY_OPTIONS } }, async (request) => {
    return entityBody(request, version, loadAssignment(request).item, assignmentSpec);
  });
  navigationRoutes(app, version, assignments, ['policy'], { pim: true }, loadAssignment);
};
