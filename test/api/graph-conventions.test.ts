import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, USERS, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

const ROLE_DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const ROLE_ASSIGNMENTS = 'roleManagement/directory/roleAssignments';
const SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'";

describe("Graph's conventions", () => {
  let emu: Emulator;
  let admin: string;
  beforeAll(async () => {
    emu = await testEmulator();
    admin = await tokenFor(emu, USERS.admin.upn);
  });
  afterAll(async () => {
    await emu.close();
  });

  describe('shapes', () => {
    it('gives an unmodified policy lastModifiedBy {displayName: null, id: null}, as Graph does', async () => {
      const res = await get(emu, `${POLICIES}?$filter=${SCOPE}`, admin);
      expect(res.statusCode).toBe(200);
      const policies = res.json().value;
      expect(policies.length).toBeGreaterThan(0);
      for (const p of policies) {
        expect(p.lastModifiedDateTime).toBeNull();
        expect(p.lastModifiedBy).toEqual({ displayName: null, id: null });
      }
    });

    it('lists inheritsPermissionsFrom on every built-in role but Directory Readers, without $expand', async () => {
      const res = await get(emu, ROLE_DEFINITIONS, admin);
      for (const r of res.json().value) {
        expect(r.inheritsPermissionsFrom).toEqual(r.id === ROLES.directoryReaders ? [] : [{ id: ROLES.directoryReaders }]);
      }
      const one = (await get(emu, `/beta/roleManagement/directory/roleDefinitions/${ROLES.securityReader}`, admin)).json();
      expect(one.inheritsPermissionsFrom).toEqual([{ id: ROLES.directoryReaders }]);
    });
  });

  describe('query options', () => {
    const ids = (res: { json: () => { value: { id: string }[] } }) => res.json().value.map((r) => r.id).sort();

    it('honours filter=, top= and select= without the $ on /beta, as Graph documents for beta', async () => {
      const all = await get(emu, `/beta/${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, admin);
      const dollarless = await get(emu, `/beta/${ROLE_ASSIGNMENTS}?filter=principalId eq '${USERS.admin.id}'`, admin);
      expect(dollarless.statusCode).toBe(200);
      expect(ids(dollarless)).toEqual(ids(all));
      expect(dollarless.json().value.every((a: { principalId: string }) => a.principalId === USERS.admin.id)).toBe(true);

      const page = await get(emu, `/beta/roleManagement/directory/roleDefinitions?top=2&select=displayName,id&orderby=displayName`, admin);
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.value).toHaveLength(2);
      for (const r of body.value) expect(Object.keys(r).sort()).toEqual(['displayName', 'id']);
      expect(body['@odata.context']).toBe('http://localhost:80/beta/$metadata#roleManagement/directory/roleDefinitions(displayName,id)');
      expect(body['@odata.nextLink']).toContain('$skiptoken=');
      expect(body.value.map((r: { displayName: string }) => r.displayName)).toEqual(
        [...body.value.map((r: { displayName: string }) => r.displayName)].sort(),
      );
    });

    it('refuses a $-less option a beta route does not serve, as it refuses the $ form', async () => {
      const res = await get(emu, `/beta/roleManagement/directory/roleDefinitions/${ROLES.securityReader}?top=1`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: "Query option 'top' is not supported on this resource. Supported query options: $select, $expand." });
    });

    it('refuses filter= and $filter= together on /beta as a repeated option', async () => {
      const res = await get(emu, `/beta/${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'&filter=principalId eq '${USERS.admin.id}'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest', message: "Query option 'filter' was specified more than once, but it must be specified at most once." });
    });

    it('leaves filter= without the $ alone on /v1.0, where the $ is not optional for these APIs', async () => {
      const res = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?filter=principalId eq '${USERS.pimuser.id}'`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().value.some((a: { principalId: string }) => a.principalId !== USERS.pimuser.id)).toBe(true);
    });

    it('treats $FILTER, $TOP and $Select as the system options they name', async () => {
      const res = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?$FILTER=principalId eq '${USERS.admin.id}'&$TOP=1&$Select=id,principalId`, admin);
      expect(res.statusCode).toBe(200);
      const value = res.json().value;
      expect(value).toHaveLength(1);
      expect(value[0].principalId).toBe(USERS.admin.id);
      expect(Object.keys(value[0]).sort()).toEqual(['id', 'principalId']);
    });

    it('matches property names in $filter case-insensitively (PrincipalId eq …)', async () => {
      const exact = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.admin.id}'`, admin);
      const pascal = await get(emu, `/v1.0/${ROLE_ASSIGNMENTS}?$filter=PrincipalId eq '${USERS.admin.id}'`, admin);
      expect(pascal.statusCode).toBe(200);
      expect(ids(pascal)).toEqual(ids(exact));
      expect(ids(pascal).length).toBeGreaterThan(0);
      const roles = await get(emu, `${ROLE_DEFINITIONS}?$filter=DisplayName eq 'Security Reader'`, admin);
      expect(roles.json().value.map((r: { id: string }) => r.id)).toEqual([ROLES.securityReader]);
    });

    it('matches property names in $orderby and $select case-insensitively', async () => {
      const res = await get(emu, `${ROLE_DEFINITIONS}?$orderby=DisplayName desc&$select=DisplayName`, admin);
      expect(res.statusCode).toBe(200);
      const names = res.json().value.map((r: { displayName: string }) => r.displayName);
      expect(names.length).toBeGreaterThan(2);
      expect(names).toEqual([...names].sort().reverse());
    });

    it('matches the required scope filter of policies case-insensitively (ScopeId, ScopeType)', async () => {
      const res = await get(emu, `${POLICIES}?$filter=ScopeId eq '/' and ScopeType eq 'DirectoryRole'`, admin);
      expect(res.statusCode).toBe(200);
      expect(res.json().value.length).toBeGreaterThan(0);
    });
  });
});

