import { graph, list } from '../api.js';
import { emuNow } from '../clock.js';
import { RM } from '../config.js';
import { h, fill, put, announce } from '../dom.js';
import { errorBanner } from '../errors.js';
import { flash } from '../flash.js';
import { fmt, toLocalInput, durationMs, DAY, describeDuration } from '../format.js';
import { roleName, scheduleWindow, principalLabel, policyRules, ruleOf } from '../pim.js';
import { go } from '../router.js';
import { pane } from '../ui.js';
import type { Obj, RoleMap, Stale } from '../types.js';
import type { ScheduleKind } from '../pim.js';

/** What the role settings allow an admin for one kind of assignment. */
export interface KindSettings {
  permanentAllowed: boolean;
  maxMs: number;
  maxText: string;
  justification: boolean;
  mfa: boolean;
}
export type AssignmentSettings = Record<ScheduleKind, KindSettings>;
/** What the assignment form says: the type, permanence, dates and justification chosen. */
export interface AssignmentChoice {
  kind: ScheduleKind;
  permanent: boolean;
  startIso?: string;
  endIso?: string;
  justification: string;
}

/** What the role settings allow an admin to assign (Expiration_Admin_*, Enablement_Admin_*), or null. */
async function assignmentSettings(roleId: string): Promise<AssignmentSettings | null> {
  try {
    return assignmentSettingsOf(await policyRules(roleId));
  } catch {
    return null;
  }
}
/** What a policy's rules allow an admin to assign: a role's or a group's membership/ownership. */
export function assignmentSettingsOf(p: Obj): AssignmentSettings {
  const view = (kind: ScheduleKind): KindSettings => {
    const exp = ruleOf(p, kind === 'eligibility' ? 'Expiration_Admin_Eligibility' : 'Expiration_Admin_Assignment');
    const en = ruleOf(p, kind === 'eligibility' ? 'Enablement_Admin_Eligibility' : 'Enablement_Admin_Assignment')?.enabledRules ?? [];
    return { permanentAllowed: !exp?.isExpirationRequired, maxMs: durationMs(exp?.maximumDuration), maxText: describeDuration(exp?.maximumDuration), justification: en.includes('Justification'), mfa: en.includes('MultiFactorAuthentication') };
  };
  return { eligibility: view('eligibility'), assignment: view('assignment') };
}

