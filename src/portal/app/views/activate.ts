import { GraphFailure, arm, armList, graph, list } from '../api.js';
import { ARM_PIM_API, KEY, PAG, RM } from '../config.js';
import { store, h, fill, announce } from '../dom.js';
import { failedRules, errorBanner } from '../errors.js';
import { flash } from '../flash.js';
import { fmt, hoursToIso, hoursText } from '../format.js';
import { roleName, policyRules, activationSettings, probeActivationSettings, probeGroupActivationSettings, groupPolicyRules, accessWord, type ActivationSettings } from '../pim.js';
import { go } from '../router.js';
import { session, me, hasMfa, startSignIn, refreshTokens } from '../session.js';
import { stagesList, pane } from '../ui.js';
import type { Child, Obj, RoleMap, Stale } from '../types.js';

/** The hours as the settings note says them. */
const upTo = (hours: number): string => (hours === 1 ? '1 hour' : `${hours} hours`);

/**
 * What the pane knows of the role's settings: read from the policy when the user's roles may read it
 * (admins, PIM readers), else learnt through validation-only requests (pim.ts), else not known.
 */
async function settingsFor(load: () => Promise<Obj>, probe: () => Promise<ActivationSettings | null>): Promise<{ settings: ActivationSettings; note: Child }> {
  const need = (s: ActivationSettings): string => {
    const parts = [s.mfa ? 'multi-factor authentication' : '', s.justification ? 'a reason' : '', s.ticketing ? 'ticket information' : '', s.approval ? 'an approver\u2019s approval' : ''].filter(Boolean);
    return parts.length ? ` To activate it you need ${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]}.` : '';
  };
  try {
    const settings = activationSettings(await load());
    return { settings, note: `This role can be active for up to ${upTo(settings.maxHours)} at a time.${need(settings)}` };
  } catch (e) {
    if (!(e instanceof GraphFailure) || (e.status !== 403 && e.status !== 401)) throw e;
  }
  // Eligible users usually may not read role settings: PIM's own answers to trial requests tell the limits.
  const probed = await probe();
  if (probed) {
    return {
      settings: probed,
      note: [`This role can be active for up to ${upTo(probed.maxHours)} at a time.${need(probed)} `,
        h('details', { class: 'inline-details' }, h('summary', { text: 'How the portal knows' }),
          h('span', { text: 'Your roles cannot read this role\u2019s settings, so the portal asked PIM to check trial requests that create nothing (isValidationOnly); PIM\u2019s answers give the longest duration allowed and what activation asks for.' }))],
    };
  }
  return {
    settings: { known: false, maxHours: 8, mfa: null, justification: null, ticketing: null, authContext: null, approval: false },
    note: 'The portal could not find out this role\u2019s limits. It offers up to 8 hours, the usual maximum; PIM checks the duration and what else the role needs when you select Activate.',
  };
}

/**
 * What is activated: a directory role, or a group's membership or ownership (PIM for Groups). The
 * pane is the same; the request's collection, its ids and where the instance shows differ.
 */
interface ActivationTarget {
  /** What a saved draft (kept across the step-up sign-in) belongs to. */
  draftId: string;
  name: string;
  subtitle: string;
  /** Where Cancel and × go, and where the activation lands. */
  back: string;
  done: string;
  load: () => Promise<Obj>;
  probe: () => Promise<ActivationSettings | null>;
  /** The schedule requests collection the selfActivate goes to. */
  requests: string;
  /** The request's ids besides principalId. */
  ids: Obj;
  /** The activated instance, once the lists show it. */
  findActive: (request: Obj) => Promise<Obj | undefined>;
  /**
   * Where the activation may go, when it can be narrowed (Azure resources: the eligibility's scope
   * and every resource group or resource below it); the choice goes into the request as directoryScopeId.
   */
  scopes?: () => Promise<Array<{ id: string; label: string }>>;
  /** Sends the (Graph-shaped) selfActivate request, or checks it only; Graph's POST unless given. */
  submit?: (request: Obj, validateOnly: boolean) => Promise<Obj>;
}