describe('navigation paths, $count segments, Location and unknown segments', () => {
  const RD = '/v1.0/roleManagement/directory';
  const NOW = '2030-01-01T09:00:00Z';
  let emu: Emulator;
  let admin: string;
  let pimuser: string;
  let eligibilityRequest: { id: string; targetScheduleId: string };
  let activation: { id: string; targetScheduleId: string };
  let adminAssign: { statusCode: number; headers: Record<string, unknown> };

  beforeAll(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: NOW, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
    pimuser = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
    const schedule = (expiration: object) => ({ startDateTime: NOW, expiration });
    const eligible = await send(emu, 'POST', `${RD}/roleEligibilityScheduleRequests`, admin, {
      action: 'adminAssign', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'SOC rotation', scheduleInfo: schedule({ type: 'noExpiration' }),
    });
    adminAssign = eligible;
    eligibilityRequest = eligible.json();
    const activated = await send(emu, 'POST', `${RD}/roleAssignmentScheduleRequests`, pimuser, {
      action: 'selfActivate', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'INC1', scheduleInfo: schedule({ type: 'afterDuration', duration: 'PT4H' }),
    });
    expect(activated.statusCode).toBe(201);
    activation = activated.json();
  });
  afterAll(async () => {
    await emu.close();
  });

  it('serves /principal and /roleDefinition on each schedule request, schedule and instance, as $expand gives them', async () => {
    const paths = [
      `${RD}/roleAssignmentScheduleRequests/${activation.id}`,
      `${RD}/roleEligibilityScheduleRequests/${eligibilityRequest.id}`,
      `${RD}/roleAssignmentSchedules/${activation.targetScheduleId}`,
      `${RD}/roleEligibilitySchedules/${eligibilityRequest.targetScheduleId}`,
    ];
    const instances = (await get(emu, `${RD}/roleAssignmentScheduleInstances?$filter=principalId eq '${USERS.pimuser.id}'`, admin)).json().value;
    expect(instances).toHaveLength(1);
    paths.push(`${RD}/roleAssignmentScheduleInstances/${instances[0].id}`);
    const eligibleInstances = (await get(emu, `${RD}/roleEligibilityScheduleInstances?$filter=principalId eq '${USERS.pimuser.id}'`, admin)).json().value;
    paths.push(`${RD}/roleEligibilityScheduleInstances/${eligibleInstances[0].id}`);
    for (const path of paths) {
      const principal = await get(emu, `${path}/principal`, admin);
      expect(principal.statusCode, path).toBe(200);
      const id = path.split('/').at(-1)!;
      const set = path.split('/').at(-2)!;
      expect(principal.json(), path).toMatchObject({
        '@odata.context': `http://localhost:80/v1.0/$metadata#roleManagement/directory/${set}('${id}')/principal/$entity`,
        '@odata.type': '#microsoft.graph.user',
        id: USERS.pimuser.id,
      });
      const role = await get(emu, `${path}/roleDefinition`, admin);
      expect(role.statusCode, path).toBe(200);
      expect(role.json(), path).toMatchObject({ id: ROLES.securityReader, displayName: 'Security Reader' });
      const expanded = (await get(emu, `${path}?$expand=principal`, admin)).json().principal;
      const { '@odata.context': _context, ...nav } = principal.json();
      expect(nav).toEqual(expanded);
    }
  });

  it('serves /targetSchedule and /activatedUsing where the schema has them', async () => {
    const target = await get(emu, `${RD}/roleAssignmentScheduleRequests/${activation.id}/targetSchedule`, pimuser);
    expect(target.statusCode).toBe(200);
    expect(target.json()).toMatchObject({ id: activation.targetScheduleId, principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader });
    const eligibleTarget = await get(emu, `${RD}/roleEligibilityScheduleRequests/${eligibilityRequest.id}/targetSchedule`, admin);
    expect(eligibleTarget.json()).toMatchObject({ id: eligibilityRequest.targetScheduleId });

    const usedByRequest = await get(emu, `${RD}/roleAssignmentScheduleRequests/${activation.id}/activatedUsing`, pimuser);
    expect(usedByRequest.statusCode).toBe(200);
    expect(usedByRequest.json()).toMatchObject({ id: eligibilityRequest.targetScheduleId, principalId: USERS.pimuser.id });
    const usedBySchedule = await get(emu, `${RD}/roleAssignmentSchedules/${activation.targetScheduleId}/activatedUsing`, admin);
    expect(usedBySchedule.json()).toMatchObject({ id: eligibilityRequest.targetScheduleId });

    // Eligibility schedules have no activatedUsing in Microsoft's schema: Graph's 400 for the segment.
    const none = await get(emu, `${RD}/roleEligibilitySchedules/${eligibilityRequest.targetScheduleId}/activatedUsing`, admin);
    expect(graphError(none)).toMatchObject({ status: 400, code: 'BadRequest' });
    expect(graphError(none).message).toMatch(/^Resource not found for the segment 'activatedUsing'\./);
  });

  it('answers /directoryScope and /appScope of the tenant-wide scope with 404: nothing is behind them', async () => {
    for (const nav of ['directoryScope', 'appScope']) {
      const res = await get(emu, `${RD}/roleAssignmentScheduleRequests/${activation.id}/${nav}`, admin);
      expect(graphError(res)).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', message: `Resource '${nav}' does not exist or one of its queried reference-property objects are not present.` });
    }
  });

  it('serves the navigations of roleAssignments, roleDefinitions and policy assignments', async () => {
    const assignments = (await get(emu, `${RD}/roleAssignments?$filter=principalId eq '${USERS.admin.id}'`, admin)).json().value;
    const a = assignments[0];
    const principal = await get(emu, `${RD}/roleAssignments/${a.id}/principal`, admin);
    expect(principal.json()).toMatchObject({ id: USERS.admin.id });
    const role = await get(emu, `${RD}/roleAssignments/${a.id}/roleDefinition?$select=displayName`, admin);
    expect(Object.keys(role.json()).filter((k) => !k.startsWith('@'))).toEqual(['displayName']);

    const inherits = await get(emu, `${RD}/roleDefinitions/${ROLES.securityReader}/inheritsPermissionsFrom`, admin);
    expect(inherits.json()).toEqual({
      '@odata.context': `http://localhost:80/v1.0/$metadata#roleManagement/directory/roleDefinitions('${ROLES.securityReader}')/inheritsPermissionsFrom`,
      value: [{ id: ROLES.directoryReaders }],
    });

    const pa = (await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'`, admin)).json().value[0];
    const policy = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments/${pa.id}/policy`, admin);
    expect(policy.statusCode).toBe(200);
    expect(policy.json()).toMatchObject({ id: pa.policyId, scopeId: '/', scopeType: 'DirectoryRole', lastModifiedBy: { displayName: null, id: null } });
  });

  it('serves a policy\'s effectiveRules, the same list as its rules', async () => {
    const pa = (await get(emu, `/v1.0/policies/roleManagementPolicyAssignments?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'`, admin)).json().value[0];
    const rules = (await get(emu, `${POLICIES}/${pa.policyId}/rules`, admin)).json();
    const effective = await get(emu, `${POLICIES}/${pa.policyId}/effectiveRules`, admin);
    expect(effective.statusCode).toBe(200);
    expect(effective.json().value).toEqual(rules.value);
    expect(effective.json()['@odata.context']).toBe(`http://localhost:80/v1.0/$metadata#policies/roleManagementPolicies('${pa.policyId}')/effectiveRules`);
    const one = await get(emu, `${POLICIES}/${pa.policyId}/effectiveRules/Expiration_EndUser_Assignment`, admin);
    expect(one.json()).toMatchObject({ id: 'Expiration_EndUser_Assignment', maximumDuration: 'PT8H' });
  });

  it('counts users only with ConsistencyLevel: eventual, as Graph requires on directory objects', async () => {
    const without = await get(emu, '/v1.0/users/$count', admin);
    expect(graphError(without)).toMatchObject({ status: 400, code: 'Request_BadRequest', message: '$count is not currently supported.' });
    const users = (await get(emu, '/v1.0/users', admin)).json().value;
    const counted = await get(emu, '/v1.0/users/$count', admin, { consistencylevel: 'eventual' });
    expect(counted.statusCode).toBe(200);
    expect(counted.headers['content-type']).toMatch(/^text\/plain/);
    expect(counted.body).toBe(String(users.length));
    const filtered = await get(emu, `/v1.0/users/$count?$filter=startswith(displayName,'PIM')`, admin, { ConsistencyLevel: 'eventual' });
    expect(filtered.body).toBe(String(users.filter((u: { displayName: string }) => u.displayName.toLowerCase().startsWith('pim')).length));
  });

  it('counts roleDefinitions without the header (not directory objects), honouring $filter', async () => {
    const all = (await get(emu, `${RD}/roleDefinitions`, admin)).json().value;
    const res = await get(emu, `${RD}/roleDefinitions/$count`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(String(all.length));
    expect((await get(emu, `${RD}/roleDefinitions/$count?$filter=displayName eq 'Security Reader'`, admin)).body).toBe('1');
  });

  it('counts the PIM sets and the audit log, honouring $filter, without the header (not directory objects)', async () => {
    for (const set of ['roleAssignmentScheduleRequests', 'roleEligibilityScheduleRequests', 'roleAssignmentSchedules', 'roleEligibilitySchedules', 'roleAssignmentScheduleInstances', 'roleEligibilityScheduleInstances']) {
      const filter = `$filter=principalId eq '${USERS.pimuser.id}'`;
      const listed = (await get(emu, `${RD}/${set}?${filter}`, admin)).json().value;
      const counted = await get(emu, `${RD}/${set}/$count?${filter}`, admin);
      expect(counted.statusCode, set).toBe(200);
      expect(counted.body, set).toBe(String(listed.length));
      expect(listed.length, set).toBeGreaterThan(0);
    }
    const audits = (await get(emu, '/v1.0/auditLogs/directoryAudits?$top=999', admin)).json().value;
    expect((await get(emu, '/v1.0/auditLogs/directoryAudits/$count', admin)).body).toBe(String(audits.length));
  });

  it('counts both policy sets with the same required scope filter as their lists', async () => {
    for (const set of ['roleManagementPolicies', 'roleManagementPolicyAssignments']) {
      const listed = (await get(emu, `/v1.0/policies/${set}?$filter=${SCOPE}&$top=999`, admin)).json().value;
      const counted = await get(emu, `/v1.0/policies/${set}/$count?$filter=${SCOPE}`, admin);
      expect(counted.statusCode, set).toBe(200);
      expect(counted.headers['content-type'], set).toMatch(/^text\/plain/);
      expect(counted.body, set).toBe(String(listed.length));
      expect(listed.length, set).toBeGreaterThan(20);
      const bare = await get(emu, `/v1.0/policies/${set}/$count`, admin);
      expect(graphError(bare)).toMatchObject({ status: 400, code: 'BadRequest' });
      expect(graphError(bare).message).toMatch(/^The required parameters ScopeId is missing\./);
    }
    const one = await get(emu, `/v1.0/policies/roleManagementPolicyAssignments/$count?$filter=${SCOPE} and roleDefinitionId eq '${ROLES.securityReader}'`, admin);
    expect(one.body).toBe('1');
  });

  it('serves one item of inheritsPermissionsFrom by id, as the list gives it, and 404 for a role not inherited', async () => {
    const res = await get(emu, `${RD}/roleDefinitions/${ROLES.securityReader}/inheritsPermissionsFrom/${ROLES.directoryReaders}`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      '@odata.context': `http://localhost:80/v1.0/$metadata#roleManagement/directory/roleDefinitions('${ROLES.securityReader}')/inheritsPermissionsFrom/$entity`,
      id: ROLES.directoryReaders,
    });
    const other = await get(emu, `${RD}/roleDefinitions/${ROLES.securityReader}/inheritsPermissionsFrom/${ROLES.securityReader}`, admin);
    expect(graphError(other)).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', message: `Resource '${ROLES.securityReader}' does not exist or one of its queried reference-property objects are not present.` });
  });

  it('refuses resourceNamespaces, a template of Microsoft\'s schema, saying it is not emulated (not a bare 404)', async () => {
    const res = await get(emu, `${RD}/resourceNamespaces/microsoft.directory/resourceActions`, admin);
    expect(graphError(res)).toMatchObject({
      status: 400,
      code: 'BadRequest',
      message: "Listing a resource namespace's actions (GET /roleManagement/directory/resourceNamespaces/{id}/resourceActions) is not emulated yet. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.",
    });
  });

  it('refuses custom role definitions and administrative-unit scopes loudly, saying they are not emulated', async () => {
    const custom = { displayName: 'Custom reader', rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/standard/read'] }], isEnabled: true };
    const notEmulated = (what: string) => ({ status: 400, code: 'BadRequest', message: `${what} is not emulated yet. The emulator serves the Graph paths listed in GET /_emulator/openapi.yaml.` });
    expect(graphError(await send(emu, 'POST', `${RD}/roleDefinitions`, admin, custom))).toMatchObject(notEmulated('Creating custom role definitions (POST /roleManagement/directory/roleDefinitions)'));
    expect(graphError(await send(emu, 'PATCH', `${RD}/roleDefinitions/${ROLES.securityReader}`, admin, { displayName: 'x' }))).toMatchObject(notEmulated('Updating role definitions (PATCH /roleManagement/directory/roleDefinitions/{id})'));
    expect(graphError(await send(emu, 'DELETE', `${RD}/roleDefinitions/${ROLES.securityReader}`, admin))).toMatchObject(notEmulated('Deleting role definitions (DELETE /roleManagement/directory/roleDefinitions/{id})'));
    // Nothing changed.
    expect((await get(emu, `${RD}/roleDefinitions/${ROLES.securityReader}`, admin)).json().displayName).toBe('Security Reader');

    const AU = '/administrativeUnits/5d6b6bb7-de71-4623-b4af-96380a352500';
    const direct = await send(emu, 'POST', `${RD}/roleAssignments`, admin, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: AU });
    expect(graphError(direct)).toMatchObject({ status: 400, code: 'Request_BadRequest', message: `directoryScopeId '${AU}' is not emulated; the emulator supports the tenant scope '/'.` });
    const pim = await send(emu, 'POST', `${RD}/roleEligibilityScheduleRequests`, admin, {
      action: 'adminAssign', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: AU, justification: 'AU', scheduleInfo: { startDateTime: NOW, expiration: { type: 'noExpiration' } },
    });
    expect(graphError(pim)).toMatchObject({ status: 400, code: 'InvalidRoleAssignmentRequest', message: `The role assignment request is invalid. directoryScopeId '${AU}' is not emulated; the emulator supports the tenant scope '/'.` });
    expect((await get(emu, `${RD}/roleEligibilityScheduleRequests?$filter=directoryScopeId eq '${AU}'`, admin)).json().value).toEqual([]);
  });

  it('sends Location with a 201, pointing at the created entity', async () => {
    expect(adminAssign.statusCode).toBe(201);
    expect(adminAssign.headers.location).toBe(`http://localhost:80/v1.0/roleManagement/directory/roleEligibilityScheduleRequests/${eligibilityRequest.id}`);
    const followed = await get(emu, new URL(String(adminAssign.headers.location)).pathname, admin);
    expect(followed.json().id).toBe(eligibilityRequest.id);
  });

  it('sends Location on the 201 of a direct role assignment too, and none for a validation-only request (nothing is kept)', async () => {
    const direct = await send(emu, 'POST', `${RD}/roleAssignments`, admin, { principalId: USERS.analyst.id, roleDefinitionId: ROLES.directoryReaders, directoryScopeId: '/' });
    expect(direct.statusCode).toBe(201);
    expect(direct.headers.location).toBe(`http://localhost:80/v1.0/roleManagement/directory/roleAssignments/${direct.json().id}`);
    const validation = await send(emu, 'POST', `${RD}/roleEligibilityScheduleRequests`, admin, {
      action: 'adminAssign', principalId: USERS.analyst.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'check', isValidationOnly: true, scheduleInfo: { startDateTime: NOW, expiration: { type: 'noExpiration' } },
    });
    expect(validation.statusCode).toBe(201);
    expect(validation.headers.location).toBeUndefined();
  });

  it('counts groups only with ConsistencyLevel: eventual, as users', async () => {
    expect(graphError(await get(emu, '/v1.0/groups/$count', admin))).toMatchObject({ status: 400, code: 'Request_BadRequest', message: '$count is not currently supported.' });
    const groups = (await get(emu, '/v1.0/groups', admin)).json().value;
    const counted = await get(emu, '/v1.0/groups/$count', admin, { ConsistencyLevel: 'eventual' });
    expect(counted.statusCode).toBe(200);
    expect(counted.body).toBe(String(groups.length));
  });

  it("answers an unknown segment with Graph's 400, naming the first segment it cannot bind", async () => {
    const res = await get(emu, `${RD}/roleAssignmentScheduleRequests/${activation.id}/nothing/more`, admin);
    expect(graphError(res)).toMatchObject({ status: 400, code: 'BadRequest' });
    expect(graphError(res).message).toMatch(/^Resource not found for the segment 'nothing'\./);
  });
});
