import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { APPS, PASSWORD, USERS, testEmulator } from '../support/emulator.js';

/**
 * Terraform azurerm's call sequence for azurerm_pim_eligible_role_assignment,
 * azurerm_pim_active_role_assignment and azurerm_role_management_policy (arm-pim-reference §4.1),
 * replayed over real sockets and HTTPS as the provider makes it, signed in as a service principal
 * (client credentials for https://management.azure.com/.default): the import check, the PUT of an
 * AdminAssign request with a new UUID, polling the schedule list until the schedule appears with
 * memberType Direct, reading the request back by the id the schedule carries and by the request
 * list, the policy found by role definition and PATCHed, and removal by AdminRemove without
 * scheduleInfo, retried while ARM answers ActiveDurationTooShort, then polling until the schedule
 * is gone. Time moves on the emulator clock, never by sleeping.
 */
const SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const AUTH = '/providers/Microsoft.Authorization';
const V = 'api-version=2020-10-01';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const ROLE_ID = `/subscriptions/${SUB}${AUTH}/roleDefinitions/${CONTRIBUTOR}`;
const PRINCIPAL = USERS.analyst.id;
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

describe("Terraform azurerm's PIM for Azure resources sequence over HTTPS", () => {
  let emu: Emulator;
  let base: URL;
  let http: string;
  let ca: string;
  let token: string;

  const call = (method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request({ host: 'localhost', port: base.port, path: encodeURI(path).replace(/'/g, '%27'), method, ca, headers: { authorization: `Bearer ${bearer}`, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const form = async (fields: Record<string, string>) => {
    const res = await fetch(`${http}/contoso/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  /** One minute on the emulator clock: what AzRM waits between polls and retries. */
  const waitAMinute = async () => {
    const res = await fetch(`${http}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT1M' }) });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    emu = await testEmulator();
    const urls = await emu.listen();
    base = new URL(urls.https!);
    http = urls.http!;
    ca = await (await fetch(`${http}/_emulator/ca.pem`)).text();
    // The subscription's Owner (the Global Administrator) makes the provider's service principal Owner, as a bootstrap would.
    const owner = await form({ grant_type: 'password', client_id: APPS.azureCli.appId, username: USERS.admin.upn, password: PASSWORD, scope: 'https://management.azure.com/.default' });
    const granted = await call('PUT', `/subscriptions/${SUB}${AUTH}/roleAssignments/${randomUUID()}?api-version=2022-04-01`, { properties: { roleDefinitionId: `/subscriptions/${SUB}${AUTH}/roleDefinitions/${OWNER}`, principalId: APPS.confidential.id, principalType: 'ServicePrincipal' } }, owner);
    expect(granted.status, JSON.stringify(granted.json)).toBe(201);
    token = await form({ grant_type: 'client_credentials', client_id: APPS.confidential.appId, client_secret: APPS.confidential.secret, scope: 'https://management.azure.com/.default' });
  });
  afterAll(async () => {
    await emu.close();
  });

  for (const kind of ['eligible', 'active'] as const) {
    for (const where of ['subscription', 'resource group'] as const) {
      it(`manages an ${kind} assignment at a ${where}: create, poll, find by filter, update the policy, remove`, async () => {
        const scope = where === 'subscription' ? `/subscriptions/${SUB}` : `/subscriptions/${SUB}/resourceGroups/rg-workshop`;
        const K = kind === 'eligible' ? 'Eligibility' : 'Assignment';
        const schedules = `${scope}${AUTH}/role${K}Schedules`;
        const requests = `${scope}${AUTH}/role${K}ScheduleRequests`;
        // AzRM: eligible lists `(principalId eq '…') and atScope()`, active lists `(principalId eq '…')`.
        const filter = kind === 'eligible' ? `(principalId eq '${PRINCIPAL}') and atScope()` : `(principalId eq '${PRINCIPAL}')`;
        const findSchedule = async () => {
          const res = await call('GET', `${schedules}?${V}&$filter=${filter}`);
          expect(res.status, JSON.stringify(res.json)).toBe(200);
          return (res.json.value as any[]).find((s) => eq(s.properties.roleDefinitionId, ROLE_ID) && eq(s.properties.scope, scope) && eq(s.properties.principalId, PRINCIPAL) && s.properties.memberType === 'Direct');
        };

        // The provider reads the subscription first (azurerm_subscription), then checks nothing is there to import.
        expect((await call('GET', `/subscriptions/${SUB}?api-version=2022-12-01`)).status).toBe(200);
        expect(await findSchedule()).toBeUndefined();

        // Create: PUT with a new UUID, as captured in hashicorp/terraform-provider-azurerm#31052.
        const requestName = randomUUID();
        const created = await call('PUT', `${requests}/${requestName}?${V}`, {
          properties: {
            justification: 'Managed by Terraform', principalId: PRINCIPAL, requestType: 'AdminAssign', roleDefinitionId: ROLE_ID,
            scheduleInfo: { expiration: { duration: 'PT8H', type: 'AfterDuration' }, startDateTime: new Date(emu.ctx.time.nowMs()).toISOString().replace(/\.\d+Z$/, 'Z') },
            scope, ticketInfo: { ticketNumber: 'CHG-1', ticketSystem: 'ServiceNow' },
          },
        });
        expect(created.status, JSON.stringify(created.json)).toBe(201);
        expect(created.json.name).toBe(requestName);
        expect(created.json.properties.status).toBe('Provisioned');

        // Poll until the schedule exists.
        let schedule: any;
        for (let i = 0; i < 10 && !(schedule = await findSchedule()); i++) await waitAMinute();
        expect(schedule).toBeDefined();
        expect(schedule.name).toBe(created.json.properties[`targetRole${K}ScheduleId`]);

        // Read: the request through the id the schedule carries, and through the request list.
        const byId = await call('GET', `${schedule.properties[`role${K}ScheduleRequestId`]}?${V}`);
        expect(byId.status).toBe(200);
        expect(byId.json.properties).toMatchObject({ justification: 'Managed by Terraform', ticketInfo: { ticketNumber: 'CHG-1', ticketSystem: 'ServiceNow' } });
        const listFilter = kind === 'eligible' ? `principalId eq '${PRINCIPAL}' and atScope()` : `principalId eq '${PRINCIPAL}'`;
        const listed = await call('GET', `${requests}?${V}&$filter=${listFilter}`);
        const picked = (listed.json.value as any[]).filter((r) => r.properties[`targetRole${K}ScheduleId`] === schedule.name && r.properties.requestType === 'AdminAssign');
        expect(picked.map((r) => r.name)).toEqual([requestName]);

        // azurerm_role_management_policy: find the one policy by role definition, read it, PATCH it, and find it again by role.
        const policies = await call('GET', `${scope}${AUTH}/roleManagementPolicies?${V}&$filter=roleDefinitionId eq '${ROLE_ID}'`);
        expect(policies.json.value).toHaveLength(1);
        const policyName = policies.json.value[0].name;
        expect((await call('GET', `${scope}${AUTH}/roleManagementPolicies/${policyName}?${V}`)).status).toBe(200);
        const patched = await call('PATCH', `${scope}${AUTH}/roleManagementPolicies/${policyName}?${V}`, {
          properties: {
            rules: [
              { id: 'Expiration_Admin_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', isExpirationRequired: true, maximumDuration: 'P90D', target: { caller: 'Admin', level: 'Assignment', operations: ['All'] } },
              { id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['Justification', 'Ticketing'], target: { caller: 'EndUser', level: 'Assignment', operations: ['All'] } },
            ],
          },
        });
        expect(patched.status, JSON.stringify(patched.json)).toBe(200);
        const again = await call('GET', `${scope}${AUTH}/roleManagementPolicies?${V}&$filter=roleDefinitionId eq '${ROLE_ID}'`);
        expect(again.json.value.map((p: any) => p.name)).toEqual([patched.json.name]);
        const rules = again.json.value[0].properties.rules as any[];
        expect(rules.find((r) => r.id === 'Expiration_Admin_Assignment')).toMatchObject({ isExpirationRequired: true, maximumDuration: 'P90D' });
        expect(rules.find((r) => r.id === 'Enablement_EndUser_Assignment').enabledRules).toEqual(['Justification', 'Ticketing']);

        // Delete: a provisioned schedule is removed by AdminRemove without scheduleInfo, retried every minute on ActiveDurationTooShort.
        expect(['PendingApproval', 'PendingApprovalProvisioning', 'PendingEvaluation', 'Granted', 'PendingProvisioning', 'PendingAdminDecision']).not.toContain(schedule.properties.status);
        let retries = 0;
        for (;;) {
          const removed = await call('PUT', `${requests}/${randomUUID()}?${V}`, { properties: { principalId: PRINCIPAL, roleDefinitionId: ROLE_ID, requestType: 'AdminRemove', justification: 'Removed by Terraform' } });
          if (removed.status === 400 && removed.json.error.code === 'ActiveDurationTooShort') {
            expect(removed.json.error.message).toBe('The Active duration is too short. Miniumum Required is 5 minutes.');
            retries++;
            expect(retries).toBeLessThan(10);
            await waitAMinute();
            continue;
          }
          expect(removed.status, JSON.stringify(removed.json)).toBe(201);
          expect(removed.json.properties).toMatchObject({ requestType: 'AdminRemove', status: 'Revoked' });
          break;
        }
        expect(retries).toBeGreaterThan(0);
        // Removing again is RoleAssignmentDoesNotExist, which AzRM accepts as done.
        const twice = await call('PUT', `${requests}/${randomUUID()}?${V}`, { properties: { principalId: PRINCIPAL, roleDefinitionId: ROLE_ID, requestType: 'AdminRemove', justification: 'Removed by Terraform' } });
        expect(twice.json.error.code).toBe('RoleAssignmentDoesNotExist');
        expect(await findSchedule()).toBeUndefined();
      });
    }
  }
});
