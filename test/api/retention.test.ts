import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, USERS, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

const GRAPH = '/v1.0/roleManagement/directory';
const DAY = 86_400_000;

describe('retention as Entra has it (30 days), on the emulator clock', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  const admin = () => tokenFor(emu, USERS.admin.upn, { mfa: true });
  const pimuser = () => tokenFor(emu, USERS.pimuser.upn, { mfa: true });
  const at = (offsetMs: number) => new Date(Date.parse(emu.clock.now().toISOString()) + offsetMs).toISOString();
  const eligible = async (principalId: string, scheduleInfo: unknown) => {
    const res = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, await admin(), {
      action: 'adminAssign', justification: 'Project work', principalId, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo,
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string };
  };
  const audits = async () => (await get(emu, '/v1.0/auditLogs/directoryAudits?$top=999', await admin())).json().value as Array<{ id: string; activityDateTime: string }>;

  it('drops audit records, finished requests and long-ended schedules after 30 days, and keeps what is still in force', async () => {
    // In force for good: a permanent eligibility (kept, with its request).
    const permanent = await eligible(USERS.pimuser.id, { expiration: { type: 'noExpiration' } });
    // Finished: a future-dated eligibility, canceled.
    const canceled = await eligible(USERS.analyst.id, { startDateTime: at(DAY), expiration: { type: 'noExpiration' } });
    expect((await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests/${canceled.id}/cancel`, await admin())).statusCode).toBe(204);
    // Ended: a one-hour activation.
    const activation = await send(emu, 'POST', `${GRAPH}/roleAssignmentScheduleRequests`, await pimuser(), {
      action: 'selfActivate', principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'Reviewing sign-in logs',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(activation.statusCode).toBe(201);
    const before = await audits();
    expect(before.length).toBeGreaterThan(4);

    // 29 days on: nothing is old enough yet (the activation's expiry added records of its own).
    await moveClock(emu, { advance: 'P29D' });
    const ids = new Set((await audits()).map((a) => a.id));
    expect(before.filter((a) => !ids.has(a.id))).toEqual([]);
    expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests/${canceled.id}`, await admin())).statusCode).toBe(200);

    // 32 days on: the old records are gone.
    await moveClock(emu, { advance: 'P3D' });
    const cutoff = Date.parse(emu.clock.now().toISOString()) - 30 * DAY;
    const after = await audits();
    expect(after.length).toBeLessThan(ids.size);
    expect(after.some((a) => before.some((b) => b.id === a.id))).toBe(false);
    expect(after.every((a) => Date.parse(a.activityDateTime) >= cutoff)).toBe(true);
    expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests/${canceled.id}`, await admin())).statusCode).toBe(404);
    expect((await get(emu, `${GRAPH}/roleAssignmentScheduleRequests/${activation.json().id}`, await admin())).statusCode).toBe(404);

    // What is still in force stays, request included.
    expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests/${permanent.id}`, await admin())).json().status).toBe('Provisioned');
    const schedules = (await get(emu, `${GRAPH}/roleEligibilitySchedules?$filter=principalId eq '${USERS.pimuser.id}'`, await admin())).json().value;
    expect(schedules.map((s: { id: string }) => s.id)).toEqual([permanent.id]);
  });
});
