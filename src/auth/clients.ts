import type { ApplicationRecord, TenantData } from '../directory/model.js';

/** The client id of the workshop portal the emulator serves at /portal/ (src/portal/app/config.ts uses the same). */
export const PORTAL_CLIENT_ID = 'a7e3c1d2-5b4f-4e86-9d0a-3f2b1c6e8d47';
/** Where the portal receives its authorization code, on the emulator's own origin. */
export const PORTAL_REDIRECT_PATH = '/portal/';

/** Microsoft's first-party public clients that every tenant accepts without registration. */
export const WELL_KNOWN_PUBLIC_CLIENTS: Record<string, string> = {
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46': 'Microsoft Azure CLI',
  '14d82eec-204b-4c2f-b7e8-296a70dab67e': 'Microsoft Graph Command Line Tools',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Microsoft Azure PowerShell',
  // Not Microsoft's: the emulator's own workshop portal (src/portal), a browser app signing in with PKCE.
  [PORTAL_CLIENT_ID]: 'PIM Workshop Portal',
};

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Azure Resource Manager: its app id, and the resource names az and Azure PowerShell ask tokens for. */
export const ARM_APP_ID = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
export const ARM_RESOURCE = 'https://management.core.windows.net/';
const ARM_RESOURCES = new Set(['https://management.core.windows.net', 'https://management.azure.com']);
/** ARM has one delegated permission. */
export const ARM_DELEGATED = ['user_impersonation'] as const;
export const isArmResource = (resource: string): boolean => ARM_RESOURCES.has(resource.replace(/\/+$/, '').toLowerCase());

/**
 * The delegated Graph permissions the emulator knows. A public client asking for `.default`
 * gets all of them (as if an admin had consented them); explicit scopes get what they name.
 */
export const DELEGATED_PERMISSIONS = [
  'AuditLog.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'PrivilegedAccess.Read.AzureAD',
  'PrivilegedAccess.ReadWrite.AzureAD',
  'PrivilegedAccess.Read.AzureADGroup',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
  'PrivilegedAssignmentSchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'RoleAssignmentSchedule.Read.Directory',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleAssignmentSchedule.Remove.Directory',
  'RoleEligibilitySchedule.Read.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'RoleEligibilitySchedule.Remove.Directory',
  'RoleManagement.Read.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'RoleManagementPolicy.Read.AzureADGroup',
  'RoleManagementPolicy.Read.Directory',
  'RoleManagementPolicy.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.ReadWrite.Directory',
  'User.Read',
  'User.Read.All',
  'User.ReadBasic.All',
] as const;

/** What `.default` yields for a client that has no consented list of its own. */
export const DEFAULT_DELEGATED = [
  'AuditLog.Read.All',
  'Directory.Read.All',
  'PrivilegedAccess.ReadWrite.AzureAD',
  // PIM for Groups (pim-groups-reference §1.1).
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'RoleManagement.ReadWrite.Directory',
  'RoleManagementPolicy.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.ReadWrite.Directory',
  'User.Read',
];

export const APPLICATION_PERMISSIONS = [
  'AuditLog.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'PrivilegedAccess.ReadWrite.AzureADGroup',
  'PrivilegedAssignmentSchedule.Read.AzureADGroup',
  'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  'RoleAssignmentSchedule.ReadWrite.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'RoleManagement.Read.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'RoleManagementPolicy.Read.AzureADGroup',
  'RoleManagementPolicy.Read.Directory',
  'RoleManagementPolicy.ReadWrite.AzureADGroup',
  'RoleManagementPolicy.ReadWrite.Directory',
  'User.Read.All',
] as const;

export interface Client {
  clientId: string;
  displayName: string;
  publicClient: boolean;
  registration: ApplicationRecord | undefined;
}

export function findClient(t: TenantData, clientId: string): Client | undefined {
  const id = clientId.toLowerCase();
  const reg = t.applications.find((a) => a.appId === id);
  if (reg) return { clientId: id, displayName: reg.displayName, publicClient: reg.publicClient, registration: reg };
  const known = Object.hasOwn(WELL_KNOWN_PUBLIC_CLIENTS, id) ? WELL_KNOWN_PUBLIC_CLIENTS[id] : undefined;
  return known ? { clientId: id, displayName: known, publicClient: true, registration: undefined } : undefined;
}

