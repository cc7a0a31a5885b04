import type { FastifyRequest } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The scheme://host:port the client used, so issuers, metadata and links match what the client
 * sees (MSAL rejects an issuer on another host or port). A proxy's X-Forwarded-* headers win.
 */
export function baseUrl(request: FastifyRequest): string {
  const proto = firstHeader(request.headers['x-forwarded-proto']) ?? request.protocol;
  const host = firstHeader(request.headers['x-forwarded-host']) ?? request.headers.host ?? `${request.hostname}`;
  return `${proto}://${host}`;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.split(',')[0]!.trim() : undefined;
}

/**
 * Route schemas are the same in every emulator a process builds (a test suite builds hundreds), so
 * each is compiled once per process, and only when its route is first called: Ajv compilation was
 * most of a test-kit start and a fifth of a cold start (issue #11). The options are Fastify's
 * defaults with ours on top: unknown body properties are reported (Graph does), never dropped; no
 * type coercion.
 */
const ajv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: false });
type RouteValidator = ((data: unknown) => boolean) & { errors?: ValidateFunction['errors'] };
const validators = new Map<string, RouteValidator>();
export function compileRouteSchema({ schema, httpPart }: { schema: unknown; httpPart?: string }): RouteValidator {
  const key = `${httpPart ?? ''} ${JSON.stringify(schema)}`;
  let validator = validators.get(key);
  if (!validator) {
    let compiled: ValidateFunction | undefined;
    // Fastify reads `errors` off the function it called, as it would off Ajv's own.
    const lazy: RouteValidator = (data) => {
      compiled ??= ajv.compile(schema as object);
      const ok = compiled(data) as boolean;
      lazy.errors = compiled.errors;
      return ok;
    };
    validator = lazy;
    validators.set(key, validator);
  }
  return validator;
}
