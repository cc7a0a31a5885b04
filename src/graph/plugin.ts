import type { GraphVersion } from './types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyError } from 'fastify';
import type { AppContext } from '../context.js';
import { findUser } from '../directory/directory.js';
import { hasPimLicense } from '../directory/model.js';
import { TokenInvalid } from '../auth/tokens.js';
import { GraphError, frameworkGraphError, graphErrors, innerErrorDate } from './errors.js';
import type { Caller } from './caller.js';
import { ODataQueryError } from './odata/index.js';
import { PimError } from '../pim/errors.js';
import { registerRoutes } from './routes/index.js';
import { graphQuery } from './query-options.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** Graph type of the request body, for validation messages ("microsoft.graph.unifiedRoleAssignment"). */
    graphType?: string;
    /** A PIM endpoint: needs an Entra ID P2 (or Governance) licence. */
    pim?: boolean;
    /** Query options this route accepts; any other $option is a 400 that names these. */
    query?: readonly string[];
    /** Served without a bearer token ($metadata, as Graph serves it). */
    anonymous?: boolean;
  }
}

/** Graph's JSON content type (reference §10). */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export type { GraphVersion } from './types.js';

/** The diagnostic header Graph adds to every response, naming where it was served. */
const AGS_DIAGNOSTIC = JSON.stringify({ ServerInfo: { DataCenter: 'Local', Slice: 'E', Ring: 'emulator', ScaleUnit: '000', RoleInstance: 'entra-pim-emulator' } });

/**
 * Microsoft Graph under /v1.0 and /beta: request ids, bearer validation, licence gate,
 * query-option check, and the single translator from errors to Graph's envelope.
 */
export async function graphPlugin(app: FastifyInstance, opts: { ctx: AppContext; version: GraphVersion }): Promise<void> {
  const { ctx, version } = opts;

  // Callback hooks rather than async ones: they run on every Graph request, and none waits on anything.
  app.addHook('onRequest', (request, reply, done) => {
    const clientRequestId = header(request, 'client-request-id') || request.id;
    reply.header('request-id', request.id);
    reply.header('client-request-id', clientRequestId);
    reply.header('x-ms-ags-diagnostic', AGS_DIAGNOSTIC);
    try {
      request.caller = request.routeOptions.config?.anonymous ? null : authenticate(ctx, request);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  });

  app.addHook('preHandler', (request, _reply, done) => {
    const config = request.routeOptions.config;
    try {
      if (config.pim && !hasPimLicense(request.caller!.tenant.tenant)) throw graphErrors.licenseRequired();
      request.query = graphQuery(request.query, config.query ?? [], version);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', GRAPH_JSON);
    done(null, payload);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => sendGraphError(ctx, request, reply, toGraphError(error, request)));

  // Graph bodies are JSON: a text or form body is a 415 here, not a string handed to a route.
  app.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseGraphJson(body as string, request.routeOptions.config?.graphType ?? 'microsoft.graph.entity'));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  registerRoutes(app, ctx, version);
}

export function sendGraphError(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, e: GraphError): FastifyReply {
  if (e.status >= 500 && e.status !== 501) request.log.error({ err: e }, 'graph request failed');
  const clientRequestId = header(request, 'client-request-id') || request.id;
  return reply
    .status(e.status)
    .headers({ ...e.headers, 'request-id': request.id, 'client-request-id': clientRequestId })
    .type(GRAPH_JSON)
    .send({ error: { code: e.code, message: e.message, innerError: { date: innerErrorDate(ctx.clock.nowMs()), 'request-id': request.id, 'client-request-id': clientRequestId } } });
}

function toGraphError(error: FastifyError, request: FastifyRequest): GraphError {
  if (error instanceof GraphError) return error;
  if (error instanceof ODataQueryError) return graphErrors.badQuery(error.code, error.message);
  if (error instanceof PimError) return new GraphError(error.status, error.code, error.message);
  const type = request.routeOptions.config?.graphType ?? 'microsoft.graph.entity';
  if (error.validation) {
    const v = error.validation[0]!;
    const params = v.params as Record<string, string>;
    const prop = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (v.keyword === 'additionalProperties') return graphErrors.unknownProperty(params.additionalProperty!, type);
    if (v.keyword === 'required') return graphErrors.missingProperty(params.missingProperty!, type);
    return graphErrors.invalidProperty(prop || 'body', type, v.message ?? 'invalid');
  }
  const refused = frameworkGraphError(error, String(request.headers['content-type'] ?? ''), request.routeOptions.bodyLimit ?? 1048576);
  if (refused) return refused;
  if (error.statusCode && error.statusCode < 500) return new GraphError(error.statusCode, 'BadRequest', error.message);
  // The data directory refused the write (disk full, I/O error): nothing was kept, as Graph's 503 says.
  if (error.name === 'StorageUnavailable') {
    return new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable: the emulator could not save the change to its data directory (its log says why). Nothing was changed. Retry later.', { 'retry-after': '5' });
  }
  return new GraphError(500, 'InternalServerError', `The emulator failed: ${error.message}`);
}

/**
 * A JSON body. JSON.parse keeps `__proto__` as an own property, but code that copies a body with
 * Object.assign would set a prototype from it: such a key is refused where it stands, as the
 * property no Graph type has (the route's schema would say the same of any other unknown name).
 */
function parseGraphJson(text: string, type: string): unknown {
  if (text.trim() === '') throw graphErrors.invalidJson();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw graphErrors.invalidJson();
  }
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (!Array.isArray(v) && Object.hasOwn(v, '__proto__')) throw graphErrors.unknownProperty('__proto__', type);
    stack.push(...Object.values(v));
  }
  return value;
}

function authenticate(ctx: AppContext, request: FastifyRequest): Caller {
  const auth = header(request, 'authorization');
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  if (!m) throw graphErrors.tokenMissing();
  const raw = m[1]!.trim();
  if (raw.split('.').length !== 3) throw graphErrors.tokenMalformed();
  let claims;
  try {
    claims = ctx.tokens.verifyAccessToken(raw, header(request, 'x-forwarded-host') ?? header(request, 'host'));
  } catch (e) {
    if (e instanceof TokenInvalid) {
      if (e.reason === 'expired') throw graphErrors.tokenExpired();
      if (e.reason === 'notYetValid') throw graphErrors.tokenNotYetValid();
      if (e.reason === 'audience') throw graphErrors.tokenAudience();
      if (e.reason === 'issuer') throw graphErrors.tokenIssuer();
      if (e.reason === 'malformed') throw graphErrors.tokenUndecodable();
    }
    throw graphErrors.tokenInvalid();
  }
  const tenant = ctx.store.tenant(claims.tid)!;
  const nowMs = ctx.time.nowMs(tenant);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  if (claims.idtyp === 'app') {
    const app = tenant.applications.find((a) => a.id === claims.oid);
    if (!app) throw graphErrors.tokenInvalid();
    return { tenant, kind: 'app', id: app.id, user: undefined, app, clientId: str(claims.appid), scopes: [], roles: list(claims.roles), amr: [], acrs: [], nowMs };
  }
  const user = findUser(tenant, claims.oid);
  if (!user || !user.accountEnabled) throw graphErrors.tokenInvalid();
  return {
    tenant, kind: 'user', id: user.id, user, app: undefined, clientId: str(claims.appid),
    scopes: str(claims.scp).split(' ').filter(Boolean), roles: [], amr: list(claims.amr), acrs: list(claims.acrs), nowMs,
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
