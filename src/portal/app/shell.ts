import { $, h, fill, announce } from './dom.js';
import { flash } from './flash.js';
import { go } from './router.js';
import { KEY } from './config.js';
import { store } from './dom.js';
import { session, me, signOut, startSignIn } from './session.js';
import type { Route } from './types.js';

// The shell around every screen: the left menu (a toggle on narrow screens), the account box, the search box.

type NavItem =
  | { label: string; href: string; match: (p: string[]) => boolean; sub?: boolean; emu?: boolean; signedIn?: boolean; group?: undefined; rule?: undefined }
  | { group: string; signedIn?: boolean; rule?: undefined }
  | { rule: true; signedIn?: undefined; group?: undefined };

const NAV: NavItem[] = [
  { label: 'Home', href: '#/', match: (p: string[]) => p.length === 0 },
  { label: 'Workshop guide', href: '#/guide', match: (p: string[]) => p[0] === 'guide' },
  { label: 'Privileged Identity Management', href: '#/pim', match: (p: string[]) => p[0] === 'pim' && p.length === 1, signedIn: true },
  { group: 'Tasks', signedIn: true },
  { label: 'My roles', href: '#/pim/my-roles', match: (p: string[]) => p[1] === 'my-roles', sub: true, signedIn: true },
  { label: 'My requests', href: '#/pim/my-requests', match: (p: string[]) => p[1] === 'my-requests', sub: true, signedIn: true },
  { label: 'Approve requests', href: '#/pim/approvals', match: (p: string[]) => p[1] === 'approvals', sub: true, signedIn: true },
  { group: 'Manage', signedIn: true },
  { label: 'Roles', href: '#/pim/roles', match: (p: string[]) => p[1] === 'roles', sub: true, signedIn: true },
  { label: 'Assignments', href: '#/pim/assignments', match: (p: string[]) => p[1] === 'assignments', sub: true, signedIn: true },
  { label: 'Groups', href: '#/pim/groups', match: (p: string[]) => p[1] === 'groups', sub: true, signedIn: true },
  { label: 'Azure resources', href: '#/pim/azure', match: (p: string[]) => p[1] === 'azure', sub: true, signedIn: true },
  { label: 'Settings', href: '#/pim/settings', match: (p: string[]) => p[1] === 'settings', sub: true, signedIn: true },
  { group: 'Activity', signedIn: true },
  { label: 'Audit history', href: '#/pim/audit', match: (p: string[]) => p[1] === 'audit', sub: true, signedIn: true },
  { rule: true },
  { label: 'Inbox', href: '#/inbox', match: (p: string[]) => p[0] === 'inbox' },
  { label: 'Emulator (not part of Entra)', href: '#/emulator', match: (p: string[]) => p[0] === 'emulator', emu: true },
];

export function renderNav(route: Route): void {
  const signedIn = Boolean(session());
  const items = NAV.filter((n) => !n.signedIn || signedIn).map((n) => {
    if (n.group !== undefined) return h('li', { class: 'group', 'aria-hidden': 'true', text: n.group });
    if (n.rule) return h('li', { 'aria-hidden': 'true' }, h('hr'));
    return h('li', { class: [n.sub ? 'sub' : '', n.emu ? 'emu-link' : ''].join(' ').trim() || undefined },
      h('a', { href: n.href, 'aria-current': n.match(route.parts) ? 'page' : undefined, text: n.label }));
  });
  fill($('#nav'), h('ul', {}, items));
  // On a narrow screen the menu is a toggle (index.html's #menu-toggle); a new screen closes it.
  setMenu(false);
}

/** Opens or closes the menu on narrow screens (CSS shows it always on wide ones). */
function setMenu(open: boolean): void {
  const toggle = $('#menu-toggle');
  toggle?.setAttribute('aria-expanded', String(open));
  document.body.classList.toggle('menu-open', open);
}
export function setupMenu(): void {
  $('#menu-toggle').addEventListener('click', () => setMenu($('#menu-toggle').getAttribute('aria-expanded') !== 'true'));
  // Choosing an item closes the menu, the screen already shown included (no hashchange then).
  $('#nav').addEventListener('click', (ev) => {
    if ((ev.target as Element).closest('a')) setMenu(false);
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && document.body.classList.contains('menu-open')) {
      setMenu(false);
      $('#menu-toggle').focus();
    }
  });
}

/** The header's Sign in: the sign-in pages at once, for the tenant chosen on this window's sign-in page. */
function headerSignIn(): void {
  const tenant = store.get(KEY.tenant) ?? 'contoso';
  const here = location.hash && location.hash !== '#/' ? location.hash : '#/pim';
  void startSignIn({ tenant, mfa: !store.get(KEY.skipMfa), returnTo: here });
}

export function renderAccount(): void {
  const c = me();
  const box = $('#account');
  if (!c) {
    fill(box, h('button', { type: 'button', class: 'command', id: 'header-sign-in', onclick: headerSignIn }, 'Sign in'));
    return;
  }
  fill(box, 
    h('div', { class: 'who' }, h('span', { text: c.name ?? c.upn }), h('small', { text: `${c.upn ?? ''} \u00b7 ${(c.amr ?? []).includes('mfa') ? 'MFA' : 'password only'}` })),
    h('button', { type: 'button', id: 'switch-user', onclick: () => go('#/emulator') }, 'Switch user'),
    h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); flash('ok', 'You signed out.'); go('#/'); } }, 'Sign out'),
  );
}

const SERVICES: [string, string][] = [
  ['Workshop guide', '#/guide'],
  ['Privileged Identity Management', '#/pim'],
  ['My roles', '#/pim/my-roles'],
  ['My requests', '#/pim/my-requests'],
  ['Approve requests', '#/pim/approvals'],
  ['Roles (PIM)', '#/pim/roles'],
  ['Assignments (PIM)', '#/pim/assignments'],
  ['Groups (PIM for Groups)', '#/pim/groups'],
  ['My roles: Groups', '#/pim/my-roles/groups'],
  ['Azure resources (PIM for Azure resources)', '#/pim/azure'],
  ['My roles: Azure resources', '#/pim/my-roles/azure'],
  ['Settings (PIM role settings)', '#/pim/settings'],
  ['Audit history', '#/pim/audit'],
  ['Inbox', '#/inbox'],
  ['Emulator', '#/emulator'],
];
export function setupSearch(): void {
  fill($('#search-services'), ...SERVICES.map(([name]) => h('option', { value: name })));
  $('#search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>('#search-input');
    const q = input.value.trim().toLowerCase();
    if (!q) return;
    const hit = SERVICES.find(([name]) => name.toLowerCase() === q) ?? SERVICES.find(([name]) => name.toLowerCase().includes(q));
    if (!hit) {
      announce(`No service matches "${q}".`);
      return;
    }
    input.value = '';
    go(hit[1]);
  });
}
