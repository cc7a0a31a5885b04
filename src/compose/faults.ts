import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AadError } from '../auth/errors.js';
import { defaultError, type Fault } from '../emulator/faults.js';
import { GraphError } from '../graph/errors.js';
import { sendGraphError } from '../graph/plugin.js';
import type { RequestTenant } from './request-tenant.js';

/**
 * Faults (/_emulator/faults) apply before anything else, authentication included, each in the shape
 * of the path's family; the control plane is never faulted.
 */
export function registerFaults(app: FastifyInstance, ctx: AppContext, tenantOfRequest: RequestTenant): void {
  // A callback hook (it runs on every request): with no fault it goes on at once; a matched fault
  // continues in the async body below.
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0]!;
    const fault = path.startsWith('/_emulator') ? undefined : ctx.faults.match(request.method, path, ctx.faults.hasTenantFaults ? tenantOfRequest(request, path)?.tenant.id : undefined);
    if (!fault) return done();
    inject(request, reply, path, fault).then(() => {
      if (!reply.sent) done();
    }, done);
  });
  const inject = async (request: FastifyRequest, reply: FastifyReply, path: string, fault: Fault) => {
    if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.status === undefined && !fault.aad) return;
    const status = fault.status ?? 400;
    const retryAfter = fault.retryAfter ?? (status === 429 || status === 503 ? 1 : undefined);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    if (/\/oauth2\/v2\.0\/(token|devicecode)$/.test(path)) {
      const e = fault.aad
        ? new AadError(status, fault.aad.error, fault.aad.aadsts, fault.aad.description ?? 'The emulator injected this error (/_emulator/faults).')
        : new AadError(status, status >= 500 ? 'temporarily_unavailable' : 'invalid_request', status >= 500 ? 90033 : 90000, 'The emulator injected this error (/_emulator/faults).');
      return reply.status(status).send(e.body(ctx.clock.nowMs()));
    }
    const body = { ...defaultError(status), ...fault.error };
    if (/^\/(v1\.0|beta)\//.test(path)) return sendGraphError(ctx, request, reply, new GraphError(status, body.code, body.message));
    return reply.status(status).send({ error: body });
  };
}

/** Every answered request goes to the request log (/_emulator/requests), filed under its tenant. */
export function registerRequestLog(app: FastifyInstance, ctx: AppContext, tenantOfRequest: RequestTenant): void {
  // A callback hook (it runs on every request; nothing in it waits).
  app.addHook('onResponse', (request, reply, done) => {
    try {
      log(request, reply);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  });
  const log = (request: FastifyRequest, reply: FastifyReply): void => {
    const path = request.url.split('?')[0]!;
    // Reading the log is not logged (it would fill the log with itself).
    if (path.startsWith('/_emulator/requests') || /^\/_emulator\/tenants\/[^/]+\/requests$/.test(path)) return;
    const caller = request.caller;
    const tenant = caller?.tenant ?? tenantOfRequest(request, path);
    ctx.requests.add({
      time: new Date(ctx.time.nowMs(tenant)).toISOString(),
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      tenant: tenant?.tenant.name ?? null,
      caller: caller ? (caller.kind === 'user' ? caller.user!.userPrincipalName : `app:${caller.app!.appId}`) : null,
      requestId: request.id,
    });
  };
}
