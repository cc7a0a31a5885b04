import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { PACKAGE_ROOT } from '../config.js';
import { findTenant, findUser, tenantOfUpn } from '../directory/directory.js';
import { findClient } from '../auth/clients.js';
import { currentCode, otpauthUri, TOTP_DIGITS, TOTP_PERIOD } from '../auth/mfa.js';
import { isoInstant } from '../iso8601.js';
import { parseSeed, SeedError } from '../store/seed.js';
import { baseUrl } from '../web.js';
import type { FaultSpec } from './faults.js';
import { ControlError, controlErrorHandler, sendControl } from './errors.js';
import { addFault, exportTenant, FAULT_SCHEMA, mintSchema, mintToken, parseClockMove, requestLogFilter, searchAudits, type MintBody } from './operations.js';
import { tenantHeadline, tenantRoutes, tenantSummary } from './tenants.js';
import { tenantScopeRoutes } from './tenant-scope.js';
import { authenticatorRoutes } from './authenticator.js';

/**
 * The control plane under /_emulator: what Graph lacks for testing (health, reset, clock, seed,
 * tokens, MFA codes, the CA). Errors here are {"error":{"code","message"}}, kept apart from Graph's.
 * Each tenant's own forms are in tenant-scope.ts; who may call what is decided in access.ts.
 */

export async function controlPlanePlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;

  app.setErrorHandler(controlErrorHandler('control plane'));

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
      spareSigningKeys: ctx.signingKeys.spares,
    });
  });

  // What the caller's key reaches, for the portal (which views to offer) and for people checking a key.
  app.get('/access', async (request) => {
    const scope = request.controlScope ?? { kind: 'none' };
    return {
      keysRequired: ctx.keys.enforced,
      scope: scope.kind,
      ...(scope.kind === 'tenant' ? { tenant: scope.tenant.tenant.name } : {}),
      usage: ctx.keys.enforced
        ? "The admin key reaches everything; a tenant key reaches /_emulator/tenants/{its tenant}/… only. Send it as 'Authorization: Bearer <key>'."
        : 'No admin key is set: the control plane is open to local callers (state-changing requests from other web sites are still refused).',
    };
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
    const { freeze } = request.body;
    const { advanceMs, setMs } = parseClockMove(request.body);
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
    // A tenant's signing key is the emulator's own secret, not part of a seed document (exportTenant leaves it out).
    return { version: 1, roleDefinitions: sys.roleDefinitions, tenants: ctx.store.tenants().map(exportTenant) };
  });
  app.post('/seed', async (request) => {
    let state;
    try {
      state = parseSeed(request.body, 'seed');
    } catch (e) {
      if (e instanceof SeedError) throw new ControlError(400, 'InvalidSeed', e.message);
      throw e;
    }
    await ctx.signingKeys.assign(state.tenants);
    await ctx.store.replace(state);
    return { status: 'imported', tenants: ctx.store.tenants().map((t) => t.tenant.name) };
  });

  // ---- tenants and personas ----
  // Everyone may list the tenants (the portal's sign-in page does); with keys in force, the personas
  // and apps only of the tenants the caller's key reaches.
  app.get('/tenants', async (request) => ctx.store.tenants().map((t) =>
    ctx.keys.reaches(request.controlScope ?? { kind: 'none' }, t) ? tenantSummary(t) : tenantHeadline(t)));
  tenantRoutes(app, ctx);
  tenantScopeRoutes(app, ctx);
  await app.register(authenticatorRoutes, { ctx });

  app.get<{ Params: { tenant: string; upn: string } }>('/tenants/:tenant/users/:upn/mfa-code', async (request) => {
    const t = findTenant(ctx.store, request.params.tenant);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${request.params.tenant}'. Known: ${ctx.store.tenants().map((x) => x.tenant.name).join(', ')}.`);
    const u = findUser(t, request.params.upn);
    if (!u) throw new ControlError(404, 'UserNotFound', `No user '${request.params.upn}' in ${t.tenant.name}.`);
    // The code the user's authenticator shows on the tenant's clock (what sign-in checks against).
    const { code, validForSeconds } = currentCode(u.mfaSecret, ctx.time.nowMs(t));
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
    return { value: searchAudits(tenants, search) };
  });

  // ---- tokens without a sign-in ----
  app.post<{ Body: MintBody & { tenant: string } }>('/tokens', {
    schema: { body: mintSchema(true) },
  }, async (request) => {
    const b = request.body;
    const t = findTenant(ctx.store, b.tenant);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${b.tenant}'.`);
    return mintToken(ctx, t, b, baseUrl(request));
  });

  // ---- fault injection ----
  app.get('/faults', async () => ({ value: ctx.faults.list() }));
  app.post<{ Body: FaultSpec }>('/faults', {
    schema: { body: FAULT_SCHEMA },
  }, async (request, reply) => {
    return reply.status(201).send(addFault(ctx, request.body));
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
    return { value: ctx.requests.list(requestLogFilter(request.query, request.query.tenant)) };
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

