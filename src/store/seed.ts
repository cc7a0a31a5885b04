import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import * as OTPAuth from 'otpauth';
import type { ApplicationRecord, GroupRecord, PolicyRecord, RoleAssignmentRecord, RoleDefinition, SubscriptionRecord, TenantData, UserRecord } from '../directory/model.js';
import { defaultPolicy } from '../pim/policy-defaults.js';
import type { PimData } from '../pim/model.js';
import { isGuid, roleAssignmentId } from '../ids.js';
import type { State } from './store.js';
import { SeedSchema, TENANT_NAME_PATTERN, type SeedDocument, type SeedTenant } from './seed-schema.js';

export { TENANT_NAME_PATTERN };

/**
 * The seed document: role definitions plus one entry per tenant in the same shape the store
 * keeps (so GET /_emulator/seed exports exactly what POST /_emulator/seed and PIM_SEED import).
 * Optional fields get their defaults here; policies missing for a role get the default policy.
 */
export class SeedError extends Error {}

// Compiled on first use: a restart with file storage reads no seed and need not pay for it.
let validateSeed: ValidateFunction | undefined;

export function loadSeedFile(file: string, opts: ParseOptions = {}): State {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SeedError(`${file}: ${(e as Error).message}`);
  }
  return parseSeed(doc, file, opts);
}

export interface ParseOptions {
  /**
   * The document is the seed shipped with the emulator, whose schema check runs in the test suite
   * (test/unit/seed.test.ts): a start skips compiling the schema validator for it (cold start, issue #11).
   * References are still checked.
   */
  bundled?: boolean;
}

/** Validates a seed document (schema, then references) and returns the normalised state. */
export function parseSeed(doc: unknown, source = 'seed', opts: ParseOptions = {}): State {
  const validate = opts.bundled ? undefined : (validateSeed ??= new Ajv({ allErrors: false, strict: false }).compile(SeedSchema));
  if (validate && !validate(doc)) {
    const e = validate.errors![0]!;
    const where = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
    throw new SeedError(`${source}: ${where}: ${e.message}${extra}`);
  }
  const seed = doc as SeedDocument;
  const fail = (path: string, message: string): never => {
    throw new SeedError(`${source}: ${path}: ${message}`);
  };
  const roleDefinitions = seed.roleDefinitions.map((r) => normaliseRole(r));
  const roleIds = new Set<string>();
  roleDefinitions.forEach((r, i) => {
    if (roleIds.has(r.id.toLowerCase())) fail(`/roleDefinitions/${i}/id`, `duplicate role definition id ${r.id}`);
    roleIds.add(r.id.toLowerCase());
  });
  const seen = { id: new Set<string>(), name: new Set<string>(), domain: new Set<string>() };
  const tenants = seed.tenants.map((t, ti) => {
    const at = `/tenants/${ti}`;
    for (const k of ['id', 'name', 'domain'] as const) {
      const v = t.tenant[k].toLowerCase();
      if (seen[k].has(v)) fail(`${at}/tenant/${k}`, `duplicate tenant ${k} '${t.tenant[k]}'`);
      seen[k].add(v);
    }
    return normaliseTenant(t, roleDefinitions, at, fail);
  });
  return { roleDefinitions, tenants };
}

function normaliseRole(r: SeedDocument['roleDefinitions'][number]): RoleDefinition {
  return {
    id: r.id!,
    description: r.description ?? '',
    displayName: r.displayName!,
    isBuiltIn: r.isBuiltIn ?? true,
    isEnabled: r.isEnabled ?? true,
    resourceScopes: r.resourceScopes ?? ['/'],
    templateId: r.templateId!,
    version: r.version ?? '1',
    rolePermissions: (r.rolePermissions ?? []).map((p) => ({ allowedResourceActions: p.allowedResourceActions, condition: p.condition ?? null })),
    ...(r.isPrivileged !== undefined ? { isPrivileged: r.isPrivileged } : {}),
  };
}

