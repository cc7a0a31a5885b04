import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator.js';
import { defaultConfig } from '../../src/config.js';
import { APPS, PASSWORD, USERS, defaultSeed, sharedTls, tempDir } from '../support/emulator.js';
import { bearer, tokenRequest } from '../support/api.js';
import { observeResponse } from '../support/conformance.js';

/** PIM for Azure resources' state (requests, schedules, role assignments, changed policies) survives a restart on file storage. */
const SUB_SCOPE = '/subscriptions/9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const AUTH = '/providers/Microsoft.Authorization';
const V = 'api-version=2020-10-01';
const READER = `${SUB_SCOPE}${AUTH}/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`;

const cleanups: Array<() => void> = [];
const emulators: Emulator[] = [];
afterEach(async () => {
  for (const e of emulators.splice(0)) await e.close();
  for (const c of cleanups.splice(0)) c();
});

async function fileEmulator(dir: string): Promise<Emulator> {
  const emu = await createEmulator({ ...defaultConfig(), storage: 'file', dataDir: dir, httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' }, { seed: defaultSeed(), tls: await sharedTls(), observe: observeResponse });
  emulators.push(emu);
  return emu;
}

describe('PIM for Azure resources on file storage', () => {
  it('keeps requests, schedules, role assignments and changed policies across a restart', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const signIn = async (emu: Emulator) => {
      const res = await tokenRequest(emu, 'contoso', { grant_type: 'password', client_id: APPS.azureCli.appId, username: USERS.admin.upn, password: PASSWORD, scope: 'https://management.azure.com/.default' });
      return res.json().access_token as string;
    };
    const call = (emu: Emulator, token: string, method: 'GET' | 'PUT' | 'PATCH', url: string, payload?: object) => emu.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

    let emu = await fileEmulator(dir);
    let token = await signIn(emu);
    const request = await call(emu, token, 'PUT', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/11111111-2222-4333-8444-555555555555?${V}`, {
      properties: { principalId: USERS.pimuser.id, roleDefinitionId: READER, requestType: 'AdminAssign', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P7D' } } },
    });
    expect(request.statusCode, request.body).toBe(201);
    const assignment = await call(emu, token, 'PUT', `${SUB_SCOPE}${AUTH}/roleAssignments/21111111-2222-4333-8444-555555555555?api-version=2022-04-01`, { properties: { roleDefinitionId: READER, principalId: USERS.analyst.id } });
    expect(assignment.statusCode, assignment.body).toBe(201);
    const policy = (await call(emu, token, 'GET', `${SUB_SCOPE}${AUTH}/roleManagementPolicies?${V}&$filter=${encodeURIComponent(`roleDefinitionId eq '${READER}'`)}`)).json().value[0];
    const patched = await call(emu, token, 'PATCH', `${policy.id}?${V}`, { properties: { rules: [{ id: 'Expiration_EndUser_Assignment', ruleType: 'RoleManagementPolicyExpirationRule', maximumDuration: 'PT2H' }] } });
    expect(patched.statusCode, patched.body).toBe(200);
    await emu.close();
    emulators.splice(0);

    emu = await fileEmulator(dir);
    token = await signIn(emu);
    expect((await call(emu, token, 'GET', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/11111111-2222-4333-8444-555555555555?${V}`)).json()).toEqual(request.json());
    expect((await call(emu, token, 'GET', `${SUB_SCOPE}${AUTH}/roleEligibilitySchedules/${request.json().properties.targetRoleEligibilityScheduleId}?${V}`)).statusCode).toBe(200);
    expect((await call(emu, token, 'GET', `${SUB_SCOPE}${AUTH}/roleAssignments/21111111-2222-4333-8444-555555555555?api-version=2022-04-01`)).json()).toEqual(assignment.json());
    expect((await call(emu, token, 'GET', `${patched.json().id}?${V}`)).json()).toEqual(patched.json());
  }, 60_000);

  it('exports its state in the seed document and imports it back (GET then POST /_emulator/seed)', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await fileEmulator(dir);
    const res = await tokenRequest(emu, 'contoso', { grant_type: 'password', client_id: APPS.azureCli.appId, username: USERS.admin.upn, password: PASSWORD, scope: 'https://management.azure.com/.default' });
    const token = res.json().access_token as string;
    const url = `${SUB_SCOPE}${AUTH}/roleAssignments/31111111-2222-4333-8444-555555555555?api-version=2022-04-01`;
    const made = await emu.app.inject({ method: 'PUT', url, headers: bearer(token), payload: { properties: { roleDefinitionId: READER, principalId: USERS.analyst.id } } });
    expect(made.statusCode, made.body).toBe(201);
    const seed = (await emu.app.inject({ method: 'GET', url: '/_emulator/seed' })).json();
    await emu.app.inject({ method: 'POST', url: '/_emulator/reset' });
    expect((await emu.app.inject({ method: 'GET', url, headers: bearer(token) })).statusCode).toBe(404);
    const imported = await emu.app.inject({ method: 'POST', url: '/_emulator/seed', payload: seed });
    expect(imported.statusCode, imported.body).toBe(200);
    expect((await emu.app.inject({ method: 'GET', url, headers: bearer(token) })).json()).toEqual(made.json());
  }, 60_000);
});
