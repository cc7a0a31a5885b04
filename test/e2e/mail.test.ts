import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Emulator } from '../../src/emulator.js';
import { headerList, Inbox } from '../../src/mail/inbox.js';
import { mailTime } from '../../src/mail/templates.js';
import { CONTOSO, ROLES, tempDir, testEmulator, tokenFor, USERS } from '../support/emulator.js';

/**
 * PIM's notification mails end to end: Graph over a real socket → the outbox → nodemailer → SMTP →
 * the capture inbox, read back only through its HTTP APIs (/_emulator/mail, Mailpit's /api/v1) or,
 * for an external relay, through that relay's own Inbox. Subjects are those of src/mail/templates.ts
 * (catalogue in src/mail/README.md); sender and recipients per reference §8 and §3.3.
 *
 * No fixed sleeps: arrival is awaited with the long-poll `wait`, absence is asserted after
 * POST /_emulator/clock, which settles the outbox before answering.
 */

const SENDER = 'Microsoft Security <MSSecurity-noreply@microsoft.com>';
const ADMIN = USERS.admin.upn;
const APPROVER = USERS.approver.upn;
const PIMUSER = USERS.pimuser.upn;
const ANALYST = USERS.analyst.upn;
/** The seeded Global Administrator and Privileged Role Administrator: PIM's default admin recipients. */
const ADMINS = [ADMIN, APPROVER];
const SECURITY_READER = ROLES.securityReader;
const DIR = '/v1.0/roleManagement/directory';
const DAY = 86_400_000;
const WAIT = '15s';

const PIM_USER = 'PIM User (pimuser@contoso.onmicrosoft.com)';
const TENANT = 'Contoso (contoso.onmicrosoft.com)';

const SUBJECT = {
  eligiblePermanentAdmin: 'PIM: PIM User was made permanently eligible for the Security Reader role',
  eligibleAdmin: 'PIM: PIM User was made eligible for the Security Reader role',
  eligibleRequestor: 'PIM: You are eligible for the Security Reader role',
  assignedPermanentAdmin: 'PIM: PIM User was permanently assigned the Security Reader role',
  assignedAnalystAdmin: 'PIM: Alex Analyst was assigned the Security Reader role',
  assignedRequestor: 'PIM: You are assigned the Security Reader role',
  activatedAdmin: 'PIM: PIM User has the Security Reader role activated',
  activatedRequestor: 'PIM: You have activated the Security Reader role',
  deactivatedRequestor: 'PIM: You deactivated the Security Reader role',
  updatedAdmin: "PIM: PIM User's Security Reader assignment was updated",
  updatedRequestor: 'PIM: Your Security Reader assignment was updated',
  removedAdmin: 'PIM: PIM User was removed from the Security Reader role',
  removedAnalystAdmin: 'PIM: Alex Analyst was removed from the Security Reader role',
  removedRequestor: 'PIM: You were removed from the Security Reader role',
  reminder14dAdmin: "PIM: PIM User's Security Reader assignment expires in 14 days",
  reminder1dAdmin: "PIM: PIM User's Security Reader assignment expires in 1 day",
  expiredAdmin: "PIM: PIM User's Security Reader assignment has expired",
  reminder14dRequestor: 'PIM: Your Security Reader assignment expires in 14 days',
  reminder1dRequestor: 'PIM: Your Security Reader assignment expires in 1 day',
  expiredRequestor: 'PIM: Your Security Reader assignment has expired',
} as const;

type Address = { name: string; address: string };
interface Mail {
  id: string;
  messageId: string;
  from: Address;
  to: Address[];
  cc: Address[];
  subject: string;
  date: string;
  received: string;
  headers: Array<{ key: string; value: string }>;
  text: string;
  html: string;
  size: number;
}
type Summary = Pick<Mail, 'id' | 'messageId' | 'from' | 'to' | 'subject' | 'date' | 'received' | 'size'> & { snippet: string };
interface GraphRequest {
  id: string;
  status: string;
  scheduleInfo: { startDateTime: string; expiration: { type: string; endDateTime: string | null; duration: string | null } } | null;
}
/** Mailpit's JSON (axllent/mailpit server/apiv1): PascalCase message fields, snake_case list counts. */
type MailpitAddress = { Name: string; Address: string };
interface MailpitSummary {
  ID: string;
  MessageID: string;
  Read: boolean;
  From: MailpitAddress | null;
  To: MailpitAddress[];
  Subject: string;
  Snippet: string;
  [field: string]: unknown;
}
interface MailpitList {
  total: number;
  unread: number;
  messages_count: number;
  messages_unread: number;
  start: number;
  tags: string[];
  messages: MailpitSummary[];
}
interface MailpitMessage extends MailpitSummary {
  Text: string;
  HTML: string;
}
interface Running {
  emu: Emulator;
  http: string;
  https: string;
  close: () => Promise<void>;
}

// ---------------------------------------------------------------- lifecycle

