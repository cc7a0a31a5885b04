import { defaultConfig, type Config } from './config.js';
import { createEmulator, type Emulator, type EmulatorOptions } from './emulator.js';
import { findTenant, findUser } from './directory/directory.js';
import { DEFAULT_DELEGATED, findClient, GRAPH_RESOURCE, WELL_KNOWN_PUBLIC_CLIENTS } from './auth/clients.js';
import { currentCode } from './auth/mfa.js';
import { parseDuration, parseDateTimeOffset } from './iso8601.js';
import type { FaultSpec, Fault } from './emulator/faults.js';
import type { InboxFilter } from './mail/inbox.js';
import type { InboxMessage } from './mail/types.js';

/**
 * The emulator as a library for vitest/jest suites: in-process, in-memory, on free ports.
 *
 *   const emu = await startEmulator();
 *   const token = await emu.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
 *   await fetch(`${emu.urls.http}/v1.0/me`, { headers: { authorization: `Bearer ${token}` } });
 *   await emu.clock.advance('PT8H');
 *   const mail = await emu.inbox.waitFor({ to: 'admin@contoso.onmicrosoft.com', subject: 'activated' });
 *   await emu.close();
 */
export interface StartOptions {
  /** Any configuration key (ports default to 0 = free, storage to memory, logs off). */
  config?: Partial<Config>;
  /** Sees every response before it is sent: method, URL, route, status, content type and body (to check bodies against a schema). */
  observe?: EmulatorOptions['observe'];
}

export interface TestEmulator {
  urls: { http: string; https: string; smtp: string };
  /** The CA certificate (PEM) to trust for urls.https, e.g. via an undici Agent or NODE_EXTRA_CA_CERTS. */
  caPem: string;
  tenants: Array<{ id: string; name: string; domain: string; users: Array<{ id: string; userPrincipalName: string; displayName: string }> }>;
  /** A delegated Graph token for a user, with or without MFA, with chosen scopes (default: the PIM-related set). */
  tokenFor(upn: string, opts?: { mfa?: boolean; scopes?: string[]; acrs?: string[]; tenant?: string }): Promise<string>;
  /** An app-only token for a registered confidential client (default: its granted application permissions). */
  appToken(clientId: string, opts?: { tenant?: string; roles?: string[] }): Promise<string>;
  /** The user's current authenticator code. */
  mfaCode(upn: string, tenant?: string): string;
  clock: { now(): Date; advance(duration: string): Promise<Date>; set(instant: string | Date): Promise<Date>; freeze(on?: boolean): Promise<Date> };
  inbox: { list(filter?: InboxFilter): InboxMessage[]; waitFor(filter: InboxFilter, timeoutMs?: number): Promise<InboxMessage> };
  faults: { add(spec: FaultSpec): Fault; list(): Fault[]; clear(): void };
  reset(): Promise<void>;
  close(): Promise<void>;
  /** The underlying emulator, for anything else. */
  emulator: Emulator;
}

export async function startEmulator(options: StartOptions = {}): Promise<TestEmulator> {
  const config: Config = { ...defaultConfig(), storage: 'memory', httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent', ...options.config };
  const emulator = await createEmulator(config, options.observe ? { observe: options.observe } : {});
  const urls = await emulator.listen();
  const { ctx, store, clock } = emulator;
  const tenantOf = (upnOrName: string) => {
    const key = upnOrName.includes('@') ? upnOrName.split('@')[1]! : upnOrName;
    const t = findTenant(store, key);
    if (!t) throw new Error(`no tenant '${key}' (known: ${store.tenants().map((x) => x.tenant.name).join(', ')})`);
    return t;
  };
  const moveClock = async (change: () => void) => {
    change();
    await store.updateSystem((s) => {
      s.clock = clock.snapshot();
    });
    await ctx.tick();
    await ctx.mail.settle();
    return clock.now();
  };
  return {
    urls: { http: urls.http!, https: urls.https!, smtp: urls.smtp! },
    caPem: ctx.tls.caCertPem,
    tenants: store.tenants().map((t) => ({ id: t.tenant.id, name: t.tenant.name, domain: t.tenant.domain, users: t.users.map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName })) })),
    async tokenFor(upn, opts = {}) {
      const t = tenantOf(opts.tenant ?? upn);
      const user = findUser(t, upn);
      if (!user) throw new Error(`no user ${upn} in ${t.tenant.name}`);
      const client = findClient(t, Object.keys(WELL_KNOWN_PUBLIC_CLIENTS)[0]!)!;
      const scopes = opts.scopes ?? DEFAULT_DELEGATED;
      const res = await ctx.tokens.userTokens({
        tenant: t, user, client, scopes, resource: GRAPH_RESOURCE, scopeEcho: scopes.map((s) => `${GRAPH_RESOURCE}/${s}`).join(' '),
        amr: opts.mfa ? ['pwd', 'mfa'] : ['pwd'], acrs: opts.acrs ?? [], issuerBase: urls.https!,
      });
      return res.access_token;
    },
    async appToken(clientId, opts = {}) {
      const t = tenantOf(opts.tenant ?? 'contoso');
      const app = t.applications.find((a) => a.appId === clientId.toLowerCase() && !a.publicClient);
      if (!app) throw new Error(`no confidential application ${clientId} in ${t.tenant.name}`);
      const res = await ctx.tokens.appToken(t, app, opts.roles ?? app.applicationPermissions, GRAPH_RESOURCE, `${GRAPH_RESOURCE}/.default`, urls.https!);
      return res.access_token;
    },
    mfaCode(upn, tenant) {
      const t = tenantOf(tenant ?? upn);
      const user = findUser(t, upn);
      if (!user) throw new Error(`no user ${upn} in ${t.tenant.name}`);
      return currentCode(user.mfaSecret, ctx.time.nowMs(t)).code;
    },
    clock: {
      now: () => clock.now(),
      advance: (duration) => moveClock(() => clock.advance(parseDuration(duration))),
      set: (instant) => {
        const ms = instant instanceof Date ? instant.getTime() : parseDateTimeOffset(instant);
        if (ms === undefined) throw new Error(`'${String(instant)}' is not a date-time with an offset`);
        return moveClock(() => clock.set(ms));
      },
      freeze: (on = true) => moveClock(() => clock.freeze(on)),
    },
    inbox: {
      list: (filter) => ctx.mail.inbox.list(filter),
      async waitFor(filter, timeoutMs = 10_000) {
        const m = await ctx.mail.inbox.waitFor(filter, timeoutMs);
        if (!m) throw new Error(`no mail matching ${JSON.stringify(filter)} within ${timeoutMs} ms; the inbox holds: ${ctx.mail.inbox.list().map((x) => `"${x.subject}" to ${x.to.map((a) => a.address).join(',')}`).join('; ') || 'nothing'}`);
        return m;
      },
    },
    faults: { add: (spec) => ctx.faults.add(spec), list: () => ctx.faults.list(), clear: () => ctx.faults.clear() },
    reset: () => ctx.reset(),
    close: () => emulator.close(),
    emulator,
  };
}
