import { formatDuration, parseDuration } from '../../iso8601.js';
import { bool, invalid, show, type RuleKind } from './common.js';

/** Edm.Duration as the CSDL pattern allows it (no years, months or weeks; reference yaml schema). */
const EDM_DURATION = /^P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const MINUTE = 60_000;

/**
 * The portal's activation maximum is 1–24 hours; Graph also takes values between, e.g. PT1H45M
 * (reference §3.3, §3.4). Half an hour is the least PIM accepts for an activation.
 */
const ACTIVATION = { min: 30 * MINUTE, max: 24 * 60 * MINUTE };

export const expiration: RuleKind = {
  properties: {
    isExpirationRequired: (v, c) => bool(v, 'isExpirationRequired', c.type),
    maximumDuration: (v, c) => {
      const why = `expected an ISO 8601 duration such as PT8H or P90D, not ${show(v)}`;
      if (typeof v !== 'string' || !EDM_DURATION.test(v) || v === 'P' || v.endsWith('T')) throw invalid('maximumDuration', c.type, why);
      const ms = parseDuration(v);
      if (ms <= 0) throw invalid('maximumDuration', c.type, `the duration must be longer than zero, not ${show(v)}`);
      if (c.rule.id === 'Expiration_EndUser_Assignment' && (ms < ACTIVATION.min || ms > ACTIVATION.max)) {
        throw invalid('maximumDuration', c.type, `an activation may last from PT30M to PT24H, not ${show(v)}`);
      }
      // Stored as Edm.Duration round-trips it: PT90M reads back as PT1H30M.
      return formatDuration(ms);
    },
  },
};
