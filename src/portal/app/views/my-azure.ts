import { arm, armList } from '../api.js';
import { emuNow } from '../clock.js';
import { ARM_PIM_API } from '../config.js';
import { h, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { armRequestsAsRoles, expiredFrom } from '../pim.js';
import { go, redirect, render } from '../router.js';
import { me } from '../session.js';
import { actions, confirmDialog, header, PIM_CRUMB, table, tabsNav } from '../ui.js';
import { azureActivatePane, newGuid } from './activate.js';
import { myRolesFrame } from './my-roles.js';
import type { Claims, Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ My roles › Azure resources (PIM for Azure resources)
// The same three tabs over Azure role assignments, read from Azure Resource Manager with an ARM
// token of the same sign-in: the caller's eligible and active instances ($filter=asTarget()) under
// each subscription the caller's tenant has; Activate PUTs a SelfActivate request at the scope.

const AUTH = '/providers/Microsoft.Authorization';
const lower = (v: unknown): string => String(v ?? '').toLowerCase();
const ASTARGET = `$filter=${encodeURIComponent('asTarget()')}`;

const roleOf = (x: Obj): string => x.properties?.expandedProperties?.roleDefinition?.displayName ?? String(x.properties?.roleDefinitionId ?? '').split('/').pop();
const scopeOf = (x: Obj): string => {
  const s = x.properties?.expandedProperties?.scope;
  const kind = lower(s?.type) === 'subscription' ? 'Subscription' : lower(s?.type) === 'resourcegroup' ? 'Resource group' : 'Resource';
  return `${s?.displayName ?? x.properties?.scope} (${kind})`;
};
const memberOf = (x: Obj): string => (lower(x.properties?.memberType) === 'direct' ? 'Direct' : String(x.properties?.memberType ?? ''));
const key = (x: Obj): string => `${lower(x.properties?.scope)}|${lower(x.properties?.roleDefinitionId)}`;

/** The caller's rows of `type` under every subscription of the tenant. */
async function mine(type: string): Promise<Obj[]> {
  const subs = await armList('/subscriptions?api-version=2022-12-01');
  const pages = await Promise.all(subs.map((s) => armList(`${s.id}${AUTH}/${type}?${ARM_PIM_API}&${ASTARGET}`)));
  return pages.flat();
}

export async function myAzureView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const tab = ['eligible', 'active', 'expired'].includes(route.parts[3]) ? route.parts[3] : null;
  if (!tab) return redirect('#/pim/my-roles/azure/eligible');
  header(view, { crumbs: [PIM_CRUMB, ['My roles', '#/pim/my-roles'], ['Azure resources', '#/pim/my-roles/azure']], title: 'My roles | Azure resources' });
  const body = myRolesFrame(view, 'azure');
  put(body,
    h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    tabsNav('Assignments', [
      ['eligible', 'Eligible assignments', '#/pim/my-roles/azure/eligible'],
      ['active', 'Active assignments', '#/pim/my-roles/azure/active'],
      ['expired', 'Expired assignments', '#/pim/my-roles/azure/expired'],
    ], tab));
  const c = me()!;
  const [eligible, active] = await Promise.all([mine('roleEligibilityScheduleInstances'), mine('roleAssignmentScheduleInstances')]);
  if (stale()) return;
  const activeNow = new Set(active.filter((a) => lower(a.properties?.assignmentType) === 'activated').map(key));
  if (tab === 'eligible') {
    put(body, table(['Role', 'Resource', 'Membership', 'End time', 'Action'],
      eligible.map((e) => {
        const role = roleOf(e);
        const where = scopeOf(e);
        return [role, where, memberOf(e), e.properties?.endDateTime ? fmt(e.properties.endDateTime) : 'Permanent',
          actions(activeNow.has(key(e))
            ? h('span', { class: 'pill ok', text: 'Active' })
            : h('button', { type: 'button', class: 'link', 'aria-label': `Activate ${role} on ${where}`, onclick: () => go(`#/pim/my-roles/azure/eligible/activate/${encodeURIComponent(e.name)}`) }, 'Activate'))];
      }),
      ['No eligible assignments found', 'You are not eligible for any Azure role on a subscription, resource group or resource. An administrator can make you eligible through Azure Resource Manager (Workshop guide, optional Azure phase).']));
  } else if (tab === 'active') {
    put(body, table(['Role', 'Resource', 'Membership', 'State', 'Start time', 'End time', 'Action'],
      active.map((a) => {
        const role = roleOf(a);
        const where = scopeOf(a);
        const activated = lower(a.properties?.assignmentType) === 'activated';
        return [role, where, memberOf(a), activated ? 'Activated' : 'Assigned', a.properties?.startDateTime ? fmt(a.properties.startDateTime) : '-', a.properties?.endDateTime ? fmt(a.properties.endDateTime) : 'Permanent',
          actions(activated && lower(a.properties?.memberType) === 'direct'
            ? h('button', { type: 'button', class: 'link', 'aria-label': `Deactivate ${role} on ${where}`, onclick: () => deactivate(a, `${role} on ${where}`, c) }, 'Deactivate')
            : '')];
      }),
      ['No active assignments found', 'None of your Azure roles is active right now.']));
  } else {
    const requests = await mine('roleAssignmentScheduleRequests').catch(() => []);
    if (stale()) return;
    const expired = expiredFrom(armRequestsAsRoles(requests), 'assignment', emuNow());
    put(body, table(['Role', 'Resource', 'State', 'Start time', 'End time'],
      expired.map((x) => [roleOf(x.request), scopeOf(x.request), x.state, fmt(x.start), fmt(x.end)]),
      ['No expired assignments found', 'Activations that ended show here.']));
  }
  if (route.parts[4] === 'activate' && route.parts[5]) {
    const e = eligible.find((x) => lower(x.name) === lower(route.parts[5]));
    if (!e) {
      flash('error', `You have no eligible Azure role assignment ${route.parts[5]} (it may have ended or been removed).`);
      return redirect('#/pim/my-roles/azure/eligible');
    }
    await azureActivatePane(view, e, stale);
  }
}

async function deactivate(instance: Obj, what: string, c: Claims): Promise<void> {
  if (!(await confirmDialog(`Deactivate ${what}`, `Your ${what} will end now. You can activate it again while you are eligible.`, 'Deactivate'))) return;
  const p = instance.properties;
  try {
    await arm(`${p.scope}${AUTH}/roleAssignmentScheduleRequests/${newGuid()}?${ARM_PIM_API}`, { method: 'PUT', body: { properties: { principalId: c.oid, roleDefinitionId: p.roleDefinitionId, requestType: 'SelfDeactivate' } } });
    flash('ok', `${what} is deactivated.`);
  } catch (e) {
    showInline(e, 'Deactivation failed');
    return;
  }
  go('#/pim/my-roles/azure/active');
}
