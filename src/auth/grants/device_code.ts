import { findUser } from '../../directory/directory.js';
import { aad } from '../errors.js';
import { delegatedScopesFor, parseScopes } from '../clients.js';
import { authenticateClient, required, type GrantHandler } from './grant.js';

/** Timers fire a little late or early; only a client clearly faster than `interval` is told to slow down. */
const POLL_TOLERANCE_MS = 1000;
/** RFC 8628 §3.5: after slow_down the interval grows by 5 seconds. */
const SLOW_DOWN_STEP_MS = 5000;

/**
 * device_code (MSAL sends the literal `device_code`; RFC 8628 names it with the URN): answers
 * authorization_pending until the user signs in at /devicelogin, then the tokens, once.
 */
export const deviceCode: GrantHandler = async (ctx) => {
  const device = ctx.flows.findDevice(required(ctx, 'device_code'));
  if (!device) throw aad.deviceCodeUnknown();
  if (required(ctx, 'client_id').toLowerCase() !== device.clientId) throw aad.invalidGrant('The device code was issued to a different client_id.');
  if (ctx.tenant && device.tenantId && ctx.tenant.tenant.id !== device.tenantId) throw aad.invalidGrant('The device code was issued for another tenant.');
  if (device.status === 'redeemed') throw aad.deviceCodeRedeemed();
  if (device.status === 'declined') throw aad.deviceCodeDeclined();
  if (ctx.clock.nowMs() >= device.expiresAtMs) throw aad.deviceCodeExpired();
  if (device.status === 'pending') {
    // Clients poll with real timers, so the rate is measured on the wall clock, not the emulator's.
    const wall = ctx.clock.wallMs();
    const last = device.lastPollWallMs;
    device.lastPollWallMs = wall;
    if (last !== undefined && wall - last < device.intervalMs - POLL_TOLERANCE_MS) {
      device.intervalMs += SLOW_DOWN_STEP_MS;
      throw aad.slowDown(device.intervalMs / 1000);
    }
    throw aad.authorizationPending();
  }
  const signedIn = device.signedIn!;
  const tenant = ctx.store.tenant(signedIn.tenantId);
  if (!tenant) throw aad.invalidGrant('The tenant of the signed-in user no longer exists.');
  if (ctx.tenant && ctx.tenant.tenant.id !== tenant.tenant.id) throw aad.invalidGrant('The user signed in to another tenant.');
  const client = authenticateClient(ctx, tenant, { secretRequired: true });
  const user = findUser(tenant, signedIn.userId);
  if (!user || !user.accountEnabled) throw aad.invalidGrant('The user no longer exists or is disabled.');
  const requested = parseScopes(ctx.form.scope ?? device.scope);
  const { granted, unknown } = delegatedScopesFor(client, requested);
  if (unknown.length) throw aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in docs/sign-in.md.');
  device.status = 'redeemed';
  return ctx.tokens.userTokens({
    tenant, user, client, scopes: granted, resource: requested.resource, scopeEcho: requested.echo,
    amr: signedIn.amr, acrs: signedIn.acrs, issuerBase: ctx.issuerBase,
  });
};
