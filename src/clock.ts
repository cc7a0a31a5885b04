/**
 * The emulator clock: real time shifted by an offset, or frozen at an instant.
 * This is the only module that reads the wall clock; everything else asks a Clock
 * (or takes `now` as an argument), so tests move time instead of sleeping.
 */
export interface ClockState {
  /** Milliseconds added to the wall clock. */
  offsetMs: number;
  /** When frozen, the emulator instant (epoch ms) that `now()` returns. */
  frozenAt: number | null;
}

export const REAL_TIME: ClockState = { offsetMs: 0, frozenAt: null };

export class Clock {
  private state: ClockState;

  constructor(state: ClockState = REAL_TIME, private readonly wall: () => number = wallClock) {
    this.state = { ...state };
  }

  nowMs(): number {
    return this.state.frozenAt ?? this.wall() + this.state.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Wall-clock milliseconds, for measuring durations of real work (request timing), never for domain time. */
  wallMs(): number {
    return this.wall();
  }

  get frozen(): boolean {
    return this.state.frozenAt !== null;
  }

  advance(ms: number): void {
    if (this.state.frozenAt !== null) this.state.frozenAt += ms;
    else this.state.offsetMs += ms;
  }

  set(instantMs: number): void {
    if (this.state.frozenAt !== null) this.state.frozenAt = instantMs;
    else this.state.offsetMs = instantMs - this.wall();
  }

  freeze(on: boolean): void {
    if (on && this.state.frozenAt === null) this.state.frozenAt = this.nowMs();
    if (!on && this.state.frozenAt !== null) {
      this.state.offsetMs = this.state.frozenAt - this.wall();
      this.state.frozenAt = null;
    }
  }

  snapshot(): ClockState {
    return { ...this.state };
  }

  restore(state: ClockState): void {
    this.state = { ...state };
  }
}

/**
 * Real time, for what is about the real world rather than emulated time: TLS certificate validity
 * (clients check it against their own clocks), SMTP retry backoff, when mail was received.
 */
export const wallClock = (): number => Date.now();
