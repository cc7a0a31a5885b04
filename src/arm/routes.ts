import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { TenantData } from '../directory/model.js';
import { subscriptionsOf } from '../directory/subscriptions.js';
import { TokenInvalid } from '../auth/tokens.js';
import { baseUrl } from '../web.js';
import { ARM_AUDIENCES, ArmError, armErrors } from './errors.js';
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
  const callerTenant = (request: FastifyRequest): TenantData => {
    const auth = request.headers.authorization;
    if (!auth) throw armErrors.authorizationMissing();
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw armErrors.authorizationMalformed();
    try {
      const claims = ctx.tokens.verifyAccessTokenFor(m[1]!, ARM_AUDIENCES);
      return ctx.store.tenant(claims.tid)!;
    } catch (e) {
      if (!(e instanceof TokenInvalid)) throw e;
      if (e.reason === 'expired') throw armErrors.expiredToken();
      if (e.reason === 'audience') throw armErrors.wrongAudience(audienceOf(m[1]!));
      throw armErrors.invalidToken();
    }
  };
  const apiVersion = (request: FastifyRequest, supported: readonly string[]): string => {
    const v = (request.query as Record<string, string | undefined>)['api-version'];
    if (v === undefined || v === '') throw armErrors.missingApiVersion();
    if (!supported.includes(v)) throw armErrors.invalidApiVersion(v, supported);
    return v;
  };

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof ArmError) return sendArm(reply, error);
    request.log.error({ err: error }, 'ARM request failed');
    return reply.status(500).send({ error: { code: 'InternalServerError', message: `The emulator failed: ${(error as Error).message}` } });
  });

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

/** Answers an ARM error (also used by the app's not-found handler for ARM paths). */
export function sendArm(reply: FastifyReply, e: ArmError): FastifyReply {
  if (e.status === 401) {
    reply.header('www-authenticate', `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${e.message.replace(/"/g, "'")}"`);
  }
  return reply.status(e.status).header('x-ms-failure-cause', 'gateway').send(e.body());
}

/** The aud claim of a token already verified except for its audience (for the error message). */
function audienceOf(token: string): string {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    return String(payload.aud ?? '');
  } catch {
    return '';
  }
}
