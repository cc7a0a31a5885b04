import { access, instructor, reaches, myTenant, syncAccess, withPersonas } from '../access.js';
import { emu } from '../api.js';
import { clockFrozen, emuNow, paintClock, setClock } from '../clock.js';
import { syncClock } from '../clock-sync.js';
import { KEY } from '../config.js';
import { store, kept, h, fill, put, announce } from '../dom.js';
import { errorBanner, showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { tenantKeys } from '../keys.js';
import { go, every } from '../router.js';
import { session, me, startSignIn, signOut } from '../session.js';
import { header, confirmDialog } from '../ui.js';
import type { Obj, Route } from '../types.js';

// ------------------------------------------------------------------ Emulator panel

export async function emulatorView(view: HTMLElement, route: Route): Promise<void> {
  view.classList.add('emu-panel');
  header(view, { title: 'Emulator \u2014 not part of Microsoft Entra', subtitle: 'entra-pim-emulator\u2019s control plane (/_emulator): move your tenant\u2019s clock, read its personas\u2019 MFA codes, reset it, switch user. Microsoft\u2019s portal has none of this.' });
  const s = session();
  await syncAccess();
  const all: Obj[] = await emu('/tenants').catch(() => []);
  // Signed in, the panel is the signed-in tenant's; the instructor (or a local run without keys)
  // may look at any tenant, a team at the tenants whose keys this browser holds.
  const visible = instructor() ? all : all.filter((t) => reaches(t.name) || t.name === s?.tenant);
  const pinned = Boolean(s) && !(access.keysRequired && access.scope === 'admin');
  const tenantName = (pinned ? s!.tenant : route.query.get('tenant')) ?? myTenant() ?? visible[0]?.name;
  const listed = visible.find((t) => t.name === tenantName || t.id === tenantName || t.domain === tenantName) ?? (pinned ? undefined : visible[0]);
  const tenant = await withPersonas(listed);
  const allowed = tenant ? reaches(tenant.name) : false;
  const here = tenant?.name;
  const tpath = (rest: string): string => `/tenants/${encodeURIComponent(here ?? '')}${rest}`;

  if (!tenant || !allowed) {
    put(view, h('div', { class: 'banner warn', role: 'status', id: 'emu-no-key' },
      h('p', { text: tenant
        ? `${tenant.name}\u2019s clock, MFA codes and reset are for the team that holds its key. Enter your team\u2019s key on the sign-in page (I have a key).`
        : 'No tenant of yours is known in this browser yet: create your team\u2019s tenant on the sign-in page, or enter your team\u2019s key there.' }),
      h('p', {}, h('a', { href: '#/', text: 'Go to the sign-in page' }))));
  }

  // Clock
  const clockText = h('p', { class: 'clock-big', id: 'emu-clock' });
  const clockStatus = h('p', { class: 'hint', id: 'clock-status', role: 'status' });
  const paint = () => (clockText.textContent = `${fmt(emuNow())}${clockFrozen ? ' (frozen)' : ''}`);
  await syncClock();
  paint();
  every(1000, paint);
  const advance = async (iso: string, label: string) => {
    try {
      const c = await emu(tpath('/clock'), { method: 'POST', body: { advance: iso } });
      setClock(c.now);
      paint();
      paintClock();
      clockStatus.textContent = `Clock advanced ${label}: now ${fmt(c.now)} in ${here} (other tenants keep their time). Due expiries and reminders have been applied and their mail sent.`;
      announce(clockStatus.textContent);
    } catch (e) {
      fill(clockStatus, errorBanner(e, 'The clock did not move'));
    }
  };
  if (allowed) {
    put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-clock-h' },
      h('h2', { id: 'emu-clock-h', text: `Clock of ${here}` }), clockText,
      h('div', { class: 'buttons' },
        h('button', { type: 'button', id: 'clock-1h', 'aria-label': 'Advance the clock 1 hour', onclick: () => advance('PT1H', '1 hour') }, '+1 h'),
        h('button', { type: 'button', id: 'clock-8h', 'aria-label': 'Advance the clock 8 hours', onclick: () => advance('PT8H', '8 hours') }, '+8 h'),
        h('button', { type: 'button', id: 'clock-14d', 'aria-label': 'Advance the clock 14 days', onclick: () => advance('P14D', '14 days') }, '+14 d')),
      clockStatus,
      h('p', { class: 'hint', text: `Each tenant has its own clock: these buttons move ${here}\u2019s only. Activations end, assignments expire and reminder mails go out as it passes their time. Tokens live one hour on it; the portal renews them by itself.` })));
  }

  // Personas and MFA codes
  const tbody = h('tbody');
  const codes = new Map();
  const users: Obj[] = allowed ? tenant?.users ?? [] : [];
  const paintCodes = async () => {
    await Promise.all(users.map(async (u) => {
      try {
        codes.set(u.userPrincipalName, await emu(tpath(`/users/${encodeURIComponent(u.userPrincipalName)}/mfa-code`)));
      } catch {
        codes.delete(u.userPrincipalName);
      }
    }));
    fill(tbody, ...users.map((u) => {
      const code = codes.get(u.userPrincipalName);
      const current = me()?.upn?.toLowerCase() === u.userPrincipalName.toLowerCase();
      return h('tr', {},
        h('td', {}, h('div', { text: u.displayName }), h('small', { class: 'hint', text: u.userPrincipalName })),
        h('td', {}, h('span', { class: 'mfa-code', 'data-upn': u.userPrincipalName, 'aria-label': `MFA code for ${u.userPrincipalName}`, text: code?.code ?? '------' }), code ? h('div', { class: 'hint', text: `valid for ${code.validForSeconds} s` }) : null),
        h('td', {}, current
          ? h('span', { class: 'pill ok', text: 'Signed in' })
          : h('button', { type: 'button', 'aria-label': `Sign in as ${u.userPrincipalName}`, onclick: () => {
            signOut();
            store.set(KEY.tenant, tenant!.name);
            void startSignIn({ tenant: tenant!.name, loginHint: u.userPrincipalName, mfa: !store.get(KEY.skipMfa), returnTo: '#/pim' });
          } }, 'Sign in as')));
    }));
  };
  if (allowed) {
    await paintCodes();
    every(5000, () => void paintCodes());
    const choices = pinned ? [] : visible;
    const which = h('select', { id: 'emu-tenant', value: here }, choices.map((t) => h('option', { value: t.name, text: `${t.name} (${t.domain})` })));
    which.value = here ?? '';
    which.addEventListener('change', () => go(`#/emulator?tenant=${encodeURIComponent(which.value)}`));
    const key = access.keysRequired ? tenantKeys()[here] : undefined;
    put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-personas-h' },
      h('h2', { id: 'emu-personas-h', text: `Personas of ${here ?? 'the tenant'}` }),
      choices.length > 1 ? h('div', { class: 'filterbar' }, h('label', { for: 'emu-tenant', text: 'Show the personas of', style: 'margin:0' }), which) : null,
      h('p', { class: 'hint', text: 'Password for everyone: Passw0rd!. The MFA code is what each user\u2019s authenticator app shows right now (TOTP, 30 s, on the tenant\u2019s clock). Switching user signs you out of this window first.' }),
      h('table', {}, h('thead', {}, h('tr', {}, ['User', 'MFA code', 'Switch user'].map((t) => h('th', { scope: 'col', text: t })))), tbody),
      key ? h('details', { id: 'emu-team-key' }, h('summary', { text: `Your team\u2019s key for ${here}` }),
        h('p', {}, h('span', { class: 'code', text: key })),
        h('p', { class: 'hint', text: 'Your team\u2019s other browsers enter it on the sign-in page (I have a key). Anyone who has it can move this tenant\u2019s clock, read its codes and mail, and reset it.' })) : null));
  }

  // Session
  const c = me();
  put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-session-h' },
    h('h2', { id: 'emu-session-h', text: 'This window\u2019s session' }),
    c
      ? [h('dl', {},
        h('dt', { text: 'User' }), h('dd', { text: `${c.name} (${c.upn})` }),
        h('dt', { text: 'Tenant' }), h('dd', { text: `${s!.tenant} (${c.tid})` }),
        h('dt', { text: 'Authentication (amr)' }), h('dd', { text: (c.amr ?? []).join(', ') }),
        h('dt', { text: 'Roles in the token (wids)' }), h('dd', { text: String((c.wids ?? []).length) }),
        h('dt', { text: 'Token expires (emulator clock)' }), h('dd', { text: fmt((c.exp ?? 0) * 1000) })),
      h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'emu-sign-out', onclick: () => {
        signOut();
        flash('ok', 'You signed out.');
        go('#/');
      } }, 'Sign out'))]
      : h('p', {}, 'Not signed in. ', h('a', { href: '#/', text: 'Sign in' }))));

  // Reset: the team's own tenant; the whole emulator only for the instructor (or a local run without keys).
  const resetTenant = async () => {
    if (!(await confirmDialog(`Reset ${here}`, `${here} goes back to how it was made: its assignments, settings, history, mail and clock. Other tenants are not touched. Continue?`, 'Reset'))) return;
    try {
      await emu(tpath('/reset'), { method: 'POST' });
      if (session()?.tenant === here) signOut();
      await syncClock();
      flash('ok', `${here} is back at its creation state. Sign in again.`);
      go('#/');
    } catch (e) {
      showInline(e, 'The reset failed');
    }
  };
  const resetAll = async () => {
    if (!(await confirmDialog('Reset the emulator', 'Every tenant, the inbox and the clock go back to the seed, for every window: the tenants teams created are deleted. Continue?', 'Reset'))) return;
    try {
      await emu('/reset', { method: 'POST' });
      signOut();
      await syncClock();
      flash('ok', 'The emulator is back at its seed. Sign in again.');
      go('#/');
    } catch (e) {
      showInline(e, 'The reset failed');
    }
  };
  put(view, h('section', { class: 'blade', 'aria-labelledby': 'emu-reset-h' },
    h('h2', { id: 'emu-reset-h', text: 'Reset' }),
    allowed ? h('p', { text: `Reset ${here}: back to how it was made (its state, mail and clock). Other tenants are not touched; everyone signed in to ${here} must sign in again.` }) : null,
    h('div', { class: 'buttons' },
      allowed ? h('button', { type: 'button', id: 'emu-reset-tenant', onclick: resetTenant }, `Reset ${here}`) : null,
      instructor() ? h('button', { type: 'button', id: 'emu-reset', onclick: resetAll }, 'Reset the emulator') : null),
    instructor() ? h('p', { class: 'hint', text: 'Reset the emulator: back to the seed, every tenant, the inbox and the clock; the tenants teams created are deleted.' }) : null,
    access.keysRequired && access.scope === 'admin' ? h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'forget-admin-key', onclick: async () => {
      kept.drop(KEY.adminKey);
      await syncAccess();
      go('#/emulator');
    } }, 'Forget the admin key in this browser')) : null,
    h('p', { class: 'hint' }, 'More: ', h('a', { href: '/_emulator/openapi.yaml', text: 'openapi.yaml' }), instructor() && !access.keysRequired ? [' \u00b7 ', h('a', { href: '/_emulator/requests?limit=50', text: 'the last requests served' })] : null),
    instructor() && access.keysRequired ? requestLog() : null));
}

/**
 * The instructor's look at the request log when keys are in force: a plain link would open
 * /_emulator/requests without the admin key (a 401), so the panel reads it with the key and shows it.
 */
function requestLog(): HTMLElement {
  const out = h('div', { id: 'emu-requests', 'aria-live': 'polite' });
  const show = async () => {
    try {
      const r = await emu('/requests?limit=50');
      const lines = (r.value as Obj[]).map((e) => `${fmt(e.time)}  ${e.tenant ?? '-'} ${e.method} ${e.path} \u2192 ${e.status}${e.caller ? `  (${e.caller})` : ''}`);
      fill(out, h('pre', { text: lines.length ? lines.join('\n') : 'No requests yet.' }));
    } catch (e) {
      fill(out, errorBanner(e, 'The request log could not be read'));
    }
  };
  return h('div', {}, h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'emu-show-requests', onclick: show }, 'Show the last requests served')), out);
}
