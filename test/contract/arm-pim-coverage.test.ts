import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { coverageMarkdown, probeArmCoverage, REPORT_END, REPORT_START, SCOPE_KINDS, specOperations, type ArmCoverage } from '../../scripts/arm-pim-coverage.js';
import { armExtract, armOperationOf, checkArmDefinition, checkArmResponse } from '../support/arm-conformance.js';
import { conformanceStats } from '../support/conformance.js';
import { testEmulator } from '../support/emulator.js';

const REGENERATE = 'run `npx tsx scripts/arm-pim-coverage.ts` to regenerate docs/graph.md';

/**
 * PIM for Azure resources against Microsoft.Authorization's SPEC (issue #19): every PIM operation of
 * stable/2020-10-01 is served at a subscription, a resource group and a resource, or refused with
 * 400 saying it is not emulated yet — never a silent 404; docs/graph.md's table says what the probe
 * finds; every body the probe receives is checked against the SPEC's definitions (the conformance
 * hook of test/support/emulator.ts fails the test otherwise), and the checker itself catches what it
 * should.
 */
describe("PIM for Azure resources: coverage of the SPEC's operations", () => {
  let emu: Emulator;
  let coverage: ArmCoverage;
  beforeAll(async () => {
    emu = await testEmulator();
    coverage = await probeArmCoverage(emu);
  });
  afterAll(async () => emu.close());

  it('takes the operations from the vendored SPEC extract, with the commits it was read at', () => {
    const extract = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'test', 'schema', 'arm', 'authorization-2020-10-01.json'), 'utf8'));
    for (const commit of Object.values(extract['x-source'].files)) expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(specOperations()).toHaveLength(27);
    expect(specOperations().map((o) => o.operationId)).toEqual(expect.arrayContaining(['RoleEligibilityScheduleRequests_Create', 'RoleAssignmentScheduleRequests_Cancel', 'RoleManagementPolicies_Update', 'RoleManagementPolicyAssignments_Delete']));
  });

  it('answers every SPEC operation at every kind of scope: served, or 400 saying it is not emulated yet', () => {
    expect(coverage.failures).toEqual([]);
    for (const op of specOperations()) for (const scope of SCOPE_KINDS) expect(coverage.probes.filter((p) => p.operationId === op.operationId && p.scope === scope), `${op.operationId} at a ${scope}`).toHaveLength(1);
    const refused = [...new Set(coverage.probes.filter((p) => p.outcome === 'not emulated').map((p) => p.operationId))].sort();
    expect(refused).toEqual(['RoleManagementPolicies_Delete', 'RoleManagementPolicyAssignments_Create', 'RoleManagementPolicyAssignments_Delete']);
    expect(coverage.probes.find((p) => p.operationId === 'RoleManagementPolicies_Delete')!.message).toBe('DELETE on roleManagementPolicies/{name} (it takes GET and PATCH) is not emulated yet.');
  });

  it('checked the body of every served operation against the SPEC', () => {
    const checked = [...conformanceStats.byOperation.keys()];
    const unchecked = coverage.probes.filter((x) => x.outcome === 'served' && !checked.includes(`${x.operationId} ${x.status}`));
    expect(unchecked.map((p) => `${p.operationId} ${p.status}`), checked.join(', ')).toEqual([]);
    expect(conformanceStats.byOperation.get('CloudError')).toBeGreaterThan(0);
  });

  it("keeps docs/graph.md's coverage table in step with the probe", () => {
    const doc = readFileSync(path.join(PACKAGE_ROOT, 'docs', 'graph.md'), 'utf8');
    const at = doc.indexOf(REPORT_START);
    expect(at, REGENERATE).toBeGreaterThan(0);
    expect(doc.slice(at + REPORT_START.length + 1, doc.indexOf(REPORT_END)).trimEnd(), REGENERATE).toBe(coverageMarkdown(coverage));
  });
});

