import { graph, list } from '../api.js';
import { emuNow } from '../clock.js';
import { PAG } from '../config.js';
import { h, fill, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { ACCESS, accessWord, expiredFrom, groupKind, groupName, groupPolicyRules, groupRequestsAsRoles, groupsById, principalLabel, scheduleWindow, usersById } from '../pim.js';
import { go, redirect, render } from '../router.js';
import { actions, confirmDialog, header, PIM_CRUMB, table, tabsNav, type Crumb } from '../ui.js';
import { assignmentSettingsOf, scheduleInfoOf, twoStepAssignmentPane } from './assignment-panes.js';
import { modifiedText, settingsDetailBody, settingsEditBody } from './settings.js';
import type { ScheduleKind } from '../pim.js';
import type { Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ Manage › Groups (PIM for Groups)
// The admin's side of PIM for Groups, as the Entra portal's Groups blade: the groups, then for one
// group its assignments (eligible / active / expired, add and remove, for membership and ownership),
// its members and owners as the directory has them now, and its settings (one policy for members,
// one for owners, read and edited as a role's settings are).

const GROUPS_CRUMB: Crumb = ['Groups', '#/pim/groups'];
const lower = (v: unknown): string => String(v ?? '').toLowerCase();

export async function groupsListView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB, GROUPS_CRUMB], title: 'Groups | Privileged Identity Management', subtitle: 'Just-in-time membership and ownership of groups. Select a group to see its assignments and settings.' });
  const groups = await groupsById();
  if (stale()) return;
  const filter = h('input', { type: 'search', id: 'group-filter', placeholder: 'Search by group name', value: route.query.get('q') ?? '' });
  const holder = h('div');
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = [...groups.values()].filter((g) => !q || String(g.displayName).toLowerCase().includes(q)).sort((x, y) => String(x.displayName).localeCompare(String(y.displayName)));
    fill(holder, table(['Group', 'Type', 'Description'], rows.map((g) => [h('a', { href: `#/pim/groups/${g.id}`, text: g.displayName }), groupKind(g), g.description ?? '']), ['No groups match']));
  };
  filter.addEventListener('input', paint);
  paint();
  put(view, h('div', { class: 'blade' }, h('div', { class: 'filterbar' }, h('label', { for: 'group-filter', class: 'sr-only', text: 'Search by group name' }), filter), holder));
}

/** #/pim/groups/{id}/{assignments|members|settings}/…: one group's pages behind its left menu. */
export async function groupView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const groupId = route.parts[2];
  const page = route.parts[3];
  if (!['assignments', 'members', 'settings'].includes(page)) return redirect(`#/pim/groups/${groupId}/assignments/eligible`);
  const groups = await groupsById();
  if (stale()) return;
  const group = groups.get(groupId);
  const name = groupName(groups, groupId);
  const base = `#/pim/groups/${groupId}`;
  const words: Record<string, string> = { assignments: 'Assignments', members: 'Members and owners', settings: 'Settings' };
  const crumbs: Crumb[] = [PIM_CRUMB, GROUPS_CRUMB, [name, base]];
  header(view, { crumbs, title: `${name} | ${words[page]}`, subtitle: group ? `${groupKind(group)} group${group.description ? ` \u00b7 ${group.description}` : ''}` : undefined });
  const body = h('div', { class: 'subnav-body' });
  put(view, h('div', { class: 'with-subnav' },
    h('nav', { class: 'subnav', 'aria-label': name },
      h('div', { class: 'group', text: 'Manage' }),
      ['assignments', 'members', 'settings'].map((p) => h('a', { href: `${base}/${p}`, 'aria-current': p === page ? 'page' : undefined, text: words[p] }))),
    body));
  if (page === 'assignments') await assignmentsPage(view, body, { groupId, name, route, stale });
  else if (page === 'members') await membersPage(body, groupId, stale);
  else await settingsPage(body, { groupId, name, route, stale });
}

// ---- Assignments

interface PageOptions {
  groupId: string;
  name: string;
  route: Route;
  stale: Stale;
}
interface Row {
  principalId: string;
  accessId: string;
  state: string;
  start?: number | null;
  end: number | null;
  kind: ScheduleKind;
  /** A membership made outside PIM (Graph lists it as an assigned assignment, start and end null). */
  direct: boolean;
}

