import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import { AsyncLocalStorage } from 'node:async_hooks';
import { BUNDLED_SEED, PACKAGE_ROOT, type Config } from './config.js';
import { baseUrl, compileRouteSchema } from './web.js';
import { Clock } from './clock.js';
import { newGuid } from './ids.js';
import type { AppContext } from './context.js';
import { LowdbStore } from './store/lowdb-store.js';
import { loadSeedFile } from './store/seed.js';
import type { State, Store } from './store/store.js';
import { loadOrCreateTlsMaterial, memoryTlsMaterial, type TlsMaterial } from './tls.js';
import { TokenService } from './auth/tokens.js';
import { TenantClocks } from './directory/tenant-clock.js';
import { SigningKeys } from './auth/keys.js';
import { authPlugin } from './auth/routes.js';
import { AuthFlows } from './auth/flows.js';
import { graphPlugin } from './graph/plugin.js';
import { controlPlanePlugin } from './emulator/routes.js';
import { applyChanges } from './pim/indexes.js';
import { internRules } from './pim/policy-defaults.js';
import { Inbox } from './mail/inbox.js';
import { Outbox } from './mail/outbox.js';
import { mailPlugin } from './emulator/mail.js';
import { portalPlugin } from './portal/plugin.js';
import { Faults } from './emulator/faults.js';
import { RequestLog } from './emulator/request-log.js';
import { ControlKeys, registerControlAccess } from './emulator/access.js';
import { findTenant } from './directory/directory.js';
import { startProxy, type ProxyServer } from './proxy/server.js';
import { armPlugin } from './arm/routes.js';
import { serviceOfHost } from './proxy/hosts.js';
import { assertWritableDataDir } from './startup.js';
import { clientErrorHandler, createHttpsServer, frameworkErrors, rejectRepeatedParameters, rewriteUrl, rootErrorHandler, serverOptions, trackReceivingPaths } from './edge.js';
import { createJwtCodec } from './auth/jwt-codec.js';
import { EventBus } from './events.js';
import { mailSubscriber } from './mail/subscriber.js';
import { schedulerTick } from './compose/scheduler.js';
import { committer } from './compose/commit.js';
import { resetAll, resetOneTenant } from './compose/reset.js';
import { requestTenant } from './compose/request-tenant.js';
import { registerFaults, registerRequestLog } from './compose/faults.js';
import { registerNotFound } from './compose/not-found.js';

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

import { VERSION } from './version.js';
export { VERSION };

/** The one factory: the CLI and every test build the emulator here. */
export async function createEmulator(config: Config, options: EmulatorOptions = {}): Promise<Emulator> {
  const loadSeed = (): State => options.seed ? structuredClone(options.seed) : loadSeedFile(config.seedPath, { bundled: config.seedPath === BUNDLED_SEED });
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
  // Every tenant has its signing key before anything is served (generated off the event loop, on
  // another core while the routes below are registered; awaited before createEmulator returns).
  const keys = new SigningKeys(store, { storage: config.storage });
  const keysStored = keys.ensureStored();
  keysStored.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

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
  const jwt = createJwtCodec();

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

  const events = new EventBus();
  events.subscribe(mailSubscriber({ outbox, roles: () => store.system().roleDefinitions, portalBase, newId: newGuid }));
  const faults = new Faults();
  const requests = new RequestLog();
  const authFlows = new AuthFlows();
  const resetParts = { store, clock, keys, inbox, faults, requests, authFlows, loadSeed };
  const ctx: AppContext = {
    keys: new ControlKeys(config, store),
    faults,
    requests,
    config,
    version: VERSION,
    store,
    clock,
    time,
    tokens: new TokenService(store, { nowMs: (tenantId) => time.nowMs(tenantId) }, jwt, () => [config.host, ...extraHosts]),
    signingKeys: keys,
    authFlows,
    tls,
    urls: {},
    tick: schedulerTick(store, time, events),
    events,
    commit: committer(store, events),
    mail: {
      inbox,
      outbox,
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
    resetTenant: resetOneTenant(resetParts),
    reset: resetAll(resetParts),
  };

  if (options.observe) {
    const observe = options.observe;
    app.addHook('onSend', async (request, reply, payload) => {
      // Bodiless answers too (an ARM cancel's 200): a checker can tell that no body was sent.
      if (typeof payload === 'string' || payload === undefined || payload === null) {
        const type = reply.getHeader('content-type');
        observe({ method: request.method, url: request.url, routeUrl: request.routeOptions.url, status: reply.statusCode, contentType: typeof type === 'string' ? type : undefined, body: payload ?? '' });
      }
      return payload;
    });
  }
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  const tenantOfRequest = requestTenant(store, jwt);

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

  registerFaults(app, ctx, tenantOfRequest);
  registerRequestLog(app, ctx, tenantOfRequest);

  app.setErrorHandler(rootErrorHandler(ctx));
  // For a request cut while its body trickles: Node's clientError then has no request line to read.
  trackReceivingPaths(app);
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

  registerNotFound(app, ctx, routes);

  await keysStored;

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

/** Where to reach our own listener: a wildcard bind is reached on loopback. */
function loopback(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
