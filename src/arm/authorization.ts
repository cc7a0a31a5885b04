import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { allScopes, findScope, relation, type ArmScope } from '../directory/azure.js';
import { storedArmRoleAssignments, type ArmRoleAssignmentRecord } from '../directory/azure-assignments.js';
import { AZURE_BUILT_IN_ROLES, azureRole } from '../directory/azure-roles.js';
import { findPrincipal, principalIdsOf } from '../directory/directory.js';
import type { TenantData } from '../directory/model.js';
import { isGuid } from '../ids.js';
import { isoInstant } from '../iso8601.js';
import { effectiveArmAssignments, principalTypeOf, roleOfId } from '../pim/azure-role.js';
import { PimError } from '../pim/errors.js';
import { apiVersion, armCaller, armPage, hasFn, parseArmFilter, propertyValue, queryOf } from './conventions.js';
import { AUTHORIZATION_TYPES, ArmError, armErrors } from './errors.js';
import { scheduleReads, scheduleRequests } from './pim.js';
import { roleManagementPolicies, roleManagementPolicyAssignments } from './policies.js';
import { methodNotAllowed, requireRoleAssignmentWrite, type ArmCall, type ArmHandler } from './route.js';
import { roleAssignmentToArm, roleDefinitionToArm } from './wire.js';

/**
 * Microsoft.Authorization under ARM scopes: `{scope}/providers/Microsoft.Authorization/{type}[/{name}[/{action}]]`
 * for subscription, resource group and resource scopes (arm-pim-reference §1). One route per scope
 * root takes every method; the path is parsed here so resource types, scopes and names compare
 * case-insensitively, as ARM's do.
 */

type AuthorizationType = (typeof AUTHORIZATION_TYPES)[number];

/** api-versions per resource type (azure-rest-api-specs, Microsoft.Authorization; the PIM types have 2020-10-01 and the previews of §1). */
const PIM_VERSIONS = ['2020-10-01', '2020-10-01-preview', '2022-04-01-preview', '2024-02-01-preview', '2024-09-01-preview'] as const;
const VERSIONS: Record<AuthorizationType, readonly string[]> = {
  roleDefinitions: ['2015-07-01', '2018-01-01-preview', '2022-04-01', '2022-05-01-preview'],
  roleAssignments: ['2015-07-01', '2018-09-01-preview', '2020-04-01-preview', '2020-10-01-preview', '2022-04-01'],
  roleEligibilityScheduleRequests: PIM_VERSIONS,
  roleAssignmentScheduleRequests: PIM_VERSIONS,
  roleEligibilitySchedules: PIM_VERSIONS,
  roleAssignmentSchedules: PIM_VERSIONS,
  roleEligibilityScheduleInstances: PIM_VERSIONS,
  roleAssignmentScheduleInstances: PIM_VERSIONS,
  roleManagementPolicies: PIM_VERSIONS,
  roleManagementPolicyAssignments: PIM_VERSIONS,
  eligibleChildResources: PIM_VERSIONS,
};

const HANDLERS: Record<AuthorizationType, ArmHandler> = {
  roleDefinitions,
  roleAssignments,
  roleEligibilityScheduleRequests: scheduleRequests('eligibility'),
  roleAssignmentScheduleRequests: scheduleRequests('assignment'),
  roleEligibilitySchedules: scheduleReads('eligibility', 'schedule'),
  roleAssignmentSchedules: scheduleReads('assignment', 'schedule'),
  roleEligibilityScheduleInstances: scheduleReads('eligibility', 'instance'),
  roleAssignmentScheduleInstances: scheduleReads('assignment', 'instance'),
  roleManagementPolicies,
  roleManagementPolicyAssignments,
  eligibleChildResources,
};

const MARKER = '/providers/microsoft.authorization/';

