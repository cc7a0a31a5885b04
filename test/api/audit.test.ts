import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { CONTOSO, ROLES, USERS, appToken, graphError, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, pathOf, send } from '../support/api.js';

const AUDITS = '/v1.0/auditLogs/directoryAudits';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';
const EXPIRATION = '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule';
const ENABLEMENT = '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule';
const FIRST = '2030-01-01T09:00:00Z';
const SECOND = '2030-01-01T10:00:00Z';
const PIM_AUDIT_ID = new RegExp(`^PIM_[0-9a-f-]{36}_${CONTOSO.id}_\\d{18}$`);

describe('the directory audit log', () => {
  let emu: Emulator;
  let admin: string;
  let policyId: string;

  /** Changes the activation maximum of Security Reader (one "Update role setting in PIM" record). */
  const patchExpiration = async (maximumDuration: string, token = admin) => {
    const res = await send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Expiration_EndUser_Assignment`, token, {
      '@odata.type': EXPIRATION, maximumDuration,
    });
    expect(res.statusCode).toBe(204);
  };
  const patchEnablement = async () => {
    const res = await send(emu, 'PATCH', `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Enablement_EndUser_Assignment`, admin, {
      '@odata.type': ENABLEMENT, enabledRules: ['Justification', 'Ticketing'],
    });
    expect(res.statusCode).toBe(204);
  };
  const ids = async (query: string, token = admin) => {
    const res = await get(emu, `${AUDITS}?${query}`, token);
    expect(res.statusCode).toBe(200);
    return res.json().value.map((a: { activityDateTime: string; targetResources: { id: string }[] }) => `${a.activityDateTime} ${a.targetResources[1]!.id}`);
  };

  beforeEach(async () => {
    emu = await testEmulator();
    await moveClock(emu, { set: FIRST, freeze: true });
    admin = await tokenFor(emu, USERS.admin.upn);
    const res = await get(emu, `${ASSIGNMENTS}?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${ROLES.securityReader}'`, admin);
    policyId = res.json().value[0].policyId;
  });
  afterEach(async () => {
    await emu.close();
  });

  it('starts empty', async () => {
    const res = await get(emu, AUDITS, admin);
    expect(res.json()).toEqual({ '@odata.context': 'http://localhost:80/v1.0/$metadata#auditLogs/directoryAudits', value: [] });
  });

  it('records a role-setting change as PIM does', async () => {
    await patchExpiration('PT4H');
    const res = await get(emu, AUDITS, admin);
    const body = res.json();
    expect(body['@odata.context']).toBe('http://localhost:80/v1.0/$metadata#auditLogs/directoryAudits');
    expect(body.value).toHaveLength(1);
    const a = body.value[0];
    expect(a.id).toMatch(PIM_AUDIT_ID);
    expect(a.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).toEqual({
      id: a.id,
      activityDateTime: FIRST,
      activityDisplayName: 'Update role setting in PIM',
      additionalDetails: [
        { key: 'RoleDefinitionOriginId', value: ROLES.securityReader },
        { key: 'RoleDefinitionOriginType', value: 'BuiltInRole' },
        { key: 'TemplateId', value: ROLES.securityReader },
        { key: 'ResourceOriginId', value: CONTOSO.id },
        { key: 'PolicyId', value: policyId },
        { key: 'RuleId', value: 'Expiration_EndUser_Assignment' },
        { key: 'tid', value: CONTOSO.id },
      ],
      category: 'RoleManagement',
      correlationId: a.correlationId,
      initiatedBy: { app: null, user: { id: USERS.admin.id, displayName: 'Contoso Admin', userPrincipalName: USERS.admin.upn, ipAddress: '127.0.0.1' } },
      loggedByService: 'PIM',
      operationType: 'Update',
      result: 'success',
      resultReason: '',
      targetResources: [
        { id: ROLES.securityReader, displayName: 'Security Reader', type: 'Role', userPrincipalName: null, groupType: null, modifiedProperties: [] },
        {
          id: 'Expiration_EndUser_Assignment', displayName: 'Expiration_EndUser_Assignment', type: 'Other', userPrincipalName: null, groupType: null,
          modifiedProperties: [{ displayName: 'maximumDuration', oldValue: '"PT8H"', newValue: '"PT4H"' }],
        },
        { id: policyId, displayName: 'DirectoryRole', type: 'Policy', userPrincipalName: null, groupType: null, modifiedProperties: [] },
        { id: CONTOSO.id, displayName: 'Contoso', type: 'Directory', userPrincipalName: null, groupType: null, modifiedProperties: [] },
      ],
    });
  });

  it('GETs one record by id', async () => {
    await patchExpiration('PT4H');
    const [a] = (await get(emu, AUDITS, admin)).json().value;
    const res = await get(emu, `${AUDITS}/${a.id}`, admin);
    expect(res.json()).toEqual({ '@odata.context': 'http://localhost:80/v1.0/$metadata#auditLogs/directoryAudits/$entity', ...a });
    const missing = await get(emu, `${AUDITS}/PIM_nope`, admin);
    expect(graphError(missing)).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
  });

  describe('order, paging and filters', () => {
    beforeEach(async () => {
      await patchExpiration('PT4H');
      await moveClock(emu, { set: SECOND, freeze: true });
      await patchEnablement();
    });

    it('lists newest first, and oldest first with $orderby=activityDateTime asc', async () => {
      expect(await ids('')).toEqual([`${SECOND} Enablement_EndUser_Assignment`, `${FIRST} Expiration_EndUser_Assignment`]);
      expect(await ids('$orderby=activityDateTime asc')).toEqual([`${FIRST} Expiration_EndUser_Assignment`, `${SECOND} Enablement_EndUser_Assignment`]);
      expect(await ids('$orderby=activityDateTime desc')).toEqual([`${SECOND} Enablement_EndUser_Assignment`, `${FIRST} Expiration_EndUser_Assignment`]);
    });

    it('pages with $top and @odata.nextLink, and counts with $count', async () => {
      const first = (await get(emu, `${AUDITS}?$top=1&$count=true`, admin)).json();
      expect(first['@odata.count']).toBe(2);
      expect(first.value[0].targetResources[1].id).toBe('Enablement_EndUser_Assignment');
      const second = (await get(emu, pathOf(first['@odata.nextLink']), admin)).json();
      expect(second.value[0].targetResources[1].id).toBe('Expiration_EndUser_Assignment');
      expect(second).not.toHaveProperty('@odata.nextLink');
    });

    it("filters by activityDisplayName eq and startswith", async () => {
      expect(await ids("$filter=activityDisplayName eq 'Update role setting in PIM'")).toHaveLength(2);
      expect(await ids("$filter=activityDisplayName eq 'update role setting in pim'")).toEqual([]);
      expect(await ids("$filter=startswith(activityDisplayName, 'Update role')")).toHaveLength(2);
      expect(await ids("$filter=startswith(activityDisplayName, 'Add member')")).toEqual([]);
    });

    it('filters by activityDateTime', async () => {
      expect(await ids('$filter=activityDateTime ge 2030-01-01T09:30:00Z')).toEqual([`${SECOND} Enablement_EndUser_Assignment`]);
      expect(await ids('$filter=activityDateTime le 2030-01-01T09:30:00Z')).toEqual([`${FIRST} Expiration_EndUser_Assignment`]);
      expect(await ids(`$filter=activityDateTime ge ${FIRST} and activityDateTime lt ${SECOND}`)).toEqual([`${FIRST} Expiration_EndUser_Assignment`]);
    });

    it('filters by initiatedBy/user/id', async () => {
      expect(await ids(`$filter=initiatedBy/user/id eq '${USERS.admin.id}'`)).toHaveLength(2);
      expect(await ids(`$filter=initiatedBy/user/id eq '${USERS.approver.id}'`)).toEqual([]);
    });

    it('filters by a target resource id: the rule, or the role', async () => {
      expect(await ids("$filter=targetResources/any(t:t/id eq 'Expiration_EndUser_Assignment')")).toEqual([`${FIRST} Expiration_EndUser_Assignment`]);
      expect(await ids(`$filter=targetResources/any(t:t/id eq '${ROLES.securityReader}')`)).toHaveLength(2);
      expect(await ids(`$filter=targetResources/any(t:t/id eq '${ROLES.globalAdministrator}')`)).toEqual([]);
    });

    it('filters by category, loggedByService, operationType and result', async () => {
      expect(await ids("$filter=category eq 'RoleManagement' and loggedByService eq 'PIM' and operationType eq 'Update' and result eq 'success'")).toHaveLength(2);
      expect(await ids("$filter=loggedByService eq 'Core Directory'")).toEqual([]);
    });

    it('rejects `or` as Graph does', async () => {
      const res = await get(emu, `${AUDITS}?$filter=category eq 'RoleManagement' or category eq 'UserManagement'`, admin);
      expect(graphError(res)).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery', message: 'Or operator not supported for this entity set.' });
    });

    it('rejects a property it cannot filter on, naming those it can', async () => {
      const res = await get(emu, `${AUDITS}?$filter=resultReason eq ''`, admin);
      expect(graphError(res)).toMatchObject({
        status: 400,
        code: 'BadRequest',
        message: 'Invalid $filter: property \'resultReason\' is not supported for directoryAudits. Supported properties: activityDisplayName, activityDateTime, category, loggedByService, operationType, result, correlationId, initiatedBy/user/id, initiatedBy/app/appId, targetResources/any(...).',
      });
    });
  });

  describe('who may read it', () => {
    beforeEach(async () => {
      await patchExpiration('PT4H');
    });

    it('refuses a signed-in user without an audit-reading role', async () => {
      const res = await get(emu, AUDITS, await tokenFor(emu, USERS.pimuser.upn));
      expect(graphError(res)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    });

    it('refuses a token without AuditLog.Read.All', async () => {
      const res = await get(emu, AUDITS, await tokenFor(emu, USERS.admin.upn, { scopes: ['User.Read'] }));
      expect(graphError(res)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    });

    it('serves an app token with AuditLog.Read.All', async () => {
      const res = await get(emu, AUDITS, await appToken(emu));
      expect(res.statusCode).toBe(200);
      expect(res.json().value.map((a: { activityDisplayName: string }) => a.activityDisplayName)).toEqual(['Update role setting in PIM']);
    });

    it('refuses an app token without AuditLog.Read.All', async () => {
      const res = await get(emu, AUDITS, await appToken(emu, ['RoleManagement.Read.Directory']));
      expect(graphError(res)).toMatchObject({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    });

    it("shows each tenant only its own records, with no licence needed", async () => {
      const res = await get(emu, AUDITS, await tokenFor(emu, USERS.fabrikamAdmin.upn));
      expect(res.statusCode).toBe(200);
      expect(res.json().value).toEqual([]);
    });
  });

  describe('GET /_emulator/audit', () => {
    beforeEach(async () => {
      await patchExpiration('PT4H');
      await moveClock(emu, { set: SECOND, freeze: true });
      await patchEnablement();
    });

    it('finds records by activity, detail or target name, case-insensitively, newest first', async () => {
      const byActivity = (await get(emu, '/_emulator/audit?tenant=contoso&search=update ROLE setting')).json();
      expect(byActivity.value.map((a: { activityDateTime: string }) => a.activityDateTime)).toEqual([SECOND, FIRST]);
      const byTarget = (await get(emu, '/_emulator/audit?search=expiration_enduser')).json();
      expect(byTarget.value).toHaveLength(1);
      expect(byTarget.value[0]).toMatchObject({ activityDisplayName: 'Update role setting in PIM', activityDateTime: FIRST });
      const byDetail = (await get(emu, `/_emulator/audit?search=${policyId}`)).json();
      expect(byDetail.value).toHaveLength(2);
    });

    it('lists everything without a search, and nothing that does not match', async () => {
      expect((await get(emu, '/_emulator/audit')).json().value).toHaveLength(2);
      expect((await get(emu, '/_emulator/audit?search=no-such-text')).json()).toEqual({ value: [] });
      expect((await get(emu, '/_emulator/audit?tenant=fabrikam')).json()).toEqual({ value: [] });
    });

    it('answers an unknown tenant with 404', async () => {
      const res = await get(emu, '/_emulator/audit?tenant=nowhere');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'TenantNotFound', message: "No tenant 'nowhere'. Known: contoso, fabrikam." } });
    });
  });
});
