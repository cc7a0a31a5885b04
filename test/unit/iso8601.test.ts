import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, isoInstant, parseDateTimeOffset, parseDuration } from '../../src/iso8601.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['PT8H', 8 * HOUR],
    ['P365D', 365 * DAY],
    ['P180D', 180 * DAY],
    ['PT1H45M', HOUR + 45 * MINUTE],
    ['P1DT12H', DAY + 12 * HOUR],
    ['PT30M', 30 * MINUTE],
    ['PT0.5S', 500],
    ['PT1.5H', 90 * MINUTE],
    ['P2W', 14 * DAY],
    ['PT0S', 0],
    ['P1DT2H3M4S', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('accepts lowercase designators, as lenient clients send them', () => {
    expect(parseDuration('pt8h')).toBe(8 * HOUR);
    expect(parseDuration('p1dt12h')).toBe(DAY + 12 * HOUR);
  });

  it('ignores surrounding whitespace', () => {
    expect(parseDuration(' PT8H ')).toBe(8 * HOUR);
  });

  it.each([
    ['', 'empty'],
    ['P', 'no parts'],
    ['PT', 'a T with no time parts'],
    ['P1DT', 'a trailing T'],
    ['8H', 'no leading P'],
    ['P1Y', 'years, whose length depends on the calendar'],
    ['P1M', 'months, whose length depends on the calendar'],
    ['P1Y2M3D', 'years and months mixed with days'],
    ['PTH', 'a designator without a number'],
    ['PT8', 'a number without a designator'],
    ['PT-8H', 'a negative number'],
    ['PT8H30S15M', 'parts out of order'],
    ['8 hours', 'prose'],
  ])('rejects %j (%s) with a DurationError', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it('quotes the bad text and gives an example in the error', () => {
    expect(() => parseDuration('8H')).toThrow(/'8H'.*PT8H/);
  });
});

describe('formatDuration', () => {
  it('writes whole days as days and the rest as time', () => {
    expect(formatDuration(DAY + 2 * HOUR)).toBe('P1DT2H');
  });

  it('writes zero as PT0S', () => {
    expect(formatDuration(0)).toBe('PT0S');
  });

  it('writes weeks as days, as Graph does', () => {
    expect(formatDuration(parseDuration('P2W'))).toBe('P14D');
  });

  it('writes minutes and seconds', () => {
    expect(formatDuration(HOUR + 45 * MINUTE + 30 * SECOND)).toBe('PT1H45M30S');
  });

  it.each(['PT8H', 'P1DT2H', 'PT0S', 'P365D', 'PT1H45M', 'P1DT12H', 'PT30M', 'PT45S'])('round-trips %s', (text) => {
    expect(formatDuration(parseDuration(text))).toBe(text);
  });
});

describe('parseDateTimeOffset', () => {
  it('reads a UTC instant with Z', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00:00Z')).toBe(Date.UTC(2026, 11, 1, 9, 0, 0));
  });

  it('applies an explicit offset', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00:00+02:00')).toBe(Date.UTC(2026, 11, 1, 7, 0, 0));
    expect(parseDateTimeOffset('2026-12-01T09:00:00-05:30')).toBe(Date.UTC(2026, 11, 1, 14, 30, 0));
  });

  it('reads milliseconds', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00:00.123Z')).toBe(Date.UTC(2026, 11, 1, 9, 0, 0, 123));
  });

  it('reads the 7 fractional digits .NET clients send, keeping millisecond precision', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00:00.9014347Z')).toBe(Date.UTC(2026, 11, 1, 9, 0, 0, 901));
  });

  it('reads a time without seconds', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00Z')).toBe(Date.UTC(2026, 11, 1, 9, 0, 0));
  });

  it('rejects a time without an offset, as Graph does', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00:00')).toBeUndefined();
    expect(parseDateTimeOffset('2026-12-01T09:00:00.000')).toBeUndefined();
  });

  it('rejects a date without a time', () => {
    expect(parseDateTimeOffset('2026-12-01')).toBeUndefined();
  });

  it('rejects more than 7 fractional digits', () => {
    expect(parseDateTimeOffset('2026-12-01T09:00:00.12345678Z')).toBeUndefined();
  });

  it.each(['', 'tomorrow', 'not-a-date', '2026-13-01T09:00:00Z', '2026-12-32T09:00:00Z', '2026-12-01T25:00:00Z', '2026-12-01 09:00:00Z'])(
    'rejects garbage: %j',
    (text) => {
      expect(parseDateTimeOffset(text)).toBeUndefined();
    },
  );

  it('rejects a calendar date that does not exist instead of rolling it over', () => {
    expect(parseDateTimeOffset('2026-02-30T09:00:00Z')).toBeUndefined();
    expect(parseDateTimeOffset('2026-04-31T09:00:00Z')).toBeUndefined();
    expect(parseDateTimeOffset('2026-02-29T09:00:00Z')).toBeUndefined();
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseDateTimeOffset('2028-02-29T09:00:00Z')).toBe(Date.UTC(2028, 1, 29, 9, 0, 0));
  });

  it.each([undefined, null, 1764579600000, {}, ['2026-12-01T09:00:00Z']])('rejects a value that is not a string: %j', (value) => {
    expect(parseDateTimeOffset(value)).toBeUndefined();
  });
});

describe('isoInstant', () => {
  it('writes UTC with a Z and no milliseconds when there are none', () => {
    expect(isoInstant(Date.UTC(2026, 11, 1, 9, 0, 0))).toBe('2026-12-01T09:00:00Z');
  });

  it('keeps milliseconds when there are some', () => {
    expect(isoInstant(Date.UTC(2026, 11, 1, 9, 0, 0, 250))).toBe('2026-12-01T09:00:00.250Z');
  });

  it('round-trips through parseDateTimeOffset', () => {
    const ms = Date.UTC(2026, 5, 15, 23, 59, 59, 999);
    expect(parseDateTimeOffset(isoInstant(ms))).toBe(ms);
  });
});
