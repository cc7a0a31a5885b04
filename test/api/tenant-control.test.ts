import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { CONTOSO, ROLES, claimsOf, testEmulator } from '../support/emulator.js';

/**
 * One emulator, many teams (issue #12): the tenant is the unit of isolation for the control plane
 * and the clock too. Three teams (teama, teamb, teamc) each hold their tenant's key; the instructor
 * holds the admin key. For every tenant-scoped control operation, A's key cannot read or change B;
 * A's own operations (clock, fault, mail deletion, reset, tokens, delete) leave B's and C's clock,
 * faults, mail, activations and tokens as they were; the instance-wide operations need the admin key.
 */
const ADMIN_KEY = 'instructor-key-0123456789';
const GRAPH = '/v1.0/roleManagement/directory';
const TEAMS = ['teama', 'teamb', 'teamc'] as const;
type Team = (typeof TEAMS)[number];
const upn = (local: string, team: Team) => `${local}@${team}.onmicrosoft.com`;

interface Made {
  id: string;
  name: string;
  key: string;
  users: { id: string; userPrincipalName: string; displayName: string }[];
}

describe('the control plane per tenant, with keys (3 teams)', () => {
  let emu: Emulator;
  const made = {} as Record<Team, Made>;
  /** B's state before A acts: what must not change. */
  let bToken: string;
  let cToken: string;
  let bFaultId: string;

  const as = (key: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): Promise<LightMyRequestResponse> =>
    emu.app.inject({ method, url, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(payload ? { payload } : {}) });
  const ok = async (res: Promise<LightMyRequestResponse>, status = 200) => {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.statusCode === 204 ? undefined : r.json();
  };
  const graph = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    emu.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  const token = async (team: Team, local: string) =>
    (await ok(as(made[team].key, 'POST', `/_emulator/tenants/${team}/tokens`, { user: upn(local, team), mfa: true }))).access_token as string;
  const userId = (team: Team, local: string) => made[team].users.find((u) => u.userPrincipalName === upn(local, team))!.id;

  /** Makes pimuser eligible for Security Reader and activates it for 8 hours; returns pimuser's token. */
  async function activate(team: Team): Promise<string> {
    const admin = await token(team, 'admin');
    const pimuser = userId(team, 'pimuser');
    const eligible = await graph(admin, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', justification: 'Team exercise', principalId: pimuser, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    expect(eligible.statusCode, eligible.body).toBe(201);
    const user = await token(team, 'pimuser');
    const active = await graph(user, 'POST', `${GRAPH}/roleAssignmentScheduleRequests`, {
      action: 'selfActivate', principalId: pimuser, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'Reviewing sign-in logs',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
    });
    expect(active.statusCode, active.body).toBe(201);
    return user;
  }
  const activeRoles = async (t: string) => {
    const res = await graph(t, 'GET', `${GRAPH}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().value as { roleDefinitionId: string }[]).map((i) => i.roleDefinitionId);
  };
  const mailIds = async (team: Team) => ((await ok(as(made[team].key, 'GET', `/_emulator/tenants/${team}/mail?limit=1000`))).messages as { id: string }[]).map((m) => m.id).sort();
  const clockOf = async (team: Team) => ok(as(made[team].key, 'GET', `/_emulator/tenants/${team}/clock`));
  const faultsOf = async (team: Team) => (await ok(as(made[team].key, 'GET', `/_emulator/tenants/${team}/faults`))).value as { id: string }[];

  /** What B and C hold that A must not touch. */
  async function snapshot(team: Team, t: string) {
    const c = await clockOf(team);
    return { offsetMs: c.offsetMs, mail: await mailIds(team), faults: (await faultsOf(team)).map((f) => f.id), active: await activeRoles(t), tokenStatus: (await graph(t, 'GET', '/v1.0/me')).statusCode };
  }

  beforeAll(async () => {
    emu = await testEmulator({ adminKey: ADMIN_KEY });
    await emu.listen(); // real SMTP: mail is captured and scoped by tenant
    for (const team of TEAMS) {
      // Anyone may make a tenant (a participant on the portal's sign-in page): no key needed, the key comes back once.
      made[team] = await ok(as(undefined, 'POST', '/_emulator/tenants', { name: team, from: 'contoso' }), 201);
      expect(made[team].key).toMatch(/^pimt_/);
    }
    bToken = await activate('teamb');
    cToken = await activate('teamc');
    await emu.ctx.mail.settle();
    bFaultId = (await ok(as(made.teamb.key, 'POST', '/_emulator/tenants/teamb/faults', { path: '/v1.0/users/nobody', status: 500, times: 3 }), 201)).id;
  }, 60_000);
  afterAll(async () => emu.close());

  it('names each clone after itself, and keeps only the hash of its key', () => {
    expect(made.teama.users.find((u) => u.userPrincipalName === upn('admin', 'teama'))!.displayName).toBe('teama Admin');
    const stored = emu.store.tenant(made.teama.id)!;
    expect(stored.emulator!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(made.teama.key);
  });

  describe("A's key cannot read or change B", () => {
    const b = '/_emulator/tenants/teamb';
    const operations: Array<[string, 'GET' | 'POST' | 'DELETE', string, object?]> = [
      ['read its clock', 'GET', `${b}/clock`],
      ['move its clock', 'POST', `${b}/clock`, { advance: 'PT8H' }],
      ['reset it', 'POST', `${b}/reset`],
      ['list its faults', 'GET', `${b}/faults`],
      ['add a fault', 'POST', `${b}/faults`, { path: '/v1.0/**', status: 503 }],
      ['clear its faults', 'DELETE', `${b}/faults`],
      ['remove one fault', 'DELETE', `${b}/faults/FAULT`],
      ['list its mail', 'GET', `${b}/mail`],
      ['wait for its mail', 'GET', `${b}/mail/latest`],
      ['delete its mail', 'DELETE', `${b}/mail`],
      ['read an MFA code', 'GET', `${b}/users/${upn('admin', 'teamb')}/mfa-code`],
      ['mint a token', 'POST', `${b}/tokens`, { user: upn('admin', 'teamb'), mfa: true }],
      ['read its request log', 'GET', `${b}/requests`],
      ['clear its request log', 'DELETE', `${b}/requests`],
      ['export it', 'GET', `${b}/export`],
      ['search its audit log', 'GET', `${b}/audit`],
      ['take a new key', 'POST', `${b}/key`],
      ['read its personas', 'GET', b],
      ['delete it', 'DELETE', b],
    ];
    it.each(operations)('%s: 403 TenantKeyOutOfScope with A\'s key, 401 TenantKeyRequired with none', async (_what, method, url, payload) => {
      const path = url.replace('FAULT', bFaultId);
      const withA = await as(made.teama.key, method, path, payload);
      expect(withA.statusCode).toBe(403);
      expect(withA.json().error.code).toBe('TenantKeyOutOfScope');
      expect(withA.json().error.message).toContain("tenant teama’s; it does not reach tenant 'teamb'");
      const none = await as(undefined, method, path, payload);
      expect(none.statusCode).toBe(401);
      expect(none.json().error).toMatchObject({ code: 'TenantKeyRequired' });
      expect(none.json().error.message).toContain("needs tenant 'teamb'’s key");
      expect(none.headers['www-authenticate']).toContain('Bearer');
    });

    it("nor any other route under /_emulator/tenants/{tenant}: every one the emulator registers refuses A's key for B, and no key", async () => {
      const routes = emu.routes.filter((r) => r.url === '/_emulator/tenants/:tenant' || r.url.startsWith('/_emulator/tenants/:tenant/'));
      // The list above, and every route added since (a user's authenticator, a message by id, its raw source…).
      expect(routes.length).toBeGreaterThanOrEqual(operations.length);
      for (const r of routes) {
        const path = r.url.replace(':tenant', 'teamb').replace(/:(upn|user)\b/, upn('admin', 'teamb')).replace(/:id\b/, bFaultId);
        const payload = ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined;
        const withA = await as(made.teama.key, r.method as 'GET', path, payload);
        expect([withA.statusCode, withA.json().error?.code], `${r.method} ${r.url}`).toEqual([403, 'TenantKeyOutOfScope']);
        const none = await as(undefined, r.method as 'GET', path, payload);
        expect([none.statusCode, none.json().error?.code], `${r.method} ${r.url}`).toEqual([401, 'TenantKeyRequired']);
      }
    });

    it('nor by naming B by domain or id instead of its name', async () => {
      for (const name of ['teamb.onmicrosoft.com', made.teamb.id]) {
        const res = await as(made.teama.key, 'GET', `/_emulator/tenants/${name}/clock`);
        expect(res.statusCode, name).toBe(403);
      }
    });

    it('nor copy B (its users and secrets) into a new tenant', async () => {
      const res = await as(made.teama.key, 'POST', '/_emulator/tenants', { name: 'teamb-copy', from: 'teamb' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('TenantKeyRequired');
      expect(emu.store.tenants().map((t) => t.tenant.name)).not.toContain('teamb-copy');
    });

    it('and B is still all there after every refused attempt', async () => {
      expect(emu.store.tenant(made.teamb.id)).toBeDefined();
      expect((await faultsOf('teamb')).map((f) => f.id)).toEqual([bFaultId]);
      expect((await clockOf('teamb')).offsetMs).toBe(0);
      expect(await activeRoles(bToken)).toContain(ROLES.securityReader);
    });
  });

  describe("A's own operations leave B and C untouched", () => {
    let before: Record<'teamb' | 'teamc', Awaited<ReturnType<typeof snapshot>>>;
    beforeAll(async () => {
      before = { teamb: await snapshot('teamb', bToken), teamc: await snapshot('teamc', cToken) };
      expect(before.teamb.mail.length).toBeGreaterThan(0);
      expect(before.teamb.active).toContain(ROLES.securityReader);
      expect(before.teamb.tokenStatus).toBe(200);
    });
    const untouched = async () => {
      expect(await snapshot('teamb', bToken)).toEqual(before.teamb);
      expect(await snapshot('teamc', cToken)).toEqual(before.teamc);
    };

    it("A's clock +8 h: A's activation ends and A's token expires; B's and C's do not", async () => {
      const aUser = await activate('teama');
      const aMinted = await token('teama', 'admin');
      expect(await activeRoles(aUser)).toContain(ROLES.securityReader);
      const instance = Date.parse((await ok(as(undefined, 'GET', '/_emulator/clock'))).now);
      const moved = await ok(as(made.teama.key, 'POST', '/_emulator/tenants/teama/clock', { advance: 'PT8H' }));
      expect(moved.offsetMs).toBe(8 * 3600_000);
      expect(Date.parse(moved.now) - Date.parse(moved.instanceNow)).toBe(8 * 3600_000);
      expect(Date.parse(moved.instanceNow) - instance).toBeLessThan(60_000); // the instance clock did not move
      expect((await graph(aMinted, 'GET', '/v1.0/me')).json().error.code).toBe('InvalidAuthenticationToken');
      const fresh = await token('teama', 'pimuser');
      expect(await activeRoles(fresh)).not.toContain(ROLES.securityReader);
      // A's tokens carry A's time.
      expect(Number(claimsOf(fresh).iat) * 1000).toBeGreaterThanOrEqual(instance + 8 * 3600_000 - 1000);
      await untouched();
    });

    it("A's MFA codes follow A's clock, and the password grant checks them on it", async () => {
      const code = (await ok(as(made.teama.key, 'GET', `/_emulator/tenants/teama/users/${upn('pimuser', 'teama')}/mfa-code`))).code as string;
      const res = await emu.app.inject({
        method: 'POST', url: '/teama/oauth2/v2.0/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'password', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', scope: 'https://graph.microsoft.com/.default', username: upn('pimuser', 'teama'), password: 'Passw0rd!', mfa_code: code }).toString(),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(claimsOf(res.json().access_token).amr).toEqual(['pwd', 'mfa']);
    });

    it("A's fault on /v1.0/** hits A's Graph calls only", async () => {
      const fault = await ok(as(made.teama.key, 'POST', '/_emulator/tenants/teama/faults', { path: '/v1.0/**', status: 503 }), 201);
      expect(fault.tenantId).toBe(made.teama.id);
      const aAdmin = await token('teama', 'admin');
      const hit = await graph(aAdmin, 'GET', '/v1.0/me');
      expect(hit.statusCode).toBe(503);
      expect(hit.json().error.code).toBe('ServiceUnavailable');
      expect((await graph(bToken, 'GET', '/v1.0/me')).statusCode).toBe(200);
      expect((await graph(cToken, 'GET', '/v1.0/me')).statusCode).toBe(200);
      // A lists its own fault only; the instructor sees every fault.
      expect((await faultsOf('teama')).map((f) => f.id)).toEqual([fault.id]);
      const all = (await ok(as(ADMIN_KEY, 'GET', '/_emulator/faults'))).value as { id: string }[];
      expect(all.map((f) => f.id).sort()).toEqual([fault.id, bFaultId].sort());
      await ok(as(made.teama.key, 'DELETE', '/_emulator/tenants/teama/faults'), 204);
      expect((await graph(aAdmin, 'GET', '/v1.0/me')).statusCode).toBe(200);
      await untouched();
    });

    it("A's mail: A lists and waits on its own mail only, and deleting it deletes nobody else's", async () => {
      const aMail = (await ok(as(made.teama.key, 'GET', '/_emulator/tenants/teama/mail?limit=1000'))).messages as { id: string; to: { address: string }[] }[];
      expect(aMail.length).toBeGreaterThan(0);
      for (const m of aMail) expect(m.to.some((a) => a.address.endsWith('@teama.onmicrosoft.com'))).toBe(true);
      // B's message is not A's to read, even by id.
      const bMessage = before.teamb.mail[0]!;
      expect((await as(made.teama.key, 'GET', `/_emulator/tenants/teama/mail/${bMessage}`)).statusCode).toBe(404);
      expect((await as(made.teama.key, 'DELETE', `/_emulator/tenants/teama/mail/${bMessage}`)).statusCode).toBe(404);
      // Waiting for "activated" in A never returns B's activation mail.
      const latest = await ok(as(made.teama.key, 'GET', '/_emulator/tenants/teama/mail/latest?subject=activated'));
      expect(latest.to.map((a: { address: string }) => a.address).join()).toContain('@teama.onmicrosoft.com');
      await ok(as(made.teama.key, 'DELETE', '/_emulator/tenants/teama/mail'), 204);
      expect(await mailIds('teama')).toEqual([]);
      await untouched();
    });

    it("A's request log and export hold A only", async () => {
      const log = (await ok(as(made.teama.key, 'GET', '/_emulator/tenants/teama/requests?limit=1000'))).value as { tenant: string }[];
      expect(log.length).toBeGreaterThan(0);
      expect(new Set(log.map((e) => e.tenant))).toEqual(new Set(['teama']));
      const exported = await ok(as(made.teama.key, 'GET', '/_emulator/tenants/teama/export'));
      expect(exported.tenants.map((t: { tenant: { name: string } }) => t.tenant.name)).toEqual(['teama']);
      expect(JSON.stringify(exported)).not.toContain('keyHash');
      await ok(as(made.teama.key, 'DELETE', '/_emulator/tenants/teama/requests'), 204);
      expect((await ok(as(ADMIN_KEY, 'GET', '/_emulator/requests?tenant=teamb'))).value.length).toBeGreaterThan(0);
      await untouched();
    });

    it("A's reset: A goes back to its creation state and its own clock, without its mail, faults and request log; its key still works; B and C stay", async () => {
      // Give A something of each to lose: a fault, a mail (pimuser activates again) and logged requests.
      await ok(as(made.teama.key, 'POST', '/_emulator/tenants/teama/faults', { path: '/v1.0/users/nobody', status: 500 }), 201);
      const aUser = await token('teama', 'pimuser');
      const again = await graph(aUser, 'POST', `${GRAPH}/roleAssignmentScheduleRequests`, {
        action: 'selfActivate', principalId: userId('teama', 'pimuser'), roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'Once more',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
      });
      expect(again.statusCode, again.body).toBe(201);
      await emu.ctx.mail.settle();
      expect((await mailIds('teama')).length).toBeGreaterThan(0);
      expect((await faultsOf('teama')).length).toBe(1);
      expect((await ok(as(made.teama.key, 'GET', '/_emulator/tenants/teama/requests'))).value.length).toBeGreaterThan(0);

      const reset = await ok(as(made.teama.key, 'POST', '/_emulator/tenants/teama/reset'));
      expect(reset).toMatchObject({ status: 'reset', tenant: 'teama' });
      const a = emu.store.tenant(made.teama.id)!;
      expect(a.pim).toEqual({ requests: [], schedules: [], audits: [] });
      expect(a.users.map((u) => u.id).sort()).toEqual(made.teama.users.map((u) => u.id).sort());
      expect((await clockOf('teama')).offsetMs).toBe(0);
      expect(await mailIds('teama')).toEqual([]);
      expect(await faultsOf('teama')).toEqual([]);
      // The log holds only the reads made since the reset (the log does not log reading itself).
      expect(((await ok(as(made.teama.key, 'GET', '/_emulator/tenants/teama/requests'))).value as { path: string }[]).filter((e) => !e.path.startsWith('/_emulator/'))).toEqual([]);
      expect(emu.store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam', 'teama', 'teamb', 'teamc']);
      await untouched();
    });

    it("A's deletion of its own tenant deletes A only", async () => {
      await ok(as(made.teama.key, 'DELETE', '/_emulator/tenants/teama'), 204);
      expect(emu.store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam', 'teamb', 'teamc']);
      // A's key went with its tenant.
      const gone = await as(made.teama.key, 'GET', '/_emulator/tenants/teamb/clock');
      expect(gone.statusCode).toBe(401);
      expect(gone.json().error.code).toBe('InvalidKey');
      await untouched();
    });
  });

  describe('the instance-wide operations need the admin key', () => {
    const instanceWide: Array<[string, string, object?]> = [
      ['POST', '/_emulator/reset'],
      ['POST', '/_emulator/clock', { advance: 'PT1H' }],
      ['GET', '/_emulator/seed'],
      ['POST', '/_emulator/seed', { version: 1 }],
      ['POST', '/_emulator/tokens', { tenant: 'teamb', user: upn('admin', 'teamb') }],
      ['GET', '/_emulator/faults'],
      ['POST', '/_emulator/faults', { path: '/v1.0/**', status: 503 }],
      ['DELETE', '/_emulator/faults'],
      ['GET', '/_emulator/mail'],
      ['DELETE', '/_emulator/mail'],
      ['GET', '/_emulator/requests'],
      ['GET', '/_emulator/audit'],
      ['POST', '/_emulator/devicelogin', { userCode: 'ABCD' }],
      ['GET', '/api/v1/messages'],
      ['DELETE', '/api/v1/messages'],
    ];
    it.each(instanceWide)('%s %s: 401 without a key, 403 with a tenant key, both naming the admin key', async (method, url, payload) => {
      const none = await as(undefined, method as 'GET', url, payload);
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('AdminKeyRequired');
      expect(none.json().error.message).toContain('needs the admin key (PIM_ADMIN_KEY');
      const tenantKey = await as(made.teamb.key, method as 'GET', url, payload);
      expect(tenantKey.statusCode).toBe(403);
      expect(tenantKey.json().error.code).toBe('AdminKeyRequired');
      expect(tenantKey.json().error.message).toContain('tenant teamb’s, which reaches only /_emulator/tenants/teamb/');
    });

    it('and so does every other control route the emulator registers, but for the few that are open by design', async () => {
      // Open: what health checks, TLS setup and the portal's sign-in page read, and making a tenant (which hands out its key).
      const OPEN = ['GET /_emulator/health', 'GET /_emulator/ca.pem', 'GET /_emulator/openapi.yaml', 'GET /_emulator/clock', 'GET /_emulator/tenants', 'POST /_emulator/tenants', 'GET /_emulator/access'];
      const control = emu.routes.filter((r) => (r.url.startsWith('/_emulator/') || r.url.startsWith('/api/v1/')) && !r.url.startsWith('/_emulator/tenants/:tenant'));
      expect(control.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(OPEN));
      const guarded = control.filter((r) => !OPEN.includes(`${r.method} ${r.url}`));
      expect(guarded.length).toBeGreaterThanOrEqual(instanceWide.length);
      for (const r of guarded) {
        const path = r.url.replace(/:[a-zA-Z]+/g, 'x');
        const payload = ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined;
        const none = await as(undefined, r.method as 'GET', path, payload);
        expect([none.statusCode, none.json().error?.code], `${r.method} ${r.url}`).toEqual([401, 'AdminKeyRequired']);
        const tenantKey = await as(made.teamb.key, r.method as 'GET', path, payload);
        expect([tenantKey.statusCode, tenantKey.json().error?.code], `${r.method} ${r.url}`).toEqual([403, 'AdminKeyRequired']);
      }
    });

    it('answer the admin key, which reaches every tenant too', async () => {
      expect((await as(ADMIN_KEY, 'GET', '/_emulator/seed')).statusCode).toBe(200);
      expect((await as(ADMIN_KEY, 'GET', '/_emulator/tenants/teamb/clock')).statusCode).toBe(200);
      expect((await as(ADMIN_KEY, 'GET', `/_emulator/tenants/contoso/users/admin@contoso.onmicrosoft.com/mfa-code`)).statusCode).toBe(200);
    });

    it('refuse a wrong key with 401 InvalidKey', async () => {
      const res = await as('not-a-key-at-all', 'GET', '/_emulator/tenants/teamb/clock');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('InvalidKey');
    });

    it('leave health, the CA, the API description, the instance clock and the tenant list open; the list shows personas only where the key reaches', async () => {
      for (const url of ['/_emulator/health', '/_emulator/ca.pem', '/_emulator/openapi.yaml', '/_emulator/clock']) {
        expect((await as(undefined, 'GET', url)).statusCode, url).not.toBe(401);
      }
      const anonymous = (await ok(as(undefined, 'GET', '/_emulator/tenants'))) as { name: string; users?: unknown[] }[];
      expect(anonymous.map((t) => t.name)).toEqual(['contoso', 'fabrikam', 'teamb', 'teamc']);
      expect(anonymous.every((t) => t.users === undefined)).toBe(true);
      const asB = (await ok(as(made.teamb.key, 'GET', '/_emulator/tenants'))) as { name: string; users?: unknown[] }[];
      expect(asB.filter((t) => t.users).map((t) => t.name)).toEqual(['teamb']);
      const asAdmin = (await ok(as(ADMIN_KEY, 'GET', '/_emulator/tenants'))) as { name: string; users?: unknown[] }[];
      expect(asAdmin.filter((t) => t.users).map((t) => t.name)).toEqual(['contoso', 'fabrikam', 'teamb', 'teamc']);
      expect(await ok(as(made.teamb.key, 'GET', '/_emulator/access'))).toMatchObject({ keysRequired: true, scope: 'tenant', tenant: 'teamb' });
    });

    it('moving the instance clock (admin key) moves every tenant, offsets kept', async () => {
      await ok(as(made.teamc.key, 'POST', '/_emulator/tenants/teamc/clock', { advance: 'PT2H' }));
      const b0 = Date.parse((await clockOf('teamb')).now);
      const c0 = Date.parse((await clockOf('teamc')).now);
      await ok(as(ADMIN_KEY, 'POST', '/_emulator/clock', { advance: 'PT1H' }));
      const b1 = await clockOf('teamb');
      const c1 = await clockOf('teamc');
      expect(Date.parse(b1.now) - b0).toBeGreaterThanOrEqual(3600_000);
      expect(Date.parse(c1.now) - c0).toBeGreaterThanOrEqual(3600_000);
      expect(c1.offsetMs).toBe(2 * 3600_000);
      expect(b1.offsetMs).toBe(0);
    });

    it('a tenant key can be replaced; the old one stops working', async () => {
      const fresh = await ok(as(made.teamc.key, 'POST', '/_emulator/tenants/teamc/key'));
      expect(fresh.key).toMatch(/^pimt_/);
      expect((await as(made.teamc.key, 'GET', '/_emulator/tenants/teamc/clock')).statusCode).toBe(401);
      expect((await as(fresh.key, 'GET', '/_emulator/tenants/teamc/clock')).statusCode).toBe(200);
    });
  });
});

describe('--workshop', () => {
  it('generates an admin key (unless one is set) and requires keys', async () => {
    const emu = await testEmulator({ workshop: true });
    try {
      expect(emu.ctx.keys.enforced).toBe(true);
      expect(emu.ctx.keys.generated).toBe(true);
      expect(emu.ctx.keys.adminKey).toMatch(/^pima_[A-Za-z0-9_-]{24}$/);
      const refused = await emu.app.inject({ method: 'POST', url: '/_emulator/reset' });
      expect(refused.statusCode).toBe(401);
      const admitted = await emu.app.inject({ method: 'POST', url: '/_emulator/reset', headers: { authorization: `Bearer ${emu.ctx.keys.adminKey}` } });
      expect(admitted.statusCode).toBe(200);
    } finally {
      await emu.close();
    }
    const chosen = await testEmulator({ workshop: true, adminKey: ADMIN_KEY });
    try {
      expect(chosen.ctx.keys.adminKey).toBe(ADMIN_KEY);
      expect(chosen.ctx.keys.generated).toBe(false);
    } finally {
      await chosen.close();
    }
  });
});

describe('no cross-site control calls, ever (no key configured)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());

  it('refuses a cross-site form-style POST /_emulator/reset (text/plain, foreign Origin) and changes nothing', async () => {
    const team = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team07' } });
    expect(team.statusCode).toBe(201);
    const moved = await emu.app.inject({ method: 'POST', url: '/_emulator/clock', payload: { advance: 'PT3H' } });
    const before = { tenants: emu.store.tenants().map((t) => t.tenant.name), now: Date.parse(moved.json().now), contoso: JSON.stringify(emu.store.tenant(CONTOSO.id)) };

    const res = await emu.app.inject({
      method: 'POST', url: '/_emulator/reset',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', host: '127.0.0.1:8080' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CrossSiteRequestRefused');
    expect(res.json().error.message).toContain("Origin 'http://evil.example'");
    expect(res.json().error.message).toContain("content type 'text/plain'");

    expect(emu.store.tenants().map((t) => t.tenant.name)).toEqual(before.tenants);
    expect(emu.store.tenants().map((t) => t.tenant.name)).toContain('team07');
    expect(emu.clock.nowMs() - before.now).toBeLessThan(60_000);
    expect(emu.clock.nowMs()).toBeGreaterThanOrEqual(before.now);
    expect(JSON.stringify(emu.store.tenant(CONTOSO.id))).toBe(before.contoso);
  });

  it.each([
    ['a form post with no Origin at all', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
    ['a multipart form', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
    ['JSON from another site (Sec-Fetch-Site)', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, '{"advance":"PT1H"}'],
    ['JSON from a sibling port (same-site is not same-origin)', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:3000' }, '{"advance":"PT1H"}'],
    ['JSON with a foreign Origin', { 'content-type': 'application/json', origin: 'https://evil.example' }, '{"advance":"PT1H"}'],
  ])('refuses %s', async (_what, headers, payload) => {
    const before = emu.clock.nowMs();
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/clock', headers: { host: '127.0.0.1:8080', ...headers }, payload });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('CrossSiteRequestRefused');
    expect(emu.clock.nowMs() - before).toBeLessThan(60_000);
  });

  it('refuses the Mailpit API deletion from another site too', async () => {
    const res = await emu.app.inject({ method: 'DELETE', url: '/api/v1/messages', headers: { origin: 'http://evil.example', host: '127.0.0.1:8080' } });
    expect(res.statusCode).toBe(403);
  });

  it('accepts curl (no Origin), the portal (same origin) and a caller carrying the tenant key', async () => {
    const curl = await emu.app.inject({ method: 'POST', url: '/_emulator/clock', payload: { advance: 'PT1M' } });
    expect(curl.statusCode).toBe(200);
    const portal = await emu.app.inject({ method: 'POST', url: '/_emulator/clock', headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }, payload: { advance: 'PT1M' } });
    expect(portal.statusCode).toBe(200);
    const made = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team08' } });
    const keyed = await emu.app.inject({
      method: 'POST', url: '/_emulator/tenants/team08/clock',
      headers: { host: '127.0.0.1:8080', origin: 'http://elsewhere.example', authorization: `Bearer ${made.json().key}`, 'content-type': 'application/json' },
      payload: '{"advance":"PT1H"}',
    });
    expect(keyed.statusCode).toBe(200);
    // Reading stays open: GET is not state-changing.
    expect((await emu.app.inject({ method: 'GET', url: '/_emulator/clock', headers: { origin: 'http://evil.example' } })).statusCode).toBe(200);
  });

  it('with no key configured, tenant and instance operations stay open to local callers', async () => {
    expect((await emu.app.inject({ method: 'GET', url: '/_emulator/tenants/team07/clock' })).statusCode).toBe(200);
    expect((await emu.app.inject({ method: 'GET', url: '/_emulator/seed' })).statusCode).toBe(200);
    expect((await emu.app.inject({ method: 'GET', url: '/_emulator/access' })).json()).toMatchObject({ keysRequired: false, scope: 'none' });
  });
});

describe("a tenant's clock drives its scheduler: expiry reminders and mail dates", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
    await emu.listen();
  });
  afterAll(async () => emu.close());

  it("moving t1's clock 7 days sends t1's 14-day reminder, dated on t1's clock, and nothing in t2", async () => {
    const assigned: Record<string, string> = {};
    for (const name of ['t1', 't2']) {
      expect((await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name } })).statusCode).toBe(201);
      const admin = (await emu.app.inject({ method: 'POST', url: `/_emulator/tenants/${name}/tokens`, payload: { user: `admin@${name}.onmicrosoft.com`, mfa: true } })).json().access_token;
      const pimuser = emu.store.tenants().find((t) => t.tenant.name === name)!.users.find((u) => u.userPrincipalName.startsWith('pimuser@'))!.id;
      const res = await emu.app.inject({
        method: 'POST', url: `${GRAPH}/roleEligibilityScheduleRequests`, headers: { authorization: `Bearer ${admin}` },
        payload: { action: 'adminAssign', justification: 'Twenty days', principalId: pimuser, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P20D' } } },
      });
      expect(res.statusCode, res.body).toBe(201);
      assigned[name] = res.json().scheduleInfo.startDateTime;
    }
    await emu.ctx.mail.settle();
    const reminders = async (name: string) =>
      (await emu.app.inject({ method: 'GET', url: `/_emulator/tenants/${name}/mail?subject=${encodeURIComponent('expires in 14 days')}` })).json().messages as { date: string; to: { address: string }[] }[];

    const moved = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants/t1/clock', payload: { advance: 'P7D' } });
    expect(moved.statusCode).toBe(200);
    const t1 = await reminders('t1');
    expect(t1.length).toBeGreaterThan(0);
    for (const m of t1) {
      expect(m.to.every((a) => a.address.endsWith('@t1.onmicrosoft.com'))).toBe(true);
      // Dated when it fell due on t1's clock: 6 days after the assignment (20 days less 14), not today.
      expect(Date.parse(m.date) - Date.parse(assigned.t1!)).toBeGreaterThan(6 * 86_400_000 - 60_000);
    }
    expect(await reminders('t2')).toEqual([]);
    expect(emu.clock.nowMs() - Date.now()).toBeLessThan(60_000);
  });
});

describe("a tenant's reset, for a seed tenant and an imported one", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());

  it('puts a seed tenant back as the seed has it, clock included, and touches no clone', async () => {
    const clone = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team07' } });
    expect(clone.statusCode).toBe(201);
    const team07 = JSON.stringify(emu.store.tenants().find((t) => t.tenant.name === 'team07'));
    const admin = (await emu.app.inject({ method: 'POST', url: '/_emulator/tenants/contoso/tokens', payload: { user: 'admin@contoso.onmicrosoft.com', mfa: true } })).json().access_token;
    const assigned = await emu.app.inject({
      method: 'POST', url: `${GRAPH}/roleEligibilityScheduleRequests`, headers: { authorization: `Bearer ${admin}` },
      payload: { action: 'adminAssign', justification: 'x', principalId: 'c4832e05-20ba-4e0d-8fe3-dcf1a7f1b709', roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } } },
    });
    expect(assigned.statusCode).toBe(201);
    expect((await emu.app.inject({ method: 'POST', url: '/_emulator/tenants/contoso/clock', payload: { advance: 'P1D' } })).statusCode).toBe(200);
    expect(emu.store.tenant(CONTOSO.id)!.pim.requests.length).toBe(1);

    const reset = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants/contoso/reset' });
    expect(reset.statusCode).toBe(200);
    expect(emu.store.tenant(CONTOSO.id)!.pim.requests).toEqual([]);
    expect((await emu.app.inject({ method: 'GET', url: '/_emulator/tenants/contoso/clock' })).json().offsetMs).toBe(0);
    expect(JSON.stringify(emu.store.tenants().find((t) => t.tenant.name === 'team07'))).toBe(team07);
  });

  it("answers 409 NoCreationState for a tenant that only an imported seed knows, and freezing a tenant's clock alone is a 400 that says why", async () => {
    const seed = (await emu.app.inject({ method: 'GET', url: '/_emulator/seed' })).json();
    seed.tenants[0].tenant = { ...seed.tenants[0].tenant, id: '11111111-2222-4333-8444-555555555555', name: 'imported', domain: 'imported.onmicrosoft.com' };
    seed.tenants[0].users = seed.tenants[0].users.map((u: { userPrincipalName: string }) => ({ ...u, userPrincipalName: u.userPrincipalName.replace('contoso', 'imported') }));
    const imported = await emu.app.inject({ method: 'POST', url: '/_emulator/seed', payload: seed });
    expect(imported.statusCode, imported.body).toBe(200);
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants/imported/reset' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('NoCreationState');
    const frozen = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants/imported/clock', payload: { freeze: true } });
    expect(frozen.statusCode).toBe(400);
    expect(frozen.json().error.message).toContain('freezing is instance-wide');
  });
});
