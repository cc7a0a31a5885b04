// One-off writer of authorization-2020-10-01.json: the response definitions of Microsoft.Authorization
// 2020-10-01 (PIM) as published in Azure/azure-rest-api-specs, reduced to what validation uses
// (type, enum, properties, required, items, $ref, allOf); descriptions, x-ms-* and readOnly dropped.
// Transcribed from the source files at the commits listed under "x-source".
import { writeFileSync } from 'node:fs';
const S = { type: 'string' };
const DT = { type: 'string', format: 'date-time' };
const e = (...values) => ({ type: 'string', enum: values });
const obj = (properties, extra = {}) => ({ type: 'object', properties, ...extra });
const arr = (items) => ({ type: 'array', items });
const ref = (name) => ({ $ref: `#/definitions/${name}` });
const STATUS = e('Accepted', 'PendingEvaluation', 'Granted', 'Denied', 'PendingProvisioning', 'Provisioned', 'PendingRevocation', 'Revoked', 'Canceled', 'Failed', 'PendingApprovalProvisioning', 'PendingApproval', 'FailedAsResourceIsLocked', 'PendingAdminDecision', 'AdminApproved', 'AdminDenied', 'TimedOut', 'ProvisioningStarted', 'Invalid', 'PendingScheduleCreation', 'ScheduleCreated', 'PendingExternalProvisioning');
const PT5 = e('User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device');
const PT4 = e('User', 'Group', 'ServicePrincipal', 'ForeignGroup');
const REQUEST_TYPE = e('AdminAssign', 'AdminRemove', 'AdminUpdate', 'AdminExtend', 'AdminRenew', 'SelfActivate', 'SelfDeactivate', 'SelfExtend', 'SelfRenew');
const MEMBER = e('Inherited', 'Direct', 'Group');
const ASSIGNMENT_TYPE = e('Activated', 'Assigned');
const SCHEDULE_INFO = obj({ startDateTime: DT, expiration: obj({ type: e('AfterDuration', 'AfterDateTime', 'NoExpiration'), endDateTime: DT, duration: S }) });
const TICKET = obj({ ticketNumber: S, ticketSystem: S });
const IDN = obj({ id: S, displayName: S, type: S });
const resource = (props) => obj({ id: S, name: S, type: S, properties: ref(props) });
const list = (item) => obj({ value: arr(ref(item)), nextLink: S });
const rule = (properties) => ({ type: 'object', allOf: [ref('RoleManagementPolicyRule')], properties });

const requestProps = (which) => obj({
  scope: S, roleDefinitionId: S, principalId: S, principalType: PT5, requestType: REQUEST_TYPE, status: STATUS, approvalId: S,
  scheduleInfo: SCHEDULE_INFO,
  [`targetRole${which}ScheduleId`]: S, [`targetRole${which}ScheduleInstanceId`]: S,
  ...(which === 'Assignment' ? { linkedRoleEligibilityScheduleId: S } : {}),
  justification: S, ticketInfo: TICKET, condition: S, conditionVersion: S, createdOn: DT, requestorId: S,
  expandedProperties: ref('ExpandedProperties'),
}, { required: ['roleDefinitionId', 'principalId', 'requestType'] });

