import { relation } from '../directory/azure.js';
import { isGuid } from '../ids.js';
import { AZURE_TAG, azureRoles, pimRoleAssignmentName } from '../pim/azure-role.js';
import { cancelRequest } from '../pim/cancel.js';
import { isAwaitingDecision } from '../pim/approvals.js';
import { pimIndex } from '../pim/indexes.js';
import type { RequestInput } from '../pim/input.js';
import type { Kind, RequestRecord } from '../pim/model.js';
import { parseAction } from '../pim/parse.js';
import { actsForSelf, isSelfAction, submitRequest } from '../pim/requests.js';
import { isCurrentOrFuture, isLive } from '../pim/schedules.js';
import { armRoleAssignmentsOf } from '../directory/azure-assignments.js';
import { principalIdsOf } from '../directory/directory.js';
import { armPage, hasFn, parseArmFilter, propertyValue, queryOf, type FilterClause } from './conventions.js';
import { armErrors } from './errors.js';
import { callerPrincipals, methodNotAllowed, requireRoleAssignmentWrite, type ArmCall } from './route.js';
import { classicRow, fullRoleId, instanceName, instanceToArm, requestToArm, scheduleRow, scheduleToArm, type ArmRow, type MemberType } from './wire.js';

/**
 * PIM for Azure resources on ARM (arm-pim-reference §1–§2): schedule requests created by PUT with
 * the client's GUID (201), read, canceled and validated; schedules and instances with ARM's $filter
 * functions; all decided by the PIM engine over the Azure role resource kind (pim/azure-role.ts).
 */

export const TYPE_NAMES = {
  request: { eligibility: 'roleEligibilityScheduleRequests', assignment: 'roleAssignmentScheduleRequests' },
  schedule: { eligibility: 'roleEligibilitySchedules', assignment: 'roleAssignmentSchedules' },
  instance: { eligibility: 'roleEligibilityScheduleInstances', assignment: 'roleAssignmentScheduleInstances' },
} as const;

/**
 * Whether a record at `recordScope` is listed at the call's scope: without atScope() ARM lists
 * what is at, above and below it; with atScope(), what is at it or above it (inherited).
 */
function inView(recordScope: string, call: ArmCall, clauses: readonly FilterClause[]): MemberType | undefined {
  const rel = relation(recordScope, call.scope.id);
  if (rel === 'none' || (rel === 'below' && hasFn(clauses, 'atScope'))) return undefined;
  return rel === 'above' ? 'Inherited' : 'Direct';
}

/** The principal clauses: principalId eq, asTarget() (the caller and its groups), assignedTo('…') (a user and its groups). */
function principalMatch(call: ArmCall, clauses: readonly FilterClause[]): (principalId: string) => boolean {
  const checks: Array<(p: string) => boolean> = [];
  const eq = propertyValue(clauses, 'principalId');
  if (eq !== undefined) checks.push((p) => p === eq.toLowerCase());
  if (hasFn(clauses, 'asTarget')) {
    const mine = new Set(callerPrincipals(call.caller));
    checks.push((p) => mine.has(p));
  }
  const to = hasFn(clauses, 'assignedTo');
  if (to && 'arg' in to && to.arg !== undefined) {
    const theirs = new Set(principalIdsOf(call.caller.tenant, to.arg.toLowerCase()));
    checks.push((p) => theirs.has(p));
  }
  return (p) => checks.every((c) => c(p));
}

function roleMatch(call: ArmCall, clauses: readonly FilterClause[]): (scope: string, roleGuid: string) => boolean {
  const want = propertyValue(clauses, 'roleDefinitionId');
  return (scope, roleGuid) => want === undefined || want.toLowerCase() === fullRoleId(scope, roleGuid).toLowerCase() || want.toLowerCase() === roleGuid;
}

const azureRequests = (call: ArmCall, kind: Kind): RequestRecord[] => call.caller.tenant.pim.requests.filter((r) => r.kind === kind && r.resource === AZURE_TAG);

/** The eligibility an activation names, if it names one (linkedRoleEligibilityScheduleId). */
function linkedEligibility(call: ArmCall): string | undefined {
  const v = ((call.request.body as { properties?: Record<string, unknown> } | null)?.properties ?? {}).linkedRoleEligibilityScheduleId;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw armErrors.invalidRequestContent('properties.linkedRoleEligibilityScheduleId must be a string.');
  return v;
}

