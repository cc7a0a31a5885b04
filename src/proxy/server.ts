import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { issueLeafCertificate, type CaMaterial } from '../tls.js';
import { PROXY_HOSTS, serviceOfHost, serviceOfPath, type Service } from './hosts.js';

/**
 * Proxy mode: an HTTP proxy that unmodified clients reach through HTTPS_PROXY. It answers
 * CONNECT for Microsoft's sign-in, Graph and ARM host names by terminating TLS itself, with one
 * leaf for those names issued by the emulator's CA, and hands each request to the emulator's
 * one Fastify app; absolute-form plain-HTTP requests (`GET http://graph.microsoft.com/…`, and the
 * `GET https://…` axios sends to a proxy) go the same way. Every other host is refused at once,
 * naming the host: nothing is ever forwarded, no connection leaves the machine.
 */
export interface ProxyServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface ProxyOptions {
  host: string;
  port: number;
  ca: CaMaterial;
  /** The emulator's request handler (Fastify's app.routing). */
  route: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  log: FastifyBaseLogger;
  /** Told of every refused request (the emulator lists them in /_emulator/requests). */
  onRefused?: (method: string, target: string, status: number) => void;
}

const SERVED = Object.keys(PROXY_HOSTS).join(', ');

export async function startProxy(opts: ProxyOptions): Promise<ProxyServer> {
  const leaf = await issueLeafCertificate(opts.ca, Object.keys(PROXY_HOSTS));
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  /** Hands a request for `host` to the app, or answers it here when the host or path is not served. */
  const dispatch = (req: http.IncomingMessage, res: http.ServerResponse, host: string, scheme: 'http' | 'https') => {
    const service = serviceOfHost(host);
    if (!service) {
      opts.onRefused?.(req.method ?? 'GET', `${scheme}://${host}${req.url ?? ''}`, 403);
      return refuse(res, host);
    }
    const path = req.url ?? '/';
    const wanted = serviceOfPath(path);
    if (wanted !== service) return wrongHost(res, host, service, path);
    // baseUrl() trusts X-Forwarded-*: only the proxy may say which name and scheme the client used.
    req.headers['x-forwarded-proto'] = scheme;
    req.headers['x-forwarded-host'] = host;
    opts.route(req, res);
  };

  // TLS for the tunnelled connections. It never listens: CONNECT hands it the client's socket.
  const tlsServer = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    dispatch(req, res, hostOnly(req.headers.host ?? ''), 'https');
  });
  // A client that does not trust the CA aborts the handshake: its own error says so; we go on serving.
  tlsServer.on('tlsClientError', (err, socket) => {
    opts.log.debug({ err: err.message }, 'proxy: TLS handshake failed (does the client trust the emulator CA?)');
    socket.destroy();
  });

  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return send(res, 400, 'Not a proxy request', {
        code: 'NotAProxyRequest',
        message: `This is the emulator's proxy port: send absolute-form requests (GET http://graph.microsoft.com/v1.0/…) or CONNECT host:443, as HTTPS_PROXY clients do. The emulator itself answers on PIM_HTTP_PORT / PIM_HTTPS_PORT.`,
      });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      opts.onRefused?.(req.method ?? 'GET', String(req.url), 403);
      return refuse(res, target.host || String(req.url));
    }
    req.url = `${target.pathname}${target.search}`;
    req.headers.host = target.host;
    dispatch(req, res, target.hostname, target.protocol === 'https:' ? 'https' : 'http');
  });
  server.on('connection', track);

  server.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', (err) => opts.log.debug({ err: err.message }, 'proxy: client socket error'));
    const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):(\d{1,5})$/.exec(req.url ?? '');
    if (!m) {
      return reject(socket, 400, 'Bad Request', `Malformed CONNECT target '${req.url ?? ''}': expected host:port, e.g. CONNECT graph.microsoft.com:443.`);
    }
    const host = m[1]!.toLowerCase();
    const port = Number(m[2]);
    if (!serviceOfHost(host) || port !== 443) opts.onRefused?.('CONNECT', `${host}:${port}`, 403);
    if (!serviceOfHost(host)) {
      return reject(socket, 403, `Host ${host} is not emulated`, refusal(`${host}:${port}`));
    }
    if (port !== 443) {
      return reject(socket, 403, `Port ${port} is not emulated`, `pim-emulator proxy: refusing CONNECT to ${host}:${port}. The emulator answers ${host} on port 443 only; it never forwards anything.`);
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    tlsServer.emit('connection', socket);
  });

  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    const body = `pim-emulator proxy: malformed request (${(err as NodeJS.ErrnoException).code ?? err.message}).\n`;
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      tlsServer.close();
    },
  };
}

function refusal(target: string): string {
  return `pim-emulator proxy: refusing ${target}. Proxy mode answers only for Microsoft's sign-in, Graph and ARM host names (${SERVED}) and never forwards anything: no traffic leaves this machine.`;
}

function refuse(res: http.ServerResponse, host: string): void {
  send(res, 403, `Host ${host} is not emulated`, { code: 'HostNotEmulated', message: refusal(host) });
}

function wrongHost(res: http.ServerResponse, host: string, service: Service, path: string): void {
  const where: Record<Service, string> = {
    signin: 'sign-in (/{tenant}/oauth2/v2.0/…, /{tenant}/v2.0/.well-known/openid-configuration, /common/discovery/instance, /common/userrealm/{upn})',
    graph: 'Microsoft Graph (/v1.0/…, /beta/…)',
    arm: 'Azure Resource Manager (/subscriptions, /tenants, /metadata/endpoints)',
  };
  send(res, 404, 'Not Found', {
    code: 'NotFound',
    message: `${host} does not serve ${path.split('?')[0]}: under this name the emulator serves ${where[service]}.`,
  });
}

function send(res: http.ServerResponse, status: number, reason: string, error: { code: string; message: string }): void {
  const body = JSON.stringify({ error });
  res.writeHead(status, reason, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers a CONNECT without a tunnel; the reason phrase names the host (Python's requests shows only that). */
function reject(socket: Socket, status: number, reason: string, message: string): void {
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function hostOnly(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0]!;
}