/** Assignment type, permanence, start/end and justification: shared by Add assignments and Update. */
interface FormOptions {
  settings: AssignmentSettings | null;
  kind: ScheduleKind;
  permanent: boolean;
  start: number | null | undefined;
  end: number | null | undefined;
  justification: string;
}
export function assignmentSettingsForm({ settings, kind, permanent, start, end, justification }: FormOptions): { fields: HTMLElement[]; read: () => AssignmentChoice } {
  const now = emuNow();
  const typeEligible = h('input', { type: 'radio', name: 'assignment-type', id: 'type-eligible', value: 'eligibility', checked: kind === 'eligibility' });
  const typeActive = h('input', { type: 'radio', name: 'assignment-type', id: 'type-active', value: 'assignment', checked: kind === 'assignment' });
  const perm = h('input', { type: 'checkbox', id: 'permanent', checked: permanent });
  const permLabel = h('label', { for: 'permanent', class: 'inline' });
  const permHint = h('p', { class: 'hint', id: 'permanent-hint' });
  const startInput = h('input', { type: 'datetime-local', id: 'starts', value: toLocalInput(start ?? now) });
  const endInput = h('input', { type: 'datetime-local', id: 'ends', value: toLocalInput(end ?? now + 365 * DAY) });
  const endLabel = h('label', { for: 'ends', text: 'Assignment ends' });
  const dates = h('div', { id: 'dates' }, h('label', { for: 'starts', text: 'Assignment starts' }), startInput, endLabel, endInput);
  const justificationLabel = h('label', { for: 'justification', text: 'Enter justification' });
  const justificationBox = h('textarea', { id: 'justification', maxlength: '500' });
  justificationBox.value = justification ?? '';
  let startTouched = false;
  startInput.addEventListener('input', () => (startTouched = true));
  const current = (): ScheduleKind => (typeActive.checked ? 'assignment' : 'eligibility');
  const sync = () => {
    const k = current();
    const s = settings?.[k];
    permLabel.textContent = k === 'eligibility' ? 'Permanently eligible' : 'Permanently assigned';
    perm.disabled = s ? !s.permanentAllowed : false;
    if (perm.disabled) perm.checked = false;
    permHint.textContent = !s
      ? ''
      : s.permanentAllowed
        ? `The role settings allow permanent ${k === 'eligibility' ? 'eligible' : 'active'} assignments.`
        : `The role settings require an end date: ${k === 'eligibility' ? 'eligible' : 'active'} assignments expire after at most ${s.maxText}.`;
    endInput.disabled = perm.checked;
    endLabel.hidden = perm.checked;
    endInput.hidden = perm.checked;
    justificationLabel.className = s?.justification ? 'required' : '';
  };
  [typeEligible, typeActive, perm].forEach((el) => el.addEventListener('change', sync));
  sync();
  const fields = [
    h('fieldset', {}, h('legend', { text: 'Assignment type' }),
      h('div', { class: 'radio-row' },
        h('label', { for: 'type-eligible' }, typeEligible, 'Eligible'),
        h('label', { for: 'type-active' }, typeActive, 'Active')),
      h('p', { class: 'hint', text: 'Eligible: the user may use the role but must activate it (just in time). Active: the role is on without activation.' })),
    h('div', { class: 'check' }, perm, permLabel),
    permHint,
    dates,
    justificationLabel, justificationBox,
  ];
  const read = (): AssignmentChoice => {
    const k = current();
    const startMs = new Date(startInput.value).getTime();
    return {
      kind: k,
      permanent: perm.checked,
      startIso: startTouched && !Number.isNaN(startMs) ? new Date(startMs).toISOString() : undefined,
      endIso: perm.checked ? undefined : new Date(endInput.value).toISOString(),
      justification: justificationBox.value.trim(),
    };
  };
  return { fields, read };
}

export function scheduleInfoOf(v: AssignmentChoice): Obj {
  return {
    ...(v.startIso ? { startDateTime: v.startIso } : {}),
    expiration: v.permanent ? { type: 'noExpiration' } : { type: 'afterDateTime', endDateTime: v.endIso },
  };
}