/** `{scope}`, the resource type and what follows it, from a path; undefined when it is not a Microsoft.Authorization path. */
function parsePath(path: string): { scopePath: string; type: string; name?: string; action?: string; extra: boolean } | undefined {
  const at = path.toLowerCase().lastIndexOf(MARKER);
  if (at < 0) return undefined;
  const [type, name, action, ...rest] = path.slice(at + MARKER.length).split('/').map(decodeURIComponent);
  if (!type) return undefined;
  return { scopePath: path.slice(0, at), type, ...(name ? { name } : {}), ...(action ? { action } : {}), extra: rest.length > 0 };
}

/** The scope of a path, or ARM's error for a subscription, group or resource that is not there. */
function resolveScope(t: TenantData, scopePath: string): ArmScope {
  // The SPEC's activation example names the subscription as providers/Microsoft.Subscription/subscriptions/{sub} (§2.3).
  const path = scopePath.replace(/^\/providers\/Microsoft\.Subscription(?=\/subscriptions\/)/i, '');
  const found = findScope(t, path);
  if ('scope' in found) return found.scope;
  if ('subscriptionMissing' in found) throw armErrors.subscriptionNotFound(found.subscriptionMissing);
  if ('notFound' in found) {
    const parts = found.notFound.split('/').filter(Boolean);
    if (parts.length === 4) throw armErrors.resourceGroupNotFound(parts[3]!);
    throw armErrors.resourceNotFound(`${parts[5]}/${parts[6]}/${parts[7]}`, parts[3]!);
  }
  throw armErrors.scopeNotEmulated(scopePath || '/');
}

export function registerAuthorization(app: FastifyInstance, ctx: AppContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const path = request.url.split('?')[0]!;
    const parsed = parsePath(path);
    const type = parsed && AUTHORIZATION_TYPES.find((x) => x.toLowerCase() === parsed.type.toLowerCase());
    if (!parsed || !type || parsed.extra) throw armErrors.notEmulated(request.method, path);
    apiVersion(request, VERSIONS[type], type);
    const caller = armCaller(ctx, request);
    const scope = resolveScope(caller.tenant, parsed.scopePath);
    try {
      return await HANDLERS[type]({ ctx, request, reply, method: request.method, caller, scope, ...(parsed.name ? { name: parsed.name } : {}), ...(parsed.action ? { action: parsed.action } : {}) });
    } catch (e) {
      // The engine's errors carry the codes and messages ARM uses (arm-pim-reference §3).
      if (e instanceof PimError) throw new ArmError(e.status, e.code, e.message);
      throw e;
    }
  };
  for (const scope of SCOPE_TEMPLATES) {
    for (const type of AUTHORIZATION_TYPES) {
      const base = `${scope}/providers/Microsoft.Authorization/${type}`;
      app.get(base, handler);
      const item = ITEM_METHODS[type];
      if (item.length) app.route({ method: item, url: `${base}/:name`, handler });
      for (const action of ACTIONS[type] ?? []) app.post(`${base}/:name/${action}`, handler);
    }
  }
}

/**
 * The scopes Microsoft.Authorization is served under (x-ms-skip-url-encoding `{scope}` in the SPEC).
 * Paths come here canonically cased (edge.ts rewriteUrl), so `resourcegroups` or
 * `microsoft.authorization/roleeligibilityschedules` reach the same routes.
 */
export const SCOPE_TEMPLATES = [
  '/subscriptions/:subscriptionId',
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName',
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/:resourceProviderNamespace/:resourceType/:resourceName',
] as const;

