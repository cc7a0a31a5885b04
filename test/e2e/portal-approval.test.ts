import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { BrowserWindows, flash, heading, nav, reportWindows, text } from '../support/portal.js';
import { PASSWORD, ROLES, testEmulator, tokenFor, USERS } from '../support/emulator.js';

/**
 * The workshop portal (src/portal) beyond the five phases, in a real browser:
 * - the approval walk: the admin requires approval for Security Reader in Settings › Edit, pimuser's
 *   activation waits in My requests, the approver decides it under Approve requests in the other
 *   window, and pimuser's My roles shows the role Activated;
 * - "Create my tenant" on the sign-in page (POST /_emulator/tenants), errors in words;
 * - the Workshop guide ticking the phases in that tenant, as the admin and as pimuser, while the
 *   phases' actions happen through Graph (the browser walk of the actions is portal.test.ts).
 * Deterministic: every wait is on visible text or a locator, never a fixed sleep.
 */
const ADMIN = USERS.admin.upn;
const PIMUSER = USERS.pimuser.upn;
const APPROVER = USERS.approver.upn;
const SECURITY_READER = ROLES.securityReader;
const REASON = 'Reviewing sign-in logs for compliance audit, ticket #INC1234';
const TEAM = 'team07';
const TEAM_DOMAIN = `${TEAM}.onmicrosoft.com`;
const RM = '/v1.0/roleManagement/directory';

// Never skipped: without Chromium the suite fails and says how to install it (requireChromium).
const suite = describe;

