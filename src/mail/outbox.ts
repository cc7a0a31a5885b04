import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { OutboxMessage } from './types.js';

export interface OutboxOptions {
  /** smtp://host:port of a relay (PIM_SMTP_URL), or the embedded server's port on loopback. */
  target: () => { url: string } | { host: string; port: number };
  log: { warn: (obj: object, msg: string) => void };
}

/** 1 s, 2 s, 4 s … up to a minute between attempts while SMTP is down. */
export const backoffMs = (attempts: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

/**
 * Sends what the tenants' outboxes hold. A message is queued in the same store write as the change
 * that caused it; it leaves the outbox only after SMTP accepted it, so a crash or an SMTP outage
 * delays mail but never loses it (a restart resumes the queue). Backoff uses the wall clock: it is
 * about a real SMTP server, not about emulated time.
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

  private transport(): Transporter {
    const target = this.opts.target();
    const key = JSON.stringify(target);
    if (this.transporter?.key !== key) {
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
      const tenantId = tenant.tenant.id;
      for (const m of [...tenant.outbox]) {
        if (m.notBeforeMs > this.clock.wallMs()) continue;
        try {
          await this.transport().sendMail(toMail(m));
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
        await this.store.update(tenantId, (t) => {
          t.outbox = t.outbox.filter((x) => x.id !== m.id);
        }).catch(() => undefined);
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
