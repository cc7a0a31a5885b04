/**
 * The directory as the emulator stores it. Graph-visible names are Graph's, verbatim;
 * fields Graph never returns (password, mfaSecret, clientSecret) are the emulator's own.
 */
export interface TenantInfo {
  id: string;
  /** Short name used in URLs and banners: "contoso". */
  name: string;
  displayName: string;
  /** The initial onmicrosoft.com domain. */
  domain: string;
  /** skuPartNumbers; PIM needs AAD_PREMIUM_P2 or IDENTITY_GOVERNANCE. */
  licenses: string[];
  defaultPassword: string;
  /** The tenant's fake Azure subscriptions (ARM); absent: one derived from the tenant id (directory/subscriptions.ts). */
  subscriptions?: SubscriptionRecord[];
}

/** An Azure subscription as ARM lists it; only what az login and PIM for Azure resources need. */
export interface SubscriptionRecord {
  subscriptionId: string;
  displayName: string;
}

/** How the user's simulated authenticator answers an MFA prompt (emulator-only). */
export const AUTHENTICATOR_BEHAVIOURS = ['code', 'approve', 'deny'] as const;
export type AuthenticatorBehaviour = (typeof AUTHENTICATOR_BEHAVIOURS)[number];

export interface UserRecord {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  jobTitle: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  accountEnabled: boolean;
  /** Emulator-only: sign-in password (defaults to the tenant's defaultPassword). */
  password?: string;
  /** Emulator-only: base32 TOTP secret of the user's registered authenticator. */
  mfaSecret: string;
  /**
   * Emulator-only: `code` (default) proves MFA with the TOTP code; `approve` satisfies MFA on every
   * sign-in, as if the user approved the push notification (clients that cannot send a code);
   * `deny` fails every sign-in's MFA with Entra's error.
   */
  authenticator?: AuthenticatorBehaviour;
}

export interface GroupRecord {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  isAssignableToRole: boolean;
  groupTypes: string[];
  /** Direct members (users), as /groups/{id}/members/$ref adds them; PIM's active assignments are derived on read. */
  members: string[];
  /** Direct owners (users); absent when the group has none. PIM's active ownerships are derived on read. */
  owners?: string[];
}

export interface ApplicationRecord {
  /** Client id. */
  appId: string;
  /** Object id of the service principal in this tenant. */
  id: string;
  displayName: string;
  publicClient: boolean;
  /** Emulator-only: the client secret of a confidential client. */
  clientSecret?: string;
  redirectUris: string[];
  /** Application permissions granted (admin-consented) to this app: the token's `roles`. */
  applicationPermissions: string[];
  /** Delegated permissions consented for this app: the token's `scp` for `.default`. */
  delegatedPermissions: string[];
  /**
   * The app manifest's groupMembershipClaims: which memberships Entra puts in the ID tokens it issues
   * to this app — `SecurityGroup` (security groups, as `groups`), `DirectoryRole` (roles, as `wids`),
   * `All` (every group and the roles). Absent or `None`: no groups claim.
   */
  groupMembershipClaims?: GroupMembershipClaims;
}

/** The manifest values the emulator serves (ApplicationGroup needs app assignments, which it does not model). */
export const GROUP_MEMBERSHIP_CLAIMS = ['None', 'SecurityGroup', 'DirectoryRole', 'All'] as const;
export type GroupMembershipClaims = (typeof GROUP_MEMBERSHIP_CLAIMS)[number];

/** A direct (non-PIM) role assignment, as POST /roleManagement/directory/roleAssignments makes one. */
export interface RoleAssignmentRecord {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  appScopeId: string | null;
  createdDateTime: string | null;
}

export interface RolePermission {
  allowedResourceActions: string[];
  condition: string | null;
}

export interface RoleDefinition {
  id: string;
  description: string;
  displayName: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
  resourceScopes: string[];
  templateId: string;
  version: string | null;
  rolePermissions: RolePermission[];
  /** beta-only in Graph; v1.0 responses drop it. */
  isPrivileged?: boolean;
}

export interface PolicyRule {
  '@odata.type': string;
  id: string;
  target: {
    caller: string;
    operations: string[];
    level: string;
    inheritableSettings: string[];
    enforcedSettings: string[];
  };
  [property: string]: unknown;
}

/** One role's management policy (its "role settings"). */
export interface PolicyRecord {
  id: string;
  displayName: string;
  description: string;
  isOrganizationDefault: boolean;
  scopeId: string;
  scopeType: string;
  lastModifiedDateTime: string | null;
  lastModifiedBy: { displayName: string | null; id: string | null } | null;
  /** The role this policy is assigned to (the policy assignment is derived from it). */
  roleDefinitionId: string;
  rules: PolicyRule[];
}

/** A tenant's token-signing key (RS256), kept with the tenant so tokens survive a restart. */
export interface SigningKey {
  kid: string;
  privateKeyPem: string;
  publicJwk: Record<string, unknown>;
}

/** Everything one tenant owns. Each tenant is stored apart (its own file). */
export interface TenantData {
  tenant: TenantInfo;
  users: UserRecord[];
  groups: GroupRecord[];
  applications: ApplicationRecord[];
  roleAssignments: RoleAssignmentRecord[];
  policies: PolicyRecord[];
  // The layers above add their own part of a tenant's stored state by declaration merging, so this
  // module imports nothing of theirs: `pim` (pim/model.ts) and `outbox` (mail/types.ts).
  /**
   * The tenant's token-signing key. Given when the tenant is created or loaded (auth/keys.ts), never
   * inside a request; a seed document never carries one, and GET /_emulator/seed leaves it out.
   */
  signingKey?: SigningKey;
  /** The emulator's own bookkeeping for this tenant; never in a seed document or a Graph response. */
  emulator?: TenantEmulatorState;
}

/** What the control plane keeps per tenant (src/emulator/access.ts, src/emulator/tenant-scope.ts). */
export interface TenantEmulatorState {
  /** The tenant's clock: milliseconds added to the instance clock (POST /_emulator/tenants/{t}/clock). */
  clockOffsetMs?: number;
  /** SHA-256 (hex) of the tenant key handed out once when the tenant was made; the key itself is never stored. */
  keyHash?: string;
  /** The tenant as it was made (a clone), for POST /_emulator/tenants/{t}/reset; seed tenants go back to the seed. */
  creation?: Omit<TenantData, 'emulator'>;
}

export const PIM_LICENSES = ['AAD_PREMIUM_P2', 'IDENTITY_GOVERNANCE'] as const;
export const hasPimLicense = (t: TenantInfo): boolean => t.licenses.some((l) => (PIM_LICENSES as readonly string[]).includes(l));

/** What directory lookups read across tenants; the Store provides it. */
export interface TenantSource {
  tenants(): TenantData[];
  tenant(id: string): TenantData | undefined;
  system(): { roleDefinitions: RoleDefinition[] };
}
