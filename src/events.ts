import type { Kind, RequestRecord, ScheduleRecord } from './pim/model.js';

/**
 * Domain events: what PIM's engine reports it did. The engine returns them; subscribers (the mail
 * notifications today, any later consumer) turn them into effects in the same store write as the
 * change. Routes never decide what follows from a change (design.md "Resource kinds").
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
