// The catalogue of every mail the emulator sends, and the generator of the table in
// src/mail/README.md. Run `node --import tsx scripts/mail-catalogue.ts` to rewrite that table after a
// template or rule changes; test/unit/mail-templates.test.ts fails while the README and the templates differ.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kind } from '../src/pim/model.js';
import {
  activationApprovalRequestedMail, activationDecidedMail, activeAssignedMail, assignmentExtendedMail, assignmentRemovedMail,
  assignmentRenewedMail, assignmentUpdatedMail, eligibleAssignedMail, expiryReminderMail, extensionDecidedMail,
  extensionRequestedMail, roleActivatedMail, roleDeactivatedMail,
  type MailAudience, type MailFacts, type RenderedMail,
} from '../src/mail/templates.js';

// ── the catalogue (README table) ────────────────────────────────────────────────────────────────

export interface MailCatalogueEntry {
  /** The X-PIM-Event header value(s) of the mail. */
  event: string[];
  audience: MailAudience;
  /** Subject with {user} and {role} placeholders, rendered by the template itself. */
  subject: string;
  trigger: string;
  recipients: string;
  /** The notification rule(s) (reference §3.3) whose level and recipients control the mail. */
  rules: string[];
  /** Still sent when the rule's notificationLevel is Critical ("critical emails only"). */
  critical: boolean;
}

const RECIPIENTS: Record<MailAudience, string> = {
  admin: "Users with an active Global Administrator or Privileged Role Administrator role (PIM for Groups: the group's permanent owners)",
  requestor: 'The principal: the user, or every member of the group',
  approver: 'The primaryApprovers of Approval_EndUser_Assignment (users, group members); when none, active Privileged Role and Global Administrators',
};

const rule = (audience: MailAudience, ...suffixes: string[]) =>
  suffixes.map((s) => `Notification_${audience === 'admin' ? 'Admin' : audience === 'requestor' ? 'Requestor' : 'Approver'}_${s}`);
const BOTH_KINDS = ['Admin_Eligibility', 'Admin_Assignment'];
const both = (name: string) => [`eligibility.${name}`, `assignment.${name}`];

/** Placeholder facts: the catalogue's subjects come from the templates, so they cannot drift. */
function sample(audience: MailAudience, kind: Kind, end: string | null): MailFacts {
  return {
    tenant: { name: '{tenant}', displayName: '{tenant}', domain: '{domain}' },
    user: { displayName: '{user}', userPrincipalName: null },
    role: { id: '{roleId}', displayName: '{role}' },
    kind,
    start: '{start}',
    end,
    justification: null,
    ticket: { ticketNumber: null, ticketSystem: null },
    requestId: null,
    actor: null,
    portalUrl: '{portal}',
    audience,
  };
}

interface Spec {
  event: string[];
  audience: MailAudience;
  kind?: Kind;
  end?: string | null;
  mail: (f: MailFacts) => RenderedMail;
  trigger: string;
  rules: string[];
  critical?: boolean;
}

