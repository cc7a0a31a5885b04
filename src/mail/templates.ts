import type { Kind } from '../pim/model.js';
import { escapeHtml } from '../html.js';

/**
 * PIM's notification mails, rendered from plain facts. Pure: no I/O, no clock, no store.
 *
 * Microsoft documents only one subject verbatim — "PIM: Alain Charon was permanently assigned the
 * Backup Reader role" (reference §8, ED pim-email-notifications.md); the others are shown only in
 * screenshots, so the emulator words them in the same pattern: "PIM: " + who + what + "the {role} role".
 * Every mail has a text and an HTML part carrying the same facts.
 */

export type MailAudience = 'admin' | 'requestor' | 'approver';
export type Decision = 'approved' | 'denied';
export type ReminderWhich = '14d' | '1d' | 'expired';
export type ExtensionOperation = 'extend' | 'renew';

export interface MailFacts {
  tenant: { name: string; displayName: string; domain: string };
  /** The principal the mail is about (a user; for a group principal, the group: userPrincipalName is then its mail or null). */
  user: { displayName: string; userPrincipalName: string | null };
  role: { id: string; displayName: string };
  kind: Kind;
  start: string | null;
  /** null = permanent (no expiration). */
  end: string | null;
  justification: string | null;
  ticket: { ticketNumber: string | null; ticketSystem: string | null };
  requestId: string | null;
  /** Who made the request (an admin, or the user for self-service actions). */
  actor: { displayName: string } | null;
  /** Link to the role in the emulator portal. */
  portalUrl: string;
  audience: MailAudience;
  /** The IANA zone the recipients read times in; UTC (named as such) when the directory has none. */
  timeZone?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What varies between mails; the rest (the facts table, the link, the footer) is shared. */
interface Parts {
  subject: string;
  /** The first paragraph. */
  lead: string;
  /** An optional second paragraph (what to do next). */
  note?: string;
  /** The link's label. */
  action?: string;
}

const PREFIX = 'PIM: ';

const isRequestor = (f: MailFacts) => f.audience === 'requestor';
const permanent = (f: MailFacts) => f.end === null;
/** "eligible" / "active": the two kinds of assignment PIM has. */
const kindWord = (f: MailFacts) => (f.kind === 'eligibility' ? 'eligible' : 'active');
const byActor = (f: MailFacts) => f.actor?.displayName ?? 'An administrator';
const possessive = (name: string) => `${name}'s`;
/** ", until {end}" for a time-bound assignment; nothing for a permanent one (the sentence says "permanently"). */
const untilEnd = (f: MailFacts) => (f.end === null ? '' : `, until ${at(f, f.end)}`);
const ends = (f: MailFacts) => (f.end === null ? 'It has no end date (permanent).' : `It ends ${at(f, f.end)}.`);
const at = (f: MailFacts, iso: string) => mailTime(iso, f.timeZone);

const TIME_PARTS = new Map<string, Intl.DateTimeFormat>();
/**
 * An instant as people read it in a mail, in the recipient's zone and naming it, as Microsoft's mails
 * show times (e.g. "Thursday, December 4, 2026 12:03 PM (UTC)") rather than ISO 8601. Built from
 * formatToParts, so the words do not change with the ICU version. Anything that is not a date
 * (a catalogue placeholder) is returned as it is.
 */
export function mailTime(iso: string, timeZone = 'UTC'): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  let fmt = TIME_PARTS.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true });
    TIME_PARTS.set(timeZone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.weekday}, ${p.month} ${p.day}, ${p.year} ${p.hour}:${p.minute} ${p.dayPeriod} (${timeZone === 'UTC' ? 'UTC' : timeZone})`;
}

// ── (a) eligible assignment created ─────────────────────────────────────────────────────────────

export function eligibleAssignedMail(f: MailFacts): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `You are eligible for the ${role} role`,
      lead: `You are ${permanent(f) ? 'permanently ' : ''}eligible for the ${role} role in ${f.tenant.displayName}${untilEnd(f)}.`,
      note: 'Eligible means the role is available to you but its permissions are off until you activate it in PIM (My roles).',
      action: 'Open the role in PIM',
    });
  }
  return render(f, {
    subject: permanent(f) ? `${f.user.displayName} was made permanently eligible for the ${role} role` : `${f.user.displayName} was made eligible for the ${role} role`,
    lead: `${byActor(f)} made ${f.user.displayName} ${permanent(f) ? 'permanently ' : ''}eligible for the ${role} role in ${f.tenant.displayName}${untilEnd(f)}.`,
  });
}

// ── (b) active assignment created ───────────────────────────────────────────────────────────────

export function activeAssignedMail(f: MailFacts): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `You are assigned the ${role} role`,
      lead: `You are ${permanent(f) ? 'permanently ' : ''}assigned the ${role} role in ${f.tenant.displayName}${untilEnd(f)}.`,
      note: 'An active assignment needs no activation: the role’s permissions are yours while it lasts.',
    });
  }
  return render(f, {
    // The documented example (reference §8): "PIM: Alain Charon was permanently assigned the Backup Reader role".
    subject: permanent(f) ? `${f.user.displayName} was permanently assigned the ${role} role` : `${f.user.displayName} was assigned the ${role} role`,
    lead: `${byActor(f)} ${permanent(f) ? 'permanently ' : ''}assigned ${f.user.displayName} the ${role} role in ${f.tenant.displayName}${untilEnd(f)}.`,
  });
}

// ── (c) role activated ──────────────────────────────────────────────────────────────────────────

export function roleActivatedMail(f: MailFacts): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `You have activated the ${role} role`,
      lead: `You activated the ${role} role in ${f.tenant.displayName}. ${ends(f)}`,
      note: 'Deactivate the role in PIM when you are done; sign out and in again if an application does not see the new permissions yet.',
    });
  }
  return render(f, {
    subject: `${f.user.displayName} has the ${role} role activated`,
    lead: `${f.user.displayName} activated the ${role} role in ${f.tenant.displayName}. ${ends(f)}`,
  });
}

// ── (d) activation pending approval, and its decision ───────────────────────────────────────────

export function activationApprovalRequestedMail(f: MailFacts): RenderedMail {
  const role = f.role.displayName;
  return render(f, {
    subject: `${f.user.displayName} requests approval to activate the ${role} role`,
    lead: `${f.user.displayName} requests approval to activate the ${role} role in ${f.tenant.displayName}, from ${f.start ? at(f, f.start) : 'now'}${untilEnd(f)}.`,
    note: 'Approve or deny the request in PIM (Approve requests). The first approver’s decision resolves it; you cannot approve your own request.',
    action: 'Review the request in PIM',
  });
}

export function activationDecidedMail(f: MailFacts, decision: Decision): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `Your request to activate the ${role} role was ${decision}`,
      lead: decision === 'approved'
        ? `Your request to activate the ${role} role in ${f.tenant.displayName} was approved. The role is active from ${f.start ? at(f, f.start) : 'now'}${untilEnd(f)}.`
        : `Your request to activate the ${role} role in ${f.tenant.displayName} was denied. The role was not activated.`,
    });
  }
  return render(f, {
    subject: `${possessive(f.user.displayName)} request to activate the ${role} role was ${decision}`,
    lead: `${possessive(f.user.displayName)} request to activate the ${role} role in ${f.tenant.displayName} was ${decision}.`,
  });
}

// ── (e) updated, extended, renewed, removed, deactivated ────────────────────────────────────────

function assignmentChanged(f: MailFacts, verb: 'updated' | 'extended' | 'renewed'): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `Your ${role} assignment was ${verb}`,
      lead: `Your ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} was ${verb}. ${ends(f)}`,
    });
  }
  return render(f, {
    subject: `${possessive(f.user.displayName)} ${role} assignment was ${verb}`,
    lead: `${byActor(f)} ${verb} ${possessive(f.user.displayName)} ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName}. ${ends(f)}`,
  });
}

export const assignmentUpdatedMail = (f: MailFacts): RenderedMail => assignmentChanged(f, 'updated');
/** An admin extended an assignment directly (adminExtend). */
export const assignmentExtendedMail = (f: MailFacts): RenderedMail => assignmentChanged(f, 'extended');
/** An admin renewed an expired assignment (adminRenew). */
export const assignmentRenewedMail = (f: MailFacts): RenderedMail => assignmentChanged(f, 'renewed');

export function assignmentRemovedMail(f: MailFacts): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `You were removed from the ${role} role`,
      lead: `Your ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} was removed.`,
    });
  }
  return render(f, {
    subject: `${f.user.displayName} was removed from the ${role} role`,
    lead: `${byActor(f)} removed ${possessive(f.user.displayName)} ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName}.`,
  });
}

export function roleDeactivatedMail(f: MailFacts): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `You deactivated the ${role} role`,
      lead: `You deactivated the ${role} role in ${f.tenant.displayName}. Its permissions are no longer active; your eligibility stays.`,
    });
  }
  return render(f, {
    subject: `${f.user.displayName} deactivated the ${role} role`,
    lead: `${f.user.displayName} deactivated the ${role} role in ${f.tenant.displayName}.`,
  });
}

// ── (f) expiry reminders ────────────────────────────────────────────────────────────────────────

/** 14 days and 1 day before the end of an assignment with an end date, and when it ends (reference §8). */
export function expiryReminderMail(f: MailFacts, which: ReminderWhich): RenderedMail {
  const role = f.role.displayName;
  const whose = isRequestor(f) ? 'Your' : possessive(f.user.displayName);
  const when = which === '14d' ? 'expires in 14 days' : which === '1d' ? 'expires in 1 day' : 'has expired';
  const lead = which === 'expired'
    ? `${whose} ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} expired on ${f.end ? at(f, f.end) : 'its end date'}.`
    : `${whose} ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} ends on ${f.end ? at(f, f.end) : 'its end date'}, in ${which === '14d' ? '14 days' : '1 day'}.`;
  const note = isRequestor(f)
    ? which === 'expired'
      ? 'To get the role back, request a renewal in PIM (My roles > Expired roles).'
      : 'To keep the role, request an extension in PIM (My roles) before it expires.'
    : which === 'expired'
      ? 'An administrator can renew the assignment in PIM.'
      : 'An administrator can extend the assignment in PIM before it expires.';
  return render(f, { subject: `${whose} ${role} assignment ${when}`, lead, note });
}

// ── (g) extension and renewal requests, and their decision ──────────────────────────────────────

export function extensionRequestedMail(f: MailFacts, operation: ExtensionOperation): RenderedMail {
  const role = f.role.displayName;
  if (isRequestor(f)) {
    return render(f, {
      subject: `Your request to ${operation} the ${role} role was submitted`,
      lead: `Your request to ${operation} your ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} waits for an administrator.`,
    });
  }
  return render(f, {
    subject: `${f.user.displayName} requests to ${operation} the ${role} role`,
    lead: `${f.user.displayName} requests to ${operation} their ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName}${untilEnd(f)}.`,
    note: `Approve or deny the ${operation === 'extend' ? 'extension' : 'renewal'} in PIM.`,
    action: 'Review the request in PIM',
  });
}

export function extensionDecidedMail(f: MailFacts, operation: ExtensionOperation, decision: Decision): RenderedMail {
  const role = f.role.displayName;
  const outcome = decision === 'approved' ? ` ${ends(f)}` : '';
  if (isRequestor(f)) {
    return render(f, {
      subject: `Your request to ${operation} the ${role} role was ${decision}`,
      lead: `Your request to ${operation} your ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} was ${decision}.${outcome}`,
    });
  }
  return render(f, {
    subject: `${possessive(f.user.displayName)} request to ${operation} the ${role} role was ${decision}`,
    lead: `${possessive(f.user.displayName)} request to ${operation} their ${kindWord(f)} assignment to the ${role} role in ${f.tenant.displayName} was ${decision}.${outcome}`,
  });
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────────

/** Values go into a header: a line break in a display name must not start a new header line. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

export { escapeHtml };

/** The facts table, in the order both parts show it; rows whose value is unknown are left out. */
function rows(f: MailFacts): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  out.push(['User', f.user.userPrincipalName ? `${f.user.displayName} (${f.user.userPrincipalName})` : f.user.displayName]);
  out.push(['Role', f.role.displayName]);
  out.push(['Assignment type', f.kind === 'eligibility' ? 'Eligible' : 'Active']);
  out.push(['Tenant', `${f.tenant.displayName} (${f.tenant.domain})`]);
  // Times for people, as Microsoft's mails show them (tools read the Graph objects, not the mail).
  out.push(['Start', f.start ? at(f, f.start) : 'Not specified']);
  out.push(['End', f.end ? at(f, f.end) : 'Permanent']);
  if (f.justification) out.push(['Justification', f.justification]);
  const { ticketNumber, ticketSystem } = f.ticket;
  if (ticketNumber || ticketSystem) out.push(['Ticket', ticketNumber && ticketSystem ? `${ticketNumber} (${ticketSystem})` : (ticketNumber ?? ticketSystem!)]);
  if (f.requestId) out.push(['Request ID', f.requestId]);
  if (f.actor) out.push(['Requested by', f.actor.displayName]);
  return out;
}

const FOOTER: Record<MailAudience, string> = {
  admin: 'You receive this mail as an administrator of role assignments in PIM, or because the role settings list your address.',
  requestor: 'You receive this mail because the assignment is yours (or a group’s you belong to).',
  approver: 'You receive this mail as an approver for this role.',
};

function render(f: MailFacts, p: Parts): RenderedMail {
  const subject = oneLine(PREFIX + p.subject);
  const action = p.action ?? 'Open the role in PIM';
  const table = rows(f);
  const width = Math.max(...table.map(([k]) => k.length)) + 2;
  const sender = `Microsoft Entra Privileged Identity Management (emulated) for ${f.tenant.displayName} (${f.tenant.domain}).`;
  const text = [
    p.lead,
    '',
    ...table.map(([k, v]) => `${`${k}:`.padEnd(width)}${v.replace(/\r?\n/g, `\n${' '.repeat(width)}`)}`),
    '',
    `${action}: ${f.portalUrl}`,
    ...(p.note ? ['', p.note] : []),
    '',
    '--',
    FOOTER[f.audience],
    sender,
    '',
  ].join('\n');

  const e = escapeHtml;
  const cell = 'padding:6px 0;vertical-align:top;white-space:pre-wrap;word-break:break-word;';
  const head = 'padding:6px 16px 6px 0;vertical-align:top;text-align:left;font-weight:600;color:#605e5c;white-space:nowrap;';
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f3f2f1;font-family:\'Segoe UI\',Helvetica,Arial,sans-serif;color:#323130;font-size:14px;line-height:1.5;">',
    '<div style="max-width:640px;margin:0 auto;background:#ffffff;border:1px solid #e1dfdd;padding:24px;">',
    `<p style="margin:0 0 8px;font-size:12px;color:#605e5c;">Privileged Identity Management · ${e(f.tenant.displayName)}</p>`,
    `<h1 style="margin:0 0 16px;font-size:20px;font-weight:600;">${e(subject.slice(PREFIX.length))}</h1>`,
    `<p style="margin:0 0 16px;">${e(p.lead)}</p>`,
    '<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;">',
    ...table.map(([k, v]) => `<tr><th scope="row" style="${head}">${e(k)}</th><td style="${cell}">${e(v)}</td></tr>`),
    '</table>',
    `<p style="margin:0 0 16px;"><a href="${e(f.portalUrl)}" style="display:inline-block;padding:8px 16px;background:#0078d4;color:#ffffff;text-decoration:none;border-radius:2px;">${e(action)}</a></p>`,
    `<p style="margin:0 0 16px;font-size:12px;color:#605e5c;">Or open <a href="${e(f.portalUrl)}" style="color:#0078d4;">${e(f.portalUrl)}</a></p>`,
    ...(p.note ? [`<p style="margin:0 0 16px;">${e(p.note)}</p>`] : []),
    `<hr style="border:0;border-top:1px solid #e1dfdd;margin:16px 0;">`,
    `<p style="margin:0;font-size:12px;color:#605e5c;">${e(FOOTER[f.audience])}<br>${e(sender)}</p>`,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
