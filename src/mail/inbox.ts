import { wallClock } from '../clock.js';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { AddressObject } from 'mailparser';
import type { InboxMessage } from './types.js';

/**
 * The embedded SMTP capture: every message the outbox (or anyone) sends to PIM_SMTP_PORT lands
 * here, parsed, so tests can list, search and wait for it (Mailpit-style, see
 * reference/peers.md §3 Mailpit). In memory only: a restart empties it, as Mailpit's default does.
 * It keeps every message until it is deleted or the inbox is reset; with a cap (PIM_INBOX_MAX) the
 * oldest go first, and each eviction is counted (health, the inbox API), never silent.
 */

/** mailparser is loaded with the first message, not at start: it is the heaviest module of a cold start. */
let mailparser: Promise<typeof import('mailparser')> | undefined;
const loadMailparser = () => (mailparser ??= import('mailparser'));

type Address = InboxMessage['from'];

/** Case-insensitive substring matches; every given field must match. */
export interface InboxFilter {
  /** Any recipient (To or Cc), name or address. */
  to?: string;
  /** The sender's name or address. */
  from?: string;
  subject?: string;
  /** Free text over subject, text and html. */
  text?: string;
  /** A Mailpit search query (see matchesMailpitQuery). */
  query?: string;
  /** A tenant's mail: some recipient (To or Cc) has an address in this domain (exact, case-insensitive). */
  domain?: string;
}

export interface InboxOptions {
  /** The oldest messages are dropped (and counted) beyond this many; default: keep every message. */
  maxMessages?: number;
  /** Wall clock (ms) for `received`; the emulator clock is not used, mail arrives in real time. */
  now?: () => number;
  /** SMTP connection-level errors (a client that drops mid-session); ignored by default. */
  onError?: (error: Error) => void;
}

