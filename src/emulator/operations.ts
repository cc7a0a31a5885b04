import type { AppContext } from '../context.js';
import type { TenantData } from '../directory/model.js';
import { findUser } from '../directory/directory.js';
import { ARM_DELEGATED, ARM_RESOURCE, DEFAULT_DELEGATED, findClient, isArmResource, WELL_KNOWN_PUBLIC_CLIENTS, APPLICATION_PERMISSIONS, DELEGATED_PERMISSIONS, GRAPH_RESOURCE } from '../auth/clients.js';
import { DurationError, parseDateTimeOffset, parseDuration } from '../iso8601.js';
import { auditsNewestFirst } from '../pim/audit.js';
import type { AuditRecord } from '../pim/model.js';
import { FaultError, type FaultSpec } from './faults.js';
import { ControlError } from './errors.js';

/**
 * What the instance-wide control plane (routes.ts) and a tenant's (tenant-scope.ts) both do, each
 * on its own scope: mint tokens, move a clock, add faults, read the request log and the audit log.
 */

const AZURE_CLI = Object.keys(WELL_KNOWN_PUBLIC_CLIENTS)[0]!;

export interface MintBody {
  user?: string;
  clientId?: string;
  scopes?: string[] | string;
  roles?: string[];
  mfa?: boolean;
  acrs?: string[];
  /** Whose token: Microsoft Graph (the default) or Azure Resource Manager. */
  resource?: string;
}

/** The body of POST /_emulator/tokens (with `tenant`) and of POST /_emulator/tenants/{t}/tokens (without). */
export function mintSchema(withTenant: boolean) {
  return {
    type: 'object',
    additionalProperties: false,
    ...(withTenant ? { required: ['tenant'] } : {}),
    properties: {
      ...(withTenant ? { tenant: { type: 'string' } } : {}),
      user: { type: 'string' },
      clientId: { type: 'string' },
      scopes: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      roles: { type: 'array', items: { type: 'string' } },
      mfa: { type: 'boolean' },
      acrs: { type: 'array', items: { type: 'string' } },
      resource: { type: 'string' },
    },
  } as const;
}

/** A token for a user (delegated) or a confidential app (app-only) of tenant `t`, on the tenant's clock. */
export async function mintToken(ctx: AppContext, t: TenantData, b: MintBody, issuerBase: string) {
  if (b.resource !== undefined && b.resource.replace(/\/+$/, '') !== GRAPH_RESOURCE) {
    if (!isArmResource(b.resource)) throw new ControlError(400, 'UnknownResource', `Unknown resource '${b.resource}'. Known: ${GRAPH_RESOURCE} (the default) and https://management.azure.com (Azure Resource Manager).`);
    return mintArmToken(ctx, t, b, issuerBase);
  }
  if (b.user) {
    const u = findUser(t, b.user);
    if (!u) throw new ControlError(404, 'UserNotFound', `No user '${b.user}' in ${t.tenant.name}.`);
    const client = findClient(t, b.clientId ?? AZURE_CLI);
    if (!client) throw new ControlError(400, 'UnknownClient', `No application '${b.clientId}' in ${t.tenant.name}.`);
    const scopes = b.scopes === undefined ? DEFAULT_DELEGATED : Array.isArray(b.scopes) ? b.scopes : b.scopes.split(/\s+/).filter(Boolean);
    const unknown = scopes.filter((s) => !(DELEGATED_PERMISSIONS as readonly string[]).includes(s));
    if (unknown.length) throw new ControlError(400, 'UnknownScope', `Unknown delegated permission(s): ${unknown.join(', ')}. Known: ${DELEGATED_PERMISSIONS.join(', ')}.`);
    return ctx.tokens.userTokens({
      tenant: t, user: u, client, scopes, resource: GRAPH_RESOURCE, scopeEcho: scopes.map((s) => `${GRAPH_RESOURCE}/${s}`).join(' '),
      amr: b.mfa ? ['pwd', 'mfa'] : ['pwd'], acrs: b.acrs ?? [], issuerBase,
    });
  }
  if (!b.clientId) throw new ControlError(400, 'InvalidRequest', 'Give "user" (a UPN or id) for a delegated token, or "clientId" of a confidential app for an app-only token.');
  const app_ = t.applications.find((a) => a.appId === b.clientId!.toLowerCase());
  if (!app_ || app_.publicClient) throw new ControlError(400, 'UnknownClient', `No confidential application '${b.clientId}' in ${t.tenant.name}.`);
  const roles = b.roles ?? app_.applicationPermissions;
  const unknown = roles.filter((r) => !(APPLICATION_PERMISSIONS as readonly string[]).includes(r));
  if (unknown.length) throw new ControlError(400, 'UnknownRole', `Unknown application permission(s): ${unknown.join(', ')}. Known: ${APPLICATION_PERMISSIONS.join(', ')}.`);
  return ctx.tokens.appToken(t, app_, roles, GRAPH_RESOURCE, `${GRAPH_RESOURCE}/.default`, issuerBase);
}