export async function addAssignmentPane(view: HTMLElement, { roleId, map, back, stale }: { roleId: string | null; map: RoleMap; back: string; stale: Stale }): Promise<void> {
  let chosenRole = roleId ?? [...map.values()].find((r) => r.displayName === 'Security Reader')?.id ?? [...map.keys()][0];
  let settings = await assignmentSettings(chosenRole);
  if (stale()) return;
  const selected = new Map<string, Obj>();
  const step = { n: 1 };
  const bodyEl = h('div');
  const footEl = h('div', { class: 'buttons', style: 'margin:0' });
  const errors = h('div', { id: 'add-errors' });
  const paneEl = pane(view, { title: 'Add assignments', subtitle: `Privileged Identity Management | Microsoft Entra roles${roleId ? ` \u00b7 ${roleName(map, roleId)}` : ''}`, onClose: () => go(back), body: [bodyEl, errors], foot: [footEl] });
  let form: ReturnType<typeof assignmentSettingsForm>;

  const membership = () => {
    const roleSelect = roleId ? null : h('select', { id: 'role-select', value: chosenRole }, [...map.values()].sort((x, y) => x.displayName.localeCompare(y.displayName)).map((r) => h('option', { value: r.id, text: r.displayName })));
    roleSelect?.addEventListener('change', async () => {
      chosenRole = roleSelect.value;
      settings = await assignmentSettings(chosenRole);
    });
    const { picker, selectedList, paintSelected, open } = memberPicker(selected, () => next);
    const next = h('button', { type: 'button', class: 'primary', id: 'next', disabled: true, onclick: () => {
      step.n = 2;
      paint();
    } }, 'Next >');
    fill(bodyEl, 
      h('p', { class: 'hint', text: 'Membership' }),
      roleSelect ? [h('label', { for: 'role-select', text: 'Select role' }), roleSelect] : h('p', {}, h('strong', { text: 'Role: ' }), roleName(map, chosenRole)),
      h('p', {}, h('strong', { text: 'Scope type: ' }), 'Directory'),
      h('p', {}, h('button', { type: 'button', class: 'link', id: 'select-members', onclick: open }, 'Select member(s)')),
      picker,
      selectedList);
    fill(footEl, next, h('button', { type: 'button', onclick: () => go(back) }, 'Cancel'));
    paintSelected();
  };

  const setting = () => {
    form = assignmentSettingsForm({ settings, kind: 'eligibility', permanent: Boolean(settings?.eligibility.permanentAllowed ?? true), start: null, end: null, justification: '' });
    fill(bodyEl, h('p', { class: 'hint', text: `Setting \u00b7 ${roleName(map, chosenRole)} \u00b7 ${[...selected.values()].map((u) => u.displayName).join(', ')}` }), form.fields);
    const assign = h('button', { type: 'button', class: 'primary', id: 'assign' }, 'Assign');
    assign.addEventListener('click', async () => {
      fill(errors);
      const v = form.read();
      assign.disabled = true;
      const done: string[] = [];
      try {
        for (const u of selected.values()) {
          await graph(`${RM}/${v.kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`, {
            method: 'POST',
            body: { action: 'adminAssign', principalId: u.id, roleDefinitionId: chosenRole, directoryScopeId: '/', ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) },
          });
          done.push(u.displayName);
        }
        flash('ok', `Added: ${done.join(', ')} ${v.kind === 'eligibility' ? `${v.permanent ? 'permanently ' : ''}eligible for` : `${v.permanent ? 'permanently ' : ''}assigned (active)`} ${roleName(map, chosenRole)}.`);
        go(roleId ? `#/pim/roles/${roleId}/${v.kind === 'eligibility' ? 'eligible' : 'active'}` : `#/pim/assignments/${v.kind === 'eligibility' ? 'eligible' : 'active'}`);
      } catch (e) {
        fill(errors, errorBanner(e, done.length ? `Assigned ${done.join(', ')}, then the next assignment failed` : 'The assignment failed'));
        assign.disabled = false;
      }
    });
    fill(footEl, h('button', { type: 'button', onclick: () => {
      step.n = 1;
      paint();
    } }, '< Prev'), assign, h('button', { type: 'button', onclick: () => go(back) }, 'Cancel'));
  };
  const paint = () => {
    fill(errors);
    if (step.n === 1) membership();
    else setting();
    paneEl.querySelector('h2')?.focus();
  };
  paint();
}

export async function updateAssignmentPane(view: HTMLElement, { kind, scheduleId, map, back, stale }: { kind: ScheduleKind; scheduleId: string; map: RoleMap; back: string; stale: Stale }): Promise<void> {
  const segment = kind === 'eligibility' ? 'roleEligibilitySchedules' : 'roleAssignmentSchedules';
  let s;
  try {
    s = await graph(`${RM}/${segment}/${encodeURIComponent(scheduleId)}?$expand=principal`);
  } catch (e) {
    put(view, errorBanner(e, 'The assignment could not be read'));
    return;
  }
  const settings = await assignmentSettings(s.roleDefinitionId);
  if (stale()) return;
  const rn = roleName(map, s.roleDefinitionId);
  const who = principalLabel(s.principal) || s.principalId;
  const w = scheduleWindow({ scheduleInfo: s.scheduleInfo, createdDateTime: s.createdDateTime });
  const form = assignmentSettingsForm({ settings, kind, permanent: w?.end === null, start: w?.start, end: w?.end, justification: '' });
  const errors = h('div', { id: 'update-errors' });
  const save = h('button', { type: 'button', class: 'primary', id: 'save' }, 'Save');
  pane(view, {
    title: 'Membership settings',
    subtitle: `Update \u00b7 ${who} \u00b7 ${rn}`,
    onClose: () => go(back),
    body: [form.fields, errors],
    foot: [save, h('button', { type: 'button', onclick: () => go(back) }, 'Cancel')],
  });
  save.addEventListener('click', async () => {
    fill(errors);
    const v = form.read();
    const base = { principalId: s.principalId, roleDefinitionId: s.roleDefinitionId, directoryScopeId: s.directoryScopeId ?? '/' };
    const col = (k: ScheduleKind): string => `${RM}/${k === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`;
    save.disabled = true;
    try {
      if (v.kind === kind) {
        await graph(col(kind), { method: 'POST', body: { action: 'adminUpdate', ...base, ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) } });
      } else {
        // Changing the type: the new assignment first, so a refusal leaves the old one in place.
        await graph(col(v.kind), { method: 'POST', body: { action: 'adminAssign', ...base, ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) } });
        await graph(col(kind), { method: 'POST', body: { action: 'adminRemove', ...base } });
      }
      flash('ok', `Updated: ${who} is now ${v.kind === 'eligibility' ? 'eligible for' : 'assigned (active)'} ${rn}${v.permanent ? ', permanently' : ` until ${fmt(v.endIso)}`}.`);
      go(back.replace(/\/(eligible|active)$/, `/${v.kind === 'eligibility' ? 'eligible' : 'active'}`));
    } catch (e) {
      fill(errors, errorBanner(e, 'The assignment was not updated'));
      save.disabled = false;
    }
  });
}

