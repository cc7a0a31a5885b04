import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { findTenant, findUser } from '../directory/directory.js';
import { baseUrl } from '../web.js';
import { AadError, aad } from './errors.js';
import { signingKey } from './keys.js';
import { GRANTS } from './grants/index.js';
import { issuerOf } from './tokens.js';
import { delegatedScopesFor, findClient, findClientInAnyTenant, parseScopes } from './clients.js';
import { requestedAcrs } from './authorize.js';
import { DEVICE_CODE_SECONDS, DEVICE_POLL_SECONDS } from './flows.js';
import { signInPlugin } from './signin.js';
import { realmPlugin } from './realm.js';

/** Authorities that name no tenant: the tenant comes from the user (or the refresh token). */
const MULTI_TENANT = new Set(['common', 'organizations']);
const SUPPORTED_GRANTS = Object.keys(GRANTS);

/**
 * The Entra v2.0-shaped token service: OIDC discovery, JWKS and the token endpoint, for
 * `{tenant}` = GUID, domain or short name (MSAL rewrites the tenant segment, so all must work).
 */
export async function authPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;

  const discovery = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const key = request.params.tenant;
    const base = baseUrl(request);
    const t = MULTI_TENANT.has(key.toLowerCase()) ? undefined : findTenant(ctx.store, key);
    if (!t && !MULTI_TENANT.has(key.toLowerCase())) return sendAad(ctx, reply, aad.tenantNotFound(key));
    // Entra's multi-tenant metadata carries the literal placeholder {tenantid} in the issuer.
    const tenantSegment = t ? t.tenant.id : key;
    const issuer = issuerOf(base, t ? t.tenant.id : '{tenantid}');
    const o = `${base}/${tenantSegment}/oauth2/v2.0`;
    return {
      token_endpoint: `${o}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${tenantSegment}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${o}/authorize`,
      device_authorization_endpoint: `${o}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${o}/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/${tenantSegment}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(base).host,
      rbac_url: 'https://pas.windows.net',
    };
  };
  // OIDC userinfo (Entra serves it from Graph's host at /oidc/userinfo): the signed-in user's basic claims.
  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    const unauthorized = (description: string) =>
      reply.status(401).header('www-authenticate', `Bearer error="invalid_token", error_description="${description}"`).send({ error: { code: 'InvalidAuthenticationToken', message: description } });
    const m = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization') ?? '');
    if (!m) return unauthorized('Access token is empty.');
    let claims;
    try {
      claims = ctx.tokens.verifyAccessToken(m[1]!.trim(), header(request, 'x-forwarded-host') ?? header(request, 'host'));
    } catch {
      return unauthorized('Access token validation failure.');
    }
    const user = claims.idtyp === 'user' ? findUser(ctx.store.tenant(claims.tid)!, claims.oid) : undefined;
    if (!user) return unauthorized('The userinfo endpoint needs a token for a signed-in user.');
    return { sub: claims.sub, name: user.displayName, family_name: user.surname, given_name: user.givenName, email: user.mail ?? user.userPrincipalName };
  };
  app.get('/oidc/userinfo', userinfo);
  app.post('/oidc/userinfo', userinfo);

  app.get('/:tenant/v2.0/.well-known/openid-configuration', discovery);
  app.get('/:tenant/.well-known/openid-configuration', discovery);

  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', async (request, reply) => {
    const t = findTenant(ctx.store, request.params.tenant);
    if (!t) {
      if (MULTI_TENANT.has(request.params.tenant.toLowerCase())) {
        const keys = await Promise.all(ctx.store.tenants().map((x) => signingKey(ctx.store, x.tenant.id)));
        return { keys: keys.map((k) => k.publicJwk) };
      }
      return sendAad(ctx, reply, aad.tenantNotFound(request.params.tenant));
    }
    const k = await signingKey(ctx.store, t.tenant.id);
    return { keys: [k.publicJwk] };
  });

  app.post<{ Params: { tenant: string }; Body: Record<string, string> }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const key = request.params.tenant;
    try {
      const tenant = MULTI_TENANT.has(key.toLowerCase()) ? undefined : findTenant(ctx.store, key);
      if (!tenant && !MULTI_TENANT.has(key.toLowerCase())) throw aad.tenantNotFound(key);
      const form = (request.body ?? {}) as Record<string, string | undefined>;
      const grantType = form.grant_type;
      if (!grantType) throw aad.missingParameter('grant_type');
      const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined;
      if (!grant) throw aad.unsupportedGrantType(grantType, SUPPORTED_GRANTS);
      const response = await grant({
        form, tenant, tenantKey: key, issuerBase: baseUrl(request), clientSecret: form.client_secret ?? basicSecret(request),
        store: ctx.store, clock: ctx.clock, time: ctx.time, tokens: ctx.tokens, flows: ctx.authFlows,
      });
      return reply.header('cache-control', 'no-store, no-cache').header('pragma', 'no-cache').send(response);
    } catch (e) {
      if (e instanceof AadError) return sendAad(ctx, reply, e, header(request, 'client-request-id'));
      throw e;
    }
  });

  // Device authorization (RFC 8628 §3.1). MSAL derives this URL from token_endpoint (clients.md §2).
  app.post<{ Params: { tenant: string }; Body: Record<string, string> }>('/:tenant/oauth2/v2.0/devicecode', async (request, reply) => {
    const key = request.params.tenant;
    try {
      const tenant = MULTI_TENANT.has(key.toLowerCase()) ? undefined : findTenant(ctx.store, key);
      if (!tenant && !MULTI_TENANT.has(key.toLowerCase())) throw aad.tenantNotFound(key);
      const form = (request.body ?? {}) as Record<string, string | undefined>;
      const clientId = form.client_id;
      if (!clientId) throw aad.missingParameter('client_id');
      const scope = form.scope;
      if (!scope) throw aad.missingParameter('scope');
      const client = tenant ? findClient(tenant, clientId) : findClientInAnyTenant(ctx.store.tenants(), clientId);
      if (!client) throw aad.unknownClient(clientId, tenant?.tenant.domain ?? key);
      const { unknown } = delegatedScopesFor(client, parseScopes(scope));
      if (unknown.length) throw aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in docs/sign-in.md.');
      const acrs = requestedAcrs(form.claims);
      if (acrs instanceof AadError) throw acrs;
      const device = ctx.authFlows.startDevice({
        tenantId: tenant?.tenant.id, tenantKey: key, clientId: client.clientId, clientName: client.displayName, scope, acrs, mfaRequired: acrs.length > 0,
      }, ctx.clock.nowMs());
      const verificationUri = `${baseUrl(request)}/devicelogin`;
      return reply.header('cache-control', 'no-store, no-cache').header('pragma', 'no-cache').send({
        user_code: device.userCode,
        device_code: device.deviceCode,
        verification_uri: verificationUri,
        expires_in: DEVICE_CODE_SECONDS,
        interval: DEVICE_POLL_SECONDS,
        // Entra's sentence, word for word: CLIs print it as it is.
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${device.userCode} to authenticate.`,
      });
    } catch (e) {
      if (e instanceof AadError) return sendAad(ctx, reply, e, header(request, 'client-request-id'));
      throw e;
    }
  });

  // The browser side: /authorize, the sign-in and MFA pages, logout, /devicelogin.
  await app.register(signInPlugin, { ctx });
  // What real clients ask before the token: instance and user-realm discovery, the v1 token endpoint.
  await app.register(realmPlugin, { ctx });
}

/** AAD errors are always JSON, and never carry Retry-After (MSAL would throttle itself; clients.md §2). */
export function sendAad(ctx: AppContext, reply: FastifyReply, e: AadError, correlationId?: string): FastifyReply {
  return reply.status(e.status).header('cache-control', 'no-store, no-cache').send(e.body(ctx.clock.nowMs(), correlationId));
}

function basicSecret(request: FastifyRequest): string | undefined {
  const auth = header(request, 'authorization');
  const m = auth ? /^Basic\s+(.+)$/i.exec(auth) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(i + 1));
  } catch {
    return decoded.slice(i + 1); // not form-encoded: the secret as sent, which then fails as a wrong secret
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
