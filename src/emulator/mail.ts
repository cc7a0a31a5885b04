import { decodeOnce } from '../directory/directory.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import addressparser from 'nodemailer/lib/addressparser';
import { headerList, matchesFilter, type Inbox, type InboxFilter } from '../mail/inbox.js';
import type { InboxMessage } from '../mail/types.js';
import { ControlError, controlErrorHandler } from './errors.js';

/**
 * The captured inbox over HTTP, two ways:
 * - our control plane under /_emulator/mail: filters by field, long-poll `wait`, {"error":{…}} errors;
 * - the subset of Mailpit's API v1 that test suites use (axllent/mailpit server/apiv1), with its
 *   field names, status codes and plain-text errors, so Mailpit clients work unchanged.
 */
export interface MailPluginOptions {
  inbox: Inbox;
  /**
   * The mail domain of a tenant named in the path (/_emulator/tenants/{tenant}/mail…), or undefined
   * when there is no such tenant. Without it only the instance-wide inbox is served.
   */
  tenantDomain?: (tenant: string) => string | undefined;
}

export async function mailPlugin(app: FastifyInstance, opts: MailPluginOptions): Promise<void> {
  await app.register(async (scope) => controlPlaneMail(scope, opts.inbox, '/_emulator/mail', () => ({})));
  const tenantDomain = opts.tenantDomain;
  if (tenantDomain) {
    // A tenant's inbox: the mail to its addresses only. Listing, waiting and deleting never reach another tenant's mail.
    await app.register(async (scope) => controlPlaneMail(scope, opts.inbox, '/_emulator/tenants/:tenant/mail', (request) => {
      const name = (request.params as { tenant: string }).tenant;
      const domain = tenantDomain(name);
      if (!domain) throw new ControlError(404, 'TenantNotFound', `No tenant '${decodeOnce(name)}'.`);
      return { domain };
    }));
  }
  await app.register(mailpitApi, opts);
}

// ---------------------------------------------------------------- /_emulator/mail

const MAX_WAIT_MS = 60_000;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const CONTROL_SNIPPET = 200;
const FILTER_PARAMS = ['to', 'from', 'subject', 'text', 'q'] as const;
const LIST_PARAMS = [...FILTER_PARAMS, 'limit', 'start', 'wait'] as const;
const LATEST_PARAMS = [...FILTER_PARAMS, 'wait'] as const;

type Query = Partial<Record<string, string>>;

/** The routes of one inbox view at `base`: every filter is narrowed by `scope` (a tenant's domain, or nothing). */
function controlPlaneMail(app: FastifyInstance, inbox: Inbox, base: string, scope: (request: FastifyRequest) => InboxFilter): void {
  app.setErrorHandler(controlErrorHandler('mail control plane'));

  app.get(base, async (request, reply) => {
    const q = queryOf(request, LIST_PARAMS);
    const filter = { ...filterOf(q), ...scope(request) };
    const limit = intParam(q, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
    const start = intParam(q, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const wait = waitParam(q);
    if (wait > 0 && !(await inbox.waitFor(filter, wait, abortSignalOf(reply)))) throw waitTimeout(filter, q.wait!);
    const matches = inbox.list(filter);
    const page = matches.slice(start, start + limit);
    return { total: matches.length, count: page.length, start, evicted: inbox.evicted, messages: page.map(summary) };
  });

  app.get(`${base}/latest`, async (request, reply) => {
    const q = queryOf(request, LATEST_PARAMS);
    const filter = { ...filterOf(q), ...scope(request) };
    const wait = waitParam(q);
    const message = await inbox.waitFor(filter, wait, abortSignalOf(reply));
    if (!message) throw wait > 0 ? waitTimeout(filter, q.wait!) : new ControlError(404, 'MessageNotFound', `No mail ${describeFilter(filter)} has been captured.`);
    return fullMessage(message);
  });

  app.get<{ Params: { id: string } }>(`${base}/:id`, async (request) => fullMessage(find(inbox, request, scope(request))));

  app.get<{ Params: { id: string } }>(`${base}/:id/raw`, async (request, reply) => {
    return reply.type('text/plain; charset=utf-8').send(find(inbox, request, scope(request)).raw);
  });

  app.delete<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
    queryOf(request, []);
    const within = scope(request);
    const m = inbox.get(request.params.id);
    if (!m || request.params.id === 'latest' || !matchesFilter(m, within) || !inbox.delete(m.id)) throw notFound(request.params.id);
    return reply.status(204).send();
  });

  app.delete(base, async (request, reply) => {
    queryOf(request, []);
    const within = scope(request);
    if (within.domain) for (const m of inbox.list(within)) inbox.delete(m.id);
    else inbox.clear();
    return reply.status(204).send();
  });
}

