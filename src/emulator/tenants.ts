import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ApplicationRecord, GroupRecord, RoleAssignmentRecord, RoleDefinition, TenantData, UserRecord } from '../directory/model.js';
import { findTenant } from '../directory/directory.js';
import { WELL_KNOWN_PUBLIC_CLIENTS } from '../auth/clients.js';
import { defaultPolicy } from '../pim/policy-defaults.js';
import { isGuid, newGuid, roleAssignmentId } from '../ids.js';
import { derivedMfaSecret, TENANT_NAME_PATTERN } from '../store/seed.js';
import { ControlError } from './errors.js';
import { ControlKeys, hashKey } from './access.js';

/**
 * Tenants on demand: a workshop gives each team its own copy of contoso (POST /_emulator/tenants
 * {"name":"team07","from":"contoso"}), a CI job one per test file. A clone has the source's personas
 * and setup under fresh ids, in its own file, and shares nothing with it but role definitions.
 */

/** Names the sign-in endpoints treat as authorities, not tenants. */
const RESERVED_NAMES = new Set(['common', 'organizations', 'consumers']);
const NAME = new RegExp(TENANT_NAME_PATTERN);

export interface CloneTarget {
  id: string;
  name: string;
  displayName: string;
  domain: string;
}

/**
 * A copy of `source` as a new tenant: fresh object ids (users, groups, service principals) and app
 * ids (the well-known Microsoft clients keep theirs, as in every real tenant), the same personas
 * under the new domain (same local parts, display names and passwords; new authenticator secrets),
 * the same direct role assignments and licences, the default role settings, and no PIM history or mail.
 */
export function cloneTenant(source: TenantData, target: CloneTarget, roles: readonly RoleDefinition[], newId: () => string = newGuid): TenantData {
  const ids = new Map<string, string>();
  const remap = (old: string): string => {
    let id = ids.get(old);
    if (!id) {
      id = newId().toLowerCase();
      ids.set(old, id);
    }
    return id;
  };
  const fromDomain = `@${source.tenant.domain.toLowerCase()}`;
  // An address in the source's domain moves to the clone's, so its mail reaches the clone's personas only.
  const rehome = (address: string | null): string | null =>
    address && address.toLowerCase().endsWith(fromDomain) ? `${address.slice(0, -fromDomain.length)}@${target.domain}` : address;

  // A persona named after the source tenant ("Contoso Admin") is named after the clone ("team07 Admin"):
  // a team signed in to its own tenant should never read another company's name.
  const sourceName = source.tenant.displayName;
  const rename = (displayName: string): string =>
    sourceName && displayName.startsWith(`${sourceName} `) ? `${target.displayName}${displayName.slice(sourceName.length)}` : displayName;
  const users: UserRecord[] = source.users.map((u) => {
    const id = remap(u.id);
    return { ...structuredClone(u), id, displayName: rename(u.displayName), userPrincipalName: rehome(u.userPrincipalName)!, mail: rehome(u.mail), mfaSecret: derivedMfaSecret(target.id, id) };
  });
  const groups: GroupRecord[] = source.groups.map((g) => ({ ...structuredClone(g), id: remap(g.id), mail: rehome(g.mail), members: g.members.map(remap), ...(g.owners ? { owners: g.owners.map(remap) } : {}) }));
  const applications: ApplicationRecord[] = source.applications.map((a) => ({
    ...structuredClone(a),
    id: remap(a.id),
    appId: a.appId in WELL_KNOWN_PUBLIC_CLIENTS ? a.appId : newId().toLowerCase(),
  }));
  const roleAssignments: RoleAssignmentRecord[] = source.roleAssignments.map((a) => {
    const principalId = remap(a.principalId);
    // Graph derives a tenant-wide assignment's id from role and principal (ids.ts); keep that true.
    const derived = a.id === roleAssignmentId(a.roleDefinitionId, a.principalId);
    return { ...structuredClone(a), principalId, id: derived ? roleAssignmentId(a.roleDefinitionId, principalId) : a.id };
  });
  // Subscriptions are not cloned: the new tenant gets its own, derived from its id (directory/subscriptions.ts).
  const { subscriptions: _sourceSubscriptions, ...info } = structuredClone(source.tenant);
  return {
    tenant: { ...info, ...target },
    users,
    groups,
    applications,
    roleAssignments,
    policies: roles.map((r) => defaultPolicy(target.id, r.id)),
    pim: { requests: [], schedules: [], audits: [] },
    outbox: [],
  };
}

/** What anyone may read about a tenant when keys are in force and the caller's key does not reach it. */
export function tenantHeadline(t: TenantData) {
  return { id: t.tenant.id, name: t.tenant.name, displayName: t.tenant.displayName, domain: t.tenant.domain, licenses: t.tenant.licenses };
}