describe('the ARM SPEC checker', () => {
  // The SPEC's own example response (stable/2020-10-01/examples/GetRoleEligibilityScheduleRequestByName.json).
  const example = {
    properties: {
      targetRoleEligibilityScheduleId: 'b1477448-2cc6-4ceb-93b4-54a202a89413',
      targetRoleEligibilityScheduleInstanceId: null,
      scope: '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f',
      roleDefinitionId: '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/c8d4ff99-41c3-41a8-9f60-21dfdad59608',
      principalId: 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea',
      principalType: 'User',
      requestType: 'AdminAssign',
      status: 'Provisioned',
      approvalId: null,
      scheduleInfo: { startDateTime: '2020-09-09T21:31:27.91Z', expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P365D' } },
      ticketInfo: { ticketNumber: null, ticketSystem: null },
      justification: null,
      requestorId: 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea',
      createdOn: '2020-09-09T21:32:27.91Z',
      condition: "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'foo_storage_container'",
      conditionVersion: '1.0',
      expandedProperties: {
        scope: { id: '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f', displayName: 'Pay-As-You-Go', type: 'subscription' },
        roleDefinition: { id: '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/c8d4ff99-41c3-41a8-9f60-21dfdad59608', displayName: 'Contributor', type: 'BuiltInRole' },
        principal: { id: 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea', displayName: 'User Account', email: 'user@my-tenant.com', type: 'User' },
      },
    },
    name: '64caffb6-55c0-4deb-a585-68e948ea1ad6',
    id: '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/RoleEligibilityRequests/64caffb6-55c0-4deb-a585-68e948ea1ad6',
    type: 'Microsoft.Authorization/RoleEligibilityRequests',
  };

  it("accepts the SPEC's own example", () => {
    expect(checkArmDefinition('RoleEligibilityScheduleRequest', example)).toEqual([]);
  });

  it('reports a property the SPEC does not declare, a camelCase enum, a bad date-time and a missing required property', () => {
    const { principalId: _, ...rest } = example.properties;
    const bad = { ...example, properties: { ...rest, requestType: 'adminAssign', createdOn: 'yesterday', action: 'adminAssign' } };
    expect(checkArmDefinition('RoleEligibilityScheduleRequest', bad)).toEqual([
      '/properties/principalId is required by RoleEligibilityScheduleRequestProperties',
      '/properties/requestType must be one of AdminAssign, AdminRemove, AdminUpdate, AdminExtend, AdminRenew, SelfActivate, SelfDeactivate, SelfExtend, SelfRenew (got "adminAssign")',
      '/properties/createdOn must be an ISO 8601 date-time (got "yesterday")',
      '/properties/action is not a property of RoleEligibilityScheduleRequestProperties (got "adminAssign"); fix the emulator, or list it in ARM_RETURNED_BEYOND_SPEC citing the reference',
    ]);
  });

  it('checks policy rules as the type their ruleType names', () => {
    const policy = (rule: Record<string, unknown>) => ({ id: 'x', name: 'x', type: 'Microsoft.Authorization/roleManagementPolicies', properties: { rules: [rule] } });
    expect(checkArmDefinition('RoleManagementPolicy', policy({ id: 'Expiration_Admin_Eligibility', ruleType: 'RoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'P365D', target: { caller: 'Admin', operations: ['All'], level: 'Eligibility' } }))).toEqual([]);
    expect(checkArmDefinition('RoleManagementPolicy', policy({ id: 'Expiration_Admin_Eligibility', ruleType: 'RoleManagementPolicyExpirationRule', enabledRules: ['Justification'] }))).toEqual([
      '/properties/rules/0/enabledRules is not a property of RoleManagementPolicyExpirationRule (got ["Justification"]); fix the emulator, or list it in ARM_RETURNED_BEYOND_SPEC citing the reference',
    ]);
    expect(checkArmDefinition('RoleManagementPolicy', policy({ id: 'x', ruleType: 'ExpirationRule' }))).toEqual([
      '/properties/rules/0/ruleType names no definition derived from RoleManagementPolicyRule (got "ExpirationRule")',
      '/properties/rules/0/ruleType must be one of RoleManagementPolicyApprovalRule, RoleManagementPolicyAuthenticationContextRule, RoleManagementPolicyEnablementRule, RoleManagementPolicyExpirationRule, RoleManagementPolicyNotificationRule (got "ExpirationRule")',
    ]);
  });

  it("maps a request to the SPEC's operation, case-insensitively, and checks errors and bodiless answers", () => {
    const base = '/subscriptions/s/resourceGroups/rg/providers/microsoft.authorization';
    expect(armOperationOf('POST', `${base}/roleeligibilityschedulerequests/abc/cancel?api-version=2020-10-01`)?.operationId).toBe('RoleEligibilityScheduleRequests_Cancel');
    expect(armOperationOf('GET', `${base}/roleManagementPolicies`)?.operationId).toBe('RoleManagementPolicies_ListForScope');
    expect(armOperationOf('GET', `${base}/roleDefinitions`)).toBeUndefined();
    // Role assignments are checked at the version their SPEC extract describes only.
    expect(armOperationOf('GET', `${base}/roleAssignments?api-version=2022-04-01`)?.operationId).toBe('RoleAssignments_ListForScope');
    expect(armOperationOf('GET', `${base}/roleAssignments?api-version=2015-07-01`)).toBeUndefined();
    expect(checkArmDefinition('RoleAssignment', { id: 'x', name: 'x', type: 'Microsoft.Authorization/roleAssignments', properties: { roleDefinitionId: 'r', principalId: 'p', principalType: 'user' } })).toEqual([
      '/properties/principalType must be one of User, Group, ServicePrincipal, ForeignGroup (got "user")',
    ]);
    const cancel = { method: 'POST', url: `${base}/roleEligibilityScheduleRequests/abc/cancel`, routeUrl: undefined, status: 200, contentType: 'application/json', body: '{}' };
    expect(checkArmResponse(cancel).mismatches).toEqual([`POST ${cancel.url} 200: the SPEC declares 200 for RoleEligibilityScheduleRequests_Cancel without a body, but the emulator sent "{}"`]);
    expect(checkArmResponse({ ...cancel, body: '' }).mismatches).toEqual([]);
    const error = { ...cancel, status: 404, body: JSON.stringify({ error: { code: 'NotFound' }, message: 'x' }) };
    expect(checkArmResponse(error).mismatches).toEqual([
      `POST ${cancel.url} 404: /message is not a property of CloudError (got "x"); fix the emulator, or list it in ARM_RETURNED_BEYOND_SPEC citing the reference`,
      `POST ${cancel.url} 404: /error must carry a code and a message`,
    ]);
    expect(Object.keys(armExtract().definitions)).toContain('RoleAssignmentScheduleInstance');
  });
});
