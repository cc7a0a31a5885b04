import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TenantData } from './directory/model.js';
import fastifyJwt from '@fastify/jwt';
import { createSigner } from 'fast-jwt';
import { PACKAGE_ROOT, type Config } from './config.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { baseUrl, compileRouteSchema } from './web.js';
import { Clock, REAL_TIME } from './clock.js';
import { newGuid } from './ids.js';
import type { AppContext } from './context.js';
import { LowdbStore } from './store/lowdb-store.js';
import { loadSeedFile } from './store/seed.js';
import type { State, Store } from './store/store.js';
import { loadOrCreateTlsMaterial, memoryTlsMaterial, type TlsMaterial } from './tls.js';
import { TokenService, type JwtCodec } from './auth/tokens.js';
import { TenantClocks } from './directory/tenant-clock.js';
import { SigningKeys } from './auth/keys.js';
import { authPlugin } from './auth/routes.js';
import { AuthFlows } from './auth/flows.js';
import { graphPlugin, sendGraphError } from './graph/plugin.js';
import { graphErrors } from './graph/errors.js';
import { controlPlanePlugin } from './emulator/routes.js';
import { applyDue, dueWork } from './scheduler/tick.js';
import { applyChanges } from './pim/indexes.js';
import { untracked } from './tracked.js';
import { internRules } from './pim/policy-defaults.js';
import { dropExpired, expiredRecords } from './scheduler/retention.js';
import { expireApprovals, hasExpiringApprovals } from './pim/requests.js';
import { Inbox } from './mail/inbox.js';
import { Outbox } from './mail/outbox.js';
import { mailsFor } from './mail/notify.js';
import { mailPlugin } from './emulator/mail.js';
import { portalPlugin } from './portal/plugin.js';
import { Faults, defaultError } from './emulator/faults.js';
import { RequestLog } from './emulator/request-log.js';
import { ControlKeys, registerControlAccess } from './emulator/access.js';
import { findTenant } from './directory/directory.js';
import { AadError } from './auth/errors.js';
import { GraphError } from './graph/errors.js';
import { startProxy, type ProxyServer } from './proxy/server.js';
import { armPlugin, sendArm } from './arm/routes.js';
import { armErrors } from './arm/errors.js';
import { serviceOfHost, serviceOfPath } from './proxy/hosts.js';
import { assertWritableDataDir } from './startup.js';
import { clientErrorHandler, createHttpsServer, familyOf, frameworkErrors, rejectRepeatedParameters, rewriteUrl, rootErrorHandler, serverOptions } from './edge.js';

export interface EmulatorOptions {
  /** Fastify/pino logger options; false (the default) logs nothing. */
  logger?: FastifyServerOptions['logger'];
  /** Use this state instead of reading config.seedPath (tests). */
  seed?: State;
  /** Use this TLS material instead of generating or loading one. */
  tls?: TlsMaterial;
  /** Sees every response before it is sent (tests use it to validate bodies against openapi.yaml). */
  observe?: (response: { method: string; url: string; routeUrl: string | undefined; status: number; contentType: string | undefined; body: string }) => void;
}

export interface Emulator {
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: Clock;
  readonly ctx: AppContext;
  readonly urls: AppContext['urls'];
  /** Every registered route (method, URL), for the contract test against openapi.yaml. */
  readonly routes: ReadonlyArray<{ method: string; url: string }>;
  /** Start the HTTP and HTTPS listeners; resolves with their URLs. */
  listen(): Promise<AppContext['urls']>;
  /** Stop listeners and flush the store. */
  close(): Promise<void>;
}

/** Spare RSA keys a file-storage instance keeps ready for tenants created on demand (generated one at a time, in the background): a workshop's teams. */
const SPARE_SIGNING_KEYS = 32;

