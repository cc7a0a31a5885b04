import type { FastifyRequest } from 'fastify';
import type { JwtCodec } from '../auth/tokens.js';
import type { TenantData } from '../directory/model.js';
import { findTenant } from '../directory/directory.js';
import type { Store } from '../store/store.js';

/**
 * The tenant a request is for, without verifying anything: the token's tid on Graph, the first path
 * segment on sign-in, the {tenant} of a control-plane path. Only to pick a tenant's faults and to
 * file the request log; nothing is authorised by it.
 */
export function requestTenant(store: Store, jwt: JwtCodec) {
  return (request: FastifyRequest, path: string): TenantData | undefined => {
    if (/^\/(v1\.0|beta)\//.test(path)) {
      const m = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '');
      const tid = m ? jwt.decode(m[1]!)?.tid : undefined;
      return typeof tid === 'string' ? store.tenant(tid) : undefined;
    }
    const named = (request.params as Record<string, string> | undefined)?.tenant;
    return named ? findTenant(store, named) : undefined;
  };
}

export type RequestTenant = ReturnType<typeof requestTenant>;
