import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName, Wait, type StartedTestContainer } from 'testcontainers';
import { PACKAGE_ROOT } from './config.js';
import { VERSION } from './version.js';
import type { FaultSpec, Fault } from './emulator/faults.js';

/**
 * The emulator as a Testcontainers module (`entra-pim-emulator/testcontainers`): the Docker image,
 * started and waited on, with the same helpers as the in-process test kit (src/testkit.ts) — over
 * the control plane's HTTP API, since the emulator runs in another process:
 *
 *   const pim = await new PimEmulatorContainer().start();
 *   const token = await pim.tokenFor('pimuser@contoso.onmicrosoft.com', { mfa: true });
 *   await fetch(`${pim.urls.http}/v1.0/me`, { headers: { authorization: `Bearer ${token}` } });
 *   await pim.clock.advance('PT8H');
 *   const mail = await pim.inbox.waitFor({ to: 'admin@contoso.onmicrosoft.com', subject: 'activated' });
 *   await pim.stop();
 *
 * `testcontainers` is an optional peer dependency: install it beside this package to use the module.
 */

/** The image `new PimEmulatorContainer()` runs: built from docker/Dockerfile under this name when it is missing. */
export const DEFAULT_IMAGE = `entra-pim-emulator:${VERSION}`;

const CONTAINER_PORTS = { http: 8080, https: 8443, smtp: 2525 } as const;

export interface MailFilter {
  to?: string;
  from?: string;
  subject?: string;
  text?: string;
  /** Mailpit's search syntax (`q`). */
  q?: string;
}

export interface MailSummary {
  id: string;
  messageId: string;
  from: { name: string; address: string };
  to: Array<{ name: string; address: string }>;
  subject: string;
  date: string;
  received: string;
  size: number;
  snippet: string;
}

export interface MailMessage extends Omit<MailSummary, 'snippet'> {
  cc: Array<{ name: string; address: string }>;
  headers: Array<{ key: string; value: string }>;
  text: string;
  html: string;
}

export interface ContainerTenant {
  id: string;
  name: string;
  domain: string;
  users: Array<{ id: string; userPrincipalName: string; displayName: string }>;
}