/**
 * The Select member(s) picker of Add assignments: a user search with checkboxes into `selected`;
 * Select closes it and moves on to `next` (enabled once someone is selected).
 */
export function memberPicker(selected: Map<string, Obj>, next: () => HTMLButtonElement): { picker: HTMLElement; selectedList: HTMLElement; paintSelected: () => void; open: () => void } {
  const search = h('input', { type: 'search', id: 'member-search', placeholder: 'Search', 'aria-controls': 'member-results' });
  const results = h('ul', { id: 'member-results', class: 'plain', style: 'list-style:none;padding:0;margin:8px 0' });
  const picker = h('div', { id: 'member-picker', hidden: true },
    h('h3', { text: 'Select a member' }),
    h('label', { for: 'member-search', text: 'Search users' }), search, results,
    h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'member-select', onclick: () => {
      picker.hidden = true;
      paintSelected();
      announce(`${selected.size} member(s) selected.`);
      next().focus();
    } }, 'Select')));
  const selectedList = h('div', { id: 'selected-members' });
  const paintSelected = () => {
    fill(selectedList, selected.size
      ? h('div', {}, h('strong', { text: 'Selected member(s): ' }), [...selected.values()].map((u) => `${u.displayName} (${u.userPrincipalName})`).join(', '))
      : h('p', { class: 'hint', text: 'No member selected' }));
    next().disabled = selected.size === 0;
  };
  let seq = 0;
  const find = async () => {
    const mine = ++seq;
    const q = search.value.trim().replace(/'/g, "''");
    const path = q
      ? `/v1.0/users?$filter=${encodeURIComponent(`startswith(displayName,'${q}') or startswith(userPrincipalName,'${q}')`)}&$select=id,displayName,userPrincipalName&$top=25`
      : '/v1.0/users?$select=id,displayName,userPrincipalName&$top=25';
    try {
      const users = await list(path);
      if (mine !== seq) return;
      fill(results, ...(users.length ? users.map((u) => {
        const box = h('input', { type: 'checkbox', id: `member-${u.id}`, checked: selected.has(u.id) });
        box.addEventListener('change', () => (box.checked ? selected.set(u.id, u) : selected.delete(u.id)));
        return h('li', { class: 'check' }, box, h('label', { for: `member-${u.id}`, class: 'inline', text: `${u.displayName} (${u.userPrincipalName})` }));
      }) : [h('li', { class: 'hint', text: 'No users match.' })]));
    } catch (e) {
      fill(results, h('li', {}, errorBanner(e, 'Users could not be searched')));
    }
  };
  search.addEventListener('input', () => void find());
  const open = () => {
    picker.hidden = false;
    search.focus();
    void find();
  };
  return { picker, selectedList, paintSelected, open };
}

