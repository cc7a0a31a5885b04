import type { Clock } from '../../clock.js';
import type { TenantClocks } from '../../directory/tenant-clock.js';
import type { TenantData } from '../../directory/model.js';
import type { Store } from '../../store/store.js';
import { aad } from '../errors.js';
import { findClient, type Client } from '../clients.js';
import type { TokenResponse, TokenService } from '../tokens.js';
import type { AuthFlows } from '../flows.js';

export interface GrantContext {
  form: Record<string, string | undefined>;
  /** The tenant named in the URL, or undefined for `common` / `organizations`. */
  tenant: TenantData | undefined;
  tenantKey: string;
  issuerBase: string;
  /** client_secret from the form or from HTTP Basic authentication. */
  clientSecret: string | undefined;
  store: Store;
  clock: Clock;
  /** Each tenant's time: MFA codes and token lifetimes are judged on the tenant's clock. */
  time: TenantClocks;
  tokens: TokenService;
  /** Codes and device authorizations of the interactive flows, and the refresh tokens already redeemed. */
  flows: AuthFlows;
}

export type GrantHandler = (ctx: GrantContext) => Promise<TokenResponse>;

export function required(ctx: GrantContext, name: string): string {
  const v = ctx.form[name];
  if (v === undefined || v === '') throw aad.missingParameter(name);
  return v;
}

/** Resolves the client and checks its secret when it is a confidential client (or sent one anyway). */
export function authenticateClient(ctx: GrantContext, tenant: TenantData, opts: { secretRequired: boolean }): Client {
  const clientId = required(ctx, 'client_id');
  const client = findClient(tenant, clientId);
  if (!client) throw aad.unknownClient(clientId, tenant.tenant.domain);
  const secret = ctx.clientSecret;
  if (!client.publicClient && (opts.secretRequired || secret !== undefined)) {
    if (secret === undefined) throw aad.clientSecretRequired();
    if (secret !== client.registration?.clientSecret) throw aad.invalidClientSecret(client.clientId);
  }
  return client;
}
