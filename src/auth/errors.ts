import { newGuid } from '../ids.js';

/**
 * Errors of the token service, shaped like Entra's: {error, error_description starting with the
 * AADSTS code, error_codes, timestamp, trace_id, correlation_id}. MSAL parses exactly these fields.
 */
export class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }

  body(nowMs: number, correlationId = newGuid()): Record<string, unknown> {
    const traceId = newGuid();
    const timestamp = new Date(nowMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
    };
  }
}

/** One named factory per AADSTS error the emulator gives. Messages follow Entra's wording. */
export const aad = {
  tenantNotFound: (tenant: string) =>
    new AadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. The emulator knows the tenants listed by GET /_emulator/seed.`),
  /** Instance discovery for an authority that is not a known cloud (MSAL: invalid_instance). */
  invalidInstance: (endpoint: string | undefined) =>
    new AadError(400, 'invalid_instance', 50049, `Unknown or invalid instance. ${endpoint ? `The authorization_endpoint '${endpoint}' is not a Microsoft sign-in host nor this emulator.` : "The request must contain the query parameter 'authorization_endpoint'."}`),
  missingParameter: (name: string) =>
    new AadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grant: string, supported: readonly string[]) =>
    new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'. The emulator supports: ${supported.join(', ')}.`),
  unknownClient: (clientId: string, tenant: string) =>
    new AadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  invalidClientSecret: (clientId: string) =>
    new AadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  clientSecretRequired: () =>
    new AadError(401, 'invalid_client', 7000218, `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`),
  publicClientCannotUseClientCredentials: (clientId: string) =>
    new AadError(401, 'invalid_client', 7000218, `The request body must contain the following parameter: 'client_assertion' or 'client_secret'. Application '${clientId}' is a public client and cannot use the client credentials grant.`),
  userNotFound: (tenant: string) =>
    new AadError(400, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`),
  invalidCredentials: () =>
    new AadError(400, 'invalid_grant', 50126, `Error validating credentials due to invalid username or password.`),
  accountDisabled: () => new AadError(400, 'invalid_grant', 50057, `The user account is disabled.`),
  invalidMfaCode: (tenant: string, upn: string) =>
    new AadError(400, 'invalid_grant', 500121, `Authentication failed during strong authentication request. The verification code is wrong or expired. The emulator shows the current code at GET /_emulator/tenants/${tenant}/users/${encodeURIComponent(upn)}/mfa-code.`),
  /** The authenticator behaviour `deny`: the user rejected the push notification (Entra: AADSTS500121). */
  mfaDenied: (tenant: string, upn: string) =>
    new AadError(400, 'invalid_grant', 500121, `Authentication failed during strong authentication request. The user denied the sign-in request in the authenticator app (emulator: this user's authenticator behaviour is 'deny'; change it with PUT /_emulator/tenants/${tenant}/users/${encodeURIComponent(upn)}/authenticator).`),
  /** Step-up: the claims challenge needs MFA (AADSTS50076, as Entra answers a password grant that needs MFA). */
  stepUpRequired: (tenant: string, upn: string, acrs: string[]) =>
    new AadError(400, 'invalid_grant', 50076, `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'. The claims challenge asks for the authentication context ${acrs.join(', ')}: step up by sending the user's current code as mfa_code (GET /_emulator/tenants/${tenant}/users/${encodeURIComponent(upn)}/mfa-code).`),
  invalidGrant: (why: string) => new AadError(400, 'invalid_grant', 70000, `Provided grant is invalid or malformed. ${why}`),
  refreshTokenRedeemed: () =>
    new AadError(400, 'invalid_grant', 70000, `Provided grant is invalid or malformed. The refresh token was already used: the emulator rotates refresh tokens, so each one is redeemed once. Use the refresh_token of the latest token response.`),

  // ---- authorization code flow (v2-oauth2-auth-code-flow) ----
  // The texts of 50011, 50058, 54005, 70008 and 501481 are Entra's, as clients and samples quote them.
  redirectUriMismatch: (redirectUri: string, clientId: string) =>
    new AadError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`),
  redirectUriDiffersFromAuthorize: (redirectUri: string) =>
    new AadError(400, 'invalid_grant', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URI used in the authorization request that issued this code.`),
  unsupportedResponseType: (responseType: string) => {
    const types = responseType.split(/\s+/);
    if (types.includes('token')) return new AadError(400, 'unsupported_response_type', 700051, `response_type 'token' is not enabled for the application. The emulator supports the authorization code flow (response_type=code).`);
    if (types.includes('id_token')) return new AadError(400, 'unsupported_response_type', 700054, `response_type 'id_token' is not enabled for the application. The emulator supports the authorization code flow (response_type=code).`);
    return new AadError(400, 'unsupported_response_type', 70005, `The provided value for the input parameter 'response_type' is not allowed for this request. Expected value: 'code'. The emulator supports the authorization code flow (response_type=code).`);
  },
  unsupportedResponseMode: (mode: string) =>
    new AadError(400, 'invalid_request', 70007, `The provided value '${mode}' for the input parameter 'response_mode' is not supported. Expected one of: query, fragment, form_post.`),
  invalidCodeChallenge: () => new AadError(400, 'invalid_request', 501491, `Invalid size of Code_Challenge parameter.`),
  invalidCodeChallengeMethod: (method: string) =>
    new AadError(400, 'invalid_request', 9002313, `Invalid request. Request is malformed or invalid. code_challenge_method '${method}' is not supported: use S256 or plain.`),
  invalidClaims: (why: string) => new AadError(400, 'invalid_request', 90100, `The parameter 'claims' is empty or not valid: ${why}`),
  unsupportedPrompt: (prompt: string) =>
    new AadError(400, 'invalid_request', 90023, `Unsupported 'prompt' value '${prompt}'. Supported: login, none, consent, select_account.`),
  resourceNotSupported: () => new AadError(400, 'invalid_request', 901002, `The 'resource' request parameter is not supported.`),
  loginRequired: () =>
    new AadError(400, 'login_required', 50058, `A silent sign-in request was sent but no user is signed in. The emulator keeps no sign-in session, so prompt=none always ends here: sign in interactively.`),
  flowExpired: () =>
    new AadError(400, 'invalid_request', 50089, `Flow token expired - Authentication Failed. Have the user try signing-in again with username -password.`),
  authCodeUnknown: () =>
    new AadError(400, 'invalid_grant', 9002313, `Invalid request. Request is malformed or invalid. The authorization code is not one this emulator issued (codes are kept in memory: a restart forgets them).`),
  authCodeRedeemed: () =>
    new AadError(400, 'invalid_grant', 54005, `OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.`),
  authCodeExpired: () =>
    new AadError(400, 'invalid_grant', 70008, `The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.`),
  authCodeOtherTenant: () =>
    new AadError(400, 'invalid_grant', 700005, `Provided Authorization Code is intended to use against other tenant, thus rejected.`),
  codeVerifierMismatch: () =>
    new AadError(400, 'invalid_grant', 501481, `The Code_Verifier does not match the code_challenge supplied in the authorization request.`),

  // ---- device code flow (v2-oauth2-device-code) ----
  authorizationPending: () =>
    new AadError(400, 'authorization_pending', 70016, `OAuth 2.0 device flow error. Authorization is pending. Continue polling.`),
  // Not seen from Entra: RFC 8628 §3.5, for a client that polls faster than `interval` (MSAL never does).
  slowDown: (intervalSeconds: number) =>
    new AadError(400, 'slow_down', 70016, `OAuth 2.0 device flow error. Authorization is pending, but the client polls faster than the interval. Wait ${intervalSeconds} seconds between requests.`),
  deviceCodeExpired: () =>
    new AadError(400, 'expired_token', 70020, `The provided value for the input parameter 'device_code' is not valid. This device code has expired.`),
  // Entra documents no code of its own for a declined device flow; 65004 is its "user declined" code.
  deviceCodeDeclined: () => new AadError(400, 'authorization_declined', 65004, `User declined to consent to access the app.`),
  deviceCodeUnknown: () =>
    new AadError(400, 'bad_verification_code', 70018, `The device_code sent to the token endpoint was not recognized (device codes are kept in memory: a restart forgets them).`),
  deviceCodeRedeemed: () =>
    new AadError(400, 'invalid_grant', 70000, `Provided grant is invalid or malformed. The device code was already redeemed for tokens.`),
  refreshTokenExpired: () =>
    new AadError(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity.`),
  clientCredentialsScope: (scope: string) =>
    new AadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  invalidScope: (scope: string, known: string) =>
    new AadError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. ${known}`),
};
