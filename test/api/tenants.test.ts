import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import type { TenantData } from '../../src/directory/model.js';
import type { SystemData } from '../../src/store/store.js';
import { readTenantFromDisk } from '../../src/store/lowdb-store.js';
import { APPS, CONTOSO, FABRIKAM, PASSWORD, ROLES, USERS, claimsOf, tempDir, testEmulator, tokenFor } from '../support/emulator.js';
import { get, mfaCode, send, tokenRequest } from '../support/api.js';

/**
 * Tenants on demand (POST/DELETE /_emulator/tenants): a clone of contoso per workshop team, each
 * isolated from the others — directory, PIM state, mail, tokens and storage.
 */

interface TenantSummary {
  id: string;
  name: string;
  domain: string;
  licenses: string[];
  clonedFrom: string;
  users: { id: string; userPrincipalName: string; displayName: string }[];
  applications: { appId: string; displayName: string; publicClient: boolean }[];
}

const GRAPH = '/v1.0/roleManagement/directory';
const AZ_CLI = APPS.azureCli.appId;
const HTTPS_HOST = { host: 'localhost:8443', 'x-forwarded-proto': 'https' };

async function clone(emu: Emulator, name: string, from = 'contoso'): Promise<TenantSummary> {
  const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name, from } });
  if (res.statusCode !== 201) throw new Error(`clone ${name}: ${res.statusCode} ${res.body}`);
  return res.json();
}
const remove = (emu: Emulator, key: string) => emu.app.inject({ method: 'DELETE', url: `/_emulator/tenants/${key}` });
const upnIn = (local: string, name: string) => `${local}@${name}.onmicrosoft.com`;
const userId = (t: TenantSummary, local: string) => t.users.find((u) => u.userPrincipalName === upnIn(local, t.name))!.id;

const eligibility = (principalId: string, justification = 'Team exercise') => ({
  action: 'adminAssign', justification, principalId, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/',
  scheduleInfo: { expiration: { type: 'noExpiration' } },
});
const activation = (principalId: string) => ({
  action: 'selfActivate', principalId, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'Reviewing sign-in logs',
  scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
});

/** A digest of a tenant's PIM state and queued mail, to compare before and after (a digest: a mismatch prints short). */
const pimState = (emu: Emulator, id: string) => {
  const t = emu.store.tenant(id)!;
  return createHash('sha256').update(JSON.stringify({ pim: t.pim, outbox: t.outbox, roleAssignments: t.roleAssignments, policies: t.policies })).digest('hex');
};