/** The activation pane (Phase 4) of a directory role. */
export async function activatePane(view: HTMLElement, roleId: string, map: RoleMap, stale: Stale): Promise<void> {
  return activateTarget(view, stale, {
    draftId: roleId,
    name: roleName(map, roleId),
    subtitle: 'Microsoft Entra roles \u00b7 Scope: Directory',
    back: '#/pim/my-roles/eligible',
    done: '#/pim/my-roles/active',
    load: () => policyRules(roleId),
    probe: () => probeActivationSettings(roleId, me()!.oid, hasMfa()),
    requests: `${RM}/roleAssignmentScheduleRequests`,
    ids: { roleDefinitionId: roleId, directoryScopeId: '/' },
    findActive: async () => (await list(`${RM}/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')`).catch(() => [])).find((a) => a.roleDefinitionId === roleId && a.assignmentType === 'Activated'),
  });
}

/** The activation pane of a group's membership or ownership (My roles › Groups). */
export async function groupActivatePane(view: HTMLElement, groupId: string, accessId: string, groupName: string, stale: Stale): Promise<void> {
  return activateTarget(view, stale, {
    draftId: `${groupId}_${accessId}`,
    name: `${accessWord(accessId)} - ${groupName}`,
    subtitle: `Groups \u00b7 Group: ${groupName}`,
    back: '#/pim/my-roles/groups/eligible',
    done: '#/pim/my-roles/groups/active',
    load: () => groupPolicyRules(groupId, accessId),
    probe: () => probeGroupActivationSettings(groupId, accessId, me()!.oid, hasMfa()),
    requests: `${PAG}/assignmentScheduleRequests`,
    ids: { accessId, groupId },
    findActive: async () => (await list(`${PAG}/assignmentScheduleInstances/filterByCurrentUser(on='principal')`).catch(() => []))
      .find((a) => a.groupId === groupId && String(a.accessId).toLowerCase() === accessId && String(a.assignmentType).toLowerCase() === 'activated'),
  });
}

/** A random version-4 GUID: ARM's schedule requests are PUT under a name the client chooses. */
export function newGuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const AUTH = '/providers/Microsoft.Authorization';

/** The role management policy of an Azure role at a scope (ARM), its rules as the pane reads them. */
async function azurePolicy(scope: string, roleDefinitionId: string): Promise<Obj> {
  const filter = encodeURIComponent(`roleDefinitionId eq '${roleDefinitionId}'`);
  const assignments = await armList(`${scope}${AUTH}/roleManagementPolicyAssignments?${ARM_PIM_API}&$filter=${filter}`);
  const policyId = assignments[0]?.properties?.policyId;
  if (!policyId) throw new Error(`No role management policy for ${roleDefinitionId} at ${scope}.`);
  const policy = await arm(`${policyId}?${ARM_PIM_API}`);
  return { rules: policy.properties?.effectiveRules ?? policy.properties?.rules ?? [] };
}

/**
 * The activation pane of an Azure role (My roles › Azure resources): the same pane, sent to ARM as a
 * SelfActivate schedule request PUT under a new GUID at the eligibility's scope, checked first with
 * …/validate. `eligibility` is the eligible instance as ARM lists it.
 */