suite('the workshop portal: approvals, tenants on demand and the workshop guide', () => {
  let emu: Emulator;
  let base: string;
  const windows = new BrowserWindows();
  /** The second window: the admin, then the approver, then team07's admin. */
  let admin: Page;
  /** The first window: pimuser (of contoso, then of team07). */
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
    if (ctx.task.result?.state === 'fail') await reportWindows({ admin, pimuser: user }, 'portal-approval-failure');
  });

  afterAll(async () => {
    await windows.close();
    await emu?.close();
  });

  /** What the user's authenticator shows right now (the control plane the Emulator panel reads). */
  const mfaCode = async (tenant: string, upn: string) => {
    const res = await fetch(`${base}/_emulator/tenants/${tenant}/users/${encodeURIComponent(upn)}/mfa-code`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { code: string }).code;
  };

  /** From the sign-in page of the portal: choose the tenant, pick the persona, password, then the code or "without MFA". */
  async function signIn(page: Page, tenant: string, upn: string, mfa: 'code' | 'skip') {
    await page.goto(`${base}/portal/#/`);
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await page.locator('#account a, #account button').first().waitFor();
    if (await signOut.count()) {
      await signOut.click();
      await page.locator('#flash', { hasText: 'You signed out.' }).waitFor();
    }
    await heading(page, 'PIM workshop portal');
    await page.getByLabel('Tenant', { exact: true }).selectOption(tenant);
    const skip = page.getByLabel(/Offer “Sign in without MFA”/);
    if (mfa === 'skip') await skip.check();
    else await skip.uncheck();
    await page.getByRole('button', { name: `Sign in as ${upn}` }).click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    expect(await page.getByLabel('Email address').inputValue()).toBe(upn);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Enter code');
    if (mfa === 'skip') {
      await page.getByRole('button', { name: 'Sign in without MFA (password only)' }).click();
    } else {
      await page.getByLabel('Code').fill(await mfaCode(tenant, upn));
      await page.getByRole('button', { name: 'Verify' }).click();
    }
    await page.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await page.locator('#account', { hasText: upn }).waitFor();
  }

  /** Graph as a persona of `tenant`, with a token from the control plane (the setup steps that are not the point of a test). */
  async function graphAs(tenant: string, upn: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
    const token = await tokenFor(emu, upn, { tenant, mfa: true });
    const res = await emu.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload: payload as object } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.body ? res.json() : undefined;
  }

  /** A guide step once it shows `state` (the guide re-checks every few seconds; the wait is on the DOM). */
  const guideStep = async (page: Page, n: number, state: 'done' | 'todo' | 'unknown') => {
    const step = page.locator(`#guide-phase-${n}[data-state="${state}"]`);
    await step.waitFor();
    return step;
  };

  describe('an approval walk in the UI (contoso)', () => {
    it('the admin requires approval for Security Reader in Settings › Edit and makes pimuser eligible', async () => {
      await signIn(admin, 'contoso', ADMIN, 'code');
      await nav(admin, 'Settings');
      await admin.getByLabel('Search by role name').fill('Security Reader');
      await admin.getByRole('link', { name: 'Security Reader', exact: true }).click();
      await heading(admin, 'Role setting details - Security Reader');
      await admin.getByRole('link', { name: '✎ Edit' }).click();
      await heading(admin, 'Edit role setting - Security Reader');
      // The Activation tab has the approval control: tick it and pick the approver.
      await admin.getByLabel('Require approval to activate').check();
      await admin.getByLabel(`Role Approver (${APPROVER})`).check();
      await admin.getByRole('button', { name: 'Update', exact: true }).click();
      await heading(admin, 'Role setting details - Security Reader');
      expect(await flash(admin, 'Role settings updated')).toContain('approval to activate and approvers');
      expect(await text(admin.getByRole('row', { name: /Require approval to activate/ }))).toContain('Yes');
      expect(await text(admin.getByRole('row', { name: /^Approvers/ }))).toContain('Role Approver');

      await nav(admin, 'Roles');
      await admin.getByLabel('Search by role name').fill('Security Reader');
      await admin.getByRole('link', { name: 'Security Reader', exact: true }).click();
      await heading(admin, 'Security Reader | Assignments');
      await admin.getByRole('button', { name: '+ Add assignments' }).click();
      await admin.getByRole('button', { name: 'Select member(s)' }).click();
      await admin.getByLabel('Search users').fill('pimuser');
      await admin.getByLabel(`PIM User (${PIMUSER})`).check();
      await admin.getByRole('button', { name: 'Select', exact: true }).click();
      await admin.getByRole('button', { name: 'Next >' }).click();
      await admin.getByLabel('Permanently eligible').check();
      await admin.getByRole('button', { name: 'Assign', exact: true }).click();
      expect(await flash(admin, 'Added:')).toContain('Added: PIM User permanently eligible for Security Reader.');
    });

    it('pimuser activates: the request waits for approval in My requests', async () => {
      await signIn(user, 'contoso', PIMUSER, 'code');
      await nav(user, 'My roles');
      await user.getByRole('button', { name: 'Activate Security Reader' }).click();
      await heading(user, 'Activate - Security Reader');
      await user.getByLabel('Reason').fill(REASON);
      await user.getByRole('button', { name: 'Activate', exact: true }).click();
      await heading(user, 'My requests | Microsoft Entra roles');
      expect(await flash(user, 'pending approval')).toContain('Your request to activate Security Reader is pending approval (PendingApproval)');
      const row = user.getByRole('row', { name: /Security Reader/ }).filter({ hasText: 'selfActivate' });
      expect(await text(row)).toContain('selfActivate (active) PendingApproval');
      expect(await text(row)).toContain(REASON);
      await user.getByRole('button', { name: 'Cancel the selfActivate request for Security Reader' }).waitFor();
      // Nothing is active while the request waits.
      await nav(user, 'My roles');
      await user.getByRole('link', { name: 'Active assignments' }).click();
      await user.locator('.empty', { hasText: 'No active assignments found' }).waitFor();
    });

    it('the approver signs in in the second window and approves it with a justification', async () => {
      await signIn(admin, 'contoso', APPROVER, 'code');
      await nav(admin, 'Approve requests');
      await heading(admin, 'Approve requests | Microsoft Entra roles');
      const row = admin.getByRole('row', { name: /PIM User/ });
      expect(await text(row)).toContain(`PIM User Security Reader ${REASON}`);
      expect(await text(row)).toContain('8 hour(s)');
      await admin.getByRole('button', { name: "Approve PIM User's request for Security Reader" }).click();
      const pane = admin.getByRole('dialog', { name: 'Approve request' });
      expect(await text(pane)).toContain(REASON);
      await pane.getByLabel('Justification').fill('Audit ticket INC1234 checked');
      await pane.getByRole('button', { name: 'Approve', exact: true }).click();
      expect(await flash(admin, 'Approved:')).toContain("Approved: PIM User's request for Security Reader.");
      expect(await text(admin.locator('.empty', { hasText: 'No pending requests' }))).toContain('No pending requests');
      expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toContain('Provisioned');
    });

    it("pimuser's My roles shows Security Reader Activated after Refresh", async () => {
      // pimuser's window still shows My roles › Active assignments, empty, from before the approval.
      expect(await user.getByRole('link', { name: 'Active assignments' }).getAttribute('aria-current')).toBe('page');
      await user.getByRole('button', { name: '↻ Refresh' }).click();
      expect(await text(user.getByRole('row', { name: /Security Reader/ }))).toContain('Security Reader Directory Direct Activated');
      await nav(user, 'My requests');
      await user.getByRole('row', { name: /Security Reader/ }).filter({ hasText: /selfActivate \(active\)\s*Provisioned/ }).waitFor();
    });
  });

  describe('tenants on demand and the workshop guide (team07)', () => {
    let pimuser07Id: string;

    it('a participant creates their tenant next to the tenant picker; refusals are in words', async () => {
      await user.getByRole('button', { name: 'Sign out' }).click();
      await heading(user, 'PIM workshop portal');
      const name = user.getByLabel('Team name');
      const create = user.getByRole('button', { name: 'Create my tenant' });

      await name.fill('Team 07');
      await create.click();
      const invalid = await text(user.locator('#create-tenant-error'));
      expect(invalid).toContain('Your tenant was not created. “Team 07” cannot be a tenant name. Use lowercase letters, digits and hyphens only');
      expect(invalid).toContain('400 InvalidTenantName');

      await name.fill('contoso');
      await create.click();
      expect(await text(user.locator('#create-tenant-error', { hasText: 'exists already' }))).toContain('A tenant named “contoso” exists already.');
      await user.getByRole('button', { name: 'Use contoso' }).waitFor();

      await name.fill(TEAM);
      expect(await text(user.locator('#new-tenant-hint'))).toContain(`Your tenant will be ${TEAM_DOMAIN}.`);
      await create.click();
      const created = await text(user.locator('#created-tenant'));
      expect(created).toContain(`Created ${TEAM}. Domain: ${TEAM_DOMAIN}, a copy of contoso.`);
      const personas = await text(user.locator('#created-personas'));
      for (const local of ['admin', 'pimuser', 'approver']) expect(personas).toContain(`${local}@${TEAM_DOMAIN}`);
      expect(await user.getByLabel('Tenant', { exact: true }).inputValue()).toBe(TEAM);
      await user.getByRole('button', { name: `Sign in as pimuser@${TEAM_DOMAIN}` }).waitFor();
    });

    it('the guide, as the admin, ticks Phase 1, then Phases 2 and 3 once they are done', async () => {
      await signIn(admin, TEAM, `admin@${TEAM_DOMAIN}`, 'code');
      await nav(admin, 'Workshop guide');
      await heading(admin, 'Workshop guide');
      expect(await text(admin.locator('.subtitle'))).toContain(`your tenant ${TEAM} (${TEAM_DOMAIN})`);
      await guideStep(admin, 1, 'done');
      // Security Reader still allows permanent active assignment (the default): Phase 2 is not done.
      const phase2 = await guideStep(admin, 2, 'todo');
      expect(await text(phase2.locator('li[data-state="todo"]'))).toContain('Allow permanent active assignment: unticked');
      for (const n of [3, 4, 5]) await guideStep(admin, n, 'todo');
      expect(await text(admin.locator('#guide-progress'))).toBe('1 of 5 phases done; next: Phase 2.');
      expect(await admin.locator('#guide-phase-2').getAttribute('aria-current')).toBe('step');

      // Phases 2 and 3 through Graph (portal.test.ts walks them in the UI).
      const admin07 = `admin@${TEAM_DOMAIN}`;
      const [assignment] = (await graphAs(TEAM, admin07, 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(`scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${SECURITY_READER}'`)}`)).value;
      await graphAs(TEAM, admin07, 'PATCH', `/v1.0/policies/roleManagementPolicies/${assignment.policyId}/rules/Expiration_Admin_Assignment`, {
        '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_Admin_Assignment', isExpirationRequired: true, maximumDuration: 'P180D',
        target: { '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller: 'Admin', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
      });
      const pimuser07 = (await graphAs(TEAM, admin07, 'GET', `/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq 'pimuser@${TEAM_DOMAIN}'`)}`)).value[0];
      pimuser07Id = pimuser07.id;
      await graphAs(TEAM, admin07, 'POST', `${RM}/roleEligibilityScheduleRequests`, {
        action: 'adminAssign', principalId: pimuser07Id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'noExpiration' } },
      });
      // Refresh checks at once (the mail may still be on its way: the next automatic check finds it).
      await admin.getByRole('button', { name: '↻ Refresh' }).click();

      await guideStep(admin, 2, 'done');
      const phase3 = await guideStep(admin, 3, 'done');
      const items = await text(phase3.locator('.guide-items'));
      expect(items).toContain('Audit log: “Add eligible member to role in PIM completed (permanent)”');
      expect(items).toContain(`First mail in admin@${TEAM_DOMAIN}: “PIM User was made permanently eligible for the Security Reader role”`);
      expect(await text(admin.locator('#guide-phase-2'))).toContain('Audit log: “Update role setting in PIM” 1 time(s)');
      expect(await text(admin.locator('#guide-progress', { hasText: '3 of 5' }))).toBe('3 of 5 phases done; next: Phase 4.');
      await guideStep(admin, 4, 'todo');
    });

    it('the guide, as pimuser, asks for the admin where pimuser may not read, and ticks Phase 4 after the activation', async () => {
      const pim07 = `pimuser@${TEAM_DOMAIN}`;
      await signIn(user, TEAM, pim07, 'skip');
      await nav(user, 'Workshop guide');
      await heading(user, 'Workshop guide');
      await guideStep(user, 1, 'done');
      // pimuser may not read role settings nor the audit log: Phase 2 is not guessed.
      const phase2 = await guideStep(user, 2, 'unknown');
      expect(await text(phase2.locator('.guide-status'))).toBe('Sign in as the admin to check this step.');
      expect(await phase2.locator('li[data-state="unknown"]', { hasText: 'Your roles cannot read this.' }).count()).toBe(5);
      // Its own requests and the inbox tell Phase 3.
      const phase3 = await guideStep(user, 3, 'done');
      expect(await text(phase3.locator('.guide-items'))).toContain('Eligibility request Provisioned');
      await guideStep(user, 4, 'todo');

      // Phase 4 through Graph: pimuser activates with MFA and a reason.
      await graphAs(TEAM, pim07, 'POST', `${RM}/roleAssignmentScheduleRequests`, {
        action: 'selfActivate', principalId: pimuser07Id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/', justification: REASON,
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } },
      });
      await user.getByRole('button', { name: '↻ Refresh' }).click();
      // Security Reader is a reader role: while it is active pimuser reads the settings and the audit log too.
      const phase4 = await guideStep(user, 4, 'done');
      const items = await text(phase4.locator('.guide-items'));
      expect(items).toContain(`With a reason (it goes into the audit log) — “${REASON}”`);
      expect(items).toContain('With multi-factor authentication — The role setting requires it on activation');
      expect(items).toContain('Second mail in admin@team07.onmicrosoft.com: “PIM User has the Security Reader role activated”');
      await guideStep(user, 2, 'done');
      await guideStep(user, 5, 'todo');
    });

    it('the guide ticks Phase 5 once the admin removes the assignment: the workshop is complete', async () => {
      await graphAs(TEAM, `admin@${TEAM_DOMAIN}`, 'POST', `${RM}/roleEligibilityScheduleRequests`, {
        action: 'adminRemove', principalId: pimuser07Id, roleDefinitionId: SECURITY_READER, directoryScopeId: '/',
      });
      // No Refresh here: the guide re-checks by itself every few seconds.
      const phase5 = await guideStep(admin, 5, 'done');
      expect(await text(phase5.locator('.guide-items'))).toContain('Audit log: “Remove eligible member from role in PIM completed (permanent)”');
      expect(await text(admin.locator('#guide-progress', { hasText: '5 of 5' }))).toBe('5 of 5 phases done: the workshop is complete.');
      // History stays: Phase 3 is still ticked although pimuser is no longer eligible.
      await guideStep(admin, 3, 'done');
      expect(await admin.locator('#guide-steps [aria-current="step"]').count()).toBe(0);
    });

    it('ran without a script error in either window', () => {
      expect(scriptErrors).toEqual([]);
    });
  });
});