const SPECS: Spec[] = [
  { event: ['eligibility.assigned'], audience: 'admin', kind: 'eligibility', end: null, mail: eligibleAssignedMail, trigger: 'An admin makes a principal eligible with no end date (adminAssign, noExpiration)', rules: rule('admin', 'Admin_Eligibility') },
  { event: ['eligibility.assigned'], audience: 'admin', kind: 'eligibility', mail: eligibleAssignedMail, trigger: 'An admin makes a principal eligible until an end date (adminAssign)', rules: rule('admin', 'Admin_Eligibility') },
  { event: ['eligibility.assigned'], audience: 'requestor', kind: 'eligibility', mail: eligibleAssignedMail, trigger: 'An admin makes a principal eligible (adminAssign)', rules: rule('requestor', 'Admin_Eligibility') },
  { event: ['assignment.assigned'], audience: 'admin', end: null, mail: activeAssignedMail, trigger: 'An admin assigns a role as active with no end date (adminAssign, noExpiration)', rules: rule('admin', 'Admin_Assignment') },
  { event: ['assignment.assigned'], audience: 'admin', mail: activeAssignedMail, trigger: 'An admin assigns a role as active until an end date (adminAssign)', rules: rule('admin', 'Admin_Assignment') },
  { event: ['assignment.assigned'], audience: 'requestor', mail: activeAssignedMail, trigger: 'An admin assigns a role as active (adminAssign)', rules: rule('requestor', 'Admin_Assignment') },
  { event: ['assignment.activated'], audience: 'admin', mail: roleActivatedMail, trigger: 'An eligible user activates the role (selfActivate), or an approved activation starts', rules: rule('admin', 'EndUser_Assignment') },
  { event: ['assignment.activated'], audience: 'requestor', mail: roleActivatedMail, trigger: 'An eligible user activates the role (selfActivate), or an approved activation starts', rules: rule('requestor', 'EndUser_Assignment') },
  { event: ['assignment.deactivated'], audience: 'requestor', mail: roleDeactivatedMail, trigger: 'The user deactivates an activation (selfDeactivate)', rules: rule('requestor', 'EndUser_Assignment') },
  { event: ['assignment.approvalRequested'], audience: 'approver', mail: activationApprovalRequestedMail, trigger: 'An activation waits for approval (Approval_EndUser_Assignment isApprovalRequired)', rules: rule('approver', 'EndUser_Assignment'), critical: true },
  { event: ['assignment.approved'], audience: 'requestor', mail: (f) => activationDecidedMail(f, 'approved'), trigger: 'An approver approves the activation', rules: rule('requestor', 'EndUser_Assignment') },
  { event: ['assignment.denied'], audience: 'requestor', mail: (f) => activationDecidedMail(f, 'denied'), trigger: 'An approver denies the activation', rules: rule('requestor', 'EndUser_Assignment') },
  { event: both('updated'), audience: 'admin', mail: assignmentUpdatedMail, trigger: 'An admin changes an eligible or active assignment (adminUpdate)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('updated'), audience: 'requestor', mail: assignmentUpdatedMail, trigger: 'An admin changes an eligible or active assignment (adminUpdate)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('extended'), audience: 'admin', mail: assignmentExtendedMail, trigger: 'An admin extends an assignment (adminExtend)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('extended'), audience: 'requestor', mail: assignmentExtendedMail, trigger: 'An admin extends an assignment (adminExtend)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('renewed'), audience: 'admin', mail: assignmentRenewedMail, trigger: 'An admin renews an expired assignment (adminRenew)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('renewed'), audience: 'requestor', mail: assignmentRenewedMail, trigger: 'An admin renews an expired assignment (adminRenew)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('removed'), audience: 'admin', mail: assignmentRemovedMail, trigger: 'An admin removes an eligible or active assignment (adminRemove)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('removed'), audience: 'requestor', mail: assignmentRemovedMail, trigger: 'An admin removes an eligible or active assignment (adminRemove)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('reminder.14d'), audience: 'admin', mail: (f) => expiryReminderMail(f, '14d'), trigger: '14 days before an assignment with an end date expires (scheduler)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('reminder.14d'), audience: 'requestor', mail: (f) => expiryReminderMail(f, '14d'), trigger: '14 days before an assignment with an end date expires (scheduler)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('reminder.1d'), audience: 'admin', mail: (f) => expiryReminderMail(f, '1d'), trigger: '1 day before an assignment with an end date expires (scheduler)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('reminder.1d'), audience: 'requestor', mail: (f) => expiryReminderMail(f, '1d'), trigger: '1 day before an assignment with an end date expires (scheduler)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('reminder.expired'), audience: 'admin', mail: (f) => expiryReminderMail(f, 'expired'), trigger: 'An assignment reaches its end date (scheduler)', rules: rule('admin', ...BOTH_KINDS) },
  { event: both('reminder.expired'), audience: 'requestor', mail: (f) => expiryReminderMail(f, 'expired'), trigger: 'An assignment reaches its end date (scheduler)', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('extendRequested'), audience: 'admin', mail: (f) => extensionRequestedMail(f, 'extend'), trigger: 'A user asks to extend an assignment (selfExtend)', rules: rule('admin', ...BOTH_KINDS), critical: true },
  { event: both('extendRequested'), audience: 'approver', mail: (f) => extensionRequestedMail(f, 'extend'), trigger: 'A user asks to extend an assignment (selfExtend)', rules: rule('approver', ...BOTH_KINDS), critical: true },
  { event: both('renewRequested'), audience: 'admin', mail: (f) => extensionRequestedMail(f, 'renew'), trigger: 'A user asks to renew an expired assignment (selfRenew)', rules: rule('admin', ...BOTH_KINDS), critical: true },
  { event: both('renewRequested'), audience: 'approver', mail: (f) => extensionRequestedMail(f, 'renew'), trigger: 'A user asks to renew an expired assignment (selfRenew)', rules: rule('approver', ...BOTH_KINDS), critical: true },
  { event: both('extendDecided'), audience: 'requestor', mail: (f) => extensionDecidedMail(f, 'extend', 'approved'), trigger: 'An admin approves an extension request', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('extendDecided'), audience: 'requestor', mail: (f) => extensionDecidedMail(f, 'extend', 'denied'), trigger: 'An admin denies an extension request', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('renewDecided'), audience: 'requestor', mail: (f) => extensionDecidedMail(f, 'renew', 'approved'), trigger: 'An admin approves a renewal request', rules: rule('requestor', ...BOTH_KINDS) },
  { event: both('renewDecided'), audience: 'requestor', mail: (f) => extensionDecidedMail(f, 'renew', 'denied'), trigger: 'An admin denies a renewal request', rules: rule('requestor', ...BOTH_KINDS) },
];

