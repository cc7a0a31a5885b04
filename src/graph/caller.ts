import type { ApplicationRecord, TenantData, UserRecord } from '../directory/model.js';
import { ROLE } from '../directory/directory.js';
import { activeRoleTemplateIds } from '../pim/schedules.js';
import type { Actor } from '../pim/model.js';
import { graphErrors } from './errors.js';

/** Who is calling Graph, from a verified access token; roles are read from the directory at request time. */
export interface Caller {
  tenant: TenantData;
  kind: 'user' | 'app';
  /** oid: the user's or the service principal's object id. */
  id: string;
  user: UserRecord | undefined;
  app: ApplicationRecord | undefined;
  clientId: string;
  /** Delegated scopes (scp) of a user token. */
  scopes: string[];
  /** Application permissions (roles) of an app token. */
  roles: string[];
  amr: string[];
  acrs: string[];
  /** The request's instant, taken from the emulator clock once. */
  nowMs: number;
}

export interface PermissionRule {
  delegated: readonly string[];
  application: readonly string[];
}

/** True when the token carries one of the permissions the operation accepts (reference §1.2). */
export function hasPermission(caller: Caller, rule: PermissionRule): boolean {
  const held = caller.kind === 'user' ? caller.scopes : caller.roles;
  const wanted = caller.kind === 'user' ? rule.delegated : rule.application;
  return wanted.some((p) => held.some((h) => h.toLowerCase() === p.toLowerCase()));
}

/** Core Directory style check: 403 Authorization_RequestDenied. */
export function requireDirectoryPermission(caller: Caller, rule: PermissionRule): void {
  if (!hasPermission(caller, rule)) throw graphErrors.insufficientPrivileges();
}

/** Delegated writes to role assignments also need the signed-in user to hold an admin role right now. */
export function callerHoldsRole(caller: Caller, roleTemplateIds: readonly string[]): boolean {
  if (caller.kind !== 'user') return false;
  const held = activeRoleTemplateIds(caller.tenant, caller.id, caller.nowMs);
  return roleTemplateIds.some((r) => held.includes(r));
}

export const ADMIN_ROLES = [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator] as const;

/** Roles that may read PIM data of others (GDC rbac-pim-entra-roles-apis.md; reference §1.2). */
export const PIM_READER_ROLES = [
  ...ADMIN_ROLES,
  ROLE.globalReader,
  ROLE.securityOperator,
  ROLE.securityReader,
  ROLE.securityAdministrator,
] as const;

/** The caller as the PIM domain sees it. */
export function actorOf(caller: Caller): Actor {
  return caller.kind === 'user'
    ? { kind: 'user', id: caller.id, displayName: caller.user!.displayName, userPrincipalName: caller.user!.userPrincipalName, appId: caller.clientId, amr: caller.amr, acrs: caller.acrs }
    : { kind: 'app', id: caller.id, displayName: caller.app!.displayName, userPrincipalName: null, appId: caller.app!.appId, amr: [], acrs: [] };
}
