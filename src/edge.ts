import { AUTHORIZATION_TYPES } from './arm/errors.js';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import { newGuid } from './ids.js';
import { AadError } from './auth/errors.js';
import { frameworkGraphError, innerErrorDate } from './graph/errors.js';

/**
 * What happens at the edge, before (or instead of) a route: the socket limits, the URL the router
 * sees, and the answer to whatever Node or Fastify rejects on their own (malformed URLs, headers too
 * large, slow clients, bodies no parser takes). Every answer is in the shape of the family the path
 * belongs to: Graph's envelope under /v1.0 and /beta, Entra's OAuth error on sign-in paths, and the
 * control plane's `{"error":{"code","message"}}` elsewhere — never a framework's own body.
 */

/**
 * Socket limits, chosen so a client that trickles its headers or body (Slowloris) is cut within
 * seconds while the emulator's own clients (loopback, a container network) never come near them.
 * Node checks them every CHECK_INTERVAL, so a cut happens at most that much after the limit.
 */
export const SOCKET_LIMITS = {
  /** The request line and every header must arrive within this (Node's default: 60 s). */
  headersTimeoutMs: 5_000,
  /** The whole request, body included, must arrive within this (Node's default: 300 s). */
  requestTimeoutMs: 6_000,
  /** How often Node checks the two limits above (Node's default: 30 s, which makes every cut late). */
  connectionsCheckingIntervalMs: 500,
  /** An idle keep-alive connection is closed after this (Fastify's default: 72 s). */
  keepAliveTimeoutMs: 5_000,
  /** Header bytes per request (Node's default); more is 431. */
  maxHeaderSize: 16_384,
} as const;

export const serverOptions = (): http.ServerOptions => ({
  headersTimeout: SOCKET_LIMITS.headersTimeoutMs,
  requestTimeout: SOCKET_LIMITS.requestTimeoutMs,
  connectionsCheckingInterval: SOCKET_LIMITS.connectionsCheckingIntervalMs,
  keepAliveTimeout: SOCKET_LIMITS.keepAliveTimeoutMs,
  maxHeaderSize: SOCKET_LIMITS.maxHeaderSize,
});

export type PathFamily = 'graph' | 'signin' | 'control';

