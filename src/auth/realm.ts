import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { findTenant, tenantOfUpn } from '../directory/directory.js';
import { PROXY_HOSTS, SIGNIN_HOST } from '../proxy/hosts.js';
import { baseUrl } from '../web.js';
import { AadError, aad } from './errors.js';
import { GRANTS } from './grants/index.js';

/** Authorities that name no tenant. */
const MULTI_TENANT = new Set(['common', 'organizations']);
const MICROSOFT_SIGNIN_ALIASES = Object.entries(PROXY_HOSTS).filter(([, s]) => s === 'signin').map(([h]) => h);

/**
 * What real clients ask the sign-in service before the token (issue 13): instance discovery
 * (MSAL, every client that is not told to skip it), user-realm discovery (MSAL's
 * username/password flow), and the v1 token endpoint (`resource=` instead of `scope=`).
 */
export async function realmPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;

  // GET /common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize
  app.get<{ Params: { tenant: string }; Querystring: Record<string, string | undefined> }>('/:tenant/discovery/instance', async (request, reply) => {
    const endpoint = request.query.authorization_endpoint;
    const own = new URL(baseUrl(request)).host;
    let authority: URL | undefined;
    try {
      authority = endpoint ? new URL(endpoint) : undefined;
    } catch {
      authority = undefined;
    }
    const known = authority && (MICROSOFT_SIGNIN_ALIASES.includes(authority.host.toLowerCase()) || authority.host.toLowerCase() === own.toLowerCase());
    if (!authority || !known) return sendAad(ctx, reply, aad.invalidInstance(endpoint));
    const tenant = authority.pathname.split('/').filter(Boolean)[0] ?? 'common';
    const v2 = /\/v2\.0\//.test(authority.pathname);
    const metadata = [{ preferred_network: SIGNIN_HOST, preferred_cache: 'login.windows.net', aliases: MICROSOFT_SIGNIN_ALIASES }];
    // Reached as the emulator itself (https://localhost:8443), the emulator is a cloud of its own.
    if (!MICROSOFT_SIGNIN_ALIASES.includes(own.toLowerCase())) metadata.push({ preferred_network: own, preferred_cache: own, aliases: [own] });
    return {
      tenant_discovery_endpoint: `${authority.protocol}//${authority.host}/${tenant}${v2 ? '/v2.0' : ''}/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata,
    };
  });

  // GET /common/userrealm/{upn}?api-version=1.0: Managed for every domain of an emulated tenant.
  app.get<{ Params: { tenant: string; upn: string }; Querystring: Record<string, string | undefined> }>('/:tenant/userrealm/:upn', async (request) => {
    const upn = request.params.upn;
    const t = tenantOfUpn(ctx.store, upn);
    if (request.query['api-version'] === '2.0') {
      return t
        ? { NameSpaceType: 'Managed', Login: upn, DomainName: t.tenant.domain, FederationBrandName: t.tenant.displayName, TenantBrandingInfo: null, cloud_instance_name: 'microsoftonline.com' }
        : { NameSpaceType: 'Unknown', Login: upn, DomainName: upn.split('@')[1] ?? '', FederationBrandName: null, TenantBrandingInfo: null, cloud_instance_name: 'microsoftonline.com' };
    }
    return t
      ? { ver: '1.0', account_type: 'Managed', domain_name: t.tenant.domain, cloud_instance_name: 'microsoftonline.com', cloud_audience_urn: 'urn:federation:MicrosoftOnline' }
      : { ver: '1.0', account_type: 'Unknown', cloud_instance_name: 'microsoftonline.com' };
  });

  // POST /{tenant}/oauth2/token: the v1 endpoint. `resource` names what the token is for; the
  // grants are the v2 ones, and the answer carries v1's extra fields (resource, expires_on, not_before).
  app.post<{ Params: { tenant: string }; Body: Record<string, string> }>('/:tenant/oauth2/token', async (request, reply) => {
    const key = request.params.tenant;
    try {
      const tenant = MULTI_TENANT.has(key.toLowerCase()) ? undefined : findTenant(ctx.store, key);
      if (!tenant && !MULTI_TENANT.has(key.toLowerCase())) throw aad.tenantNotFound(key);
      const form = { ...((request.body ?? {}) as Record<string, string | undefined>) };
      const grantType = form.grant_type;
      if (!grantType) throw aad.missingParameter('grant_type');
      const grant = GRANTS[grantType];
      if (!grant) throw aad.unsupportedGrantType(grantType, Object.keys(GRANTS));
      const resource = form.resource;
      if (!resource) throw aad.missingParameter('resource');
      form.scope = `${resource}/.default`;
      const response = await grant({
        form, tenant, tenantKey: key, issuerBase: baseUrl(request), clientSecret: form.client_secret ?? basicSecret(request),
        store: ctx.store, clock: ctx.clock, time: ctx.time, tokens: ctx.tokens, flows: ctx.authFlows,
      });
      const now = Math.floor((tenant ? ctx.time.nowMs(tenant) : ctx.clock.nowMs()) / 1000);
      return reply.header('cache-control', 'no-store, no-cache').header('pragma', 'no-cache').send({
        ...response,
        expires_in: String(response.expires_in),
        ext_expires_in: String(response.ext_expires_in),
        expires_on: String(now + response.expires_in),
        not_before: String(now),
        resource,
      });
    } catch (e) {
      if (e instanceof AadError) return sendAad(ctx, reply, e);
      throw e;
    }
  });
}

function basicSecret(request: FastifyRequest): string | undefined {
  const m = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i >= 0 ? decodeURIComponent(decoded.slice(i + 1)) : undefined;
}

/** As auth/routes.ts sends them: always JSON, never Retry-After. */
function sendAad(ctx: AppContext, reply: FastifyReply, e: AadError): FastifyReply {
  return reply.status(e.status).header('cache-control', 'no-store, no-cache').send(e.body(ctx.clock.nowMs()));
}
