import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { ArmScope } from '../directory/azure.js';
import { principalIdsOf } from '../directory/directory.js';
import { isAtOrAbove } from '../directory/azure.js';
import { ROLE_ASSIGNMENT_WRITERS } from '../directory/azure-roles.js';
import { effectiveArmAssignments } from '../pim/azure-role.js';
import type { ArmCaller } from './conventions.js';
import { armErrors } from './errors.js';

/** What one Microsoft.Authorization call is about, once its path, api-version, token and scope are checked. */
export interface ArmCall {
  ctx: AppContext;
  request: FastifyRequest;
  reply: FastifyReply;
  method: string;
  caller: ArmCaller;
  scope: ArmScope;
  /** `{name}` after the resource type, if any. */
  name?: string;
  /** `cancel` / `validate` after the name, if any. */
  action?: string;
}

export type ArmHandler = (call: ArmCall) => Promise<unknown>;

/** The principal ids acting for the caller: itself and (users) the groups it belongs to. */
export const callerPrincipals = (c: ArmCaller): string[] => (c.kind === 'user' ? principalIdsOf(c.tenant, c.id) : [c.id]);

/**
 * Writes of role assignments (and PIM admin requests) need Owner, User Access Administrator or
 * Role Based Access Control Administrator at the scope or above it, held now (directly or through PIM).
 */
export function requireRoleAssignmentWrite(call: ArmCall, type: string): void {
  const ids = new Set(callerPrincipals(call.caller));
  const holds = effectiveArmAssignments(call.caller.tenant, call.caller.nowMs)
    .some(({ record }) => ids.has(record.principalId) && ROLE_ASSIGNMENT_WRITERS.includes(record.roleDefinitionId) && isAtOrAbove(record.scope, call.scope.id));
  if (!holds) throw armErrors.authorizationFailed(call.caller.id, `Microsoft.Authorization/${type}/write`, call.scope.id);
}

/** An ARM method a resource type does not have here: ARM's 405 wording is not in a source read, so say what it takes. */
export const methodNotAllowed = (call: ArmCall, type: string, allowed: string) =>
  armErrors.notEmulatedHere(`${call.method} on ${type}${call.name ? '/{name}' : ''}${call.action ? `/${call.action}` : ''} (it takes ${allowed})`);
