import { aad } from '../errors.js';
import { parseScopes } from '../clients.js';
import { authenticateClient, required, type GrantHandler } from './grant.js';

/** client_credentials: an app-only token whose `roles` are the app's granted application permissions. */
export const clientCredentials: GrantHandler = async (ctx) => {
  const tenant = ctx.tenant;
  // Entra needs a real tenant for app-only tokens; `common` names none.
  if (!tenant) throw aad.tenantNotFound(ctx.tenantKey);
  const scope = required(ctx, 'scope');
  const requested = parseScopes(scope);
  if (requested.permissions !== '.default') throw aad.clientCredentialsScope(scope);
  const client = authenticateClient(ctx, tenant, { secretRequired: true });
  if (client.publicClient || !client.registration) throw aad.publicClientCannotUseClientCredentials(client.clientId);
  return ctx.tokens.appToken(tenant, client.registration, client.registration.applicationPermissions, requested.resource, requested.echo, ctx.issuerBase);
};