/** How many captured Message-IDs the inbox remembers for de-duplication (ids are ~60 bytes). */
export const SEEN_IDS_MAX = 100_000;
/** Mailpit and most relays accept far more, but PIM's notifications are a few kilobytes. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

interface Waiter {
  filter: InboxFilter;
  resolve: (message: InboxMessage | undefined) => void;
}

export class Inbox {
  /** Oldest first; list() reverses. */
  private messages: InboxMessage[] = [];
  private readonly read = new Set<string>();
  /**
   * Every Message-ID captured, kept after its message is deleted or evicted, so that an outbox retry
   * (a crash between SMTP's 250 and marking the mail sent) is captured exactly once. Bounded: the
   * oldest ids are forgotten beyond SEEN_IDS_MAX.
   */
  private readonly seenIds = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(message: InboxMessage) => void>();
  /** Message-IDs stored, to drop a redelivered copy without scanning. */
  private readonly messageIds = new Map<string, number>();
  private evictedCount = 0;
  readonly maxMessages: number | undefined;
  private readonly now: () => number;
  private readonly onError: (error: Error) => void;
  private server: SMTPServer | undefined;

  constructor(opts: InboxOptions = {}) {
    this.maxMessages = opts.maxMessages;
    if (this.maxMessages !== undefined && (!Number.isInteger(this.maxMessages) || this.maxMessages < 1)) throw new RangeError(`maxMessages must be a positive integer, not ${opts.maxMessages}`);
    this.now = opts.now ?? wallClock;
    this.onError = opts.onError ?? (() => {});
  }

  /** Start the SMTP listener; resolves with the bound port (port 0 picks a free one). */
  async start(port: number, host: string): Promise<number> {
    if (this.server) throw new Error('the inbox SMTP server is already started');
    const server = new SMTPServer({
      // Plain SMTP without TLS or login: any client, any sender, any recipient.
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      size: MAX_MESSAGE_BYTES,
      disableReverseLookup: true,
      logger: false,
      banner: 'entra-pim-emulator mail capture',
      closeTimeout: 2000,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (e: Error) => callback(e));
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            return callback(Object.assign(new Error(`Message exceeds the fixed maximum message size of ${MAX_MESSAGE_BYTES} bytes`), { responseCode: 552 }));
          }
          this.add(Buffer.concat(chunks).toString('utf8')).then(
            () => callback(null),
            (e: unknown) => callback(Object.assign(e instanceof Error ? e : new Error(String(e)), { responseCode: 451 })),
          );
        });
      },
    });
    server.on('error', (e: Error) => this.onError(e));
    await new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      server.server.once('error', failed);
      server.listen(port, host, () => {
        server.server.off('error', failed);
        resolve();
      });
    });
    this.server = server;
    return (server.server.address() as AddressInfo).port;
  }

  /** Stop the listener and release pending waits (they resolve with undefined). */
  async stop(): Promise<void> {
    for (const w of [...this.waiters]) w.resolve(undefined);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Parse and store one message source. Resolves with the stored message, or undefined when it
   * was dropped because a message with the same Message-ID was captured before — even if that one
   * has since been deleted (the outbox may send again after a crash between SMTP's 250 and marking
   * the mail sent; the embedded inbox captures each mail exactly once).
   */
  async add(raw: string): Promise<InboxMessage | undefined> {
    const { simpleParser } = await loadMailparser();
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const messageId = (parsed.messageId ?? '').trim().replace(/^<|>$/g, '');
    if (messageId && this.seenIds.has(messageId)) return undefined;
    if (messageId) {
      this.seenIds.add(messageId);
      if (this.seenIds.size > SEEN_IDS_MAX) this.seenIds.delete(this.seenIds.values().next().value!);
    }
    const received = new Date(this.now()).toISOString();
    const message: InboxMessage = {
      id: newInboxId(),
      messageId,
      from: addresses(parsed.from)[0] ?? { name: '', address: '' },
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      subject: parsed.subject ?? '',
      date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : received,
      received,
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      headers: headerList(raw),
      raw,
      size: Buffer.byteLength(raw, 'utf8'),
    };
    this.messages.push(message);
    this.remember(message, 1);
    while (this.maxMessages !== undefined && this.messages.length > this.maxMessages) {
      const oldest = this.messages.shift()!;
      this.forget(oldest);
      this.evictedCount++;
    }
    for (const w of [...this.waiters]) if (matchesFilter(message, w.filter)) w.resolve(message);
    for (const l of [...this.listeners]) l(message);
    return message;
  }

  /** Matching messages, newest first. */
  list(filter: InboxFilter = {}): InboxMessage[] {
    const out: InboxMessage[] = [];
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i]!;
      if (matchesFilter(m, filter)) out.push(m);
    }
    return out;
  }

  /** A message by id, or with id 'latest' the newest one matching the filter. */
  get(id: string, filter: InboxFilter = {}): InboxMessage | undefined {
    if (id === 'latest') return this.newest(filter);
    return this.messages.find((m) => m.id === id);
  }

  delete(id: string): boolean {
    const i = this.messages.findIndex((m) => m.id === id);
    if (i < 0) return false;
    const [gone] = this.messages.splice(i, 1);
    this.forget(gone!);
    return true;
  }

  /** Remove everything (and the eviction count); pending waits keep waiting for the next match. */
  clear(): void {
    this.messages = [];
    this.read.clear();
    this.messageIds.clear();
    this.evictedCount = 0;
  }

  /** Messages dropped by the cap (maxMessages) since start or the last clear(). */
  get evicted(): number {
    return this.evictedCount;
  }

  private remember(m: InboxMessage, delta: 1 | -1): void {
    if (!m.messageId) return;
    const n = (this.messageIds.get(m.messageId) ?? 0) + delta;
    if (n > 0) this.messageIds.set(m.messageId, n);
    else this.messageIds.delete(m.messageId);
  }

  private forget(m: InboxMessage): void {
    this.read.delete(m.id);
    this.remember(m, -1);
  }

  get count(): number {
    return this.messages.length;
  }

  /** Mailpit's read flag: set when a client opens the message (GET /api/v1/message/{ID}). */
  markRead(id: string): void {
    if (this.messages.some((m) => m.id === id)) this.read.add(id);
  }

  isRead(id: string): boolean {
    return this.read.has(id);
  }

  get unreadCount(): number {
    return this.messages.length - this.read.size;
  }

  /**
   * The newest message matching the filter: at once if one is stored, else the first to arrive
   * within timeoutMs; undefined after the timeout, on abort, or when the inbox stops.
   */
  waitFor(filter: InboxFilter, timeoutMs: number, signal?: AbortSignal): Promise<InboxMessage | undefined> {
    const existing = this.newest(filter);
    if (existing || timeoutMs <= 0 || signal?.aborted) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const done = (message: InboxMessage | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        this.waiters.delete(waiter);
        resolve(message);
      };
      const aborted = () => done(undefined);
      const waiter: Waiter = { filter, resolve: done };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Called with every stored message; returns the unsubscribe function. */
  onMessage(listener: (message: InboxMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private newest(filter: InboxFilter): InboxMessage | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i]!;
      if (matchesFilter(m, filter)) return m;
    }
    return undefined;
  }
}

