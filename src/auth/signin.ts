import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import type { TenantData, UserRecord } from '../directory/model.js';
import { findTenant, tenantOfUpn } from '../directory/directory.js';
import { newGuid } from '../ids.js';
import { AadError, aad } from './errors.js';
import { validateAuthorize, type AuthorizeRequest } from './authorize.js';
import { findClient, findClientInAnyTenant, redirectUriAllowed } from './clients.js';
import type { DeviceLookup, ResponseMode } from './flows.js';
import { verifyCode } from './mfa.js';
import { baseUrl } from '../web.js';
import { deviceCodePage, deviceDeclinedPage, deviceDonePage, errorPage, formPostPage, mfaPage, pageHeaders, signedOutPage, signInPage } from './pages.js';

/** Authorities that name no tenant: the user's UPN decides. */
const MULTI_TENANT = new Set(['common', 'organizations']);
/** How long each sign-in page stays usable (emulator clock). */
const FLOW_SECONDS = 15 * 60;
const FLOW_EXPIRED_NOTE = { notes: ['Emulator: each sign-in page is valid for 15 minutes on the emulator clock; start again from the application.'] };

/**
 * What travels between the sign-in pages, in a hidden field: a JWT (HS256, a random secret per
 * process, 15 minutes on the emulator clock), so the server keeps no session. `step` says which
 * page may consume it: the MFA page only accepts a flow minted after the password was checked.
 */
type Flow = {
  step: 'password' | 'mfa';
  /** The tenant segment of the URL the flow started on, for form actions. */
  tk: string;
  /** The tenant the URL named; absent for common/organizations (the UPN decides). */
  tid?: string;
  /** After the password: the user and the user's tenant. */
  uid?: string;
  utid?: string;
} & ({ kind: 'authorize'; req: AuthorizeRequest } | { kind: 'device'; userCode: string; appName: string; mfaRequired: boolean; acrs: string[] });

type Form = Record<string, string | undefined>;

/**
 * The browser side of the token service: GET /authorize (authorization code flow, PKCE, query /
 * fragment / form_post), the sign-in and MFA pages, logout, and the device code pages at
 * /devicelogin. Pages are rendered by ./pages.ts; codes and device authorizations live in
 * ctx.authFlows.
 */
