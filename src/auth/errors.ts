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
  missingParameter: (name: string) =>
    new AadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grant: string) =>
    new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'. The emulator supports: client_credentials, password, refresh_token.`),
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
  invalidGrant: (why: string) => new AadError(400, 'invalid_grant', 70000, `Provided grant is invalid or malformed. ${why}`),
  refreshTokenExpired: () =>
    new AadError(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity.`),
  clientCredentialsScope: (scope: string) =>
    new AadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  invalidScope: (scope: string, known: string) =>
    new AadError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. ${known}`),
};
