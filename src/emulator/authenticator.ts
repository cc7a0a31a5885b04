import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { findTenant, findUser } from '../directory/directory.js';
import { AUTHENTICATOR_BEHAVIOURS, type AuthenticatorBehaviour } from '../directory/model.js';
import { ControlError } from './errors.js';

/**
 * PUT/GET /_emulator/tenants/{tenant}/users/{upn}/authenticator: how the user's simulated
 * authenticator answers MFA. `approve` is for clients that cannot send a code (az, CLI for
 * Microsoft 365, msal-node username/password): every sign-in of that user then carries MFA.
 */
export async function authenticatorRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const locate = (tenantKey: string, upn: string) => {
    const t = findTenant(ctx.store, tenantKey);
    if (!t) throw new ControlError(404, 'TenantNotFound', `No tenant '${tenantKey}'. Known: ${ctx.store.tenants().map((x) => x.tenant.name).join(', ')}.`);
    const u = findUser(t, upn);
    if (!u) throw new ControlError(404, 'UserNotFound', `No user '${upn}' in ${t.tenant.name}.`);
    return { t, u };
  };
  const body = (upn: string, tenant: string, behaviour: AuthenticatorBehaviour) => ({
    userPrincipalName: upn, tenant, authenticator: behaviour,
    meaning: {
      code: 'MFA is proved with the TOTP code (GET …/mfa-code): the sign-in MFA page, or mfa_code with the password grant.',
      approve: 'Every sign-in of this user is satisfied with MFA (amr ["pwd","mfa"]), as if the user approved the push notification.',
      deny: 'Every sign-in of this user fails MFA with AADSTS500121, as if the user denied the push notification.',
    }[behaviour],
  });

  app.get<{ Params: { tenant: string; upn: string } }>('/tenants/:tenant/users/:upn/authenticator', async (request) => {
    const { t, u } = locate(request.params.tenant, request.params.upn);
    return body(u.userPrincipalName, t.tenant.name, u.authenticator ?? 'code');
  });

  app.put<{ Params: { tenant: string; upn: string }; Body: { authenticator: AuthenticatorBehaviour } }>('/tenants/:tenant/users/:upn/authenticator', {
    schema: {
      body: {
        type: 'object', required: ['authenticator'], additionalProperties: false,
        properties: { authenticator: { type: 'string', enum: [...AUTHENTICATOR_BEHAVIOURS] } },
      },
    },
  }, async (request) => {
    const { t, u } = locate(request.params.tenant, request.params.upn);
    const behaviour = request.body.authenticator;
    await ctx.store.update(t.tenant.id, (data) => {
      const user = data.users.find((x) => x.id === u.id)!;
      if (behaviour === 'code') delete user.authenticator;
      else user.authenticator = behaviour;
    });
    return body(u.userPrincipalName, t.tenant.name, behaviour);
  });
}