describe('tenants on demand', () => {
  let emu: Emulator;
  let team07: TenantSummary;
  let team08: TenantSummary;

  beforeAll(async () => {
    emu = await testEmulator();
    await emu.listen(); // real SMTP: the mail assertions read the capture inbox
    team07 = await clone(emu, 'team07');
    team08 = await clone(emu, 'team08');
  });
  afterAll(async () => {
    await emu.close();
  });
  /** Every recipient address of every captured message, oldest first. */
  const recipients = async (): Promise<string[]> => {
    const messages = (await get(emu, '/_emulator/mail?limit=1000')).json().messages as { to: { address: string }[] }[];
    return messages.reverse().flatMap((m) => m.to.map((a) => a.address.toLowerCase()));
  };

  describe('POST /_emulator/tenants', () => {
    it('answers 201 with the clone: a new id and domain, the same personas under it', () => {
      expect(team07).toMatchObject({ name: 'team07', domain: 'team07.onmicrosoft.com', licenses: ['AAD_PREMIUM_P2'], clonedFrom: 'contoso' });
      expect(team07.id).not.toBe(CONTOSO.id);
      expect(team07.users.map((u) => u.userPrincipalName)).toEqual([
        'admin@team07.onmicrosoft.com', 'pimuser@team07.onmicrosoft.com', 'approver@team07.onmicrosoft.com', 'analyst@team07.onmicrosoft.com', 'helpdesk@team07.onmicrosoft.com',
      ]);
      expect(team07.users.map((u) => u.displayName)).toEqual(['team07 Admin', 'PIM User', 'Role Approver', 'Alex Analyst', 'Hana Helpdesk']);
      const contosoIds = Object.values(USERS).map((u) => u.id as string);
      for (const u of [...team07.users, ...team08.users]) expect(contosoIds).not.toContain(u.id);
      expect(new Set([...team07.users, ...team08.users].map((u) => u.id)).size).toBe(10);
    });

    it('gives registered apps new app ids, keeping the confidential app its secret', async () => {
      expect(team07.applications.map((a) => a.displayName)).toEqual(['PIM Automation (confidential client)', 'PIM Workshop (public client)']);
      expect(team07.applications.map((a) => a.appId)).not.toContain(APPS.confidential.appId);
      expect(team07.applications.map((a) => a.appId)).not.toContain(APPS.public.appId);
      const confidential = team07.applications.find((a) => !a.publicClient)!;
      const res = await tokenRequest(emu, 'team07', { grant_type: 'client_credentials', client_id: confidential.appId, client_secret: APPS.confidential.secret, scope: 'https://graph.microsoft.com/.default' });
      expect(res.statusCode).toBe(200);
      expect(claimsOf(res.json().access_token)).toMatchObject({ tid: team07.id, appid: confidential.appId });
      // The source's app is not registered in the clone.
      const foreign = await tokenRequest(emu, 'team07', { grant_type: 'client_credentials', client_id: APPS.confidential.appId, client_secret: APPS.confidential.secret, scope: 'https://graph.microsoft.com/.default' });
      expect(foreign.statusCode).toBe(400);
    });

    it('copies direct role assignments, licences and groups under the new ids, with default role settings and no PIM history', () => {
      const t = emu.store.tenant(team07.id)!;
      expect(t.roleAssignments.map((a) => [a.principalId, a.roleDefinitionId])).toEqual([
        [userId(team07, 'admin'), ROLES.globalAdministrator],
        [userId(team07, 'approver'), ROLES.privilegedRoleAdministrator],
      ]);
      expect(t.groups[0]!.members).toEqual([userId(team07, 'analyst'), userId(team07, 'helpdesk')]);
      expect(t.policies).toHaveLength(emu.store.system().roleDefinitions.length);
      const contosoPolicies = emu.store.tenant(CONTOSO.id)!.policies.map((p) => p.id);
      for (const p of t.policies) expect(contosoPolicies).not.toContain(p.id);
      expect(t.pim).toEqual({ requests: [], schedules: [], audits: [] });
      expect(t.outbox).toEqual([]);
      // New authenticator secrets: a clone's codes are not contoso's.
      expect(t.users[1]!.mfaSecret).not.toBe(emu.store.tenant(CONTOSO.id)!.users[1]!.mfaSecret);
      expect(t.users.every((u) => u.mail === u.userPrincipalName)).toBe(true);
    });

    it('lists the clone in GET /_emulator/tenants and /_emulator/health', async () => {
      expect((await get(emu, '/_emulator/tenants')).json().map((t: { name: string }) => t.name)).toEqual(['contoso', 'fabrikam', 'team07', 'team08']);
      expect((await get(emu, '/_emulator/health')).json().tenants).toEqual(['contoso', 'fabrikam', 'team07', 'team08']);
    });

    it('refuses a name or domain in use with 409 TenantExists', async () => {
      for (const name of ['team07', 'contoso']) {
        const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name, from: 'contoso' } });
        expect(res.statusCode).toBe(409);
        expect(res.json().error.code).toBe('TenantExists');
      }
    });

    it('answers 404 for an unknown source and 400 for a name that is not one', async () => {
      const unknown = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team99', from: 'northwind' } });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error).toMatchObject({ code: 'TenantNotFound' });
      for (const name of ['Team07', '-x', 'a_b', 'common', CONTOSO.id, 'x'.repeat(64)]) {
        const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name, from: 'contoso' } });
        expect(res.statusCode, name).toBe(400);
        expect(res.json().error.code).toBe('InvalidTenantName');
      }
      const extra = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team99', domain: 'x.example' } });
      expect(extra.statusCode).toBe(400);
    });
  });

  describe('isolation', () => {
    it("shows team07's pimuser only team07's directory", async () => {
      const token = await tokenFor(emu, upnIn('pimuser', 'team07'));
      expect(claimsOf(token).tid).toBe(team07.id);
      const res = await get(emu, '/v1.0/users?$select=userPrincipalName', token);
      expect(res.statusCode).toBe(200);
      const upns = res.json().value.map((u: { userPrincipalName: string }) => u.userPrincipalName);
      expect(upns).toHaveLength(5);
      expect(upns.every((u: string) => u.endsWith('@team07.onmicrosoft.com'))).toBe(true);
      expect((await get(emu, `/v1.0/users/${USERS.pimuser.id}`, token)).statusCode).toBe(404);
    });

    it("lets no team07 admin assign a contoso user: 400 InvalidRoleAssignmentRequest", async () => {
      const admin = await tokenFor(emu, upnIn('admin', 'team07'), { mfa: true });
      const res = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(USERS.pimuser.id));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('InvalidRoleAssignmentRequest');
      expect(emu.store.tenant(CONTOSO.id)!.pim.requests).toEqual([]);
    });

    it("does not find a contoso request from team07: 404", async () => {
      const contosoAdmin = await tokenFor(emu, USERS.admin.upn, { mfa: true });
      const made = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, contosoAdmin, eligibility(USERS.analyst.id));
      expect(made.statusCode).toBe(201);
      const admin = await tokenFor(emu, upnIn('admin', 'team07'), { mfa: true });
      expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests/${made.json().id}`, contosoAdmin)).statusCode).toBe(200);
      expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests/${made.json().id}`, admin)).statusCode).toBe(404);
      expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests`, admin)).json().value).toEqual([]);
    });

    it('keeps a PIM change in team07 (assign, activate) out of team08 and contoso, and mails only team07', async () => {
      await emu.ctx.mail.settle();
      const before = { contoso: pimState(emu, CONTOSO.id), team08: pimState(emu, team08.id), fabrikam: pimState(emu, FABRIKAM.id), inbox: await recipients() };
      const admin = await tokenFor(emu, upnIn('admin', 'team07'), { mfa: true });
      const pimuser = userId(team07, 'pimuser');
      const assigned = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(pimuser));
      expect(assigned.statusCode).toBe(201);
      const user = await tokenFor(emu, upnIn('pimuser', 'team07'), { mfa: true });
      const activated = await send(emu, 'POST', `${GRAPH}/roleAssignmentScheduleRequests`, user, activation(pimuser));
      expect(activated.statusCode).toBe(201);
      expect(activated.json().status).toBe('Provisioned');

      // The two mails of the article, to team07's Global Admin.
      for (const id of [assigned.json().id, activated.json().id]) {
        const mail = await get(emu, `/_emulator/mail/latest?text=${id}&wait=10s`);
        expect(mail.statusCode).toBe(200);
        expect(mail.json().to.map((a: { address: string }) => a.address)).toContain('admin@team07.onmicrosoft.com');
      }
      await emu.ctx.mail.settle();
      for (const id of [assigned.json().id, activated.json().id]) {
        const mails = (await get(emu, `/_emulator/mail?text=${id}`)).json().messages as { to: { address: string }[] }[];
        expect(mails.length).toBeGreaterThan(0);
        for (const m of mails) for (const a of m.to) expect(a.address).toMatch(/@team07\.onmicrosoft\.com$/);
      }
      // Nobody outside team07 received anything new.
      const after = await recipients();
      expect(after.filter((a) => !a.endsWith('@team07.onmicrosoft.com'))).toEqual(before.inbox.filter((a) => !a.endsWith('@team07.onmicrosoft.com')));
      expect(after.length).toBeGreaterThan(before.inbox.length);

      expect(pimState(emu, CONTOSO.id)).toBe(before.contoso);
      expect(pimState(emu, team08.id)).toBe(before.team08);
      expect(pimState(emu, FABRIKAM.id)).toBe(before.fabrikam);
      // And through Graph: team08's admin sees no instance, request or audit record.
      const team08Admin = await tokenFor(emu, upnIn('admin', 'team08'), { mfa: true });
      for (const path of [`${GRAPH}/roleAssignmentScheduleInstances`, `${GRAPH}/roleEligibilityScheduleInstances`, `${GRAPH}/roleAssignmentScheduleRequests`, '/v1.0/auditLogs/directoryAudits']) {
        const res = await get(emu, path, team08Admin);
        expect(res.statusCode, path).toBe(200);
        if (path.includes('Instances')) expect(res.json().value.map((i: { principalId: string }) => i.principalId)).not.toContain(pimuser);
        else expect(res.json().value, path).toEqual([]);
      }
      // team07 itself sees its activation.
      const active = await get(emu, `${GRAPH}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`, user);
      expect(active.json().value).toHaveLength(1);
    });

    it('reads MFA codes and signs in with the password grant at /team07', async () => {
      const upn = upnIn('pimuser', 'team07');
      const code = await mfaCode(emu, upn, 'team07');
      expect(code).toMatch(/^\d{6}$/);
      const res = await tokenRequest(emu, 'team07', { grant_type: 'password', client_id: AZ_CLI, username: upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default', mfa_code: code });
      expect(res.statusCode).toBe(200);
      const claims = claimsOf(res.json().access_token);
      expect(claims).toMatchObject({ tid: team07.id, oid: userId(team07, 'pimuser'), upn });
      expect(claims.amr).toEqual(['pwd', 'mfa']);
      // A contoso user does not sign in at team07.
      const foreign = await tokenRequest(emu, 'team07', { grant_type: 'password', client_id: AZ_CLI, username: USERS.pimuser.upn, password: PASSWORD, scope: 'https://graph.microsoft.com/.default' });
      expect(foreign.statusCode).toBe(400);
    });

    it('serves discovery for team07 by name, domain and GUID', async () => {
      for (const key of ['team07', 'team07.onmicrosoft.com', team07.id]) {
        const res = await emu.app.inject({ method: 'GET', url: `/${key}/v2.0/.well-known/openid-configuration`, headers: HTTPS_HOST });
        expect(res.statusCode, key).toBe(200);
        expect(res.json().issuer).toBe(`https://localhost:8443/${team07.id}/v2.0`);
      }
      const keys = await emu.app.inject({ method: 'GET', url: `/${team07.id}/discovery/v2.0/keys`, headers: HTTPS_HOST });
      expect(keys.statusCode).toBe(200);
    });
  });

  describe('DELETE /_emulator/tenants/{tenant}', () => {
    it('removes a tenant: 204, its tokens get 401, its discovery 400 AADSTS90002, its MFA codes 404', async () => {
      const gone = await clone(emu, 'team09');
      const token = await tokenFor(emu, upnIn('admin', 'team09'), { mfa: true });
      expect((await get(emu, '/v1.0/me', token)).statusCode).toBe(200);
      expect(emu.store.tenant(gone.id)?.signingKey).toBeDefined();

      const res = await remove(emu, 'team09.onmicrosoft.com');
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const after = await get(emu, '/v1.0/me', token);
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('InvalidAuthenticationToken');
      expect(emu.store.system().signingKeys[gone.id]).toBeUndefined();
      for (const key of ['team09', gone.id]) {
        const discovery = await emu.app.inject({ method: 'GET', url: `/${key}/v2.0/.well-known/openid-configuration` });
        expect(discovery.statusCode).toBe(400);
        expect(discovery.json().error_codes).toEqual([90002]);
        expect(discovery.json().error_description).toMatch(/^AADSTS90002: /);
      }
      expect((await get(emu, `/_emulator/tenants/team09/users/${upnIn('admin', 'team09')}/mfa-code`)).statusCode).toBe(404);
      expect((await remove(emu, 'team09')).statusCode).toBe(404);
      expect((await get(emu, '/_emulator/tenants')).json().map((t: { name: string }) => t.name)).not.toContain('team09');
      // The name is free again, for a new tenant with a new id.
      const again = await clone(emu, 'team09');
      expect(again.id).not.toBe(gone.id);
      expect((await remove(emu, again.id)).statusCode).toBe(204);
    });
  });
});

