// Writes the Microsoft.Authorization (ARM PIM) paths of openapi.yaml, between the markers
// "# arm-authorization:begin" and "# arm-authorization:end". Run: node scripts/arm-openapi.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(root, 'openapi.yaml');

const SCOPES = [
  ['/subscriptions/{subscriptionId}', ['subscriptionId']],
  ['/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}', ['subscriptionId', 'resourceGroupName']],
  ['/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{resourceType}/{resourceName}', ['subscriptionId', 'resourceGroupName', 'resourceProviderNamespace', 'resourceType', 'resourceName']],
];
const PIM = '2020-10-01 (also 2020-10-01-preview, 2022-04-01-preview, 2024-02-01-preview, 2024-09-01-preview)';
const TYPES = {
  roleDefinitions: { versions: '2022-04-01 (also 2015-07-01, 2018-01-01-preview, 2022-05-01-preview)', list: "Azure built-in role definitions with their real GUIDs; $filter roleName eq '…' or type eq 'BuiltInRole'", item: { get: 'One built-in role definition by GUID' } },
  roleAssignments: { versions: '2022-04-01 (also 2015-07-01, 2018-09-01-preview, 2020-04-01-preview, 2020-10-01-preview)', list: "Role assignments at, above and below the scope (made outside PIM, and PIM's active ones while they last); $filter atScope(), principalId eq '…', assignedTo('…')", item: { get: 'One role assignment', put: '201: a role assignment made outside PIM (Owner, User Access Administrator or Role Based Access Control Administrator at or above the scope); 409 RoleAssignmentExists', delete: '200 with the removed assignment; 204 when there is none' } },
  roleEligibilityScheduleRequests: { versions: PIM, list: "PIM requests; $filter atScope(), asTarget(), asRequestor(), principalId eq, roleDefinitionId eq, requestorId eq, status eq", item: { get: 'One request', put: '201: a request named by the client GUID (AdminAssign, AdminRemove, AdminUpdate, AdminExtend, AdminRenew), decided by the PIM engine; errors RoleAssignmentExists, RoleAssignmentDoesNotExist, ActiveDurationTooShort, RoleAssignmentRequestPolicyValidationFailed, RoleAssignmentRequestExists' }, actions: { cancel: '200 without a body: cancels a request waiting for its start', validate: '200: the request as it would be decided, nothing stored' } },
  roleAssignmentScheduleRequests: { versions: PIM, list: "PIM requests; $filter atScope(), asTarget(), asRequestor(), asApprover() (activations waiting for the caller's decision), principalId eq, roleDefinitionId eq, requestorId eq, status eq", item: { get: 'One request', put: '201: a request named by the client GUID (Admin* and SelfActivate, SelfDeactivate, SelfExtend, SelfRenew), decided by the PIM engine' }, actions: { cancel: '200 without a body: cancels a request waiting for its start', validate: '200: the request as it would be decided, nothing stored' } },
  roleEligibilitySchedules: { versions: PIM, list: "Eligibility schedules in force now or later, memberType Direct at the scope and Inherited from above; $filter atScope(), asTarget(), assignedTo('…'), principalId eq, roleDefinitionId eq", item: { get: 'One schedule' } },
  roleAssignmentSchedules: { versions: PIM, list: "Active assignment schedules (Assigned or Activated; role assignments made outside PIM as permanent Assigned); same filters", item: { get: 'One schedule' } },
  roleEligibilityScheduleInstances: { versions: PIM, list: 'Eligibilities in force now; same filters', item: { get: 'One instance' } },
  roleAssignmentScheduleInstances: { versions: PIM, list: 'Active assignments in force now; same filters', item: { get: 'One instance' } },
  roleManagementPolicies: { versions: PIM, list: "One policy per built-in role at the scope, with ARM's defaults; $filter roleDefinitionId eq '{full role definition id}'", item: { get: 'One policy', patch: '200: the policy with the given rules changed, under a new name (the name changes on update); every problem reported at once', delete: 'Not emulated yet: 400 NotSupported (the SPEC\'s RoleManagementPolicies_Delete; the built-in roles\' policies stay)' } },
  roleManagementPolicyAssignments: { versions: PIM, list: "The assignment of each role to its policy, named {policyName}_{roleDefinitionGuid}; $filter roleDefinitionId eq, policyId eq", item: { get: 'One policy assignment', put: 'Not emulated yet: 400 NotSupported (the SPEC\'s RoleManagementPolicyAssignments_Create; each role\'s assignment to its policy is fixed)', delete: 'Not emulated yet: 400 NotSupported (the SPEC\'s RoleManagementPolicyAssignments_Delete)' } },
  eligibleChildResources: { versions: PIM, list: "Resource groups and resources below the scope; $filter resourceType eq 'resourcegroup'" },
};

