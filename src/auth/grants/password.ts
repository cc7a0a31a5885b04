import { findUser, tenantOfUpn } from '../../directory/directory.js';
import { aad } from '../errors.js';
import { verifyCode } from '../mfa.js';
import { delegatedScopesFor, parseScopes } from '../clients.js';
import { authenticateClient, required, type GrantHandler } from './grant.js';

/**
 * password (ROPC) with simulated MFA: the extra form field `mfa_code` carrying the user's
 * current TOTP code turns `amr` from ["pwd"] into ["pwd","mfa"].
 */
export const password: GrantHandler = async (ctx) => {
  const username = required(ctx, 'username');
  const secret = required(ctx, 'password');
  const tenant = ctx.tenant ?? tenantOfUpn(ctx.store, username);
  if (!tenant) throw aad.userNotFound(ctx.tenantKey);
  const client = authenticateClient(ctx, tenant, { secretRequired: true });
  const user = findUser(tenant, username);
  if (!user) throw aad.userNotFound(tenant.tenant.domain);
  if (secret !== (user.password ?? tenant.tenant.defaultPassword)) throw aad.invalidCredentials();
  if (!user.accountEnabled) throw aad.accountDisabled();
  const amr = ['pwd'];
  const code = ctx.form.mfa_code;
  if (code !== undefined && code !== '') {
    if (!verifyCode(user.mfaSecret, code, ctx.clock.nowMs())) throw aad.invalidMfaCode(tenant.tenant.name, user.userPrincipalName);
    amr.push('mfa');
  }
  const requested = parseScopes(ctx.form.scope);
  const { granted, unknown } = delegatedScopesFor(client, requested);
  if (unknown.length) throw aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in the README.');
  return ctx.tokens.userTokens({
    tenant, user, client, scopes: granted, resource: requested.resource, scopeEcho: requested.echo, amr, acrs: [], issuerBase: ctx.issuerBase,
  });
};