/** Run after each test, last registered first: emulators, relays, temp dirs. */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh emulator listening on free ports, closed after the test. `before` runs before listen(). */
async function start(config: Partial<Config> = {}, before?: (emu: Emulator) => void): Promise<Running> {
  const emu = await testEmulator(config);
  before?.(emu);
  const urls = await emu.listen();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await emu.close();
  };
  cleanups.push(close);
  return { emu, http: urls.http!, https: urls.https!, close };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Counts every message an Inbox receives over SMTP by Message-ID, before its de-duplication
 * (which would hide a second delivery of the same outbox message).
 */
function countDeliveries(inbox: Inbox): Map<string, number> {
  const seen = new Map<string, number>();
  const add = inbox.add.bind(inbox);
  inbox.add = (raw: string) => {
    const id = headerList(raw).find((h) => h.key.toLowerCase() === 'message-id')?.value ?? '';
    seen.set(id, (seen.get(id) ?? 0) + 1);
    return add(raw);
  };
  return seen;
}

// ---------------------------------------------------------------- Graph

async function call(h: Running, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${h.http}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const adminToken = (h: Running) => tokenFor(h.emu, ADMIN, { mfa: true });

/** POST a schedule request for Security Reader; expects 201. */
async function request(h: Running, kind: 'eligibility' | 'assignment', body: Record<string, unknown>, token?: string): Promise<GraphRequest> {
  const segment = kind === 'eligibility' ? 'roleEligibilityScheduleRequests' : 'roleAssignmentScheduleRequests';
  const res = await call(h, 'POST', `${DIR}/${segment}`, token ?? (await adminToken(h)), { roleDefinitionId: SECURITY_READER, directoryScopeId: '/', ...body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as GraphRequest;
}

const makeEligible = (h: Running, extra: Record<string, unknown> = {}) =>
  request(h, 'eligibility', {
    action: 'adminAssign', principalId: USERS.pimuser.id, justification: 'Member of the SOC rota',
    scheduleInfo: { expiration: { type: 'noExpiration' } }, ...extra,
  });

async function activate(h: Running, extra: Record<string, unknown> = {}): Promise<GraphRequest> {
  const token = await tokenFor(h.emu, PIMUSER, { mfa: true });
  return request(h, 'assignment', {
    action: 'selfActivate', principalId: USERS.pimuser.id, justification: 'Investigating alert 4711',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT8H' } }, ...extra,
  }, token);
}

/** The Security Reader policy's id, found the way the brief (and Microsoft's docs) do. */
async function securityReaderPolicyId(h: Running, token: string): Promise<string> {
  const filter = `scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${SECURITY_READER}'`;
  const res = await call(h, 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}`, token);
  expect(res.status).toBe(200);
  expect(res.json.value).toHaveLength(1);
  return res.json.value[0].policyId as string;
}

async function patchNotificationRule(h: Running, ruleId: string, body: Record<string, unknown>): Promise<void> {
  const token = await adminToken(h);
  const policyId = await securityReaderPolicyId(h, token);
  const path = `/v1.0/policies/roleManagementPolicies/${policyId}/rules/${ruleId}`;
  const res = await call(h, 'PATCH', path, token, { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule', ...body });
  expect(res.status, JSON.stringify(res.json)).toBe(204);
  expect((await call(h, 'GET', path, token)).json).toMatchObject(body);
}

// ---------------------------------------------------------------- the inbox API

/** Long-polls for the newest mail to `to` whose subject contains `subject`. */
async function waitMail(h: Running, to: string, subject: string): Promise<Mail> {
  const res = await fetch(`${h.http}/_emulator/mail/latest?${new URLSearchParams({ to, subject, wait: WAIT })}`);
  const body = await res.json();
  expect(res.status, `mail to ${to} '${subject}': ${JSON.stringify(body)}`).toBe(200);
  return body as Mail;
}

/** Matching mails, oldest first (the order the inbox received them). */
async function mails(h: Running, filter: { to?: string; subject?: string } = {}): Promise<Summary[]> {
  const res = await fetch(`${h.http}/_emulator/mail?${new URLSearchParams({ ...filter, limit: '1000' })}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { total: number; count: number; messages: Summary[] };
  expect(body.count).toBe(body.total);
  return body.messages.reverse();
}

const subjectsTo = async (h: Running, to: string) => (await mails(h, { to })).map((m) => m.subject);

/** How many mails each address received. */
async function perRecipient(h: Running): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await mails(h)) for (const a of m.to) out[a.address] = (out[a.address] ?? 0) + 1;
  return out;
}

async function advance(h: Running, duration: string): Promise<void> {
  const res = await fetch(`${h.http}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: duration }) });
  expect(res.status).toBe(200);
}

/** POST /_emulator/clock settles the outbox before answering: afterwards everything queued has crossed SMTP. */
async function settle(h: Running): Promise<void> {
  await advance(h, 'PT1S');
  expect(h.emu.ctx.mail.outbox.pending()).toBe(0);
}

// ---------------------------------------------------------------- what a mail says

const header = (m: Mail, name: string) => m.headers.find((x) => x.key.toLowerCase() === name.toLowerCase())?.value;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

/** A row of the facts table in the text part ("Role:        Security Reader"). */
function textFact(text: string, key: string): string | undefined {
  return new RegExp(`^${escapeRe(key)}:[ \\t]+(.*?)[ \\t\\r]*$`, 'm').exec(text)?.[1];
}

/** The same row in the HTML part (<th>Role</th><td>Security Reader</td>). */
function htmlFact(html: string, key: string): string | undefined {
  const m = new RegExp(`<th[^>]*>${escapeRe(escapeHtml(key))}</th><td[^>]*>([^<]*)</td>`).exec(html)?.[1];
  return m === undefined ? undefined : unescapeHtml(m);
}

interface Expected {
  subject: string;
  to: string[];
  /** Rows of the facts table, in both parts. */
  facts: Record<string, string>;
  /** Rows that must not be there (unknown facts are left out). */
  absent?: string[];
  event: string;
  audience: 'admin' | 'requestor' | 'approver';
  rule: string;
  requestId: string;
  portal: string;
}

function expectMail(m: Mail, want: Expected): void {
  expect(m.subject).toBe(want.subject);
  expect(`${m.from.name} <${m.from.address}>`).toBe(SENDER);
  expect(header(m, 'From')).toBe(SENDER);
  expect(m.to.map((a) => a.address).sort()).toEqual([...want.to].sort());
  expect(m.cc).toEqual([]);
  for (const [key, fact] of Object.entries(want.facts)) {
    const value = key === 'Start' || key === 'End' ? mailTime(fact) : fact;
    expect(textFact(m.text, key), `text: ${key}`).toBe(value);
    expect(htmlFact(m.html, key), `html: ${key}`).toBe(value);
  }
  for (const key of want.absent ?? []) {
    expect(textFact(m.text, key), `text: no ${key}`).toBeUndefined();
    expect(htmlFact(m.html, key), `html: no ${key}`).toBeUndefined();
  }
  // The link to the role in the emulator portal, in both parts.
  expect(m.text).toContain(`: ${want.portal}\n`);
  expect(m.html).toContain(`href="${escapeHtml(want.portal)}"`);
  expect(header(m, 'X-PIM-Event')).toBe(want.event);
  expect(header(m, 'X-PIM-Audience')).toBe(want.audience);
  expect(header(m, 'X-PIM-Notification-Rule')).toBe(want.rule);
  expect(header(m, 'X-PIM-Request-Id')).toBe(want.requestId);
  expect(header(m, 'X-PIM-Role-Id')).toBe(SECURITY_READER);
  expect(header(m, 'X-PIM-Tenant')).toBe(CONTOSO.id);
}

const portalOf = (h: Running) => `${h.http}/#/roles/${SECURITY_READER}?tenant=contoso`;
const isoMs = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const plusDuration = (start: string, ms: number) => isoMs(Date.parse(start) + ms);

// ================================================================ 1. each mail

describe('PIM notification mails through SMTP into the inbox', () => {
  it('(a) an eligible assignment: one alert to the Global and Privileged Role Administrators, one notice to the assignee', async () => {
    const h = await start();
    const justification = 'Quarterly <access> review & "audit"';
    const req = await makeEligible(h, { justification, ticketInfo: { ticketNumber: 'CHG-2041', ticketSystem: 'ServiceNow' } });
    const facts = {
      User: PIM_USER, Role: 'Security Reader', 'Assignment type': 'Eligible', Tenant: TENANT,
      Start: req.scheduleInfo!.startDateTime, End: 'Permanent', Justification: justification,
      Ticket: 'CHG-2041 (ServiceNow)', 'Request ID': req.id, 'Requested by': 'Contoso Admin',
    };
    const common = { facts, event: 'eligibility.assigned', requestId: req.id, portal: portalOf(h) };

    const alert = await waitMail(h, ADMIN, SUBJECT.eligiblePermanentAdmin);
    expectMail(alert, { ...common, subject: SUBJECT.eligiblePermanentAdmin, to: ADMINS, audience: 'admin', rule: 'Notification_Admin_Admin_Eligibility' });
    expect(alert.text.split('\n')[0]).toBe('Contoso Admin made PIM User permanently eligible for the Security Reader role in Contoso.');
    // Values are escaped in the HTML part, never interpreted.
    expect(alert.html).toContain('Quarterly &lt;access&gt; review &amp; &quot;audit&quot;');
    expect(alert.html).not.toContain('<access>');
    // Both administrators are on the same message.
    expect((await waitMail(h, APPROVER, SUBJECT.eligiblePermanentAdmin)).id).toBe(alert.id);

    const notice = await waitMail(h, PIMUSER, SUBJECT.eligibleRequestor);
    expectMail(notice, { ...common, subject: SUBJECT.eligibleRequestor, to: [PIMUSER], audience: 'requestor', rule: 'Notification_Requestor_Admin_Eligibility' });
    expect(notice.text.split('\n')[0]).toBe('You are permanently eligible for the Security Reader role in Contoso.');

    await settle(h);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 1, [APPROVER]: 1, [PIMUSER]: 1 });
    expect(await mails(h)).toHaveLength(2);
  });

  it('(b) an active assignment, permanent and time-bound, and its removal', async () => {
    const h = await start();
    const permanent = await request(h, 'assignment', {
      action: 'adminAssign', principalId: USERS.pimuser.id, justification: 'Standing access for the SOC lead',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    const base = { Role: 'Security Reader', 'Assignment type': 'Active', Tenant: TENANT, 'Requested by': 'Contoso Admin' };

    // Reference §8's documented subject: "PIM: Alain Charon was permanently assigned the Backup Reader role".
    const alert = await waitMail(h, ADMIN, SUBJECT.assignedPermanentAdmin);
    const permanentFacts = { ...base, User: PIM_USER, Start: permanent.scheduleInfo!.startDateTime, End: 'Permanent', Justification: 'Standing access for the SOC lead', 'Request ID': permanent.id };
    expectMail(alert, {
      subject: SUBJECT.assignedPermanentAdmin, to: ADMINS, facts: permanentFacts, absent: ['Ticket'], event: 'assignment.assigned',
      audience: 'admin', rule: 'Notification_Admin_Admin_Assignment', requestId: permanent.id, portal: portalOf(h),
    });
    const notice = await waitMail(h, PIMUSER, SUBJECT.assignedRequestor);
    expectMail(notice, {
      subject: SUBJECT.assignedRequestor, to: [PIMUSER], facts: permanentFacts, absent: ['Ticket'], event: 'assignment.assigned',
      audience: 'requestor', rule: 'Notification_Requestor_Admin_Assignment', requestId: permanent.id, portal: portalOf(h),
    });

    const end = isoMs(Math.ceil((h.emu.clock.nowMs() + 30 * DAY) / 1000) * 1000);
    const timed = await request(h, 'assignment', {
      action: 'adminAssign', principalId: USERS.analyst.id, justification: 'Project Falcon',
      scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } },
    });
    const timedFacts = { ...base, User: 'Alex Analyst (analyst@contoso.onmicrosoft.com)', Start: timed.scheduleInfo!.startDateTime, End: end, Justification: 'Project Falcon', 'Request ID': timed.id };
    expectMail(await waitMail(h, ADMIN, SUBJECT.assignedAnalystAdmin), {
      subject: SUBJECT.assignedAnalystAdmin, to: ADMINS, facts: timedFacts, event: 'assignment.assigned',
      audience: 'admin', rule: 'Notification_Admin_Admin_Assignment', requestId: timed.id, portal: portalOf(h),
    });
    expectMail(await waitMail(h, ANALYST, SUBJECT.assignedRequestor), {
      subject: SUBJECT.assignedRequestor, to: [ANALYST], facts: timedFacts, event: 'assignment.assigned',
      audience: 'requestor', rule: 'Notification_Requestor_Admin_Assignment', requestId: timed.id, portal: portalOf(h),
    });

    const removal = await request(h, 'assignment', { action: 'adminRemove', principalId: USERS.analyst.id, justification: 'Project Falcon closed' });
    expect(removal.status).toBe('Revoked');
    // The facts of the assignment that was removed, with the removal's request and reason.
    const removedFacts = { ...timedFacts, Justification: 'Project Falcon closed', 'Request ID': removal.id };
    expectMail(await waitMail(h, ADMIN, SUBJECT.removedAnalystAdmin), {
      subject: SUBJECT.removedAnalystAdmin, to: ADMINS, facts: removedFacts, event: 'assignment.removed',
      audience: 'admin', rule: 'Notification_Admin_Admin_Assignment', requestId: removal.id, portal: portalOf(h),
    });
    expectMail(await waitMail(h, ANALYST, SUBJECT.removedRequestor), {
      subject: SUBJECT.removedRequestor, to: [ANALYST], facts: removedFacts, event: 'assignment.removed',
      audience: 'requestor', rule: 'Notification_Requestor_Admin_Assignment', requestId: removal.id, portal: portalOf(h),
    });

    await settle(h);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 3, [APPROVER]: 3, [PIMUSER]: 1, [ANALYST]: 2 });
    expect(await subjectsTo(h, ANALYST)).toEqual([SUBJECT.assignedRequestor, SUBJECT.removedRequestor]);
  });

  it('(c) an activation: the role activation alert to the administrators, the confirmation to the requestor', async () => {
    const h = await start();
    await makeEligible(h);
    await waitMail(h, PIMUSER, SUBJECT.eligibleRequestor);

    const act = await activate(h, { ticketInfo: { ticketNumber: 'INC-4711', ticketSystem: 'Jira' } });
    expect(act.status).toBe('Provisioned');
    const start_ = act.scheduleInfo!.startDateTime;
    const facts = {
      User: PIM_USER, Role: 'Security Reader', 'Assignment type': 'Active', Tenant: TENANT, Start: start_,
      End: plusDuration(start_, 8 * 3_600_000), Justification: 'Investigating alert 4711', Ticket: 'INC-4711 (Jira)',
      'Request ID': act.id, 'Requested by': 'PIM User',
    };
    const common = { facts, event: 'assignment.activated', requestId: act.id, portal: portalOf(h) };

    const alert = await waitMail(h, ADMIN, SUBJECT.activatedAdmin);
    expectMail(alert, { ...common, subject: SUBJECT.activatedAdmin, to: ADMINS, audience: 'admin', rule: 'Notification_Admin_EndUser_Assignment' });
    expect(alert.text.split('\n')[0]).toBe(`PIM User activated the Security Reader role in Contoso. It ends ${mailTime(facts.End)}.`);
    const confirmation = await waitMail(h, PIMUSER, SUBJECT.activatedRequestor);
    expectMail(confirmation, { ...common, subject: SUBJECT.activatedRequestor, to: [PIMUSER], audience: 'requestor', rule: 'Notification_Requestor_EndUser_Assignment' });

    await settle(h);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 2, [APPROVER]: 2, [PIMUSER]: 2 });
    expect(await subjectsTo(h, ADMIN)).toEqual([SUBJECT.eligiblePermanentAdmin, SUBJECT.activatedAdmin]);
    expect(await subjectsTo(h, PIMUSER)).toEqual([SUBJECT.eligibleRequestor, SUBJECT.activatedRequestor]);
  });

  it('(e) an eligible assignment updated, then removed: admins and assignee each time', async () => {
    const h = await start();
    await makeEligible(h);
    await waitMail(h, PIMUSER, SUBJECT.eligibleRequestor);

    const end = isoMs(Math.ceil((h.emu.clock.nowMs() + 90 * DAY) / 1000) * 1000);
    const update = await request(h, 'eligibility', {
      action: 'adminUpdate', principalId: USERS.pimuser.id, justification: 'Limit to 90 days',
      scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } },
    });
    const updatedFacts = {
      User: PIM_USER, Role: 'Security Reader', 'Assignment type': 'Eligible', Tenant: TENANT, Start: update.scheduleInfo!.startDateTime,
      End: end, Justification: 'Limit to 90 days', 'Request ID': update.id, 'Requested by': 'Contoso Admin',
    };
    const updated = { facts: updatedFacts, event: 'eligibility.updated', requestId: update.id, portal: portalOf(h) };
    expectMail(await waitMail(h, ADMIN, SUBJECT.updatedAdmin), { ...updated, subject: SUBJECT.updatedAdmin, to: ADMINS, audience: 'admin', rule: 'Notification_Admin_Admin_Eligibility' });
    const notice = await waitMail(h, PIMUSER, SUBJECT.updatedRequestor);
    expectMail(notice, { ...updated, subject: SUBJECT.updatedRequestor, to: [PIMUSER], audience: 'requestor', rule: 'Notification_Requestor_Admin_Eligibility' });
    expect(notice.text.split('\n')[0]).toBe(`Your eligible assignment to the Security Reader role in Contoso was updated. It ends ${mailTime(end)}.`);

    const removal = await request(h, 'eligibility', { action: 'adminRemove', principalId: USERS.pimuser.id, justification: 'Left the SOC rota' });
    const removedFacts = { ...updatedFacts, Justification: 'Left the SOC rota', 'Request ID': removal.id };
    const removed = { facts: removedFacts, event: 'eligibility.removed', requestId: removal.id, portal: portalOf(h) };
    expectMail(await waitMail(h, ADMIN, SUBJECT.removedAdmin), { ...removed, subject: SUBJECT.removedAdmin, to: ADMINS, audience: 'admin', rule: 'Notification_Admin_Admin_Eligibility' });
    expectMail(await waitMail(h, PIMUSER, SUBJECT.removedRequestor), { ...removed, subject: SUBJECT.removedRequestor, to: [PIMUSER], audience: 'requestor', rule: 'Notification_Requestor_Admin_Eligibility' });

    await settle(h);
    expect(await subjectsTo(h, ADMIN)).toEqual([SUBJECT.eligiblePermanentAdmin, SUBJECT.updatedAdmin, SUBJECT.removedAdmin]);
    expect(await subjectsTo(h, PIMUSER)).toEqual([SUBJECT.eligibleRequestor, SUBJECT.updatedRequestor, SUBJECT.removedRequestor]);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 3, [APPROVER]: 3, [PIMUSER]: 3 });
  });

  it('(e) a deactivation: only the requestor hears of it', async () => {
    const h = await start();
    await makeEligible(h);
    const act = await activate(h);
    await waitMail(h, PIMUSER, SUBJECT.activatedRequestor);
    // PIM refuses a deactivation within five minutes of the activation.
    await advance(h, 'PT10M');

    const token = await tokenFor(h.emu, PIMUSER, { mfa: true });
    const deactivation = await request(h, 'assignment', { action: 'selfDeactivate', principalId: USERS.pimuser.id }, token);
    expect(deactivation.status).toBe('Revoked');
    const mail = await waitMail(h, PIMUSER, SUBJECT.deactivatedRequestor);
    expectMail(mail, {
      subject: SUBJECT.deactivatedRequestor, to: [PIMUSER],
      facts: {
        User: PIM_USER, Role: 'Security Reader', 'Assignment type': 'Active', Tenant: TENANT, Start: act.scheduleInfo!.startDateTime,
        End: plusDuration(act.scheduleInfo!.startDateTime, 8 * 3_600_000), 'Request ID': deactivation.id, 'Requested by': 'PIM User',
      },
      absent: ['Justification', 'Ticket'],
      event: 'assignment.deactivated', audience: 'requestor', rule: 'Notification_Requestor_EndUser_Assignment', requestId: deactivation.id, portal: portalOf(h),
    });

    await settle(h);
    expect(await subjectsTo(h, PIMUSER)).toEqual([SUBJECT.eligibleRequestor, SUBJECT.activatedRequestor, SUBJECT.deactivatedRequestor]);
    expect(await subjectsTo(h, ADMIN)).toEqual([SUBJECT.eligiblePermanentAdmin, SUBJECT.activatedAdmin]);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 2, [APPROVER]: 2, [PIMUSER]: 3 });
  });
});