async function assignmentsPage(view: HTMLElement, body: HTMLElement, { groupId, name, route, stale }: PageOptions): Promise<void> {
  const base = `#/pim/groups/${groupId}/assignments`;
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[4]) ? route.parts[4] : null;
  if (!tab) return redirect(`${base}/eligible`);
  put(body,
    h('div', { class: 'commandbar' },
      h('button', { type: 'button', class: 'command', id: 'add-assignments', onclick: () => go(`${base}/${tab}/add`) }, '+ Add assignments'),
      h('a', { class: 'button command', href: `#/pim/groups/${groupId}/settings`, text: '\u2699 Settings' }),
      h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    tabsNav('Assignment state', [
      ['eligible', 'Eligible assignments', `${base}/eligible`],
      ['active', 'Active assignments', `${base}/active`],
      ['expired', 'Expired assignments', `${base}/expired`],
    ], tab));
  const byGroup = `?$filter=${encodeURIComponent(`groupId eq '${groupId}'`)}`;
  const users = await usersById().catch(() => new Map<string, Obj>());
  let rows: Row[];
  if (tab === 'expired') {
    const [a, e] = await Promise.all([list(`${PAG}/assignmentScheduleRequests${byGroup}`), list(`${PAG}/eligibilityScheduleRequests${byGroup}`)]);
    const now = emuNow();
    rows = [...expiredFrom(groupRequestsAsRoles(a), 'assignment', now), ...expiredFrom(groupRequestsAsRoles(e), 'eligibility', now)].sort((x, y) => y.end - x.end)
      .map((x) => ({ principalId: x.request.principalId, accessId: lower(x.request.accessId), state: x.state, start: x.start, end: x.end, kind: x.kind, direct: false }));
  } else {
    const kind: ScheduleKind = tab === 'eligible' ? 'eligibility' : 'assignment';
    const schedules = await list(`${PAG}/${kind === 'eligibility' ? 'eligibilitySchedules' : 'assignmentSchedules'}${byGroup}`);
    rows = schedules.map((s) => {
      const direct = !s.scheduleInfo?.startDateTime;
      const w = direct ? null : scheduleWindow({ scheduleInfo: s.scheduleInfo, createdDateTime: s.createdDateTime });
      const state = kind === 'eligibility' ? 'Eligible' : lower(s.assignmentType) === 'activated' ? 'Activated' : 'Assigned';
      return { principalId: s.principalId, accessId: lower(s.accessId), state, start: w?.start ?? null, end: w?.end ?? null, kind, direct };
    });
  }
  if (stale()) return;
  const cols = ['Name', 'Principal name', 'Role', 'State', 'Start time', 'End time', ...(tab === 'expired' ? [] : ['Action'])];
  put(body, h('div', { id: 'assignments' }, table(cols, rows.map((r) => {
    const u = users.get(r.principalId);
    const who = principalLabel(u) || r.principalId;
    const role = accessWord(r.accessId);
    const cells = [who, u?.userPrincipalName ?? '-', role, r.direct ? 'Assigned (outside PIM)' : r.state, r.start ? fmt(r.start) : '-', r.end === null ? 'Permanent' : fmt(r.end)];
    if (tab !== 'expired') {
      cells.push(actions(r.direct
        ? h('span', { class: 'hint', text: 'Direct membership' })
        : r.state === 'Activated'
          ? h('span', { class: 'hint', text: 'Activated by the user' })
          : h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${who} as ${role.toLowerCase()} of ${name}`, onclick: () => removeAssignment(groupId, name, r, who) }, 'Remove')));
    }
    return cells;
  }), [tab === 'eligible' ? 'No eligible assignments found' : tab === 'active' ? 'No active assignments found' : 'No expired assignments found', tab === 'eligible' ? 'Add assignments makes a user eligible for this group\u2019s membership or ownership.' : ''])));
  if (route.parts[5] === 'add') await addPane(view, { groupId, name, back: `${base}/${tab}`, stale });
}

async function removeAssignment(groupId: string, name: string, r: Row, who: string): Promise<void> {
  const role = accessWord(r.accessId).toLowerCase();
  if (!(await confirmDialog('Remove assignment', `Remove ${who}'s ${r.kind === 'eligibility' ? 'eligible' : 'active'} assignment as ${role} of ${name}?`, 'Remove'))) return;
  try {
    await graph(`${PAG}/${r.kind === 'eligibility' ? 'eligibilityScheduleRequests' : 'assignmentScheduleRequests'}`, {
      method: 'POST',
      body: { action: 'adminRemove', principalId: r.principalId, accessId: r.accessId, groupId },
    });
    flash('ok', `Removed: ${who} is no longer ${r.kind === 'eligibility' ? 'eligible as' : 'assigned as'} ${role} of ${name}.`);
    void render();
  } catch (e) {
    showInline(e, 'The assignment was not removed');
  }
}

/** Add assignments: Membership (Member or Owner, the users), then Setting (type, dates, justification). */
async function addPane(view: HTMLElement, { groupId, name, back, stale }: { groupId: string; name: string; back: string; stale: Stale }): Promise<void> {
  const policies = new Map<string, Obj | null>();
  const policyOf = async (accessId: string) => {
    if (!policies.has(accessId)) policies.set(accessId, await groupPolicyRules(groupId, accessId).catch(() => null));
    return policies.get(accessId)!;
  };
  await policyOf('member');
  if (stale()) return;
  twoStepAssignmentPane(view, {
    subtitle: `Privileged Identity Management | Groups \u00b7 ${name}`,
    back,
    on: ['Group: ', name],
    roles: ACCESS.map((a) => [a, accessWord(a)]),
    role: 'member',
    settings: async (accessId) => {
      const policy = await policyOf(accessId);
      return policy ? assignmentSettingsOf(policy) : null;
    },
    what: (accessId) => `${accessWord(accessId).toLowerCase()} of ${name}`,
    assign: (accessId, u, v) => graph(`${PAG}/${v.kind === 'eligibility' ? 'eligibilityScheduleRequests' : 'assignmentScheduleRequests'}`, {
      method: 'POST',
      body: { action: 'adminAssign', accessId, groupId, principalId: u.id, ...(v.justification ? { justification: v.justification } : {}), scheduleInfo: scheduleInfoOf(v) },
    }),
  });
}

// ---- Members and owners (the directory as it is now: direct and PIM-activated alike)

async function membersPage(body: HTMLElement, groupId: string, stale: Stale): Promise<void> {
  put(body, h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    h('p', { class: 'hint', text: 'Who is a member or owner of the group right now (Microsoft Graph /groups/{id}/members and /owners): direct memberships and active PIM assignments alike. An eligible user shows here only while an activation lasts.' }));
  const [members, owners] = await Promise.all([
    list(`/v1.0/groups/${groupId}/members`),
    list(`/v1.0/groups/${groupId}/owners`),
  ]);
  if (stale()) return;
  const section = (id: string, title: string, who: Obj[]) => h('section', { class: 'blade', 'aria-labelledby': id },
    h('h2', { id, text: title }),
    table(['Name', 'Principal name'], who.map((p) => [principalLabel(p), p.userPrincipalName ?? '-']), [`No ${title.toLowerCase()}`]));
  put(body, h('div', { id: 'group-members' }, section('members-title', 'Members', members)), h('div', { id: 'group-owners' }, section('owners-title', 'Owners', owners)));
}

// ---- Settings: Member and Owner, each a role's settings page over the group's policy

async function settingsPage(body: HTMLElement, { groupId, name, route, stale }: PageOptions): Promise<void> {
  const base = `#/pim/groups/${groupId}/settings`;
  const accessId = route.parts[4];
  if (!accessId) {
    const policies = await Promise.all(ACCESS.map((a) => groupPolicyRules(groupId, a)));
    if (stale()) return;
    put(body, h('p', { class: 'hint', text: 'Each role of the group has its own settings: how it is activated and assigned, and who is told.' }),
      table(['Role', 'Modified', 'Last modified'], ACCESS.map((a, i) => [h('a', { href: `${base}/${a}`, text: accessWord(a) }), policies[i].lastModifiedDateTime ? 'Yes' : 'No', fmt(policies[i].lastModifiedDateTime)]), ['No roles']));
    return;
  }
  if (!(ACCESS as readonly string[]).includes(accessId)) return redirect(base);
  const role = accessWord(accessId);
  const [policy, users] = await Promise.all([groupPolicyRules(groupId, accessId), usersById().catch(() => new Map<string, Obj>())]);
  if (stale()) return;
  const subject = {
    name: `${role} - ${name}`,
    detailHref: `${base}/${accessId}`,
    assignmentsHref: `#/pim/groups/${groupId}/assignments`,
    policyId: async () => (await groupPolicyRules(groupId, accessId)).id as string,
  };
  if (route.parts[5] === 'edit') {
    put(body, h('h2', { text: `Edit role setting - ${role}`, id: 'settings-title' }), h('p', { class: 'subtitle', text: 'Privileged Identity Management | Groups' }));
    settingsEditBody(body, route, policy, users, subject);
  } else {
    put(body, h('h2', { text: `Role setting details - ${role}`, id: 'settings-title' }), h('p', { class: 'subtitle', text: modifiedText(policy) }));
    await settingsDetailBody(body, policy, subject);
  }
}
