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
 * each is compiled once per process instead of once per app: Ajv compilation was most of a test-kit
 * start (issue #11). The options are Fastify's defaults with ours on top: unknown body properties
 * are reported (Graph does), never dropped; no type coercion.
 */
const ajv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: false });
const validators = new Map<string, ValidateFunction>();
export function compileRouteSchema({ schema, httpPart }: { schema: unknown; httpPart?: string }): ValidateFunction {
  const key = `${httpPart ?? ''} ${JSON.stringify(schema)}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema as object);
    validators.set(key, validate);
  }
  return validate;
}
