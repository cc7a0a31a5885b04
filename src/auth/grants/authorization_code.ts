import { findUser } from '../../directory/directory.js';
import { aad } from '../errors.js';
import { delegatedScopesFor, parseScopes } from '../clients.js';
import { pkceMatches } from '../flows.js';
import { authenticateClient, required, type GrantHandler } from './grant.js';

/**
 * authorization_code: redeems a code from GET /authorize once, for the client, redirect URI and
 * PKCE challenge it was issued with. The tokens carry the amr/acrs of that sign-in and its nonce.
 */
export const authorizationCode: GrantHandler = async (ctx) => {
  const raw = required(ctx, 'code');
  const redirectUri = required(ctx, 'redirect_uri');
  const code = ctx.flows.findCode(raw);
  const tenant = code && ctx.store.tenant(code.tenantId);
  if (!code || !tenant) throw aad.authCodeUnknown();
  if (ctx.tenant && ctx.tenant.tenant.id !== tenant.tenant.id) throw aad.authCodeOtherTenant();
  const client = authenticateClient(ctx, tenant, { secretRequired: true });
  if (client.clientId !== code.clientId) throw aad.invalidGrant('The authorization code was issued to a different client_id.');
  if (code.redeemed) throw aad.authCodeRedeemed();
  if (ctx.clock.nowMs() >= code.expiresAtMs) throw aad.authCodeExpired();
  if (redirectUri !== code.redirectUri) throw aad.redirectUriDiffersFromAuthorize(redirectUri);
  if (code.codeChallenge !== undefined) {
    const verifier = required(ctx, 'code_verifier');
    if (!pkceMatches(verifier, code.codeChallenge, code.codeChallengeMethod ?? 'plain')) throw aad.codeVerifierMismatch();
  }
  const user = findUser(tenant, code.userId);
  if (!user || !user.accountEnabled) throw aad.invalidGrant('The user no longer exists or is disabled.');
  const requested = parseScopes(ctx.form.scope ?? code.scope);
  const { granted, unknown } = delegatedScopesFor(client, requested);
  if (unknown.length) throw aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in docs/sign-in.md.');
  // Single use: a failed attempt (a wrong verifier, say) leaves the code redeemable; a success spends it.
  code.redeemed = true;
  return ctx.tokens.userTokens({
    tenant, user, client, scopes: granted, resource: requested.resource, scopeEcho: requested.echo,
    amr: code.amr, acrs: code.acrs, nonce: code.nonce, issuerBase: ctx.issuerBase,
  });
};
