/**
 * The clock a node lives by. Every timer a node sets goes through a {@linkcode Clock}, so the
 * harness's simulator can run the same node in virtual time; {@linkcode realClock} is the default.
 *
 * @module
 */

/** An opaque timer handle, as returned by {@linkcode Clock.setTimeout}. */
export type TimerHandle = unknown;

/** A source of time and timers.
 *
 * @example
 * ```ts
 * import type { Clock } from "./clock.ts";
 * const frozen: Clock = { now: () => 0, setTimeout: () => undefined, clearTimeout: () => {} };
 * frozen.now(); // 0
 * ```
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for {@linkcode Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired yet; a handle of a fired or cancelled timer is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock: `performance.now()` and the runtime's timers.
 *
 * @example
 * ```ts
 * import { realClock } from "./clock.ts";
 * const started = realClock.now();
 * realClock.setTimeout(() => console.log(realClock.now() - started >= 0), 1);
 * ```
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};
