import { access, reaches, myTenant, syncAccess, withPersonas } from '../access.js';
import { emu } from '../api.js';
import { h, fill, put, announce } from '../dom.js';
import { errorBanner } from '../errors.js';
import { fmt } from '../format.js';
import { go, every } from '../router.js';
import { me } from '../session.js';
import { header } from '../ui.js';
import type { Obj, Route } from '../types.js';

// ------------------------------------------------------------------ Inbox (emulator)

export async function inboxView(view: HTMLElement, route: Route): Promise<void> {
  const c = me();
  await syncAccess();
  const all: Obj[] = await emu('/tenants').catch(() => []);
  // The Inbox is the team's: the mailboxes of the signed-in tenant (or the one chosen on the sign-in
  // page), read through that tenant's own inbox. The instructor's view lists every tenant's.
  const mine = myTenant();
  const scoped = access.keysRequired && access.scope === 'admin' ? all : mine ? all.filter((t) => t.name === mine) : access.keysRequired ? [] : all;
  const tenants = (await Promise.all(scoped.map(withPersonas))).filter((t): t is Obj => Boolean(t?.users) && reaches(t!.name));
  const users = tenants.flatMap((t) => (t.users as Obj[]).map((u): Obj => ({ ...u, tenant: t.name })));
  const to = route.query.get('to') ?? c?.upn ?? users[0]?.userPrincipalName ?? '';
  /** The tenant a mailbox belongs to: its inbox is read under /_emulator/tenants/{tenant}/mail. */
  const tenantOfMailbox = (upn: string): string | undefined => users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase())?.tenant ?? tenants.find((t) => upn.toLowerCase().endsWith(`@${t.domain}`))?.name ?? mine;
  header(view, { title: 'Inbox', subtitle: 'The mail PIM sent, as each recipient receives it (captured by the emulator\u2019s SMTP server \u2014 not part of Microsoft Entra). New mail appears by itself.' });
  const mailbox = h('select', { id: 'mailbox', value: to }, users.map((u) => h('option', { value: u.userPrincipalName, text: `${u.displayName} <${u.userPrincipalName}>` })));
  if (to && !users.some((u) => u.userPrincipalName === to)) mailbox.prepend(h('option', { value: to, text: to }));
  mailbox.value = to;
  mailbox.addEventListener('change', () => go(`#/inbox?to=${encodeURIComponent(mailbox.value)}`));
  const listEl = h('div', { class: 'mail-list', id: 'mail-list', 'aria-label': 'Messages' });
  const reading = h('div', { class: 'mail-read', id: 'mail-read', 'aria-live': 'polite' }, h('p', { class: 'hint', text: 'Select a message to read it.' }));
  const count = h('p', { class: 'hint', id: 'mail-count', role: 'status' });
  put(view, h('div', { class: 'filterbar' }, h('label', { for: 'mailbox', text: 'Mailbox', style: 'margin:0' }), mailbox, count), h('div', { class: 'mail' }, listEl, reading));

  let ids = '';
  let selected = route.query.get('id');
  const open = async (id: string) => {
    selected = id;
    listEl.querySelectorAll('button').forEach((b) => b.setAttribute('aria-current', String(b.dataset.id === id)));
    try {
      const m = await emu(`/tenants/${encodeURIComponent(tenantOfMailbox(mailbox.value) ?? '')}/mail/${encodeURIComponent(id)}`);
      const portalLink = /#\/roles\/([0-9a-f-]{36})/i.exec(m.text ?? '')?.[1];
      const frame = h('iframe', { title: `Message: ${m.subject}`, sandbox: '', srcdoc: m.html || `<pre>${(m.text ?? '').replace(/[&<>]/g, (x: string) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[x as '&' | '<' | '>'])}</pre>` });
      fill(reading, 
        h('h2', { id: 'mail-subject', text: m.subject }),
        h('dl', {}, h('dt', { text: 'From' }), h('dd', { text: `${m.from?.name ?? ''} <${m.from?.address ?? ''}>` }), h('dt', { text: 'To' }), h('dd', { text: (m.to ?? []).map((a: Obj) => a.address).join(', ') }), h('dt', { text: 'Date' }), h('dd', { text: fmt(m.date ?? m.received) })),
        portalLink ? h('p', {}, h('a', { class: 'button', href: `#/pim/roles/${portalLink}`, text: 'Open the role in the portal' })) : null,
        frame,
        h('details', {}, h('summary', { text: 'Plain text' }), h('pre', { text: m.text ?? '' })));
    } catch (e) {
      fill(reading, errorBanner(e, 'The message could not be read'));
    }
  };
  const refresh = async (first: boolean) => {
    let res;
    try {
      res = await emu(`/tenants/${encodeURIComponent(tenantOfMailbox(mailbox.value) ?? '')}/mail?to=${encodeURIComponent(mailbox.value)}&limit=100`);
    } catch (e) {
      if (first) fill(listEl, errorBanner(e, 'The inbox could not be read'));
      return;
    }
    const now = res.messages.map((m: Obj) => m.id).join(',');
    // The first answer is always painted: an empty inbox says so at once.
    if (now === ids && !first) return;
    const before = new Set(ids.split(',').filter(Boolean));
    const fresh = res.messages.filter((m: Obj) => !before.has(m.id)).length;
    ids = now;
    count.textContent = `${res.total} message(s)`;
    if (!first && fresh) announce(`${fresh} new message(s) in ${mailbox.value}.`);
    fill(listEl, res.messages.length
      ? h('ul', {}, res.messages.map((m: Obj) => h('li', {}, h('button', { type: 'button', 'data-id': m.id, 'aria-current': String(m.id === selected), onclick: () => open(m.id) },
        h('span', { class: 'date', text: fmt(m.date ?? m.received) }),
        h('span', { class: 'from', text: m.from?.name || m.from?.address }),
        h('span', { class: 'subject', text: m.subject }),
        h('span', { class: 'snippet', text: m.snippet })))))
      : h('div', { class: 'empty' }, h('strong', { text: 'No mail yet' }), 'PIM mails admins on every assignment and activation.'));
  };
  await refresh(true);
  if (selected) void open(selected);
  every(2000, () => void refresh(false));
}
