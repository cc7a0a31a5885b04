import { describe, expect, it } from 'vitest';
import { Clock, REAL_TIME } from '../../src/clock.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/** A clock over a wall clock the test moves by hand. */
function fakeWall(start = T0) {
  let now = start;
  return {
    read: () => now,
    pass: (ms: number) => void (now += ms),
  };
}

describe('Clock', () => {
  it('follows the wall clock when nobody has touched it', () => {
    const wall = fakeWall();
    const clock = new Clock(REAL_TIME, wall.read);
    expect(clock.nowMs()).toBe(T0);
    wall.pass(1_500);
    expect(clock.nowMs()).toBe(T0 + 1_500);
    expect(clock.now()).toEqual(new Date(T0 + 1_500));
    expect(clock.frozen).toBe(false);
  });

  it('reports the wall clock separately, unaffected by moves', () => {
    const wall = fakeWall();
    const clock = new Clock(REAL_TIME, wall.read);
    clock.advance(8 * HOUR);
    expect(clock.wallMs()).toBe(T0);
  });

  describe('advance', () => {
    it('moves emulator time forward and keeps it running with the wall clock', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.advance(8 * HOUR);
      expect(clock.nowMs()).toBe(T0 + 8 * HOUR);
      wall.pass(10_000);
      expect(clock.nowMs()).toBe(T0 + 8 * HOUR + 10_000);
    });

    it('adds up', () => {
      const clock = new Clock(REAL_TIME, fakeWall().read);
      clock.advance(HOUR);
      clock.advance(30 * 60_000);
      expect(clock.nowMs()).toBe(T0 + HOUR + 30 * 60_000);
    });

    it('can move backwards', () => {
      const clock = new Clock(REAL_TIME, fakeWall().read);
      clock.advance(-HOUR);
      expect(clock.nowMs()).toBe(T0 - HOUR);
    });
  });

  describe('set', () => {
    it('jumps to an instant, then keeps running from there', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      const target = Date.UTC(2030, 0, 1);
      clock.set(target);
      expect(clock.nowMs()).toBe(target);
      wall.pass(5_000);
      expect(clock.nowMs()).toBe(target + 5_000);
    });

    it('can go back in time', () => {
      const clock = new Clock(REAL_TIME, fakeWall().read);
      clock.set(Date.UTC(2020, 0, 1));
      expect(clock.nowMs()).toBe(Date.UTC(2020, 0, 1));
    });
  });

  describe('freeze', () => {
    it('stops emulator time at the instant it was frozen', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.advance(HOUR);
      clock.freeze(true);
      expect(clock.frozen).toBe(true);
      wall.pass(60_000);
      expect(clock.nowMs()).toBe(T0 + HOUR);
    });

    it('still lets time be advanced and set while frozen, and stays frozen', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.freeze(true);
      clock.advance(8 * HOUR);
      expect(clock.nowMs()).toBe(T0 + 8 * HOUR);
      clock.set(Date.UTC(2030, 0, 1));
      wall.pass(60_000);
      expect(clock.nowMs()).toBe(Date.UTC(2030, 0, 1));
      expect(clock.frozen).toBe(true);
    });

    it('resumes from the frozen instant on unfreeze, without jumping to catch up', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.freeze(true);
      wall.pass(10 * 60_000);
      clock.freeze(false);
      expect(clock.frozen).toBe(false);
      expect(clock.nowMs()).toBe(T0);
      wall.pass(2_000);
      expect(clock.nowMs()).toBe(T0 + 2_000);
    });

    it('keeps continuity through freeze, advance and unfreeze', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      wall.pass(1_000);
      clock.freeze(true);
      clock.advance(HOUR);
      wall.pass(30_000);
      clock.freeze(false);
      expect(clock.nowMs()).toBe(T0 + 1_000 + HOUR);
      wall.pass(500);
      expect(clock.nowMs()).toBe(T0 + 1_000 + HOUR + 500);
    });

    it('does nothing when asked to freeze twice or unfreeze a running clock', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.freeze(true);
      wall.pass(5_000);
      clock.freeze(true);
      expect(clock.nowMs()).toBe(T0);
      clock.freeze(false);
      clock.freeze(false);
      expect(clock.nowMs()).toBe(T0);
    });
  });

  describe('snapshot and restore', () => {
    it('restore brings back a running clock with its offset', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.advance(HOUR);
      const saved = clock.snapshot();
      clock.advance(5 * HOUR);
      clock.restore(saved);
      expect(clock.nowMs()).toBe(T0 + HOUR);
      wall.pass(1_000);
      expect(clock.nowMs()).toBe(T0 + HOUR + 1_000);
    });

    it('restore brings back a frozen clock at its instant', () => {
      const wall = fakeWall();
      const clock = new Clock(REAL_TIME, wall.read);
      clock.set(Date.UTC(2030, 0, 1));
      clock.freeze(true);
      const saved = clock.snapshot();
      clock.freeze(false);
      clock.advance(HOUR);
      clock.restore(saved);
      wall.pass(60_000);
      expect(clock.frozen).toBe(true);
      expect(clock.nowMs()).toBe(Date.UTC(2030, 0, 1));
    });

    it('a state saved by one clock starts another one where it was (restart)', () => {
      const wall = fakeWall();
      const first = new Clock(REAL_TIME, wall.read);
      first.advance(2 * HOUR);
      const second = new Clock(first.snapshot(), wall.read);
      expect(second.nowMs()).toBe(first.nowMs());
    });

    it('a snapshot is a copy: changing it or the clock afterwards does not affect the other', () => {
      const clock = new Clock(REAL_TIME, fakeWall().read);
      const saved = clock.snapshot();
      clock.advance(HOUR);
      expect(saved).toEqual({ offsetMs: 0, frozenAt: null });
      saved.offsetMs = 99 * HOUR;
      expect(clock.nowMs()).toBe(T0 + HOUR);
    });

    it('restore copies the state it is given', () => {
      const clock = new Clock(REAL_TIME, fakeWall().read);
      const state = { offsetMs: HOUR, frozenAt: null };
      clock.restore(state);
      clock.advance(HOUR);
      expect(state).toEqual({ offsetMs: HOUR, frozenAt: null });
    });
  });

  it('never changes the shared REAL_TIME state', () => {
    const clock = new Clock(undefined, fakeWall().read);
    clock.advance(HOUR);
    clock.freeze(true);
    clock.set(0);
    expect(REAL_TIME).toEqual({ offsetMs: 0, frozenAt: null });
  });
});
