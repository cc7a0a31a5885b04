import { graph, list } from '../api.js';
import { RM } from '../config.js';
import { h, fill, put } from '../dom.js';
import { errorBanner } from '../errors.js';
import { flash } from '../flash.js';
import { fmt, describeDuration } from '../format.js';
import { roles, roleName, usersById, statusPill } from '../pim.js';
import { go, render } from '../router.js';
import { header, PIM_CRUMB, table, actions, pane } from '../ui.js';
import type { Obj, Route, Stale } from '../types.js';

export async function approvalsView(view: HTMLElement, route: Route, stale: Stale): Promise<void> {
  header(view, { crumbs: [PIM_CRUMB, ['Approve requests', '#/pim/approvals']], title: 'Approve requests | Microsoft Entra roles', subtitle: 'Activation requests that need your approval. Approvers have 24 hours to decide.' });
  put(view, h('div', { class: 'commandbar' }, h('button', { type: 'button', class: 'command', id: 'refresh', onclick: () => render() }, '\u21bb Refresh')));
  const [map, all, users] = await Promise.all([
    roles().catch(() => new Map()),
    list(`${RM}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')`),
    usersById().catch(() => new Map()),
  ]);
  if (stale()) return;
  const pending = all.filter((r) => /^PendingApproval/.test(r.status)).sort((x, y) => Date.parse(x.createdDateTime) - Date.parse(y.createdDateTime));
  const done = all.filter((r) => !/^PendingApproval/.test(r.status)).sort((x, y) => Date.parse(y.createdDateTime) - Date.parse(x.createdDateTime));
  const who = (id: string): string => users.get(id)?.displayName ?? id;
  put(view, 
    h('h2', { text: 'Requests for role activations' }),
    h('div', { class: 'blade' }, table(['Requestor', 'Role', 'Reason', 'Requested', 'Duration', 'Action'],
      pending.map((r) => {
        const name = roleName(map, r.roleDefinitionId);
        return [who(r.principalId), name, r.justification ?? '-', fmt(r.createdDateTime), describeDuration(r.scheduleInfo?.expiration?.duration),
          actions(
            h('button', { type: 'button', class: 'link', 'aria-label': `Approve ${who(r.principalId)}'s request for ${name}`, onclick: () => go(`#/pim/approvals/review/${r.id}/Approve`) }, 'Approve'),
            h('button', { type: 'button', class: 'link', 'aria-label': `Deny ${who(r.principalId)}'s request for ${name}`, onclick: () => go(`#/pim/approvals/review/${r.id}/Deny`) }, 'Deny'))];
      }),
      ['No pending requests', 'Requests that need your approval show here.'])),
    h('h2', { text: 'Decided and closed' }),
    h('div', { class: 'blade' }, table(['Requestor', 'Role', 'Reason', 'Requested', 'Status'],
      done.map((r) => [who(r.principalId), roleName(map, r.roleDefinitionId), r.justification ?? '-', fmt(r.createdDateTime), h('span', { class: `pill ${statusPill(r.status)}`, text: r.status })]),
      ['Nothing yet'])));
  const [, , , id, decision] = route.parts;
  const r = pending.find((x) => x.id === id);
  if (route.parts[2] === 'review' && r) {
    const name = roleName(map, r.roleDefinitionId);
    const justification = h('textarea', { id: 'approval-justification', maxlength: '500' });
    const errors = h('div');
    const decide = async (result: 'Approve' | 'Deny') => {
      fill(errors);
      try {
        const approvalId = r.approvalId ?? r.id;
        const steps = (await graph(`/beta/roleManagement/directory/roleAssignmentApprovals/${approvalId}/steps`)).value ?? [];
        const step = steps.find((s: Obj) => s.status === 'InProgress' && s.assignedToMe) ?? steps[0];
        await graph(`/beta/roleManagement/directory/roleAssignmentApprovals/${approvalId}/steps/${step.id}`, { method: 'PATCH', body: { reviewResult: result, justification: justification.value.trim() || null } });
        flash('ok', `${result === 'Approve' ? 'Approved' : 'Denied'}: ${who(r.principalId)}'s request for ${name}.`);
        go('#/pim/approvals');
      } catch (e) {
        fill(errors, errorBanner(e, 'The decision was not saved'));
      }
    };
    pane(view, {
      title: decision === 'Deny' ? 'Deny request' : 'Approve request',
      subtitle: `${who(r.principalId)} \u00b7 ${name}`,
      onClose: () => go('#/pim/approvals'),
      body: [
        h('dl', {}, h('dt', { text: 'Reason' }), h('dd', { text: r.justification ?? '-' }), h('dt', { text: 'Duration' }), h('dd', { text: describeDuration(r.scheduleInfo?.expiration?.duration) })),
        h('label', { for: 'approval-justification', class: 'required', text: 'Justification' }), justification,
        errors,
      ],
      foot: [
        h('button', { type: 'button', class: decision === 'Deny' ? undefined : 'primary', onclick: () => decide('Approve') }, 'Approve'),
        h('button', { type: 'button', class: decision === 'Deny' ? 'primary' : undefined, onclick: () => decide('Deny') }, 'Deny'),
        h('button', { type: 'button', onclick: () => go('#/pim/approvals') }, 'Cancel'),
      ],
    });
  }
}
