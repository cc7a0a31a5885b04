import { graph, list } from '../api.js';
import { emuNow } from '../clock.js';
import { RM } from '../config.js';
import { h, fill, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { expiredFrom, roles, roleName, scheduleWindow, principalLabel } from '../pim.js';
import { go, redirect, render } from '../router.js';
import { header, PIM_CRUMB, tabsNav, table, actions, confirmDialog } from '../ui.js';
import { addAssignmentPane, updateAssignmentPane } from './assignment-panes.js';
import type { ScheduleKind } from '../pim.js';
import type { Obj, RoleMap, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ Manage › Roles, Assignments (Phases 3 and 5)

export async function rolesListView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB, ['Roles', '#/pim/roles']], title: 'Roles | Microsoft Entra roles', subtitle: 'Select a role to see and add its assignments.' });
  const map = await roles();
  if (stale()) return;
  const filter = h('input', { type: 'search', id: 'role-filter', placeholder: 'Search by role name', value: route.query.get('q') ?? '' });
  const holder = h('div');
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = [...map.values()].filter((r) => !q || r.displayName.toLowerCase().includes(q)).sort((x, y) => x.displayName.localeCompare(y.displayName));
    fill(holder, table(['Role', 'Description', 'Type'], rows.map((r) => [h('a', { href: `#/pim/roles/${r.id}`, text: r.displayName }), r.description ?? '', r.isBuiltIn === false ? 'Custom role' : 'Built-in role']), ['No roles match']));
  };
  filter.addEventListener('input', paint);
  paint();
  put(view, h('div', { class: 'blade' }, h('div', { class: 'filterbar' }, h('label', { for: 'role-filter', class: 'sr-only', text: 'Search by role name' }), filter), holder));
}

export async function roleAssignmentsView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const roleId = route.parts[2];
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[3]) ? route.parts[3] : null;
  if (!tab) return redirect(`#/pim/roles/${roleId}/eligible`);
  const map = await roles();
  const name = roleName(map, roleId);
  header(view, { crumbs: [PIM_CRUMB, ['Roles', '#/pim/roles'], [name, `#/pim/roles/${roleId}`]], title: `${name} | Assignments`, subtitle: map.get(roleId)?.description ?? '' });
  await assignmentsBody(view, { roleId, tab, base: `#/pim/roles/${roleId}`, map, route, stale });
}

export async function allAssignmentsView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[2]) ? route.parts[2] : null;
  if (!tab) return redirect('#/pim/assignments/eligible');
  const map = await roles();
  header(view, { crumbs: [PIM_CRUMB, ['Assignments', '#/pim/assignments']], title: 'Assignments | Microsoft Entra roles', subtitle: 'Every eligible and active assignment. Update changes the type or the end; Remove strips the role.' });
  await assignmentsBody(view, { roleId: null, tab, base: '#/pim/assignments', map, route, stale });
}

/** What was typed in each assignments list's search box, kept across re-renders (after Remove, say). */
const filterMemory = new Map<string, string>();