/** A message by id; `latest` (e.g. /_emulator/mail/latest/raw) takes the filter parameters. */
function find(inbox: Inbox, request: FastifyRequest<{ Params: { id: string } }>, within: InboxFilter): InboxMessage {
  const { id } = request.params;
  const filter = { ...filterOf(queryOf(request, id === 'latest' ? FILTER_PARAMS : [])), ...within };
  const found = inbox.get(id, filter);
  // Another tenant's message is "not found", never shown.
  const message = found && matchesFilter(found, within) ? found : undefined;
  if (!message) throw id === 'latest' ? new ControlError(404, 'MessageNotFound', `No mail ${describeFilter(filter)} has been captured.`) : notFound(id);
  return message;
}

const notFound = (id: string) => new ControlError(404, 'MessageNotFound', `No captured message has id '${id}'. GET /_emulator/mail lists them.`);

/** The query string with only the known, single-valued parameters: an unknown one is an error, not ignored. */
function queryOf(request: FastifyRequest, allowed: readonly string[]): Query {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  const out: Query = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!allowed.includes(key)) {
      const known = allowed.length ? `; this route takes ${allowed.join(', ')}` : '; this route takes none';
      throw new ControlError(400, 'InvalidRequest', `Unknown query parameter '${key}'${known}.`);
    }
    if (typeof value !== 'string') throw new ControlError(400, 'InvalidRequest', `Query parameter '${key}' is given more than once.`);
    out[key] = value;
  }
  return out;
}

function filterOf(q: Query): InboxFilter {
  const filter: InboxFilter = {};
  if (q.to) filter.to = q.to;
  if (q.from) filter.from = q.from;
  if (q.subject) filter.subject = q.subject;
  if (q.text) filter.text = q.text;
  if (q.q) filter.query = q.q;
  return filter;
}

function intParam(q: Query, name: string, fallback: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined) return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw new ControlError(400, 'InvalidRequest', `${name}: '${v}' is not an integer from ${min} to ${max}.`);
  return n;
}

/** `wait` as 500ms, 5s, 2m or plain seconds (5, 0.5); at most 60 seconds. */
export function parseWait(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000));
  return ms <= MAX_WAIT_MS ? ms : undefined;
}

function waitParam(q: Query): number {
  if (q.wait === undefined) return 0;
  const ms = parseWait(q.wait);
  if (ms === undefined) throw new ControlError(400, 'InvalidRequest', `wait: '${q.wait}' is not a duration such as 500ms, 5s, 2m or 5 (seconds), at most 60s.`);
  return ms;
}

function describeFilter(f: InboxFilter): string {
  const parts: string[] = [];
  if (f.to) parts.push(`to containing '${f.to}'`);
  if (f.from) parts.push(`from containing '${f.from}'`);
  if (f.subject) parts.push(`subject containing '${f.subject}'`);
  if (f.text) parts.push(`text containing '${f.text}'`);
  if (f.query) parts.push(`matching the search '${f.query}'`);
  return parts.length ? `with ${parts.join(' and ')}` : '(no filter)';
}

const waitTimeout = (filter: InboxFilter, wait: string) =>
  new ControlError(408, 'MailWaitTimeout', `No mail ${describeFilter(filter)} arrived within ${wait}.`);

/** Aborts when the client goes away, so an abandoned long-poll stops waiting. */
function abortSignalOf(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}

