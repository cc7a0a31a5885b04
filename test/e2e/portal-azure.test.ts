import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { BrowserWindows, flash, heading, nav, reportWindows, text } from '../support/portal.js';
import { PASSWORD, testEmulator, USERS } from '../support/emulator.js';

/**
 * PIM for Azure resources in the workshop portal (issue #19), in a real browser. The admin (through
 * ARM, as Terraform or az would) requires MFA and a reason on Contributor activation at the
 * workshop subscription and makes pimuser eligible there; pimuser, signed in without MFA, opens
 * My roles › Azure resources (the portal reads ARM with a second token of the same sign-in, audience
 * https://management.azure.com), activates with a reason, is refused on MfaRule, steps up and
 * activates; the activation shows in the portal and on ARM; the emulator clock moves past its end
 * (control plane, no sleep) and it is gone, listed under Expired assignments.
 * Deterministic: every wait is on visible text or a locator, never a fixed sleep.
 */
const PIMUSER = USERS.pimuser.upn;
const SUB = '9a4f5c2e-1b7d-4e83-a6f0-3c5d2e8b7a41';
const SUB_SCOPE = `/subscriptions/${SUB}`;
const AUTH = '/providers/Microsoft.Authorization';
const V = 'api-version=2020-10-01';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const CONTRIBUTOR_ID = `${SUB_SCOPE}${AUTH}/roleDefinitions/${CONTRIBUTOR}`;
const REASON = 'Scaling the workshop VM for the load test, ticket #CHG3071';

