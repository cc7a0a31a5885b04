import { arm, armList } from '../api.js';
import { ARM_PIM_API } from '../config.js';
import { h, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt, hoursText, durationMs, HOUR, describeDuration } from '../format.js';
import { activationSettings, ruleOf, usersById } from '../pim.js';
import { go, redirect, render } from '../router.js';
import { actions, confirmDialog, header, PIM_CRUMB, table, tabsNav, type Crumb } from '../ui.js';
import type { Obj, Route, Stale } from '../types.js';
import { newGuid } from './activate.js';
import { assignmentSettingsOf, twoStepAssignmentPane, type AssignmentChoice } from './assignment-panes.js';
import { modifiedText, settingsDetailBody, settingsEditBody } from './settings.js';

// ------------------------------------------------------------------ Manage › Azure resources
// The admin's view of a subscription through ARM, or of a resource group or resource below it (the
// Resource filter): its eligible and active Azure role assignments (at the scope, inherited from
// above, and below), Add assignments and Remove (AdminAssign / AdminRemove schedule requests PUT at
// the scope, as the Azure portal sends them), and each role's settings there (the role management
// policy assignments' effective rules), edited on the settings pages shared with Entra roles and
// groups and saved with one ARM PATCH of the role's policy.

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
    h('p', { class: 'hint', text: tab === 'settings'
      ? 'Each role has its own settings at each scope. Edit saves them with one PATCH of the role\u2019s roleManagementPolicies on Azure Resource Manager, as Terraform azurerm does.'
      : 'Assignments made here are ARM schedule requests at the scope chosen above, as the Azure portal makes them.' }));
  if (tab === 'settings' && route.parts[4] && route.parts[5]) return azureRoleSettings(view, route, { base, stale });
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
        const roleText = a.properties?.policyAssignmentProperties?.roleDefinition?.displayName ?? a.properties?.roleDefinitionId;
        return [h('a', { href: `${base}/settings/${encodeURIComponent(scope.id)}/${String(a.properties?.roleDefinitionId).split('/').pop()}`, text: roleText }),
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
  put(view,
    h('div', { class: 'commandbar' },
      h('button', { type: 'button', class: 'command', id: 'add-assignments', onclick: () => go(`${base}/${tab}/add${scope === scopes[0] ? '' : `?scope=${encodeURIComponent(scope.id)}`}`) }, '+ Add assignments'),
      h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')),
    table(['Name', 'Principal name', 'Role', 'Resource', 'Membership', 'State', 'End time', 'Action'],
      rows.map((x) => {
        const p = x.properties ?? {};
        const who = p.expandedProperties?.principal ?? {};
        const role = p.expandedProperties?.roleDefinition?.displayName ?? p.roleDefinitionId;
        const direct = lower(p.memberType) === 'direct';
        const state = tab === 'eligible' ? 'Eligible' : lower(p.assignmentType) === 'activated' ? 'Activated' : 'Assigned';
        // What an admin removes here: an eligibility or an active assignment made at this row's own scope (an activation is the user's to end).
        const removable = direct && state !== 'Activated';
        return [who.displayName ?? p.principalId, who.email ?? '', role, scopeText(x), direct ? 'Direct' : String(p.memberType ?? ''), state,
          p.endDateTime ? fmt(p.endDateTime) : 'Permanent',
          actions(removable
            ? h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${who.displayName ?? p.principalId} as ${role} on ${scopeText(x)}`, onclick: () => void removeAssignment(x, tab === 'eligible' ? 'eligibility' : 'assignment') }, 'Remove')
            : '')];
      }),
      [tab === 'eligible' ? 'No eligible assignments found' : 'No active assignments found', 'Assignments at this scope, inherited from above it, and below it show here.']));
  if (route.parts[4] === 'add') await addAzureAssignment(view, { scope, back: at(tab), stale });
}

const requestsOf = (kind: 'eligibility' | 'assignment') => (kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests');

async function removeAssignment(row: Obj, kind: 'eligibility' | 'assignment'): Promise<void> {
  const p = row.properties ?? {};
  const what = `${p.expandedProperties?.principal?.displayName ?? p.principalId} as ${p.expandedProperties?.roleDefinition?.displayName ?? 'the role'} on ${scopeText(row)}`;
  if (!(await confirmDialog('Remove assignment', `Remove ${what}? ${kind === 'eligibility' ? 'They can no longer activate it.' : 'The role ends now.'}`, 'Remove'))) return;
  try {
    await arm(`${p.scope}${AUTH}/${requestsOf(kind)}/${newGuid()}?${ARM_PIM_API}`, { method: 'PUT', body: { properties: { principalId: p.principalId, roleDefinitionId: p.roleDefinitionId, requestType: 'AdminRemove' } } });
    flash('ok', `Removed: ${what}.`);
    void render();
  } catch (e) {
    showInline(e, 'The assignment was not removed');
  }
}

/** ARM's scheduleInfo for what the form chose (PascalCase expiration types). */
const armScheduleInfo = (v: AssignmentChoice): Obj => ({
  startDateTime: v.startIso ?? null,
  expiration: v.permanent ? { type: 'NoExpiration', endDateTime: null, duration: null } : { type: 'AfterDateTime', endDateTime: v.endIso, duration: null },
});

/** Add assignments at a scope: a role and the users, then type, dates and justification within the role's settings there. */
async function addAzureAssignment(view: HTMLElement, { scope, back, stale }: { scope: { id: string; label: string }; back: string; stale: Stale }): Promise<void> {
  const [roles, policies] = await Promise.all([
    armList(`${scope.id}${AUTH}/roleDefinitions?api-version=2022-04-01`),
    armList(`${scope.id}${AUTH}/roleManagementPolicyAssignments?${ARM_PIM_API}`).catch(() => []),
  ]);
  if (stale()) return;
  roles.sort((a, b) => String(a.properties?.roleName).localeCompare(String(b.properties?.roleName)));
  const roleName = (roleId: string) => String(roles.find((r) => r.id === roleId)?.properties?.roleName ?? roleId);
  twoStepAssignmentPane(view, {
    subtitle: `Privileged Identity Management | Azure resources \u00b7 ${scope.label}`,
    back,
    on: ['Resource: ', scope.label],
    roles: roles.map((r) => [String(r.id), String(r.properties?.roleName)]),
    role: String((roles.find((r) => r.properties?.roleName === 'Contributor') ?? roles[0])?.id ?? ''),
    settings: async (roleId) => {
      const a = policies.find((x) => lower(x.properties?.roleDefinitionId) === lower(roleId));
      return a ? assignmentSettingsOf({ rules: a.properties?.effectiveRules ?? [] }) : null;
    },
    what: (roleId) => `${roleName(roleId)} on ${scope.label}`,
    assign: (roleId, u, v) => arm(`${scope.id}${AUTH}/${requestsOf(v.kind)}/${newGuid()}?${ARM_PIM_API}`, {
      method: 'PUT',
      body: { properties: { principalId: u.id, roleDefinitionId: roleId, requestType: 'AdminAssign', justification: v.justification || null, scheduleInfo: armScheduleInfo(v) } },
    }),
  });
}

// ---- A role's settings at a scope: the settings pages of Entra roles and groups, over ARM's policy

const GRAPH_RULE = '#microsoft.graph.unifiedRoleManagementPolicy';

/** ARM's rule in the words the settings pages read (Graph's): @odata.type for ruleType, approvers as subject sets. */
function armRuleAsGraph(rule: Obj): Obj {
  const { ruleType, ...rest } = rule;
  const out: Obj = { '@odata.type': `${GRAPH_RULE}${String(ruleType).replace(/^RoleManagementPolicy/, '')}`, ...rest };
  if (rule.setting?.approvalStages) {
    out.setting = { ...rule.setting, approvalStages: rule.setting.approvalStages.map((st: Obj) => ({ ...st,
      primaryApprovers: (st.primaryApprovers ?? []).map((a: Obj) => (lower(a.userType) === 'group' ? { '@odata.type': '#microsoft.graph.groupMembers', groupId: a.id } : { '@odata.type': '#microsoft.graph.singleUser', userId: a.id })) })) };
  }
  return out;
}

/** And back: a changed rule as ARM's PATCH takes it. */
function graphRuleAsArm(body: Obj): Obj {
  const { '@odata.type': type, ...rest } = body;
  const out: Obj = { ruleType: `RoleManagementPolicy${String(type).slice(GRAPH_RULE.length)}`, ...rest };
  if (body.setting?.approvalStages) {
    out.setting = { ...body.setting, approvalStages: body.setting.approvalStages.map((st: Obj) => ({ ...st,
      primaryApprovers: (st.primaryApprovers ?? []).map((a: Obj) => (a.groupId ? { id: a.groupId, userType: 'Group', isBackup: false, description: null } : { id: a.userId, userType: 'User', isBackup: false, description: null })) })) };
  }
  return out;
}

async function azureRoleSettings(view: HTMLElement, route: Route, { base, stale }: { base: string; stale: Stale }): Promise<void> {
  const scopeId = route.parts[4]!;
  const roleGuid = route.parts[5]!;
  const roleId = `/subscriptions/${scopeId.split('/')[2]}${AUTH}/roleDefinitions/${roleGuid}`;
  const load = async () => (await armList(`${scopeId}${AUTH}/roleManagementPolicies?${ARM_PIM_API}&$filter=${encodeURIComponent(`roleDefinitionId eq '${roleId}'`)}`))[0];
  const [arming, role, users] = await Promise.all([load(), arm(`${roleId}?api-version=2022-04-01`).catch(() => null), usersById().catch(() => new Map<string, Obj>())]);
  if (stale()) return;
  if (!arming) return redirect(`${base}/settings`);
  const name = `${role?.properties?.roleName ?? roleGuid} - ${arming.properties?.policyProperties?.scope?.displayName ?? scopeId}`;
  const policy = { id: arming.id, lastModifiedDateTime: arming.properties?.lastModifiedDateTime, lastModifiedBy: arming.properties?.lastModifiedBy, rules: (arming.properties?.rules ?? []).map(armRuleAsGraph) };
  const detailHref = `${base}/settings/${encodeURIComponent(scopeId)}/${roleGuid}`;
  const subject = {
    name,
    detailHref,
    assignmentsHref: `${base}/eligible${scopeId.split('/').length > 3 ? `?scope=${encodeURIComponent(scopeId)}` : ''}`,
    ruleIdsBy: 'Azure Resource Manager',
    // One PATCH with every changed rule: ARM checks them together and renames the policy (arm-pim-reference §2.5).
    save: async (patches: { rule: Obj; body: Obj }[]) => {
      const current = (await load()) ?? arming;
      await arm(`${current.id}?${ARM_PIM_API}`, { method: 'PATCH', body: { properties: { rules: patches.map((p) => graphRuleAsArm(p.body)) } } });
    },
  };
  if (route.parts[6] === 'edit') {
    put(view, h('h2', { text: `Edit role setting - ${name}`, id: 'settings-title' }), h('p', { class: 'subtitle', text: 'Privileged Identity Management | Azure resources' }));
    settingsEditBody(view, route, policy, users, subject);
  } else {
    put(view, h('h2', { text: `Role setting details - ${name}`, id: 'settings-title' }), h('p', { class: 'subtitle', text: modifiedText(policy) }));
    await settingsDetailBody(view, policy, subject);
  }
}