describe('tenants on demand, lifecycle', () => {
  let emu: Emulator | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    for (const c of cleanups.splice(0)) c();
  });

  it('refuses to delete the last tenant with 400', async () => {
    emu = await testEmulator();
    expect((await remove(emu, 'fabrikam')).statusCode).toBe(204);
    const res = await remove(emu, 'contoso');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('LastTenant');
    expect(emu.store.tenants().map((t) => t.tenant.name)).toEqual(['contoso']);
  });

  it('clones any tenant, fabrikam too, and defaults to the first tenant', async () => {
    emu = await testEmulator();
    const f = await clone(emu, 'f2', 'fabrikam');
    expect(f).toMatchObject({ domain: 'f2.onmicrosoft.com', licenses: [], clonedFrom: 'fabrikam' });
    expect(f.users.map((u) => u.userPrincipalName)).toEqual(['admin@f2.onmicrosoft.com', 'user@f2.onmicrosoft.com']);
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'c2' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().clonedFrom).toBe('contoso');
  });

  it('forgets cloned tenants on POST /_emulator/reset', async () => {
    emu = await testEmulator();
    const t = await clone(emu, 'team07');
    await tokenFor(emu, upnIn('admin', 'team07'));
    expect((await emu.app.inject({ method: 'POST', url: '/_emulator/reset' })).json().tenants).toEqual(['contoso', 'fabrikam']);
    expect(emu.store.tenant(t.id)).toBeUndefined();
    expect(emu.store.system().signingKeys[t.id]).toBeUndefined();
    expect((await get(emu, `/_emulator/tenants/team07/users/${upnIn('admin', 'team07')}/mfa-code`)).statusCode).toBe(404);
  });

  it('keeps a clone across a restart with file storage, and a deleted tenant stays deleted', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    emu = await testEmulator({ storage: 'file', dataDir: dir });
    const kept = await clone(emu, 'team07');
    const dropped = await clone(emu, 'team08');
    const admin = await tokenFor(emu, upnIn('admin', 'team07'), { mfa: true });
    const made = await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(userId(kept, 'pimuser')));
    expect(made.statusCode).toBe(201);
    const genDir = path.join(dir, 'state', `gen-${emu.store.system().generation}`);
    expect((await readdir(genDir)).filter((f) => f.endsWith('.json')).sort()).toEqual([CONTOSO.id, FABRIKAM.id, kept.id, dropped.id].map((id) => `${id}.json`).sort());
    expect((await remove(emu, 'team08')).statusCode).toBe(204);
    expect(await readdir(genDir)).not.toContain(`${dropped.id}.json`);
    const system = JSON.parse(await readFile(path.join(dir, 'state', 'system.json'), 'utf8')) as SystemData;
    expect(system.tenantIds).toEqual([CONTOSO.id, FABRIKAM.id, kept.id]);
    await emu.close();

    emu = await testEmulator({ storage: 'file', dataDir: dir });
    expect(emu.store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam', 'team07']);
    // Tokens issued before the restart still verify (the signing key is kept with the state).
    expect((await get(emu, `${GRAPH}/roleEligibilityScheduleRequests/${made.json().id}`, admin)).statusCode).toBe(200);
    const code = await mfaCode(emu, upnIn('pimuser', 'team07'), 'team07');
    const res = await tokenRequest(emu, 'team07', { grant_type: 'password', client_id: AZ_CLI, username: upnIn('pimuser', 'team07'), password: PASSWORD, scope: 'https://graph.microsoft.com/.default', mfa_code: code });
    expect(res.statusCode).toBe(200);
    expect((await get(emu, `/_emulator/tenants/team08/users/${upnIn('admin', 'team08')}/mfa-code`)).statusCode).toBe(404);
    expect((await emu.app.inject({ method: 'GET', url: '/team08/v2.0/.well-known/openid-configuration' })).statusCode).toBe(400);
  });

  it('keeps 30 tenants cheap: a change in one appends to that tenant\'s journal only', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    emu = await testEmulator({ storage: 'file', dataDir: dir });
    const started = performance.now();
    const teams: TenantSummary[] = [];
    for (let i = 1; i <= 30; i++) teams.push(await clone(emu, `team${String(i).padStart(2, '0')}`));
    expect(performance.now() - started).toBeLessThan(15_000);
    const last = teams.at(-1)!;
    const admin = await tokenFor(emu, upnIn('admin', last.name), { mfa: true });
    const genDir = path.join(dir, 'state', `gen-${emu.store.system().generation}`);
    const listing = async () => [...(await readdir(genDir)), '../system.json'];
    expect((await listing()).filter((f) => f.endsWith('.json'))).toHaveLength(33);
    const stamp = async () => Object.fromEntries(await Promise.all((await listing()).map(async (f) => [f, (await stat(path.join(genDir, f))).mtimeMs] as const)));
    // Tenants created faster than spare signing keys are made get theirs a moment later (one
    // journal line each): wait until every tenant publishes its key and that line is on disk.
    for (const t of teams) {
      expect((await emu.app.inject({ method: 'GET', url: `/${t.id}/discovery/v2.0/keys` })).statusCode).toBe(200);
      await emu.store.update(t.id, () => undefined);
    }
    const before = await stamp();
    await new Promise((r) => setTimeout(r, 20));
    expect((await send(emu, 'POST', `${GRAPH}/roleEligibilityScheduleRequests`, admin, eligibility(userId(last, 'pimuser')))).statusCode).toBe(201);
    const after = await stamp();
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed).toEqual([`${last.id}.journal`]);
    const written = await readTenantFromDisk(path.join(dir, 'state'), emu.store.system().generation, last.id);
    expect(written.pim.requests).toHaveLength(1);
  });

});
