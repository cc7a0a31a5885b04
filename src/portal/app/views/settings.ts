import { graph, list } from '../api.js';
import { DIRECTORY_ROLE } from '../config.js';
import { h, fill, put } from '../dom.js';
import { errorBanner } from '../errors.js';
import { flash } from '../flash.js';
import { fmt, durationMs, HOUR, hoursToIso, describeDuration, hoursText } from '../format.js';
import { roles, roleName, policyRules, ruleOf, activationSettings, usersById } from '../pim.js';
import { go } from '../router.js';
import { header, PIM_CRUMB, table } from '../ui.js';
import type { Child, Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ Manage › Settings (Phase 2)

export async function settingsListView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB, ['Settings', '#/pim/settings']], title: 'Settings | Microsoft Entra roles', subtitle: 'Role settings: how each role is activated and assigned, and who is told. Configure a role before anyone is assigned to it.' });
  const [map, assignments] = await Promise.all([roles(), list(`/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(DIRECTORY_ROLE)}&$expand=policy`)]);
  if (stale()) return;
  const modified = new Map(assignments.map((a) => [a.roleDefinitionId, a.policy?.lastModifiedDateTime]));
  const filter = h('input', { type: 'search', id: 'settings-filter', placeholder: 'Search by role name' });
  const holder = h('div');
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = [...map.values()].filter((r) => !q || r.displayName.toLowerCase().includes(q)).sort((x, y) => x.displayName.localeCompare(y.displayName));
    fill(holder, table(['Role', 'Modified', 'Last modified'], rows.map((r) => [h('a', { href: `#/pim/settings/${r.id}`, text: r.displayName }), modified.get(r.id) ? 'Yes' : 'No', fmt(modified.get(r.id))]), ['No roles match']));
  };
  filter.addEventListener('input', paint);
  paint();
  put(view, h('div', { class: 'blade' }, h('div', { class: 'filterbar' }, h('label', { for: 'settings-filter', class: 'sr-only', text: 'Search by role name' }), filter), holder));
}

/** A rule id of the role settings in the words of the Settings page. */
function settingWords(ruleId: string): string {
  const words: Record<string, string> = {
    Expiration_EndUser_Assignment: 'activation maximum duration',
    Enablement_EndUser_Assignment: 'what activation requires (MFA, justification, ticket)',
    AuthenticationContext_EndUser_Assignment: 'Conditional Access authentication context on activation',
    Approval_EndUser_Assignment: 'approval to activate and approvers',
    Expiration_Admin_Eligibility: 'permanent eligible assignment and its expiry',
    Expiration_Admin_Assignment: 'permanent active assignment and its expiry',
    Enablement_Admin_Assignment: 'what active assignment requires (MFA, justification)',
    Enablement_Admin_Eligibility: 'what eligible assignment requires',
  };
  if (words[ruleId]) return words[ruleId];
  const n = /^Notification_(\w+?)_(Admin|EndUser)_(Eligibility|Assignment)$/.exec(ruleId);
  if (!n) return ruleId;
  const group = NOTIFICATION_GROUPS.find(([, level, caller]) => level === n[3] && caller === n[2]);
  const label = group?.[3][RECIPIENTS.indexOf(n[1])];
  return label ? `notifications: ${label.charAt(0).toLowerCase()}${label.slice(1)}` : 'notifications';
}

