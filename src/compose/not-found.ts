import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { AadError } from '../auth/errors.js';
import { armErrors } from '../arm/errors.js';
import { sendArm } from '../arm/routes.js';
import { familyOf } from '../edge.js';
import { graphErrors } from '../graph/errors.js';
import { sendGraphError } from '../graph/plugin.js';
import { serviceOfPath } from '../proxy/hosts.js';

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

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** No route: 405 when the path has other methods, else a 404 in the shape of the path's family that says what is served. */
export function registerNotFound(app: FastifyInstance, ctx: AppContext, routes: ReadonlyArray<{ url: string }>): void {
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
        return reply.status(405).header('cache-control', 'no-store, no-cache').send(e.body(ctx.clock.nowMs()));
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
}