export async function azureActivatePane(view: HTMLElement, eligibility: Obj, stale: Stale): Promise<void> {
  const p = eligibility.properties ?? {};
  const scope: string = p.scope;
  const roleName: string = p.expandedProperties?.roleDefinition?.displayName ?? p.roleDefinitionId;
  const scopeName: string = p.expandedProperties?.scope?.displayName ?? scope;
  const scopeType: string = p.expandedProperties?.scope?.type ?? 'scope';
  const same = (a: unknown, b: unknown) => String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
  return activateTarget(view, stale, {
    draftId: `azure_${eligibility.name}`,
    name: roleName,
    subtitle: `Azure resources \u00b7 ${scopeType === 'subscription' ? 'Subscription' : scopeType === 'resourcegroup' ? 'Resource group' : 'Resource'}: ${scopeName}`,
    back: '#/pim/my-roles/azure/eligible',
    done: '#/pim/my-roles/azure/active',
    load: () => azurePolicy(scope, p.roleDefinitionId),
    probe: async () => null,
    requests: `${scope}${AUTH}/roleAssignmentScheduleRequests`,
    ids: {},
    findActive: async (request) => {
      const at: string = request.directoryScopeId ?? scope;
      const rows = await armList(`${at}${AUTH}/roleAssignmentScheduleInstances?${ARM_PIM_API}&$filter=${encodeURIComponent('asTarget()')}`).catch(() => []);
      const row = rows.find((a) => same(a.properties?.roleDefinitionId, p.roleDefinitionId) && same(a.properties?.scope, at) && same(a.properties?.assignmentType, 'Activated'));
      return row ? { endDateTime: row.properties.endDateTime } : undefined;
    },
    scopes: async () => {
        const children = await armList(`${scope}${AUTH}/eligibleChildResources?${ARM_PIM_API}`).catch(() => []);
        const kind = (t: unknown) => (same(t, 'subscription') ? 'Subscription' : same(t, 'resourcegroup') ? 'Resource group' : 'Resource');
        return [{ id: scope, label: `${scopeName} (${kind(scopeType)})` }, ...children.map((c) => ({ id: String(c.id), label: `${c.name} (${kind(c.type)})` }))];
      },
    submit: async (request, validateOnly) => {
      const at: string = request.directoryScopeId ?? scope;
      const body = {
        properties: {
          principalId: request.principalId,
          roleDefinitionId: p.roleDefinitionId,
          requestType: 'SelfActivate',
          linkedRoleEligibilityScheduleId: p.roleEligibilityScheduleId ?? null,
          justification: request.justification ?? null,
          ...(request.ticketInfo ? { ticketInfo: request.ticketInfo } : {}),
          scheduleInfo: { startDateTime: null, expiration: { type: 'AfterDuration', duration: request.scheduleInfo.expiration.duration, endDateTime: null } },
        },
      };
      const url = `${at}${AUTH}/roleAssignmentScheduleRequests/${newGuid()}`;
      const answer = validateOnly
        ? await arm(`${url}/validate?${ARM_PIM_API}`, { method: 'POST', body })
        : await arm(`${url}?${ARM_PIM_API}`, { method: 'PUT', body });
      return { ...answer, status: answer?.properties?.status };
    },
  });
}

