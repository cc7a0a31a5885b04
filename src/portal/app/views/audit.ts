import { list, emu } from '../api.js';
import { h, put } from '../dom.js';
import { errorBanner } from '../errors.js';
import { fmt } from '../format.js';
import { go } from '../router.js';
import { session, me } from '../session.js';
import { header, PIM_CRUMB, table } from '../ui.js';
import type { Obj, Route, Stale } from '../types.js';

// ------------------------------------------------------------------ Audit history

export async function auditView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB, ['Audit history', '#/pim/audit']], title: 'Audit history | Microsoft Entra roles', subtitle: 'The directory audit log: assignments, activations and setting changes, newest first.' });
  const q = route.query.get('search') ?? '';
  const search = h('input', { type: 'search', id: 'audit-search', value: q, placeholder: 'e.g. INC1234 or sign-in logs' });
  const form = h('form', { class: 'filterbar', role: 'search', onsubmit: (ev: Event) => {
    ev.preventDefault();
    go(`#/pim/audit${search.value.trim() ? `?search=${encodeURIComponent(search.value.trim())}` : ''}`);
  } }, h('label', { for: 'audit-search', text: 'Search justifications', style: 'margin:0' }), search, h('button', { type: 'submit', id: 'audit-search-go' }, 'Search'));
  put(view, h('div', { class: 'blade' }, form,
    h('p', { class: 'hint', text: 'Search runs on the emulator (/_emulator/tenants/{tenant}/audit): Graph\u2019s $filter cannot look inside justifications. Without a search the list comes from Microsoft Graph (/v1.0/auditLogs/directoryAudits).' })));
  let records;
  try {
    if (q) {
      const t = session()!.tenant ?? me()!.tid;
      records = (await emu(`/tenants/${encodeURIComponent(t)}/audit?search=${encodeURIComponent(q)}`)).value ?? [];
    } else {
      records = await list('/v1.0/auditLogs/directoryAudits?$top=100');
    }
  } catch (e) {
    put(view, errorBanner(e, 'The audit log could not be read'));
    return;
  }
  if (stale()) return;
  const detail = (a: Obj, key: string) => a.additionalDetails?.find((d: Obj) => d.key === key)?.value;
  put(view, h('div', { class: 'blade', id: 'audit' },
    h('p', { class: 'hint', id: 'audit-count', role: 'status', text: q ? `${records.length} record(s) match \u201c${q}\u201d` : `The ${records.length} newest record(s)` }),
    table(['Date', 'Activity', 'Initiated by', 'Role', 'Target', 'Justification', 'Result'],
    records.map((a: Obj) => {
      const role = a.targetResources?.find((t: Obj) => t.type === 'Role');
      const target = a.targetResources?.find((t: Obj) => ['User', 'Group', 'ServicePrincipal'].includes(t.type));
      return [fmt(a.activityDateTime), a.activityDisplayName, a.initiatedBy?.user?.displayName ?? a.initiatedBy?.app?.displayName ?? '-', role?.displayName ?? '-', target?.displayName ?? '-', detail(a, 'Justification') ?? '-', a.result];
    }),
    [q ? `No audit records match \u201c${q}\u201d` : 'No audit records yet'])));
}
