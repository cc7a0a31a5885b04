import { graph, list } from '../api.js';
import { emuNow } from '../clock.js';
import { PAG } from '../config.js';
import { h, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { accessWord, expiredFrom, groupName, groupRequestsAsRoles, groupsById } from '../pim.js';
import { go, redirect, render } from '../router.js';
import { me } from '../session.js';
import { actions, confirmDialog, header, PIM_CRUMB, table, tabsNav } from '../ui.js';
import { groupActivatePane } from './activate.js';
import { myRolesFrame } from './my-roles.js';
import type { Claims, Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ My roles › Groups (PIM for Groups)
// The same three tabs as the role pages, over the group's membership and ownership: eligible ones
// activate (the group's policy: justification by default, MFA or a ticket when the admin asks),
// active ones deactivate, and ended ones show under Expired (derived from the requests).

const lower = (v: unknown): string => String(v ?? '').toLowerCase();

export async function myGroupsView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[3]) ? route.parts[3] : null;
  if (!tab) return redirect('#/pim/my-roles/groups/eligible');
  header(view, { crumbs: [PIM_CRUMB, ['My roles', '#/pim/my-roles'], ['Groups', '#/pim/my-roles/groups']], title: 'My roles | Groups' });
  const body = myRolesFrame(view, 'groups');
  put(body,
    h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    tabsNav('Assignments', [
      ['eligible', 'Eligible assignments', '#/pim/my-roles/groups/eligible'],
      ['active', 'Active assignments', '#/pim/my-roles/groups/active'],
      ['expired', 'Expired assignments', '#/pim/my-roles/groups/expired'],
    ], tab));
  const c = me()!;
  const [groups, eligible, active] = await Promise.all([
    groupsById().catch(() => new Map<string, Obj>()),
    list(`${PAG}/eligibilityScheduleInstances/filterByCurrentUser(on='principal')`),
    list(`${PAG}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`),
  ]);
  if (stale()) return;
  const key = (x: Obj) => `${x.groupId}_${lower(x.accessId)}`;
  const activeNow = new Set(active.map(key));
  if (tab === 'eligible') {
    put(body, table(['Group', 'Role', 'Membership', 'End time', 'Action'],
      eligible.map((e) => {
        const name = groupName(groups, e.groupId);
        const role = accessWord(e.accessId);
        return [name, role, lower(e.memberType) === 'direct' ? 'Direct' : String(e.memberType), e.endDateTime ? fmt(e.endDateTime) : 'Permanent',
          actions(activeNow.has(key(e))
            ? h('span', { class: 'pill ok', text: 'Active' })
            : h('button', { type: 'button', class: 'link', id: `activate-${e.groupId}-${lower(e.accessId)}`, 'aria-label': `Activate ${role} of ${name}`, onclick: () => go(`#/pim/my-roles/groups/eligible/activate/${e.groupId}/${lower(e.accessId)}`) }, 'Activate'))];
      }),
      ['No eligible assignments found', 'You are not eligible for the membership or ownership of any group. An administrator can make you eligible under Groups.']));
  } else if (tab === 'active') {
    put(body, table(['Group', 'Role', 'Membership', 'State', 'Start time', 'End time', 'Action'],
      active.map((a) => {
        const name = groupName(groups, a.groupId);
        const role = accessWord(a.accessId);
        const activated = lower(a.assignmentType) === 'activated';
        return [name, role, lower(a.memberType) === 'direct' ? 'Direct' : String(a.memberType), activated ? 'Activated' : 'Assigned', a.startDateTime ? fmt(a.startDateTime) : '-', a.endDateTime ? fmt(a.endDateTime) : 'Permanent',
          actions(activated
            ? h('button', { type: 'button', class: 'link', 'aria-label': `Deactivate ${role} of ${name}`, onclick: () => deactivate(a, `${role} of ${name}`, c) }, 'Deactivate')
            : '')];
      }),
      ['No active assignments found', 'You are not an active member or owner of any group through PIM right now.']));
  } else {
    const requests = await Promise.allSettled([
      list(`${PAG}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`),
      list(`${PAG}/eligibilityScheduleRequests/filterByCurrentUser(on='principal')`),
    ]);
    if (stale()) return;
    const now = emuNow();
    const expired = [
      ...expiredFrom(groupRequestsAsRoles(requests[0].status === 'fulfilled' ? requests[0].value : []), 'assignment', now),
      ...expiredFrom(groupRequestsAsRoles(requests[1].status === 'fulfilled' ? requests[1].value : []), 'eligibility', now),
    ].sort((x, y) => y.end - x.end);
    put(body, table(['Group', 'Role', 'State', 'Start time', 'End time'],
      expired.map((x) => [groupName(groups, x.request.groupId), accessWord(x.request.accessId), x.state, fmt(x.start), fmt(x.end)]),
      ['No expired assignments found', 'Memberships and ownerships that ended show here.']));
  }
  if (route.parts[4] === 'activate' && route.parts[5] && route.parts[6]) await groupActivatePane(view, route.parts[5], route.parts[6], groupName(groups, route.parts[5]), stale);
}

async function deactivate(instance: Obj, what: string, c: Claims): Promise<void> {
  if (!(await confirmDialog(`Deactivate ${what}`, `Your ${what} will end now. You can activate it again while you are eligible.`, 'Deactivate'))) return;
  try {
    await graph(`${PAG}/assignmentScheduleRequests`, { method: 'POST', body: { action: 'selfDeactivate', principalId: c.oid, accessId: lower(instance.accessId), groupId: instance.groupId } });
    flash('ok', `${what} is deactivated.`);
  } catch (e) {
    showInline(e, 'Deactivation failed');
    return;
  }
  go('#/pim/my-roles/groups/active');
}
