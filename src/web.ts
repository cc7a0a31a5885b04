import type { FastifyRequest } from 'fastify';

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
