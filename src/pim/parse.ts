import { DurationError, isoInstant, parseDateTimeOffset, parseDuration } from '../iso8601.js';
import type { RequestInput, Schedule } from './command.js';
import { pimErrors } from './errors.js';
import { ACTIONS, EXPIRATION_TYPES, type Action, type Actor, type Expiration, type RequestRecord, type TicketInfo } from './model.js';

/** Request bodies → the engine's values: enums, scheduleInfo, ticketInfo, createdBy. */

/** Graph accepts enum values in any case and answers in camelCase (reference §2.1). */
export function enumValue<T extends string>(values: readonly T[], raw: string): T {
  const v = values.find((x) => x.toLowerCase() === raw.toLowerCase());
  if (!v) throw pimErrors.unknownEnumValue(raw);
  return v;
}

export const parseAction = (raw: string): Action => enumValue(ACTIONS, raw);

/** scheduleInfo → effective start and end. A start in the past means now (reference §1.4). */
export function parseSchedule(input: RequestInput, nowMs: number): Schedule {
  const info = input.scheduleInfo ?? {};
  if (info.recurrence !== undefined && info.recurrence !== null) throw pimErrors.invalidRequest();
  let startMs = nowMs;
  if (info.startDateTime !== undefined && info.startDateTime !== null) {
    const s = parseDateTimeOffset(info.startDateTime);
    if (s === undefined) throw pimErrors.invalidRequest();
    startMs = Math.max(s, nowMs);
  }
  const e = info.expiration ?? {};
  const type = e.type ? enumValue(EXPIRATION_TYPES, e.type) : 'notSpecified';
  let end: number | null = null;
  let expiration: Expiration;
  if (type === 'afterDateTime') {
    const at = parseDateTimeOffset(e.endDateTime ?? undefined);
    if (at === undefined || at <= startMs) throw pimErrors.invalidRequest();
    end = at;
    expiration = { type, endDateTime: isoInstant(at), duration: null };
  } else if (type === 'afterDuration') {
    let d: number;
    try {
      d = parseDuration(e.duration ?? '');
    } catch (err) {
      if (err instanceof DurationError) throw pimErrors.invalidRequest();
      throw err;
    }
    if (d <= 0) throw pimErrors.invalidRequest();
    end = startMs + d;
    expiration = { type, endDateTime: null, duration: e.duration!.toUpperCase() };
  } else {
    expiration = { type, endDateTime: null, duration: null };
  }
  return { requestedStart: info.startDateTime ?? null, startMs, expiration, endMs: end };
}

export function ticket(input: RequestInput): TicketInfo {
  return { ticketNumber: input.ticketInfo?.ticketNumber ?? null, ticketSystem: input.ticketInfo?.ticketSystem ?? null };
}

export function createdBy(actor: Actor): RequestRecord['createdBy'] {
  // Graph returns displayName null here (reference §2.4).
  return actor.kind === 'user'
    ? { application: null, device: null, user: { displayName: null, id: actor.id } }
    : { application: { displayName: null, id: actor.appId ?? actor.id }, device: null, user: null };
}
