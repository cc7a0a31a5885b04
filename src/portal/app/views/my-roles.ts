import { graph, list } from '../api.js';
import { emuNow } from '../clock.js';
import { RM } from '../config.js';
import { h, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { expiredFrom, roles, roleName, scopeText } from '../pim.js';
import { go, redirect, render } from '../router.js';
import { me, refreshTokens } from '../session.js';
import { header, PIM_CRUMB, tabsNav, table, actions, confirmDialog } from '../ui.js';
import { activatePane } from './activate.js';
import type { Claims, Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ My roles (Phases 1 and 4)

/** My roles' left menu (Microsoft Entra roles, Groups, Azure resources) around the body it returns. */
export function myRolesFrame(view: HTMLElement, current: 'roles' | 'groups' | 'azure'): HTMLElement {
  const body = h('div', { class: 'subnav-body' });
  put(view, h('div', { class: 'with-subnav' },
    h('nav', { class: 'subnav', 'aria-label': 'My roles' },
      h('div', { class: 'group', text: 'Activate' }),
      h('a', { href: '#/pim/my-roles/eligible', 'aria-current': current === 'roles' ? 'page' : undefined, text: 'Microsoft Entra roles' }),
      h('a', { href: '#/pim/my-roles/groups/eligible', 'aria-current': current === 'groups' ? 'page' : undefined, text: 'Groups' }),
      h('a', { href: '#/pim/my-roles/azure/eligible', 'aria-current': current === 'azure' ? 'page' : undefined, text: 'Azure resources' })),
    body));
  return body;
}

export async function myRolesView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[2]) ? route.parts[2] : null;
  if (!tab) return redirect('#/pim/my-roles/eligible');
  header(view, { crumbs: [PIM_CRUMB, ['My roles', '#/pim/my-roles']], title: 'My roles | Microsoft Entra roles' });
  const body = myRolesFrame(view, 'roles');
  put(body, 
    h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    tabsNav('Assignments', [
      ['eligible', 'Eligible assignments', '#/pim/my-roles/eligible'],
      ['active', 'Active assignments', '#/pim/my-roles/active'],
      ['expired', 'Expired assignments', '#/pim/my-roles/expired'],
    ], tab));
  const c = me()!;
  const map = await roles().catch(() => new Map());
  const [eligible, active] = await Promise.all([
    list(`${RM}/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')`),
    list(`${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`),
  ]);
  if (stale()) return;
  const activeRoles = new Set(active.map((a) => a.roleDefinitionId));
  if (tab === 'eligible') {
    put(body, table(['Role', 'Scope', 'Membership', 'End time', 'Action'],
      eligible.map((e) => {
        const name = roleName(map, e.roleDefinitionId);
        return [name, scopeText(e.directoryScopeId), e.memberType, e.endDateTime ? fmt(e.endDateTime) : 'Permanent',
          actions(activeRoles.has(e.roleDefinitionId)
            ? h('span', { class: 'pill ok', text: 'Active' })
            : h('button', { type: 'button', class: 'link', id: `activate-${e.roleDefinitionId}`, 'aria-label': `Activate ${name}`, onclick: () => go(`#/pim/my-roles/eligible/activate/${e.roleDefinitionId}`) }, 'Activate'))];
      }),
      ['No eligible assignments found', 'You are not eligible for any Microsoft Entra role: you have no admin powers to activate. An administrator can make you eligible (Phase 3).']));
  } else if (tab === 'active') {
    put(body, table(['Role', 'Scope', 'Membership', 'State', 'Start time', 'End time', 'Action'],
      active.map((a) => {
        const name = roleName(map, a.roleDefinitionId);
        return [name, scopeText(a.directoryScopeId), a.memberType, a.assignmentType, fmt(a.startDateTime), a.endDateTime ? fmt(a.endDateTime) : 'Permanent',
          actions(a.assignmentType === 'Activated' && a.memberType === 'Direct'
            ? h('button', { type: 'button', class: 'link', 'aria-label': `Deactivate ${name}`, onclick: () => deactivate(a, name, c) }, 'Deactivate')
            : '')];
      }),
      ['No active assignments found', 'None of your roles is active right now.']));
  } else {
    const requests = await Promise.allSettled([
      list(`${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`),
      list(`${RM}/roleEligibilityScheduleRequests/filterByCurrentUser(on='principal')`),
    ]);
    const now = emuNow();
    const expired = [
      ...expiredFrom(requests[0].status === 'fulfilled' ? requests[0].value : [], 'assignment', now),
      ...expiredFrom(requests[1].status === 'fulfilled' ? requests[1].value : [], 'eligibility', now),
    ].sort((x, y) => y.end - x.end);
    put(body, table(['Role', 'Scope', 'State', 'Start time', 'End time'],
      expired.map((x) => [roleName(map, x.request.roleDefinitionId), scopeText(x.request.directoryScopeId), x.state, fmt(x.start), fmt(x.end)]),
      ['No expired assignments found', 'Assignments and activations that ended show here.']));
  }
  if (route.parts[3] === 'activate' && route.parts[4]) await activatePane(view, route.parts[4], map, stale);
}


async function deactivate(instance: Obj, name: string, c: Claims): Promise<void> {
  if (!(await confirmDialog(`Deactivate ${name}`, `Your ${name} role will end now. You can activate it again while you are eligible.`, 'Deactivate'))) return;
  try {
    await graph(`${RM}/roleAssignmentScheduleRequests`, { method: 'POST', body: { action: 'selfDeactivate', principalId: c.oid, roleDefinitionId: instance.roleDefinitionId, directoryScopeId: instance.directoryScopeId ?? '/' } });
    flash('ok', `${name} is deactivated.`);
    await refreshTokens();
  } catch (e) {
    showInline(e, 'Deactivation failed');
    return;
  }
  go('#/pim/my-roles/active');
}
