import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnEmulator, type EmulatorProcess } from '../support/process.js';
import { tempDir, testEmulator, USERS, ROLES } from '../support/emulator.js';

const ADMIN = USERS.admin.upn;

async function adminToken(base: string): Promise<string> {
  const res = await fetch(`${base}/_emulator/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'contoso', user: ADMIN }) });
  return (await res.json()).access_token;
}

async function roleAssignmentIds(base: string, token: string): Promise<string[]> {
  const res = await fetch(`${base}/v1.0/roleManagement/directory/roleAssignments?$top=999`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()).value.map((a: { id: string }) => a.id);
}

function assign(base: string, token: string, principalId: string, roleDefinitionId: string): Promise<Response> {
  return fetch(`${base}/v1.0/roleManagement/directory/roleAssignments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ principalId, roleDefinitionId, directoryScopeId: '/' }),
  });
}

function makeEligible(base: string, token: string, principalId: string, roleDefinitionId: string): Promise<Response> {
  return fetch(`${base}/v1.0/roleManagement/directory/roleEligibilityScheduleRequests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'adminAssign', justification: 'Crash test', principalId, roleDefinitionId, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } }),
  });
}

describe('state on file storage', () => {
  const dirs: Array<{ cleanup: () => void }> = [];
  const procs: EmulatorProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    for (const d of dirs.splice(0)) d.cleanup();
  });

  it('survives a restart: what was written before stop is there after start', async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const first = await testEmulator({ storage: 'file', dataDir: tmp.dir });
    const { http } = await first.listen();
    const token = await adminToken(http!);
    const res = await assign(http!, token, USERS.pimuser.id, ROLES.securityReader);
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await fetch(`${http}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT30M' }) });
    const movedTo = Date.parse((await (await fetch(`${http}/_emulator/clock`)).json()).now);
    await first.close();

    const second = await testEmulator({ storage: 'file', dataDir: tmp.dir });
    const urls = await second.listen();
    try {
      expect(await roleAssignmentIds(urls.http!, await adminToken(urls.http!))).toContain(id);
      // The clock offset is state too: thirty minutes ahead stays thirty minutes ahead.
      const now = Date.parse((await (await fetch(`${urls.http}/_emulator/clock`)).json()).now);
      expect(now - movedTo).toBeGreaterThanOrEqual(0);
      expect(now - movedTo).toBeLessThan(60_000);
      // Tokens signed before the restart still verify: the signing key is kept with the state.
      const me = await fetch(`${urls.http}/v1.0/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('stops cleanly on SIGTERM and keeps the CA across restarts', async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const env = { PIM_STORAGE: 'file', PIM_DATA: tmp.dir };
    const p1 = await spawnEmulator(env);
    procs.push(p1);
    const ca1 = await (await fetch(`${p1.http}/_emulator/ca.pem`)).text();
    p1.child.kill('SIGTERM');
    expect(await p1.exited).toBe(0);
    const p2 = await spawnEmulator(env);
    procs.push(p2);
    expect(await (await fetch(`${p2.http}/_emulator/ca.pem`)).text()).toBe(ca1);
  });

  it('loses no acknowledged write when the process is killed with SIGKILL during a burst', async () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const env = { PIM_STORAGE: 'file', PIM_DATA: tmp.dir };
    const p1 = await spawnEmulator(env);
    procs.push(p1);
    const token = await adminToken(p1.http);
    const seedRoles = await (await fetch(`${p1.http}/_emulator/seed`)).json();
    const principals = [USERS.pimuser.id, USERS.analyst.id, USERS.helpdesk.id];
    const pairs = principals.flatMap((p) => seedRoles.roleDefinitions.map((r: { id: string }) => [p, r.id] as const));

    const acknowledged: string[] = [];
    let killed = false;
    // Requests go out in waves of 8 concurrent writes; the process is killed mid-burst.
    const inFlight = new Set<Promise<void>>();
    for (const [principalId, roleId] of pairs) {
      if (killed) break;
      const p = assign(p1.http, token, principalId, roleId)
        .then(async (res) => {
          if (res.status === 201) acknowledged.push((await res.json()).id);
        })
        .catch(() => undefined); // connections cut by the kill
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 8) await Promise.race(inFlight);
      if (!killed && acknowledged.length >= 25) {
        p1.child.kill('SIGKILL');
        killed = true;
      }
    }
    await Promise.all(inFlight);
    expect(killed).toBe(true);
    expect(await p1.exited).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(25);

    // Every state file is complete JSON.
    const stateDir = path.join(tmp.dir, 'state');
    const files = [path.join(stateDir, 'system.json'), ...readdirSync(stateDir).filter((d) => d.startsWith('gen-')).flatMap((g) => readdirSync(path.join(stateDir, g)).filter((f) => f.endsWith('.json')).map((f) => path.join(stateDir, g, f)))];
    for (const f of files) expect(() => JSON.parse(readFileSync(f, 'utf8'))).not.toThrow();

    const p2 = await spawnEmulator(env);
    procs.push(p2);
    const after = await roleAssignmentIds(p2.http, await adminToken(p2.http));
    const missing = acknowledged.filter((id) => !after.includes(id));
    expect(missing).toEqual([]);
  });

  // A compaction folds a tenant's journal into a new snapshot: a crash at each of its steps
  // (new snapshot written but not renamed; renamed but the journal not yet emptied) loses nothing.
  for (const crashAt of ['compaction-before-rename', 'compaction-before-journal-reset'] as const) {
    it(`loses no acknowledged write when killed during a compaction (${crashAt})`, { timeout: 60_000 }, async () => {
      const tmp = tempDir();
      dirs.push(tmp);
      // A tiny journal limit: the first compaction comes after a few dozen writes, and the process
      // kills itself (SIGKILL) at that step of it.
      const p1 = await spawnEmulator({ PIM_STORAGE: 'file', PIM_DATA: tmp.dir, PIM_JOURNAL_MAX_BYTES: '1', PIM_CRASH_AT: crashAt });
      procs.push(p1);
      const token = await adminToken(p1.http);
      const seedRoles = await (await fetch(`${p1.http}/_emulator/seed`)).json();
      const principals = [USERS.pimuser.id, USERS.analyst.id, USERS.helpdesk.id];
      const pairs = principals.flatMap((p) => seedRoles.roleDefinitions.map((r: { id: string }) => [p, r.id] as const));
      const acknowledged: string[] = [];
      for (const [principalId, roleId] of pairs) {
        const res = await makeEligible(p1.http, token, principalId, roleId).catch(() => undefined);
        if (!res) break; // the process is gone
        if (res.status === 201) acknowledged.push((await res.json()).id);
      }
      expect(await p1.exited).toBe('SIGKILL');
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(acknowledged.length).toBeLessThan(pairs.length);

      const p2 = await spawnEmulator({ PIM_STORAGE: 'file', PIM_DATA: tmp.dir });
      procs.push(p2);
      const res = await fetch(`${p2.http}/v1.0/roleManagement/directory/roleEligibilityScheduleRequests`, { headers: { authorization: `Bearer ${await adminToken(p2.http)}` } });
      const after = (await res.json()).value.map((r: { id: string }) => r.id);
      expect(acknowledged.filter((id) => !after.includes(id))).toEqual([]);
      // And it goes on working: the next write lands and survives.
      const next = await assign(p2.http, await adminToken(p2.http), USERS.admin.id, ROLES.securityReader);
      expect([201, 400]).toContain(next.status);
    });
  }
});