/** A fixed authenticator secret per user, so MFA codes are reproducible without storing a secret in the seed. */
export function derivedMfaSecret(tenantId: string, userId: string): string {
  const bytes = createHash('sha1').update(`pim-emulator-totp:${tenantId}:${userId}`).digest();
  return new OTPAuth.Secret({ buffer: new Uint8Array(bytes).buffer }).base32;
}

function normaliseTenant(t: SeedTenant, roles: RoleDefinition[], at: string, fail: (p: string, m: string) => never): TenantData {
  const tid = t.tenant.id.toLowerCase();
  const domain = t.tenant.domain.toLowerCase();
  const ids = new Set<string>();
  const unique = (id: string, path: string) => {
    if (ids.has(id.toLowerCase())) fail(path, `duplicate object id ${id}`);
    ids.add(id.toLowerCase());
  };
  const upns = new Set<string>();
  const users: UserRecord[] = t.users.map((u, i) => {
    unique(u.id!, `${at}/users/${i}/id`);
    const upn = u.userPrincipalName!;
    if (!upn.toLowerCase().endsWith(`@${domain}`)) fail(`${at}/users/${i}/userPrincipalName`, `must be in the tenant's domain ${domain}`);
    if (upns.has(upn.toLowerCase())) fail(`${at}/users/${i}/userPrincipalName`, `duplicate userPrincipalName ${upn}`);
    upns.add(upn.toLowerCase());
    return {
      id: u.id!.toLowerCase(),
      displayName: u.displayName!,
      givenName: u.givenName ?? null,
      surname: u.surname ?? null,
      userPrincipalName: upn,
      mail: u.mail === undefined ? upn : u.mail,
      jobTitle: u.jobTitle ?? null,
      officeLocation: u.officeLocation ?? null,
      mobilePhone: u.mobilePhone ?? null,
      businessPhones: u.businessPhones ?? [],
      preferredLanguage: u.preferredLanguage ?? 'en-US',
      accountEnabled: u.accountEnabled ?? true,
      ...(u.password ? { password: u.password } : {}),
      mfaSecret: u.mfaSecret ?? derivedMfaSecret(tid, u.id!.toLowerCase()),
      ...(u.authenticator && u.authenticator !== 'code' ? { authenticator: u.authenticator } : {}),
    };
  });
  const groups: GroupRecord[] = (t.groups ?? []).map((g, i) => {
    unique(g.id!, `${at}/groups/${i}/id`);
    const nick = g.mailNickname ?? g.displayName!.replace(/[^A-Za-z0-9]/g, '');
    (g.members ?? []).forEach((m, j) => {
      if (!users.some((u) => u.id === m.toLowerCase())) fail(`${at}/groups/${i}/members/${j}`, `no user with id ${m}`);
    });
    (g.owners ?? []).forEach((m, j) => {
      if (!users.some((u) => u.id === m.toLowerCase())) fail(`${at}/groups/${i}/owners/${j}`, `no user with id ${m}`);
    });
    return {
      id: g.id!.toLowerCase(),
      displayName: g.displayName!,
      description: g.description ?? null,
      mailNickname: nick,
      mail: g.mail ?? null,
      mailEnabled: g.mailEnabled ?? false,
      securityEnabled: g.securityEnabled ?? true,
      isAssignableToRole: g.isAssignableToRole ?? false,
      groupTypes: g.groupTypes ?? [],
      members: (g.members ?? []).map((m) => m.toLowerCase()),
      ...(g.owners?.length ? { owners: g.owners.map((m) => m.toLowerCase()) } : {}),
    };
  });
  const applications: ApplicationRecord[] = (t.applications ?? []).map((a, i) => {
    const spId = (a.id ?? a.appId!).toLowerCase();
    unique(spId, `${at}/applications/${i}/id`);
    return {
      appId: a.appId!.toLowerCase(),
      id: spId,
      displayName: a.displayName!,
      publicClient: a.publicClient ?? !a.clientSecret,
      ...(a.clientSecret ? { clientSecret: a.clientSecret } : {}),
      redirectUris: a.redirectUris ?? [],
      applicationPermissions: a.applicationPermissions ?? [],
      delegatedPermissions: a.delegatedPermissions ?? [],
      ...(a.groupMembershipClaims ? { groupMembershipClaims: a.groupMembershipClaims } : {}),
    };
  });
  const roleIds = new Set(roles.map((r) => r.id.toLowerCase()));
  const raIds = new Set<string>();
  const roleAssignments: RoleAssignmentRecord[] = (t.roleAssignments ?? []).map((a, i) => {
    const p = `${at}/roleAssignments/${i}`;
    if (!ids.has(a.principalId!.toLowerCase())) fail(`${p}/principalId`, `no user, group or service principal with id ${a.principalId}`);
    if (!roleIds.has(a.roleDefinitionId!.toLowerCase())) fail(`${p}/roleDefinitionId`, `no role definition with id ${a.roleDefinitionId}`);
    const directoryScopeId = a.directoryScopeId ?? '/';
    const id = a.id ?? (directoryScopeId === '/' ? roleAssignmentId(a.roleDefinitionId!, a.principalId!) : `${roleAssignmentId(a.roleDefinitionId!, a.principalId!)}`);
    if (raIds.has(id)) fail(`${p}`, `duplicate role assignment ${id}`);
    raIds.add(id);
    return {
      id,
      principalId: a.principalId!.toLowerCase(),
      roleDefinitionId: a.roleDefinitionId!.toLowerCase(),
      directoryScopeId,
      appScopeId: a.appScopeId ?? null,
      createdDateTime: a.createdDateTime ?? null,
    };
  });
  const given = new Map((t.policies ?? []).map((p) => [p.roleDefinitionId.toLowerCase(), p]));
  (t.policies ?? []).forEach((p, i) => {
    if (!roleIds.has(p.roleDefinitionId.toLowerCase())) fail(`${at}/policies/${i}/roleDefinitionId`, `no role definition with id ${p.roleDefinitionId}`);
  });
  const policies = roles.map((r) => given.get(r.id.toLowerCase()) ?? defaultPolicy(tid, r.id));
  return {
    tenant: {
      id: tid,
      name: t.tenant.name,
      displayName: t.tenant.displayName ?? t.tenant.name,
      domain,
      licenses: t.tenant.licenses ?? [],
      defaultPassword: t.tenant.defaultPassword ?? 'Passw0rd!',
      ...(t.tenant.subscriptions?.length
        ? { subscriptions: t.tenant.subscriptions.map((x) => ({ subscriptionId: x.subscriptionId.toLowerCase(), displayName: x.displayName })) }
        : {}),
    },
    users,
    groups,
    applications,
    roleAssignments,
    policies,
    pim: { requests: t.pim?.requests ?? [], schedules: t.pim?.schedules ?? [], audits: t.pim?.audits ?? [] },
    outbox: t.outbox ?? [],
    ...(t.groupPolicies?.length ? { groupPolicies: t.groupPolicies.map((p, i) => {
      if (!groups.some((g) => g.id === p.scopeId.toLowerCase())) fail(`${at}/groupPolicies/${i}/scopeId`, `no group with id ${p.scopeId}`);
      return { ...p, scopeId: p.scopeId.toLowerCase() };
    }) } : {}),
    ...(t.armRoleAssignments ? { armRoleAssignments: t.armRoleAssignments.map((a) => ({ ...a, id: a.id.toLowerCase(), principalId: a.principalId.toLowerCase(), roleDefinitionId: a.roleDefinitionId.toLowerCase() })) } : {}),
    ...(t.azurePolicies?.length ? { azurePolicies: t.azurePolicies } : {}),
  };
}

export const isSeedGuid = isGuid;
