import type { GroupRecord, RoleAssignmentRecord, RoleDefinition, TenantData, UserRecord, ApplicationRecord } from '../directory/model.js';
import type { Principal } from '../directory/directory.js';

/** Store records → the JSON Graph returns. Emulator-only fields (password, mfaSecret, secrets) never leave. */
export function userToWire(u: UserRecord): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: u.businessPhones,
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
  };
}


export function groupToWire(g: GroupRecord): Record<string, unknown> {
  return {
    id: g.id,
    description: g.description,
    displayName: g.displayName,
    groupTypes: g.groupTypes,
    isAssignableToRole: g.isAssignableToRole,
    mail: g.mail,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    securityEnabled: g.securityEnabled,
  };
}

export function servicePrincipalToWire(a: ApplicationRecord): Record<string, unknown> {
  return { id: a.id, appId: a.appId, displayName: a.displayName, servicePrincipalType: 'Application', accountEnabled: true };
}

/** An expanded `principal`, with the @odata.type Graph puts on directory objects (reference §10). */
export function principalToWire(p: Principal): Record<string, unknown> {
  switch (p.kind) {
    case 'user':
      return { '@odata.type': '#microsoft.graph.user', ...userToWire(p.record) };
    case 'group':
      return { '@odata.type': '#microsoft.graph.group', ...groupToWire(p.record) };
    case 'servicePrincipal':
      return { '@odata.type': '#microsoft.graph.servicePrincipal', ...servicePrincipalToWire(p.record) };
  }
}

/** isPrivileged exists only in beta (reference §6). */
export function roleDefinitionToWire(r: RoleDefinition, version: 'v1.0' | 'beta'): Record<string, unknown> {
  const { isPrivileged, ...v1 } = r;
  return version === 'beta' ? { ...v1, isPrivileged: isPrivileged ?? false } : v1;
}

export function roleAssignmentToWire(a: RoleAssignmentRecord, t: TenantData): Record<string, unknown> {
  return {
    id: a.id,
    directoryScopeId: a.directoryScopeId,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    appScopeId: a.appScopeId,
    condition: null,
    // Returned by the real service though absent from the v1.0 schema (reference §2.5).
    principalOrganizationId: t.tenant.id,
    resourceScope: a.directoryScopeId,
  };
}
