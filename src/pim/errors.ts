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
  invalidRequestBecause: (why: string) => new PimError(400, 'InvalidRoleAssignmentRequest', `The role assignment request is invalid. ${why}`),
  /** Legacy PIM error code for a second request while one waits (reference §4.1). */
  pendingRequest: () => new PimError(400, 'PendingRoleAssignmentRequest', 'There is already a pending request for this role assignment.'),
  /**
   * Authentication context required: the message carries the claims challenge the client must send
   * to the token endpoint (reference §4.1; decoded {"access_token":{"acrs":{"essential":true, "value":"c1"}}}).
   */
  acrsValidationFailed: (claimValue: string) =>
    new PimError(400, 'RoleAssignmentRequestAcrsValidationFailed',
      `The Role assignment request requires the authentication context '${claimValue}'. Acquire a new token with this claims challenge and retry: &claims=${encodeURIComponent(`{"access_token":{"acrs":{"essential":true, "value":"${claimValue}"}}}`)}`),
  approvalNotFound: (id: string) => new PimError(404, 'NotFound', `The approval ${id} was not found.`),
  selfApproval: () => new PimError(403, 'Forbidden', 'Approvers cannot approve their own request.'),
  notAnApprover: () => new PimError(403, 'Forbidden', 'The caller is not an approver of this request.'),
  /** Reference §5: 409 when the step was already decided (by another approver) — or has expired. */
  alreadyDecided: () => new PimError(409, 'Conflict', 'The approval step has already been completed or has expired.'),
  approverJustificationRequired: () => new PimError(400, 'BadRequest', 'A justification is required to review this request (isApproverJustificationRequired).'),
  /** Reference §4.2: the PIM service answers missing scopes with its own JSON inside `message`. */
  scopeNotGranted: (scopes: readonly string[]) =>
    new PimError(403, 'UnknownError', JSON.stringify({ errorCode: 'PermissionScopeNotGranted', message: `Authorization failed due to missing permission scope ${scopes.join(',')}.`, instanceAnnotations: [] })),
  /** A signed-in user without the role the operation needs (legacy PIM wording, reference §4.2 neighbourhood). */
  unauthorized: () => new PimError(403, 'UnauthorizedAccessException', 'Attempted to perform an unauthorized operation.'),
};
