import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { CHROMIUM, flash, heading, reportWindows, requireChromium, text } from '../support/portal.js';
import { PASSWORD, ROLES, testEmulator, tokenFor } from '../support/emulator.js';

/**
 * The workshop portal on a phone and on a laptop (issue #17): two teams, each in its own tenant, walk
 * the article's five phases through the UI only — team A on a 390×844 phone (the menu is a toggle),
 * team B on a 1280×800 screen. On every screen: axe-core finds no WCAG AA contrast or label
 * violation, and on the phone the page never scrolls sideways. The Activate slider stops at the
 * role's maximum although pimuser may not read the role settings; an email's link, opened in the
 * participant's browser, lands on the role signed in. Screenshots go to docs/screenshots/.
 * Deterministic: every wait is on visible text or a locator, never a fixed sleep.
 */
const SHOTS = path.join(PACKAGE_ROOT, 'docs', 'screenshots');
const SR = ROLES.securityReader;
const REASON = 'Reviewing sign-in logs for compliance audit, ticket #INC1234';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The rules the issue names: contrast (AA) and every kind of missing label or accessible name. */
const AXE_RULES = ['color-contrast', 'label', 'select-name', 'button-name', 'link-name', 'input-button-name', 'aria-input-field-name', 'aria-toggle-field-name', 'frame-title', 'image-alt'];

interface Team {
  name: string;
  size: { width: number; height: number };
  /** The file name prefix of its screenshots: 390x844 or 1280x800. */
  tag: string;
  admin: Page;
  user: Page;
  phone: boolean;
}

