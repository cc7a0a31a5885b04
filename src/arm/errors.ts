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
    new ArmError(404, 'NotFound', `The emulator does not serve ${method} ${path} on Azure Resource Manager. It serves GET /subscriptions, GET /subscriptions/{subscriptionId}, GET /tenants and GET /metadata/endpoints, and Microsoft.Authorization under subscription, resource group and resource scopes: ${AUTHORIZATION_TYPES.join(', ')}.`),
  /** Microsoft.Authorization's answer to an api-version a resource type does not have (Azure/azure-sdk-for-java#28334). */
  invalidResourceTypeVersion: (type: string, version: string, supported: readonly string[]) =>
    new ArmError(400, 'InvalidResourceType', `The resource type '${type}' could not be found in the namespace 'Microsoft.Authorization' for api version '${version}'. The supported api-versions are '${supported.join(',')}'.`),
  resourceGroupNotFound: (name: string) => new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`),
  resourceNotFound: (typeAndName: string, group: string) =>
    new ArmError(404, 'ResourceNotFound', `The Resource '${typeAndName}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`),
  /** The emulator's words: scopes it does not model (management groups, malformed paths). */
  scopeNotEmulated: (scope: string) =>
    new ArmError(400, 'InvalidScope', `The scope '${scope}' is not emulated. Supported scopes: /subscriptions/{subscriptionId}, /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName} and /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{namespace}/{type}/{name}.`),
  /** ARM's wording for a caller without the action at the scope. */
  authorizationFailed: (oid: string, action: string, scope: string) =>
    new ArmError(403, 'AuthorizationFailed', `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`),
  invalidRequestContent: (why: string) => new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${why}'.`),
  /** The emulator's words (the real text is not in a source read): a $filter it does not understand. */
  invalidFilter: (filter: string, supported: readonly string[]) =>
    new ArmError(400, 'BadRequest', `The filter '${filter}' is not supported. Supported: ${supported.join(', ')}, combined with 'and'.`),
  invalidSkipToken: (token: string) => new ArmError(400, 'BadRequest', `Invalid $skiptoken '${token}': use the nextLink the previous page returned.`),
  notFoundAt: (type: string, name: string, scope: string) => new ArmError(404, 'NotFound', `The ${type} '${name}' was not found at scope '${scope}'.`),
  /** Azure/azure-quickstart-templates#12838: a request name used before. */
  requestExists: (name: string) => new ArmError(400, 'RoleAssignmentRequestExists', `A role assignment request with Id: ${name} already exists`),
  invalidName: (what: string, name: string) => new ArmError(400, 'InvalidRoleAssignmentId', `The ${what} ID '${name}' is not valid. The ${what} ID must be a GUID.`),
  roleAssignmentExists: () => new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.'),
  roleAssignmentUpdateNotPermitted: () => new ArmError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.'),
  principalNotFound: (id: string, tenantId: string) => new ArmError(400, 'PrincipalNotFound', `Principal ${id.replace(/-/g, '')} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.`),
  roleDefinitionDoesNotExist: (id: string) => new ArmError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${id}' does not exist.`),
  /** The emulator's words (ARM's are not in a source read): an approval the caller may not see or that does not exist. */
  approvalNotFound: (id: string) => new ArmError(404, 'RoleAssignmentApprovalNotFound', `The role assignment approval '${id}' was not found.`),
  approvalStageNotFound: (id: string, stageId: string) => new ArmError(404, 'RoleAssignmentApprovalStageNotFound', `The stage '${stageId}' of the role assignment approval '${id}' was not found.`),
  notEmulatedHere: (what: string) => new ArmError(400, 'NotSupported', `${what} is not emulated yet.`),
  /** PATCH of policy rules: every problem at once (the emulator's words). */
  invalidPolicyRules: (problems: readonly string[]) => new ArmError(400, 'InvalidRoleManagementPolicyRule', `The role management policy rules are invalid: ${problems.join(' ')}`),
};

/** The Microsoft.Authorization resource types the emulator serves. */
export const AUTHORIZATION_TYPES = [
  'roleDefinitions', 'roleAssignments', 'roleEligibilityScheduleRequests', 'roleAssignmentScheduleRequests', 'roleEligibilitySchedules',
  'roleAssignmentSchedules', 'roleEligibilityScheduleInstances', 'roleAssignmentScheduleInstances', 'roleManagementPolicies',
  'roleManagementPolicyAssignments', 'eligibleChildResources',
] as const;