// ================================================================ 2. notification rules

describe('the notification rules decide who gets what (reference §3.3)', () => {
  it('no default recipients plus an extra address: the activation alert goes to that address only', async () => {
    const h = await start();
    await patchNotificationRule(h, 'Notification_Admin_EndUser_Assignment', { isDefaultRecipientsEnabled: false, notificationRecipients: ['secops@contoso.com'] });
    await makeEligible(h);
    const act = await activate(h);

    const alert = await waitMail(h, 'secops@contoso.com', SUBJECT.activatedAdmin);
    expect(alert.to).toEqual([{ name: '', address: 'secops@contoso.com' }]);
    expect(header(alert, 'X-PIM-Request-Id')).toBe(act.id);
    expect(header(alert, 'X-PIM-Notification-Rule')).toBe('Notification_Admin_EndUser_Assignment');
    await waitMail(h, PIMUSER, SUBJECT.activatedRequestor);

    await settle(h);
    expect(await mails(h, { subject: SUBJECT.activatedAdmin })).toHaveLength(1);
    // The other rules keep their defaults: the eligibility alert still reached the administrators.
    expect(await subjectsTo(h, ADMIN)).toEqual([SUBJECT.eligiblePermanentAdmin]);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 1, [APPROVER]: 1, [PIMUSER]: 2, 'secops@contoso.com': 1 });
  });

  it("notificationLevel 'Critical': no activation alert at all, the requestor's confirmation still comes", async () => {
    const h = await start();
    await patchNotificationRule(h, 'Notification_Admin_EndUser_Assignment', { notificationLevel: 'Critical' });
    await makeEligible(h);
    await activate(h);
    // Queued after the (suppressed) alert: once it is here, the alert would be too.
    await waitMail(h, PIMUSER, SUBJECT.activatedRequestor);

    await settle(h);
    expect(await mails(h, { subject: 'activated' })).toEqual([expect.objectContaining({ subject: SUBJECT.activatedRequestor })]);
    expect(await subjectsTo(h, ADMIN)).toEqual([SUBJECT.eligiblePermanentAdmin]);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 1, [APPROVER]: 1, [PIMUSER]: 2 });
  });

  it("notificationLevel 'None' for the assigned user: the admins get the eligibility alert, the assignee nothing", async () => {
    const h = await start();
    await patchNotificationRule(h, 'Notification_Requestor_Admin_Eligibility', { notificationLevel: 'None' });
    await makeEligible(h);
    await waitMail(h, ADMIN, SUBJECT.eligiblePermanentAdmin);

    await settle(h);
    expect(await mails(h, { to: PIMUSER })).toEqual([]);
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 1, [APPROVER]: 1 });

    // Activation mails are governed by other rules: the user hears of those.
    await activate(h);
    await waitMail(h, PIMUSER, SUBJECT.activatedRequestor);
    await settle(h);
    expect(await subjectsTo(h, PIMUSER)).toEqual([SUBJECT.activatedRequestor]);
  });
});

