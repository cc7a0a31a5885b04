import type { ApplicationRecord, GroupRecord, RoleDefinition, TenantData, TenantSource, UserRecord } from './model.js';
import { isGuid } from '../ids.js';

/** A key that may still be percent-encoded (a client that encoded twice); malformed encoding is taken as it is. */
export function decodeOnce(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Tenants are named in URLs by GUID, by domain (contoso.onmicrosoft.com) or by short name (contoso). */
export function findTenant(store: TenantSource, key: string): TenantData | undefined {
  const k = decodeOnce(key).toLowerCase();
  return store.tenants().find((t) => t.tenant.id === k || t.tenant.domain === k || t.tenant.name === k);
}

/** The tenant a UPN's domain belongs to, for the `common` and `organizations` authorities. */
export function tenantOfUpn(store: TenantSource, upn: string): TenantData | undefined {
  const domain = upn.split('@')[1]?.toLowerCase();
  return domain ? store.tenants().find((t) => t.tenant.domain === domain) : undefined;
}

export function findUser(t: TenantData, idOrUpn: string): UserRecord | undefined {
  const k = decodeOnce(idOrUpn).toLowerCase();
  return isGuid(k) ? t.users.find((u) => u.id === k) : t.users.find((u) => u.userPrincipalName.toLowerCase() === k);
}

export type Principal =
  | { kind: 'user'; record: UserRecord }
  | { kind: 'group'; record: GroupRecord }
  | { kind: 'servicePrincipal'; record: ApplicationRecord };

export function findPrincipal(t: TenantData, id: string): Principal | undefined {
  const k = id.toLowerCase();
  const user = t.users.find((u) => u.id === k);
  if (user) return { kind: 'user', record: user };
  const group = t.groups.find((g) => g.id === k);
  if (group) return { kind: 'group', record: group };
  const sp = t.applications.find((a) => a.id === k);
  if (sp) return { kind: 'servicePrincipal', record: sp };
  return undefined;
}

export function findRoleDefinition(store: TenantSource, id: string): RoleDefinition | undefined {
  const k = id.toLowerCase();
  return store.system().roleDefinitions.find((r) => r.id === k || r.templateId === k);
}

/** The principal ids whose role assignments apply to a user: the user and the groups it belongs to. */
export function principalIdsOf(t: TenantData, userId: string): string[] {
  return [userId, ...t.groups.filter((g) => g.members.includes(userId)).map((g) => g.id)];
}

export { ROLE } from './roles.js';