/** Every mail the emulator sends: one row per (event, audience, subject variant). */
export const MAIL_CATALOGUE: readonly MailCatalogueEntry[] = SPECS.map((s) => ({
  event: s.event,
  audience: s.audience,
  subject: s.mail(sample(s.audience, s.kind ?? (s.event[0]!.startsWith('eligibility.') ? 'eligibility' : 'assignment'), s.end === undefined ? '{end}' : s.end)).subject,
  trigger: s.trigger,
  recipients: RECIPIENTS[s.audience],
  rules: s.rules,
  critical: s.critical ?? false,
}));

const md = (s: string) => s.replace(/\|/g, '\\|');

/** MAIL_CATALOGUE as the markdown table in src/mail/README.md. */
export function catalogueMarkdown(): string {
  const lines = [
    '| Event (`X-PIM-Event`) | To | Subject | Trigger | Default recipients | Notification rule | Sent at level |',
    '|---|---|---|---|---|---|---|',
    ...MAIL_CATALOGUE.map((c) =>
      `| ${c.event.map((e) => `\`${e}\``).join(', ')} | ${c.audience} | ${md(c.subject)} | ${md(c.trigger)} | ${md(c.recipients)} | ${c.rules.map((r) => `\`${r}\``).join(', ')} | ${c.critical ? 'All, Critical' : 'All'} |`,
    ),
  ];
  return lines.join('\n');
}

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'mail', 'README.md');
const TABLE = /\| Event \(`X-PIM-Event`\)[^\n]*\n\|---[^\n]*\n(?:\|[^\n]*\n?)*/;

/** Writes the catalogue table into src/mail/README.md, in place of the one there. */
export function writeCatalogue(file = README): void {
  const text = readFileSync(file, 'utf8');
  if (!TABLE.test(text)) throw new Error(`${file}: no catalogue table to replace`);
  writeFileSync(file, text.replace(TABLE, `${catalogueMarkdown()}\n`));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) writeCatalogue();
