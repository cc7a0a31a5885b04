import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import { createSigner } from 'fast-jwt';
import { PACKAGE_ROOT, type Config } from './config.js';
import { compileRouteSchema } from './web.js';
import { Clock, REAL_TIME } from './clock.js';
import { newGuid } from './ids.js';
import type { AppContext } from './context.js';
import { LowdbStore } from './store/lowdb-store.js';
import { loadSeedFile } from './store/seed.js';
import type { State, Store } from './store/store.js';
import { loadOrCreateTlsMaterial, memoryTlsMaterial, type TlsMaterial } from './tls.js';
import { TokenService, type JwtCodec } from './auth/tokens.js';
import { SigningKeys } from './auth/keys.js';
import { authPlugin } from './auth/routes.js';
import { AuthFlows } from './auth/flows.js';
import { graphPlugin, sendGraphError } from './graph/plugin.js';
import { graphErrors } from './graph/errors.js';
import { controlPlanePlugin } from './emulator/routes.js';
import { applyDue, dueWork } from './scheduler/tick.js';
import { expireApprovals, hasExpiringApprovals } from './pim/requests.js';
import { Inbox } from './mail/inbox.js';
import { Outbox } from './mail/outbox.js';
import { mailsFor } from './mail/notify.js';
import { mailPlugin } from './emulator/mail.js';
import { portalPlugin } from './portal/plugin.js';
import { Faults, defaultError } from './emulator/faults.js';
import { RequestLog } from './emulator/request-log.js';
import { AadError } from './auth/errors.js';
import { GraphError } from './graph/errors.js';

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
export async function createEmulator(config: Config, options: EmulatorOptions = {}): Promise<Emulator> {
  const loadSeed = (): State => options.seed ? structuredClone(options.seed) : loadSeedFile(config.seedPath);
  const store = await LowdbStore.open(config.storage, path.join(config.dataDir, 'state'), loadSeed);
  const clock = new Clock(store.system().clock);
  const extraHosts = config.publicUrl ? [new URL(config.publicUrl).hostname] : [];
  const keys = new SigningKeys(store, { storage: config.storage });
  // Every tenant has its signing key before anything is served; the TLS material is made meanwhile.
  const [tls] = await Promise.all([
    options.tls ?? (config.storage === 'file' ? loadOrCreateTlsMaterial(path.join(config.dataDir, 'tls'), extraHosts) : memoryTlsMaterial(extraHosts)),
    keys.ensureStored(),
  ]);

  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => newGuid(),
    forceCloseConnections: true,
    // Graph ids can be long: a policy assignment id is {policyId}_{roleDefinitionId}, ~125 characters
    // (reference §1.6); find-my-way's default of 100 would answer 414.
    routerOptions: { maxParamLength: 1000 },
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
    verify: (token, publicPem, nowMs) => app.jwt.verify(token, { key: publicPem, algorithms: ['RS256'], clockTimestamp: nowMs } as never),
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
  const portalBase = () => config.publicUrl ?? ctx.urls.https ?? `https://localhost:${config.httpsPort}`;

  const ctx: AppContext = {
    faults: new Faults(),
    requests: new RequestLog(),
    config,
    version: VERSION,
    store,
    clock,
    tokens: new TokenService(store, clock, jwt),
    keys,
    authFlows: new AuthFlows(),
    tls,
    urls: {},
    async tick() {
      const now = clock.nowMs();
      const roles = store.system().roleDefinitions;
      let queued = false;
      for (const t of store.tenants()) {
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
        for (const e of events) t.outbox.push(...mailsFor(e, t, roles, nowMs, { portalBase: portalBase(), newId: newGuid }));
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

  // Faults apply before anything else (authentication included); the control plane is never faulted.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path.startsWith('/_emulator')) return;
    const fault = ctx.faults.match(request.method, path);
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
    if (path.startsWith('/_emulator/requests')) return;
    const caller = request.caller;
    ctx.requests.add({
      time: new Date(clock.nowMs()).toISOString(),
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      tenant: caller?.tenant.tenant.name ?? null,
      caller: caller ? (caller.kind === 'user' ? caller.user!.userPrincipalName : `app:${caller.app!.appId}`) : null,
      requestId: request.id,
    });
  });

  // Token requests are form posts.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  await app.register(authPlugin, { ctx });
  await app.register(graphPlugin, { ctx, version: 'v1.0', prefix: '/v1.0' });
  await app.register(graphPlugin, { ctx, version: 'beta', prefix: '/beta' });
  await app.register(controlPlanePlugin, { ctx, prefix: '/_emulator' });
  await app.register(mailPlugin, { inbox });
  await app.register(portalPlugin);

  app.setNotFoundHandler((request, reply) => {
    const m = /^\/(v1\.0|beta)(\/[^?]*)?/.exec(request.url);
    if (m) {
      const segments = (m[2] ?? '/').split('/').filter(Boolean);
      return sendGraphError(ctx, request, reply, graphErrors.noSuchRoute(decodeURIComponent(segments.at(-1) ?? m[1]!)));
    }
    return reply.status(404).send({
      error: {
        code: 'NotFound',
        message: `No route ${request.method} ${request.url.split('?')[0]}. The emulator serves Microsoft Graph under /v1.0 and /beta, sign-in under /{tenant}/oauth2/v2.0 and /{tenant}/v2.0/.well-known/openid-configuration, its control plane under /_emulator (see /_emulator/openapi.yaml), and the workshop portal at /portal/.`,
      },
    });
  });

  let httpsServer: https.Server | undefined;
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
      httpsServer = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => app.routing(req, res));
      await new Promise<void>((resolve, reject) => {
        httpsServer!.once('error', reject);
        httpsServer!.listen(config.httpsPort, config.host, () => resolve());
      });
      const httpsPort = (httpsServer.address() as AddressInfo).port;
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
