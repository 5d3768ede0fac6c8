/**
 * The clocks tests give the server, its upstream client, its directory and the sandbox. Time is an input: a test
 * that does not choose a clock gets one frozen at TEST_NOW, and its fixture dates are written against that instant
 * (or made from it), so no answer changes with the day the suite runs.
 */
import type { Clock } from '../../src/clock.js';

/** "Now" for every in-process server unless a test says otherwise. */
export const TEST_NOW = Date.parse('2026-11-22T12:00:00.000Z');
export const DAY = 86_400_000;

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A clock that reads the same instant until the test moves it. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function frozenClock(at: number = TEST_NOW): ManualClock {
  let now = at;
  const clock = () => now;
  return Object.assign(clock, {
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  });
}

/**
 * A clock that starts at `at` and then runs at the machine's pace (monotonic, whatever the calendar says): for tests
 * of budgets that must run out while real timers run, where a frozen clock would never let them.
 */
export function runningClock(at: number = TEST_NOW): Clock {
  const start = performance.now();
  return () => at + (performance.now() - start);
}