const GRAPH_PREFIX = /^\/(v1\.0|beta)(?=[/?#]|$)/i;
const SIGNIN_PATH = /^\/[^/?]+\/(oauth2\/|v2\.0\/\.well-known\/|\.well-known\/|discovery\/)/;

export function familyOf(url: string): PathFamily {
  if (GRAPH_PREFIX.test(url)) return 'graph';
  if (SIGNIN_PATH.test(url) && !url.startsWith('/_emulator/')) return 'signin';
  return 'control';
}

/**
 * The URL the router sees: Graph's version segment in any case (`/V1.0/me`, `/Beta/...`) is served
 * as the lower-case one, as Graph's own routing does not distinguish them.
 */
export function rewriteUrl(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const m = GRAPH_PREFIX.exec(url);
  if (m) return m[1] !== m[1]!.toLowerCase() ? `/${m[1]!.toLowerCase()}${url.slice(m[0].length)}` : url;
  return canonicalArmUrl(url);
}

const ARM_ROOT = /^\/(?:providers\/microsoft\.subscription\/)?subscriptions\//i;
const APPROVALS = /^\/providers\/microsoft\.authorization\/(roleassignmentapprovals|roleassignmentschedulerequests)(?=[/?]|$)/i;
const AUTHORIZATION = /\/providers\/microsoft\.authorization\/([^/?]+)/gi;

/**
 * ARM compares its fixed path words case-insensitively (`/subscriptions/{s}/resourcegroups/{rg}/providers/microsoft.authorization/roleassignments`);
 * the router sees them in the SPEC's casing. The SPEC's activation example also names the
 * subscription as `providers/Microsoft.Subscription/subscriptions/{sub}` (arm-pim-reference §2.3).
 */
export function canonicalArmUrl(url: string): string {
  // Tenant-level approvals of Azure role activations (…/roleAssignmentApprovals/{id}/stages/{id}) and the approver's list (…/roleAssignmentScheduleRequests).
  if (APPROVALS.test(url)) return url.replace(APPROVALS, (_all, type: string) => `/providers/Microsoft.Authorization/${type.toLowerCase() === 'roleassignmentapprovals' ? 'roleAssignmentApprovals' : 'roleAssignmentScheduleRequests'}`).replace(/^([^?]*\/roleAssignmentApprovals\/[^/?]+\/)stages(?=[/?]|$)/i, '$1stages');
  if (!ARM_ROOT.test(url)) return url;
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  path = path
    .replace(ARM_ROOT, '/subscriptions/')
    .replace(/^(\/subscriptions\/[^/]+)\/resourcegroups\//i, '$1/resourceGroups/')
    .replace(AUTHORIZATION, (_all, type: string) => `/providers/Microsoft.Authorization/${AUTHORIZATION_TYPES.find((t) => t.toLowerCase() === type.toLowerCase()) ?? type}`);
  return q < 0 ? path : `${path}${url.slice(q)}`;
}

/** The error body for a family, for answers written before a request object exists. */
function body(family: PathFamily, ctx: AppContext, status: number, code: string, message: string, requestId: string, clientRequestId?: string): Record<string, unknown> {
  if (family === 'graph') {
    return { error: { code, message, innerError: { date: innerErrorDate(ctx.clock.nowMs()), 'request-id': requestId, 'client-request-id': clientRequestId || requestId } } };
  }
  if (family === 'signin') return signInError(status, message).body(ctx.clock.nowMs(), clientRequestId);
  return { error: { code, message } };
}

/** Entra's OAuth error for what the framework rejects on a sign-in path (AADSTS90000-series invalid_request). */
const signInError = (status: number, message: string) =>
  new AadError(status, status >= 500 ? 'temporarily_unavailable' : 'invalid_request', status === 413 ? 90001 : 90000, message);

/** A request Fastify rejected before a route ran, in the family's shape. */
export function sendEdgeError(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const family = familyOf(request.url);
  const clientRequestId = header(request, 'client-request-id');
  if (family === 'graph') {
    reply.headers({ 'request-id': request.id, 'client-request-id': clientRequestId || request.id });
    reply.type('application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8');
  } else if (family === 'signin') {
    reply.header('cache-control', 'no-store, no-cache');
  }
  return reply.status(status).send(body(family, ctx, status, code, message, request.id, clientRequestId));
}

/** Fastify's frameworkErrors: a URL it cannot decode or route. */
export function frameworkErrors(ctx: AppContext) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const url = request.raw.url ?? request.url;
    const message =
      error.code === 'FST_ERR_BAD_URL'
        ? `The request URL '${truncate(url)}' is not valid: it has a malformed percent-encoding.`
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? `A segment of the request URL '${truncate(url)}' is longer than the emulator accepts (1000 characters).`
          : error.message;
    void sendEdgeError(ctx, request, reply, 400, 'BadRequest', message);
  };
}

/**
 * Errors from the root error handler (sign-in routes, the portal, anything outside the Graph and
 * control-plane plugins, which have their own): a client error keeps its status; nothing from input is a 5xx.
 */
export function rootErrorHandler(ctx: AppContext) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const graph = familyOf(request.url) === 'graph';
    // A Graph path no route takes (another method, an unknown segment) still had its body read:
    // that refusal is in Graph's words, as on the Graph routes themselves.
    const refused = graph ? frameworkGraphError(error, String(request.headers['content-type'] ?? ''), request.routeOptions.bodyLimit ?? 1048576) : undefined;
    if (refused) return sendEdgeError(ctx, request, reply, refused.status, refused.code, refused.message);
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : error instanceof SyntaxError ? 400 : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message = status >= 500 ? `The emulator failed: ${error.message}` : describeClientError(error);
    // Codes as the family words them: Graph's (graph/plugin.ts) under /v1.0 and /beta, the control plane's elsewhere.
    const code = status >= 500 ? (graph ? 'InternalServerError' : 'InternalError') : graph ? 'BadRequest' : 'InvalidRequest';
    return sendEdgeError(ctx, request, reply, status, code, message);
  };
}

