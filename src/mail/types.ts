/**
 * The mail path: domain events → notification rules → templates → outbox (in the store, written
 * with the change that caused it) → nodemailer SMTP → the embedded SMTP server → inbox.
 */

/** A rendered mail waiting in a tenant's outbox until SMTP accepts it. */
export interface OutboxMessage {
  /** Also the Message-ID's local part: the inbox drops a second copy of the same id. */
  id: string;
  from: { name: string; address: string };
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. X-PIM-Event, X-PIM-Request-Id. */
  headers: Record<string, string>;
  createdDateTime: string;
  attempts: number;
  /** Wall-clock ms before which no retry is made (backoff). */
  notBeforeMs: number;
  lastError: string | null;
}

declare module '../directory/model.js' {
  interface TenantData {
    /** Mail waiting for SMTP, written in the same update as the change that caused it. */
    outbox: OutboxMessage[];
  }
}

/** A message the embedded SMTP server captured, parsed. */
export interface InboxMessage {
  /** Inbox id (short, URL-safe, unique). */
  id: string;
  messageId: string;
  from: { name: string; address: string };
  to: Array<{ name: string; address: string }>;
  cc: Array<{ name: string; address: string }>;
  subject: string;
  date: string;
  /** When the SMTP server received it (wall clock, ISO). */
  received: string;
  text: string;
  html: string;
  headers: Array<{ key: string; value: string }>;
  raw: string;
  size: number;
}

export const PIM_SENDER = { name: 'Microsoft Security', address: 'MSSecurity-noreply@microsoft.com' } as const;
