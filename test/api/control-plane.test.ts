import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VERSION, type Emulator } from '../../src/emulator.js';
import { APPS, CONTOSO, ROLES, USERS, appToken, claimsOf, tempDir, testEmulator, tokenFor } from '../support/emulator.js';
import { get, moveClock, send } from '../support/api.js';

const HOUR = 3600_000;
const ROLE_ASSIGNMENTS = '/v1.0/roleManagement/directory/roleAssignments';

interface SeedExport {
  version: number;
  roleDefinitions: unknown[];
  tenants: { tenant: { name: string }; users: { id: string; displayName: string }[]; policies: unknown[]; roleAssignments: unknown[] }[];
}

describe('the control plane', () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await testEmulator();
  });
  afterEach(async () => {
    await emu.close();
  });

  const clock = async (): Promise<{ now: string; frozen: boolean }> => (await get(emu, '/_emulator/clock')).json();
  const postClock = (payload: unknown) => emu.app.inject({ method: 'POST', url: '/_emulator/clock', payload: payload as object });

  describe('health', () => {
    it('reports 503 starting while no listener is up', async () => {
      const res = await get(emu, '/_emulator/health');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'starting', version: VERSION, storage: 'memory', tenants: ['contoso', 'fabrikam'] });
    });

    it('reports 200 with the version and both listener URLs once listening', async () => {
      const urls = await emu.listen();
      const res = await get(emu, '/_emulator/health');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', version: VERSION, listeners: { http: urls.http, https: urls.https } });
      expect(urls.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(urls.https).toMatch(/^https:\/\/localhost:\d+$/);
      expect(urls.http).not.toBe('http://127.0.0.1:0');
    });
  });

  describe('clock', () => {
    it('starts on real time, not frozen', async () => {
      const c = await clock();
      expect(c.frozen).toBe(false);
      expect(Math.abs(Date.parse(c.now) - Date.now())).toBeLessThan(60_000);
    });

    it('moves now forward by PT8H', async () => {
      const before = Date.parse((await clock()).now);
      const after = await moveClock(emu, { advance: 'PT8H' });
      const moved = Date.parse(after.now) - before;
      expect(moved).toBeGreaterThanOrEqual(8 * HOUR);
      expect(moved).toBeLessThan(8 * HOUR + 60_000);
      expect(after.frozen).toBe(false);
    });

    it('sets and freezes the clock so now stays put across calls', async () => {
      const res = await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      expect(res).toEqual({ now: '2030-01-01T00:00:00Z', frozen: true });
      expect(await clock()).toEqual({ now: '2030-01-01T00:00:00Z', frozen: true });
      expect(await clock()).toEqual({ now: '2030-01-01T00:00:00Z', frozen: true });
    });

    it('advances a frozen clock exactly, and goes back with a minus sign', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      expect(await moveClock(emu, { advance: 'PT8H' })).toEqual({ now: '2030-01-01T08:00:00Z', frozen: true });
      expect(await moveClock(emu, { advance: '-PT1H' })).toEqual({ now: '2030-01-01T07:00:00Z', frozen: true });
      expect(await moveClock(emu, { advance: 'P1DT30M' })).toEqual({ now: '2030-01-02T07:30:00Z', frozen: true });
    });

    it('sets an instant given with an offset', async () => {
      await moveClock(emu, { freeze: true });
      expect(await moveClock(emu, { set: '2030-06-01T12:00:00+02:00' })).toEqual({ now: '2030-06-01T10:00:00Z', frozen: true });
    });

    it('unfreezes and runs on from where it stood', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });
      const res = await moveClock(emu, { freeze: false });
      expect(res.frozen).toBe(false);
      const drift = Date.parse((await clock()).now) - Date.parse('2030-01-01T00:00:00Z');
      expect(drift).toBeGreaterThanOrEqual(0);
      expect(drift).toBeLessThan(60_000);
    });

    it('rejects a duration that is not ISO 8601 and says what it wants', async () => {
      const res = await postClock({ advance: 'eight hours' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: { code: 'InvalidClockRequest', message: "advance: 'eight hours' is not an ISO 8601 duration such as PT8H, PT30M, P1D or P365D (prefix - to go back)" },
      });
    });

    it('rejects an instant without an offset', async () => {
      const res = await postClock({ set: '2030-01-01T00:00:00' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: { code: 'InvalidClockRequest', message: "set: '2030-01-01T00:00:00' is not a date-time with an offset, such as 2026-12-01T09:00:00Z" },
      });
    });

    it('rejects an unknown property', async () => {
      const res = await postClock({ travel: 'PT1H' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'InvalidRequest', message: "body must NOT have additional properties: 'travel'" } });
      expect((await clock()).frozen).toBe(false);
    });

    it('survives a restart with file storage', async () => {
      const { dir, cleanup } = tempDir();
      try {
        const first = await testEmulator({ storage: 'file', dataDir: dir });
        await first.app.inject({ method: 'POST', url: '/_emulator/clock', payload: { set: '2030-01-01T00:00:00Z', freeze: true } });
        await first.close();
        const second = await testEmulator({ storage: 'file', dataDir: dir });
        try {
          expect((await second.app.inject({ method: 'GET', url: '/_emulator/clock' })).json()).toEqual({ now: '2030-01-01T00:00:00Z', frozen: true });
        } finally {
          await second.close();
        }
      } finally {
        cleanup();
      }
    });
  });

  describe('reset', () => {
    it('removes what Graph added and puts the clock back on real time', async () => {
      const admin = await tokenFor(emu, USERS.admin.upn);
      const created = await send(emu, 'POST', ROLE_ASSIGNMENTS, admin, { principalId: USERS.pimuser.id, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/' });
      expect(created.statusCode).toBe(201);
      await moveClock(emu, { set: '2030-01-01T00:00:00Z', freeze: true });

      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/reset' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'reset', tenants: ['contoso', 'fabrikam'] });

      const c = await clock();
      expect(c.frozen).toBe(false);
      expect(Math.abs(Date.parse(c.now) - Date.now())).toBeLessThan(60_000);
      // The admin's token is still good: signing keys survive a reset.
      const fresh = await tokenFor(emu, USERS.admin.upn);
      const gone = await get(emu, `${ROLE_ASSIGNMENTS}/${created.json().id}`, fresh);
      expect(gone.statusCode).toBe(404);
      const list = (await get(emu, `${ROLE_ASSIGNMENTS}?$filter=principalId eq '${USERS.pimuser.id}'`, fresh)).json();
      expect(list.value).toEqual([]);
    });
  });

  describe('seed', () => {
    it('exports the tenants with users, policies and role assignments, without key material', async () => {
      await tokenFor(emu, USERS.admin.upn); // creates the contoso signing key
      const res = await get(emu, '/_emulator/seed');
      expect(res.statusCode).toBe(200);
      const seed = res.json() as SeedExport;
      expect(seed.version).toBe(1);
      expect(seed.roleDefinitions.length).toBeGreaterThanOrEqual(26);
      expect(seed.tenants.map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam']);
      const contoso = seed.tenants[0]!;
      expect(contoso.users.map((u) => u.id)).toContain(USERS.pimuser.id);
      expect(contoso.policies.length).toBe(seed.roleDefinitions.length);
      expect(contoso.roleAssignments).toContainEqual(expect.objectContaining({ principalId: USERS.admin.id, roleDefinitionId: ROLES.globalAdministrator }));
      expect(res.body).not.toMatch(/PRIVATE KEY|signingKeys|privateKeyPem/);
    });

    it('imports a modified export', async () => {
      const seed = (await get(emu, '/_emulator/seed')).json() as SeedExport;
      const pimuser = seed.tenants[0]!.users.find((u) => u.id === USERS.pimuser.id)!;
      pimuser.displayName = 'Renamed PIM User';

      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/seed', payload: seed as unknown as object });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'imported', tenants: ['contoso', 'fabrikam'] });

      const admin = await tokenFor(emu, USERS.admin.upn);
      const users = (await get(emu, `/v1.0/users?$filter=id eq '${USERS.pimuser.id}'`, admin)).json();
      expect(users.value[0].displayName).toBe('Renamed PIM User');
    });

    it('rejects an invalid seed with a message naming the JSON path', async () => {
      const seed = (await get(emu, '/_emulator/seed')).json() as SeedExport;
      seed.tenants[0]!.users[1]!.id = 'not-a-guid';
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/seed', payload: seed as unknown as object });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('InvalidSeed');
      expect(res.json().error.message).toMatch(/^seed: \/tenants\/0\/users\/1\/id: /);
      // Nothing was imported.
      const admin = await tokenFor(emu, USERS.admin.upn);
      expect((await get(emu, `/v1.0/users/${USERS.pimuser.id}`, admin)).statusCode).toBe(200);
    });

    it('rejects a role assignment to nobody, naming where it is', async () => {
      const seed = (await get(emu, '/_emulator/seed')).json() as SeedExport;
      seed.tenants[0]!.roleAssignments.push({ principalId: '00000000-0000-0000-0000-000000000001', roleDefinitionId: ROLES.securityReader });
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/seed', payload: seed as unknown as object });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({
        code: 'InvalidSeed',
        message: 'seed: /tenants/0/roleAssignments/2/principalId: no user, group or service principal with id 00000000-0000-0000-0000-000000000001',
      });
    });
  });

  describe('tokens', () => {
    it('mints a user token with mfa in amr when asked', async () => {
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: USERS.pimuser.upn, mfa: true } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
      expect(claimsOf(res.json().access_token)).toMatchObject({ tid: CONTOSO.id, oid: USERS.pimuser.id, idtyp: 'user', amr: ['pwd', 'mfa'] });
    });

    it('mints a user token without mfa by default', async () => {
      const token = await tokenFor(emu, USERS.pimuser.upn);
      expect(claimsOf(token).amr).toEqual(['pwd']);
    });

    it('mints an app-only token for a confidential client', async () => {
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', clientId: APPS.confidential.appId } });
      expect(res.statusCode).toBe(200);
      const claims = claimsOf(res.json().access_token);
      expect(claims).toMatchObject({ idtyp: 'app', appid: APPS.confidential.appId, oid: APPS.confidential.id });
      expect(claims.roles).toEqual(['RoleManagement.ReadWrite.Directory', 'RoleManagementPolicy.ReadWrite.Directory', 'Directory.Read.All', 'AuditLog.Read.All']);
      expect(claimsOf(await appToken(emu, ['User.Read.All'])).roles).toEqual(['User.Read.All']);
    });

    it('rejects an unknown scope', async () => {
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: USERS.pimuser.upn, scopes: ['User.Read', 'Mail.Send'] } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('UnknownScope');
      expect(res.json().error.message).toMatch(/^Unknown delegated permission\(s\): Mail\.Send\. Known: /);
    });

    it('answers an unknown tenant with 404', async () => {
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'nowhere', user: USERS.pimuser.upn } });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'TenantNotFound', message: "No tenant 'nowhere'." } });
    });

    it('answers an unknown user with 404', async () => {
      const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: 'nobody@contoso.onmicrosoft.com' } });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('UserNotFound');
    });
  });

  describe('mfa-code', () => {
    const url = `/_emulator/tenants/contoso/users/${USERS.pimuser.upn}/mfa-code`;

    it('shows the current six-digit code and how long it stays valid', async () => {
      const res = await get(emu, url);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.code).toMatch(/^\d{6}$/);
      expect(body.validForSeconds).toBeGreaterThanOrEqual(1);
      expect(body.validForSeconds).toBeLessThanOrEqual(30);
      expect(body).toMatchObject({ userPrincipalName: USERS.pimuser.upn, tenant: 'contoso', period: 30, digits: 6, algorithm: 'SHA1' });
      expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    });

    it('follows the emulator clock to the next code after PT30S', async () => {
      await moveClock(emu, { set: '2030-01-01T00:00:10Z', freeze: true });
      const first = (await get(emu, url)).json();
      expect(first.validForSeconds).toBe(20);
      expect((await get(emu, url)).json().code).toBe(first.code);
      await moveClock(emu, { advance: 'PT30S' });
      const next = (await get(emu, url)).json();
      expect(next.code).not.toBe(first.code);
      expect(next.validForSeconds).toBe(20);
    });

    it('answers an unknown user with 404', async () => {
      const res = await get(emu, '/_emulator/tenants/contoso/users/nobody@contoso.onmicrosoft.com/mfa-code');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'UserNotFound', message: "No user 'nobody@contoso.onmicrosoft.com' in contoso." } });
    });
  });

  describe('ca.pem and unknown paths', () => {
    it('serves the CA certificate as PEM', async () => {
      const res = await get(emu, '/_emulator/ca.pem');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-pem-file/);
      expect(res.body).toMatch(/^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+-----END CERTIFICATE-----\s*$/);
      expect(() => new X509Certificate(res.body)).not.toThrow();
    });

    it('answers an unknown /_emulator path with a JSON 404', async () => {
      const res = await get(emu, '/_emulator/nothing-here');
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json().error.code).toBe('NotFound');
      expect(res.json().error.message).toMatch(/^No route GET \/_emulator\/nothing-here\./);
    });
  });
});