// ================================================================ 3. expiry reminders

describe('expiry reminders (reference §8)', () => {
  it('14 days, 1 day and at expiry: to the assignee and the admins, once each, in that order', async () => {
    const h = await start();
    const end = isoMs(Math.ceil((h.emu.clock.nowMs() + 20 * DAY) / 1000) * 1000);
    const req = await makeEligible(h, { scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: end } } });
    const alert = await waitMail(h, ADMIN, SUBJECT.eligibleAdmin);
    expect(alert.subject).toBe(SUBJECT.eligibleAdmin);
    expect(textFact(alert.text, 'End')).toBe(mailTime(end));
    const notice = await waitMail(h, PIMUSER, SUBJECT.eligibleRequestor);
    expect(notice.text.split('\n')[0]).toBe(`You are eligible for the Security Reader role in Contoso, until ${mailTime(end)}.`);
    await settle(h);

    await advance(h, 'P30D');
    // Sent in order; the last one queued is the admins' expiry notice.
    await waitMail(h, ADMIN, SUBJECT.expiredAdmin);
    await settle(h);

    expect(await subjectsTo(h, PIMUSER)).toEqual([SUBJECT.eligibleRequestor, SUBJECT.reminder14dRequestor, SUBJECT.reminder1dRequestor, SUBJECT.expiredRequestor]);
    for (const admin of ADMINS) {
      expect(await subjectsTo(h, admin)).toEqual([SUBJECT.eligibleAdmin, SUBJECT.reminder14dAdmin, SUBJECT.reminder1dAdmin, SUBJECT.expiredAdmin]);
    }
    expect(await perRecipient(h)).toEqual({ [ADMIN]: 4, [APPROVER]: 4, [PIMUSER]: 4 });

    const facts = { User: PIM_USER, Role: 'Security Reader', 'Assignment type': 'Eligible', Tenant: TENANT, Start: req.scheduleInfo!.startDateTime, End: end, 'Request ID': req.id };
    const reminders = [
      ['14d', SUBJECT.reminder14dAdmin, SUBJECT.reminder14dRequestor],
      ['1d', SUBJECT.reminder1dAdmin, SUBJECT.reminder1dRequestor],
      ['expired', SUBJECT.expiredAdmin, SUBJECT.expiredRequestor],
    ] as const;
    for (const [which, adminSubject, requestorSubject] of reminders) {
      const common = { facts, absent: ['Requested by'], event: `eligibility.reminder.${which}`, requestId: req.id, portal: portalOf(h) };
      const toAdmins = await waitMail(h, ADMIN, adminSubject);
      expectMail(toAdmins, { ...common, subject: adminSubject, to: ADMINS, audience: 'admin', rule: 'Notification_Admin_Admin_Eligibility' });
      const toUser = await waitMail(h, PIMUSER, requestorSubject);
      expectMail(toUser, { ...common, subject: requestorSubject, to: [PIMUSER], audience: 'requestor', rule: 'Notification_Requestor_Admin_Eligibility' });
      // Dated on the emulator clock when each was due (14 days before, 1 day before, at the end), so one
      // 30-day jump still yields three mails in their real order.
      const dueAt = Date.parse(end) - { '14d': 14 * 86400e3, '1d': 86400e3, expired: 0 }[which];
      expect(Math.abs(Date.parse(toUser.date) - dueAt)).toBeLessThan(1000);
    }
    expect((await waitMail(h, PIMUSER, SUBJECT.expiredRequestor)).text.split('\n')[0]).toBe(`Your eligible assignment to the Security Reader role in Contoso expired on ${mailTime(end)}.`);

    // Each reminder once: another day passes, nothing more.
    const before = (await mails(h)).length;
    await advance(h, 'P1D');
    expect(h.emu.ctx.mail.outbox.pending()).toBe(0);
    expect(await mails(h)).toHaveLength(before);
  });
});

