import type { TenantData } from '../directory/model.js';
import { AadError, aad } from './errors.js';
import { delegatedScopesFor, findClient, findClientInAnyTenant, parseScopes, redirectUriAllowed, type Client } from './clients.js';
import type { PkceMethod, ResponseMode } from './flows.js';

/** A validated GET /authorize request: what the sign-in pages carry until the code is issued. */
export interface AuthorizeRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  responseMode: ResponseMode;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: PkceMethod;
  loginHint?: string;
  /** MFA is required when the claims parameter asks for acrs, or amr_values names mfa. */
  mfaRequired: boolean;
  /** The authentication context class references asked for; granted only after MFA. */
  acrs: string[];
  prompt?: string;
}

/**
 * How Entra answers a bad request depends on what is known to be safe: while the client and
 * its redirect URI are unproven the error is a page (never a redirect to an unverified URI);
 * afterwards it goes back to the app as error/error_description/state.
 */
export type AuthorizeOutcome =
  | { kind: 'page'; error: AadError; client?: Client }
  | { kind: 'redirect'; error: AadError; redirectUri: string; responseMode: ResponseMode; state?: string }
  | { kind: 'ok'; request: AuthorizeRequest; client: Client };

const RESPONSE_MODES: readonly string[] = ['query', 'fragment', 'form_post'] satisfies ResponseMode[];
const PROMPTS = new Set(['login', 'none', 'consent', 'select_account']);
/** RFC 7636 §4.2: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const CODE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

/** The parameters in Entra's order of checks: tenant (by the caller), client, redirect URI, then the rest. */
/** `ownOrigin` is the emulator's scheme://host:port as the browser called it (for the workshop portal's redirect URI). */
export function validateAuthorize(q: Record<string, string | undefined>, tenant: TenantData | undefined, tenantKey: string, allTenants: readonly TenantData[], ownOrigin?: string): AuthorizeOutcome {
  const clientId = q.client_id;
  if (!clientId) return { kind: 'page', error: aad.missingParameter('client_id') };
  const client = tenant ? findClient(tenant, clientId) : findClientInAnyTenant(allTenants, clientId);
  if (!client) return { kind: 'page', error: aad.unknownClient(clientId, tenant?.tenant.domain ?? tenantKey) };
  const redirectUri = q.redirect_uri;
  if (!redirectUri) return { kind: 'page', error: aad.missingParameter('redirect_uri'), client };
  if (!redirectUriAllowed(client, redirectUri, ownOrigin)) return { kind: 'page', error: aad.redirectUriMismatch(redirectUri, client.clientId), client };

  const state = q.state;
  const mode = q.response_mode ?? 'query';
  const fail = (error: AadError, responseMode: ResponseMode = mode as ResponseMode): AuthorizeOutcome => ({ kind: 'redirect', error, redirectUri, responseMode, state });
  if (!RESPONSE_MODES.includes(mode)) return fail(aad.unsupportedResponseMode(mode), 'query');
  const responseMode = mode as ResponseMode;

  const responseType = q.response_type;
  if (!responseType) return fail(aad.missingParameter('response_type'));
  if (responseType.trim() !== 'code') return fail(aad.unsupportedResponseType(responseType));
  if (q.resource !== undefined) return fail(aad.resourceNotSupported());
  const scope = q.scope;
  if (!scope) return fail(aad.missingParameter('scope'));
  const { unknown } = delegatedScopesFor(client, parseScopes(scope));
  if (unknown.length) return fail(aad.invalidScope(unknown.join(' '), 'Known delegated permissions are listed in docs/sign-in.md.'));

  let codeChallengeMethod: PkceMethod | undefined;
  const codeChallenge = q.code_challenge;
  if (codeChallenge !== undefined) {
    // "If excluded, code_challenge is assumed to be plaintext" (v2-oauth2-auth-code-flow).
    const method = q.code_challenge_method ?? 'plain';
    if (method !== 'S256' && method !== 'plain') return fail(aad.invalidCodeChallengeMethod(method));
    if (!CODE_CHALLENGE.test(codeChallenge)) return fail(aad.invalidCodeChallenge());
    codeChallengeMethod = method;
  }

  const prompt = q.prompt;
  if (prompt !== undefined && !PROMPTS.has(prompt)) return fail(aad.unsupportedPrompt(prompt));
  const acrs = requestedAcrs(q.claims);
  if (acrs instanceof AadError) return fail(acrs);
  const amrValues = (q.amr_values ?? '').split(/\s+/).filter(Boolean);
  // There is no sign-in session to reuse: a silent request can never succeed.
  if (prompt === 'none') return fail(aad.loginRequired());

  return {
    kind: 'ok',
    client,
    request: {
      clientId: client.clientId,
      clientName: client.displayName,
      redirectUri,
      responseMode,
      scope,
      state,
      nonce: q.nonce,
      codeChallenge,
      codeChallengeMethod,
      loginHint: q.login_hint,
      mfaRequired: acrs.length > 0 || amrValues.includes('mfa'),
      acrs,
      prompt,
    },
  };
}

/**
 * The acrs a `claims` parameter asks for, as Conditional Access step-up sends them:
 * {"access_token":{"acrs":{"essential":true,"value":"c1"}}} or with "values":["c1","c2"].
 * Other claims (MSAL's xms_cc client capabilities, say) are accepted and ignored.
 */
export function requestedAcrs(claims: string | undefined): string[] | AadError {
  if (claims === undefined || claims === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(claims);
  } catch {
    return aad.invalidClaims('it is not JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return aad.invalidClaims('it must be a JSON object.');
  const out = new Set<string>();
  for (const target of ['access_token', 'id_token'] as const) {
    const acrs = ((parsed as Record<string, unknown>)[target] as Record<string, unknown> | undefined)?.acrs as { value?: unknown; values?: unknown } | null | undefined;
    if (!acrs || typeof acrs !== 'object') continue;
    if (typeof acrs.value === 'string') out.add(acrs.value);
    if (Array.isArray(acrs.values)) for (const v of acrs.values) if (typeof v === 'string') out.add(v);
  }
  return [...out];
}