/** What a two-step Add assignments pane (Membership, then Setting) needs from its page. */
export interface TwoStepAssignment {
  subtitle: string;
  back: string;
  /** What the assignment is on, as the Membership step names it: ['Group: ', 'Cloud Engineers']. */
  on: [string, string];
  /** The roles to choose from ([value, label]) and the one chosen first. */
  roles: [string, string][];
  role: string;
  /** The chosen role's settings, or null when they cannot be read. */
  settings: (role: string) => Promise<AssignmentSettings | null>;
  /** The chosen role and what it is on, in words ("member of Cloud Engineers"). */
  what: (role: string) => string;
  /** Sends one user's assignment. */
  assign: (role: string, user: Obj, v: AssignmentChoice) => Promise<unknown>;
}

/**
 * Add assignments for a group's membership or an Azure role: Membership (a role, the users), then
 * Setting (type, dates, justification within the role's settings), one request per user.
 */
export function twoStepAssignmentPane(view: HTMLElement, o: TwoStepAssignment): void {
  let role = o.role;
  const selected = new Map<string, Obj>();
  const bodyEl = h('div');
  const footEl = h('div', { class: 'buttons', style: 'margin:0' });
  const errors = h('div', { id: 'add-errors' });
  const paneEl = pane(view, { title: 'Add assignments', subtitle: o.subtitle, onClose: () => go(o.back), body: [bodyEl, errors], foot: [footEl] });

  const membership = () => {
    const roleSelect = h('select', { id: 'role-select', value: role }, o.roles.map(([value, text]) => h('option', { value, text })));
    roleSelect.addEventListener('change', () => (role = roleSelect.value));
    const { picker, selectedList, paintSelected, open } = memberPicker(selected, () => next);
    const next = h('button', { type: 'button', class: 'primary', id: 'next', disabled: true, onclick: () => void setting() }, 'Next >');
    fill(bodyEl,
      h('p', { class: 'hint', text: 'Membership' }),
      h('p', {}, h('strong', { text: o.on[0] }), o.on[1]),
      h('label', { for: 'role-select', text: 'Select role' }), roleSelect,
      h('p', {}, h('button', { type: 'button', class: 'link', id: 'select-members', onclick: open }, 'Select member(s)')),
      picker,
      selectedList);
    fill(footEl, next, h('button', { type: 'button', onclick: () => go(o.back) }, 'Cancel'));
    paintSelected();
    paneEl.querySelector('h2')?.focus();
  };

  const setting = async () => {
    fill(errors);
    const settings = await o.settings(role);
    // Settings that require an end date within a year (a group's, an Azure role's): the form starts within them.
    const maxEnd = settings && !settings.eligibility.permanentAllowed && settings.eligibility.maxMs < 365 * DAY ? emuNow() + settings.eligibility.maxMs : null;
    const form = assignmentSettingsForm({ settings, kind: 'eligibility', permanent: Boolean(settings?.eligibility.permanentAllowed ?? false), start: null, end: maxEnd, justification: '' });
    const what = o.what(role);
    fill(bodyEl, h('p', { class: 'hint', text: `Setting \u00b7 ${what.charAt(0).toUpperCase()}${what.slice(1)} \u00b7 ${[...selected.values()].map((u) => u.displayName).join(', ')}` }), form.fields);
    const assign = h('button', { type: 'button', class: 'primary', id: 'assign' }, 'Assign');
    assign.addEventListener('click', async () => {
      fill(errors);
      const v = form.read();
      assign.disabled = true;
      const done: string[] = [];
      try {
        for (const u of selected.values()) {
          await o.assign(role, u, v);
          done.push(u.displayName);
        }
        flash('ok', `Added: ${done.join(', ')} ${v.kind === 'eligibility' ? 'eligible' : 'assigned (active)'} as ${o.what(role)}${v.permanent ? ', permanently' : ` until ${fmt(v.endIso)}`}.`);
        go(o.back.replace(/\/(eligible|active|expired)(?=\?|$)/, `/${v.kind === 'eligibility' ? 'eligible' : 'active'}`));
      } catch (e) {
        fill(errors, errorBanner(e, done.length ? `Assigned ${done.join(', ')}, then the next assignment failed` : 'The assignment failed'));
        assign.disabled = false;
      }
    });
    fill(footEl, h('button', { type: 'button', onclick: membership }, '< Prev'), assign, h('button', { type: 'button', onclick: () => go(o.back) }, 'Cancel'));
    paneEl.querySelector('h2')?.focus();
  };
  membership();
}