/** The request's properties as the engine reads them (ARM's PascalCase enums parse as Graph's camelCase ones). */
function engineInput(call: ArmCall): RequestInput {
  const body = call.request.body as { properties?: unknown } | undefined | null;
  if (!body || typeof body !== 'object' || !body.properties || typeof body.properties !== 'object') throw armErrors.invalidRequestContent("The 'properties' object is required.");
  const p = body.properties as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = p[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw armErrors.invalidRequestContent(`properties.${k} must be a string.`);
    return v;
  };
  const requestType = str('requestType');
  if (!requestType) throw armErrors.invalidRequestContent('properties.requestType is required.');
  if (str('condition') !== undefined) throw armErrors.notEmulatedHere('condition (ABAC conditions on PIM requests)');
  const info = p.scheduleInfo as { startDateTime?: string | null; expiration?: { type?: string | null; endDateTime?: string | null; duration?: string | null } | null } | null | undefined;
  const ticket = p.ticketInfo as { ticketNumber?: string | null; ticketSystem?: string | null } | null | undefined;
  return {
    action: requestType,
    ...(str('principalId') !== undefined ? { principalId: str('principalId')! } : {}),
    ...(str('roleDefinitionId') !== undefined ? { roleDefinitionId: str('roleDefinitionId')! } : {}),
    directoryScopeId: call.scope.id,
    justification: str('justification') ?? null,
    ...(ticket ? { ticketInfo: { ticketNumber: ticket.ticketNumber ?? null, ticketSystem: ticket.ticketSystem ?? null } } : {}),
    ...(info
      ? { scheduleInfo: { startDateTime: info.startDateTime ?? null, ...(info.expiration ? { expiration: { type: info.expiration.type ?? null, endDateTime: info.expiration.endDateTime ?? null, duration: info.expiration.duration ?? null } } : {}) } }
      : {}),
  };
}

export function scheduleRequests(kind: Kind) {
  const type = TYPE_NAMES.request[kind];
  return async (call: ArmCall): Promise<unknown> => {
    const { caller, method, name, action } = call;
    const t = caller.tenant;
    if (!name) {
      if (method !== 'GET') throw methodNotAllowed(call, type, 'GET');
      const clauses = parseArmFilter(queryOf(call.request).$filter, { functions: ['atScope', 'asTarget', 'asRequestor', 'asApprover'], properties: ['principalId', 'roleDefinitionId', 'requestorId', 'status'] });
      // asApprover(): the activations waiting for the caller's decision (arm-pim-reference §1).
      const approver = hasFn(clauses, 'asApprover') ? caller.id : undefined;
      const who = principalMatch(call, clauses);
      const role = roleMatch(call, clauses);
      const requestor = propertyValue(clauses, 'requestorId')?.toLowerCase() ?? (hasFn(clauses, 'asRequestor') ? caller.id : undefined);
      const status = propertyValue(clauses, 'status')?.toLowerCase();
      const rows = azureRequests(call, kind).filter((r) => inView(r.directoryScopeId, call, clauses) && who(r.principalId) && role(r.directoryScopeId, r.roleDefinitionId)
        && (requestor === undefined || (r.createdBy.user?.id ?? r.createdBy.application?.id) === requestor) && (status === undefined || r.status.toLowerCase() === status)
        && (approver === undefined || (r.approval !== undefined && r.approval.approverIds.includes(approver) && isAwaitingDecision(r, caller.nowMs))));
      return armPage(call.request, rows, (r) => requestToArm(t, r));
    }
    const id = name.toLowerCase();
    const load = () => {
      const r = azureRequests(call, kind).find((x) => x.id === id && x.directoryScopeId.toLowerCase() === call.scope.id.toLowerCase());
      if (!r) throw armErrors.notFoundAt(type, name, call.scope.id);
      return r;
    };
    if (method === 'GET' && !action) return requestToArm(t, load());
    if (method === 'PUT' && !action) {
      if (!isGuid(name)) throw armErrors.invalidName('role assignment request', name);
      const input = engineInput(call);
      authorize(call, type, input);
      if (pimIndex(t).request(id)) throw armErrors.requestExists(name);
      const outcome = await call.ctx.commit(t.tenant.id, caller.nowMs, (tenant) =>
        submitRequest({ tenant, roles: [], resource: azureRoles(id, kind === 'assignment' ? linkedEligibility(call) : undefined), kind, input, actor: caller.actor, nowMs: caller.nowMs, apply: true }));
      call.reply.status(201);
      return requestToArm(call.ctx.store.tenant(t.tenant.id)!, outcome.request);
    }
    if (method === 'POST' && action?.toLowerCase() === 'validate') {
      const input = engineInput(call);
      authorize(call, type, input);
      const outcome = submitRequest({ tenant: t, roles: [], resource: azureRoles(id, kind === 'assignment' ? linkedEligibility(call) : undefined), kind, input, actor: caller.actor, nowMs: caller.nowMs, apply: false });
      return requestToArm(t, outcome.request);
    }
    if (method === 'POST' && action?.toLowerCase() === 'cancel') {
      const r = load();
      if ((r.createdBy.user?.id ?? r.createdBy.application?.id) !== caller.id) requireRoleAssignmentWrite(call, type);
      await call.ctx.commit(t.tenant.id, caller.nowMs, (tenant) => cancelRequest(tenant, [], kind, r.id, caller.actor, caller.nowMs));
      // "Cancels a pending role … schedule request": 200 without a body (§1).
      return call.reply.status(200).send();
    }
    throw methodNotAllowed(call, type, 'GET, PUT, POST …/cancel and POST …/validate');
  };
}