// ================================================================ 4–5. SMTP down, and a restart with mail queued

describe('delivery when SMTP is down', () => {
  it('keeps the mail in the outbox while the relay is down and delivers it once when it is back', async () => {
    const relay = new Inbox();
    const port = await relay.start(0, '127.0.0.1');
    cleanups.push(() => relay.stop());
    const deliveries = countDeliveries(relay);
    const h = await start({ smtpUrl: `smtp://127.0.0.1:${port}` });

    await makeEligible(h);
    expect(await relay.waitFor({ to: PIMUSER, subject: SUBJECT.eligibleRequestor }, 15_000)).toBeDefined();
    await settle(h);
    await relay.stop();

    // Graph does not wait for mail: the activation answers 201 with the relay down.
    const act = await activate(h);
    expect(act.status).toBe('Provisioned');
    const outbox = async () => {
      const seed = (await (await fetch(`${h.http}/_emulator/seed`)).json()) as { tenants: Array<{ tenant: { id: string }; outbox: Array<{ id: string; subject: string; to: string[]; headers: Record<string, string>; attempts: number; lastError: string | null }> }> };
      return seed.tenants.find((t) => t.tenant.id === CONTOSO.id)!.outbox;
    };
    const queued = await outbox();
    expect(queued.map((m) => m.subject)).toEqual([SUBJECT.activatedAdmin, SUBJECT.activatedRequestor]);
    expect(queued.map((m) => m.headers['X-PIM-Request-Id'])).toEqual([act.id, act.id]);
    expect(h.emu.ctx.mail.outbox.pending()).toBe(2);

    // A settle with SMTP down gives up (bounded) and leaves the mail queued after a failed attempt.
    await advance(h, 'PT1S');
    const failed = await outbox();
    expect(failed.map((m) => m.id)).toEqual(queued.map((m) => m.id));
    expect(failed[0]!.attempts).toBeGreaterThanOrEqual(1);
    expect(failed[0]!.lastError).toEqual(expect.any(String));
    expect(relay.list({ subject: 'activated' })).toEqual([]);

    // The relay comes back on the same port: the outbox's backoff retry delivers.
    expect(await relay.start(port, '127.0.0.1')).toBe(port);
    const confirmation = await relay.waitFor({ to: PIMUSER, subject: SUBJECT.activatedRequestor }, 15_000);
    expect(confirmation).toBeDefined();
    const alert = relay.list({ subject: SUBJECT.activatedAdmin });
    expect(alert).toHaveLength(1);
    expect(alert[0]!.to.map((a) => a.address).sort()).toEqual([...ADMINS].sort());
    expect(`${alert[0]!.from.name} <${alert[0]!.from.address}>`).toBe(SENDER);

    await settle(h);
    expect(await outbox()).toEqual([]);
    // Exactly once over SMTP (counted before the inbox's Message-ID de-duplication).
    for (const m of queued) expect(deliveries.get(`<${m.id}@pim-emulator.local>`), m.subject).toBe(1);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(relay.list()).toHaveLength(4);
    // With a relay configured, the embedded inbox receives nothing.
    expect(await mails(h)).toEqual([]);
  });

  it('delivers mail queued before a restart after the next start, once', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const first = await start({ storage: 'file', dataDir: tmp.dir, smtpUrl: `smtp://127.0.0.1:${await closedPort()}` });
    const req = await makeEligible(first);
    expect(first.emu.ctx.mail.outbox.pending()).toBe(2);
    await first.close();

    let deliveries = new Map<string, number>();
    const second = await start({ storage: 'file', dataDir: tmp.dir }, (emu) => {
      deliveries = countDeliveries(emu.ctx.mail.inbox);
    });
    const notice = await waitMail(second, PIMUSER, SUBJECT.eligibleRequestor);
    expect(header(notice, 'X-PIM-Request-Id')).toBe(req.id);
    const alert = await waitMail(second, ADMIN, SUBJECT.eligiblePermanentAdmin);
    expect(header(alert, 'X-PIM-Request-Id')).toBe(req.id);

    await settle(second);
    expect(await perRecipient(second)).toEqual({ [ADMIN]: 1, [APPROVER]: 1, [PIMUSER]: 1 });
    expect(deliveries.size).toBe(2);
    expect([...deliveries.values()]).toEqual([1, 1]);
  });
});