/** The activation pane: duration, reason, ticket, step-up, the three stages. */
async function activateTarget(view: HTMLElement, stale: Stale, target: ActivationTarget): Promise<void> {
  const { name, draftId: roleId } = target;
  const close = () => go(target.back);
  const { settings, note: policyNote } = await settingsFor(target.load, target.probe);
  const scopeChoices = target.scopes ? await target.scopes() : [];
  const send = target.submit ?? ((request: Obj, validateOnly: boolean) => graph(target.requests, { method: 'POST', body: validateOnly ? { ...request, isValidationOnly: true } : request }));
  if (stale()) return;
  const draft = store.get(KEY.draft);
  const restored = draft?.roleId === roleId ? draft : null;
  if (restored) store.drop(KEY.draft);
  const state = { mfaFailed: Boolean(restored?.mfaFailed) && !hasMfa(), ticketNeeded: settings.ticketing || Boolean(restored?.ticketNeeded), acrs: restored?.acrs ?? null };

  const hours = Math.min(settings.maxHours, Math.max(0.5, Number(restored?.hours ?? settings.maxHours)));
  const slider = h('input', { type: 'range', id: 'duration', min: '0.5', max: String(settings.maxHours), step: '0.5', value: String(hours), 'aria-describedby': 'duration-hint', 'aria-valuetext': hoursText(hours) });
  const out = h('output', { for: 'duration', id: 'duration-out', text: hoursText(hours) });
  slider.addEventListener('input', () => {
    out.textContent = hoursText(Number(slider.value));
    slider.setAttribute('aria-valuetext', hoursText(Number(slider.value)));
  });
  const reasonRequired = settings.justification !== false;
  const reason = h('textarea', { id: 'reason', maxlength: '500', 'aria-describedby': 'reason-hint' });
  reason.value = restored?.reason ?? '';
  const ticketNumber = h('input', { type: 'text', id: 'ticket-number', value: restored?.ticketNumber ?? '' });
  const ticketSystem = h('input', { type: 'text', id: 'ticket-system', value: restored?.ticketSystem ?? '' });
  const ticketBox = h('div', { id: 'ticket-fields', hidden: !state.ticketNeeded },
    h('label', { for: 'ticket-number', class: 'required', text: 'Ticket number' }), ticketNumber,
    h('label', { for: 'ticket-system', class: 'required', text: 'Ticket system' }), ticketSystem);
  const scopeSelect = scopeChoices.length > 1
    ? h('select', { id: 'scope', 'aria-describedby': 'scope-hint' }, ...scopeChoices.map((c) => h('option', { value: c.id, text: c.label })))
    : null;
  if (scopeSelect && restored?.scope && scopeChoices.some((c) => c.id === restored.scope)) scopeSelect.value = restored.scope;
  const stepUp = h('div', { id: 'step-up' });
  const progress = h('div', { id: 'progress', 'aria-live': 'polite' });
  const errors = h('div', { id: 'activate-errors' });
  const activateBtn = h('button', { type: 'button', class: 'primary', id: 'activate' }, 'Activate');

  const needsStepUp = () => (state.acrs ? !(me()!.acrs ?? []).includes(state.acrs.value) : (settings.mfa === true || state.mfaFailed) && !hasMfa());
  const saveDraft = (extra = {}) => store.set(KEY.draft, { roleId, hours: Number(slider.value), reason: reason.value, ticketNumber: ticketNumber.value, ticketSystem: ticketSystem.value, mfaFailed: state.mfaFailed, ticketNeeded: state.ticketNeeded, acrs: state.acrs, scope: scopeSelect?.value, ...extra });
  const paintStepUp = () => {
    fill(stepUp, needsStepUp()
      ? h('div', { class: 'banner warn', role: 'alert' },
        h('button', { type: 'button', class: 'link', id: 'verify', onclick: () => {
          saveDraft();
          const s = session()!;
          void startSignIn({ tenant: s.tenant, loginHint: me()!.upn, mfa: true, returnTo: location.hash, purpose: 'stepup', claims: state.acrs?.claims });
        } }, 'Additional verification required. Click to continue'),
        h('p', { class: 'hint', text: state.acrs ? `This role requires the authentication context ${state.acrs.value}: sign in again to satisfy it.` : 'This role requires multi-factor authentication on activation, and your sign-in used a password only. Verify with your authenticator, then come back here.' }))
      : '');
  };
  paintStepUp();

  const body = [
    h('p', { class: 'hint', id: 'policy-note' }, policyNote),
    stepUp,
    ...(scopeSelect
      ? [h('label', { for: 'scope', text: 'Scope' }), scopeSelect,
        h('p', { class: 'hint', id: 'scope-hint', text: 'Request only what you need: the role is active at the scope you choose and below it, not above.' })]
      : []),
    h('label', { for: 'duration', text: 'Duration (hours)' }),
    h('div', { class: 'slider-row' }, slider, out),
    h('p', { class: 'hint', id: 'duration-hint', text: `Maximum: ${hoursText(settings.maxHours)}. The role ends by itself after this time; you can activate again.` }),
    h('label', { for: 'reason', class: reasonRequired ? 'required' : undefined, text: 'Reason' }),
    reason,
    h('p', { class: 'hint', id: 'reason-hint', text: 'Be specific, e.g. \u201cReviewing sign-in logs for compliance audit, ticket #INC1234\u201d. It goes into the audit log.' }),
    ticketBox,
    progress,
    errors,
  ];
  pane(view, {
    title: `Activate - ${name}`,
    subtitle: target.subtitle,
    onClose: close,
    body,
    foot: [activateBtn, h('button', { type: 'button', onclick: close }, 'Cancel')],
  });

  activateBtn.addEventListener('click', async () => {
    const c = me()!;
    const request = {
      action: 'selfActivate',
      principalId: c.oid,
      ...target.ids,
      ...(scopeSelect ? { directoryScopeId: scopeSelect.value } : {}),
      ...(reason.value.trim() ? { justification: reason.value.trim() } : {}),
      ...(ticketNumber.value.trim() || ticketSystem.value.trim() ? { ticketInfo: { ticketNumber: ticketNumber.value.trim() || null, ticketSystem: ticketSystem.value.trim() || null } } : {}),
      scheduleInfo: { expiration: { type: 'afterDuration', duration: hoursToIso(Number(slider.value)) } },
    };
    const stages: [string, string][] = [['Validating', 'running'], ['Activating', 'pending'], ['Refreshing', 'pending']];
    const paint = () => fill(progress, stagesList(stages));
    const set = (i: number, s: string) => {
      stages[i][1] = s;
      paint();
      announce(`${stages[i][0]}${s === 'done' ? ': done' : s === 'failed' ? ': failed' : '\u2026'}`);
    };
    fill(errors);
    activateBtn.disabled = true;
    activateBtn.setAttribute('aria-busy', 'true');
    paint();
    const fail = (i: number, e: unknown) => {
      set(i, 'failed');
      const rules = failedRules(e);
      if (rules.includes('MfaRule')) state.mfaFailed = true;
      if (rules.includes('TicketingRule')) {
        state.ticketNeeded = true;
        ticketBox.hidden = false;
      }
      if (e instanceof GraphFailure && e.code === 'RoleAssignmentRequestAcrsValidationFailed') {
        const m = /claims=([^\s]+)/.exec(e.message);
        const claims = m ? decodeURIComponent(m[1]) : null;
        const value = /'([^']+)'/.exec(e.message)?.[1] ?? 'c1';
        state.acrs = { value, claims };
      }
      fill(errors, errorBanner(e, 'The activation failed'));
      paintStepUp();
      activateBtn.disabled = false;
      activateBtn.removeAttribute('aria-busy');
    };
    // 1. Validating: the same request with isValidationOnly, so every rule answers before anything changes.
    try {
      await send(request, true);
      set(0, 'done');
    } catch (e) {
      return fail(0, e);
    }
    // 2. Activating.
    set(1, 'running');
    let created: Obj;
    try {
      created = await send(request, false);
      set(1, 'done');
    } catch (e) {
      return fail(1, e);
    }
    if (/^PendingApproval/.test(created.status)) {
      flash('ok', `Your request to activate ${name} is pending approval (${created.status}). An approver has 24 hours to decide.`);
      return go('#/pim/my-requests');
    }
    // 3. Refreshing: a new token (its wids carry the new role) and the lists once the role is there.
    set(2, 'running');
    await refreshTokens();
    let instance: Obj | undefined;
    for (let i = 0; i < 20 && !instance; i++) {
      instance = await target.findActive(request);
      if (!instance) await new Promise((r) => setTimeout(r, 250));
    }
    set(2, 'done');
    const until = instance?.endDateTime ? ` until ${fmt(instance.endDateTime)}` : created.status === 'Granted' ? ' from its start time' : '';
    flash('ok', `${name} is activated${until}.`, { stages: ['Validating', 'Activating', 'Refreshing'] });
    go(target.done);
  });
}