/** Self actions are the principal's own; admin actions need the right to write role assignments at the scope. */
function authorize(call: ArmCall, type: string, input: RequestInput): void {
  const action = parseAction(input.action);
  if (isSelfAction(action)) {
    if (!actsForSelf(call.caller.tenant, call.caller.actor, input.principalId)) throw armErrors.authorizationFailed(call.caller.id, `Microsoft.Authorization/${type}/write`, call.scope.id);
  } else {
    requireRoleAssignmentWrite(call, type);
  }
}

/** Schedule rows of one kind: PIM's, plus (assignments) the role assignments made outside PIM. */
function rows(call: ArmCall, kind: Kind, family: 'schedule' | 'instance'): ArmRow[] {
  const t = call.caller.tenant;
  const now = call.caller.nowMs;
  const keep = family === 'schedule' ? isCurrentOrFuture : isLive;
  const pim = t.pim.schedules.filter((s) => s.kind === kind && s.resource === AZURE_TAG && keep(s, now)).map((s) => scheduleRow(s, now, pimRoleAssignmentName(s)));
  return kind === 'assignment' ? [...pim, ...armRoleAssignmentsOf(t).map(classicRow)] : pim;
}

export function scheduleReads(kind: Kind, family: 'schedule' | 'instance') {
  const type = TYPE_NAMES[family][kind];
  return async (call: ArmCall): Promise<unknown> => {
    if (call.method !== 'GET' || call.action) throw methodNotAllowed(call, type, 'GET');
    const t = call.caller.tenant;
    const linkedScope = (row: ArmRow) => (row.linkedEligibility ? pimIndex(t).schedule(row.linkedEligibility)?.directoryScopeId ?? null : null);
    const toWire = (row: ArmRow, memberType: MemberType) => (family === 'schedule' ? scheduleToArm(t, row, memberType, linkedScope(row)) : instanceToArm(t, row, memberType, linkedScope(row)));
    if (call.name) {
      const id = call.name.toLowerCase();
      const row = rows(call, kind, family).find((r) => (family === 'schedule' ? r.name : instanceName(r)) === id && r.scope.toLowerCase() === call.scope.id.toLowerCase());
      if (!row) throw armErrors.notFoundAt(type, call.name, call.scope.id);
      return toWire(row, 'Direct');
    }
    const clauses = parseArmFilter(queryOf(call.request).$filter, { functions: ['atScope', 'asTarget', 'assignedTo'], properties: ['principalId', 'roleDefinitionId'] });
    const who = principalMatch(call, clauses);
    const role = roleMatch(call, clauses);
    const listed = rows(call, kind, family).flatMap((r) => {
      const memberType = inView(r.scope, call, clauses);
      return memberType && who(r.principalId) && role(r.scope, r.roleGuid) ? [{ r, memberType }] : [];
    });
    return armPage(call.request, listed, ({ r, memberType }) => toWire(r, memberType));
  };
}
