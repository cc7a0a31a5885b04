import { graph, list } from '../api.js';
import { RM } from '../config.js';
import { h, put } from '../dom.js';
import { showInline } from '../errors.js';
import { flash } from '../flash.js';
import { fmt } from '../format.js';
import { roles, roleName, statusPill } from '../pim.js';
import { render } from '../router.js';
import { me } from '../session.js';
import { header, PIM_CRUMB, table, actions, confirmDialog } from '../ui.js';
import type { Obj, Route, Stale } from '../types.js';
import type { ScheduleKind } from '../pim.js';

// ------------------------------------------------------------------ My requests, Approve requests

export async function myRequestsView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB, ['My requests', '#/pim/my-requests']], title: 'My requests | Microsoft Entra roles', subtitle: 'Your requests: activations, deactivations, and what administrators did for you.' });
  put(view, h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')));
  const [map, a, e] = await Promise.all([
    roles().catch(() => new Map()),
    list(`${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='principal')`),
    list(`${RM}/roleEligibilityScheduleRequests/filterByCurrentUser(on='principal')`),
  ]);
  if (stale()) return;
  const rows = [...a.map((r) => ({ r, kind: 'assignment' as ScheduleKind })), ...e.map((r) => ({ r, kind: 'eligibility' as ScheduleKind }))].sort((x, y) => Date.parse(y.r.createdDateTime) - Date.parse(x.r.createdDateTime));
  const cancelable = new Set(['PendingApproval', 'PendingApprovalProvisioning', 'Granted', 'PendingProvisioning', 'PendingAdminDecision', 'PendingScheduleCreation']);
  put(view, h('div', { class: 'blade' }, table(['Role', 'Action', 'Status', 'Reason', 'Requested', 'Action'],
    rows.map(({ r, kind }) => {
      const name = roleName(map, r.roleDefinitionId);
      return [name, `${r.action} (${kind === 'assignment' ? 'active' : 'eligible'})`, h('span', { class: `pill ${statusPill(r.status)}`, text: r.status }), r.justification ?? '-', fmt(r.createdDateTime),
        actions(cancelable.has(r.status) && r.createdBy?.user?.id === me()!.oid
          ? h('button', { type: 'button', class: 'link', 'aria-label': `Cancel the ${r.action} request for ${name}`, onclick: () => cancelRequest(kind, r, name) }, 'Cancel')
          : '')];
    }),
    ['No requests found', 'Requests you make (or that administrators make for you) show here.'])));
}

async function cancelRequest(kind: ScheduleKind, r: Obj, name: string): Promise<void> {
  if (!(await confirmDialog('Cancel request', `Cancel your ${r.action} request for ${name}?`, 'Cancel request'))) return;
  try {
    await graph(`${RM}/${kind === 'assignment' ? 'roleAssignmentScheduleRequests' : 'roleEligibilityScheduleRequests'}/${r.id}/cancel`, { method: 'POST' });
    flash('ok', `The request for ${name} is canceled.`);
    void render();
  } catch (e) {
    showInline(e, 'The request could not be canceled');
  }
}
