import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { ROLES, testEmulator, tokenFor, USERS } from '../support/emulator.js';

/**
 * Where PIM's mails link (issue #17): the portal on the origin the participant used — PIM_PUBLIC_URL
 * when set, else the Host (or a reverse proxy's X-Forwarded-*) of the request that caused the mail,
 * never one of Microsoft's host names (proxy mode) — with the role and the tenant; and times in
 * words with the zone named, not ISO 8601.
 */
const SR = ROLES.securityReader;
const RM = '/v1.0/roleManagement/directory';

describe('the link in a PIM mail', () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  /** Makes pimuser eligible for Security Reader through Graph with these headers; the admin alert's text as queued. */
  async function alertText(e: Emulator, headers: Record<string, string>): Promise<string> {
    const token = await tokenFor(e, USERS.admin.upn, { mfa: true });
    const res = await e.app.inject({
      method: 'POST', url: `${RM}/roleEligibilityScheduleRequests`, headers: { authorization: `Bearer ${token}`, ...headers },
      payload: { action: 'adminAssign', principalId: USERS.pimuser.id, roleDefinitionId: SR, directoryScopeId: '/', justification: 'Workshop', scheduleInfo: { startDateTime: '2026-12-04T12:03:18.345Z', expiration: { type: 'noExpiration' } } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const outbox = e.store.tenants().find((t) => t.tenant.name === 'contoso')!.outbox;
    const alert = outbox.find((m) => m.subject === 'PIM: PIM User was made permanently eligible for the Security Reader role' && m.to.includes(USERS.admin.upn));
    expect(alert, 'the admin alert in the outbox').toBeDefined();
    return alert!.text;
  }
  const linkIn = (text: string) => /^Open the role in PIM: (\S+)$/m.exec(text)?.[1];

  it('uses the Host the request came in on, with the role and the tenant', async () => {
    emu = await testEmulator();
    expect(linkIn(await alertText(emu, { host: 'workshop.example:8080' }))).toBe(`http://workshop.example:8080/#/roles/${SR}?tenant=contoso`);
  });

  it("uses a reverse proxy's X-Forwarded-Proto and -Host", async () => {
    emu = await testEmulator();
    expect(linkIn(await alertText(emu, { host: '127.0.0.1:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pim.workshop.example' }))).toBe(`https://pim.workshop.example/#/roles/${SR}?tenant=contoso`);
  });

  it("never links to one of Microsoft's host names (a client in proxy mode): the https listener instead", async () => {
    emu = await testEmulator({ httpsPort: 8443 });
    expect(linkIn(await alertText(emu, { host: 'graph.microsoft.com' }))).toBe(`https://localhost:8443/#/roles/${SR}?tenant=contoso`);
  });

  it('uses PIM_PUBLIC_URL whatever the request came in on', async () => {
    emu = await testEmulator({ publicUrl: 'https://pim.example.org:9443' });
    expect(linkIn(await alertText(emu, { host: 'workshop.example:8080' }))).toBe(`https://pim.example.org:9443/#/roles/${SR}?tenant=contoso`);
  });

  it('shows times in words in the zone it names (UTC: the directory has no time zone per user), not ISO 8601', async () => {
    emu = await testEmulator();
    const text = await alertText(emu, { host: 'workshop.example:8080' });
    expect(text).toMatch(/^Start:\s+Friday, December 4, 2026 12:03 PM \(UTC\)$/m);
    expect(text).toMatch(/^End:\s+Permanent$/m);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});
