import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { PORTAL_CLIENT_ID } from '../../src/auth/clients.js';
import type { Emulator } from '../../src/emulator.js';
import { BrowserWindows, flash, heading, nav, reportWindows, text } from '../support/portal.js';
import { PASSWORD, testEmulator, USERS } from '../support/emulator.js';

/**
 * The workshop portal (src/portal) in a real browser: a Global Admin window and a pimuser window walk
 * the article's five phases (shared/reference/pim-walkthrough-article.txt) through the UI only —
 * sign-in with password and MFA code, the portal's screens, the emulator panel's clock — asserting
 * what is on screen at each step. One screenshot per phase goes to docs/screenshots/phase-N.png.
 * Deterministic: every wait is on visible text or a locator, never a fixed sleep.
 */
const SHOTS = path.join(PACKAGE_ROOT, 'docs', 'screenshots');
const ADMIN = USERS.admin.upn;
const PIMUSER = USERS.pimuser.upn;
const REASON = 'Reviewing sign-in logs for compliance audit, ticket #INC1234';

describe('the portal is served on the emulator itself, as an OAuth client of it', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await testEmulator();
  });
  afterAll(async () => emu.close());
  const get = (url: string, headers: Record<string, string> = {}) => emu.app.inject({ method: 'GET', url, headers });

  it('sends / to /portal/ and serves its three files, nothing else', async () => {
    const root = await get('/');
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/portal/');
    const page = await get('/portal/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="portal.js"></script>');
    expect((await get('/portal/portal.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/portal/portal.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const source = await get('/portal/plugin.ts');
    expect(source.statusCode).toBe(404);
    expect(source.json().error.code).toBe('NotFound');
    const unknown = await get('/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toMatch(/^No route GET \/nothing-here\./);
  });

  it('accepts the portal client\'s redirect URI on the origin the browser used, and no other', async () => {
    const authorize = (redirect: string) =>
      get(`/contoso/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: PORTAL_CLIENT_ID, response_type: 'code', redirect_uri: redirect, scope: 'openid https://graph.microsoft.com/.default', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', amr_values: 'mfa' })}`, { host: 'workshop.example:8080' });
    const ok = await authorize('http://workshop.example:8080/portal/');
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('PIM Workshop Portal');
    const other = await authorize('http://elsewhere.example:8080/portal/');
    expect(other.statusCode).toBe(400);
    expect(other.body).toContain('AADSTS50011');
  });
});

// Never skipped: without Chromium the suite fails and says how to install it (requireChromium).
const suite = describe;

suite('the workshop portal walks phases 1–5 in a browser', () => {
  let emu: Emulator;
  let base: string;
  const windows = new BrowserWindows();
  let admin: Page;
  let user: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    emu = await testEmulator();
    base = (await emu.listen()).http!;
    // Two browsers, each with a fresh profile: the article's "separate browser window" for the admin.
    admin = await windows.open();
    user = await windows.open();
    for (const page of [admin, user]) page.on('pageerror', (e) => scriptErrors.push(`${page === admin ? 'admin' : 'pimuser'}: ${e.message}`));
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  // A failed step leaves what each window showed, to read in the failure report.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await reportWindows({ admin, pimuser: user }, 'portal-failure');
  });

  afterAll(async () => {
    await windows.close();
    await emu?.close();
  });

  const shot = (page: Page, n: number) => page.screenshot({ path: path.join(SHOTS, `phase-${n}.png`) });
  /** What the user's authenticator shows: read off the portal's Emulator panel in another tab of the same browser. */
  const mfaCode = async (page: Page, upn: string) => {
    const panel = await page.context().newPage();
    await panel.goto(`${base}/portal/#/emulator`);
    const code = await panel.locator(`[data-upn="${upn}"]`).filter({ hasText: /^\d{6}$/ }).innerText();
    await panel.close();
    return code;
  };

  /**
   * The emulator's sign-in pages: the user name comes from login_hint, then the password, then the
   * MFA page — where "Sign in without MFA" is offered only when the portal did not ask for MFA.
   */
  async function passwordAndMfa(page: Page, upn: string, mfa: 'code' | 'skip') {
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    expect(await page.getByLabel('Email address').inputValue()).toBe(upn);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Enter code');
    const skip = page.getByRole('button', { name: 'Sign in without MFA (password only)' });
    if (mfa === 'skip') {
      await skip.click();
    } else {
      expect(await skip.count()).toBe(0);
      await page.getByLabel('Code').fill(await mfaCode(page, upn));
      await page.getByRole('button', { name: 'Verify' }).click();
    }
    await page.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await page.locator('#account', { hasText: upn }).waitFor();
  }

  it('Phase 1: pimuser signs in and My roles › Microsoft Entra roles is empty', async () => {
    await user.goto(`${base}/`);
    await heading(user, 'PIM workshop portal');
    await user.getByLabel('Tenant').selectOption('contoso');
    // pimuser signs in with a password only, to meet PIM's MFA prompt at activation in Phase 4.
    await user.getByLabel(/Offer “Sign in without MFA”/).check();
    await user.getByRole('button', { name: `Sign in as ${PIMUSER}` }).click();
    await passwordAndMfa(user, PIMUSER, 'skip');
    expect(await text(user.locator('#account'))).toContain(`${PIMUSER} · password only`);

    // Top search bar › Privileged Identity Management › the service.
    await user.getByLabel('Search resources, services, and docs').fill('Privileged Identity Management');
    await user.getByLabel('Search resources, services, and docs').press('Enter');
    await heading(user, 'Privileged Identity Management | Quick start');
    await nav(user, 'My roles');
    await heading(user, 'My roles | Microsoft Entra roles');
    expect(await user.getByRole('link', { name: 'Eligible assignments' }).getAttribute('aria-current')).toBe('page');
    expect(await text(user.locator('.empty'))).toContain('No eligible assignments found');
    await shot(user, 1);
  });

  it('Phase 2: the admin configures Security Reader before anyone is assigned', async () => {
    await admin.goto(`${base}/portal/`);
    await admin.getByRole('button', { name: `Sign in as ${ADMIN}` }).click();
    // Microsoft enforces MFA on admin portals (amr_values=mfa): no way around the code here.
    await passwordAndMfa(admin, ADMIN, 'code');
    await heading(admin, 'Privileged Identity Management | Quick start');
    expect(await text(admin.locator('#account', { hasText: ADMIN }))).toContain(`${ADMIN} · MFA`);

    await nav(admin, 'Settings');
    await heading(admin, 'Settings | Microsoft Entra roles');
    await admin.getByLabel('Search by role name').fill('Security Reader');
    await admin.getByRole('link', { name: 'Security Reader', exact: true }).click();
    await heading(admin, 'Role setting details - Security Reader');
    await admin.getByRole('link', { name: '✎ Edit' }).click();
    await heading(admin, 'Edit role setting - Security Reader');

    // Activation tab: 8 hours at most (under 2 hours earns the article's warning), MFA and justification.
    const max = admin.getByLabel('Activation maximum duration (hours)');
    await max.fill('1');
    expect(await text(admin.locator('#short-warning'))).toContain('Activation duration too short');
    await max.fill('8');
    expect(await admin.locator('#short-warning').innerText()).toBe('');
    expect(await text(admin.locator('#max-duration-out'))).toBe('8 hour(s)');
    await admin.getByLabel('Require Azure MFA on activation').check();
    await admin.getByLabel('Require justification on activation').check();

    // Assignment tab: permanent eligible yes, permanent active no (the load-bearing change).
    await admin.getByRole('tab', { name: 'Assignment' }).click();
    await admin.getByLabel('Allow permanent eligible assignment').check();
    expect(await text(admin.locator('#permanent-active-warning'))).toContain('Permanent active assignment is allowed');
    await admin.getByLabel('Allow permanent active assignment').uncheck();
    expect(await admin.locator('#permanent-active-warning').innerText()).toBe('');
    await shot(admin, 2);

    // Notification tab: keep the defaults, then Update.
    await admin.getByRole('tab', { name: 'Notification' }).click();
    expect(await admin.getByLabel('Default recipients: Role activation alert (send notifications when eligible members activate this role)').isChecked()).toBe(true);
    await admin.getByRole('button', { name: 'Update', exact: true }).click();
    await heading(admin, 'Role setting details - Security Reader');
    expect(await flash(admin, 'Role settings updated')).toContain('Role settings updated for Security Reader: permanent active assignment and its expiry.');
    expect(await text(admin.getByRole('row', { name: /Allow permanent active assignment/ }))).toContain('No');
    expect(await text(admin.getByRole('row', { name: /Activation maximum duration/ }))).toContain('8 hour(s)');
  });

  it('Phase 3: the admin makes pimuser eligible for Security Reader, permanently, and the first mail arrives', async () => {
    await nav(admin, 'Roles');
    await heading(admin, 'Roles | Microsoft Entra roles');
    await admin.getByLabel('Search by role name').fill('Security Reader');
    await admin.getByRole('link', { name: 'Security Reader', exact: true }).click();
    await heading(admin, 'Security Reader | Assignments');
    await admin.getByRole('button', { name: '+ Add assignments' }).click();
    await heading(admin, 'Add assignments');
    await admin.getByRole('button', { name: 'Select member(s)' }).click();
    await admin.getByLabel('Search users').fill('pimuser');
    await admin.getByLabel(`PIM User (${PIMUSER})`).check();
    await admin.getByRole('button', { name: 'Select', exact: true }).click();
    expect(await text(admin.locator('#selected-members'))).toContain('PIM User');
    await admin.getByRole('button', { name: 'Next >' }).click();
    expect(await admin.getByLabel('Eligible', { exact: true }).isChecked()).toBe(true);
    await admin.getByLabel('Permanently eligible').check();
    await admin.getByRole('button', { name: 'Assign', exact: true }).click();

    await heading(admin, 'Security Reader | Assignments');
    expect(await flash(admin, 'Added:')).toContain('Added: PIM User permanently eligible for Security Reader.');
    const row = admin.getByRole('row', { name: /PIM User/ });
    expect(await text(row)).toContain(`PIM User ${PIMUSER} User Directory Eligible`);
    expect(await text(row)).toContain('Permanent');
    await shot(admin, 3);

    await nav(admin, 'Inbox');
    await heading(admin, 'Inbox');
    const first = admin.getByRole('button', { name: /PIM: PIM User was made permanently eligible for the Security Reader role/ });
    await first.click();
    await heading(admin, 'PIM: PIM User was made permanently eligible for the Security Reader role');
  });

  it('Phase 4: pimuser activates with a reason and MFA, capped at 8 hours; the second mail arrives; +8 h ends it', async () => {
    await user.getByRole('button', { name: '↻ Refresh' }).click();
    await user.getByRole('button', { name: 'Activate Security Reader' }).click();
    await heading(user, 'Activate - Security Reader');
    const slider = user.getByLabel('Duration (hours)');
    expect(await slider.getAttribute('max')).toBe('8');
    expect(await text(user.locator('#duration-out'))).toBe('8 hour(s)');

    // No reason and no MFA: the policy's rules answer, all at once, in words.
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    const failure = await text(user.locator('#rule-failure'));
    expect(failure).toContain('JustificationRule: a justification (reason) is required');
    expect(failure).toContain('MfaRule: multi-factor authentication is required');
    expect(await text(user.locator('#progress'))).toContain('Validating');

    // The MFA prompt: "Additional verification required", the sign-in again, back to the pane.
    await user.getByLabel('Reason').fill(REASON);
    await user.getByRole('button', { name: 'Additional verification required. Click to continue' }).click();
    await passwordAndMfa(user, PIMUSER, 'code');
    await heading(user, 'Activate - Security Reader');
    expect(await flash(user, 'Additional verification complete')).toContain('your sign-in now includes multi-factor authentication');
    expect(await user.getByLabel('Reason').inputValue()).toBe(REASON);
    expect(await user.getByRole('button', { name: 'Additional verification required. Click to continue' }).count()).toBe(0);

    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    await heading(user, 'My roles | Microsoft Entra roles');
    const done = await flash(user, 'is activated');
    expect(done).toContain('Security Reader is activated until');
    expect(done).toContain('Validating Activating Refreshing');
    expect(await user.getByRole('link', { name: 'Active assignments' }).getAttribute('aria-current')).toBe('page');
    expect(await text(user.getByRole('row', { name: /Security Reader/ }))).toContain('Security Reader Directory Direct Activated');
    await shot(user, 4);

    // Two mails in the admin's inbox: the eligible assignment and the activation.
    const second = admin.getByRole('button', { name: /PIM: PIM User has the Security Reader role activated/ });
    await second.waitFor();
    expect(await admin.locator('#mail-list li').count()).toBe(2);
    await second.click();
    await heading(admin, 'PIM: PIM User has the Security Reader role activated');

    // Eight hours later (the emulator panel's clock) the activation has ended; the eligibility stays.
    await nav(user, 'Emulator (not part of Entra)');
    await heading(user, 'Emulator — not part of Microsoft Entra');
    await user.getByRole('button', { name: 'Advance the clock 8 hours' }).click();
    expect(await text(user.locator('#clock-status', { hasText: 'Clock advanced' }))).toContain('Clock advanced 8 hours: now');
    await nav(user, 'My roles');
    await user.getByRole('link', { name: 'Active assignments' }).click();
    expect(await text(user.locator('.empty'))).toContain('No active assignments found');
    await user.getByRole('link', { name: 'Expired assignments' }).click();
    expect(await text(user.getByRole('row', { name: /Security Reader/ }))).toContain('Security Reader Directory Activated');
    await user.getByRole('link', { name: 'Eligible assignments' }).click();
    await user.getByRole('button', { name: 'Activate Security Reader' }).waitFor();
  });

  it('Phase 5: the admin removes the assignment when the project ends', async () => {
    // The admin's token expired with the clock (one hour); the portal renews it by itself.
    await nav(admin, 'Assignments');
    await heading(admin, 'Assignments | Microsoft Entra roles');
    await admin.getByLabel('Search by member name or principal name').fill('pimuser');
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain('Security Reader');
    await admin.getByRole('button', { name: 'Update PIM User in Security Reader' }).waitFor();
    await admin.getByRole('button', { name: 'Remove PIM User from Security Reader' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Remove assignment' });
    expect(await text(dialog)).toContain("Remove PIM User's eligible assignment to Security Reader?");
    await shot(admin, 5);
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    expect(await flash(admin, 'Removed:')).toContain('Removed: PIM User is no longer eligible for Security Reader.');
    expect(await text(admin.locator('.empty'))).toContain('No eligible assignments found');

    await user.getByRole('button', { name: '↻ Refresh' }).click();
    await user.locator('.empty').getByText('No eligible assignments found').waitFor();

    // The audit trail: the activation's justification is searchable.
    await nav(admin, 'Audit history');
    await heading(admin, 'Audit history | Microsoft Entra roles');
    await admin.getByLabel('Search justifications').fill('INC1234');
    await admin.getByRole('button', { name: 'Search', exact: true }).click();
    expect(await text(admin.locator('#audit-count', { hasText: 'INC1234' }))).toMatch(/^[1-9]\d* record\(s\) match “INC1234”$/);
    const rows = admin.locator('#audit tbody tr');
    for (const row of await rows.all()) expect(await row.innerText()).toContain(REASON);
    expect(await text(rows.filter({ hasText: 'Add member to role requested (PIM activation)' }))).toContain('PIM User');
  });

  it('ran without a script error in either window', () => {
    expect(scriptErrors).toEqual([]);
  });
});
