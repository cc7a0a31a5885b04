/**
 * ISO 8601 durations as Graph uses them (Edm.Duration: "PT8H", "P365D", "PT1H45M", "P1DT12H").
 * Years and months are rejected: their length depends on the calendar, and PIM never sends them.
 */
const DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

export class DurationError extends Error {}

/** Parses an ISO 8601 duration into milliseconds; throws DurationError with a readable message. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) {
    throw new DurationError(`'${text}' is not an ISO 8601 duration such as PT8H, PT30M, P1D or P365D`);
  }
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x))) as number[];
  return Math.round(((((w! * 7 + d!) * 24 + h!) * 60 + min!) * 60 + s!) * 1000);
}

/** Formats milliseconds as Graph writes durations: days and time parts, no weeks ("P1DT2H", "PT8H", "PT0S"). */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/**
 * A DateTimeOffset as Graph requires it: a date, a time and an explicit offset (Z or ±hh:mm).
 * Returns epoch ms, or undefined when the text is not one (e.g. no offset: Graph rejects those).
 */
export function parseDateTimeOffset(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) return undefined;
  // Date.parse rolls 2026-02-30 over to 2 March; Graph rejects a day the month does not have.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  // JavaScript's Date parses at most millisecond precision; .NET sends up to 7 digits.
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Graph's wire format for instants: UTC with a Z. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