/** An error answer of the control plane, with its status and `{"error":{code,message}}`. */
export class ControlPlaneError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${status} ${code}: ${message}`);
    this.name = 'ControlPlaneError';
  }
}

export class PimEmulatorContainer {
  private env: Record<string, string> = {};
  private networkMode: string | undefined;
  private buildContext: string | undefined = PACKAGE_ROOT;
  private startupTimeoutMs = 120_000;

  /** `image` defaults to this version's image, built from the checkout's docker/Dockerfile if it is not there yet. */
  constructor(private readonly image: string = DEFAULT_IMAGE) {}

  /** Any PIM_* setting (see `pim-emulator --help`), e.g. `{ PIM_STORAGE: 'memory', PIM_ADMIN_KEY: '…' }`. */
  withEnvironment(env: Record<string, string>): this {
    Object.assign(this.env, env);
    return this;
  }

  /**
   * Run (and build) with this Docker network mode. `host` is for engines without a bridge network
   * (a rootless or sandboxed dockerd): the emulator then listens on free loopback ports of the host.
   */
  withNetworkMode(mode: string): this {
    this.networkMode = mode;
    return this;
  }

  /** Where to build the image from when it is missing (a checkout holding docker/Dockerfile); `false`: never build, the image must exist. */
  withBuildContext(context: string | false): this {
    this.buildContext = context === false ? undefined : context;
    return this;
  }

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    return this;
  }

  async start(): Promise<StartedPimEmulatorContainer> {
    await this.ensureImage();
    const host = this.networkMode === 'host';
    // Host ports are chosen first, so the HTTPS URL (and the certificate's issuer URL) is known before the start.
    const ports = { http: await freePort(), https: await freePort(), smtp: await freePort() };
    const env: Record<string, string> = {
      PIM_STORAGE: 'memory',
      PIM_PUBLIC_URL: `https://localhost:${ports.https}`,
      ...(host ? { PIM_HOST: '127.0.0.1', PIM_HTTP_PORT: String(ports.http), PIM_HTTPS_PORT: String(ports.https), PIM_SMTP_PORT: String(ports.smtp) } : {}),
      ...this.env,
    };
    let container = new GenericContainer(this.image)
      .withEnvironment(env)
      // The banner's Control line is printed once every listener is up, whatever the log level.
      .withWaitStrategy(Wait.forLogMessage(/ {2}Control {6}http:\/\//))
      .withStartupTimeout(this.startupTimeoutMs);
    if (host) container = container.withNetworkMode('host');
    else {
      container = container.withExposedPorts(
        { container: CONTAINER_PORTS.http, host: ports.http },
        { container: CONTAINER_PORTS.https, host: ports.https },
        { container: CONTAINER_PORTS.smtp, host: ports.smtp },
      );
    }
    const started = await container.start();
    const urls = { http: `http://127.0.0.1:${ports.http}`, https: `https://localhost:${ports.https}`, smtp: `smtp://127.0.0.1:${ports.smtp}` };
    try {
      await waitHealthy(urls.http, this.startupTimeoutMs);
      const caPem = await (await fetch(`${urls.http}/_emulator/ca.pem`)).text();
      const tenants = (await control<ContainerTenant[]>(urls.http, 'GET', '/tenants')).map((t) => ({
        id: t.id, name: t.name, domain: t.domain, users: t.users.map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName })),
      }));
      return new StartedPimEmulatorContainer(started, urls, caPem, tenants, env.PIM_ADMIN_KEY);
    } catch (e) {
      await started.stop().catch(() => undefined);
      throw e;
    }
  }

  private async ensureImage(): Promise<void> {
    const client = await getContainerRuntimeClient();
    if (await client.image.exists(ImageName.fromString(this.image))) return;
    const dockerfile = this.buildContext && path.join(this.buildContext, 'docker', 'Dockerfile');
    if (!dockerfile || !existsSync(dockerfile)) {
      throw new Error(`Image ${this.image} is not present and there is no docker/Dockerfile to build it from${this.buildContext ? ` under ${this.buildContext}` : ''}: build it (docker build -f docker/Dockerfile -t ${this.image} .) or pass an image name.`);
    }
    // Through the engine's API, as `docker build` does; the build network follows withNetworkMode (RUN npm ci needs one).
    await client.image.build(this.buildContext!, {
      t: this.image,
      dockerfile: 'docker/Dockerfile',
      ...(this.networkMode ? { networkmode: this.networkMode } : {}),
    } as never);
    if (!(await client.image.exists(ImageName.fromString(this.image)))) {
      throw new Error(`Building ${this.image} from ${dockerfile} failed; run docker build -f docker/Dockerfile -t ${this.image} . to see why.`);
    }
  }
}

/** A running emulator container: its URLs, its CA, and the test kit's helpers over the control plane. */
export class StartedPimEmulatorContainer {
  constructor(
    readonly container: StartedTestContainer,
    readonly urls: { http: string; https: string; smtp: string },
    /** The CA certificate (PEM) to trust for urls.https (NODE_EXTRA_CA_CERTS, an undici Agent, curl --cacert). */
    readonly caPem: string,
    readonly tenants: ContainerTenant[],
    private readonly adminKey?: string,
  ) {}

  private call<T>(method: string, route: string, body?: unknown): Promise<T> {
    return control<T>(this.urls.http, method, route, body, this.adminKey);
  }

