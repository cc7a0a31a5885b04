import { armList } from '../api.js';
import { ARM_PIM_API } from '../config.js';
import { h, put } from '../dom.js';
import { fmt, hoursText, durationMs, HOUR, describeDuration } from '../format.js';
import { activationSettings, ruleOf } from '../pim.js';
import { go, redirect } from '../router.js';
import { header, PIM_CRUMB, table, tabsNav, type Crumb } from '../ui.js';
import type { Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ Manage › Azure resources (read-only)
// The admin's view of a subscription through ARM, or of a resource group or resource below it (the
// Resource filter): its eligible and active Azure role assignments (at the scope, inherited from
// above, and below), and each role's settings there (the role management policy assignments'
// effective rules). Changes go through ARM (Terraform azurerm, az rest, the SDKs): the
// pages say so rather than offer edits the emulator's portal does not have yet.

const AUTH = '/providers/Microsoft.Authorization';
const AZURE_CRUMB: Crumb = ['Azure resources', '#/pim/azure'];
const lower = (v: unknown): string => String(v ?? '').toLowerCase();
const scopeText = (x: Obj): string => {
  const s = x.properties?.expandedProperties?.scope;
  const kind = lower(s?.type) === 'subscription' ? 'Subscription' : lower(s?.type) === 'resourcegroup' ? 'Resource group' : 'Resource';
  return `${s?.displayName ?? x.properties?.scope} (${kind})`;
};

export async function azureResourcesView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  const subId = route.parts[2];
  const subs = await armList('/subscriptions?api-version=2022-12-01');
  if (stale()) return;
  if (!subId) {
    header(view, { crumbs: [PIM_CRUMB], title: 'Azure resources | Privileged Identity Management', subtitle: 'Subscriptions your account can see through Azure Resource Manager' });
    put(view, table(['Resource', 'Resource type', 'Subscription ID'],
      subs.map((s) => [h('a', { href: `#/pim/azure/${s.subscriptionId}/eligible`, text: s.displayName }), 'Subscription', s.subscriptionId]),
      ['No subscriptions found', 'Your account can see no subscription of this tenant.']));
    return;
  }
  const sub = subs.find((s) => lower(s.subscriptionId) === lower(subId));
  if (!sub) return redirect('#/pim/azure');
  const tab = ['eligible', 'active', 'settings'].includes(route.parts[3]) ? route.parts[3] : null;
  if (!tab) return redirect(`#/pim/azure/${sub.subscriptionId}/eligible`);
  const base = `#/pim/azure/${sub.subscriptionId}`;
  // The resource filter: the subscription or a resource group or resource below it (eligibleChildResources).
  const children = await armList(`${sub.id}${AUTH}/eligibleChildResources?${ARM_PIM_API}`).catch(() => []);
  if (stale()) return;
  const scopes = [{ id: String(sub.id), label: `${sub.displayName} (Subscription)` },
    ...children.map((c) => ({ id: String(c.id), label: `${c.name} (${lower(c.type) === 'resourcegroup' ? 'Resource group' : 'Resource'})` }))];
  const scope = scopes.find((x) => lower(x.id) === lower(route.query.get('scope'))) ?? scopes[0]!;
  const at = (t: string) => `${base}/${t}${scope === scopes[0] ? '' : `?scope=${encodeURIComponent(scope.id)}`}`;
  const filter = h('select', { id: 'resource-filter', value: scope.id, onchange: (e: Event) => {
    const id = (e.target as HTMLSelectElement).value;
    go(`${base}/${tab}${id === scopes[0]!.id ? '' : `?scope=${encodeURIComponent(id)}`}`);
  } }, ...scopes.map((x) => h('option', { value: x.id, text: x.label })));
  header(view, { crumbs: [PIM_CRUMB, AZURE_CRUMB, [sub.displayName]], title: `${sub.displayName} | ${tab === 'settings' ? 'Settings' : 'Assignments'}`, subtitle: scope === scopes[0] ? 'Subscription' : scope.label });
  put(view,
    tabsNav(sub.displayName, [
      ['eligible', 'Eligible assignments', at('eligible')],
      ['active', 'Active assignments', at('active')],
      ['settings', 'Settings', at('settings')],
    ], tab),
    h('p', { class: 'filter-row' }, h('label', { for: 'resource-filter', text: 'Resource ' }), filter),
    h('p', { class: 'hint', text: 'Read-only here: assignments and settings change through Azure Resource Manager (Terraform azurerm, az rest, the Azure SDKs).' }));
  if (tab === 'settings') {
    const rows = await armList(`${scope.id}${AUTH}/roleManagementPolicyAssignments?${ARM_PIM_API}`);
    if (stale()) return;
    rows.sort((a, b) => String(a.properties?.policyAssignmentProperties?.roleDefinition?.displayName).localeCompare(String(b.properties?.policyAssignmentProperties?.roleDefinition?.displayName)));
    put(view, table(['Role', 'Activation maximum', 'On activation, require', 'Eligible assignments expire after'],
      rows.map((a) => {
        const policy = { rules: a.properties?.effectiveRules ?? [] };
        const s = activationSettings(policy);
        const need = [s.mfa ? 'Azure MFA' : '', s.justification ? 'Justification' : '', s.ticketing ? 'Ticket information' : '', s.approval ? 'Approval' : ''].filter(Boolean).join(', ') || 'None';
        const elig = ruleOf(policy, 'Expiration_Admin_Eligibility');
        return [a.properties?.policyAssignmentProperties?.roleDefinition?.displayName ?? a.properties?.roleDefinitionId,
          hoursText(Math.round((durationMs(ruleOf(policy, 'Expiration_EndUser_Assignment')?.maximumDuration ?? 'PT8H') / HOUR) * 2) / 2),
          need,
          elig?.isExpirationRequired === false ? 'Permanent allowed' : describeDuration(elig?.maximumDuration)];
      }),
      ['No role settings found', 'No role management policy at this scope.']));
    return;
  }
  const type = tab === 'eligible' ? 'roleEligibilityScheduleInstances' : 'roleAssignmentScheduleInstances';
  const rows = await armList(`${scope.id}${AUTH}/${type}?${ARM_PIM_API}`);
  if (stale()) return;
  put(view, table(['Name', 'Principal name', 'Role', 'Resource', 'Membership', 'State', 'End time'],
    rows.map((x) => {
      const p = x.properties ?? {};
      const who = p.expandedProperties?.principal ?? {};
      return [who.displayName ?? p.principalId, who.email ?? '', p.expandedProperties?.roleDefinition?.displayName ?? p.roleDefinitionId, scopeText(x),
        lower(p.memberType) === 'direct' ? 'Direct' : String(p.memberType ?? ''),
        tab === 'eligible' ? 'Eligible' : lower(p.assignmentType) === 'activated' ? 'Activated' : 'Assigned',
        p.endDateTime ? fmt(p.endDateTime) : 'Permanent'];
    }),
    [tab === 'eligible' ? 'No eligible assignments found' : 'No active assignments found', 'Assignments at this scope, inherited from above it, and below it show here.']));
}
