import { findUser, tenantOfUpn } from '../../directory/directory.js';
import { aad } from '../errors.js';
import { verifyCode } from '../mfa.js';
import { delegatedScopesFor, parseScopes } from '../clients.js';
import { authenticateClient, required, type GrantHandler } from './grant.js';

/**
 * password (ROPC) with simulated MFA: the extra form field `mfa_code` carrying the user's
 * current TOTP code turns `amr` from ["pwd"] into ["pwd","mfa"] (so does the authenticator behaviour `approve`).
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
  // The user's simulated authenticator (seed / control plane): `deny` fails MFA on every sign-in,
  // `approve` satisfies it on every sign-in, for clients that cannot send mfa_code (az, m365, msal).
  if (user.authenticator === 'deny') throw aad.mfaDenied(tenant.tenant.name, user.userPrincipalName);
  if (code !== undefined && code !== '') {
    if (!verifyCode(user.mfaSecret, code, ctx.time.nowMs(tenant))) throw aad.invalidMfaCode(tenant.tenant.name, user.userPrincipalName);
    amr.push('mfa');
  } else if (user.authenticator === 'approve') {
    amr.push('mfa');
  }
  // A claims challenge asking for an authentication context (acrs) is satisfied only by a sign-in
  // that also proved MFA; the issued token then carries the requested values (reference §4.1, §9).
  const acrs = requestedAcrs(ctx.form.claims);
  if (acrs.length && !amr.includes('mfa')) throw aad.stepUpRequired(tenant.tenant.name, user.userPrincipalName, acrs);
  const requested = parseScopes(ctx.form.scope);
  const { granted, unknown } = delegatedScopesFor(client, requested);
  if (unknown.length) throw aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in docs/sign-in.md.');
  return ctx.tokens.userTokens({
    tenant, user, client, scopes: granted, resource: requested.resource, scopeEcho: requested.echo, amr, acrs, issuerBase: ctx.issuerBase,
  });
};

/** The acrs values an OIDC `claims` parameter requires: {"access_token":{"acrs":{"essential":true,"value":"c1"}}} (or "values"). */
export function requestedAcrs(claims: string | undefined): string[] {
  if (!claims) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(claims);
  } catch {
    return [];
  }
  const acrs = (parsed as { access_token?: { acrs?: { value?: unknown; values?: unknown } } })?.access_token?.acrs;
  if (!acrs) return [];
  const values = [acrs.value, ...(Array.isArray(acrs.values) ? acrs.values : [])].filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [...new Set(values)];
}
