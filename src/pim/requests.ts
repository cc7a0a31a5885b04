import type { TenantData } from '../directory/model.js';
import { principalIdsOf } from '../directory/directory.js';
import { selfActivate } from './activate.js';
import { adminAssign, adminUpdate } from './assign.js';
import type { Handler, Outcome, Submission } from './command.js';
import { directoryRoles } from './directory-role.js';
import { pimErrors } from './errors.js';
import { adminExtend, adminRenew, selfExtend, selfRenew } from './extend.js';
import type { Action, Actor, Kind } from './model.js';
import { parseAction } from './parse.js';
import { adminRemove, selfDeactivate } from './remove.js';

/**
 * PIM's engine entry for POST …ScheduleRequests: the action handlers (one file per family), chosen
 * through a map named with Graph's words, over whichever resource kind the route names.
 */

/** Actions per collection, named with Graph's words. */
const HANDLERS: Record<Kind, Partial<Record<Action, Handler>>> = {
  eligibility: { adminAssign, adminUpdate, adminRemove, adminExtend, adminRenew, selfExtend, selfRenew },
  assignment: { adminAssign, adminUpdate, adminRemove, selfActivate, selfDeactivate, adminExtend, adminRenew, selfExtend, selfRenew },
};

/**
 * Decides a schedule request: resolves its target, evaluates every policy rule, and — when `apply`
 * — mutates the tenant (request, schedules, audit). Throws PimError before mutating anything.
 */
export function submitRequest(submission: Submission): Outcome {
  const sub = { ...submission, resource: submission.resource ?? directoryRoles };
  const action = parseAction(sub.input.action);
  const handler = HANDLERS[sub.kind][action];
  if (!handler) throw pimErrors.invalidRequest();
  const target = sub.resource.resolve(sub.tenant, sub.roles, sub.input, sub.kind);
  return handler(sub, action, target);
}

/** Admin actions need an admin; self actions are the principal's own. */
export const isSelfAction = (a: Action): boolean => a.startsWith('self');

/** True when `principalId` is the actor or a group the actor belongs to (group-based eligibility, reference §2.6). */
export function actsForSelf(t: TenantData, actor: Actor, principalId: string | undefined): boolean {
  if (!principalId) return false;
  return principalIdsOf(t, actor.id).includes(principalId.toLowerCase());
}