/**
 * A client for the `common` / `organizations` authorities, which name no tenant: the first tenant
 * that registers the app, else a well-known public client. The user's tenant is checked at sign-in.
 */
export function findClientInAnyTenant(tenants: readonly TenantData[], clientId: string): Client | undefined {
  for (const t of tenants) {
    const c = findClient(t, clientId);
    if (c?.registration) return c;
  }
  const first = tenants[0];
  return first ? findClient(first, clientId) : undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a client may receive codes at this redirect URI: an exact match with its registration,
 * or, for public clients (the well-known ones too), any port and path on the loopback, as Entra
 * accepts for native apps (MSAL's loopback listener picks a free port).
 */
export function redirectUriAllowed(client: Client, uri: string, ownOrigin?: string): boolean {
  if (client.registration?.redirectUris.includes(uri)) return true;
  // The workshop portal is served by the emulator itself, so its redirect URI is on whatever origin
  // the browser reached the emulator by (a facilitator's LAN address, PIM_PUBLIC_URL), not only loopback.
  if (client.clientId === PORTAL_CLIENT_ID && ownOrigin !== undefined && uri === `${ownOrigin}${PORTAL_REDIRECT_PATH}`) return true;
  if (!client.publicClient) return false;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.has(u.hostname) && u.hash === '';
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export interface RequestedScopes {
  /** As the client asked, minus the OpenID Connect scopes: echoed in the token response. */
  echo: string;
  resource: string;
  /** Explicit permission names, or '.default'. */
  permissions: string[] | '.default';
}

/**
 * Splits an OAuth `scope` parameter. "https://graph.microsoft.com/.default", "User.Read"
 * (Graph is the default resource) and "https://graph.microsoft.com/RoleManagement.Read.Directory" all work.
 */
export function parseScopes(scope: string | undefined): RequestedScopes {
  const parts = (scope ?? '').split(/\s+/).filter(Boolean).filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  if (parts.length === 0) return { echo: `${GRAPH_RESOURCE}/User.Read`, resource: GRAPH_RESOURCE, permissions: ['User.Read'] };
  let resource = GRAPH_RESOURCE;
  const perms: string[] = [];
  let isDefault = false;
  for (const p of parts) {
    // "https://management.core.windows.net//.default" (az, Azure PowerShell) names the resource with
    // its trailing slash, which the token's aud then carries, as in Entra's v1 tokens for ARM.
    const doubled = /^(https?:\/\/[^/]+\/)\/(.+)$/i.exec(p);
    const m = doubled ?? /^(https?:\/\/[^/]+|[0-9a-f-]{36})\/(.+)$/i.exec(p);
    if (m) {
      const id = m[1]!.toLowerCase();
      resource = id === GRAPH_APP_ID ? GRAPH_RESOURCE : id === ARM_APP_ID ? ARM_RESOURCE : doubled ? m[1]! : m[1]!.replace(/\/$/, '');
      if (m[2] === '.default') isDefault = true;
      else perms.push(m[2]!);
    } else if (p === '.default') {
      isDefault = true;
    } else {
      perms.push(p);
    }
  }
  return { echo: parts.join(' '), resource, permissions: isDefault ? '.default' : perms };
}

export function delegatedScopesFor(client: Client, requested: RequestedScopes): { granted: string[]; unknown: string[] } {
  if (isArmResource(requested.resource)) {
    if (requested.permissions === '.default') return { granted: [...ARM_DELEGATED], unknown: [] };
    return {
      granted: requested.permissions.filter((p) => p.toLowerCase() === 'user_impersonation').map(() => 'user_impersonation'),
      unknown: requested.permissions.filter((p) => p.toLowerCase() !== 'user_impersonation'),
    };
  }
  if (requested.permissions === '.default') {
    const consented = client.registration?.delegatedPermissions ?? [];
    return { granted: consented.length ? [...consented] : [...DEFAULT_DELEGATED], unknown: [] };
  }
  const known = new Map(DELEGATED_PERMISSIONS.map((p) => [p.toLowerCase(), p]));
  const granted: string[] = [];
  const unknown: string[] = [];
  for (const p of requested.permissions) {
    const k = known.get(p.toLowerCase());
    if (k) granted.push(k);
    else unknown.push(p);
  }
  return { granted, unknown };
}
