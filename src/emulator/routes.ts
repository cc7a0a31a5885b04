import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { PACKAGE_ROOT } from '../config.js';
import { findTenant, findUser, tenantOfUpn } from '../directory/directory.js';
import { DEFAULT_DELEGATED, findClient, WELL_KNOWN_PUBLIC_CLIENTS, APPLICATION_PERMISSIONS, DELEGATED_PERMISSIONS, GRAPH_RESOURCE } from '../auth/clients.js';
import { currentCode, otpauthUri, TOTP_DIGITS, TOTP_PERIOD } from '../auth/mfa.js';
import { DurationError, isoInstant, parseDateTimeOffset, parseDuration } from '../iso8601.js';
import { auditsNewestFirst } from '../pim/audit.js';
import type { AuditRecord } from '../pim/model.js';
import { parseSeed, SeedError } from '../store/seed.js';
import { baseUrl } from '../web.js';
import { FaultError, type FaultSpec } from './faults.js';
import { tenantRoutes, tenantSummary } from './tenants.js';

/**
 * The control plane under /_emulator: what Graph lacks for testing (health, reset, clock, seed,
 * tokens, MFA codes, the CA). Errors here are {"error":{"code","message"}}, kept apart from Graph's.
 */
export class ControlError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const AZURE_CLI = Object.keys(WELL_KNOWN_PUBLIC_CLIENTS)[0]!;

