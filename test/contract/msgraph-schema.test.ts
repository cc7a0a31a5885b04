import { describe, expect, it } from 'vitest';
import { GRAPH_JSON } from '../../src/graph/plugin.js';
import { takeMismatches, validateGraphResponse } from '../support/conformance.js';
import { checkAgainstMicrosoft, microsoftSchema } from '../support/msgraph-schema.js';
import { get } from '../support/api.js';
import { CONTOSO, testEmulator, tokenFor, USERS } from '../support/emulator.js';

const request = {
  id: '7d89e6d0-46e7-4c5f-9b26-b89987a6e615',
  status: 'Provisioned',
  action: 'selfActivate',
  principalId: 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709',
  roleDefinitionId: '5d6b6bb7-de71-4623-b4af-96380a352509',
  directoryScopeId: '/',
  appScopeId: null,
  isValidationOnly: false,
  justification: 'INC1',
  createdDateTime: '2030-01-01T09:00:00Z',
  scheduleInfo: { startDateTime: '2030-01-01T09:00:00Z', recurrence: null, expiration: { type: 'afterDuration', endDateTime: null, duration: 'PT4H' } },
  ticketInfo: { ticketNumber: null, ticketSystem: null },
};

describe("Microsoft's schema as the oracle (test/schema/msgraph-v1.0.json)", () => {
  it('records where it comes from: msgraph-metadata at a commit', () => {
    const { _source } = microsoftSchema();
    expect(_source).toMatchObject({ repository: 'https://github.com/microsoftgraph/msgraph-metadata', path: 'clean_v10_metadata/cleanMetadata.xml' });
    expect(_source.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('accepts a body as Graph sends it', () => {
    expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', request, 'v1.0')).toEqual([]);
  });

  it('fails a deliberately misnamed property, nested ones too', () => {
    expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', { ...request, principalID: request.principalId }, 'v1.0')).toEqual([
      expect.stringMatching(/^\/principalID: property 'principalID' is not declared on microsoft\.graph\.unifiedRoleAssignmentScheduleRequest in Microsoft's schema \(clean_v10_metadata\/cleanMetadata\.xml @ [0-9a-f]{12}\)$/),
    ]);
    const nested = { ...request, scheduleInfo: { ...request.scheduleInfo, expiration: { type: 'afterDuration', durration: 'PT4H' } } };
    expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', nested, 'v1.0')).toEqual([expect.stringMatching(/^\/scheduleInfo\/expiration\/durration: property 'durration' is not declared on microsoft\.graph\.expirationPattern/)]);
  });

  it("fails a value of the wrong Edm type or outside Microsoft's enum", () => {
    expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', { ...request, isValidationOnly: 'false' }, 'v1.0')).toEqual([`/isValidationOnly: Microsoft's schema says Edm.Boolean, got "false"`]);
    expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', { ...request, action: 'SelfActivated' }, 'v1.0')).toEqual([expect.stringMatching(/^\/action: "SelfActivated" is not a member of Microsoft's enum microsoft\.graph\.unifiedRoleScheduleRequestActions/)]);
  });

  it('checks the derived type an @odata.type names (policy rules)', () => {
    const rule = { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT8H', target: { caller: 'EndUser', operations: ['all'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] } };
    expect(checkAgainstMicrosoft('unifiedRoleManagementPolicyRule', rule, 'v1.0')).toEqual([]);
    expect(checkAgainstMicrosoft('unifiedRoleManagementPolicyRule', { ...rule, maxDuration: 'PT8H' }, 'v1.0')).toHaveLength(1);
  });

  it('catches a misnamed property the emulator itself sends, in the test that received it', async () => {
    const emu = await testEmulator();
    try {
      const admin = await tokenFor(emu, USERS.admin.upn);
      // A rule stored with a misnamed property goes to the wire as stored (policies.ts ruleToWire).
      const policyId = await emu.store.update(CONTOSO.id, (t) => {
        const p = t.policies[0]!;
        const i = p.rules.findIndex((r) => r.id === 'Expiration_EndUser_Assignment');
        p.rules[i] = { ...p.rules[i]!, maxDuration: 'PT8H' } as (typeof p.rules)[number];
        return p.id;
      });
      expect(takeMismatches()).toEqual([]);
      const res = await get(emu, `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Expiration_EndUser_Assignment`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().maxDuration).toBe('PT8H');
      // What test/support/conformance-setup.ts throws in afterEach, failing this test (drained here).
      // openapi.yaml's check names it first; Microsoft's (above) would say the same at this pointer.
      expect(takeMismatches()).toEqual([
        `GET /v1.0/policies/roleManagementPolicies/${policyId}/rules/Expiration_EndUser_Assignment 200: /maxDuration is not a property of microsoft.graph.unifiedRoleManagementPolicyExpirationRule (got "PT8H"); fix the emulator, or list it in RETURNED_BEYOND_SCHEMA citing the reference`,
      ]);
      expect(checkAgainstMicrosoft('unifiedRoleManagementPolicyRule', res.json(), 'v1.0')).toEqual([
        expect.stringMatching(/^\/maxDuration: property 'maxDuration' is not declared on microsoft\.graph\.unifiedRoleManagementPolicyExpirationRule in Microsoft's schema/),
      ]);
    } finally {
      await emu.close();
    }
  });

  describe('beta (test/schema/msgraph-beta.json)', () => {
    it('records where it comes from: the same msgraph-metadata commit, the production beta type mappings', () => {
      const beta = microsoftSchema('beta')._source;
      expect(beta).toMatchObject({ repository: 'https://github.com/microsoftgraph/msgraph-metadata', path: 'schemas/type-mappings/beta-{entity,complex,enum}-types.json', structure: 'schemas/beta-USNat.csdl' });
      expect(beta.commit).toBe(microsoftSchema('v1.0')._source.commit);
    });

    it("checks /beta bodies against beta's types: what only beta declares passes there and fails on v1.0", () => {
      const role = { id: '5d6b6bb7-de71-4623-b4af-96380a352509', displayName: 'Security Reader', isBuiltIn: true, isEnabled: true, isPrivileged: true, allowedPrincipalTypes: 'user,group', resourceScopes: ['/'], templateId: '5d6b6bb7-de71-4623-b4af-96380a352509', version: '1', rolePermissions: [] };
      expect(checkAgainstMicrosoft('unifiedRoleDefinition', role, 'beta')).toEqual([]);
      expect(checkAgainstMicrosoft('unifiedRoleDefinition', role, 'v1.0')).toEqual([
        expect.stringMatching(/^\/isPrivileged: property 'isPrivileged' is not declared on microsoft\.graph\.unifiedRoleDefinition in Microsoft's schema \(clean_v10_metadata/),
        expect.stringMatching(/^\/allowedPrincipalTypes: property 'allowedPrincipalTypes' is not declared/),
      ]);
      // beta's approval has steps, v1.0's stages.
      expect(checkAgainstMicrosoft('approval', { id: 'a', steps: [{ id: 'a', reviewResult: 'NotReviewed', status: 'InProgress' }] }, 'beta')).toEqual([]);
      expect(checkAgainstMicrosoft('approval', { id: 'a', stages: [] }, 'beta')).toEqual([expect.stringMatching(/^\/stages: property 'stages' is not declared on microsoft\.graph\.approval in Microsoft's schema \(schemas\/type-mappings\/beta-/)]);
    });

    it('fails a deliberately misnamed property on beta, nested ones too', () => {
      expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', { ...request, principalID: request.principalId }, 'beta')).toEqual([
        expect.stringMatching(/^\/principalID: property 'principalID' is not declared on microsoft\.graph\.unifiedRoleAssignmentScheduleRequest/),
      ]);
      const nested = { ...request, scheduleInfo: { ...request.scheduleInfo, expiration: { type: 'afterDuration', durration: 'PT4H' } } };
      expect(checkAgainstMicrosoft('unifiedRoleAssignmentScheduleRequest', nested, 'beta')).toEqual([expect.stringMatching(/^\/scheduleInfo\/expiration\/durration: property 'durration' is not declared on microsoft\.graph\.expirationPattern/)]);
      const res = { method: 'GET', url: '/beta/roleManagement/directory/roleAssignmentScheduleRequests/x', routeUrl: '/beta/roleManagement/directory/roleAssignmentScheduleRequests/:id', status: 200, contentType: GRAPH_JSON };
      expect(validateGraphResponse({ ...res, body: JSON.stringify(request) })).toEqual([]);
      expect(validateGraphResponse({ ...res, body: JSON.stringify({ ...request, scheduleInfo: { ...request.scheduleInfo, expiration: { type: 'afterDuration', durration: 'PT4H' } } }) }).join('\n')).toMatch(/durration/);
    });
  });

  it('runs on every Graph response the suite sees (through test/support/conformance.ts)', () => {
    const res = { method: 'GET', url: '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/x', routeUrl: '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/:id', status: 200, contentType: GRAPH_JSON };
    expect(validateGraphResponse({ ...res, body: JSON.stringify(request) })).toEqual([]);
    const found = validateGraphResponse({ ...res, body: JSON.stringify({ ...request, scheduleInfo: { ...request.scheduleInfo, expiration: { type: 'afterDuration', durration: 'PT4H' } } }) });
    expect(found.join('\n')).toMatch(/durration/);
  });
});