/** An Azure Resource Manager token (audience https://management.core.windows.net/): user_impersonation for a user, no roles for an app. */
async function mintArmToken(ctx: AppContext, t: TenantData, b: MintBody, issuerBase: string) {
  if (b.user) {
    const u = findUser(t, b.user);
    if (!u) throw new ControlError(404, 'UserNotFound', `No user '${b.user}' in ${t.tenant.name}.`);
    const client = findClient(t, b.clientId ?? AZURE_CLI);
    if (!client) throw new ControlError(400, 'UnknownClient', `No application '${b.clientId}' in ${t.tenant.name}.`);
    const scopes = [...ARM_DELEGATED];
    return ctx.tokens.userTokens({
      tenant: t, user: u, client, scopes, resource: ARM_RESOURCE, scopeEcho: `${ARM_RESOURCE}/user_impersonation`,
      amr: b.mfa ? ['pwd', 'mfa'] : ['pwd'], acrs: b.acrs ?? [], issuerBase,
    });
  }
  if (!b.clientId) throw new ControlError(400, 'InvalidRequest', 'Give "user" (a UPN or id) for a delegated token, or "clientId" of a confidential app for an app-only token.');
  const app_ = t.applications.find((a) => a.appId === b.clientId!.toLowerCase());
  if (!app_ || app_.publicClient) throw new ControlError(400, 'UnknownClient', `No confidential application '${b.clientId}' in ${t.tenant.name}.`);
  return ctx.tokens.appToken(t, app_, [], ARM_RESOURCE, `${ARM_RESOURCE}/.default`, issuerBase);
}

/** The seed-document form of tenants: the emulator's own bookkeeping (clock offset, key hash, creation state) left out. */
export function exportTenant(t: TenantData): Omit<TenantData, 'emulator' | 'signingKey'> {
  const { emulator: _emulator, signingKey: _key, ...rest } = t;
  return rest;
}

/** Parses a clock body's `advance` (ISO 8601 duration, `-` to go back) and `set` (date-time with offset). */
export function parseClockMove(body: { advance?: string; set?: string }): { advanceMs: number; setMs: number | undefined } {
  const { advance, set } = body;
  let advanceMs = 0;
  let setMs: number | undefined;
  if (advance !== undefined) {
    try {
      const negative = advance.startsWith('-');
      advanceMs = parseDuration(negative ? advance.slice(1) : advance) * (negative ? -1 : 1);
    } catch (e) {
      if (e instanceof DurationError) throw new ControlError(400, 'InvalidClockRequest', `advance: ${e.message} (prefix - to go back)`);
      throw e;
    }
  }
  if (set !== undefined) {
    setMs = parseDateTimeOffset(set);
    if (setMs === undefined) throw new ControlError(400, 'InvalidClockRequest', `set: '${set}' is not a date-time with an offset, such as 2026-12-01T09:00:00Z`);
  }
  return { advanceMs, setMs };
}

export const FAULT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    method: { type: 'string' },
    path: { type: 'string' },
    status: { type: 'integer' },
    retryAfter: { type: 'integer', minimum: 0 },
    error: { type: 'object', additionalProperties: false, properties: { code: { type: 'string' }, message: { type: 'string' } } },
    aad: { type: 'object', additionalProperties: false, required: ['error', 'aadsts'], properties: { error: { type: 'string' }, aadsts: { type: 'integer' }, description: { type: 'string' } } },
    latencyMs: { type: 'number' },
    times: { type: 'integer' },
    probability: { type: 'number' },
  },
} as const;

/** Adds a fault, instance-wide or (with a tenant id) for one tenant's requests only. */
export function addFault(ctx: AppContext, spec: FaultSpec, tenantId?: string) {
  try {
    return ctx.faults.add(spec, tenantId);
  } catch (e) {
    if (e instanceof FaultError) throw new ControlError(400, 'InvalidFault', e.message);
    throw e;
  }
}

export type RequestLogQuery = { method?: string; path?: string; status?: string; caller?: string; limit?: string };

/** The request log's query parameters, checked; `tenant` narrows to one tenant (by name). */
export function requestLogFilter(q: RequestLogQuery, tenant: string | undefined) {
  const status = q.status === undefined ? undefined : Number(q.status);
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if ((status !== undefined && !Number.isInteger(status)) || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ControlError(400, 'InvalidRequest', 'status must be a whole number; limit from 1 to 1000');
  }
  return { method: q.method, path: q.path, status, tenant, caller: q.caller, limit };
}

/** PIM audit records of these tenants, newest first, whose activity, details or targets contain `search`. */
export function searchAudits(tenants: readonly TenantData[], search: string | undefined): AuditRecord[] {
  const needle = search?.toLowerCase() ?? '';
  const text = (a: AuditRecord) => [a.activityDisplayName, ...a.additionalDetails.map((d) => d.value), ...a.targetResources.map((r) => r.displayName ?? '')];
  return auditsNewestFirst(tenants.flatMap((t) => t.pim.audits)).filter((a) => !needle || text(a).some((x) => x.toLowerCase().includes(needle)));
}