export function tenantSummary(t: TenantData) {
  return {
    id: t.tenant.id,
    name: t.tenant.name,
    displayName: t.tenant.displayName,
    domain: t.tenant.domain,
    licenses: t.tenant.licenses,
    users: t.users.map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName })),
    applications: t.applications.map((a) => ({ appId: a.appId, displayName: a.displayName, publicClient: a.publicClient })),
  };
}

const known = (ctx: AppContext) => ctx.store.tenants().map((t) => t.tenant.name).join(', ');

/** POST /_emulator/tenants and DELETE /_emulator/tenants/{tenant}, inside the control plane plugin. */
export function tenantRoutes(app: FastifyInstance, ctx: AppContext): void {
  // A deletion runs alone (after every creation under way); creations run alongside each other.
  let queue: Promise<unknown> = Promise.resolve();
  const running = new Set<Promise<unknown>>();
  const creating = new Set<string>();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      await Promise.allSettled([...running]);
      return fn();
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const alongside = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    running.add(run);
    void run.finally(() => running.delete(run)).catch(() => undefined);
    return run;
  };

  app.post<{ Body: { name: string; from?: string; displayName?: string } }>('/tenants', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string' }, from: { type: 'string' }, displayName: { type: 'string', minLength: 1 } },
      },
    },
  }, async (request, reply) => {
    const { name, from, displayName } = request.body;
    if (!NAME.test(name) || isGuid(name) || RESERVED_NAMES.has(name)) {
      throw new ControlError(400, 'InvalidTenantName', `'${name}' is not a tenant name: use lowercase letters, digits and hyphens (up to 63, not starting with a hyphen), not a GUID nor one of ${[...RESERVED_NAMES].join(', ')}.`);
    }
    // Creations run side by side (a workshop's teams at once); the name is reserved before the
    // first await, so two creations of one name cannot both pass the check. Deletions wait for them.
    const domain = `${name}.onmicrosoft.com`;
    const clash = ctx.store.tenants().find((t) => t.tenant.name === name || t.tenant.domain === domain);
    if (clash || creating.has(name)) throw new ControlError(409, 'TenantExists', `A tenant named '${name}' (${domain}) exists already${clash ? ` (${clash.tenant.id})` : ''}. DELETE /_emulator/tenants/${name} removes it.`);
    creating.add(name);
    return alongside(async () => {
      const source = from === undefined ? ctx.store.tenants()[0] : findTenant(ctx.store, from);
      if (!source) throw new ControlError(404, 'TenantNotFound', `No tenant '${from}' to clone. Known: ${known(ctx)}.`);
      // With keys in force, anyone may copy a seed tenant, but copying a team's tenant (its users, apps
      // and secrets) takes that team's key or the admin key.
      const scope = request.controlScope ?? { kind: 'none' };
      if (source.emulator?.keyHash && !ctx.keys.reaches(scope, source)) {
        throw new ControlError(403, 'TenantKeyRequired', `Copying tenant '${source.tenant.name}' needs its tenant key or the admin key (send it as 'Authorization: Bearer <key>'); without one, copy a seed tenant such as ${ctx.store.tenants().filter((t) => !t.emulator?.keyHash).map((t) => t.tenant.name).join(', ')}.`);
      }
      const data = cloneTenant(source, { id: newGuid(), name, displayName: displayName ?? name, domain }, ctx.store.system().roleDefinitions);
      // The tenant key: returned now, once; only its hash is kept. The creation state is kept for a tenant reset.
      const key = ControlKeys.newTenantKey();
      data.emulator = { keyHash: hashKey(key), creation: structuredClone(data) };
      // The tenant's signing key: a spare made ahead, else generated from now on, off the event loop
      // (a sign-in waits for it); never inside a sign-in, never synchronously.
      const signingKey = ctx.signingKeys.spareForNewTenant();
      if (signingKey) data.signingKey = signingKey;
      await ctx.store.addTenant(data);
      if (!signingKey) ctx.signingKeys.generateFor(data.tenant.id);
      return reply.status(201).send({
        ...tenantSummary(data),
        clonedFrom: source.tenant.name,
        key,
        keyUsage: `Shown once. Send it as 'Authorization: Bearer <key>' to /_emulator/tenants/${name}/… (clock, reset, faults, mail, MFA codes, tokens, requests, export, delete)${ctx.keys.enforced ? '; this emulator requires it' : '; this emulator runs without keys, so it is not required here'}.`,
      });
    }).finally(() => creating.delete(name));
  });

  app.delete<{ Params: { tenant: string } }>('/tenants/:tenant', async (request, reply) => serially(async () => {
    const t = findTenant(ctx.store, request.params.tenant);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${request.params.tenant}'. Known: ${known(ctx)}.`);
    if (ctx.store.tenants().length === 1) throw new ControlError(400, 'LastTenant', `'${t.tenant.name}' is the only tenant; the emulator keeps at least one (POST /_emulator/seed replaces them all).`);
    await ctx.store.removeTenant(t.tenant.id);
    ctx.faults.clear(t.tenant.id);
    return reply.status(204).send();
  }));
}
