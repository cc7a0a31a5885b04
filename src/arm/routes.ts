import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { TenantData } from '../directory/model.js';
import { subscriptionsOf } from '../directory/subscriptions.js';
import { randomUUID } from 'node:crypto';
import { baseUrl } from '../web.js';
import { ArmError, armErrors } from './errors.js';
import { registerAuthorization } from './authorization.js';
import { registerApprovals } from './approvals.js';
import { apiVersion as checkApiVersion, armCaller } from './conventions.js';
import { metadataEndpoints, METADATA_API_VERSIONS } from './metadata.js';

/**
 * The Azure Resource Manager surface `az login` needs (issue 13): the caller's tenants and
 * subscriptions, and the cloud metadata document custom clouds read. PIM for Azure resources
 * (Microsoft.Authorization) will plug in here (shared/reference/arm-pim-reference.md).
 */
// Microsoft.Resources versions of the subscriptions/tenants operations (azure-rest-api-specs,
// resources/resource-manager/Microsoft.Resources/*/subscriptions.json).
const SUBSCRIPTION_API_VERSIONS = [
  '2014-04-01-preview', '2015-01-01', '2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01',
  '2020-01-01', '2021-01-01', '2022-01-01', '2022-12-01',
] as const;

export async function armPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;

  /** The caller's tenant from an ARM bearer token (audience management.core.windows.net / management.azure.com). */
  const callerTenant = (request: FastifyRequest): TenantData => armCaller(ctx, request).tenant;
  const apiVersion = (request: FastifyRequest, supported: readonly string[]): string => checkApiVersion(request, supported);

  // Every ARM response names its request (x-ms-request-id) and correlation; a client's own correlation id is kept.
  app.addHook('onSend', async (request, reply, payload) => {
    armRequestHeaders(request, reply);
    return payload;
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof ArmError) return sendArm(reply, error, tenantOfPath(ctx, request.url));
    // Fastify's own 4xx (a body that is not JSON, say) in ARM's envelope.
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return sendArm(reply, armErrors.invalidRequestContent((error as Error).message));
    request.log.error({ err: error }, 'ARM request failed');
    return reply.status(500).send({ error: { code: 'InternalServerError', message: `The emulator failed: ${(error as Error).message}` } });
  });

  registerAuthorization(app, ctx);
  registerApprovals(app, ctx);

  app.get('/subscriptions', async (request) => {
    apiVersion(request, SUBSCRIPTION_API_VERSIONS);
    const t = callerTenant(request);
    const value = subscriptionsOf(t).map((s) => subscriptionBody(t, s.subscriptionId, s.displayName));
    return { value, count: { type: 'Total', value: value.length } };
  });

  app.get<{ Params: { subscriptionId: string } }>('/subscriptions/:subscriptionId', async (request) => {
    apiVersion(request, SUBSCRIPTION_API_VERSIONS);
    const t = callerTenant(request);
    const id = request.params.subscriptionId.toLowerCase();
    const s = subscriptionsOf(t).find((x) => x.subscriptionId === id);
    // A subscription of another tenant is as invisible as one that does not exist.
    if (!s) throw armErrors.subscriptionNotFound(request.params.subscriptionId);
    return subscriptionBody(t, s.subscriptionId, s.displayName);
  });

  app.get('/tenants', async (request) => {
    apiVersion(request, SUBSCRIPTION_API_VERSIONS);
    const t = callerTenant(request);
    const value = [{
      id: `/tenants/${t.tenant.id}`,
      tenantId: t.tenant.id,
      countryCode: 'US',
      displayName: t.tenant.displayName,
      domains: [t.tenant.domain],
      tenantCategory: 'Home',
      defaultDomain: t.tenant.domain,
      tenantType: 'AAD',
    }];
    return { value, count: { type: 'Total', value: value.length } };
  });

  // az asks for `{arm}//metadata/endpoints` when the endpoint it was given ends with a slash.
  for (const url of ['/metadata/endpoints', '//metadata/endpoints']) {
    app.get(url, async (request) => metadataEndpoints(baseUrl(request), apiVersion(request, METADATA_API_VERSIONS)));
  }
}

function subscriptionBody(t: TenantData, subscriptionId: string, displayName: string) {
  return {
    id: `/subscriptions/${subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId,
    tenantId: t.tenant.id,
    displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

/** The x-ms-request-id and x-ms-correlation-request-id headers ARM puts on every response. */
function armRequestHeaders(request: FastifyRequest, reply: FastifyReply): void {
  if (reply.getHeader('x-ms-request-id')) return;
  const id = randomUUID();
  const given = request.headers['x-ms-correlation-request-id'];
  reply.header('x-ms-request-id', id);
  reply.header('x-ms-correlation-request-id', typeof given === 'string' && given ? given : id);
}

/** The tenant of the subscription a path names, for the authorization_uri of a 401 (az finds a subscription's tenant this way). */
function tenantOfPath(ctx: AppContext, url: string): string | undefined {
  const m = /^\/(?:providers\/Microsoft\.Subscription\/)?subscriptions\/([^/?]+)/i.exec(url);
  if (!m) return undefined;
  const sub = m[1]!.toLowerCase();
  return ctx.store.tenants().find((t) => subscriptionsOf(t).some((s) => s.subscriptionId === sub))?.tenant.id;
}

/**
 * Answers an ARM error (also used by the app's not-found handler for ARM paths). A 401 carries
 * ARM's challenge: `Bearer authorization_uri="https://login.windows.net/{tenant}", error="invalid_token",
 * error_description="…"`, the tenant being the subscription's when the path names one.
 */
export function sendArm(reply: FastifyReply, e: ArmError, tenantId?: string): FastifyReply {
  if (e.status === 401) {
    const description = e.code === 'AuthenticationFailed' ? "The authentication failed because of missing 'Authorization' header." : e.message.replace(/"/g, "'");
    reply.header('www-authenticate', `Bearer authorization_uri="https://login.windows.net/${tenantId ?? ''}", error="invalid_token", error_description="${description}"`);
  }
  armRequestHeaders(reply.request, reply);
  return reply.status(e.status).header('x-ms-failure-cause', 'gateway').send(e.body());
}
