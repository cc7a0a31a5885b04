import type { SendMailOptions, Transporter } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { OutboxMessage } from './types.js';

export interface OutboxOptions {
  /** smtp://host:port of a relay (PIM_SMTP_URL), or the embedded server's port on loopback. */
  target: () => { url: string } | { host: string; port: number };
  log: { warn: (obj: object, msg: string) => void };
}

/**
 * Delivered mails leave the stored outbox in one store update per tenant this long after the first
 * delivery, not one update per mail: each update is a durable write of the tenant, and one right
 * after SMTP's 250 delayed the next mail (issue #11). A crash in between sends those mails again;
 * the inbox drops the copies by Message-ID.
 */
export const MARK_DELAY_MS = 250;


/** nodemailer is loaded with the first mail to send, not at start (cold start, issue #11). */
let nodemailer: Promise<typeof import('nodemailer')> | undefined;
const loadNodemailer = () => (nodemailer ??= import('nodemailer'));

/** 1 s, 2 s, 4 s … up to a minute between attempts while SMTP is down. */
export const backoffMs = (attempts: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

/**
 * Sends what the tenants' outboxes hold. A message is queued in the same store write as the change
 * that caused it; it leaves the outbox only after SMTP accepted it, so a crash or an SMTP outage
 * delays mail but never loses it (a restart resumes the queue). Backoff uses the wall clock: it is
 * about a real SMTP server, not about emulated time. Sent mails leave the stored outbox in batches
 * (MARK_DELAY_MS), not one durable write per mail.
 */
export class Outbox {
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private transporter: { key: string; t: Transporter } | undefined;
  /** Per tenant: mails SMTP accepted that the stored outbox still holds (removed by flush()). */
  private readonly delivered = new Map<string, Set<string>>();
  private markTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: OutboxOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), 1000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.draining;
    await this.flush();
    this.transporter?.t.close();
    this.transporter = undefined;
  }

  /** Mails not yet accepted by SMTP. */
  pending(): number {
    let n = 0;
    for (const t of this.store.tenants()) {
      const sent = this.delivered.get(t.tenant.id);
      n += sent ? t.outbox.filter((m) => !sent.has(m.id)).length : t.outbox.length;
    }
    return n;
  }

  /** Remove delivered mails from the stored outboxes now: one store update per tenant. */
  async flush(): Promise<void> {
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = undefined;
    for (const [tenantId, sent] of this.delivered) {
      if (!sent.size) continue;
      const done = new Set(sent);
      try {
        await this.store.update(tenantId, (t) => {
          t.outbox = t.outbox.filter((x) => !done.has(x.id));
        });
        for (const id of done) sent.delete(id);
      } catch {
        // The tenant is gone, or the write failed: a later flush tries again; nothing is sent twice meanwhile.
        if (!this.store.tenant(tenantId)) this.delivered.delete(tenantId);
      }
    }
  }

  private flushSoon(): void {
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined;
      void this.flush();
    }, MARK_DELAY_MS);
    this.markTimer.unref();
  }

  /** Start a drain now (or right after the running one). */
  kick(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.drainOnce();
      } while (this.again);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async transport(): Promise<Transporter> {
    const target = this.opts.target();
    const key = JSON.stringify(target);
    if (this.transporter?.key !== key) {
      const { default: nodemailer } = await loadNodemailer();
      if (this.transporter?.key === key) return this.transporter.t; // made meanwhile
      this.transporter?.t.close();
      const t = 'url' in target
        ? nodemailer.createTransport(target.url)
        : nodemailer.createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 2, maxMessages: Infinity });
      this.transporter = { key, t };
    }
    return this.transporter.t;
  }

  private async drainOnce(): Promise<void> {
    for (const tenant of this.store.tenants()) {
      if (!tenant.outbox.length) continue;
      const tenantId = tenant.tenant.id;
      let sent = this.delivered.get(tenantId);
      if (!sent) this.delivered.set(tenantId, (sent = new Set()));
      const due = tenant.outbox.filter((m) => m.notBeforeMs <= this.clock.wallMs() && !sent.has(m.id));
      for (const m of due) {
        try {
          await (await this.transport()).sendMail(toMail(m));
        } catch (e) {
          const error = (e as Error).message;
          this.opts.log.warn({ messageId: m.id, attempts: m.attempts + 1, error }, 'mail not sent; will retry');
          await this.store.update(tenantId, (t) => {
            const queued = t.outbox.find((x) => x.id === m.id);
            if (!queued) return;
            queued.attempts += 1;
            queued.lastError = error;
            queued.notBeforeMs = this.clock.wallMs() + backoffMs(queued.attempts);
          }).catch(() => undefined);
          // SMTP is down for this tenant's mail: leave the rest for the next round, in order.
          break;
        }
        sent.add(m.id);
        this.flushSoon();
      }
    }
  }
}

function toMail(m: OutboxMessage): SendMailOptions {
  return {
    from: { name: m.from.name, address: m.from.address },
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    // A stable Message-ID: the inbox drops a copy that a retry after a crash might deliver twice.
    messageId: `<${m.id}@pim-emulator.local>`,
    date: new Date(m.createdDateTime),
    headers: m.headers,
  };
}
