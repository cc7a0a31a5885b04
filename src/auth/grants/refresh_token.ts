import { findUser } from '../../directory/directory.js';
import { aad } from '../errors.js';
import { delegatedScopesFor, parseScopes } from '../clients.js';
import { TokenInvalid } from '../tokens.js';
import { authenticateClient, required, type GrantHandler } from './grant.js';

/** refresh_token: a new token set (with a new refresh token) for the same user, client and authentication methods. */
export const refreshToken: GrantHandler = async (ctx) => {
  const raw = required(ctx, 'refresh_token');
  let claims;
  try {
    claims = ctx.tokens.verifyRefreshToken(raw);
  } catch (e) {
    if (e instanceof TokenInvalid && e.reason === 'expired') throw aad.refreshTokenExpired();
    throw aad.invalidGrant('The refresh token is not one this emulator issued.');
  }
  const tenant = ctx.store.tenant(claims.tid);
  if (!tenant || (ctx.tenant && ctx.tenant.tenant.id !== tenant.tenant.id)) throw aad.invalidGrant('The refresh token was issued for another tenant.');
  const client = authenticateClient(ctx, tenant, { secretRequired: true });
  if (client.clientId !== claims.client_id) throw aad.invalidGrant('The refresh token was issued to a different client_id.');
  const user = findUser(tenant, claims.oid);
  if (!user || !user.accountEnabled) throw aad.invalidGrant('The user no longer exists or is disabled.');
  const requested = parseScopes(ctx.form.scope ?? claims.scope);
  const { granted, unknown } = delegatedScopesFor(client, requested);
  if (unknown.length) throw aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in docs/sign-in.md.');
  // Refresh tokens rotate: each response carries a new one, and the one just used is spent.
  if (typeof claims.jti !== 'string' || !ctx.flows.redeemRefreshToken(claims.jti, Number(claims.exp) * 1000, ctx.time.nowMs(tenant))) {
    throw aad.refreshTokenRedeemed();
  }
  return ctx.tokens.userTokens({
    tenant, user, client, scopes: granted, resource: requested.resource, scopeEcho: requested.echo,
    amr: claims.amr, acrs: claims.acrs, issuerBase: ctx.issuerBase,
  });
};
