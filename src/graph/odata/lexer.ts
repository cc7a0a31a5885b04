/**
 * Tokenizer for the OData subset Graph accepts in `$filter` and `$orderby`.
 *
 * Literal kinds are recognised here rather than in the parser because Graph accepts several of
 * them unquoted (GUIDs, datetimes), and only their shape tells them apart from property names.
 * Positions are 0-based character offsets into the (URL-decoded) query text.
 */

/** The one error type of the OData module; `code` is the Graph error code sent with HTTP 400. */
export class ODataQueryError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ODataQueryError';
  }
}

export type TokenKind = 'ident' | 'string' | 'number' | 'guid' | 'datetime' | '(' | ')' | ',' | ':' | '/' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written (strings keep their quotes). */
  text: string;
  /** Unescaped content for strings; same as `text` otherwise. */
  value: string;
  pos: number;
}

/** Which query option is being read, for messages: "Invalid $filter: …" / "Invalid $orderby: …". */
export type QueryOption = '$filter' | '$orderby';

const PUNCTUATION = new Set(['(', ')', ',', ':', '/']);
// Anything that starts like a date is taken whole, so a malformed one gets a datetime-specific message.
const DATETIME_LIKE = /\d{4}-\d{2}-\d{2}(?:T[0-9:.]*(?:Z|[+-]\d{2}:\d{2})?)?/iy;
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/iy;
const NUMBER = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/iy;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

export function tokenize(text: string, option: QueryOption): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const fail = (message: string): never => {
    throw new ODataQueryError('BadRequest', `Invalid ${option}: ${message}`);
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    return re.exec(text)?.[0];
  };

  while (pos < text.length) {
    const ch = text[pos]!;
    if (/\s/.test(ch)) {
      pos++;
      continue;
    }
    const start = pos;
    const push = (kind: TokenKind, raw: string, value = raw): void => {
      tokens.push({ kind, text: raw, value, pos: start });
      pos = start + raw.length;
    };

    if (PUNCTUATION.has(ch)) {
      push(ch as TokenKind, ch);
      continue;
    }
    if (ch === "'") {
      // OData escapes a quote inside a string by doubling it: 'O''Brien'.
      let value = '';
      let i = pos + 1;
      for (;;) {
        if (i >= text.length) fail(`unterminated string literal starting at position ${start}.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          break;
        }
        value += text[i];
        i++;
      }
      push('string', text.slice(start, i + 1), value);
      continue;
    }
    const datetime = match(DATETIME_LIKE);
    if (datetime !== undefined) {
      if (parseInstant(datetime, { requireZone: true }) === undefined) {
        // An unencoded '+' in a query string arrives as a space: "…T00:00:00 01:00".
        const lostPlus = /^ \d{2}:\d{2}/.test(text.slice(start + datetime.length));
        fail(
          `invalid datetime '${datetime}' at position ${start}; ` +
            'use ISO 8601 with a time zone, e.g. 2026-01-01T00:00:00Z' +
            (lostPlus ? " (a '+' in a URL must be encoded as %2B)." : '.'),
        );
      }
      push('datetime', datetime);
      continue;
    }
    const guid = match(GUID);
    if (guid !== undefined) {
      push('guid', guid);
      continue;
    }
    const number = match(NUMBER);
    if (number !== undefined) {
      push('number', number);
      continue;
    }
    const ident = match(IDENT);
    if (ident !== undefined) {
      push('ident', ident);
      continue;
    }
    fail(`unexpected character '${ch}' at position ${start}.`);
  }
  tokens.push({ kind: 'eof', text: '', value: '', pos: text.length });
  return tokens;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/**
 * Parses an ISO 8601 date or datetime to epoch milliseconds, or undefined if it is not one.
 * Written out rather than using Date.parse because Date.parse reads zone-less times as local time
 * (machine-dependent) and silently rolls invalid dates over (2026-02-30 → March 2).
 * A date alone means midnight UTC. Fractions beyond milliseconds (Graph writes 7 digits) are truncated.
 */
export function parseInstant(text: string, options: { requireZone: boolean }): number | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const hasTime = m[4] !== undefined;
  if (hasTime && zone === undefined && options.requireZone) return undefined;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth) return undefined;
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, ms) - offsetMinutes * 60_000;
}