const NOTIFICATION_GROUPS: [string, string, string, string[]][] = [
  ['Send notifications when members are assigned as eligible to this role', 'Eligibility', 'Admin', ['Role assignment alert', 'Notification to the assigned user (assignee)', 'Request to approve a role assignment renewal/extension']],
  ['Send notifications when members are assigned as active to this role', 'Assignment', 'Admin', ['Role assignment alert', 'Notification to the assigned user (assignee)', 'Request to approve a role assignment renewal/extension']],
  ['Send notifications when eligible members activate this role', 'Assignment', 'EndUser', ['Role activation alert', 'Notification to activated user (requestor)', 'Request to approve an activation']],
];
const RECIPIENTS = ['Admin', 'Requestor', 'Approver'];
const notificationRuleId = (recipient: string, caller: string, level: string): string => `Notification_${recipient}_${caller}_${level}`;
const EXPIRE_OPTIONS: [string, string][] = [['P15D', '15 days'], ['P30D', '1 month'], ['P90D', '3 months'], ['P180D', '6 months'], ['P365D', '1 year']];
const yesNo = (b: unknown): string => (b ? 'Yes' : 'No');

export async function settingsDetailView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const roleId = route.parts[2];
  const [map, policy] = await Promise.all([roles(), policyRules(roleId)]);
  if (stale()) return;
  const name = roleName(map, roleId);
  header(view, { crumbs: [PIM_CRUMB, ['Settings', '#/pim/settings'], [name, `#/pim/settings/${roleId}`]], title: `Role setting details - ${name}`, subtitle: modifiedText(policy) });
  await settingsDetailBody(view, policy, { name, detailHref: `#/pim/settings/${roleId}`, assignmentsHref: `#/pim/roles/${roleId}` });
}

/** "Last modified … by …", or that the settings are the defaults. */
export const modifiedText = (policy: Obj): string => (policy.lastModifiedDateTime ? `Last modified ${fmt(policy.lastModifiedDateTime)} by ${policy.lastModifiedBy?.displayName ?? 'unknown'}` : 'Default settings (never modified)');

/**
 * Whose settings a page shows: a directory role's, or a group's membership or ownership (PIM for
 * Groups has the same rules in a Group-scoped policy). The pages read and write the rules alike.
 */
export interface SettingsSubject {
  name: string;
  /** The details page; its edit page is `${detailHref}/edit`. */
  detailHref: string;
  assignmentsHref: string;
  /**
   * The policy's id at the moment of a PATCH. A group's policies get new ids when the group is
   * onboarded — on its first request or first rule PATCH (pim-groups-reference §2.6) — so each
   * PATCH after the first asks again; a role's policy keeps its id.
   */
  policyId?: () => Promise<string>;
  /**
   * Saves every changed rule at once, where the API takes them together (ARM's PATCH of an Azure
   * role's policy); without it each rule is PATCHed on Graph in turn.
   */
  save?: (patches: { rule: Obj; body: Obj }[]) => Promise<void>;
  /** Whose words the rule ids are, in the flash's details. */
  ruleIdsBy?: string;
}