// ================================================================ 6. the Mailpit API subset

describe("the Mailpit API subset answers as Mailpit's documentation says", () => {
  it('search, latest, headers, delete all; and POST /_emulator/reset empties the inbox', async () => {
    const h = await start();
    await makeEligible(h);
    const act = await activate(h);
    await waitMail(h, PIMUSER, SUBJECT.activatedRequestor);
    await settle(h);

    const query = 'to:admin@contoso.onmicrosoft.com subject:"Security Reader"';
    const search = await fetch(`${h.http}/api/v1/search?query=${encodeURIComponent(query)}`);
    expect(search.status).toBe(200);
    const found = (await search.json()) as MailpitList;
    expect(found).toMatchObject({ total: 4, unread: 4, messages_count: 2, messages_unread: 2, start: 0, tags: [] });
    expect(found.messages.map((m) => m.Subject)).toEqual([SUBJECT.activatedAdmin, SUBJECT.eligiblePermanentAdmin]);
    const summary = found.messages[0]!;
    expect(Object.keys(summary).sort()).toEqual(['Attachments', 'Bcc', 'Cc', 'Created', 'From', 'ID', 'MessageID', 'Read', 'ReplyTo', 'Size', 'Snippet', 'Subject', 'Tags', 'To', 'Username'].sort());
    expect(summary).toMatchObject({
      Read: false,
      From: { Name: 'Microsoft Security', Address: 'MSSecurity-noreply@microsoft.com' },
      Cc: [], Bcc: [], ReplyTo: [], Tags: [], Attachments: 0,
      Subject: SUBJECT.activatedAdmin,
    });
    expect(summary.To.map((a) => a.Address).sort()).toEqual([...ADMINS].sort());
    expect(summary.Snippet).toMatch(/^PIM User activated the Security Reader role in Contoso\. It ends /);

    // latest: the newest message, the requestor's confirmation (queued after the alert).
    const latest = await fetch(`${h.http}/api/v1/message/latest`);
    expect(latest.status).toBe(200);
    const message = (await latest.json()) as MailpitMessage;
    expect(message).toMatchObject({
      Subject: SUBJECT.activatedRequestor,
      From: { Name: 'Microsoft Security', Address: 'MSSecurity-noreply@microsoft.com' },
      To: [{ Name: '', Address: PIMUSER }],
      Attachments: [], Inline: [],
    });
    expect(message.Text).toContain(act.id);
    expect(message.HTML).toContain(act.id);
    // Opening a message marks it read.
    const read = (await (await fetch(`${h.http}/api/v1/search?query=${encodeURIComponent(`message-id:${message.MessageID}`)}`)).json()) as MailpitList;
    expect(read.messages).toEqual([expect.objectContaining({ ID: message.ID, Read: true })]);

    const headers = (await (await fetch(`${h.http}/api/v1/message/${summary.ID}/headers`)).json()) as Record<string, string[]>;
    expect(headers.Subject).toEqual([SUBJECT.activatedAdmin]);
    expect(headers.From).toEqual([SENDER]);
    expect(headers['X-Pim-Event']).toEqual(['assignment.activated']);
    expect(headers['X-Pim-Request-Id']).toEqual([act.id]);

    const deleted = await fetch(`${h.http}/api/v1/messages`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toBe('ok');
    const empty = (await (await fetch(`${h.http}/api/v1/messages`)).json()) as MailpitList;
    expect(empty).toMatchObject({ total: 0, messages_count: 0, messages: [] });
    expect((await fetch(`${h.http}/api/v1/message/latest`)).status).toBe(404);

    // Mail after the delete arrives as usual; reset clears it along with the state.
    await request(h, 'eligibility', { action: 'adminAssign', principalId: USERS.analyst.id, justification: 'Backup on the rota', scheduleInfo: { expiration: { type: 'noExpiration' } } });
    await waitMail(h, ANALYST, SUBJECT.eligibleRequestor);
    await settle(h);
    expect(await mails(h)).toHaveLength(2);
    const reset = await fetch(`${h.http}/_emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await mails(h)).toEqual([]);
    expect(await (await fetch(`${h.http}/api/v1/messages`)).json()).toMatchObject({ total: 0, messages: [] });
  });
});