const definitions = {
  // EligibleChildResources.json (2020-10-01)
  EligibleChildResource: obj({ id: S, name: S, type: S }),
  EligibleChildResourcesListResult: list('EligibleChildResource'),
  // authorization-RoleDefinitionsCalls.json (2022-04-01)
  RoleDefinition: resource('RoleDefinitionProperties'),
  RoleDefinitionProperties: obj({ roleName: S, description: S, type: S, permissions: arr(ref('Permission')), assignableScopes: arr(S) }),
  RoleDefinitionListResult: list('RoleDefinition'),
  Permission: obj({ actions: arr(S), notActions: arr(S), dataActions: arr(S), notDataActions: arr(S) }),
  CloudError: obj({ error: ref('CloudErrorBody') }),
  CloudErrorBody: obj({ code: S, message: S }),
  ExpandedProperties: obj({ scope: IDN, roleDefinition: IDN, principal: obj({ id: S, displayName: S, email: S, type: S }) }),

  RoleEligibilityScheduleRequest: resource('RoleEligibilityScheduleRequestProperties'),
  RoleEligibilityScheduleRequestProperties: requestProps('Eligibility'),
  RoleEligibilityScheduleRequestListResult: list('RoleEligibilityScheduleRequest'),
  RoleAssignmentScheduleRequest: resource('RoleAssignmentScheduleRequestProperties'),
  RoleAssignmentScheduleRequestProperties: requestProps('Assignment'),
  RoleAssignmentScheduleRequestListResult: list('RoleAssignmentScheduleRequest'),

  RoleEligibilitySchedule: resource('RoleEligibilityScheduleProperties'),
  RoleEligibilityScheduleProperties: obj({ scope: S, roleDefinitionId: S, principalId: S, principalType: PT5, roleEligibilityScheduleRequestId: S, memberType: MEMBER, status: STATUS, startDateTime: DT, endDateTime: DT, condition: S, conditionVersion: S, createdOn: DT, updatedOn: DT, expandedProperties: ref('ExpandedProperties') }),
  RoleEligibilityScheduleListResult: list('RoleEligibilitySchedule'),
  RoleAssignmentSchedule: resource('RoleAssignmentScheduleProperties'),
  RoleAssignmentScheduleProperties: obj({ scope: S, roleDefinitionId: S, principalId: S, principalType: PT4, roleAssignmentScheduleRequestId: S, linkedRoleEligibilityScheduleId: S, assignmentType: ASSIGNMENT_TYPE, memberType: MEMBER, status: STATUS, startDateTime: DT, endDateTime: DT, condition: S, conditionVersion: S, createdOn: DT, updatedOn: DT, expandedProperties: ref('ExpandedProperties') }),
  RoleAssignmentScheduleListResult: list('RoleAssignmentSchedule'),

  RoleEligibilityScheduleInstance: resource('RoleEligibilityScheduleInstanceProperties'),
  RoleEligibilityScheduleInstanceProperties: obj({ scope: S, roleDefinitionId: S, principalId: S, principalType: PT4, roleEligibilityScheduleId: S, status: STATUS, startDateTime: DT, endDateTime: DT, memberType: MEMBER, condition: S, conditionVersion: S, createdOn: DT, expandedProperties: ref('ExpandedProperties') }),
  RoleEligibilityScheduleInstanceListResult: list('RoleEligibilityScheduleInstance'),
  RoleAssignmentScheduleInstance: resource('RoleAssignmentScheduleInstanceProperties'),
  RoleAssignmentScheduleInstanceProperties: obj({ scope: S, roleDefinitionId: S, principalId: S, principalType: PT5, roleAssignmentScheduleId: S, originRoleAssignmentId: S, status: STATUS, startDateTime: DT, endDateTime: DT, linkedRoleEligibilityScheduleId: S, linkedRoleEligibilityScheduleInstanceId: S, assignmentType: ASSIGNMENT_TYPE, memberType: MEMBER, condition: S, conditionVersion: S, createdOn: DT, expandedProperties: ref('ExpandedProperties') }),
  RoleAssignmentScheduleInstanceListResult: list('RoleAssignmentScheduleInstance'),

  RoleManagementPolicy: resource('RoleManagementPolicyProperties'),
  RoleManagementPolicyProperties: obj({ scope: S, displayName: S, description: S, isOrganizationDefault: { type: 'boolean' }, lastModifiedBy: ref('Principal'), lastModifiedDateTime: DT, rules: arr(ref('RoleManagementPolicyRule')), effectiveRules: arr(ref('RoleManagementPolicyRule')), policyProperties: ref('PolicyProperties') }),
  RoleManagementPolicyListResult: list('RoleManagementPolicy'),
  PolicyProperties: obj({ scope: IDN }),
  Principal: obj({ id: S, displayName: S, type: S, email: S }),
  RoleManagementPolicyRule: obj({ id: S, ruleType: ref('RoleManagementPolicyRuleType'), target: ref('RoleManagementPolicyRuleTarget') }, { required: ['ruleType'], discriminator: 'ruleType' }),
  RoleManagementPolicyRuleType: e('RoleManagementPolicyApprovalRule', 'RoleManagementPolicyAuthenticationContextRule', 'RoleManagementPolicyEnablementRule', 'RoleManagementPolicyExpirationRule', 'RoleManagementPolicyNotificationRule'),
  RoleManagementPolicyRuleTarget: obj({ caller: S, operations: arr(S), level: S, targetObjects: arr(S), inheritableSettings: arr(S), enforcedSettings: arr(S) }),
  RoleManagementPolicyApprovalRule: rule({ setting: ref('ApprovalSettings') }),
  ApprovalSettings: obj({ isApprovalRequired: { type: 'boolean' }, isApprovalRequiredForExtension: { type: 'boolean' }, isRequestorJustificationRequired: { type: 'boolean' }, approvalMode: e('SingleStage', 'Serial', 'Parallel', 'NoApproval'), approvalStages: arr(ref('ApprovalStage')) }),
  ApprovalStage: obj({ approvalStageTimeOutInDays: { type: 'integer' }, isApproverJustificationRequired: { type: 'boolean' }, escalationTimeInMinutes: { type: 'integer' }, primaryApprovers: arr(ref('UserSet')), isEscalationEnabled: { type: 'boolean' }, escalationApprovers: arr(ref('UserSet')) }),
  UserSet: obj({ userType: e('User', 'Group'), isBackup: { type: 'boolean' }, id: S, description: S }),
  RoleManagementPolicyAuthenticationContextRule: rule({ isEnabled: { type: 'boolean' }, claimValue: S }),
  RoleManagementPolicyEnablementRule: rule({ enabledRules: arr(e('MultiFactorAuthentication', 'Justification', 'Ticketing')) }),
  RoleManagementPolicyExpirationRule: rule({ isExpirationRequired: { type: 'boolean' }, maximumDuration: S }),
  RoleManagementPolicyNotificationRule: rule({ notificationType: e('Email'), notificationLevel: e('None', 'Critical', 'All'), recipientType: e('Requestor', 'Approver', 'Admin'), notificationRecipients: arr(S), isDefaultRecipientsEnabled: { type: 'boolean' } }),

  RoleManagementPolicyAssignment: resource('RoleManagementPolicyAssignmentProperties'),
  RoleManagementPolicyAssignmentProperties: obj({ scope: S, roleDefinitionId: S, policyId: S, effectiveRules: arr(ref('RoleManagementPolicyRule')), policyAssignmentProperties: ref('PolicyAssignmentProperties') }),
  RoleManagementPolicyAssignmentListResult: list('RoleManagementPolicyAssignment'),
  // stable/2022-04-01/authorization-RoleAssignmentsCalls.json (the role assignments version the emulator's docs name).
  RoleAssignment: resource('RoleAssignmentProperties'),
  RoleAssignmentProperties: obj({ scope: S, roleDefinitionId: S, principalId: S, principalType: e('User', 'Group', 'ServicePrincipal', 'ForeignGroup'), description: S, condition: S, conditionVersion: S, createdOn: DT, updatedOn: DT, createdBy: S, updatedBy: S, delegatedManagedIdentityResourceId: S }, { required: ['roleDefinitionId', 'principalId'] }),
  RoleAssignmentListResult: list('RoleAssignment'),
  PolicyAssignmentProperties: obj({ scope: IDN, roleDefinition: IDN, policy: obj({ id: S, lastModifiedBy: ref('Principal'), lastModifiedDateTime: DT }) }),
};

