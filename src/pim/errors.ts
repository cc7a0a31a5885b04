/**
 * PIM's errors, named as Graph names them (reference §4.1–4.2). The domain throws these;
 * the Graph layer turns them into the error envelope in one place (graph/plugin.ts).
 */
export class PimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type RuleName = 'EligibilityRule' | 'ExpirationRule' | 'JustificationRule' | 'MfaRule' | 'TicketingRule';

export const pimErrors = {
  /**
   * Every failed rule at once. Graph lists them in alphabetical order: the observed messages
   * ["EligibilityRule","ExpirationRule"], ["ExpirationRule","JustificationRule"] (reference §4.1).
   */
  policyValidationFailed: (rules: RuleName[]) =>
    new PimError(400, 'RoleAssignmentRequestPolicyValidationFailed', `The following policy rules failed: ${JSON.stringify([...new Set(rules)].sort())}`),
  exists: () => new PimError(400, 'RoleAssignmentExists', 'The Role assignment already exists.'),
  doesNotExist: () => new PimError(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.'),
  /** Microsoft's typo ("Miniumum") copied on purpose (reference §4.1, §11.9). */
  activeDurationTooShort: () => new PimError(400, 'ActiveDurationTooShort', 'The Active duration is too short. Miniumum Required is 5 minutes.'),
  invalidRequest: () => new PimError(400, 'InvalidRoleAssignmentRequest', 'The role assignment request is invalid.'),
  /** An enum value Graph cannot parse: .NET's wording. */
  unknownEnumValue: (value: string) => new PimError(400, 'BadRequest', `Requested value '${value}' was not found.`),
  cannotCancel: (status: string) =>
    new PimError(400, 'BadRequest', `The request cannot be canceled because its status is '${status}'. Only requests with status Granted, PendingApproval or PendingApprovalProvisioning can be canceled.`),
  requestNotFound: (id: string) => new PimError(404, 'NotFound', `The request ${id} was not found.`),
  scheduleNotFound: (id: string) => new PimError(404, 'NotFound', `The schedule or instance ${id} was not found.`),
  notEmulated: (what: string) => new PimError(501, 'NotImplemented', `${what} is not emulated yet.`),
  /** Reference §4.2: the PIM service answers missing scopes with its own JSON inside `message`. */
  scopeNotGranted: (scopes: readonly string[]) =>
    new PimError(403, 'UnknownError', JSON.stringify({ errorCode: 'PermissionScopeNotGranted', message: `Authorization failed due to missing permission scope ${scopes.join(',')}.`, instanceAnnotations: [] })),
  /** A signed-in user without the role the operation needs (legacy PIM wording, reference §4.2 neighbourhood). */
  unauthorized: () => new PimError(403, 'UnauthorizedAccessException', 'Attempted to perform an unauthorized operation.'),
};
