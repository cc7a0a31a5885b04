/**
 * Azure Resource Manager errors: the envelope is {"error":{"code","message"}} (arm-pim-reference.md §3),
 * without Graph's innerError. One named factory per error the emulator gives.
 */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const ARM_AUDIENCES = [
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://management.azure.com/',
  'https://management.azure.com',
] as const;

export const armErrors = {
  missingApiVersion: () =>
    new ArmError(400, 'MissingApiVersionParameter', `The api-version query parameter (?api-version=) is required for all requests.`),
  invalidApiVersion: (version: string, supported: readonly string[]) =>
    new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}'.`),
  authorizationMissing: () =>
    new ArmError(401, 'AuthenticationFailed', `Authentication failed. The 'Authorization' header is missing.`),
  authorizationMalformed: () =>
    new ArmError(401, 'AuthenticationFailedInvalidHeader', `Authentication failed. The 'Authorization' header is provided in an invalid format.`),
  invalidToken: () => new ArmError(401, 'InvalidAuthenticationToken', `The access token is invalid.`),
  expiredToken: () =>
    new ArmError(401, 'ExpiredAuthenticationToken', `The access token expiry UTC time is earlier than current UTC time (the emulator clock).`),
  wrongAudience: (aud: string) =>
    new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${aud}'. It should exactly match with one of the allowed audiences ${ARM_AUDIENCES.map((a) => `'${a}'`).join(',')}.`),
  subscriptionNotFound: (id: string) => new ArmError(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`),
  notEmulated: (method: string, path: string) =>
    new ArmError(404, 'NotFound', `The emulator does not serve ${method} ${path} on Azure Resource Manager. It serves GET /subscriptions, GET /subscriptions/{subscriptionId}, GET /tenants and GET /metadata/endpoints; PIM for Azure resources (Microsoft.Authorization) is not emulated yet.`),
};