describe('the portal: just-in-time Azure role (PIM for Azure resources)', () => {
  let emu: Emulator;
  let base: string;
  const windows = new BrowserWindows();
  let user: Page;
  let admin: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    emu = await testEmulator();
    base = (await emu.listen()).http!;
    user = await windows.open();
    admin = await windows.open();
    for (const page of [user, admin]) page.on('pageerror', (e) => scriptErrors.push(`${page === admin ? 'admin' : 'pimuser'}: ${e.message}`));
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await reportWindows({ pimuser: user, admin }, 'portal-azure-failure');
  });

  afterAll(async () => {
    await windows.close();
    await emu?.close();
  });

  /** An ARM token from the control plane (audience https://management.azure.com). */
  const armToken = async (upn: string, mfa: boolean) => {
    const res = await emu.app.inject({ method: 'POST', url: '/_emulator/tokens', payload: { tenant: 'contoso', user: upn, mfa, resource: 'https://management.azure.com' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };
  const arm = async (method: 'GET' | 'PUT' | 'PATCH', url: string, token: string, payload?: object) =>
    emu.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  /** pimuser's Contributor instances at the subscription as ARM lists them with asTarget(). */
  const activeOnArm = async () => {
    const res = await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleInstances?${V}&$filter=${encodeURIComponent('asTarget()')}`, await armToken(PIMUSER, false));
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().value as { properties: { roleDefinitionId: string; assignmentType: string; scope: string } }[])
      .filter((i) => i.properties.roleDefinitionId.toLowerCase() === CONTRIBUTOR_ID.toLowerCase())
      .map((i) => `${i.properties.scope} ${i.properties.assignmentType}`);
  };
  const mfaCode = async (upn: string) => {
    const res = await fetch(`${base}/_emulator/tenants/contoso/users/${encodeURIComponent(upn)}/mfa-code`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { code: string }).code;
  };

  it('the admin, through ARM, asks for MFA and a reason on Contributor activation and makes pimuser eligible at the subscription', async () => {
    const admin = await armToken(USERS.admin.upn, true);
    const policies = await arm('GET', `${SUB_SCOPE}${AUTH}/roleManagementPolicies?${V}&$filter=${encodeURIComponent(`roleDefinitionId eq '${CONTRIBUTOR_ID}'`)}`, admin);
    expect(policies.statusCode, policies.body).toBe(200);
    const patched = await arm('PATCH', `${policies.json().value[0].id}?${V}`, admin, { properties: { rules: [
      { id: 'Enablement_EndUser_Assignment', ruleType: 'RoleManagementPolicyEnablementRule', enabledRules: ['MultiFactorAuthentication', 'Justification'] },
    ] } });
    expect(patched.statusCode, patched.body).toBe(200);
    const eligible = await arm('PUT', `${SUB_SCOPE}${AUTH}/roleEligibilityScheduleRequests/3f1c9a27-5e4b-4d8a-9c61-2b7e0d4f8a15?${V}`, admin, { properties: {
      principalId: USERS.pimuser.id, roleDefinitionId: CONTRIBUTOR_ID, requestType: 'AdminAssign', justification: 'Load-test rota',
      scheduleInfo: { startDateTime: null, expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P30D' } },
    } });
    expect(eligible.statusCode, eligible.body).toBe(201);
    expect(eligible.json().properties.status).toBe('Provisioned');
  });

  it('pimuser, signed in without MFA, sees the eligibility under My roles › Azure resources', async () => {
    await user.goto(`${base}/portal/#/`);
    await heading(user, 'PIM workshop portal');
    await user.getByLabel('Tenant', { exact: true }).selectOption('contoso');
    await user.getByLabel(/Offer “Sign in without MFA”/).check();
    await user.getByRole('button', { name: `Sign in as ${PIMUSER}` }).click();
    await user.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await user.getByLabel('Password').fill(PASSWORD);
    await user.getByRole('button', { name: 'Sign in' }).click();
    await heading(user, 'Enter code');
    await user.getByRole('button', { name: 'Sign in without MFA (password only)' }).click();
    await user.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await user.locator('#account', { hasText: PIMUSER }).waitFor();

    await nav(user, 'My roles');
    await heading(user, 'My roles | Microsoft Entra roles');
    expect(await user.getByText('Azure resources (not emulated)').count()).toBe(0);
    await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Azure resources', exact: true }).click();
    await heading(user, 'My roles | Azure resources');
    expect(await text(user.getByRole('row', { name: /Contributor/ }))).toMatch(/^Contributor Contoso Pay-As-You-Go \(Subscription\) Direct \d{4}-\d\d-\d\d \d\d:\d\d Activate$/);
  });

  it('pimuser activates Contributor with a reason: refused on MfaRule, steps up, activated', async () => {
    await user.getByRole('button', { name: /^Activate Contributor on / }).click();
    await heading(user, 'Activate - Contributor');
    await user.getByLabel('Reason').fill(REASON);
    await user.getByLabel('Duration (hours)').fill('2');
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    // ARM's policy answer, in words; the pane then offers the step-up.
    expect(await text(user.locator('#rule-failure'))).toContain('MfaRule: multi-factor authentication is required');
    expect(await activeOnArm()).toEqual([]);
    await user.getByRole('button', { name: 'Additional verification required. Click to continue' }).click();
    await user.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await user.getByLabel('Password').fill(PASSWORD);
    await user.getByRole('button', { name: 'Sign in' }).click();
    await heading(user, 'Enter code');
    await user.getByLabel('Code').fill(await mfaCode(PIMUSER));
    await user.getByRole('button', { name: 'Verify' }).click();
    await heading(user, 'Activate - Contributor');
    expect(await user.getByLabel('Reason').inputValue()).toBe(REASON);
    expect(await text(user.locator('#account'))).toContain('MFA');
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    await heading(user, 'My roles | Azure resources');
    expect(await flash(user, 'is activated')).toMatch(/^Contributor is activated until \d{4}-\d\d-\d\d \d\d:\d\d\./);
    expect(await text(user.getByRole('row', { name: /Contributor/ }))).toMatch(/^Contributor .+ \(Subscription\) Direct Activated /);
  });

  it('the activation is on ARM: an Activated instance at the subscription, with the reason on its request', async () => {
    expect(await activeOnArm()).toEqual([`${SUB_SCOPE} Activated`]);
    const requests = await arm('GET', `${SUB_SCOPE}${AUTH}/roleAssignmentScheduleRequests?${V}&$filter=${encodeURIComponent('asTarget()')}`, await armToken(PIMUSER, false));
    expect(requests.statusCode, requests.body).toBe(200);
    const self = (requests.json().value as { properties: { requestType: string; justification: string; status: string; scheduleInfo: { expiration: { duration: string } } } }[])
      .filter((r) => r.properties.requestType === 'SelfActivate');
    expect(self.map((r) => [r.properties.status, r.properties.justification, r.properties.scheduleInfo.expiration.duration])).toEqual([['Provisioned', REASON, 'PT2H']]);
  });

  it("the admin reads the subscription under Manage › Azure resources: pimuser's eligible and active Contributor, and the role's settings", async () => {
    await admin.goto(`${base}/portal/#/`);
    await heading(admin, 'PIM workshop portal');
    await admin.getByLabel('Tenant', { exact: true }).selectOption('contoso');
    await admin.getByLabel(/Offer “Sign in without MFA”/).uncheck();
    await admin.getByRole('button', { name: `Sign in as ${USERS.admin.upn}` }).click();
    await admin.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await admin.getByLabel('Password').fill(PASSWORD);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await heading(admin, 'Enter code');
    await admin.getByLabel('Code').fill(await mfaCode(USERS.admin.upn));
    await admin.getByRole('button', { name: 'Verify' }).click();
    await admin.waitForURL((u) => u.pathname === '/portal/' && !u.search.includes('code='));
    await admin.locator('#account', { hasText: USERS.admin.upn }).waitFor();

    await nav(admin, 'Azure resources');
    await heading(admin, 'Azure resources | Privileged Identity Management');
    await admin.getByRole('link', { name: 'Contoso Pay-As-You-Go', exact: true }).click();
    await heading(admin, 'Contoso Pay-As-You-Go | Assignments');
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toMatch(new RegExp(`^PIM User ${PIMUSER} Contributor Contoso Pay-As-You-Go \\(Subscription\\) Direct Eligible \\d{4}`));
    await admin.getByRole('link', { name: 'Active assignments' }).click();
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toMatch(new RegExp(`^PIM User ${PIMUSER} Contributor Contoso Pay-As-You-Go \\(Subscription\\) Direct Activated \\d{4}`));
    await admin.getByRole('navigation', { name: 'Contoso Pay-As-You-Go' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await heading(admin, 'Contoso Pay-As-You-Go | Settings');
    // The PATCH above (MFA and a reason) and ARM's defaults (8 hours; eligibility within 365 days); Reader keeps the defaults.
    expect(await text(admin.getByRole('row', { name: /^Contributor / }))).toBe('Contributor 8 hour(s) Azure MFA, Justification 365 day(s)');
    expect(await text(admin.getByRole('row', { name: /^Reader / }))).toBe('Reader 8 hour(s) Justification 365 day(s)');
    // The Resource filter narrows to rg-workshop: its own role settings (the PATCH was at the subscription), and the activation inherited from above.
    await admin.getByLabel('Resource', { exact: true }).selectOption({ label: 'rg-workshop (Resource group)' });
    await admin.getByRole('row', { name: 'Contributor 8 hour(s) Justification 365 day(s)', exact: true }).waitFor();
    await admin.getByRole('navigation', { name: 'Contoso Pay-As-You-Go' }).getByRole('link', { name: 'Active assignments', exact: true }).click();
    expect(await admin.getByLabel('Resource', { exact: true }).inputValue()).toBe(`${SUB_SCOPE}/resourceGroups/rg-workshop`);
    await admin.getByRole('row', { name: /^PIM User .* Inherited Activated / }).waitFor();
    expect(await text(admin.getByRole('row', { name: /PIM User/ }))).toMatch(new RegExp(`^PIM User ${PIMUSER} Contributor Contoso Pay-As-You-Go \\(Subscription\\) Inherited Activated \\d{4}`));
  });

  it('the admin adds an eligible Reader at rg-workshop with Add assignments, is refused removing it within 5 minutes, and removes it after', async () => {
    const analyst = `Alex Analyst (${USERS.analyst.upn})`;
    /** Alex's Reader eligibilities as ARM lists them at the resource group. */
    const onArm = async () => {
      const res = await arm('GET', `${SUB_SCOPE}/resourceGroups/rg-workshop${AUTH}/roleEligibilitySchedules?${V}&$filter=${encodeURIComponent(`principalId eq '${USERS.analyst.id}'`)}`, await armToken(USERS.admin.upn, true));
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().value as { properties: { scope: string; roleDefinitionId: string; memberType: string } }[]).map((x) => `${x.properties.scope} ${x.properties.roleDefinitionId.split('/').pop()} ${x.properties.memberType}`);
    };
    // Still filtered on rg-workshop (the tabs keep the Resource filter).
    await admin.getByRole('navigation', { name: 'Contoso Pay-As-You-Go' }).getByRole('link', { name: 'Eligible assignments', exact: true }).click();
    expect(await admin.getByLabel('Resource', { exact: true }).inputValue()).toBe(`${SUB_SCOPE}/resourceGroups/rg-workshop`);
    await admin.getByRole('button', { name: '+ Add assignments' }).click();
    await heading(admin, 'Add assignments');
    expect(await admin.getByLabel('Select role').inputValue()).toBe(CONTRIBUTOR_ID);
    await admin.getByLabel('Select role').selectOption({ label: 'Reader' });
    await admin.getByRole('button', { name: 'Select member(s)' }).click();
    await admin.getByLabel('Search users').fill('analyst');
    await admin.getByLabel(analyst).check();
    await admin.getByRole('button', { name: 'Select', exact: true }).click();
    await admin.getByRole('button', { name: 'Next >' }).click();
    // ARM's defaults require an end date for eligibility (365 days).
    expect(await admin.getByLabel('Permanently eligible').isDisabled()).toBe(true);
    expect(await text(admin.locator('#permanent-hint'))).toContain('eligible assignments expire after at most 365 day(s)');
    await admin.getByLabel('Enter justification').fill('Reads the workshop resource group');
    await admin.getByRole('button', { name: 'Assign', exact: true }).click();
    expect(await flash(admin, 'Added:')).toMatch(/^Added: Alex Analyst eligible as Reader on rg-workshop \(Resource group\) until \d{4}-\d\d-\d\d \d\d:\d\d\.$/);
    expect(await text(admin.getByRole('row', { name: /Alex Analyst/ }))).toMatch(new RegExp(`^Alex Analyst ${USERS.analyst.upn} Reader rg-workshop \\(Resource group\\) Direct Eligible \\d{4}`));
    expect(await onArm()).toEqual([`${SUB_SCOPE}/resourceGroups/rg-workshop acdd72a7-3385-48ef-bd42-f606fba81ae7 Direct`]);

    // ARM refuses a removal within 5 minutes of the start (ActiveDurationTooShort); the page says so and keeps the row.
    const remove = async () => {
      await admin.getByRole('button', { name: 'Remove Alex Analyst as Reader on rg-workshop (Resource group)' }).click();
      await admin.getByRole('button', { name: 'Remove', exact: true }).click();
    };
    await remove();
    expect(await text(admin.locator('.inline-error'))).toContain('The assignment was not removed');
    expect(await onArm()).toHaveLength(1);
    const moved = await fetch(`${base}/_emulator/tenants/contoso/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT6M' }) });
    expect(moved.status).toBe(200);
    await remove();
    expect(await flash(admin, 'Removed:')).toBe('Removed: Alex Analyst as Reader on rg-workshop (Resource group).');
    expect(await onArm()).toEqual([]);
  });

  it("the admin edits Reader's settings at the subscription: every changed rule in one ARM PATCH, shown back and on ARM", async () => {
    await admin.getByLabel('Resource', { exact: true }).selectOption({ label: 'Contoso Pay-As-You-Go (Subscription)' });
    await admin.getByRole('navigation', { name: 'Contoso Pay-As-You-Go' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await admin.getByRole('link', { name: 'Reader', exact: true }).click();
    await heading(admin, 'Role setting details - Reader - Contoso Pay-As-You-Go');
    expect(await text(admin.getByRole('row', { name: /Require justification on activation/ }))).toContain('Yes');
    expect(await text(admin.getByRole('row', { name: /Require ticket information on activation/ }))).toContain('No');
    expect(await text(admin.getByRole('row', { name: /Expire eligible assignments after/ }))).toContain('365 day(s)');
    await admin.getByRole('link', { name: '✎ Edit' }).click();
    await heading(admin, 'Edit role setting - Reader - Contoso Pay-As-You-Go');
    await admin.getByLabel('Require ticket information on activation').check();
    await admin.getByRole('tab', { name: 'Assignment' }).click();
    await admin.getByLabel('Expire eligible assignments after').selectOption('P90D');
    await admin.getByRole('button', { name: 'Update', exact: true }).click();
    await heading(admin, 'Role setting details - Reader - Contoso Pay-As-You-Go');
    expect(await flash(admin, 'Role settings updated')).toContain('Role settings updated for Reader - Contoso Pay-As-You-Go: what activation requires (MFA, justification, ticket); permanent eligible assignment and its expiry.');
    expect(await text(admin.getByRole('row', { name: /Require ticket information on activation/ }))).toContain('Yes');
    expect(await text(admin.getByRole('row', { name: /Expire eligible assignments after/ }))).toContain('90 day(s)');
    const readerId = `${SUB_SCOPE}${AUTH}/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`;
    const res = await arm('GET', `${SUB_SCOPE}${AUTH}/roleManagementPolicies?${V}&$filter=${encodeURIComponent(`roleDefinitionId eq '${readerId}'`)}`, await armToken(USERS.admin.upn, true));
    expect(res.statusCode, res.body).toBe(200);
    const rules = res.json().value[0].properties.rules as { id: string; enabledRules?: string[]; maximumDuration?: string }[];
    expect(rules.find((r) => r.id === 'Enablement_EndUser_Assignment')!.enabledRules!.sort()).toEqual(['Justification', 'Ticketing']);
    expect(rules.find((r) => r.id === 'Expiration_Admin_Eligibility')!.maximumDuration).toBe('P90D');
    expect(res.json().value[0].properties.lastModifiedBy).toMatchObject({ id: USERS.admin.id });
  });

  it('past the end (the emulator clock, no waiting) the activation is gone on ARM and in the portal, and listed as expired', async () => {
    const res = await fetch(`${base}/_emulator/tenants/contoso/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 'PT2H1M' }) });
    expect(res.status).toBe(200);
    expect(await activeOnArm()).toEqual([]);
    await user.getByRole('button', { name: '↻ Refresh' }).click();
    await user.locator('.empty', { hasText: 'No active assignments found' }).waitFor();
    await user.getByRole('link', { name: 'Expired assignments' }).click();
    expect(await text(user.getByRole('row', { name: /Contributor/ }))).toMatch(/^Contributor .+ \(Subscription\) Activated /);
    // The eligibility stays.
    await user.getByRole('link', { name: 'Eligible assignments' }).click();
    await user.getByRole('button', { name: /^Activate Contributor on / }).waitFor();
  });

  it("the Workshop guide's optional Azure phase ticks, as pimuser reads it (asTarget()) and as the admin does (principalId eq)", async () => {
    for (const page of [user, admin]) {
      await nav(page, 'Workshop guide');
      const phase = page.locator('#guide-phase-7[data-state="done"]');
      await phase.waitFor();
      expect(await text(phase)).toContain('Phase 7 — optional: just-in-time Azure role');
      expect(await text(phase)).toContain(`Contributor on Contoso Pay-As-You-Go: “${REASON}”`);
    }
    await nav(user, 'My roles');
    await user.getByRole('navigation', { name: 'My roles' }).getByRole('link', { name: 'Azure resources', exact: true }).click();
    await heading(user, 'My roles | Azure resources');
  });

  it('pimuser activates again at a narrower scope: the resource group chosen in the pane, and only there on ARM', async () => {
    await user.getByRole('button', { name: /^Activate Contributor on / }).click();
    await heading(user, 'Activate - Contributor');
    const scopes = await user.getByLabel('Scope', { exact: true }).locator('option').allTextContents();
    expect(scopes[0]).toBe('Contoso Pay-As-You-Go (Subscription)');
    expect(scopes).toContain('rg-workshop (Resource group)');
    await user.getByLabel('Scope', { exact: true }).selectOption({ label: 'rg-workshop (Resource group)' });
    await user.getByLabel('Reason').fill(REASON);
    await user.getByLabel('Duration (hours)').fill('1');
    await user.getByRole('button', { name: 'Activate', exact: true }).click();
    await heading(user, 'My roles | Azure resources');
    expect(await flash(user, 'is activated')).toMatch(/^Contributor is activated until \d{4}-\d\d-\d\d \d\d:\d\d\./);
    expect(await text(user.getByRole('row', { name: /Contributor/ }))).toMatch(/^Contributor rg-workshop \(Resource group\) Direct Activated /);
    expect(await activeOnArm()).toEqual([`${SUB_SCOPE}/resourceGroups/rg-workshop Activated`]);
  });

  it('ran without a script error', () => {
    expect(scriptErrors).toEqual([]);
  });
});