/** Methods on `{type}/{name}` per resource type; every list is a GET. */
const ITEM_METHODS: Record<AuthorizationType, Array<'GET' | 'PUT' | 'PATCH' | 'DELETE'>> = {
  roleDefinitions: ['GET'],
  roleAssignments: ['GET', 'PUT', 'DELETE'],
  roleEligibilityScheduleRequests: ['GET', 'PUT'],
  roleAssignmentScheduleRequests: ['GET', 'PUT'],
  roleEligibilitySchedules: ['GET'],
  roleAssignmentSchedules: ['GET'],
  roleEligibilityScheduleInstances: ['GET'],
  roleAssignmentScheduleInstances: ['GET'],
  // The SPEC's DELETE of a policy and PUT/DELETE of a policy assignment reach their handlers, which
  // refuse them with 400 NotSupported saying what they take (never the not-found handler's 404).
  roleManagementPolicies: ['GET', 'PATCH', 'DELETE'],
  roleManagementPolicyAssignments: ['GET', 'PUT', 'DELETE'],
  eligibleChildResources: [],
};
const ACTIONS: Partial<Record<AuthorizationType, string[]>> = {
  roleEligibilityScheduleRequests: ['cancel', 'validate'],
  roleAssignmentScheduleRequests: ['cancel', 'validate'],
};

// ---- roleDefinitions ----

async function roleDefinitions(call: ArmCall): Promise<unknown> {
  if (call.method !== 'GET' || call.action) throw methodNotAllowed(call, 'roleDefinitions', 'GET (custom roles are not emulated)');
  const sub = call.scope.subscription.subscriptionId;
  if (call.name) {
    const r = azureRole(call.name);
    if (!r) throw armErrors.roleDefinitionDoesNotExist(call.name);
    return roleDefinitionToArm(sub, r);
  }
  const clauses = parseArmFilter(queryOf(call.request).$filter, { functions: ['atScopeAndBelow'], properties: ['roleName', 'type'] });
  const name = propertyValue(clauses, 'roleName')?.toLowerCase();
  const type = propertyValue(clauses, 'type')?.toLowerCase();
  const roles = AZURE_BUILT_IN_ROLES.filter((r) => (name === undefined || r.roleName.toLowerCase() === name) && (type === undefined || type === 'builtinrole'));
  return armPage(call.request, roles, (r) => roleDefinitionToArm(sub, r));
}

// ---- roleAssignments (made outside PIM, plus PIM's active ones while they last) ----

async function roleAssignments(call: ArmCall): Promise<unknown> {
  const { caller, scope } = call;
  const t = caller.tenant;
  if (!call.name) {
    if (call.method !== 'GET') throw methodNotAllowed(call, 'roleAssignments', 'GET');
    const clauses = parseArmFilter(queryOf(call.request).$filter, { functions: ['atScope', 'assignedTo'], properties: ['principalId'] });
    const principal = propertyValue(clauses, 'principalId')?.toLowerCase();
    const to = hasFn(clauses, 'assignedTo');
    const theirs = to && 'arg' in to && to.arg !== undefined ? new Set(principalIdsOf(t, to.arg.toLowerCase())) : undefined;
    const list = effectiveArmAssignments(t, caller.nowMs).map((e) => e.record).filter((a) => {
      const rel = relation(a.scope, scope.id);
      // Without atScope(): at, above and below the scope; with it, at and above.
      if (rel === 'none' || (rel === 'below' && hasFn(clauses, 'atScope'))) return false;
      return (principal === undefined || a.principalId === principal) && (theirs === undefined || theirs.has(a.principalId));
    });
    return armPage(call.request, list, roleAssignmentToArm);
  }
  const name = call.name.toLowerCase();
  const atScope = (a: ArmRoleAssignmentRecord) => a.id === name && a.scope.toLowerCase() === scope.id.toLowerCase();
  if (call.method === 'GET' && !call.action) {
    const found = effectiveArmAssignments(t, caller.nowMs).find((e) => atScope(e.record));
    if (!found) throw armErrors.notFoundAt('roleAssignments', call.name, scope.id);
    return roleAssignmentToArm(found.record);
  }
  if (call.method === 'PUT' && !call.action) return putRoleAssignment(call, name);
  if (call.method === 'DELETE' && !call.action) {
    requireRoleAssignmentWrite(call, 'roleAssignments');
    const found = effectiveArmAssignments(t, caller.nowMs).find((e) => atScope(e.record));
    if (!found) return call.reply.status(204).send();
    if (found.schedule) throw armErrors.notEmulatedHere('Deleting a role assignment PIM made (remove it with an AdminRemove request on roleAssignmentScheduleRequests)');
    await call.ctx.commit(t.tenant.id, caller.nowMs, (tenant) => {
      tenant.armRoleAssignments = storedArmRoleAssignments(tenant).filter((a) => a.id !== found.record.id);
      return { events: [] };
    });
    return roleAssignmentToArm(found.record);
  }
  throw methodNotAllowed(call, 'roleAssignments/{name}', 'GET, PUT and DELETE');
}

