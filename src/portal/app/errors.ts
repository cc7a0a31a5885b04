import { GraphFailure, SignedOut } from './api.js';
import { KEY } from './config.js';
import { store, h, announce } from './dom.js';
import { session, startSignIn, signOut } from './session.js';

// ------------------------------------------------------------------ errors in words

/** What each policy rule means, for the names Graph reports in RoleAssignmentRequestPolicyValidationFailed. */
export const RULE_WORDS: Record<string, string> = {
  MfaRule: 'multi-factor authentication is required',
  JustificationRule: 'a justification (reason) is required',
  TicketingRule: 'ticket information (ticket number and ticket system) is required',
  ExpirationRule: 'the duration or end date is beyond what the role settings allow, or an end date is required',
  EligibilityRule: 'there is no eligible assignment to activate for this role',
  ApprovalRule: 'the request needs approval',
};

export function failedRules(e: unknown): string[] {
  if (!(e instanceof GraphFailure) || e.code !== 'RoleAssignmentRequestPolicyValidationFailed') return [];
  const m = /\[(.*)\]/.exec(e.message);
  try {
    return m ? JSON.parse(`[${m[1]}]`) : [];
  } catch {
    return [];
  }
}

export function errorBanner(e: unknown, title = 'The request failed'): HTMLElement {
  if (e instanceof SignedOut) {
    return h('div', { class: 'banner warn', role: 'alert' },
      h('p', { text: e.message }),
      h('p', {}, h('button', { class: 'primary', type: 'button', onclick: () => signInAgain() }, 'Sign in again')));
  }
  const rules = failedRules(e);
  if (rules.length) {
    return h('div', { class: 'banner error', role: 'alert', id: 'rule-failure' },
      h('p', {}, h('strong', { text: 'The role settings (policy) refused this request:' })),
      h('ul', {}, rules.map((r: string) => h('li', {}, h('span', { class: 'rule-name', text: r }), `: ${RULE_WORDS[r] ?? 'a policy rule failed'}`))),
      graphSaid(`${(e as GraphFailure).code}: ${(e as GraphFailure).message}`));
  }
  const words: Record<string, string> = {
    UnauthorizedAccessException: 'You do not hold a role that allows this (Privileged Role Administrator or Global Administrator for changes; a PIM reader role for reading others\u2019 data).',
    Authorization_RequestDenied: 'You do not have permission to read this.',
    AadPremiumLicenseRequired: 'This tenant has no Microsoft Entra ID P2 licence, so PIM is not available in it.',
    RoleAssignmentRequestAcrsValidationFailed: 'This role requires a Conditional Access authentication context: verify again to continue.',
    ActiveDurationTooShort: 'A role cannot be deactivated within five minutes of its activation.',
    RoleAssignmentExists: 'This assignment already exists.',
    RoleAssignmentDoesNotExist: 'There is no such assignment (it may have ended already).',
    PendingRoleAssignmentRequest: 'A request for this role is already waiting for approval.',
  };
  const code = e instanceof GraphFailure ? e.code : '';
  return h('div', { class: 'banner error', role: 'alert' },
    h('p', {}, h('strong', { text: `${title}.` }), words[code] ? ` ${words[code]}` : ''),
    // Said in words above: the status and code stay one click away. Otherwise the message is all there is.
    e instanceof GraphFailure && words[code]
      ? graphSaid(`${e.status} ${code}: ${e.message}`)
      : h('p', { class: 'hint' }, e instanceof GraphFailure ? h('span', { class: 'code', text: `${e.status} ${code || 'Error'}: ${e.message}` }) : String((e as Error)?.message ?? e)));
}

/** What Microsoft Graph answered, word for word, behind a details toggle (the banner says it in words). */
const graphSaid = (wire: string): HTMLElement =>
  h('details', { class: 'tech' }, h('summary', { text: 'What Microsoft Graph said' }), h('span', { class: 'code', text: wire }));

export function signInAgain(): void {
  const s = session();
  const tenant = s?.tenant ?? store.get(KEY.tenant) ?? 'contoso';
  const upn = s?.claims?.upn ?? s?.claims?.preferred_username;
  signOut();
  void startSignIn({ tenant, loginHint: upn, mfa: !store.get(KEY.skipMfa) });
}

/** An error after an action on a listed row: shown above the list. */
export function showInline(e: unknown, title: string): void {
  const main = document.querySelector('#main .view');
  main?.querySelector('.inline-error')?.remove();
  const banner = errorBanner(e, title);
  banner.classList.add('inline-error');
  main?.querySelector('h1')?.after(banner);
  announce(`${title}.`);
}