/** 16 URL-safe characters; never 'latest'. */
const newInboxId = (): string => randomBytes(12).toString('base64url');

function addresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  const out: Address[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else out.push({ name: a.name ?? '', address: a.address ?? '' });
    }
  };
  for (const o of [field ?? []].flat()) walk(o.value);
  return out;
}

/**
 * The header block as written, in order, with folded lines joined by one space (as Go's
 * net/textproto does, which is what Mailpit returns).
 */
export function headerList(raw: string): Array<{ key: string; value: string }> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = end < 0 ? raw : raw.slice(0, end);
  const out: Array<{ key: string; value: string }> = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      const last = out.at(-1);
      if (last) last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

const contains = (haystack: string, needle: string) => haystack.toLowerCase().includes(needle.toLowerCase());
const addressText = (list: Address[]) => list.map((a) => `${a.name} <${a.address}>`).join(', ');

export function matchesFilter(m: InboxMessage, f: InboxFilter): boolean {
  if (f.to && !contains(addressText([...m.to, ...m.cc]), f.to)) return false;
  if (f.from && !contains(addressText([m.from]), f.from)) return false;
  if (f.subject && !contains(m.subject, f.subject)) return false;
  if (f.text && !contains(`${m.subject}\n${m.text}\n${m.html}`, f.text)) return false;
  if (f.query && !matchesMailpitQuery(m, f.query)) return false;
  if (f.domain) {
    const at = `@${f.domain.toLowerCase()}`;
    if (![...m.to, ...m.cc].some((a) => a.address.toLowerCase().endsWith(at))) return false;
  }
  return true;
}

/**
 * Mailpit's search syntax, the subset that makes sense without tags and read state
 * (axllent/mailpit internal/storage/search.go): space-separated terms, all of which must match;
 * "quoted phrases" are one term; `-` or `!` negates; `to:`, `from:`, `cc:`, `subject:` and
 * `message-id:` search that field; any other term searches subject, addresses and text.
 * Like Mailpit, terms without a letter or digit are ignored, and an empty query matches all.
 */
export function matchesMailpitQuery(m: InboxMessage, query: string): boolean {
  for (let term of splitQuery(query)) {
    let exclude = false;
    if (term.length > 1 && (term.startsWith('-') || term.startsWith('!'))) {
      exclude = true;
      term = term.slice(1);
    }
    if (!/[a-z0-9]/i.test(term)) continue;
    const field = /^(to|from|cc|subject|message-id):/i.exec(term);
    const value = field ? term.slice(field[0].length).trim() : term;
    if (!value) continue;
    let haystack: string;
    switch (field?.[1]!.toLowerCase()) {
      case 'to':
        haystack = addressText(m.to);
        break;
      case 'from':
        haystack = addressText([m.from]);
        break;
      case 'cc':
        haystack = addressText(m.cc);
        break;
      case 'subject':
        haystack = m.subject;
        break;
      case 'message-id':
        haystack = m.messageId;
        break;
      default:
        haystack = [m.subject, addressText([m.from]), addressText(m.to), addressText(m.cc), m.text].join('\n');
    }
    if (contains(haystack, value) === exclude) return false;
  }
  return true;
}

/** Mailpit's tools.ArgsParser: split on whitespace outside double quotes, dropping the quotes. */
function splitQuery(query: string): string[] {
  const terms: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of query) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(ch)) {
      if (current) terms.push(current);
      current = '';
    } else current += ch;
  }
  if (current) terms.push(current);
  return terms;
}