const param = (name, where = 'path', description) => ({ name, in: where, required: where === 'path', ...(description ? { description } : {}), schema: { type: 'string' } });
const errors = { '4XX': { description: '{"error":{"code","message"}}' } };
const op = (summary, params, ok, versions, query = []) => ({
  tags: ['Azure Resource Manager'],
  security: [{ bearer: [] }],
  summary,
  parameters: [...params.map((p) => param(p)), param('api-version', 'query', versions), ...query],
  responses: { ...ok, ...errors },
});

const paths = {};
for (const [scope, params] of SCOPES) {
  for (const [type, t] of Object.entries(TYPES)) {
    const base = `${scope}/providers/Microsoft.Authorization/${type}`;
    paths[base] = { get: op(t.list, params, { 200: { description: '{value[], nextLink?}' } }, t.versions, [param('$filter', 'query'), param('$skiptoken', 'query', 'from nextLink')]) };
    if (t.item) {
      const item = (paths[`${base}/{name}`] = {});
      for (const [method, summary] of Object.entries(t.item)) {
        const ok = summary.startsWith('Not emulated yet') ? { 400: { description: '{"error":{"code":"NotSupported","message":"… is not emulated yet."}}' } } : method === 'put' ? { 201: { description: 'Created' }, ...(type === 'roleAssignments' ? {} : {}) } : method === 'delete' ? { 200: { description: 'Deleted' }, 204: { description: 'Nothing to delete' } } : { 200: { description: 'OK' } };
        item[method] = op(summary, [...params, 'name'], ok, t.versions);
      }
    }
    for (const [action, summary] of Object.entries(t.actions ?? {})) {
      paths[`${base}/{name}/${action}`] = { post: op(summary, [...params, 'name'], { 200: { description: 'OK' } }, t.versions) };
    }
  }
}

// Approvals of activations: tenant-level, api-version 2021-01-01-preview; one stage whose id is the approval's.
const APPROVALS = '/providers/Microsoft.Authorization/roleAssignmentApprovals';
const APPROVAL_VERSIONS = '2021-01-01-preview';
const decide = 'An approver decides: {"properties":{"reviewResult":"Approve"|"Deny","justification"}}; 200 with the stage; 403 for the requestor or a non-approver, 409 once decided';
paths['/providers/Microsoft.Authorization/roleAssignmentScheduleRequests'] = { get: op("Activations waiting for the caller's decision across every scope; only $filter=asApprover() is served here", [], { 200: { description: '{value[], nextLink?}' } }, PIM, [param('$filter', 'query'), param('$skiptoken', 'query', 'from nextLink')]) };
paths[`${APPROVALS}/{approvalId}`] = { get: op('An activation\'s approval with its stage (its requestor and approvers only)', ['approvalId'], { 200: { description: 'OK' } }, APPROVAL_VERSIONS) };
paths[`${APPROVALS}/{approvalId}/stages`] = { get: op('The approval\'s stages (one)', ['approvalId'], { 200: { description: '{value[]}' } }, APPROVAL_VERSIONS) };
paths[`${APPROVALS}/{approvalId}/stages/{stageId}`] = {
  get: op('One stage', ['approvalId', 'stageId'], { 200: { description: 'OK' } }, APPROVAL_VERSIONS),
  put: op(decide, ['approvalId', 'stageId'], { 200: { description: 'OK' } }, APPROVAL_VERSIONS),
  patch: op(decide, ['approvalId', 'stageId'], { 200: { description: 'OK' } }, APPROVAL_VERSIONS),
};

const text = readFileSync(file, 'utf8');
const BEGIN = '  # arm-authorization:begin\n';
const END = '  # arm-authorization:end\n';
const block = `${BEGIN}${YAML.stringify(paths, { lineWidth: 0, aliasDuplicateObjects: false }).replace(/^/gm, '  ').replace(/ +$/gm, '')}${END}`;
let next;
if (text.includes(BEGIN)) next = text.slice(0, text.indexOf(BEGIN)) + block + text.slice(text.indexOf(END) + END.length);
else next = text.replace('  /_emulator/health:\n', `${block}  /_emulator/health:\n`);
writeFileSync(file, next);
console.log(`openapi.yaml: ${Object.keys(paths).length} Microsoft.Authorization paths`);