async function putRoleAssignment(call: ArmCall, name: string): Promise<unknown> {
  const { caller, scope } = call;
  const t = caller.tenant;
  if (!isGuid(name)) throw armErrors.invalidName('role assignment', call.name!);
  const props = (call.request.body as { properties?: Record<string, unknown> } | null)?.properties;
  if (!props || typeof props.roleDefinitionId !== 'string' || typeof props.principalId !== 'string') {
    throw armErrors.invalidRequestContent('properties.roleDefinitionId and properties.principalId are required strings.');
  }
  if (props.condition !== undefined && props.condition !== null) throw armErrors.notEmulatedHere('condition (ABAC conditions on role assignments)');
  requireRoleAssignmentWrite(call, 'roleAssignments');
  let roleGuid: string;
  try {
    roleGuid = roleOfId(props.roleDefinitionId, scope.id).name;
  } catch (e) {
    if (e instanceof PimError) throw armErrors.roleDefinitionDoesNotExist(props.roleDefinitionId.split('/').pop()!);
    throw e;
  }
  const principal = findPrincipal(t, props.principalId);
  if (!principal) throw armErrors.principalNotFound(props.principalId, t.tenant.id);
  const now = isoInstant(caller.nowMs);
  const record: ArmRoleAssignmentRecord = {
    id: name, scope: scope.id, roleDefinitionId: roleGuid, principalId: principal.record.id, principalType: principalTypeOf(principal.kind),
    description: typeof props.description === 'string' ? props.description : null, condition: null, conditionVersion: null,
    createdOn: now, updatedOn: now, createdBy: caller.id, updatedBy: caller.id,
  };
  const all = effectiveArmAssignments(t, caller.nowMs).map((e) => e.record);
  const same = all.find((a) => a.id === name);
  if (same) {
    if (same.scope !== record.scope || same.principalId !== record.principalId || same.roleDefinitionId !== record.roleDefinitionId) throw armErrors.roleAssignmentUpdateNotPermitted();
    return call.reply.status(201).send(roleAssignmentToArm(same));
  }
  if (all.some((a) => a.scope === record.scope && a.principalId === record.principalId && a.roleDefinitionId === record.roleDefinitionId)) throw armErrors.roleAssignmentExists();
  await call.ctx.commit(t.tenant.id, caller.nowMs, (tenant) => {
    storedArmRoleAssignments(tenant).push(record);
    return { events: [] };
  });
  return call.reply.status(201).send(roleAssignmentToArm(record));
}

// ---- eligibleChildResources (§1) ----

async function eligibleChildResources(call: ArmCall): Promise<unknown> {
  if (call.method !== 'GET' || call.name) throw methodNotAllowed(call, 'eligibleChildResources', 'GET');
  const clauses = parseArmFilter(queryOf(call.request).$filter, { functions: [], properties: ['resourceType'] });
  const type = propertyValue(clauses, 'resourceType')?.toLowerCase();
  const children = allScopes(call.caller.tenant).filter((s) => relation(s.id, call.scope.id) === 'below' && (type === undefined || s.type.toLowerCase() === type || (type === 'resource' && s.level === 'resource')));
  return armPage(call.request, children, (s) => ({ name: s.displayName, id: s.id, type: s.type }));
}