export async function controlPlanePlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: { keyword: string; params: Record<string, unknown> }[] }, request, reply) => {
    if (error instanceof ControlError) return sendControl(reply, error.status, error.code, error.message);
    if (error.validation) {
      // Name the offending property: ajv's own text ("must NOT have additional properties") does not.
      const v = error.validation[0];
      const extra = v?.keyword === 'additionalProperties' ? `: '${String(v.params.additionalProperty)}'` : '';
      return sendControl(reply, 400, 'InvalidRequest', `${error.message}${extra}`);
    }
    if (error instanceof SyntaxError || (error.statusCode && error.statusCode < 500)) return sendControl(reply, error.statusCode ?? 400, 'InvalidRequest', error.message);
    request.log.error({ err: error }, 'control plane request failed');
    return sendControl(reply, 500, 'InternalError', error.message);
  });

  app.get('/health', async (_request, reply) => {
    const up = Boolean(ctx.urls.http && ctx.urls.https && ctx.urls.smtp);
    return reply.status(up ? 200 : 503).send({
      status: up ? 'ok' : 'starting',
      version: ctx.version,
      listeners: ctx.urls,
      storage: ctx.store.kind,
      now: isoInstant(ctx.clock.nowMs()),
      tenants: ctx.store.tenants().map((t) => t.tenant.name),
      // The inbox keeps every message unless PIM_INBOX_MAX caps it; what a cap dropped is counted here.
      inbox: { messages: ctx.mail.inbox.count, evicted: ctx.mail.inbox.evicted, max: ctx.mail.inbox.maxMessages ?? null },
      // Tenants that POST /_emulator/tenants can create without waiting for RSA generation (PIM_SPARE_KEYS).
      spareSigningKeys: ctx.keys.spares,
    });
  });

  app.post('/reset', async () => {
    await ctx.reset();
    return { status: 'reset', now: isoInstant(ctx.clock.nowMs()), tenants: ctx.store.tenants().map((t) => t.tenant.name) };
  });

  // ---- clock ----
  const clockBody = () => ({ now: isoInstant(ctx.clock.nowMs()), frozen: ctx.clock.frozen });
  app.get('/clock', async () => clockBody());
  app.post<{ Body: { advance?: string; set?: string; freeze?: boolean } }>('/clock', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { advance: { type: 'string' }, set: { type: 'string' }, freeze: { type: 'boolean' } },
      },
    },
  }, async (request) => {
    const { advance, set, freeze } = request.body;
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
    if (freeze !== undefined) ctx.clock.freeze(freeze);
    if (setMs !== undefined) ctx.clock.set(setMs);
    if (advanceMs) ctx.clock.advance(advanceMs);
    await ctx.store.updateSystem((s) => {
      s.clock = ctx.clock.snapshot();
    });
    // What the jump made due is applied (and its mail sent) before answering, so the caller sees it at once.
    await ctx.tick();
    await ctx.mail.settle();
    return clockBody();
  });

  // ---- seed ----
  app.get('/seed', async () => {
    const sys = ctx.store.system();
    // A tenant's signing key is the emulator's own secret, not part of a seed document.
    return { version: 1, roleDefinitions: sys.roleDefinitions, tenants: ctx.store.tenants().map(({ signingKey: _key, ...t }) => t) };
  });
  app.post('/seed', async (request) => {
    let state;
    try {
      state = parseSeed(request.body, 'seed');
    } catch (e) {
      if (e instanceof SeedError) throw new ControlError(400, 'InvalidSeed', e.message);
      throw e;
    }
    await ctx.keys.assign(state.tenants);
    await ctx.store.replace(state);
    return { status: 'imported', tenants: ctx.store.tenants().map((t) => t.tenant.name) };
  });

  // ---- tenants and personas ----
  app.get('/tenants', async () => ctx.store.tenants().map(tenantSummary));
  tenantRoutes(app, ctx);

  app.get<{ Params: { tenant: string; upn: string } }>('/tenants/:tenant/users/:upn/mfa-code', async (request) => {
    const t = findTenant(ctx.store, request.params.tenant);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${request.params.tenant}'. Known: ${ctx.store.tenants().map((x) => x.tenant.name).join(', ')}.`);
    const u = findUser(t, request.params.upn);
    if (!u) throw new ControlError(404, 'UserNotFound', `No user '${request.params.upn}' in ${t.tenant.name}.`);
    const { code, validForSeconds } = currentCode(u.mfaSecret, ctx.clock.nowMs());
    return {
      code,
      userPrincipalName: u.userPrincipalName,
      tenant: t.tenant.name,
      validForSeconds,
      period: TOTP_PERIOD,
      digits: TOTP_DIGITS,
      algorithm: 'SHA1',
      otpauthUri: otpauthUri(u.mfaSecret, u.userPrincipalName),
      usage: 'Send it as the form field mfa_code with the password grant, or type it on the sign-in MFA page.',
    };
  });

  // ---- the audit log, searchable ----
  // Graph's $filter cannot search inside additionalDetails (Justification, ticket numbers); a test or a
  // workshop step can: /_emulator/audit?tenant=contoso&search=INC-42
  app.get<{ Querystring: { tenant?: string; search?: string } }>('/audit', async (request) => {
    const { tenant, search } = request.query;
    let tenants = ctx.store.tenants();
    if (tenant !== undefined) {
      const t = findTenant(ctx.store, tenant);
      if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${tenant}'. Known: ${tenants.map((x) => x.tenant.name).join(', ')}.`);
      tenants = [t];
    }
    const needle = search?.toLowerCase() ?? '';
    const text = (a: AuditRecord) => [a.activityDisplayName, ...a.additionalDetails.map((d) => d.value), ...a.targetResources.map((r) => r.displayName ?? '')];
    const value = auditsNewestFirst(tenants.flatMap((t) => t.pim.audits)).filter((a) => !needle || text(a).some((s) => s.toLowerCase().includes(needle)));
    return { value };
  });

  // ---- tokens without a sign-in ----
  interface MintBody {
    tenant: string;
    user?: string;
    clientId?: string;
    scopes?: string[] | string;
    roles?: string[];
    mfa?: boolean;
    acrs?: string[];
  }
  app.post<{ Body: MintBody }>('/tokens', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['tenant'],
        properties: {
          tenant: { type: 'string' },
          user: { type: 'string' },
          clientId: { type: 'string' },
          scopes: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          roles: { type: 'array', items: { type: 'string' } },
          mfa: { type: 'boolean' },
          acrs: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  }, async (request) => {
    const b = request.body;
    const t = findTenant(ctx.store, b.tenant);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${b.tenant}'.`);
    const issuerBase = baseUrl(request);
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
  });

  // ---- fault injection ----
  app.get('/faults', async () => ({ value: ctx.faults.list() }));
  app.post<{ Body: FaultSpec }>('/faults', {
    schema: {
      body: {
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
      },
    },
  }, async (request, reply) => {
    try {
      return reply.status(201).send(ctx.faults.add(request.body));
    } catch (e) {
      if (e instanceof FaultError) throw new ControlError(400, 'InvalidFault', e.message);
      throw e;
    }
  });
  app.delete('/faults', async (_request, reply) => {
    ctx.faults.clear();
    return reply.status(204).send();
  });
  app.delete<{ Params: { id: string } }>('/faults/:id', async (request, reply) => {
    if (!ctx.faults.remove(request.params.id)) throw new ControlError(404, 'FaultNotFound', `No fault ${request.params.id}.`);
    return reply.status(204).send();
  });

  // ---- request log ----
  app.get<{ Querystring: { method?: string; path?: string; status?: string; tenant?: string; caller?: string; limit?: string } }>('/requests', async (request) => {
    const q = request.query;
    const status = q.status === undefined ? undefined : Number(q.status);
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if ((status !== undefined && !Number.isInteger(status)) || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ControlError(400, 'InvalidRequest', 'status must be a whole number; limit from 1 to 1000');
    }
    return { value: ctx.requests.list({ method: q.method, path: q.path, status, tenant: q.tenant, caller: q.caller, limit }) };
  });
  app.delete('/requests', async (_request, reply) => {
    ctx.requests.clear();
    return reply.status(204).send();
  });

  // ---- device code sign-in without a browser ----
  // What a person does at /devicelogin, in one call, for tests that drive a device code client
  // (MSAL acquireTokenByDeviceCode, DeviceCodeCredential): the client's next poll gets the tokens.
  interface DeviceLoginBody {
    userCode?: string;
    deviceCode?: string;
    user?: string;
    mfa?: boolean;
    decline?: boolean;
  }
  app.post<{ Body: DeviceLoginBody }>('/devicelogin', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        properties: { userCode: { type: 'string' }, deviceCode: { type: 'string' }, user: { type: 'string' }, mfa: { type: 'boolean' }, decline: { type: 'boolean' } },
      },
    },
  }, async (request) => {
    const b = request.body;
    if ((b.userCode === undefined) === (b.deviceCode === undefined)) {
      throw new ControlError(400, 'InvalidRequest', 'Give "userCode" (as shown to the user) or "deviceCode" (as the client polls with), and "user" (a UPN or id).');
    }
    const now = ctx.clock.nowMs();
    const found = b.userCode !== undefined ? ctx.authFlows.pendingByUserCode(b.userCode, now) : ctx.authFlows.pendingByDeviceCode(b.deviceCode!, now);
    const which = b.userCode !== undefined ? `user code '${b.userCode}'` : 'that device code';
    if (!found.ok) {
      if (found.reason === 'unknown') throw new ControlError(404, 'DeviceCodeNotFound', `No device authorization has ${which} (they are kept in memory, 15 minutes).`);
      if (found.reason === 'expired') throw new ControlError(400, 'DeviceCodeExpired', `The device authorization with ${which} expired at ${isoInstant(found.device!.expiresAtMs)} (emulator clock).`);
      throw new ControlError(409, 'DeviceCodeNotPending', `The device authorization with ${which} is already ${found.device!.status}.`);
    }
    const d = found.device;
    if (b.decline) {
      ctx.authFlows.declineDevice(d);
      return { status: 'declined', userCode: d.userCode };
    }
    if (!b.user) throw new ControlError(400, 'InvalidRequest', 'Give "user" (a UPN or id) who signs in, or "decline": true.');
    const t = d.tenantId ? ctx.store.tenant(d.tenantId) : tenantOfUpn(ctx.store, b.user);
    const u = t && findUser(t, b.user);
    if (!t || !u) throw new ControlError(404, 'UserNotFound', `No user '${b.user}' in ${t ? t.tenant.name : 'any tenant'}.`);
    if (!u.accountEnabled) throw new ControlError(400, 'UserDisabled', `User '${u.userPrincipalName}' is disabled.`);
    if (!findClient(t, d.clientId)) throw new ControlError(400, 'UnknownClient', `No application '${d.clientId}' in ${t.tenant.name}.`);
    const mfa = b.mfa ?? false;
    if (d.mfaRequired && !mfa) throw new ControlError(400, 'MfaRequired', `This device authorization asked for authentication context ${d.acrs.join(', ')}: complete it with "mfa": true.`);
    const amr = mfa ? ['pwd', 'mfa'] : ['pwd'];
    const acrs = mfa ? d.acrs : [];
    ctx.authFlows.approveDevice(d, { tenantId: t.tenant.id, userId: u.id, amr, acrs });
    return { status: 'approved', userCode: d.userCode, userPrincipalName: u.userPrincipalName, tenant: t.tenant.name, amr, acrs };
  });

  // ---- TLS trust and the API description ----
  app.get('/ca.pem', async (_request, reply) => reply.type('application/x-pem-file').send(ctx.tls.caCertPem));
  app.get('/openapi.yaml', async (_request, reply) =>
    reply.type('application/yaml; charset=utf-8').send(await readFile(path.join(PACKAGE_ROOT, 'openapi.yaml'), 'utf8')),
  );
}

function sendControl(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}