/**
 * Outside Graph (which answers in OData's words, graph/query-options.ts), a query parameter given
 * twice is refused before a route sees it: routes read single strings, and an array where a string
 * was expected must never become a 5xx.
 */
export function rejectRepeatedParameters(ctx: AppContext) {
  // A callback hook (it runs on every request): done() to go on, or the reply sent and no done().
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const query = request.query as Record<string, unknown> | undefined;
    const repeated = familyOf(request.url) !== 'graph' && query && typeof query === 'object' ? Object.keys(query).find((k) => Array.isArray(query[k])) : undefined;
    if (repeated === undefined) return done();
    sendEdgeError(ctx, request, reply, 400, 'InvalidRequest', `Query parameter '${repeated}' is given more than once.`);
  };
}

/** A client error Fastify raised, worded for the caller. */
export function describeClientError(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `The request body is larger than the emulator accepts (${error.message}).`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Unsupported Content-Type: ${error.message}`;
    default:
      return error.message;
  }
}

/**
 * The path of the request each connection is receiving, from the moment its headers are in until it
 * is answered. Node's clientError for a request that took too long carries no rawPacket, so a body
 * trickled to /v1.0 would otherwise be answered in the wrong family's shape. (A request whose
 * headers never completed has no known path: it is answered in the control plane's shape.)
 */
const receiving = new WeakMap<object, string>();

/** Hooks that keep `receiving` current, on the one app both listeners route into. */
export function trackReceivingPaths(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    receiving.set(request.raw.socket, request.raw.url ?? '');
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    if (receiving.get(request.raw.socket) === (request.raw.url ?? '')) receiving.delete(request.raw.socket);
    done();
  });
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' };

/**
 * Node's clientError: what its HTTP parser refuses (headers too large, a malformed request line, a
 * request that took too long). The path is read from the bytes received so far (or, for a request
 * cut while its body arrives, from `receiving`), to answer in the family's shape; the connection is closed either way.
 */
export function clientErrorHandler(ctx: AppContext) {
  return (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_URI_TOO_LONG' ? 414 : 400;
    const requestLine = err.rawPacket ? err.rawPacket.subarray(0, 8192).toString('latin1').split('\r\n')[0]! : '';
    const path = requestLine.split(' ')[1] ?? receiving.get(socket) ?? '';
    const family = familyOf(path);
    const [code, message] =
      status === 431
        ? ['RequestHeaderFieldsTooLarge', `The request headers are larger than the emulator accepts (${SOCKET_LIMITS.maxHeaderSize} bytes).`]
        : status === 408
          ? ['RequestTimeout', `The request did not arrive in time: headers must arrive within ${SOCKET_LIMITS.headersTimeoutMs / 1000} s and the whole request within ${SOCKET_LIMITS.requestTimeoutMs / 1000} s.`]
          : status === 414
            ? ['RequestUriTooLong', 'The request URL is longer than the emulator accepts.']
            : ['BadRequest', 'The request is not valid HTTP/1.1.'];
    const id = newGuid();
    const text = JSON.stringify(body(family, ctx, status, code, message, id));
    const type = family === 'graph' ? 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' : 'application/json; charset=utf-8';
    const extra = family === 'graph' ? `request-id: ${id}\r\nclient-request-id: ${id}\r\n` : '';
    const response = `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}Connection: close\r\n\r\n${text}`;
    // Write, then close whatever the client does: a Slowloris client may never read nor close.
    socket.write(response, () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}

/** The HTTPS listener: the same app, the same limits and the same clientError answers as HTTP. */
export function createHttpsServer(ctx: AppContext, tls: { keyPem: string; certPem: string }, handler: http.RequestListener): https.Server {
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem, ...serverOptions() }, handler);
  server.on('clientError', clientErrorHandler(ctx));
  return server;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

