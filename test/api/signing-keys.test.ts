import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import type { SystemData } from '../../src/store/store.js';
import { APPS, CONTOSO, FABRIKAM, PASSWORD, claimsOf, tempDir, testEmulator, tokenFor } from '../support/emulator.js';
import { get, mfaCode, tokenRequest } from '../support/api.js';

/**
 * Each tenant's RS256 signing key exists from the moment the tenant does — loaded from the seed at
 * start, or created with POST /_emulator/tenants — and lives with the tenant's own data. So a first
 * sign-in never generates a key (RSA generation inside a request stalled the server: issue #11), and
 * no shared file grows with the number of tenants.
 */

const headerOf = (token: string): { kid: string } => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
const kids = (emu: Emulator) => Object.fromEntries(emu.store.tenants().map((t) => [t.tenant.name, t.signingKey?.kid]));

describe('tenant signing keys', () => {
  let emu: Emulator | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    for (const c of cleanups.splice(0)) c();
  });

  it('every seeded tenant has its own key as soon as the emulator is built, before any sign-in', async () => {
    emu = await testEmulator();
    const byName = kids(emu);
    expect(Object.keys(byName)).toEqual(['contoso', 'fabrikam']);
    expect(byName.contoso).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(byName.fabrikam).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(byName.contoso).not.toBe(byName.fabrikam);
    // The discovery document serves that key, and a token is signed with it.
    const jwks = await get(emu, `/${CONTOSO.name}/discovery/v2.0/keys`);
    expect(jwks.statusCode).toBe(200);
    expect(jwks.json().keys.map((k: { kid: string }) => k.kid)).toEqual([byName.contoso]);
    expect(headerOf(await tokenFor(emu, 'admin@contoso.onmicrosoft.com')).kid).toBe(byName.contoso);
  });

  it('a tenant created while spare keys are ready has its key in the 201, before any sign-in', async () => {
    emu = await testEmulator();
    const release = emu.ctx.signingKeys.keepSpares(3);
    try {
      await emu.ctx.signingKeys.whenSpares(3);
      for (const name of ['team01', 'team02', 'team03']) {
        const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name } });
        expect(res.statusCode).toBe(201);
        const kid = emu.store.tenant(res.json().id)?.signingKey?.kid;
        expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const jwks = await get(emu, `/${name}/discovery/v2.0/keys`);
        expect(jwks.json().keys.map((k: { kid: string }) => k.kid)).toEqual([kid]);
      }
    } finally {
      release();
    }
  });

  it('30 tenants created at once, then 30 first sign-ins at once: each tenant keeps one key, the one its tokens carry', async () => {
    emu = await testEmulator();
    const names = Array.from({ length: 30 }, (_, i) => `team${String(i).padStart(2, '0')}`);
    const created = await Promise.all(names.map((name) => emu!.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name } })));
    expect(created.map((r) => r.statusCode)).toEqual(names.map(() => 201));

    const signIns = await Promise.all(names.map(async (name) => tokenRequest(emu!, name, {
      grant_type: 'password', client_id: APPS.azureCli.appId, username: `admin@${name}.onmicrosoft.com`, password: PASSWORD,
      scope: 'https://graph.microsoft.com/.default', mfa_code: await mfaCode(emu!, `admin@${name}.onmicrosoft.com`, name),
    })));
    const kids = new Set<string>();
    for (const res of signIns) {
      expect(res.statusCode, res.body).toBe(200);
      const token = res.json().access_token as string;
      const tid = claimsOf(token).tid as string;
      const stored = emu.store.tenant(tid)?.signingKey?.kid;
      expect(headerOf(token).kid).toBe(stored);
      kids.add(stored!);
      expect((await get(emu, '/v1.0/me', token)).statusCode).toBe(200);
    }
    // One distinct key per tenant, unchanged by later sign-ins.
    expect(kids.size).toBe(30);
    const again = await tokenFor(emu, 'admin@team07.onmicrosoft.com');
    expect(headerOf(again).kid).toBe(emu.store.tenant(claimsOf(again).tid as string)?.signingKey?.kid);
  }, 120_000); // 30 RSA keys on a shared 2-core machine

  it('reset keeps each seeded tenant its key (tokens survive a reset), and GET /_emulator/seed never shows a key', async () => {
    emu = await testEmulator();
    const before = kids(emu);
    const token = await tokenFor(emu, 'admin@contoso.onmicrosoft.com');
    expect((await emu.app.inject({ method: 'POST', url: '/_emulator/reset' })).statusCode).toBe(200);
    expect(kids(emu)).toEqual(before);
    expect((await get(emu, '/v1.0/me', token)).statusCode).toBe(200);
    const seed = await get(emu, '/_emulator/seed');
    expect(seed.statusCode).toBe(200);
    expect(seed.body).not.toMatch(/PRIVATE KEY|signingKey|privateKeyPem/);
  });

  it('file storage keeps each key with its tenant across a restart; system.json holds none', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    emu = await testEmulator({ storage: 'file', dataDir: dir });
    const created = await emu.app.inject({ method: 'POST', url: '/_emulator/tenants', payload: { name: 'team01' } });
    expect(created.statusCode).toBe(201);
    const before = kids(emu);
    expect(Object.values(before).every((kid) => typeof kid === 'string')).toBe(true);
    await emu.close();

    emu = await testEmulator({ storage: 'file', dataDir: dir });
    expect(kids(emu)).toEqual(before);
    const system = JSON.parse(await readFile(path.join(dir, 'state', 'system.json'), 'utf8')) as SystemData;
    expect(system.signingKeys).toEqual({});
    expect(JSON.stringify(system)).not.toMatch(/PRIVATE KEY/);
  });

  it('moves keys an older version kept in the shared map to their tenants at start, once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    emu = await testEmulator({ storage: 'file', dataDir: dir });
    const old = emu.store.tenant(FABRIKAM.id)!.signingKey!;
    const token = await tokenFor(emu, 'admin@fabrikam.onmicrosoft.com');
    // The layout before: the key in system.json's map, none on the tenant.
    await emu.store.update(FABRIKAM.id, (t) => void delete t.signingKey);
    await emu.store.updateSystem((s) => void (s.signingKeys = { [FABRIKAM.id]: old }));
    await emu.close();

    emu = await testEmulator({ storage: 'file', dataDir: dir });
    expect(emu.store.tenant(FABRIKAM.id)?.signingKey).toEqual(old);
    expect(emu.store.system().signingKeys).toEqual({});
    expect((await get(emu, '/v1.0/me', token)).statusCode).toBe(200);
  });
});
