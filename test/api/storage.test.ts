import { existsSync, readdirSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator.js';
import { defaultConfig } from '../../src/config.js';
import type { State } from '../../src/store/store.js';
import { CONTOSO, ROLES, USERS, defaultSeed, graphError, sharedTls, tempDir, tokenFor } from '../support/emulator.js';
import { get, send } from '../support/api.js';
import { seedWithSchedules } from '../support/big-tenant.js';
import { observeResponse } from '../support/conformance.js';

const GRAPH = '/v1.0/roleManagement/directory';
const eligibility = (principalId: string) => ({
  action: 'adminAssign', justification: 'Project work', principalId, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/',
  scheduleInfo: { expiration: { type: 'noExpiration' } },
});
const activation = (principalId: string) => ({
  action: 'selfActivate', principalId, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'Reviewing sign-in logs',
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
});

/** Bytes of every file under a directory. */
function bytesUnder(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return n;
}

const cleanups: Array<() => void> = [];
const emulators: Emulator[] = [];
afterEach(async () => {
  for (const e of emulators.splice(0)) await e.close();
  for (const c of cleanups.splice(0)) c();
});

async function fileEmulator(dir: string, seed: State = defaultSeed()): Promise<Emulator> {
  const emu = await createEmulator(
    { ...defaultConfig(), storage: 'file', dataDir: dir, httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' },
    { seed, tls: await sharedTls(), observe: observeResponse },
  );
  emulators.push(emu);
  return emu;
}

describe('file storage: a write costs what it changes', () => {
  it('adds at most 16 KiB to the data directory for an eligibility and an activation in a tenant holding 100k schedules', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const emu = await fileEmulator(dir, seedWithSchedules(100_000));
    const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const user = await tokenFor(emu, USERS.pimuser.upn, { mfa: true });
    const stateDir = path.join(dir, 'state');
    const snapshot = bytesUnder(stateDir);
    expect(snapshot).toBeGreaterThan(30 * 1024 * 1024); // the tenant really is big on disk

    let before = bytesUnder(stateDir);
    expect((await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(USERS.pimuser.id))).statusCode).toBe(201);
    const eligibilityBytes = bytesUnder(stateDir) - before;
    before = bytesUnder(stateDir);
    expect((await send(emu, 'POST', `${GRAPH}/roleAssignmentScheduleRequests`, user, activation(USERS.pimuser.id))).statusCode).toBe(201);
    const activationBytes = bytesUnder(stateDir) - before;

    expect(eligibilityBytes).toBeGreaterThan(0);
    expect(eligibilityBytes).toBeLessThanOrEqual(16 * 1024);
    expect(activationBytes).toBeGreaterThan(0);
    expect(activationBytes).toBeLessThanOrEqual(16 * 1024);
  }, 120_000);
});

describe('file storage: a write whose flush fails', () => {
  it('answers Graph\'s 503, changes nothing in memory or on disk, and works again once the disk does', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    // Tenants that come with their signing keys: nothing is written at start, so contoso's journal is not open yet.
    const keyed = await createEmulator({ ...defaultConfig(), storage: 'memory', httpPort: 0, httpsPort: 0, smtpPort: 0, logLevel: 'silent' }, { seed: defaultSeed(), tls: await sharedTls() });
    const seed = { ...structuredClone(defaultSeed()), tenants: keyed.store.tenants().map((t) => structuredClone(t)) };
    await keyed.close();
    const emu = await fileEmulator(dir, seed);
    expect(existsSync(path.join(dir, 'state', `gen-${emu.store.system().generation}`, `${CONTOSO.id}.journal`))).toBe(false);
    const admin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const list = async () => (await get(emu, `${GRAPH}/roleEligibilitySchedules?$filter=principalId eq '${USERS.pimuser.id}'`, admin)).json().value;
    const audits = async () => (await get(emu, '/v1.0/auditLogs/directoryAudits', admin)).json().value.length;
    const stateBefore = JSON.stringify(emu.store.tenant(CONTOSO.id));
    const auditsBefore = await audits();

    // The disk is full: contoso's journal is /dev/full, where every write fails with ENOSPC.
    const journal = path.join(dir, 'state', `gen-${emu.store.system().generation}`, `${CONTOSO.id}.journal`);
    symlinkSync('/dev/full', journal);
    const failed = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(USERS.pimuser.id));
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    const e = graphError(failed);
    expect(e.code).toBe('serviceNotAvailable');
    expect(e.message).toBe('The service is temporarily unavailable: the emulator could not save the change to its data directory (its log says why). Nothing was changed. Retry later.');
    expect(e.message).not.toContain(dir);
    expect(e.innerError['request-id']).toBeTruthy();

    expect(await list()).toEqual([]);
    expect(await audits()).toBe(auditsBefore);
    expect(JSON.stringify(emu.store.tenant(CONTOSO.id))).toBe(stateBefore);

    // The disk has room again: the same request succeeds, and only it survives a restart.
    unlinkSync(journal);
    const ok = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(USERS.pimuser.id));
    expect(ok.statusCode).toBe(201);
    await emu.close();
    emulators.splice(emulators.indexOf(emu), 1);

    const again = await fileEmulator(dir, seed);
    const admin2 = await tokenFor(again, USERS.admin.upn, { mfa: true });
    const rows = (await get(again, `${GRAPH}/roleEligibilityScheduleRequests?$filter=principalId eq '${USERS.pimuser.id}'`, admin2)).json().value;
    expect(rows.map((r: { id: string }) => r.id)).toEqual([ok.json().id]);
  });
});