describe('the portal on a phone (390×844) and a laptop (1280×800): two teams walk phases 1–5', () => {
  let emu: Emulator;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const teams: Team[] = [];
  const scriptErrors: string[] = [];
  /** Every screen axe checked, with what it found (the report names the screen). */
  const axeFindings: string[] = [];

  beforeAll(async () => {
    requireChromium();
    emu = await testEmulator();
    base = (await emu.listen()).http!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const open = async (who: string, size: Team['size'], phone: boolean) => {
      // A context per window: its own storage, as a separate browser would have.
      const ctx = await browser.newContext({ viewport: size, reducedMotion: 'reduce', ...(phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
      ctx.setDefaultTimeout(15_000);
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => scriptErrors.push(`${who}: ${e.message}`));
      return page;
    };
    for (const [name, size, tag, phone] of [['teama', { width: 390, height: 844 }, '390x844', true], ['teamb', { width: 1280, height: 800 }, '1280x800', false]] as const) {
      teams.push({ name, size, tag, phone, admin: await open(`${name} admin`, size, phone), user: await open(`${name} pimuser`, size, phone) });
    }
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await reportWindows(Object.fromEntries(teams.flatMap((t) => [[`${t.name}-admin`, t.admin], [`${t.name}-pimuser`, t.user]])), 'portal-screens-failure');
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await emu?.close();
  });

  const upn = (local: string, team: Team) => `${local}@${team.name}.onmicrosoft.com`;
  const shot = (team: Team, page: Page, n: number) => page.screenshot({ path: path.join(SHOTS, `${team.tag}-phase-${n}.png`) });

  /** A menu item: on the phone the menu is behind its toggle first. */
  async function menu(team: Team, page: Page, name: string) {
    if (team.phone) {
      const toggle = page.getByRole('button', { name: 'Menu' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    }
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name, exact: true }).click();
    // A new screen closes the menu again.
    if (team.phone) await page.locator('#menu-toggle[aria-expanded="false"]').waitFor();
  }

  /** What axe-core finds on the screen as it is now, limited to contrast and names; the phone also must not scroll sideways. */
  async function check(team: Team, page: Page, screen: string) {
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
    const found = await page.evaluate(async (rules) => {
      const w = window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }> }> } };
      // The mail body frame is sandboxed without scripts: axe checks the page around it.
      const r = await w.axe.run(document, { runOnly: { type: 'rule', values: rules }, iframes: false, resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join(' | ')}`);
    }, AXE_RULES);
    axeFindings.push(...found.map((f) => `${team.tag} ${screen}: ${f}`));
    expect(found, `axe on ${team.tag} ${screen}`).toEqual([]);
    if (team.phone) {
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      expect(scroll, `${screen} scrolls sideways on the phone`).toBeLessThanOrEqual(width);
    }
  }

  /** The code the user's authenticator shows now (the control plane the Emulator panel reads). */
  const mfaCode = async (team: Team, who: string) => {
    const res = await fetch(`${base}/_emulator/tenants/${team.name}/users/${encodeURIComponent(who)}/mfa-code`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { code: string }).code;
  };

  /** The emulator's sign-in pages: the user name (filled in or typed), the password, then MFA or not. */
  async function signInPages(team: Team, page: Page, who: string, mfa: 'code' | 'skip') {
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    const name = page.getByLabel('Email address');
    if ((await name.inputValue()) !== who) await name.fill(who);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Enter code');
    if (mfa === 'skip') {
      await page.getByRole('button', { name: 'Sign in without MFA (password only)' }).click();
    } else {
      await page.getByLabel('Code').fill(await mfaCode(team, who));
      await page.getByRole('button', { name: 'Verify' }).click();
    }
    await page.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await page.locator('#account', { hasText: who }).waitFor();
  }

  it('each team creates its tenant on the sign-in page; the phone shows the whole page without sideways scrolling', async () => {
    for (const team of teams) {
      await team.user.goto(`${base}/`);
      await heading(team.user, 'PIM workshop portal');
      await check(team, team.user, 'sign-in page');
      await team.user.getByLabel('Team name').fill(team.name);
      await team.user.getByRole('button', { name: 'Create my tenant' }).click();
      expect(await text(team.user.locator('#created-tenant'))).toContain(`Created ${team.name}.`);
      await check(team, team.user, 'tenant created');
    }
  });

  it('Phase 1: pimuser signs in (password only) and My roles is empty', async () => {
    for (const team of teams) {
      const { user } = team;
      await user.getByLabel(/Offer “Sign in without MFA”/).check();
      await user.getByRole('button', { name: `Sign in as ${upn('pimuser', team)}` }).click();
      await signInPages(team, user, upn('pimuser', team), 'skip');
      expect(await text(user.locator('#account'))).toContain('password only');
      await menu(team, user, 'My roles');
      await heading(user, 'My roles | Microsoft Entra roles');
      expect(await text(user.locator('.empty'))).toContain('No eligible assignments found');
      // My roles' left menu (Entra roles, Groups, Azure resources) stays readable (AA contrast): axe checks it here.
      await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Azure resources', exact: true }).waitFor();
      await check(team, user, 'My roles');
      await shot(team, user, 1);
    }
  });

  it("Phase 2: the admin signs in with the header's Sign in and configures Security Reader; the change is said in words", async () => {
    for (const team of teams) {
      const { admin } = team;
      await admin.goto(`${base}/portal/`);
      await heading(admin, 'PIM workshop portal');
      await admin.getByLabel('Tenant', { exact: true }).selectOption(team.name);
      // The header's Sign in goes to the sign-in pages at once (no login hint: the name is typed).
      await admin.locator('#account').getByRole('button', { name: 'Sign in' }).click();
      await signInPages(team, admin, upn('admin', team), 'code');
      expect(await text(admin.locator('#account'))).toContain('MFA');

      await menu(team, admin, 'Settings');
      await heading(admin, 'Settings | Microsoft Entra roles');
      await admin.getByLabel('Search by role name').fill('Security Reader');
      await admin.getByRole('link', { name: 'Security Reader', exact: true }).click();
      await heading(admin, 'Role setting details - Security Reader');
      await check(team, admin, 'role setting details');
      await admin.getByRole('link', { name: '✎ Edit' }).click();
      await heading(admin, 'Edit role setting - Security Reader');
      await admin.getByLabel('Activation maximum duration (hours)').fill('8');
      await admin.getByLabel('Require Azure MFA on activation').check();
      await admin.getByLabel('Require justification on activation').check();
      await check(team, admin, 'edit role setting: Activation');
      await admin.getByRole('tab', { name: 'Assignment' }).click();
      await admin.getByLabel('Allow permanent eligible assignment').check();
      await admin.getByLabel('Allow permanent active assignment').uncheck();
      // No rule id where the participant reads; the one setting without a control is behind details.
      expect(await admin.locator('#panel-assignment').innerText()).not.toContain('Enablement_Admin_Eligibility');
      await check(team, admin, 'edit role setting: Assignment');
      await shot(team, admin, 2);
      await admin.getByRole('tab', { name: 'Notification' }).click();
      await check(team, admin, 'edit role setting: Notification');
      await admin.getByRole('button', { name: 'Update', exact: true }).click();
      await heading(admin, 'Role setting details - Security Reader');
      const said = await flash(admin, 'Role settings updated');
      expect(said).toContain('Role settings updated for Security Reader: permanent active assignment and its expiry.');
      expect(said).not.toMatch(/Expiration_|Enablement_/);
      // The rule ids are one click away.
      await admin.locator('#flash details summary', { hasText: 'Microsoft Graph rule ids' }).click();
      expect(await text(admin.locator('#flash details'))).toContain('Expiration_Admin_Assignment');
    }
  });

  it('Phase 3: the admin makes pimuser eligible, permanently; the mail reads well in the Inbox, times in words', async () => {
    for (const team of teams) {
      const { admin } = team;
      await menu(team, admin, 'Roles');
      await admin.getByLabel('Search by role name').fill('Security Reader');
      await admin.getByRole('link', { name: 'Security Reader', exact: true }).click();
      await heading(admin, 'Security Reader | Assignments');
      await admin.getByRole('button', { name: '+ Add assignments' }).click();
      await heading(admin, 'Add assignments');
      await admin.getByRole('button', { name: 'Select member(s)' }).click();
      await admin.getByLabel('Search users').fill('pimuser');
      await admin.getByLabel(`PIM User (${upn('pimuser', team)})`).check();
      await check(team, admin, 'add assignments: members');
      await admin.getByRole('button', { name: 'Select', exact: true }).click();
      await admin.getByRole('button', { name: 'Next >' }).click();
      await admin.getByLabel('Permanently eligible').check();
      await check(team, admin, 'add assignments: setting');
      await admin.getByRole('button', { name: 'Assign', exact: true }).click();
      expect(await flash(admin, 'Added:')).toContain('Added: PIM User permanently eligible for Security Reader.');
      expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain('Permanent');
      await check(team, admin, 'role assignments');
      await shot(team, admin, 3);

      await menu(team, admin, 'Inbox');
      await heading(admin, 'Inbox');
      await admin.getByRole('button', { name: /PIM: PIM User was made permanently eligible for the Security Reader role/ }).click();
      await heading(admin, 'PIM: PIM User was made permanently eligible for the Security Reader role');
      // The reading pane stays inside its frame (nothing sticks out to the right of the mail box).
      const [paneBox, mailBox] = await Promise.all([admin.locator('#mail-read').boundingBox(), admin.locator('.mail').boundingBox()]);
      expect(paneBox!.x + paneBox!.width).toBeLessThanOrEqual(mailBox!.x + mailBox!.width + 1);
      await check(team, admin, 'inbox');
      // The mail's times are for people: a weekday, a 12-hour time, the zone named.
      const plain = (await admin.locator('#mail-read details pre').textContent()) ?? '';
      expect(plain).toMatch(/^Start:\s+\w+day, \w+ \d{1,2}, \d{4} \d{1,2}:\d{2} [AP]M \(UTC\)$/m);
      expect(plain).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });

  it("Phase 4: pimuser's slider stops at the role's 8 hours without reading the settings; activation with a reason and MFA", async () => {
    for (const team of teams) {
      const { user } = team;
      await menu(team, user, 'My roles');
      await user.getByRole('button', { name: '↻ Refresh' }).click();
      await user.getByRole('button', { name: 'Activate Security Reader' }).click();
      await heading(user, 'Activate - Security Reader');
      // pimuser may not read role settings: PIM's answers to trial requests give the maximum (the admin set 8 h).
      const note = await text(user.locator('#policy-note'));
      expect(note).toContain('This role can be active for up to 8 hours at a time. To activate it you need multi-factor authentication and a reason.');
      expect(note).not.toMatch(/Unauthorized|Exception|\(4\d\d/);
      expect(await user.getByLabel('Duration (hours)').getAttribute('max')).toBe('8');
      expect(await text(user.locator('#duration-out'))).toBe('8 hour(s)');
      await check(team, user, 'activate pane');
      await user.getByLabel('Reason').fill(REASON);
      await user.getByRole('button', { name: 'Additional verification required. Click to continue' }).click();
      await signInPages(team, user, upn('pimuser', team), 'code');
      await heading(user, 'Activate - Security Reader');
      expect(await user.getByLabel('Reason').inputValue()).toBe(REASON);
      await user.getByRole('button', { name: 'Activate', exact: true }).click();
      await heading(user, 'My roles | Microsoft Entra roles');
      expect(await flash(user, 'is activated')).toContain('Security Reader is activated until');
      expect(await text(user.getByRole('row', { name: /Security Reader/ }))).toContain('Security Reader Directory Direct Activated');
      await check(team, user, 'active assignments');
      await shot(team, user, 4);
    }
  });

  it("an email's link, opened in the participant's browser, lands on the role, signed in; signed out, it signs in to the mail's tenant first", async () => {
    for (const team of teams) {
      const admin = upn('admin', team);
      // The activation mail in the admin's mailbox, as the Inbox reads it.
      const list = (await (await fetch(`${base}/_emulator/tenants/${team.name}/mail?to=${encodeURIComponent(admin)}&limit=100`)).json()) as { messages: Array<{ id: string; subject: string }> };
      const activated = list.messages.find((m) => m.subject === 'PIM: PIM User has the Security Reader role activated');
      expect(activated, 'the activation mail').toBeDefined();
      const mail = (await (await fetch(`${base}/_emulator/tenants/${team.name}/mail/${activated!.id}`)).json()) as { text: string };
      const link = /^Open the role in PIM: (\S+)$/m.exec(mail.text)?.[1];
      // The origin the participant used (the emulator's http listener here), the role, the tenant.
      expect(link).toBe(`${base}/#/roles/${SR}?tenant=${team.name}`);

      await team.admin.goto(link!);
      await heading(team.admin, 'Security Reader | Assignments');
      expect(await text(team.admin.locator('#account'))).toContain(admin);
      expect(await text(team.admin.getByRole('row', { name: /PIM User/ }))).toContain('Eligible');

      // As a mail client opens it: a new tab of the same browser, which borrows the session next door.
      const tab = await team.admin.context().newPage();
      tab.on('pageerror', (e) => scriptErrors.push(`${team.name} new tab: ${e.message}`));
      await tab.goto(link!);
      await heading(tab, 'Security Reader | Assignments');
      expect(await text(tab.locator('#account'))).toContain(admin);
      await tab.close();

      // A browser without a session: one click signs in to the mail's tenant and comes back to the role.
      const fresh = await browser.newContext({ viewport: team.size });
      contexts.push(fresh);
      const page = await fresh.newPage();
      page.on('pageerror', (e) => scriptErrors.push(`${team.name} fresh: ${e.message}`));
      await page.goto(link!);
      await page.getByRole('button', { name: `Sign in to ${team.name}` }).click();
      await signInPages(team, page, admin, 'code');
      await heading(page, 'Security Reader | Assignments');
      await fresh.close();
    }
  });

  it('Phase 5: the admin removes the assignment; the confirm dialog sits in the middle of the screen', async () => {
    for (const team of teams) {
      const { admin } = team;
      await menu(team, admin, 'Assignments');
      await heading(admin, 'Assignments | Microsoft Entra roles');
      await admin.getByLabel('Search by member name or principal name').fill('pimuser');
      await admin.getByRole('button', { name: 'Remove PIM User from Security Reader' }).click();
      const dialog = admin.getByRole('dialog', { name: 'Remove assignment' });
      expect(await text(dialog)).toContain("Remove PIM User's eligible assignment to Security Reader?");
      const box = (await dialog.boundingBox())!;
      const middle = box.y + box.height / 2;
      expect(Math.abs(middle - team.size.height / 2)).toBeLessThan(team.size.height * 0.1);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(team.size.width);
      await check(team, admin, 'remove dialog');
      await shot(team, admin, 5);
      await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
      expect(await flash(admin, 'Removed:')).toContain('Removed: PIM User is no longer eligible for Security Reader.');
    }
  });

  it('the workshop guide and the Emulator panel pass the same checks', async () => {
    for (const team of teams) {
      await menu(team, team.admin, 'Workshop guide');
      await heading(team.admin, 'Workshop guide');
      await team.admin.locator('#guide-phase-5[data-state="done"]').waitFor();
      await check(team, team.admin, 'workshop guide');
      await menu(team, team.user, 'Workshop guide');
      await heading(team.user, 'Workshop guide');
      // pimuser's guide has steps "Not yet" and "Unknown": their marks are checked for contrast here.
      await team.user.locator('#guide-steps li').first().waitFor();
      await check(team, team.user, 'workshop guide (pimuser)');
      await menu(team, team.admin, 'Emulator (not part of Entra)');
      await heading(team.admin, `Clock of ${team.name}`);
      await check(team, team.admin, 'emulator panel');
    }
  });

  it('the Groups pages (PIM for Groups) pass the same checks: the admin makes pimuser eligible for a group, pimuser opens its Activate pane', async () => {
    for (const team of teams) {
      const { admin, user } = team;
      await menu(team, admin, 'Groups');
      await heading(admin, 'Groups | Privileged Identity Management');
      await check(team, admin, 'groups');
      await admin.getByRole('link', { name: 'Cloud Engineers', exact: true }).click();
      await heading(admin, 'Cloud Engineers | Assignments');
      await check(team, admin, 'group assignments');
      await admin.getByRole('button', { name: '+ Add assignments' }).click();
      await admin.getByRole('button', { name: 'Select member(s)' }).click();
      await admin.getByLabel('Search users').fill('pimuser');
      await admin.getByLabel(`PIM User (${upn('pimuser', team)})`).check();
      await check(team, admin, 'group add assignments: members');
      await admin.getByRole('button', { name: 'Select', exact: true }).click();
      await admin.getByRole('button', { name: 'Next >' }).click();
      await admin.getByLabel('Enter justification').fill('Network change rota');
      await check(team, admin, 'group add assignments: setting');
      await admin.getByRole('button', { name: 'Assign', exact: true }).click();
      expect(await flash(admin, 'Added:')).toContain('eligible as member of Cloud Engineers until');
      await check(team, admin, 'group assignments: eligible');
      const groupNav = admin.getByRole('navigation', { name: 'Cloud Engineers' });
      await groupNav.getByRole('link', { name: 'Members and owners', exact: true }).click();
      await heading(admin, 'Cloud Engineers | Members and owners');
      await check(team, admin, 'group members and owners');
      await groupNav.getByRole('link', { name: 'Settings', exact: true }).click();
      await heading(admin, 'Cloud Engineers | Settings');
      await check(team, admin, 'group settings');
      await admin.getByRole('link', { name: 'Member', exact: true }).click();
      await admin.getByRole('heading', { name: 'Role setting details - Member', exact: true }).waitFor();
      await check(team, admin, 'group setting details');
      await admin.getByRole('link', { name: '\u270e Edit' }).click();
      await admin.getByRole('heading', { name: 'Edit role setting - Member', exact: true }).waitFor();
      await check(team, admin, 'edit group setting');

      await menu(team, user, 'My roles');
      await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Groups', exact: true }).click();
      await heading(user, 'My roles | Groups');
      await user.getByRole('button', { name: 'Activate Member of Cloud Engineers' }).click();
      await heading(user, 'Activate - Member - Cloud Engineers');
      expect(await text(user.locator('#policy-note'))).toContain('To activate it you need a reason.');
      await check(team, user, 'group activate pane');
      await user.getByRole('button', { name: 'Cancel', exact: true }).click();
      await heading(user, 'My roles | Groups');
      await check(team, user, 'My roles › Groups');
    }
  });

  it('the Azure resources pages (PIM for Azure resources) pass the same checks: pimuser, eligible through ARM, opens My roles › Azure resources and its Activate pane; the admin reads the subscription', async () => {
    for (const team of teams) {
      const { user } = team;
      // The admin makes pimuser eligible for Reader on the team's subscription through ARM (its token from the control plane).
      const minted = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: team.name, user: upn('admin', team), mfa: true, resource: 'https://management.azure.com' } });
      expect(minted.statusCode, minted.body).toBe(200);
      const auth = { authorization: `Bearer ${minted.json().access_token}` };
      const subs = await emu.app.inject({ method: 'GET', url: '/subscriptions?api-version=2022-12-01', headers: auth });
      expect(subs.statusCode, subs.body).toBe(200);
      const sub = subs.json().value[0];
      const pimuser = await emu.app.inject({ method: 'GET', url: `/v1.0/users/${upn('pimuser', team)}`, headers: { authorization: `Bearer ${await tokenFor(emu, upn('admin', team), { mfa: true, tenant: team.name })}` } });
      expect(pimuser.statusCode, pimuser.body).toBe(200);
      const reader = `${sub.id}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`;
      const made = await emu.app.inject({ method: 'PUT', url: `${sub.id}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/${team.phone ? '6b0c2d41-7a3e-4f59-8c12-0d9e4a7b3c61' : '6b0c2d41-7a3e-4f59-8c12-0d9e4a7b3c62'}?api-version=2020-10-01`, headers: auth,
        payload: { properties: { principalId: pimuser.json().id, roleDefinitionId: reader, requestType: 'AdminAssign', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P30D' } } } } });
      expect(made.statusCode, made.body).toBe(201);

      await menu(team, user, 'My roles');
      await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Azure resources', exact: true }).click();
      await heading(user, 'My roles | Azure resources');
      expect(await text(user.getByRole('row', { name: /Reader/ }))).toContain(`Reader ${sub.displayName} (Subscription) Direct`);
      await check(team, user, 'My roles › Azure resources');
      await user.getByRole('button', { name: `Activate Reader on ${sub.displayName} (Subscription)` }).click();
      await heading(user, 'Activate - Reader');
      await check(team, user, 'Azure activate pane');
      await user.getByRole('button', { name: 'Cancel', exact: true }).click();
      await heading(user, 'My roles | Azure resources');
      await user.getByRole('link', { name: 'Expired assignments' }).click();
      await user.locator('.empty', { hasText: 'No expired assignments found' }).waitFor();
      await check(team, user, 'My roles › Azure resources › Expired');

      const { admin } = team;
      await menu(team, admin, 'Azure resources');
      await heading(admin, 'Azure resources | Privileged Identity Management');
      await check(team, admin, 'Azure resources');
      await admin.getByRole('link', { name: sub.displayName, exact: true }).click();
      await heading(admin, `${sub.displayName} | Assignments`);
      expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain('Reader');
      await check(team, admin, 'Azure subscription assignments');
      await admin.getByRole('navigation', { name: sub.displayName }).getByRole('link', { name: 'Settings', exact: true }).click();
      await heading(admin, `${sub.displayName} | Settings`);
      await check(team, admin, 'Azure subscription settings');
    }
  });

  it('at 360 px, the narrowest phone the portal supports, the screens still fit', async () => {
    const team = teams.find((t) => t.phone)!;
    for (const page of [team.admin, team.user]) await page.setViewportSize({ width: 360, height: 740 });
    await menu(team, team.user, 'My roles');
    await heading(team.user, 'My roles | Microsoft Entra roles');
    await check(team, team.user, 'My roles at 360 px');
    await menu(team, team.admin, 'Settings');
    await heading(team.admin, 'Settings | Microsoft Entra roles');
    await check(team, team.admin, 'Settings at 360 px');
    await menu(team, team.admin, 'Inbox');
    await heading(team.admin, 'Inbox');
    await check(team, team.admin, 'Inbox at 360 px');
  });

  it('ran without a script error in any window, and axe found nothing', () => {
    expect(scriptErrors).toEqual([]);
    expect(axeFindings).toEqual([]);
  });
});
