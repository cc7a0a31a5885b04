import type { SendMailOptions, Transporter } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { OutboxMessage } from './types.js';

export interface OutboxOptions {
  /** smtp://host:port of a relay (PIM_SMTP_URL), or the embedded server's port on loopback. */
  target: () => { url: string } | { host: string; port: number };
  log: { warn: (obj: object, msg: string) => void };
}

/** Delivered mails leave the outbox in one store update per batch of this many (a crash resends at most a batch; the inbox drops copies by Message-ID). */
export const MARK_BATCH = 50;

/** nodemailer is loaded with the first mail to send, not at start (cold start, issue #11). */
let nodemailer: Promise<typeof import('nodemailer')> | undefined;
const loadNodemailer = () => (nodemailer ??= import('nodemailer'));

/** 1 s, 2 s, 4 s … up to a minute between attempts while SMTP is down. */
export const backoffMs = (attempts: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

/**
 * Sends what the tenants' outboxes hold. A message is queued in the same store write as the change
 * that caused it; it leaves the outbox only after SMTP accepted it, so a crash or an SMTP outage
 * delays mail but never loses it (a restart resumes the queue). Backoff uses the wall clock: it is
 * about a real SMTP server, not about emulated time. Sent mails are removed in one store update per
 * drained batch, not one per mail: each update is a durable write.
 */
export class Outbox {
  private draining: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private transporter: { key: string; t: Transporter } | undefined;

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
    this.transporter?.t.close();
    this.transporter = undefined;
  }

  pending(): number {
    return this.store.tenants().reduce((n, t) => n + t.outbox.length, 0);
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
        : nodemailer.createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 2 });
      this.transporter = { key, t };
    }
    return this.transporter.t;
  }

  private async drainOnce(): Promise<void> {
    for (const tenant of this.store.tenants()) {
      if (!tenant.outbox.length) continue;
      const tenantId = tenant.tenant.id;
      const sent = new Set<string>();
      const mark = async (failed?: { id: string; error: string }) => {
        if (!sent.size && !failed) return;
        const done = new Set(sent);
        sent.clear();
        await this.store.update(tenantId, (t) => {
          if (done.size) t.outbox = t.outbox.filter((x) => !done.has(x.id));
          const queued = failed && t.outbox.find((x) => x.id === failed.id);
          if (!queued) return;
          queued.attempts += 1;
          queued.lastError = failed!.error;
          queued.notBeforeMs = this.clock.wallMs() + backoffMs(queued.attempts);
        }).catch(() => undefined);
      };
      for (const m of [...tenant.outbox]) {
        if (m.notBeforeMs > this.clock.wallMs()) continue;
        try {
          await (await this.transport()).sendMail(toMail(m));
        } catch (e) {
          const error = (e as Error).message;
          this.opts.log.warn({ messageId: m.id, attempts: m.attempts + 1, error }, 'mail not sent; will retry');
          await mark({ id: m.id, error });
          // SMTP is down for this tenant's mail: leave the rest for the next round, in order.
          break;
        }
        sent.add(m.id);
        if (sent.size >= MARK_BATCH) await mark();
      }
      await mark();
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