/** The Eligible / Active / Expired tabs of one role (roleId) or of all roles, with Update and Remove. */
/** One row of an assignments list: a schedule in force, or one that expired. */
interface Row {
  principal?: Obj;
  principalId: string;
  roleId: string;
  state: string;
  start?: number;
  end: number | null;
  kind: ScheduleKind;
  schedule: Obj | null;
}
interface BodyOptions {
  roleId: string | null;
  tab: string;
  base: string;
  map: RoleMap;
  route: Route;
  stale: Stale;
}
async function assignmentsBody(view: HTMLElement, { roleId, tab, base, map, route, stale }: BodyOptions): Promise<void> {
  // What follows the tab in the route: add, or update/{kind}/{scheduleId}.
  const sub = route.parts.slice(roleId ? 4 : 3);
  const blade = h('div', { class: 'blade' });
  put(view, blade);
  put(blade, h('div', { class: 'commandbar' },
    h('button', { type: 'button', class: 'command', id: 'add-assignments', onclick: () => go(`${base}/${tab}/add`) }, '+ Add assignments'),
    roleId ? h('a', { class: 'button command', href: `#/pim/settings/${roleId}`, text: '\u2699 Settings' }) : null,
    h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')));
  put(blade, tabsNav('Assignment state', [
    ['eligible', 'Eligible assignments', `${base}/eligible`],
    ['active', 'Active assignments', `${base}/active`],
    ['expired', 'Expired assignments', `${base}/expired`],
  ], tab));
  const filter = h('input', { type: 'search', id: 'assignment-filter', placeholder: 'Search by member name or principal name', value: route.query.get('q') ?? filterMemory.get(base) ?? '' });
  filter.addEventListener('input', () => filterMemory.set(base, filter.value));
  put(blade, h('div', { class: 'filterbar' }, h('label', { for: 'assignment-filter', class: 'sr-only', text: 'Search by member name or principal name' }), filter));
  const holder = h('div', { id: 'assignments' });
  put(blade, holder);

  const roleFilter = roleId ? `?$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}&$expand=principal` : '?$expand=principal';
  let rows: Row[];
  if (tab === 'expired') {
    const rf = roleId ? `?$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}&$expand=principal` : '?$expand=principal';
    const [a, e] = await Promise.all([list(`${RM}/roleAssignmentScheduleRequests${rf}`), list(`${RM}/roleEligibilityScheduleRequests${rf}`)]);
    const now = emuNow();
    rows = [...expiredFrom(a, 'assignment', now), ...expiredFrom(e, 'eligibility', now)].sort((x, y) => y.end - x.end)
      .map((x) => ({ principal: x.request.principal, principalId: x.request.principalId, roleId: x.request.roleDefinitionId, state: x.state, start: x.start, end: x.end, kind: x.kind, schedule: null }));
  } else {
    const kind: ScheduleKind = tab === 'eligible' ? 'eligibility' : 'assignment';
    const schedules = await list(`${RM}/${kind === 'eligibility' ? 'roleEligibilitySchedules' : 'roleAssignmentSchedules'}${roleFilter}`);
    rows = schedules.map((s) => {
      const w = scheduleWindow({ scheduleInfo: s.scheduleInfo, createdDateTime: s.createdDateTime });
      return { principal: s.principal, principalId: s.principalId, roleId: s.roleDefinitionId, state: kind === 'eligibility' ? 'Eligible' : s.assignmentType, start: w?.start, end: w?.end ?? null, kind, schedule: s };
    });
  }
  if (stale()) return;
  const paint = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = rows.filter((r) => !q || [r.principal?.displayName, r.principal?.userPrincipalName, roleName(map, r.roleId)].some((s) => s?.toLowerCase().includes(q)));
    const cols = ['Name', 'Principal name', 'Type', ...(roleId ? [] : ['Role']), 'Scope', 'State', 'Start time', 'End time', ...(tab === 'expired' ? [] : ['Action'])];
    fill(holder, table(cols, shown.map((r) => {
      const who = principalLabel(r.principal) || r.principalId;
      const rn = roleName(map, r.roleId);
      const type = (r.principal?.['@odata.type'] ?? '#microsoft.graph.user').replace('#microsoft.graph.', '');
      const canChange = r.schedule && r.schedule.memberType === 'Direct' && r.state !== 'Activated';
      const cells = [who, r.principal?.userPrincipalName ?? '-', type[0].toUpperCase() + type.slice(1), ...(roleId ? [] : [rn]), 'Directory', r.state, fmt(r.start), r.end === null ? 'Permanent' : fmt(r.end)];
      if (tab !== 'expired') {
        cells.push(actions(canChange
          ? [
            h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${who} from ${rn}`, onclick: () => removeAssignment(r, who, rn) }, 'Remove'),
            h('button', { type: 'button', class: 'link', 'aria-label': `Update ${who} in ${rn}`, onclick: () => go(`${base}/${tab}/update/${r.kind}/${r.schedule!.id}`) }, 'Update'),
          ]
          : r.state === 'Activated' ? h('span', { class: 'hint', text: 'Activated by the user' }) : ''));
      }
      return cells;
    }), [tab === 'eligible' ? 'No eligible assignments found' : tab === 'active' ? 'No active assignments found' : 'No expired assignments found', q ? 'Nothing matches the search.' : '']));
  };
  filter.addEventListener('input', paint);
  paint();

  if (sub[0] === 'add') await addAssignmentPane(view, { roleId, map, back: `${base}/${tab}`, stale });
  if (sub[0] === 'update' && sub[1] && sub[2]) await updateAssignmentPane(view, { kind: sub[1] as ScheduleKind, scheduleId: sub[2], map, back: `${base}/${tab}`, stale });
}

async function removeAssignment(r: Row, who: string, rn: string): Promise<void> {
  if (!(await confirmDialog('Remove assignment', `Remove ${who}'s ${r.kind === 'eligibility' ? 'eligible' : 'active'} assignment to ${rn}? The role is stripped now.`, 'Remove'))) return;
  try {
    await graph(`${RM}/${r.kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests'}`, {
      method: 'POST',
      body: { action: 'adminRemove', principalId: r.principalId, roleDefinitionId: r.roleId, directoryScopeId: r.schedule?.directoryScopeId ?? '/' },
    });
    flash('ok', `Removed: ${who} is no longer ${r.kind === 'eligibility' ? 'eligible for' : 'assigned'} ${rn}.`);
    void render();
  } catch (e) {
    showInline(e, 'The assignment was not removed');
  }
}
