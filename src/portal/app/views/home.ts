import { list } from '../api.js';
import { KEY, RM } from '../config.js';
import { h, put, store } from '../dom.js';
import { roles } from '../pim.js';
import { session, me, startSignIn } from '../session.js';
import { header, PIM_CRUMB } from '../ui.js';

export async function homeView(view: HTMLElement): Promise<void> {
  const c = me()!;
  header(view, { title: 'Home', subtitle: `Signed in as ${c.name} (${c.upn}) to ${session()!.tenant}; authentication: ${(c.amr ?? []).join(' + ')}.` });
  put(view, h('div', { class: 'tiles' },
    tile('#/pim', 'Privileged Identity Management', 'Just-in-time access to Microsoft Entra roles.'),
    tile('#/pim/my-roles', 'My roles', 'Activate the roles you are eligible for.'),
    tile('#/guide', 'Workshop guide', 'The five phases, ticked as your tenant reaches each one.'),
    tile('#/inbox', 'Inbox', 'The mail PIM sends, as each recipient sees it.'),
    tile('#/emulator', 'Emulator', 'Clock, MFA codes, reset, switch user (not part of Entra).')));
}
export const tile = (href: string, title: string, text: string): HTMLElement => h('a', { class: 'tile', href }, h('strong', { text: title }), text);

export async function signInFirstView(view: HTMLElement): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB], title: 'Privileged Identity Management', subtitle: 'Sign in to continue.' });
  // Sign in and come back here (the page asked for), in the tenant this window last chose.
  const tenant = store.get(KEY.tenant) ?? 'contoso';
  put(view, h('div', { class: 'buttons' },
    h('button', { type: 'button', class: 'primary', id: 'sign-in-here', onclick: () => void startSignIn({ tenant, mfa: !store.get(KEY.skipMfa), returnTo: location.hash }) }, `Sign in to ${tenant}`),
    h('a', { class: 'button', href: '#/', text: 'Go to sign-in' })));
}

export async function notFoundView(view: HTMLElement): Promise<void> {
  header(view, { title: 'Not found', subtitle: `Nothing lives at ${location.hash}.` });
}

export async function pimHomeView(view: HTMLElement): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB], title: 'Privileged Identity Management | Quick start', subtitle: 'Microsoft Entra roles: activate just in time, assign, configure role settings, review the audit history.' });
  const overview = h('div', { class: 'tiles', id: 'overview' });
  put(view, 
    h('div', { class: 'tiles' },
      tile('#/pim/my-roles', 'My roles', 'Activate your eligible Microsoft Entra roles.'),
      tile('#/pim/my-requests', 'My requests', 'Your pending and past requests.'),
      tile('#/pim/approvals', 'Approve requests', 'Activation requests waiting for you.'),
      tile('#/pim/roles', 'Roles', 'Manage \u203a Roles: assign members to a role.'),
      tile('#/pim/assignments', 'Assignments', 'Manage \u203a Assignments: every assignment, Update or Remove.'),
      tile('#/pim/settings', 'Settings', 'Manage \u203a Settings: role settings (activation, assignment, notification).'),
      tile('#/pim/audit', 'Audit history', 'What was assigned, activated and changed.')),
    h('h2', { text: 'Overview' }), overview);
  const counts = await Promise.allSettled([roles(), list(`${RM}/roleEligibilitySchedules`), list(`${RM}/roleAssignmentSchedules`)]);
  const [r, e, a] = counts;
  put(overview, 
    h('div', { class: 'tile' }, h('strong', { text: 'Roles' }), r.status === 'fulfilled' ? `${r.value.size} Microsoft Entra roles` : 'Not readable'),
    h('div', { class: 'tile' }, h('strong', { text: 'Eligible assignments' }), e.status === 'fulfilled' ? String(e.value.length) : 'Not readable with your roles'),
    h('div', { class: 'tile' }, h('strong', { text: 'Active assignments' }), a.status === 'fulfilled' ? String(a.value.length) : 'Not readable with your roles'));
}
