import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { BrowserWindows, flash, heading, nav, reportWindows, text } from '../support/portal.js';
import { PASSWORD, ROLES, testEmulator } from '../support/emulator.js';

/**
 * Two workshop teams on one emulator, in two Chromium browsers (issue #12), with the instructor's
 * admin key set as in a workshop: each team creates its tenant on the sign-in page (and gets its
 * key), team B's pimuser holds an active Security Reader role and is signed in, then team A uses
 * its Emulator panel: "+8 h" and "Reset". B's role and session stay; A's panel and Inbox show
 * nothing of B. Deterministic: every wait is on visible text or a locator, never a fixed sleep.
 */
const ADMIN_KEY = 'instructor-key-0123456789';
const RM = '/v1.0/roleManagement/directory';
const upn = (local: string, team: string) => `${local}@${team}.onmicrosoft.com`;

// Never skipped: without Chromium the suite fails and says how to install it (requireChromium).
const suite = describe;

suite('two teams in two browsers: the Emulator panel and the Inbox are the team\'s own', () => {
  let emu: Emulator;
  let base: string;
  const windows = new BrowserWindows();
  let a: Page;
  let b: Page;
  let b2: Page | undefined;
  let instructor: Page | undefined;
  const keys: Record<string, string> = {};
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    emu = await testEmulator({ adminKey: ADMIN_KEY });
    base = (await emu.listen()).http!;
    a = await windows.open();
    b = await windows.open();
    for (const [name, page] of [['team A', a], ['team B', b]] as const) page.on('pageerror', (e) => scriptErrors.push(`${name}: ${e.message}`));
  }, 60_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await reportWindows({ teamA: a, teamB: b, teamB2: b2, instructor }, 'portal-teams-failure');
  });
  afterAll(async () => {
    await windows.close();
    await emu?.close();
  });

  /** The control plane as the team's tools call it: with the team's key. */
  const control = async (team: string, method: 'GET' | 'POST', path: string, payload?: object) => {
    const res = await emu.app.inject({ method, url: `/_emulator/tenants/${team}${path}`, headers: { authorization: `Bearer ${keys[team]}` }, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${path}: ${res.body}`).toBe(200);
    return res.json();
  };
  const graphAs = async (team: string, local: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const token = (await control(team, 'POST', '/tokens', { user: upn(local, team), mfa: true })).access_token as string;
    const res = await emu.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };

  async function createTenant(page: Page, team: string) {
    await page.goto(`${base}/`);
    await heading(page, 'PIM workshop portal');
    await page.getByLabel('Team name').fill(team);
    await page.getByRole('button', { name: 'Create my tenant' }).click();
    expect(await text(page.locator('#created-tenant'))).toContain(`Created ${team}.`);
    keys[team] = (await page.locator('#created-key').innerText()).trim();
    expect(keys[team]).toMatch(/^pimt_/);
    expect(await page.getByLabel('Tenant', { exact: true }).inputValue()).toBe(team);
  }

  /** pimuser of the team signs in on its portal, password only (the box "Offer Sign in without MFA"). */
  async function signInPimuser(page: Page, team: string) {
    await page.getByLabel(/Offer “Sign in without MFA”/).check();
    await page.getByRole('button', { name: `Sign in as ${upn('pimuser', team)}` }).click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Enter code');
    await page.getByRole('button', { name: 'Sign in without MFA (password only)' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await page.locator('#account', { hasText: upn('pimuser', team) }).waitFor();
  }

  async function activeAssignments(page: Page) {
    await nav(page, 'My roles');
    await heading(page, 'My roles | Microsoft Entra roles');
    await page.getByRole('link', { name: 'Active assignments' }).click();
  }

  it('each team creates its tenant and gets its key; the sign-in page shows only its own personas', async () => {
    await createTenant(a, 'teama');
    await createTenant(b, 'teamb');
    // Team A's browser does not hold B's key: choosing teamb (listed once A reloads) shows no personas, no "Sign in as".
    await a.reload();
    await heading(a, 'PIM workshop portal');
    await a.getByLabel('Tenant', { exact: true }).selectOption('teamb');
    await a.locator('#personas-hidden').waitFor();
    expect(await a.getByRole('button', { name: /Sign in as .*@teamb/ }).count()).toBe(0);
    await a.getByLabel('Tenant', { exact: true }).selectOption('teama');
    await a.getByRole('button', { name: `Sign in as ${upn('pimuser', 'teama')}` }).waitFor();
  });

  it("team B's pimuser activates Security Reader and is signed in; team A's pimuser is signed in too", async () => {
    const pimuser = (await graphAs('teamb', 'admin', 'GET', `/v1.0/users/${upn('pimuser', 'teamb')}`)).id as string;
    await graphAs('teamb', 'admin', 'POST', `${RM}/roleEligibilityScheduleRequests`, {
      action: 'adminAssign', justification: 'Team exercise', principalId: pimuser, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    await graphAs('teamb', 'pimuser', 'POST', `${RM}/roleAssignmentScheduleRequests`, {
      action: 'selfActivate', principalId: pimuser, roleDefinitionId: ROLES.securityReader, directoryScopeId: '/', justification: 'Reviewing sign-in logs',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
    });
    await emu.ctx.mail.settle();
    await signInPimuser(b, 'teamb');
    await activeAssignments(b);
    expect(await text(b.getByRole('row', { name: /Security Reader/ }))).toContain('Security Reader Directory Direct Activated');
    await signInPimuser(a, 'teama');
  });

  it("team A's Emulator panel and Inbox show nothing of team B", async () => {
    await nav(a, 'Emulator (not part of Entra)');
    await heading(a, 'Emulator — not part of Microsoft Entra');
    await heading(a, 'Clock of teama');
    await a.locator(`[data-upn="${upn('admin', 'teama')}"]`).filter({ hasText: /^\d{6}$/ }).waitFor();
    const panel = await a.locator('main').innerText();
    expect(panel).not.toMatch(/teamb/i);
    expect(await a.locator('.mfa-code').count()).toBe(5);
    expect(await a.locator('#emu-tenant').count()).toBe(0);
    expect(await a.getByRole('button', { name: 'Reset the emulator' }).count()).toBe(0);

    await nav(a, 'Inbox');
    await heading(a, 'Inbox');
    const mailboxes = await a.locator('#mailbox option').allInnerTexts();
    expect(mailboxes.length).toBe(5);
    for (const m of mailboxes) expect(m).toContain('@teama.onmicrosoft.com');
    await a.locator('#mailbox').selectOption(upn('admin', 'teama'));
    await a.locator('#mail-list .empty, #mail-list li').first().waitFor();
    expect(await a.locator('main').innerText()).not.toMatch(/teamb/i);
  });

  it("team A's +8 h and Reset move and reset teama only", async () => {
    const bClock = await control('teamb', 'GET', '/clock');
    const bMail = (await control('teamb', 'GET', '/mail')).total as number;
    expect(bMail).toBeGreaterThanOrEqual(2);

    await nav(a, 'Emulator (not part of Entra)');
    await heading(a, 'Clock of teama');
    await a.getByRole('button', { name: 'Advance the clock 8 hours' }).click();
    expect(await text(a.locator('#clock-status', { hasText: 'Clock advanced' }))).toContain('in teama (other tenants keep their time)');
    expect((await control('teama', 'GET', '/clock')).offsetMs).toBe(8 * 3600_000);

    await a.getByRole('button', { name: 'Reset teama' }).click();
    await a.getByRole('dialog', { name: 'Reset teama' }).getByRole('button', { name: 'Reset', exact: true }).click();
    expect(await flash(a, 'back at its creation state')).toContain('teama is back at its creation state. Sign in again.');
    expect((await control('teama', 'GET', '/clock')).offsetMs).toBe(0);

    // B: same clock, same mail, and its tenant, key and activation are all there.
    const after = await control('teamb', 'GET', '/clock');
    expect(after.offsetMs).toBe(bClock.offsetMs);
    expect((await control('teamb', 'GET', '/mail')).total).toBe(bMail);
    expect(emu.store.tenants().map((t) => t.tenant.name)).toEqual(['contoso', 'fabrikam', 'teama', 'teamb']);
  });

  it("team B's active role and session are intact", async () => {
    await b.getByRole('button', { name: '↻ Refresh' }).click();
    expect(await text(b.getByRole('row', { name: /Security Reader/ }))).toContain('Security Reader Directory Direct Activated');
    expect(await text(b.locator('#account'))).toContain(upn('pimuser', 'teamb'));
    // B's own panel: B's clock, B's personas, and nothing of A.
    await nav(b, 'Emulator (not part of Entra)');
    await heading(b, 'Clock of teamb');
    await b.locator(`[data-upn="${upn('pimuser', 'teamb')}"]`).filter({ hasText: /^\d{6}$/ }).waitFor();
    expect(await b.locator('main').innerText()).not.toMatch(/teama/i);
  });

  /** Types a key under "I have a key" on the sign-in page. */
  async function useKey(page: Page, key: string) {
    await page.getByLabel(/^Your team.s key$/).fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
  }

  it("team B's second browser enters B's key under \"I have a key\" and gets B's personas, and still nothing of A's", async () => {
    b2 = await windows.open();
    b2.on('pageerror', (e) => scriptErrors.push(`team B (2nd browser): ${e.message}`));
    await b2.goto(`${base}/`);
    await heading(b2, 'PIM workshop portal');
    await b2.getByLabel('Tenant', { exact: true }).selectOption('teamb');
    await b2.locator('#personas-hidden').waitFor();
    await useKey(b2, 'pimt_not-a-key-of-anyone-0123456789');
    expect(await text(b2.locator('#team-key-result'))).toContain('That key is neither a tenant\u2019s key nor the admin key');
    await useKey(b2, keys.teamb!);
    expect(await text(b2.locator('#team-key-result'))).toContain('This browser now holds teamb\u2019s key.');
    await b2.getByRole('button', { name: `Sign in as ${upn('pimuser', 'teamb')}` }).waitFor();
    await b2.getByLabel('Tenant', { exact: true }).selectOption('teama');
    await b2.locator('#personas-hidden').waitFor();
    expect(await b2.getByRole('button', { name: /Sign in as .*@teama/ }).count()).toBe(0);
  });

  it("the instructor's browser sees every team only once it holds the admin key: all tenants in the Emulator panel and the Inbox, and Reset the emulator", async () => {
    instructor = await windows.open();
    instructor.on('pageerror', (e) => scriptErrors.push(`instructor: ${e.message}`));
    await instructor.goto(`${base}/`);
    await heading(instructor, 'PIM workshop portal');
    // Without a key the instructor's browser is any participant's: no team's personas, no reset of the emulator.
    await nav(instructor, 'Emulator (not part of Entra)');
    await heading(instructor, 'Emulator — not part of Microsoft Entra');
    await instructor.locator('#emu-no-key').waitFor();
    expect(await instructor.getByRole('button', { name: 'Reset the emulator' }).count()).toBe(0);
    expect(await instructor.locator('.mfa-code').count()).toBe(0);

    await instructor.goto(`${base}/portal/#/`);
    await heading(instructor, 'PIM workshop portal');
    await useKey(instructor, ADMIN_KEY);
    expect(await flash(instructor, 'Instructor view')).toContain('this browser holds the admin key and sees every tenant');
    await heading(instructor, 'Emulator — not part of Microsoft Entra');
    const tenants = await instructor.locator('#emu-tenant option').allInnerTexts();
    expect(tenants).toEqual(expect.arrayContaining(['teama (teama.onmicrosoft.com)', 'teamb (teamb.onmicrosoft.com)']));
    await instructor.getByRole('button', { name: 'Reset the emulator' }).waitFor();
    // The request log needs the admin key, which a plain link would not send: the panel reads it with the key.
    await instructor.getByRole('button', { name: 'Show the last requests served' }).click();
    const log = await text(instructor.locator('#emu-requests pre'));
    expect(log).toMatch(/\bteamb (GET|POST) \//);
    expect(log).not.toContain('AdminKeyRequired');

    await nav(instructor, 'Inbox');
    await heading(instructor, 'Inbox');
    const mailboxes = await instructor.locator('#mailbox option').allInnerTexts();
    expect(mailboxes.some((m) => m.includes('@teama.onmicrosoft.com'))).toBe(true);
    expect(mailboxes.some((m) => m.includes('@teamb.onmicrosoft.com'))).toBe(true);
  });

  it('ran without a script error in either browser', () => {
    expect(scriptErrors).toEqual([]);
  });
});