/** Whitespace collapsed, cut at `length` characters with an ellipsis (as Mailpit's snippets). */
function snippet(m: InboxMessage, length: number): string {
  const text = (m.text || m.html.replace(/<style[\s\S]*?<\/style>|<[^>]+>/gi, ' ')).replace(/\s+/g, ' ').trim();
  return text.length > length ? `${text.slice(0, length)}...` : text;
}

function summary(m: InboxMessage) {
  return { id: m.id, messageId: m.messageId, from: m.from, to: m.to, subject: m.subject, date: m.date, received: m.received, size: m.size, snippet: snippet(m, CONTROL_SNIPPET) };
}

function fullMessage(m: InboxMessage) {
  return { id: m.id, messageId: m.messageId, from: m.from, to: m.to, cc: m.cc, subject: m.subject, date: m.date, received: m.received, headers: m.headers, text: m.text, html: m.html, size: m.size };
}

// ---------------------------------------------------------------- Mailpit /api/v1

const MAILPIT_SNIPPET = 250;

async function mailpitApi(app: FastifyInstance, { inbox }: MailPluginOptions): Promise<void> {
  // Mailpit reads DELETE bodies leniently (empty, any content type); see deleteIds.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  // Mailpit answers client errors 400 text/plain with the bare message (apiv1 httpError).
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'Mailpit API request failed');
    return reply.status(status).type('text/plain').send(error.message);
  });

  app.get('/api/v1/messages', async (request) => {
    const { start, limit } = startLimit(request);
    const all = inbox.list();
    return mailpitSummary(inbox, all, all, start, limit);
  });

  app.get('/api/v1/search', async (request, reply) => {
    const query = searchQuery(request);
    if (!query) return badRequest(reply, 'Error: no search query');
    const { start, limit } = startLimit(request);
    return mailpitSummary(inbox, inbox.list(), inbox.list({ query }), start, limit);
  });

  app.delete('/api/v1/search', async (request, reply) => {
    const query = searchQuery(request);
    if (!query) return badRequest(reply, 'Error: no search query');
    for (const m of inbox.list({ query })) inbox.delete(m.id);
    return ok(reply);
  });

  app.delete('/api/v1/messages', async (request, reply) => {
    const ids = deleteIds(request.body);
    if (ids.length === 0) inbox.clear();
    else for (const id of ids) inbox.delete(id);
    return ok(reply);
  });

  app.get<{ Params: { id: string } }>('/api/v1/message/:id', async (request, reply) => {
    const m = mailpitFind(inbox, request, reply);
    if (!m) return reply;
    // GET message marks it read (Mailpit: "Returns the summary of a message, marking the message as read").
    inbox.markRead(m.id);
    return mailpitMessage(m);
  });

  app.get<{ Params: { id: string } }>('/api/v1/message/:id/headers', async (request, reply) => {
    const m = mailpitFind(inbox, request, reply);
    if (!m) return reply;
    return mailpitHeaders(m.raw);
  });

  app.get<{ Params: { id: string } }>('/api/v1/message/:id/raw', async (request, reply) => {
    const m = mailpitFind(inbox, request, reply);
    if (!m) return reply;
    return reply.type('text/plain; charset=utf-8').send(m.raw);
  });
}

const ok = (reply: FastifyReply) => reply.type('text/plain').send('ok');
const badRequest = (reply: FastifyReply, message: string) => reply.status(400).type('text/plain').send(message);

function searchQuery(request: FastifyRequest): string {
  const q = (request.query as Record<string, unknown>).query;
  return typeof q === 'string' ? q.trim() : '';
}

/** Mailpit's getStartLimit: start defaults to 0, limit to 50; invalid values fall back silently. */
function startLimit(request: FastifyRequest): { start: number; limit: number } {
  const q = request.query as Record<string, unknown>;
  const int = (v: unknown) => (typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : NaN);
  const s = int(q.start);
  const l = int(q.limit);
  return { start: s > 0 ? s : 0, limit: l > -1 ? l : 50 };
}

/**
 * The IDs of a DELETE /api/v1/messages body. Mailpit decodes {"IDs":[…]} with Go's encoding/json
 * (field names match case-insensitively) and deletes everything when the body is empty, is not
 * JSON or lists no IDs (apiv1 DeleteMessages) — kept, as clients rely on the empty-body form.
 */