  /** A delegated Graph token for a user, with or without MFA (default: the PIM-related scopes). */
  async tokenFor(upn: string, opts: { mfa?: boolean; scopes?: string[]; acrs?: string[]; tenant?: string } = {}): Promise<string> {
    const tenant = opts.tenant ?? upn.split('@')[1]!;
    const r = await this.call<{ access_token: string }>('POST', '/tokens', { tenant, user: upn, ...(opts.mfa !== undefined ? { mfa: opts.mfa } : {}), ...(opts.scopes ? { scopes: opts.scopes } : {}), ...(opts.acrs ? { acrs: opts.acrs } : {}) });
    return r.access_token;
  }

  /** An app-only token for a registered confidential client (default: its granted application permissions). */
  async appToken(clientId: string, opts: { tenant?: string; roles?: string[] } = {}): Promise<string> {
    const r = await this.call<{ access_token: string }>('POST', '/tokens', { tenant: opts.tenant ?? 'contoso', clientId, ...(opts.roles ? { roles: opts.roles } : {}) });
    return r.access_token;
  }

  /** The user's current authenticator code (on its tenant's clock). */
  async mfaCode(upn: string, tenant?: string): Promise<string> {
    const t = tenant ?? upn.split('@')[1]!;
    return (await this.call<{ code: string }>('GET', `/tenants/${encodeURIComponent(t)}/users/${encodeURIComponent(upn)}/mfa-code`)).code;
  }

  readonly clock = {
    now: async (): Promise<Date> => new Date((await this.call<{ now: string }>('GET', '/clock')).now),
    /** Moves the instance clock; answers once what fell due (expiries, reminders) is applied and its mail captured. */
    advance: async (duration: string): Promise<Date> => new Date((await this.call<{ now: string }>('POST', '/clock', { advance: duration })).now),
    set: async (instant: string | Date): Promise<Date> =>
      new Date((await this.call<{ now: string }>('POST', '/clock', { set: instant instanceof Date ? instant.toISOString() : instant })).now),
    freeze: async (on = true): Promise<Date> => new Date((await this.call<{ now: string }>('POST', '/clock', { freeze: on })).now),
  };

  readonly inbox = {
    list: async (filter: MailFilter = {}): Promise<MailSummary[]> => (await this.call<{ messages: MailSummary[] }>('GET', `/mail?${query({ ...filter, limit: '1000' })}`)).messages,
    /** The newest message matching the filter, waiting for it to arrive (at most 60 s, the control plane's limit). */
    waitFor: (filter: MailFilter, timeoutMs = 10_000): Promise<MailMessage> =>
      this.call<MailMessage>('GET', `/mail/latest?${query({ ...filter, wait: `${Math.min(timeoutMs, 60_000)}ms` })}`),
    clear: async (): Promise<void> => {
      await this.call('DELETE', '/mail');
    },
  };

  readonly faults = {
    add: (spec: FaultSpec): Promise<Fault> => this.call<Fault>('POST', '/faults', spec),
    list: async (): Promise<Fault[]> => (await this.call<{ value: Fault[] }>('GET', '/faults')).value,
    clear: async (): Promise<void> => {
      await this.call('DELETE', '/faults');
    },
  };

  /** Back to the seed: state, clock, faults and mail. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  async stop(): Promise<void> {
    await this.container.stop();
  }
}

async function control<T>(http: string, method: string, route: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${http}/_emulator${route}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) {
    let error = { code: 'HttpError', message: text };
    try {
      error = (JSON.parse(text) as { error: typeof error }).error ?? error;
    } catch {
      // not JSON: keep the text
    }
    throw new ControlPlaneError(res.status, error.code, error.message);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

function query(params: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString();
}

/** Health answers 200 once every listener is up. */
async function waitHealthy(http: string, timeoutMs: number): Promise<void> {
  let last = '';
  for (let waited = 0; waited < timeoutMs; waited += 200) {
    try {
      const res = await fetch(`${http}/_emulator/health`);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`The emulator container did not answer 200 at ${http}/_emulator/health within ${timeoutMs} ms (last: ${last}).`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