export async function signInPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const flows = ctx.authFlows;
  const secret = randomBytes(32).toString('base64url');

  const signFlow = (flow: Flow): string => {
    const iat = Math.floor(ctx.clock.nowMs() / 1000);
    return app.jwt.sign({ ...flow, iat, exp: iat + FLOW_SECONDS }, { key: secret, algorithm: 'HS256' } as never);
  };
  const readFlow = (token: string | undefined, step: Flow['step']): Flow | undefined => {
    if (!token) return undefined;
    try {
      const flow = app.jwt.verify(token, { key: secret, algorithms: ['HS256'], clockTimestamp: ctx.clock.nowMs() } as never) as Flow;
      return flow.step === step ? flow : undefined;
    } catch {
      return undefined;
    }
  };

  const page = (reply: FastifyReply, status: number, body: string, inlineScript = false): FastifyReply =>
    reply.status(status).headers(pageHeaders({ inlineScript })).send(body);
  const problem = (reply: FastifyReply, e: AadError, opts: { notes?: string[]; appName?: string; status?: number } = {}): FastifyReply => {
    const body = e.body(ctx.clock.nowMs());
    return page(reply, opts.status ?? 400, errorPage({
      code: e.aadsts, message: e.description, notes: opts.notes, appName: opts.appName,
      correlationId: String(body.correlation_id), traceId: String(body.trace_id), timestamp: String(body.timestamp),
    }));
  };

  /** Sends the result to the app: in the query (default), the fragment, or a self-posting form. */
  const respond = (reply: FastifyReply, redirectUri: string, mode: ResponseMode, params: Record<string, string | undefined>): FastifyReply => {
    if (mode === 'form_post') return page(reply, 200, formPostPage(redirectUri, params), true);
    const url = new URL(redirectUri);
    const defined = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
    if (mode === 'fragment') url.hash = new URLSearchParams(defined).toString();
    else for (const [k, v] of defined) url.searchParams.set(k, v);
    return reply.status(302).header('cache-control', 'no-store, no-cache').header('location', url.toString()).send();
  };
  const redirectError = (reply: FastifyReply, e: AadError, redirectUri: string, mode: ResponseMode, state: string | undefined): FastifyReply => {
    const body = e.body(ctx.clock.nowMs());
    return respond(reply, redirectUri, mode, { error: e.error, error_description: String(body.error_description), error_uri: String(body.error_uri), state });
  };

  /** The tenant a URL names; `null` when it names none that exists. */
  const urlTenant = (key: string): TenantData | undefined | null =>
    MULTI_TENANT.has(key.toLowerCase()) ? undefined : findTenant(ctx.store, key) ?? null;
  const loginAction = (flow: Flow) => `/${encodeURIComponent(flow.tk)}/login`;
  const mfaAction = (flow: Flow) => `/${encodeURIComponent(flow.tk)}/login/mfa`;
  const appNameOf = (flow: Flow) => (flow.kind === 'authorize' ? flow.req.clientName : flow.appName);

  const showSignIn = (reply: FastifyReply, flow: Flow, username: string | undefined, error?: { message: string; code?: number }) =>
    page(reply, 200, signInPage({ action: loginAction(flow), flow: signFlow(flow), appName: appNameOf(flow), username, error, device: flow.kind === 'device' }));

  const showMfa = (reply: FastifyReply, flow: Flow, tenant: TenantData, user: UserRecord, error?: { message: string; code?: number }) => {
    const acrs = flow.kind === 'authorize' ? flow.req.acrs : flow.acrs;
    const required = flow.kind === 'authorize' ? flow.req.mfaRequired : flow.mfaRequired;
    return page(reply, 200, mfaPage({
      action: mfaAction(flow), flow: signFlow(flow), upn: user.userPrincipalName, tenantName: tenant.tenant.name, error,
      allowSkip: !required, requiredBecause: required ? (acrs.length ? `authentication context ${acrs.join(', ')}` : 'amr_values mfa') : undefined,
      device: flow.kind === 'device',
    }));
  };

  /** The sign-in succeeded: a code for the app, or the device authorization approved. */
  const finish = (reply: FastifyReply, flow: Flow, tenant: TenantData, user: UserRecord, amr: string[], acrs: string[]): FastifyReply => {
    const signedIn = { tenantId: tenant.tenant.id, userId: user.id, amr, acrs };
    const now = ctx.clock.nowMs();
    if (flow.kind === 'authorize') {
      const r = flow.req;
      const code = flows.issueCode({
        ...signedIn, clientId: r.clientId, redirectUri: r.redirectUri, scope: r.scope, nonce: r.nonce,
        codeChallenge: r.codeChallenge, codeChallengeMethod: r.codeChallengeMethod,
      }, now);
      return respond(reply, r.redirectUri, r.responseMode, { code, state: r.state, session_state: newGuid() });
    }
    const found = flows.pendingByUserCode(flow.userCode, now);
    if (!found.ok) return deviceProblem(reply, found);
    flows.approveDevice(found.device, signedIn);
    return page(reply, 200, deviceDonePage(found.device.clientName));
  };

  const decline = (reply: FastifyReply, flow: Extract<Flow, { kind: 'device' }>): FastifyReply => {
    const found = flows.pendingByUserCode(flow.userCode, ctx.clock.nowMs());
    if (!found.ok) return deviceProblem(reply, found);
    flows.declineDevice(found.device);
    return page(reply, 200, deviceDeclinedPage(found.device.clientName));
  };

  const deviceProblem = (reply: FastifyReply, found: Extract<DeviceLookup, { ok: false }>): FastifyReply => {
    const e = deviceCodeError(found);
    return page(reply, 400, deviceCodePage({ action: '/devicelogin', error: e }));
  };

  // ---- GET /{tenant}/oauth2/v2.0/authorize ----
  app.get<{ Params: { tenant: string }; Querystring: Form }>('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const key = request.params.tenant;
    const tenant = urlTenant(key);
    if (tenant === null) return problem(reply, aad.tenantNotFound(key));
    const outcome = validateAuthorize(request.query, tenant, key, ctx.store.tenants(), baseUrl(request));
    if (outcome.kind === 'page') {
      const registered = outcome.client?.registration?.redirectUris ?? [];
      const notes = outcome.error.aadsts === 50011
        ? [outcome.client?.publicClient
          ? `Emulator: this public client accepts any http://localhost or http://127.0.0.1 redirect URI (any port and path)${registered.length ? `, and ${registered.join(', ')}` : ''}.`
          : `Emulator: the redirect URIs registered for this application are ${registered.join(', ') || '(none)'} (seed: applications[].redirectUris).`]
        : undefined;
      return problem(reply, outcome.error, { notes, appName: outcome.client?.displayName });
    }
    if (outcome.kind === 'redirect') return redirectError(reply, outcome.error, outcome.redirectUri, outcome.responseMode, outcome.state);
    const flow: Flow = { kind: 'authorize', step: 'password', tk: key, tid: tenant?.tenant.id, req: outcome.request };
    return showSignIn(reply, flow, outcome.request.loginHint);
  });

  // ---- POST /{tenant}/login: the password page ----
  app.post<{ Params: { tenant: string }; Body: Form }>('/:tenant/login', async (request, reply) => {
    const form = request.body ?? {};
    const flow = readFlow(form.flow, 'password');
    if (!flow) return problem(reply, aad.flowExpired(), FLOW_EXPIRED_NOTE);
    if (form.action === 'cancel' && flow.kind === 'device') return decline(reply, flow);
    const login = (form.login ?? '').trim();
    if (!login) return showSignIn(reply, flow, login, { message: 'Enter a valid email address, phone number, or Skype name.' });
    if (!form.passwd) return showSignIn(reply, flow, login, { message: 'Please enter your password.' });
    const tenant = flow.tid ? ctx.store.tenant(flow.tid) : tenantOfUpn(ctx.store, login);
    const user = tenant?.users.find((u) => u.userPrincipalName.toLowerCase() === login.toLowerCase());
    if (!tenant || !user) {
      return showSignIn(reply, flow, login, { message: "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.", code: 50034 });
    }
    if (form.passwd !== (user.password ?? tenant.tenant.defaultPassword)) {
      return showSignIn(reply, flow, login, { message: 'Your account or password is incorrect.', code: 50126 });
    }
    if (!user.accountEnabled) return showSignIn(reply, flow, login, { message: 'Your account has been disabled. Contact your admin.', code: 50057 });
    let clientId: string;
    if (flow.kind === 'device') {
      const found = flows.pendingByUserCode(flow.userCode, ctx.clock.nowMs());
      if (!found.ok) return deviceProblem(reply, found);
      clientId = found.device.clientId;
    } else {
      clientId = flow.req.clientId;
    }
    // On common/organizations the app was found in some tenant; the user's tenant must know it too.
    if (!findClient(tenant, clientId)) return problem(reply, aad.unknownClient(clientId, tenant.tenant.domain), { appName: appNameOf(flow) });
    // The simulated authenticator answers the push itself: approved (MFA done) or denied.
    if (user.authenticator === 'deny') return problem(reply, aad.mfaDenied(tenant.tenant.name, user.userPrincipalName), { appName: appNameOf(flow) });
    if (user.authenticator === 'approve') return finish(reply, flow, tenant, user, ['pwd', 'mfa'], flow.kind === 'authorize' ? flow.req.acrs : flow.acrs);
    return showMfa(reply, { ...flow, step: 'mfa', uid: user.id, utid: tenant.tenant.id }, tenant, user);
  });

  // ---- POST /{tenant}/login/mfa: the authenticator code page ----
  app.post<{ Params: { tenant: string }; Body: Form }>('/:tenant/login/mfa', async (request, reply) => {
    const form = request.body ?? {};
    const flow = readFlow(form.flow, 'mfa');
    const tenant = flow?.utid ? ctx.store.tenant(flow.utid) : undefined;
    const user = tenant?.users.find((u) => u.id === flow!.uid);
    if (!flow || !tenant || !user) return problem(reply, aad.flowExpired(), FLOW_EXPIRED_NOTE);
    if (form.action === 'cancel' && flow.kind === 'device') return decline(reply, flow);
    const required = flow.kind === 'authorize' ? flow.req.mfaRequired : flow.mfaRequired;
    if (form.action === 'skip') {
      if (required) return showMfa(reply, flow, tenant, user, { message: 'This sign-in requires multi-factor authentication. Enter the code from your authenticator app.', code: 50076 });
      return finish(reply, flow, tenant, user, ['pwd'], []);
    }
    if (!verifyCode(user.mfaSecret, form.otc ?? '', ctx.time.nowMs(tenant))) {
      return showMfa(reply, flow, tenant, user, { message: "You didn't enter the expected verification code. Please try again." });
    }
    return finish(reply, flow, tenant, user, ['pwd', 'mfa'], flow.kind === 'authorize' ? flow.req.acrs : flow.acrs);
  });

  // ---- GET /{tenant}/oauth2/v2.0/logout ----
  app.get<{ Params: { tenant: string }; Querystring: Form }>('/:tenant/oauth2/v2.0/logout', async (request, reply) => {
    const key = request.params.tenant;
    const tenant = urlTenant(key);
    if (tenant === null) return problem(reply, aad.tenantNotFound(key));
    const { post_logout_redirect_uri: target, state, client_id: clientId } = request.query;
    // There is no session to end: signing out only sends the browser back.
    if (!target) return page(reply, 200, signedOutPage());
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return problem(reply, new AadError(400, 'invalid_request', 90102, `The value must be a valid absolute URI: post_logout_redirect_uri '${target}'.`));
    }
    if (clientId) {
      // Entra only returns to a URI registered for the app it knows.
      const client = tenant ? findClient(tenant, clientId) : findClientInAnyTenant(ctx.store.tenants(), clientId);
      if (!client || !redirectUriAllowed(client, target, baseUrl(request))) {
        return page(reply, 200, signedOutPage(`Emulator: not redirected to ${target}, which is not a redirect URI of application ${clientId}.`));
      }
    }
    if (state !== undefined) url.searchParams.set('state', state);
    return reply.status(302).header('location', url.toString()).send();
  });

  // ---- the device code pages: /devicelogin ----
  app.get('/devicelogin', async (_request, reply) => page(reply, 200, deviceCodePage({ action: '/devicelogin' })));

  app.post<{ Body: Form }>('/devicelogin', async (request, reply) => {
    const code = (request.body?.otc ?? '').trim();
    if (!code) return page(reply, 200, deviceCodePage({ action: '/devicelogin', error: { message: 'Enter the code displayed on your app or device.' } }));
    const found = flows.pendingByUserCode(code, ctx.clock.nowMs());
    if (!found.ok) return page(reply, 200, deviceCodePage({ action: '/devicelogin', code, error: deviceCodeError(found) }));
    const d = found.device;
    const flow: Flow = { kind: 'device', step: 'password', tk: d.tenantKey, tid: d.tenantId, userCode: d.userCode, appName: d.clientName, mfaRequired: d.mfaRequired, acrs: d.acrs };
    return showSignIn(reply, flow, undefined);
  });
}

/** What the code page says about a user code it cannot use (texts after Entra's device login page). */
function deviceCodeError(found: Extract<DeviceLookup, { ok: false }>): { message: string; code: number } {
  switch (found.reason) {
    case 'unknown':
      return { message: "That code didn't work. Check the code and try again.", code: 70018 };
    case 'expired':
      return { message: 'That code has expired. Go back to your app or device to get a new code.', code: 70019 };
    case 'used':
      return { message: 'That code was already used. Go back to your app or device to get a new code.', code: 90120 };
  }
}