export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The one factory: the CLI and every test build the emulator here. */
/**
 * The first segment of a Graph path no route can bind, as Graph's router names it
 * (`/users/{id}/nothing/more` → 'nothing'): the segment after the longest prefix some route has,
 * a route's `:param` standing for any one segment.
 */
function unboundSegment(version: string, segments: readonly string[], routes: ReadonlyArray<{ url: string }>): string | undefined {
  const templates = routes.filter((r) => r.url.startsWith(`/${version}/`)).map((r) => r.url.split('/').filter(Boolean).slice(1));
  let bound = 0;
  for (const t of templates) {
    let i = 0;
    while (i < segments.length && i < t.length && (t[i]!.startsWith(':') || t[i] === segments[i])) i++;
    bound = Math.max(bound, i);
  }
  return segments[Math.min(bound, segments.length - 1)];
}

export async function createEmulator(config: Config, options: EmulatorOptions = {}): Promise<Emulator> {
  const loadSeed = (): State => options.seed ? structuredClone(options.seed) : loadSeedFile(config.seedPath);
  // Refusals come before anything is read or written (src/startup.ts): an unwritable data directory,
  // then unusable TLS material; the data directory is left as it was.
  if (config.storage === 'file') await assertWritableDataDir(config.dataDir);
  const extraHosts = config.publicUrl ? [new URL(config.publicUrl).hostname] : [];
  // Unusable TLS material is refused before the state is opened (nothing written yet).
  const tls = options.tls ?? (config.storage === 'file' ? await loadOrCreateTlsMaterial(path.join(config.dataDir, 'tls'), extraHosts) : await memoryTlsMaterial(extraHosts));
  const store = await LowdbStore.open(config.storage, path.join(config.dataDir, 'state'), loadSeed, {
    journalMaxBytes: config.journalMaxBytes,
    crashAt: config.crashAt,
    // Every tenant's default policy rules are alike: one shared copy of each (issue #11, memory per tenant).
    normalize: (t) => {
      internRules(t.policies);
      if (t.emulator?.creation) internRules(t.emulator.creation.policies);
    },
  });
  // Indexes over each tenant's PIM records follow every change the store applies (or rolls back).
  store.onChange(applyChanges);
  const clock = new Clock(store.system().clock);
  // Every tenant has its signing key before anything is served (generated off the event loop).
  const keys = new SigningKeys(store, { storage: config.storage });
  await keys.ensureStored();

  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => newGuid(),
    forceCloseConnections: true,
    // Graph ids can be long: a policy assignment id is {policyId}_{roleDefinitionId}, ~125 characters
    // (reference §1.6); find-my-way's default of 100 would answer 414.
    routerOptions: { maxParamLength: 1000 },
    // The edge (src/edge.ts): socket limits against slow clients, /V1.0 served as /v1.0, and what Node
    // or Fastify reject before a route answered in the shape of the path's family.
    serverFactory: (handler) => http.createServer(serverOptions(), handler),
    clientErrorHandler: (error, socket) => clientErrorHandler(ctx)(error as never, socket),
    rewriteUrl,
    frameworkErrors: (error, request, reply) => frameworkErrors(ctx)(error, request, reply),
  });
  // Unknown body properties must be reported (Graph does), never silently dropped; no type coercion (web.ts).
  app.setValidatorCompiler(compileRouteSchema);
  await app.register(fastifyJwt, { secret: 'per-tenant RS256 keys are passed on every call' });
  // One fast-jwt signer per tenant key: the private key is imported once, not on every token
  // (importing the PEM was 40 % of the token endpoint's CPU, issue #11).
  const signers = new Map<string, (payload: Record<string, unknown>) => string>();
  const jwt: JwtCodec = {
    // Every payload carries iat from the emulator clock; fast-jwt keeps a given iat, and noTimestamp would drop it.
    sign: (payload, key) => {
      let signer = signers.get(key.kid);
      if (!signer) {
        signer = createSigner({ key: key.privateKeyPem, algorithm: 'RS256', kid: key.kid }) as (payload: Record<string, unknown>) => string;
        signers.set(key.kid, signer);
      }
      return signer(payload);
    },
    decode: (token) => {
      try {
        const payload = app.jwt.decode(token);
        return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    },
  };

  const inbox = new Inbox({ now: () => clock.wallMs(), maxMessages: config.inboxMax, onError: (err) => app.log.warn({ err }, 'mail capture: a connection or message failed') });
  const outbox = new Outbox(store, clock, {
    // PIM_SMTP_URL sends to a relay (e.g. Mailpit); otherwise to the embedded SMTP server.
    target: () => (config.smtpUrl ? { url: config.smtpUrl } : { host: loopback(config.host), port: smtpPort ?? config.smtpPort }),
    log: { warn: (obj, msg) => app.log.warn(obj, msg) },
  });
  let smtpPort: number | undefined;
  const time = new TenantClocks(clock, store);
  /**
   * Where mails link to: PIM_PUBLIC_URL when set; else the origin the request that caused the mail
   * came in on (the participant's own address for the emulator: a LAN name, a container's port, the
   * http listener), so the link opens the portal where the participant already is — same origin,
   * same session; else (a client reaching Graph through proxy mode under Microsoft's names) the
   * https listener.
   */
  const requestOrigin = new AsyncLocalStorage<string | undefined>();
  const portalBase = () => config.publicUrl ?? requestOrigin.getStore() ?? ctx.urls.https ?? `https://localhost:${config.httpsPort}`;

  /** When retention last ran per tenant (emulated time). */
  const retentionRun = new Map<string, number>();
  const ctx: AppContext = {
    keys: new ControlKeys(config, store),
    faults: new Faults(),
    requests: new RequestLog(),
    config,
    version: VERSION,
    store,
    clock,
    time,
    tokens: new TokenService(store, { nowMs: (tenantId) => time.nowMs(tenantId) }, jwt, () => [config.host, ...extraHosts]),
    signingKeys: keys,
    authFlows: new AuthFlows(),
    tls,
    urls: {},
    async tick() {
      const roles = store.system().roleDefinitions;
      let queued = false;
      for (const t of store.tenants()) {
        // Each tenant on its own clock: one team's jump makes nothing due in another's tenant.
        const now = time.nowMs(t);
        // Retention: once an emulated hour per tenant (a scan), and only when something is old enough.
        const id = t.tenant.id;
        const last = retentionRun.get(id);
        if (last === undefined || now < last || now - last >= 3_600_000) {
          retentionRun.set(id, now);
          const expired = expiredRecords(t, now);
          if (expired) await store.update(id, (data) => dropExpired(data, expired));
        }
        if (dueWork(t, now).length === 0 && !hasExpiringApprovals(t, now)) continue;
        await store.update(t.tenant.id, (data) => {
          expireApprovals(data, roles, now);
          // Each reminder is dated when it was due, so a 30-day jump yields three mails in their real order.
          for (const e of applyDue(data, roles, now)) ctx.mail.queue(data, [e], e.atMs);
          queued ||= data.outbox.length > 0;
        });
      }
      if (queued) void outbox.kick();
    },
    mail: {
      inbox,
      outbox,
      queue(t, events, nowMs) {
        const roles = store.system().roleDefinitions;
        // Recipients and bodies only read the tenant: read the plain data, not the update's tracking view.
        const plain = untracked(t);
        for (const e of events) t.outbox.push(...mailsFor(e, plain, roles, nowMs, { portalBase: portalBase(), newId: newGuid }));
      },
      async settle(maxWaitMs = 2000) {
        if (!smtpPort && !config.smtpUrl) return; // not listening: mail stays queued
        const until = clock.wallMs() + maxWaitMs;
        while (outbox.pending() > 0 && clock.wallMs() < until) {
          await outbox.kick();
          if (outbox.pending() > 0) await new Promise((r) => setTimeout(r, 20));
        }
        await outbox.flush(); // delivered mail leaves the stored outbox

      },
    },
    async resetTenant(tenantId) {
      const t = store.tenant(tenantId);
      if (!t) return false;
      const creation = t.emulator?.creation ?? loadSeed().tenants.find((x) => x.tenant.id === tenantId);
      if (!creation) return false;
      const { name, domain } = t.tenant;
      await store.update(tenantId, (data) => {
        const kept = data.emulator;
        const fresh = structuredClone(creation) as TenantData;
        delete fresh.emulator;
        // Property by property (collections inside pim one by one), so the store journals the change.
        for (const k of Object.keys(data) as (keyof TenantData)[]) if (!(k in fresh) && k !== 'signingKey') delete data[k];
        for (const k of Object.keys(fresh) as (keyof TenantData)[]) if (k !== 'pim') (data as unknown as Record<string, unknown>)[k] = fresh[k];
        for (const k of Object.keys(fresh.pim) as (keyof TenantData['pim'])[]) (data.pim as unknown as Record<string, unknown>)[k] = fresh.pim[k];
        // The key and the creation state stay; the clock goes back to the instance clock.
        if (kept?.keyHash || kept?.creation) data.emulator = { keyHash: kept.keyHash, creation: kept.creation };
      });
      ctx.faults.clear(tenantId);
      for (const m of inbox.list({ domain })) inbox.delete(m.id);
      ctx.requests.clear(name);
      return true;
    },
    async reset() {
      const state = loadSeed();
      await keys.assign(state.tenants);
      await store.replace(state);
      inbox.clear();
      ctx.faults.clear();
      ctx.requests.clear();
      ctx.authFlows.clear();
      clock.restore(REAL_TIME);
      await store.updateSystem((s) => {
        s.clock = clock.snapshot();
      });
    },
  };

  if (options.observe) {
    const observe = options.observe;
    app.addHook('onSend', async (request, reply, payload) => {
      if (typeof payload === 'string') {
        const type = reply.getHeader('content-type');
        observe({ method: request.method, url: request.url, routeUrl: request.routeOptions.url, status: reply.statusCode, contentType: typeof type === 'string' ? type : undefined, body: payload });
      }
      return payload;
    });
  }
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  /**
   * The tenant a request is for, without verifying anything: the token's tid on Graph, the first path
   * segment on sign-in, the {tenant} of a control-plane path. Only to pick a tenant's faults and to
   * file the request log; nothing is authorised by it.
   */
  const tenantOfRequest = (request: FastifyRequest, path: string): TenantData | undefined => {
    if (/^\/(v1\.0|beta)\//.test(path)) {
      const m = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '');
      const tid = m ? jwt.decode(m[1]!)?.tid : undefined;
      return typeof tid === 'string' ? store.tenant(tid) : undefined;
    }
    const named = (request.params as Record<string, string> | undefined)?.tenant;
    return named ? findTenant(store, named) : undefined;
  };

  // The origin the request came in on, for the mails it causes (portalBase); Microsoft's host names
  // (proxy mode) are not the portal's. run() wraps the rest of the request, handler included.
  app.addHook('onRequest', (request, _reply, done) => {
    const origin = baseUrl(request);
    let host: string | undefined;
    try {
      host = new URL(origin).hostname;
    } catch {
      host = undefined;
    }
    requestOrigin.run(host && !serviceOfHost(host) ? origin : undefined, done);
  });

  // The control plane's keys and the cross-site rule come first of all (src/emulator/access.ts).
  registerControlAccess(app, { keys: ctx.keys, store, config });

  // Faults apply before anything else (authentication included); the control plane is never faulted.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path.startsWith('/_emulator')) return;
    const fault = ctx.faults.match(request.method, path, ctx.faults.hasTenantFaults ? tenantOfRequest(request, path)?.tenant.id : undefined);
    if (!fault) return;
    if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.status === undefined && !fault.aad) return;
    const status = fault.status ?? 400;
    const retryAfter = fault.retryAfter ?? (status === 429 || status === 503 ? 1 : undefined);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    if (/\/oauth2\/v2\.0\/(token|devicecode)$/.test(path)) {
      const e = fault.aad
        ? new AadError(status, fault.aad.error, fault.aad.aadsts, fault.aad.description ?? 'The emulator injected this error (/_emulator/faults).')
        : new AadError(status, status >= 500 ? 'temporarily_unavailable' : 'invalid_request', status >= 500 ? 90033 : 90000, 'The emulator injected this error (/_emulator/faults).');
      return reply.status(status).send(e.body(clock.nowMs()));
    }
    const body = { ...defaultError(status), ...fault.error };
    if (/^\/(v1\.0|beta)\//.test(path)) return sendGraphError(ctx, request, reply, new GraphError(status, body.code, body.message));
    return reply.status(status).send({ error: body });
  });
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    // Reading the log is not logged (it would fill the log with itself).
    if (path.startsWith('/_emulator/requests') || /^\/_emulator\/tenants\/[^/]+\/requests$/.test(path)) return;
    const caller = request.caller;
    const tenant = caller?.tenant ?? tenantOfRequest(request, path);
    ctx.requests.add({
      time: new Date(time.nowMs(tenant)).toISOString(),
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      tenant: tenant?.tenant.name ?? null,
      caller: caller ? (caller.kind === 'user' ? caller.user!.userPrincipalName : `app:${caller.app!.appId}`) : null,
      requestId: request.id,
    });
  });

  app.setErrorHandler(rootErrorHandler(ctx));
  app.addHook('preValidation', rejectRepeatedParameters(ctx));

  // Token requests are form posts.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    // A null-prototype object: a field named __proto__ or constructor is just a field.
    done(null, Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(new URLSearchParams(body as string))));
  });

  await app.register(authPlugin, { ctx });
  await app.register(armPlugin, { ctx });
  await app.register(graphPlugin, { ctx, version: 'v1.0', prefix: '/v1.0' });
  await app.register(graphPlugin, { ctx, version: 'beta', prefix: '/beta' });
  await app.register(controlPlanePlugin, { ctx, prefix: '/_emulator' });
  await app.register(mailPlugin, { inbox, tenantDomain: (name) => findTenant(store, name)?.tenant.domain });
  await app.register(portalPlugin);

  app.setNotFoundHandler((request, reply) => {
    // The path exists with another method: 405 with the methods it has, in the shape of its family.
    const path = request.url.split('?')[0]!;
    const allowed = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].filter((method) => method !== request.method && app.findRoute({ method: method as never, url: path }) !== null);
    const m = /^\/(v1\.0|beta)(\/[^?]*)?/.exec(request.url);
    if (m) {
      if (allowed.length) return sendGraphError(ctx, request, reply, graphErrors.methodNotAllowed(request.method, allowed));
      const segments = (m[2] ?? '/').split('/').filter(Boolean);
      return sendGraphError(ctx, request, reply, graphErrors.noSuchRoute(safeDecode(unboundSegment(m[1]!, segments, routes) ?? m[1]!)));
    }
    if (allowed.length) {
      reply.header('allow', allowed.join(', '));
      // Entra's wording for a token endpoint called with GET (AADSTS900561).
      if (familyOf(path) === 'signin') {
        const e = new AadError(405, 'invalid_request', 900561, `The endpoint only accepts ${allowed.join(', ')} requests. Received a ${request.method} request.`);
        return reply.status(405).header('cache-control', 'no-store, no-cache').send(e.body(clock.nowMs()));
      }
      return reply.status(405).send({ error: { code: 'MethodNotAllowed', message: `${request.method} is not allowed on ${path}; it takes ${allowed.join(', ')}.` } });
    }
    // Unknown ARM paths fail loudly in ARM's envelope, saying what is served.
    if (serviceOfPath(request.url) === 'arm') return sendArm(reply, armErrors.notEmulated(request.method, request.url.split('?')[0]!));
    return reply.status(404).send({
      error: {
        code: 'NotFound',
        message: `No route ${request.method} ${path}. The emulator serves Microsoft Graph under /v1.0 and /beta, sign-in under /{tenant}/oauth2/v2.0 and /{tenant}/v2.0/.well-known/openid-configuration, its control plane under /_emulator (see /_emulator/openapi.yaml), and the workshop portal at /portal/.`,
      },
    });
  });

  let httpsServer: ReturnType<typeof createHttpsServer> | undefined;
  let proxy: ProxyServer | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let releaseSpares: (() => void) | undefined;

  const emulator: Emulator = {
    config,
    app,
    store,
    clock,
    ctx,
    urls: ctx.urls,
    routes,
    async listen() {
      await app.listen({ port: config.httpPort, host: config.host });
      const httpPort = (app.server.address() as AddressInfo).port;
      httpsServer = createHttpsServer(ctx, tls, (req, res) => app.routing(req, res));
      await new Promise<void>((resolve, reject) => {
        httpsServer!.once('error', reject);
        httpsServer!.listen(config.httpsPort, config.host, () => resolve());
      });
      const httpsPort = (httpsServer.address() as AddressInfo).port;
      if (config.proxyPort !== undefined) {
        proxy = await startProxy({
          host: config.host, port: config.proxyPort, ca: tls, route: (req, res) => app.routing(req, res), log: app.log,
          // Refusals show in /_emulator/requests: what a client tried to reach besides Microsoft's names.
          onRefused: (method, target, status) => {
            app.log.info({ method, target }, 'proxy: refused a host that is not emulated');
            ctx.requests.add({ time: new Date(clock.nowMs()).toISOString(), method, path: target, status, durationMs: 0, tenant: null, caller: null, requestId: newGuid() });
          },
        });
        ctx.urls.proxy = `http://${urlHost(config.host)}:${proxy.port}`;
      }
      smtpPort = await inbox.start(config.smtpPort, config.host);
      ctx.urls.smtp = `smtp://${urlHost(config.host)}:${smtpPort}`;
      outbox.start();
      // A long-running instance keeps spare signing keys for a burst of new tenants (a workshop).
      releaseSpares = keys.keepSpares(config.spareKeys ?? (config.storage === 'file' ? SPARE_SIGNING_KEYS : 0));
      // The scheduler runs every second on the real clock (and inside POST /_emulator/clock).
      ticker = setInterval(() => {
        ctx.tick().catch((e) => app.log.error({ err: e }, 'scheduler tick failed'));
      }, 1000);
      ticker.unref();
      ctx.urls.http = `http://${urlHost(config.host)}:${httpPort}`;
      // The certificate names localhost; wildcard and loopback binds are reached as localhost.
      ctx.urls.https = `https://${['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.host) ? 'localhost' : urlHost(config.host)}:${httpsPort}`;
      return ctx.urls;
    },
    async close() {
      if (ticker) clearInterval(ticker);
      releaseSpares?.();
      keys.close();
      await outbox.stop();
      await inbox.stop();
      smtpPort = undefined;
      delete ctx.urls.smtp;
      if (proxy) {
        await proxy.close();
        proxy = undefined;
        delete ctx.urls.proxy;
      }
      if (httpsServer) {
        httpsServer.closeAllConnections();
        await new Promise<void>((resolve) => httpsServer!.close(() => resolve()));
      }
      await app.close();
      await store.close();
      delete ctx.urls.http;
      delete ctx.urls.https;
    },
  };
  return emulator;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Where to reach our own listener: a wildcard bind is reached on loopback. */
function loopback(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
