// Times and durations for people and for Graph.

export const pad = (n: number): string => String(n).padStart(2, '0');
/** A date-time for people, in the browser's time zone. */
export function fmt(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '-';
  const d = new Date(typeof v === 'number' ? v : Date.parse(v));
  if (Number.isNaN(d.getTime())) return String(v);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/** The value of an <input type=datetime-local> for an instant. */
export const toLocalInput = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** ISO 8601 durations as Graph writes them (PT8H, PT1H30M, P90D) → milliseconds. */
export function durationMs(iso: string | null | undefined): number {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso ?? '');
  if (!m) return NaN;
  const [, w, d, hh, mm, ss] = m.map((x) => Number(x ?? 0));
  return ((((w * 7 + d) * 24 + hh) * 60 + mm) * 60 + ss) * 1000;
}
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Hours (0.5 steps) → PT8H / PT7H30M. */
export function hoursToIso(hours: number): string {
  const whole = Math.floor(hours);
  const minutes = Math.round((hours - whole) * 60);
  return `PT${whole ? `${whole}H` : ''}${minutes ? `${minutes}M` : ''}` || 'PT0H';
}
export function describeDuration(iso: string | null | undefined): string {
  const ms = durationMs(iso);
  if (Number.isNaN(ms)) return iso ?? '-';
  if (ms % DAY === 0 && ms >= DAY) return `${ms / DAY} day(s)`;
  return `${Math.round((ms / HOUR) * 100) / 100} hour(s)`;
}
export const hoursText = (hours: number): string => `${hours} hour(s)`;

export function decodeJwt(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}