/** The details page's body: Edit, Assignments, and the rules in the portal's words. */
export async function settingsDetailBody(view: HTMLElement, policy: Obj, subject: SettingsSubject): Promise<void> {
  const r = (id: string) => ruleOf(policy, id);
  const act = activationSettings(policy);
  const approvers = r('Approval_EndUser_Assignment')?.setting?.approvalStages?.[0]?.primaryApprovers ?? [];
  const users = await usersById().catch(() => new Map());
  const elig = r('Expiration_Admin_Eligibility');
  const asg = r('Expiration_Admin_Assignment');
  const adminEn = r('Enablement_Admin_Assignment')?.enabledRules ?? [];
  const rows = (pairs: [string, string][]) => h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Setting' }), h('th', { scope: 'col', text: 'State' }))), h('tbody', {}, pairs.map(([k, v]) => h('tr', {}, h('td', { text: k }), h('td', { text: v })))));
  put(view, 
    h('div', { class: 'commandbar' }, h('a', { class: 'button command', id: 'edit', href: `${subject.detailHref}/edit`, text: '\u270e Edit' }), h('a', { class: 'button command', href: subject.assignmentsHref, text: 'Assignments' })),
    h('section', { class: 'blade', 'aria-labelledby': 'sd-activation' }, h('h2', { id: 'sd-activation', text: 'Activation' }), rows([
      ['Activation maximum duration (hours)', hoursText(durationMs(r('Expiration_EndUser_Assignment')?.maximumDuration) / HOUR)],
      ['On activation, require', act.authContext ? `Microsoft Entra Conditional Access authentication context (${act.authContext})` : act.mfa ? 'Azure MFA' : 'None'],
      ['Require justification on activation', yesNo(act.justification)],
      ['Require ticket information on activation', yesNo(act.ticketing)],
      ['Require approval to activate', yesNo(act.approval)],
      ['Approvers', approvers.length ? approvers.map((a: Obj) => users.get(a.userId)?.displayName ?? a.userId ?? a.groupId).join(', ') : 'None (Privileged Role Administrators and Global Administrators)'],
    ])),
    h('section', { class: 'blade', 'aria-labelledby': 'sd-assignment' }, h('h2', { id: 'sd-assignment', text: 'Assignment' }), rows([
      ['Allow permanent eligible assignment', yesNo(!elig?.isExpirationRequired)],
      ['Expire eligible assignments after', elig?.isExpirationRequired ? describeDuration(elig.maximumDuration) : '-'],
      ['Allow permanent active assignment', yesNo(!asg?.isExpirationRequired)],
      ['Expire active assignments after', asg?.isExpirationRequired ? describeDuration(asg.maximumDuration) : '-'],
      ['Require Azure Multi-Factor Authentication on active assignment', yesNo(adminEn.includes('MultiFactorAuthentication'))],
      ['Require justification on active assignment', yesNo(adminEn.includes('Justification'))],
    ])),
    NOTIFICATION_GROUPS.map(([title, level, caller, labels], gi) => h('section', { class: 'blade', 'aria-labelledby': `sd-n${gi}` },
      h('h2', { id: `sd-n${gi}`, text: title }),
      h('table', {}, h('thead', {}, h('tr', {}, ['Type', 'Default recipients', 'Additional recipients', 'Critical emails only'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, RECIPIENTS.map((rec, i) => {
          const rule = r(notificationRuleId(rec, caller, level));
          return h('tr', {}, h('td', { text: labels[i] }), h('td', { text: rule?.notificationLevel === 'None' ? 'Off' : yesNo(rule?.isDefaultRecipientsEnabled) }), h('td', { text: (rule?.notificationRecipients ?? []).join(', ') || 'None' }), h('td', { text: yesNo(rule?.notificationLevel === 'Critical') }));
        }))))));
}

/** Manage › Settings › {role} › Edit: the Activation, Assignment and Notification tabs over the rules (reference §3.3). */
export async function settingsEditView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const roleId = route.parts[2];
  const [map, policy, users] = await Promise.all([roles(), policyRules(roleId), usersById().catch(() => new Map())]);
  if (stale()) return;
  const name = roleName(map, roleId);
  header(view, { crumbs: [PIM_CRUMB, ['Settings', '#/pim/settings'], [name, `#/pim/settings/${roleId}`], ['Edit']], title: `Edit role setting - ${name}`, subtitle: 'Privileged Identity Management | Microsoft Entra roles' });
  settingsEditBody(view, route, policy, users, { name, detailHref: `#/pim/settings/${roleId}`, assignmentsHref: `#/pim/roles/${roleId}` });
}

/** The edit page's body: the Activation, Assignment and Notification tabs, and Update. */
export function settingsEditBody(view: HTMLElement, route: Route, policy: Obj, users: Map<string, Obj>, subject: SettingsSubject): void {
  const { name } = subject;
  const r = (id: string) => ruleOf(policy, id);
  const act = activationSettings(policy);
  const checkbox = (id: string, label: string, checked: unknown, extra: Record<string, unknown> = {}) => {
    const input = h('input', { type: 'checkbox', id, checked, ...extra });
    return { input, el: h('div', { class: 'check' }, input, h('label', { for: id, class: 'inline', text: label })) };
  };

  // ---- Activation
  const maxHours = durationMs(r('Expiration_EndUser_Assignment')?.maximumDuration) / HOUR;
  const maxSlider = h('input', { type: 'range', id: 'max-duration', min: '0.5', max: '24', step: '0.5', value: String(maxHours), 'aria-valuetext': hoursText(maxHours) });
  const maxOut = h('output', { for: 'max-duration', id: 'max-duration-out', text: hoursText(maxHours) });
  const shortWarn = h('div', { id: 'short-warning', 'aria-live': 'polite' });
  const paintShort = () => {
    const v = Number(maxSlider.value);
    maxOut.textContent = hoursText(v);
    maxSlider.setAttribute('aria-valuetext', hoursText(v));
    fill(shortWarn, v < 2
      ? h('div', { class: 'banner warn' }, h('p', {}, h('strong', { text: 'Activation duration too short. ' }), `Under 2 hours, users activate, lose access mid-task, re-activate and lose it again; the helpdesk gets the pushback. 8 hours is the practical default for daily admin work, 4 hours for sensitive roles such as Global Administrator.`))
      : '');
  };
  maxSlider.addEventListener('input', paintShort);
  paintShort();
  const mfa = checkbox('require-mfa', 'Require Azure MFA on activation', act.mfa && !act.authContext);
  const ac = checkbox('require-auth-context', 'Require Microsoft Entra Conditional Access authentication context on activation', Boolean(act.authContext));
  const acValue = h('input', { type: 'text', id: 'auth-context-value', value: act.authContext ?? 'c1', size: '6', 'aria-label': 'Authentication context id' });
  mfa.input.addEventListener('change', () => mfa.input.checked && (ac.input.checked = false));
  ac.input.addEventListener('change', () => ac.input.checked && (mfa.input.checked = false));
  const just = checkbox('require-justification', 'Require justification on activation', act.justification);
  const ticket = checkbox('require-ticket', 'Require ticket information on activation', act.ticketing);
  const approval = r('Approval_EndUser_Assignment');
  const approvalReq = checkbox('require-approval', 'Require approval to activate', Boolean(approval?.setting?.isApprovalRequired));
  const currentApprovers = new Set((approval?.setting?.approvalStages?.[0]?.primaryApprovers ?? []).map((a: Obj) => a.userId as string).filter(Boolean));
  const approverBoxes = [...users.values()].map((u) => checkbox(`approver-${u.id}`, `${u.displayName} (${u.userPrincipalName})`, currentApprovers.has(u.id), { 'data-user': u.id }));
  const approvers = h('fieldset', { id: 'approvers' }, h('legend', { text: 'Select approver(s)' }),
    h('p', { class: 'hint', text: 'If no approver is selected, Privileged Role Administrators and Global Administrators approve.' }), approverBoxes.map((b) => b.el));
  const paintApprovers = () => (approvers.hidden = !approvalReq.input.checked);
  approvalReq.input.addEventListener('change', paintApprovers);
  paintApprovers();
  const activationPanel = [
    h('label', { for: 'max-duration', text: 'Activation maximum duration (hours)' }),
    h('div', { class: 'slider-row' }, maxSlider, maxOut),
    shortWarn,
    h('p', { class: 'hint', text: 'The longest a single activation can run before it ends by itself. Set the shortest window your operations need; users can re-activate.' }),
    mfa.el,
    h('div', { class: 'check' }, ac.input, h('label', { for: 'require-auth-context', class: 'inline', text: 'Require Microsoft Entra Conditional Access authentication context on activation' }), acValue),
    just.el, ticket.el, approvalReq.el, approvers,
  ];

  // ---- Assignment
  const elig = r('Expiration_Admin_Eligibility');
  const asg = r('Expiration_Admin_Assignment');
  const adminEn = r('Enablement_Admin_Assignment')?.enabledRules ?? [];
  const expireSelect = (id: string, rule: Obj | undefined) => h('select', { id, value: EXPIRE_OPTIONS.some(([v]) => v === rule?.maximumDuration) ? rule!.maximumDuration : 'P365D' }, EXPIRE_OPTIONS.map(([v, t]) => h('option', { value: v, text: t })));
  const permElig = checkbox('allow-permanent-eligible', 'Allow permanent eligible assignment', !elig?.isExpirationRequired);
  const eligAfter = expireSelect('expire-eligible-after', elig);
  const permActive = checkbox('allow-permanent-active', 'Allow permanent active assignment', !asg?.isExpirationRequired);
  const activeAfter = expireSelect('expire-active-after', asg);
  const permWarn = h('div', { id: 'permanent-active-warning', 'aria-live': 'polite' });
  const paintPerm = () => {
    eligAfter.disabled = permElig.input.checked;
    activeAfter.disabled = permActive.input.checked;
    fill(permWarn, permActive.input.checked
      ? h('div', { class: 'banner warn' }, h('p', {}, h('strong', { text: 'Permanent active assignment is allowed. ' }), 'Anyone assigned Active + Permanent has this role\u2019s powers 24/7: no expiry, no MFA on activation, no justification. That defeats the point of PIM \u2014 untick this so every active assignment must have an end date.'))
      : '');
  };
  permElig.input.addEventListener('change', paintPerm);
  permActive.input.addEventListener('change', paintPerm);
  paintPerm();
  const adminMfa = checkbox('require-mfa-active-assignment', 'Require Azure Multi-Factor Authentication on active assignment', adminEn.includes('MultiFactorAuthentication'));
  const adminJust = checkbox('require-justification-active-assignment', 'Require justification on active assignment', adminEn.includes('Justification'));
  const assignmentPanel = [
    permElig.el,
    h('label', { for: 'expire-eligible-after', text: 'Expire eligible assignments after' }), eligAfter,
    permActive.el,
    permWarn,
    h('label', { for: 'expire-active-after', text: 'Expire active assignments after' }), activeAfter,
    adminMfa.el, adminJust.el,
    h('details', { class: 'hint-details' }, h('summary', { text: 'A setting this page does not show' }),
      h('p', { class: 'hint', text: `What an eligible assignment requires has no control in Microsoft's portal either; Microsoft Graph accepts changes to it (rule Enablement_Admin_Eligibility, now: ${(r('Enablement_Admin_Eligibility')?.enabledRules ?? []).join(', ') || 'nothing'}).` })),
  ];

  // ---- Notification
  const notif: { id: string; rule: Obj | undefined; def: HTMLInputElement; extra: HTMLInputElement; critical: HTMLInputElement; gi: number }[] = [];
  const notificationPanel = NOTIFICATION_GROUPS.map(([title, level, caller, labels], gi) => h('fieldset', {},
    h('legend', { text: title }),
    h('table', {}, h('thead', {}, h('tr', {}, ['Type', 'Default recipients', 'Additional recipients', 'Critical emails only'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, RECIPIENTS.map((rec, i) => {
        const id = notificationRuleId(rec, caller, level);
        const rule = r(id);
        const def = h('input', { type: 'checkbox', id: `${id}-default`, checked: rule?.isDefaultRecipientsEnabled, 'aria-label': `Default recipients: ${labels[i]} (${title.toLowerCase()})` });
        const extra = h('input', { type: 'text', id: `${id}-recipients`, value: (rule?.notificationRecipients ?? []).join(', '), placeholder: 'name@example.com', 'aria-label': `Additional recipients: ${labels[i]} (${title.toLowerCase()})` });
        const critical = h('input', { type: 'checkbox', id: `${id}-critical`, checked: rule?.notificationLevel === 'Critical', 'aria-label': `Critical emails only: ${labels[i]} (${title.toLowerCase()})` });
        notif.push({ id, rule, def, extra, critical, gi });
        return h('tr', {}, h('td', { text: labels[i] }), h('td', {}, def), h('td', {}, extra), h('td', {}, critical));
      })))));

  // ---- tabs (WAI-ARIA tabs: arrow keys move between them)
  const tabs: [string, string, Child][] = [['activation', 'Activation', activationPanel], ['assignment', 'Assignment', assignmentPanel], ['notification', 'Notification', notificationPanel]];
  const initial = tabs.some(([id]) => id === route.query.get('tab')) ? route.query.get('tab') : 'activation';
  const tabButtons = tabs.map(([id, label]) => h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, 'aria-selected': String(id === initial), tabindex: id === initial ? '0' : '-1', text: label }));
  const panels = tabs.map(([id, , content]) => h('div', { role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, hidden: id !== initial, tabindex: '0' }, content));
  const select = (i: number) => {
    tabButtons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    tabButtons[i].focus();
  };
  tabButtons.forEach((b, i) => {
    b.addEventListener('click', () => select(i));
    b.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowRight') select((i + 1) % tabs.length);
      else if (ev.key === 'ArrowLeft') select((i + tabs.length - 1) % tabs.length);
      else if (ev.key === 'Home') select(0);
      else if (ev.key === 'End') select(tabs.length - 1);
      else return;
      ev.preventDefault();
    });
  });
  const errors = h('div', { id: 'settings-errors' });
  const update = h('button', { type: 'button', class: 'primary', id: 'update' }, 'Update');
  put(view, h('div', { class: 'blade' },
    h('div', { role: 'tablist', 'aria-label': 'Role settings' }, tabButtons),
    panels,
    errors,
    h('div', { class: 'buttons' }, update, h('a', { class: 'button', href: subject.detailHref, text: 'Cancel' }))));

  update.addEventListener('click', async () => {
    fill(errors);
    const type = (rule: Obj): string => rule['@odata.type'];
    const patches: { rule: Obj; body: Obj }[] = [];
    const want = (rule: Obj | undefined, fields: Obj) => {
      if (!rule) return;
      const changed = Object.entries(fields).some(([k, v]) => JSON.stringify(rule[k] ?? null) !== JSON.stringify(v));
      if (changed) patches.push({ rule, body: { '@odata.type': type(rule), id: rule.id, ...fields, target: rule.target } });
    };
    // Activation → Expiration_EndUser_Assignment, Enablement_EndUser_Assignment, AuthenticationContext_EndUser_Assignment, Approval_EndUser_Assignment
    const endUserExp = r('Expiration_EndUser_Assignment');
    want(endUserExp, { isExpirationRequired: true, maximumDuration: hoursToIso(Number(maxSlider.value)) });
    const enabled = [...(mfa.input.checked ? ['MultiFactorAuthentication'] : []), ...(just.input.checked ? ['Justification'] : []), ...(ticket.input.checked ? ['Ticketing'] : [])];
    const enRule = r('Enablement_EndUser_Assignment');
    if (enRule && JSON.stringify([...enRule.enabledRules].sort()) !== JSON.stringify([...enabled].sort())) patches.push({ rule: enRule, body: { '@odata.type': type(enRule), id: enRule.id, enabledRules: enabled, target: enRule.target } });
    const acRule = r('AuthenticationContext_EndUser_Assignment');
    want(acRule, ac.input.checked ? { isEnabled: true, claimValue: acValue.value.trim() || 'c1' } : { isEnabled: false, claimValue: acRule?.claimValue ?? null });
    if (approval) {
      const chosen = approverBoxes.filter((b) => b.input.checked).map((b) => b.input.dataset.user);
      const was = approval.setting ?? {};
      const wasApprovers = (was.approvalStages?.[0]?.primaryApprovers ?? []).map((a: Obj) => a.userId ?? a.groupId);
      const changed = Boolean(was.isApprovalRequired) !== approvalReq.input.checked || (approvalReq.input.checked && JSON.stringify([...wasApprovers].sort()) !== JSON.stringify([...chosen].sort()));
      if (changed) {
        const stage = { ...(was.approvalStages?.[0] ?? {}), primaryApprovers: approvalReq.input.checked ? chosen.map((userId) => ({ '@odata.type': '#microsoft.graph.singleUser', userId })) : was.approvalStages?.[0]?.primaryApprovers ?? [] };
        patches.push({ rule: approval, body: { '@odata.type': type(approval), id: approval.id, target: approval.target, setting: { isApprovalRequired: approvalReq.input.checked, isApprovalRequiredForExtension: Boolean(was.isApprovalRequiredForExtension), isRequestorJustificationRequired: was.isRequestorJustificationRequired ?? true, approvalMode: was.approvalMode ?? 'SingleStage', approvalStages: [stage] } } });
      }
    }
    // Assignment → Expiration_Admin_Eligibility, Expiration_Admin_Assignment, Enablement_Admin_Assignment
    want(elig, { isExpirationRequired: !permElig.input.checked, maximumDuration: permElig.input.checked ? elig?.maximumDuration : eligAfter.value });
    want(asg, { isExpirationRequired: !permActive.input.checked, maximumDuration: permActive.input.checked ? asg?.maximumDuration : activeAfter.value });
    const adminRule = r('Enablement_Admin_Assignment');
    const adminWanted = [...(adminMfa.input.checked ? ['MultiFactorAuthentication'] : []), ...(adminJust.input.checked ? ['Justification'] : [])];
    if (adminRule && JSON.stringify([...adminRule.enabledRules].sort()) !== JSON.stringify([...adminWanted].sort())) patches.push({ rule: adminRule, body: { '@odata.type': type(adminRule), id: adminRule.id, enabledRules: adminWanted, target: adminRule.target } });
    // Notification → the nine Notification_* rules
    for (const n of notif) {
      if (!n.rule) continue;
      const recipients = n.extra.value.split(/[,;\s]+/).map((s: string) => s.trim()).filter(Boolean);
      const level = n.critical.checked ? 'Critical' : n.rule.notificationLevel === 'None' ? 'None' : 'All';
      want(n.rule, { isDefaultRecipientsEnabled: n.def.checked, notificationRecipients: recipients, notificationLevel: level });
    }
    if (!patches.length) {
      flash('ok', `No changes to the role settings of ${name}.`);
      return go(subject.detailHref);
    }
    update.disabled = true;
    update.setAttribute('aria-busy', 'true');
    const saved: string[] = [];
    if (subject.save) {
      try {
        await subject.save(patches);
        saved.push(...patches.map((p) => p.rule.id as string));
      } catch (e) {
        fill(errors, errorBanner(e, 'The role settings were not saved'));
        update.disabled = false;
        update.removeAttribute('aria-busy');
        return;
      }
    }
    for (const p of subject.save ? [] : patches) {
      try {
        const policyId = saved.length && subject.policyId ? await subject.policyId() : policy.id;
        await graph(`/v1.0/policies/roleManagementPolicies/${encodeURIComponent(policyId)}/rules/${p.rule.id}`, { method: 'PATCH', body: p.body });
        saved.push(p.rule.id);
      } catch (e) {
        fill(errors, errorBanner(e, `The setting “${settingWords(p.rule.id)}” was not saved${saved.length ? ` (saved before it: ${saved.map(settingWords).join('; ')})` : ''}`));
        update.disabled = false;
        update.removeAttribute('aria-busy');
        return;
      }
    }
    // Plain words for the participant; the rule ids Graph uses stay one click away (details).
    flash('ok', `Role settings updated for ${name}: ${[...new Set(saved.map(settingWords))].join('; ')}.`, { details: [`${subject.ruleIdsBy ?? 'Microsoft Graph'} rule ids`, saved.join(', ')] });
    go(subject.detailHref);
  });
}
