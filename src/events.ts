import type { TenantData } from './directory/model.js';
import type { Kind, RequestRecord, ScheduleRecord } from './pim/model.js';

/**
 * Domain events: what PIM's engine and its scheduler report they did. The engine returns them;
 * subscribers (the mail notifications today, any later consumer) turn them into effects in the same
 * store write as the change, and act again once the write is durable. Routes never decide what
 * follows from a change (design.md "Resource kinds").
 */
export type DomainEvent =
  | { type: 'assigned' | 'updated' | 'removed' | 'activated' | 'deactivated' | 'extended' | 'renewed'; kind: Kind; request: RequestRecord; schedule: ScheduleRecord | undefined }
  | {
      type: 'approvalRequested' | 'approved' | 'denied' | 'extendRequested' | 'renewRequested' | 'extendDecided' | 'renewDecided';
      kind: Kind;
      request: RequestRecord;
      schedule?: ScheduleRecord;
      /** extendDecided / renewDecided: the outcome (approved/denied carry it in their type). */
      decision?: 'approved' | 'denied';
    };

/** What time made due (the scheduler): an expiry reminder, or the expiry itself. */
export type ReminderEvent = { type: 'reminder'; which: '14d' | '1d' | 'expired'; kind: Kind; schedule: ScheduleRecord };

export type PimEvent = DomainEvent | ReminderEvent;

export interface Subscriber {
  /** Inside the store write that made the change: what follows from it joins the same write (mail into the outbox). */
  inWrite?(t: TenantData, events: readonly PimEvent[], nowMs: number): void;
  /** After the write is durable (e.g. send the mail just queued). */
  afterCommit?(events: readonly PimEvent[]): void;
}

/** The subscribers of one emulator instance, in the order they subscribed. */
export class EventBus {
  readonly #subscribers: Subscriber[] = [];

  subscribe(s: Subscriber): void {
    this.#subscribers.push(s);
  }

  /** Call inside the store update that made the change. */
  publish(t: TenantData, events: readonly PimEvent[], nowMs: number): void {
    if (events.length === 0) return;
    for (const s of this.#subscribers) s.inWrite?.(t, events, nowMs);
  }

  /** Call once the write that published these events is durable. */
  committed(events: readonly PimEvent[]): void {
    if (events.length === 0) return;
    for (const s of this.#subscribers) s.afterCommit?.(events);
  }
}