const BASE = 'specification/authorization/resource-manager/Microsoft.Authorization/stable/2020-10-01/';
const out = {
  'x-source': {
    repository: 'https://github.com/Azure/azure-rest-api-specs',
    note: 'Definitions transcribed (reduced) from these files at these commits; the operations each file declares are listed under x-operations.',
    files: {
      [`${BASE}RoleEligibilityScheduleRequest.json`]: '104476d288d68409687ff0f417586a6c0a12da85',
      [`${BASE}RoleAssignmentScheduleRequest.json`]: '342bf9c7f9865eb6e0e6852391430cf1160a3962',
      [`${BASE}RoleEligibilitySchedule.json`]: '04c2cb7bb78946cf2fce656ee0ccff69bec99f5b',
      [`${BASE}RoleAssignmentSchedule.json`]: '1aef322e42ea7248fc86cbb7ed276e896dc21ff0',
      [`${BASE}RoleEligibilityScheduleInstance.json`]: '8c36ae358f18b76c4559515a21bdaa1e30e28ad5',
      [`${BASE}RoleAssignmentScheduleInstance.json`]: '65ee5e20b40a1cdce2af21ef7605ee4de10dd78f',
      [`${BASE}RoleManagementPolicy.json`]: '0e5deef868c82d9ee1941ae5d6c10f3a3bb1864f',
      [`${BASE}RoleManagementPolicyAssignment.json`]: '0e5deef868c82d9ee1941ae5d6c10f3a3bb1864f',
      [`${BASE}common-types.json`]: '615e2b73b9e56d7f6b77f320f1751e73e36c0df1',
      'specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json': '007a51db374076edb902fd44eb8299eea6336335',
      'specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json': '007a51db374076edb902fd44eb8299eea6336335',
      [`${BASE}EligibleChildResources.json`]: '6357078ba1e30c90b6f7b86437312a4d5e519d73',
    },
  },
  'x-operations': OPERATIONS(),
  // Role assignments and role definitions, checked only on requests with api-version=2022-04-01 (their
  // SPEC's version); the by-id operations (/{roleAssignmentId}, /{roleId}) name the same paths as these.
  'x-operations-role-assignments': [
    { operationId: 'RoleAssignments_Get', method: 'GET', path: '/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}', apiVersion: '2022-04-01', responses: { 200: 'RoleAssignment' } },
    { operationId: 'RoleAssignments_Create', method: 'PUT', path: '/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}', apiVersion: '2022-04-01', responses: { 200: 'RoleAssignment', 201: 'RoleAssignment' } },
    { operationId: 'RoleAssignments_Delete', method: 'DELETE', path: '/{scope}/providers/Microsoft.Authorization/roleAssignments/{name}', apiVersion: '2022-04-01', responses: { 200: 'RoleAssignment', 204: null } },
    { operationId: 'RoleAssignments_ListForScope', method: 'GET', path: '/{scope}/providers/Microsoft.Authorization/roleAssignments', apiVersion: '2022-04-01', responses: { 200: 'RoleAssignmentListResult' } },
    { operationId: 'RoleDefinitions_Get', method: 'GET', path: '/{scope}/providers/Microsoft.Authorization/roleDefinitions/{name}', apiVersion: '2022-04-01', responses: { 200: 'RoleDefinition' } },
    { operationId: 'RoleDefinitions_List', method: 'GET', path: '/{scope}/providers/Microsoft.Authorization/roleDefinitions', apiVersion: '2022-04-01', responses: { 200: 'RoleDefinitionListResult' } },
  ],
  definitions,
};
function OPERATIONS() {
  // operationId, method, path under {scope}, response status → definition (null: no body), per the SPEC files above.
  const P = '/{scope}/providers/Microsoft.Authorization';
  const ops = [];
  for (const [type, T] of [['roleEligibilityScheduleRequests', 'RoleEligibilityScheduleRequest'], ['roleAssignmentScheduleRequests', 'RoleAssignmentScheduleRequest']]) {
    const G = T.replace(/^Role/, 'Role').replace(/Request$/, 'Requests');
    ops.push({ operationId: `${G}_Create`, method: 'PUT', path: `${P}/${type}/{name}`, responses: { 201: T } });
    ops.push({ operationId: `${G}_Get`, method: 'GET', path: `${P}/${type}/{name}`, responses: { 200: T } });
    ops.push({ operationId: `${G}_ListForScope`, method: 'GET', path: `${P}/${type}`, responses: { 200: `${T}ListResult` } });
    ops.push({ operationId: `${G}_Cancel`, method: 'POST', path: `${P}/${type}/{name}/cancel`, responses: { 200: null } });
    ops.push({ operationId: `${G}_Validate`, method: 'POST', path: `${P}/${type}/{name}/validate`, responses: { 200: T } });
  }
  for (const [type, T, G] of [
    ['roleEligibilitySchedules', 'RoleEligibilitySchedule', 'RoleEligibilitySchedules'],
    ['roleAssignmentSchedules', 'RoleAssignmentSchedule', 'RoleAssignmentSchedules'],
    ['roleEligibilityScheduleInstances', 'RoleEligibilityScheduleInstance', 'RoleEligibilityScheduleInstances'],
    ['roleAssignmentScheduleInstances', 'RoleAssignmentScheduleInstance', 'RoleAssignmentScheduleInstances'],
  ]) {
    ops.push({ operationId: `${G}_Get`, method: 'GET', path: `${P}/${type}/{name}`, responses: { 200: T } });
    ops.push({ operationId: `${G}_ListForScope`, method: 'GET', path: `${P}/${type}`, responses: { 200: `${T}ListResult` } });
  }
  ops.push({ operationId: 'RoleManagementPolicies_Get', method: 'GET', path: `${P}/roleManagementPolicies/{name}`, responses: { 200: 'RoleManagementPolicy' } });
  ops.push({ operationId: 'RoleManagementPolicies_Update', method: 'PATCH', path: `${P}/roleManagementPolicies/{name}`, responses: { 200: 'RoleManagementPolicy' } });
  ops.push({ operationId: 'RoleManagementPolicies_Delete', method: 'DELETE', path: `${P}/roleManagementPolicies/{name}`, responses: { 200: null, 204: null } });
  ops.push({ operationId: 'RoleManagementPolicies_ListForScope', method: 'GET', path: `${P}/roleManagementPolicies`, responses: { 200: 'RoleManagementPolicyListResult' } });
  ops.push({ operationId: 'RoleManagementPolicyAssignments_Get', method: 'GET', path: `${P}/roleManagementPolicyAssignments/{name}`, responses: { 200: 'RoleManagementPolicyAssignment' } });
  ops.push({ operationId: 'RoleManagementPolicyAssignments_Create', method: 'PUT', path: `${P}/roleManagementPolicyAssignments/{name}`, responses: { 201: 'RoleManagementPolicyAssignment' } });
  ops.push({ operationId: 'RoleManagementPolicyAssignments_Delete', method: 'DELETE', path: `${P}/roleManagementPolicyAssignments/{name}`, responses: { 200: null, 204: null } });
  ops.push({ operationId: 'RoleManagementPolicyAssignments_ListForScope', method: 'GET', path: `${P}/roleManagementPolicyAssignments`, responses: { 200: 'RoleManagementPolicyAssignmentListResult' } });
  ops.push({ operationId: 'EligibleChildResources_Get', method: 'GET', path: `${P}/eligibleChildResources`, responses: { 200: 'EligibleChildResourcesListResult' } });
  return ops;
}
writeFileSync(new URL('./authorization-2020-10-01.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