function deleteIds(body: unknown): string[] {
  let data: unknown = body;
  if (typeof body === 'string') {
    try {
      data = JSON.parse(body);
    } catch {
      return [];
    }
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return [];
  const key = Object.keys(data).find((k) => k.toLowerCase() === 'ids');
  const ids = key ? (data as Record<string, unknown>)[key] : undefined;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * A message by ID, or `latest` (optionally the latest matching ?query=). Not found is 404
 * text/plain: "Message not found" for latest, Go's "404 page not found" for an unknown ID.
 */
function mailpitFind(inbox: Inbox, request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): InboxMessage | undefined {
  const { id } = request.params;
  const query = id === 'latest' ? searchQuery(request) : '';
  const m = inbox.get(id, query ? { query } : {});
  if (!m) void reply.status(404).type('text/plain; charset=utf-8').send(id === 'latest' ? 'Message not found' : '404 page not found');
  return m;
}

type MailpitAddress = { Name: string; Address: string };
const mpAddress = (a: InboxMessage['from']): MailpitAddress => ({ Name: a.name, Address: a.address });
const mpFrom = (m: InboxMessage): MailpitAddress | null => (m.from.address || m.from.name ? mpAddress(m.from) : null);

function mailpitSummary(inbox: Inbox, all: InboxMessage[], matches: InboxMessage[], start: number, limit: number) {
  const page = matches.slice(start, start + limit);
  return {
    total: all.length,
    unread: inbox.unreadCount,
    // Legacy, undocumented since 2023 but still sent: the number of messages in this page.
    count: page.length,
    messages_count: matches.length,
    messages_unread: matches.filter((m) => !inbox.isRead(m.id)).length,
    start,
    tags: [] as string[],
    messages: page.map((m) => ({
      ID: m.id,
      MessageID: m.messageId,
      Read: inbox.isRead(m.id),
      From: mpFrom(m),
      To: m.to.map(mpAddress),
      Cc: m.cc.map(mpAddress),
      Bcc: [] as MailpitAddress[],
      ReplyTo: replyTo(m),
      Subject: m.subject,
      Created: m.received,
      Username: '',
      Tags: [] as string[],
      Size: m.size,
      Attachments: 0,
      Snippet: snippet(m, MAILPIT_SNIPPET),
    })),
  };
}

function mailpitMessage(m: InboxMessage) {
  const returnPath = m.headers.find((h) => h.key.toLowerCase() === 'return-path')?.value.replace(/^<|>$/g, '') ?? '';
  return {
    ID: m.id,
    MessageID: m.messageId,
    From: mpFrom(m),
    To: m.to.map(mpAddress),
    Cc: m.cc.map(mpAddress),
    Bcc: [] as MailpitAddress[],
    ReplyTo: replyTo(m),
    ReturnPath: returnPath,
    Subject: m.subject,
    ListUnsubscribe: { Header: '', Links: [] as string[], Errors: '', HeaderPost: '' },
    Date: m.date,
    Tags: [] as string[],
    Username: '',
    Text: m.text,
    HTML: m.html,
    Size: m.size,
    Inline: [] as unknown[],
    Attachments: [] as unknown[],
  };
}

/** Reply-To from the header, parsed by nodemailer's address parser (groups flattened). */
function replyTo(m: InboxMessage): MailpitAddress[] {
  const header = m.headers.find((h) => h.key.toLowerCase() === 'reply-to')?.value;
  return header ? addressparser(header, { flatten: true }).map(mpAddress) : [];
}

/**
 * Mailpit returns Go's mail.Header: keys in canonical MIME form (Message-Id, X-Pim-Event),
 * sorted, each with all its values in order.
 */
export function mailpitHeaders(raw: string): Record<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, value } of headerList(raw)) {
    const k = canonicalMimeHeaderKey(key);
    map.set(k, [...(map.get(k) ?? []), value]);
  }
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Go's textproto.CanonicalMIMEHeaderKey; keys with characters outside a token are left as they are. */
function canonicalMimeHeaderKey(key: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)) return key;
  return key.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
