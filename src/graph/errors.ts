/**
 * Every error Graph gives, as a named factory; one translator (graph/plugin.ts) turns a GraphError
 * into the envelope {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * What Fastify refuses before a handler runs — a body that is not JSON, too large, or of a type no
 * parser takes — in Graph's words; undefined for any other error. Both the Graph plugin's error
 * handler and the root one use it: Fastify reads the body of a request under /v1.0 or /beta that no
 * route takes (another method, an unknown segment) before its not-found handler runs, so that
 * refusal reaches the root handler, and it must read as Graph's too.
 */
export function frameworkGraphError(error: Error & { code?: string }, contentType: string, bodyLimit: number): GraphError | undefined {
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return graphErrors.invalidJson();
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return graphErrors.unsupportedMediaType(contentType);
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return graphErrors.payloadTooLarge(bodyLimit);
  return undefined;
}

export const graphErrors = {
  // 401 — messages as Graph words them for each failure.
  tokenMissing: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.'),
  // IdentityModel's messages, as Graph returns them (MaikuB/flutter_appauth#575 shows IDX14100 from Graph).
  tokenMalformed: () =>
    new GraphError(401, 'InvalidAuthenticationToken', "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'."),
  /** Three parts, but the header is not base64url JSON (IdentityModel IDX14102; dotnet/aspnetcore#62597). */
  tokenUndecodable: () =>
    new GraphError(401, 'InvalidAuthenticationToken', "IDX14102: Unable to decode the header '[Security Artifact of type 'Microsoft.IdentityModel.Logging.SecurityArtifact' is hidden. For more details, see https://aka.ms/IdentityModel/SecurityArtifactLogging.]' as Base64Url encoded string."),
  tokenInvalid: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.'),
  tokenExpired: () => new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'),
  tokenAudience: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'),
  /** Worded like the audience failure: the issuer is not the token's tenant's (v1 sts.windows.net or v2 …/{tid}/v2.0). */
  tokenIssuer: () => new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid issuer.'),
  /** nbf lies beyond Entra's 5-minute skew; worded like the expiry failure. */
  tokenNotYetValid: () => new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is not yet valid.'),

  // 403
  /** Core Directory APIs (users, roleAssignments): reference §4.2. */
  insufficientPrivileges: () => new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),

  // 400
  invalidJson: () => new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'),
  unknownProperty: (property: string, type: string) =>
    new GraphError(400, 'BadRequest', `The property '${property}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`),
  invalidProperty: (property: string, type: string, why: string) =>
    new GraphError(400, 'BadRequest', `Invalid value for property '${property}' of type '${type}': ${why}.`),
  missingProperty: (property: string, type: string) =>
    new GraphError(400, 'BadRequest', `The property '${property}' is required on type '${type}'.`),
  unsupportedQueryOption: (option: string, supported: string[]) =>
    new GraphError(400, 'BadRequest', `Query option '${option}' is not supported on this resource. Supported query options: ${supported.length ? supported.join(', ') : 'none'}.`),
  /** OData's wording, as Graph returns it (microsoftgraph/msgraph-sdk-java#336). */
  duplicateQueryOption: (option: string) =>
    new GraphError(400, 'BadRequest', `Query option '${option}' was specified more than once, but it must be specified at most once.`),
  badQuery: (code: string, message: string) => new GraphError(400, code, message),
  selectExpand: (property: string, type: string) =>
    new GraphError(400, 'BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${property}' on type '${type}'.`),
  /** Reference §4.1 / §11.10: licence failures are 400, not 403. */
  licenseRequired: () =>
    new GraphError(400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.'),
  conflictingObject: () =>
    new GraphError(400, 'Request_BadRequest', 'A conflicting object with one or more of the specified property values is present in the directory.'),
  badRequest: (message: string) => new GraphError(400, 'Request_BadRequest', message),

  // 404
  resourceNotFound: (id: string) =>
    new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
  /**
   * An unknown path: Graph answers 400 BadRequest "Resource not found for the segment '…'." (its
   * OData router names the first segment it cannot bind); the emulator adds where the list of the
   * paths it emulates is, since a path Graph has but the emulator does not serve lands here too.
   */
  noSuchRoute: (segment: string) =>
    new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.`),
  segmentNotFound: (segment: string) => new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  methodNotAllowed: (method: string, allowed: readonly string[] = []) =>
    new GraphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed for this resource.${allowed.length ? ` It allows ${allowed.join(', ')}.` : ''}`, allowed.length ? { allow: allowed.join(', ') } : {}),
  /** A body no parser takes: OData's 415 (microsoftgraph/microsoft-graph-docs#4648 shows the code). */
  unsupportedMediaType: (contentType: string) =>
    new GraphError(415, 'RequestBodyRead', `A supported MIME type could not be found that matches the content type of the request. The supported type is 'application/json' (with any odata.* parameters); the request's is '${contentType}'.`),
  payloadTooLarge: (limit: number) => new GraphError(413, 'RequestEntityTooLarge', `The request body is larger than the emulator accepts (${limit} bytes).`),

  /**
   * A path of Microsoft's schema the emulator registers but does not emulate yet: 400 like Graph's
   * unknown segment (a registered route never answers 5xx), saying what is not emulated.
   */
  notEmulated: (what: string) =>
    new GraphError(400, 'BadRequest', `${what} is not emulated yet. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.`),

  // 501
  notImplemented: (what: string) =>
    new GraphError(501, 'NotImplemented', `${what} is not emulated yet. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.`),
};

/** innerError.date as Graph writes it: no fraction, no zone (reference §4). */
export function innerErrorDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
