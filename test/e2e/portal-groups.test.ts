import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { BrowserWindows, flash, heading, nav, reportWindows, text } from '../support/portal.js';
import { PASSWORD, testEmulator, tokenFor, USERS } from '../support/emulator.js';

/**
 * PIM for Groups in the workshop portal (issue #18), in a real browser: the admin makes pimuser
 * eligible for Cloud Engineers' membership under Manage › Groups; pimuser activates it under
 * My roles › Groups with a reason (the group's default rules: justification, no MFA); pimuser is then
 * in /groups/{id}/members, through Graph and on the group's Members page; the emulator clock moves
 * past the activation's end (control plane, no sleep) and the membership is gone, the activation
 * listed under Expired assignments. The admin also edits the group's Member settings (the first
 * change onboards the group and changes its policy ids; the page keeps working).
 * Deterministic: every wait is on visible text or a locator, never a fixed sleep.
 */
const ADMIN = USERS.admin.upn;
const PIMUSER = USERS.pimuser.upn;
const CLOUD_ENGINEERS = '8a1f6b2e-3c4d-4e5f-9a6b-7c8d9e0f1a2b';
const REASON = 'Deploying the quarterly network change, ticket #CHG2048';

describe('the portal: just-in-time group membership (PIM for Groups)', () => {
  let emu: Emulator;
  let base: string;
  const windows = new BrowserWindows();
  let admin: Page;
  let user: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    emu = await testEmulator();
    base = (await emu.listen()).http!;
    admin = await windows.open();
    user = await windows.open();
    for (const page of [admin, user]) page.on('pageerror', (e) => scriptErrors.push(`${page === admin ? 'admin' : 'pimuser'}: ${e.message}`));
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await reportWindows({ admin, pimuser: user }, 'portal-groups-failure');
  });

  afterAll(async () => {
    await windows.close();
    await emu?.close();
  });

  const mfaCode = async (upn: string) => {
    const res = await fetch(`${base}/_emulator/tenants/contoso/users/${encodeURIComponent(upn)}/mfa-code`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { code: string }).code;
  };

  async function signIn(page: Page, upn: string, mfa: 'code' | 'skip') {
    await page.goto(`${base}/portal/#/`);
    await heading(page, 'PIM workshop portal');
    await page.getByLabel('Tenant', { exact: true }).selectOption('contoso');
    const skip = page.getByLabel(/Offer “Sign in without MFA”/);
    if (mfa === 'skip') await skip.check();
    else await skip.uncheck();
    await page.getByRole('button', { name: `Sign in as ${upn}` }).click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Enter code');
    if (mfa === 'skip') {
      await page.getByRole('button', { name: 'Sign in without MFA (password only)' }).click();
    } else {
      await page.getByLabel('Code').fill(await mfaCode(upn));
      await page.getByRole('button', { name: 'Verify' }).click();
    }
    await page.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await page.locator('#account', { hasText: upn }).waitFor();
  }

  /** Cloud Engineers' members as Graph lists them (the admin's token from the control plane). */
  async function memberIds(): Promise<string[]> {
    const token = await tokenFor(emu, ADMIN, { mfa: true });
    const res = await emu.app.inject({ method: 'GET', url: `/v1.0/groups/${CLOUD_ENGINEERS}/members`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { value: { id: string }[] }).value.map((m) => m.id);
  }

  const openGroup = async (page: Page, pageName: 'Assignments' | 'Members and owners' | 'Settings') => {
    await nav(page, 'Groups');
    await heading(page, 'Groups | Privileged Identity Management');
    await page.getByRole('link', { name: 'Cloud Engineers', exact: true }).click();
    await heading(page, 'Cloud Engineers | Assignments');
    if (pageName !== 'Assignments') {
      await page.getByRole('navigation', { name: 'Cloud Engineers' }).getByRole('link', { name: pageName, exact: true }).click();
      await heading(page, `Cloud Engineers | ${pageName}`);
    }
  };

  it('the nav offers Groups, no longer "not emulated"; the admin reads the Member settings (the Group defaults) and edits them', async () => {
    await signIn(admin, ADMIN, 'code');
    expect(await admin.getByText('Groups (not emulated)').count()).toBe(0);
    await openGroup(admin, 'Settings');
    expect(await text(admin.getByRole('row', { name: /^Member/ }))).toContain('Member No');
    await admin.getByRole('link', { name: 'Member', exact: true }).click();
    await heading(admin, 'Role setting details - Member');
    // The Group defaults (pim-groups-reference §4): a reason but no MFA; expiry required for both kinds.
    expect(await text(admin.getByRole('row', { name: /On activation, require/ }))).toContain('None');
    expect(await text(admin.getByRole('row', { name: /Require justification on activation/ }))).toContain('Yes');
    expect(await text(admin.getByRole('row', { name: /Allow permanent eligible assignment/ }))).toContain('No');
    expect(await text(admin.getByRole('row', { name: /Expire eligible assignments after/ }))).toContain('365 day(s)');
    expect(await text(admin.getByRole('row', { name: /Expire active assignments after/ }))).toContain('180 day(s)');
    await admin.getByRole('link', { name: '✎ Edit' }).click();
    await heading(admin, 'Edit role setting - Member');
    // Two rules change: the first PATCH onboards the group (new policy ids), the second still lands.
    await admin.getByLabel('Require ticket information on activation').check();
    await admin.getByRole('tab', { name: 'Assignment' }).click();
    await admin.getByLabel('Expire eligible assignments after').selectOption('P90D');
    await admin.getByRole('button', { name: 'Update', exact: true }).click();
    await heading(admin, 'Role setting details - Member');
    const saved = await flash(admin, 'Role settings updated');
    expect(saved).toContain('Role settings updated for Member - Cloud Engineers: what activation requires (MFA, justification, ticket); permanent eligible assignment and its expiry.');
    expect(await text(admin.getByRole('row', { name: /Require ticket information on activation/ }))).toContain('Yes');
    expect(await text(admin.getByRole('row', { name: /Expire eligible assignments after/ }))).toContain('90 day(s)');
    // Back to the defaults' activation rule for the walk below (a reason, no ticket).
    await admin.getByRole('link', { name: '✎ Edit' }).click();
    await heading(admin, 'Edit role setting - Member');
    await admin.getByLabel('Require ticket information on activation').uncheck();
    await admin.getByRole('button', { name: 'Update', exact: true }).click();
    expect(await flash(admin, 'Role settings updated')).toContain('Role settings updated for Member - Cloud Engineers: what activation requires (MFA, justification, ticket).');
  });

  it("the admin makes pimuser eligible for Cloud Engineers' membership under Manage › Groups", async () => {
    await openGroup(admin, 'Assignments');
    await admin.getByRole('button', { name: '+ Add assignments' }).click();
    await heading(admin, 'Add assignments');
    expect(await admin.getByLabel('Select role').inputValue()).toBe('member');
    await admin.getByRole('button', { name: 'Select member(s)' }).click();
    await admin.getByLabel('Search users').fill('pimuser');
    await admin.getByLabel(`PIM User (${PIMUSER})`).check();
    await admin.getByRole('button', { name: 'Select', exact: true }).click();
    await admin.getByRole('button', { name: 'Next >' }).click();
    // The group's settings require an end date (90 days since the edit above): no permanent eligibility.
    expect(await admin.getByLabel('Permanently eligible').isDisabled()).toBe(true);
    expect(await text(admin.locator('#permanent-hint'))).toContain('eligible assignments expire after at most 90 day(s)');
    await admin.getByLabel('Enter justification').fill('Network change rota');
    await admin.getByRole('button', { name: 'Assign', exact: true }).click();
    expect(await flash(admin, 'Added:')).toMatch(/^Added: PIM User eligible as member of Cloud Engineers until \d{4}-\d\d-\d\d \d\d:\d\d\.$/);
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain(`PIM User ${PIMUSER} Member Eligible`);
    // Eligible is not a member (pim-groups-reference §5).
    expect(await memberIds()).not.toContain(USERS.pimuser.id);
  });

  it('pimuser activates the membership under My roles › Groups with a reason; the policy note comes from trial requests', async () => {
    await signIn(user, PIMUSER, 'skip');
    await nav(user, 'My roles');
    await heading(user, 'My roles | Microsoft Entra roles');
    await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Groups', exact: true }).click();
    await heading(user, 'My roles | Groups');
    expect(await text(user.getByRole('row', { name: /Cloud Engineers/ }))).toContain('Cloud Engineers Member Direct');
    await user.getByRole('button', { name: 'Activate Member of Cloud Engineers' }).click();
    await heading(user, 'Activate - Member - Cloud Engineers');
    // pimuser may not read the group's policy: PIM's answers to validation-only requests tell the limits.
    expect(await text(user.locator('#policy-note'))).toContain('This role can be active for up to 8 hours at a time. To activate it you need a reason.');
    expect(await user.getByLabel('Duration (hours)').getAttribute('max')).toBe('8');
    // Without a reason the group's rule refuses, in words.
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    expect(await text(user.locator('#rule-failure'))).toContain('JustificationRule: a justification (reason) is required');
    await user.getByLabel('Reason').fill(REASON);
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    await heading(user, 'My roles | Groups');
    expect(await flash(user, 'is activated')).toMatch(/^Member - Cloud Engineers is activated until \d{4}-\d\d-\d\d \d\d:\d\d\./);
    expect(await text(user.getByRole('row', { name: /Cloud Engineers/ }))).toContain('Cloud Engineers Member Direct Activated');
  });

  it("the link in pimuser's activation mail opens the group: its assignments for the admin", async () => {
    const mail = await emu.ctx.mail.inbox.waitFor({ to: PIMUSER, subject: 'Cloud Engineers Member' }, 10_000);
    if (!mail) throw new Error('no activation mail to pimuser');
    const link = /https?:\/\/\S+#\/groups\/[^\s?]+\?tenant=contoso/.exec(mail.text)?.[0];
    expect(link, mail.text).toBe(`${base}/#/groups/${CLOUD_ENGINEERS}?tenant=contoso`);
    await admin.goto(link!);
    await admin.waitForURL((u) => u.hash.startsWith(`#/pim/groups/${CLOUD_ENGINEERS}/assignments`));
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain(`PIM User ${PIMUSER} Member`);
  });

  it('pimuser is now a member: in /groups/{id}/members and on the group\'s Members page', async () => {
    expect(await memberIds()).toContain(USERS.pimuser.id);
    await openGroup(admin, 'Members and owners');
    expect(await text(admin.locator('#group-members'))).toContain(`PIM User ${PIMUSER}`);
    await admin.getByRole('navigation', { name: 'Cloud Engineers' }).getByRole('link', { name: 'Assignments', exact: true }).click();
    await admin.getByRole('link', { name: 'Active assignments' }).click();
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain(`PIM User ${PIMUSER} Member Activated`);
  });

  it('past the end of the activation (the emulator clock, no waiting) the membership is gone and shows under Expired', async () => {
    const res = await fetch(`${base}/_emulator/tenants/contoso/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT8H1M' }) });
    expect(res.status).toBe(200);
    expect(await memberIds()).not.toContain(USERS.pimuser.id);

    // pimuser's window is still on Active assignments: Refresh reads it again.
    await user.getByRole('button', { name: '↻ Refresh' }).click();
    await user.locator('.empty', { hasText: 'No active assignments found' }).waitFor();
    await user.getByRole('link', { name: 'Expired assignments' }).click();
    expect(await text(user.getByRole('row', { name: /Cloud Engineers/ }))).toContain('Cloud Engineers Member Activated');
    // The eligibility stays.
    await user.getByRole('link', { name: 'Eligible assignments' }).click();
    await user.getByRole('button', { name: 'Activate Member of Cloud Engineers' }).waitFor();

    await admin.getByRole('navigation', { name: 'Cloud Engineers' }).getByRole('link', { name: 'Members and owners', exact: true }).click();
    await heading(admin, 'Cloud Engineers | Members and owners');
    expect(await text(admin.locator('#group-members'))).not.toContain('PIM User');
    await admin.getByRole('navigation', { name: 'Cloud Engineers' }).getByRole('link', { name: 'Assignments', exact: true }).click();
    await admin.getByRole('link', { name: 'Expired assignments' }).click();
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain(`PIM User ${PIMUSER} Member Activated`);

    // The Workshop guide's optional phase ticks, as pimuser reads it and as the admin does.
    for (const page of [user, admin]) {
      await nav(page, 'Workshop guide');
      const phase = page.locator('#guide-phase-6[data-state="done"]');
      await phase.waitFor();
      expect(await text(phase)).toContain('Phase 6 — optional: just-in-time group membership');
      expect(await text(phase)).toContain(`“${REASON}”`);
    }
    expect(await text(admin.locator('#guide-progress'))).toContain('of 5 phases done');
    await nav(user, 'My roles');
    await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Groups', exact: true }).click();
    await heading(user, 'My roles | Groups');
  });

  it('with MFA required on activation, the pane asks for step-up like the role pane; Deactivate ends the membership early', async () => {
    // The admin requires MFA on the group's Member activation (Graph, the setup of this step).
    const token = await tokenFor(emu, ADMIN, { mfa: true });
    const auth = { authorization: `Bearer ${token}` };
    const filter = encodeURIComponent(`scopeId eq '${CLOUD_ENGINEERS}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`);
    const policyId = (await emu.app.inject({ method: 'GET', url: `/v1.0/policies/roleManagementPolicyAssignments?$filter=${filter}`, headers: auth })).json().value[0].policyId;
    const patch = await emu.app.inject({ method: 'PATCH', url: `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Enablement_EndUser_Assignment`, headers: auth,
      payload: { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification'] } });
    expect(patch.statusCode, patch.body).toBe(204);

    await user.getByRole('button', { name: 'Activate Member of Cloud Engineers' }).click();
    await heading(user, 'Activate - Member - Cloud Engineers');
    expect(await text(user.locator('#policy-note'))).toContain('To activate it you need multi-factor authentication and a reason.');
    await user.getByLabel('Reason').fill(REASON);
    await user.getByRole('button', { name: 'Additional verification required. Click to continue' }).click();
    await user.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await user.getByLabel('Password').fill(PASSWORD);
    await user.getByRole('button', { name: 'Sign in' }).click();
    await heading(user, 'Enter code');
    await user.getByLabel('Code').fill(await mfaCode(PIMUSER));
    await user.getByRole('button', { name: 'Verify' }).click();
    await heading(user, 'Activate - Member - Cloud Engineers');
    expect(await user.getByLabel('Reason').inputValue()).toBe(REASON);
    expect(await text(user.locator('#account'))).toContain('MFA');
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    expect(await flash(user, 'is activated')).toContain('Member - Cloud Engineers is activated until');
    expect(await memberIds()).toContain(USERS.pimuser.id);

    // PIM refuses a deactivation within five minutes of the activation: the clock moves on first.
    const res = await fetch(`${base}/_emulator/tenants/contoso/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT10M' }) });
    expect(res.status).toBe(200);
    await user.getByRole('button', { name: '↻ Refresh' }).click();
    await user.getByRole('button', { name: 'Deactivate Member of Cloud Engineers' }).click();
    await user.getByRole('button', { name: 'Deactivate', exact: true }).click();
    expect(await flash(user, 'is deactivated')).toContain('Member of Cloud Engineers is deactivated.');
    await user.locator('.empty', { hasText: 'No active assignments found' }).waitFor();
    expect(await memberIds()).not.toContain(USERS.pimuser.id);
    await user.getByRole('link', { name: 'Expired assignments' }).click();
    expect(await text(user.getByRole('row', { name: /Deactivated/ }))).toContain('Cloud Engineers Member Deactivated');
    await user.getByRole('link', { name: 'Eligible assignments' }).click();
  });

  it('the admin removes the eligibility; pimuser has no group to activate', async () => {
    await openGroup(admin, 'Assignments');
    await admin.getByRole('button', { name: 'Remove PIM User as member of Cloud Engineers' }).click();
    await admin.getByRole('button', { name: 'Remove', exact: true }).click();
    expect(await flash(admin, 'Removed:')).toContain('Removed: PIM User is no longer eligible as member of Cloud Engineers.');
    await user.getByRole('button', { name: '↻ Refresh' }).click();
    await user.locator('.empty', { hasText: 'No eligible assignments found' }).waitFor();
  });

  it('ran without a script error in either window', () => {
    expect(scriptErrors).toEqual([]);
  });
});
