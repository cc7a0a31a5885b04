import { AUTHENTICATOR_BEHAVIOURS, GROUP_MEMBERSHIP_CLAIMS, type PolicyRecord, type PolicyRule } from '../directory/model.js';
import type { AuditRecord, RequestRecord, ScheduleRecord } from '../pim/model.js';
import type { ArmRoleAssignmentRecord } from '../directory/azure-assignments.js';
import type { TenantData } from '../directory/model.js';
import { NullableString, StringEnum, Type, type Static, type TObject } from '../schema.js';

/**
 * The seed document's schema and type from one definition (TypeBox): what PIM_SEED, POST
 * /_emulator/seed and GET /_emulator/seed carry. Optional fields get their defaults in seed.ts.
 */

/** A tenant's short name, as it appears in URLs (/contoso/oauth2/v2.0/token) and domains. */
export const TENANT_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

const guid = () => Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const str = () => Type.String({ minLength: 1 });
const nstr = () => Type.Optional(NullableString());
const strs = () => Type.Array(Type.String());
const opt = Type.Optional;
const closed = { additionalProperties: false } as const;
const withRequired = <T extends TObject>(required: Array<keyof T['properties'] & string>, o: T): T => ({ ...o, required });

// `required` in the order the seed has always reported a missing field in (TypeBox lists them in property order).
const RoleDefinitionSeed = withRequired(['id', 'displayName', 'templateId', 'rolePermissions'], Type.Object(
  {
    id: guid(), templateId: guid(), displayName: str(), description: opt(Type.String()),
    isBuiltIn: opt(Type.Boolean()), isEnabled: opt(Type.Boolean()), isPrivileged: opt(Type.Boolean()),
    resourceScopes: opt(strs()), version: nstr(),
    rolePermissions: Type.Array(Type.Object({ allowedResourceActions: strs(), condition: nstr() }, closed)),
  },
  closed,
));

const TenantInfoSeed = Type.Object(
  {
    id: guid(),
    name: Type.String({ pattern: TENANT_NAME_PATTERN }),
    displayName: opt(str()),
    domain: Type.String({ pattern: '^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$' }),
    licenses: opt(strs()),
    defaultPassword: opt(str()),
    subscriptions: opt(Type.Array(Type.Object({ subscriptionId: guid(), displayName: str() }, closed))),
  },
  closed,
);

const UserSeed = Type.Object(
  {
    id: guid(), displayName: str(), givenName: nstr(), surname: nstr(), userPrincipalName: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }),
    mail: nstr(), jobTitle: nstr(), officeLocation: nstr(), mobilePhone: nstr(), businessPhones: opt(strs()), preferredLanguage: nstr(),
    accountEnabled: opt(Type.Boolean()), password: opt(str()), mfaSecret: opt(Type.String({ pattern: '^[A-Z2-7]{16,}=*$' })),
    authenticator: opt(StringEnum(AUTHENTICATOR_BEHAVIOURS)),
  },
  closed,
);

const GroupSeed = Type.Object(
  {
    id: guid(), displayName: str(), description: nstr(), mailNickname: opt(str()), mail: nstr(), mailEnabled: opt(Type.Boolean()),
    securityEnabled: opt(Type.Boolean()), isAssignableToRole: opt(Type.Boolean()), groupTypes: opt(strs()), members: opt(Type.Array(guid())),
    owners: opt(Type.Array(guid())),
  },
  closed,
);

const ApplicationSeed = Type.Object(
  {
    appId: guid(), id: opt(guid()), displayName: str(), publicClient: opt(Type.Boolean()), clientSecret: opt(str()), redirectUris: opt(strs()),
    applicationPermissions: opt(strs()), delegatedPermissions: opt(strs()),
    // The manifest's groupMembershipClaims; ApplicationGroup is not emulated (no app assignments).
    groupMembershipClaims: opt(StringEnum(GROUP_MEMBERSHIP_CLAIMS)),
  },
  closed,
);

const RoleAssignmentSeed = Type.Object(
  { id: opt(str()), principalId: guid(), roleDefinitionId: guid(), directoryScopeId: opt(str()), appScopeId: nstr(), createdDateTime: nstr() },
  closed,
);

/** Stored records a seed may carry as exported (GET /_emulator/seed): checked as objects, kept as they are. */
const record = <T>(required?: string[]) => Type.Unsafe<T>({ type: 'object', ...(required ? { required } : {}) });

const PolicySeed = Type.Unsafe<PolicyRecord>(
  Type.Object({ id: str(), roleDefinitionId: guid(), rules: Type.Array(record<PolicyRule>(['@odata.type', 'id', 'target'])) }),
);

/** An onboarded group's policy (PIM for Groups): scopeId the group, roleDefinitionId member or owner. */
const GroupPolicySeed = Type.Unsafe<PolicyRecord>(
  Type.Object({
    id: Type.String({ pattern: '^Group_' }), scopeId: guid(), scopeType: Type.Literal('Group'), roleDefinitionId: Type.Union([Type.Literal('member'), Type.Literal('owner')]),
    rules: Type.Array(record<PolicyRule>(['@odata.type', 'id', 'target'])),
  }),
);

const TenantSeed = Type.Object(
  {
    tenant: TenantInfoSeed,
    users: Type.Array(UserSeed),
    groups: opt(Type.Array(GroupSeed)),
    applications: opt(Type.Array(ApplicationSeed)),
    roleAssignments: opt(Type.Array(RoleAssignmentSeed)),
    outbox: opt(Type.Array(record<TenantData['outbox'][number]>(['id', 'to', 'subject']))),
    pim: opt(Type.Object({ requests: opt(Type.Array(record<RequestRecord>())), schedules: opt(Type.Array(record<ScheduleRecord>())), audits: opt(Type.Array(record<AuditRecord>())) }, closed)),
    policies: opt(Type.Array(PolicySeed)),
    groupPolicies: opt(Type.Array(GroupPolicySeed)),
    /** Azure role assignments made outside PIM (directory/azure-assignments.ts); absent: the Global Administrators own each subscription. */
    armRoleAssignments: opt(Type.Array(record<ArmRoleAssignmentRecord>(['id', 'scope', 'roleDefinitionId', 'principalId', 'principalType']))),
    /** Azure resource role policies changed by a PATCH (pim/azure-policy.ts). */
    azurePolicies: opt(Type.Array(record<PolicyRecord>(['id', 'scopeId', 'roleDefinitionId', 'rules']))),
  },
  closed,
);

export const SeedSchema = Type.Object(
  {
    $schema: opt(Type.String()),
    version: opt(Type.Unsafe<1>({ const: 1 })),
    description: opt(Type.String()),
    roleDefinitions: Type.Array(RoleDefinitionSeed),
    tenants: Type.Array(TenantSeed, { minItems: 1 }),
  },
  closed,
);

export type SeedDocument = Static<typeof SeedSchema>;
export type SeedTenant = SeedDocument['tenants'][number];
