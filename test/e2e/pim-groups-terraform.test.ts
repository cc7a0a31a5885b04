import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { USERS, testEmulator } from '../support/emulator.js';

/**
 * Terraform azuread's call sequence for azuread_privileged_access_group_eligibility_schedule and
 * …_assignment_schedule (pim-groups-reference §3, §7.1), over real sockets and HTTPS as the provider
 * makes it: POST the adminAssign request, poll the request, parse targetScheduleId into
 * {groupId}_{member|owner}_{guid}, read the schedule by that id until 200, list the requests by
 * group and targetScheduleId newest first, then delete with adminRemove and see the schedule 404.
 */
const CLOUD = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const G = '/v1.0/identityGovernance/privilegedAccess/group';
const ROLES = ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup', 'Directory.Read.All'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe("Terraform azuread's PIM for Groups sequence over HTTPS", () => {
  let emu: Emulator;
  let base: URL;
  let ca: string;
  let token: string;

  beforeAll(async () => {
    emu = await testEmulator();
    const urls = await emu.listen();
    base = new URL(urls.https!);
    ca = await (await fetch(`${urls.http}/_emulator/ca.pem`)).text();
    // The provider signs in as an application (client credentials) with the permissions of reference §7.1.
    token = (await (await fetch(`${urls.http}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'contoso', clientId: '256ab9b4-5d7d-4b72-abe9-a49048bc8a5e', roles: ROLES }) })).json()).access_token;
  });
  afterAll(async () => {
    await emu.close();
  });

  const call = (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request({ host: 'localhost', port: base.port, path: encodeURI(path), method, ca, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  for (const kind of ['eligibility', 'assignment'] as const) {
    it(`creates, reads, lists and removes an ${kind} schedule`, async () => {
      const requests = `${G}/${kind}ScheduleRequests`;
      const schedules = `${G}/${kind}Schedules`;
      const created = await call('POST', requests, {
        accessId: 'member', principalId: USERS.analyst.id, groupId: CLOUD, action: 'adminAssign', justification: 'Managed by Terraform',
        scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P30D' } },
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      expect(created.json.status).toBe('Provisioned');
      const parts = (created.json.targetScheduleId as string).split('_');
      expect(parts).toHaveLength(3);
      expect(parts[0]).toBe(CLOUD);
      expect(['member', 'owner']).toContain(parts[1]);
      expect(parts[2]).toMatch(UUID);

      expect((await call('GET', `${requests}/${created.json.id}`)).json).toMatchObject({ id: created.json.id, status: 'Provisioned' });
      const schedule = await call('GET', `${schedules}/${created.json.targetScheduleId}`);
      expect(schedule.status).toBe(200);
      expect(schedule.json).toMatchObject({ id: created.json.targetScheduleId, groupId: CLOUD, principalId: USERS.analyst.id, accessId: 'member', status: 'Provisioned' });
      const listed = await call('GET', `${requests}?$filter=groupId eq '${CLOUD}' and targetScheduleId eq '${created.json.targetScheduleId}'&$orderby=createdDateTime desc`);
      expect(listed.json.value.map((r: { id: string }) => r.id)).toEqual([created.json.id]);

      const removed = await call('POST', requests, { accessId: 'member', principalId: USERS.analyst.id, groupId: CLOUD, action: 'adminRemove' });
      expect(removed.status, JSON.stringify(removed.json)).toBe(201);
      expect(removed.json.status).toBe('Revoked');
      const gone = await call('GET', `${schedules}/${created.json.targetScheduleId}`);
      expect(gone.status).toBe(404);
      expect(gone.json.error.code).toBe('NotFound');
    });
  }
});
