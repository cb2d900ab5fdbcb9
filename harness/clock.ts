/**
 * The harness's clocks. Everything that waits (the network's latency, the generator's pacing,
 * the nemesis schedule, client timeouts) goes through a {@linkcode HarnessClock}, so the same code
 * runs against real processes in real time and against in-process nodes in virtual time.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { heapPop, heapPush } from "./heap.ts";

/** A {@linkcode Clock} that can also sleep. */
export interface HarnessClock extends Clock {
  sleep(ms: number): Promise<void>;
  /** True for virtual time. */
  readonly virtual: boolean;
}

/** Real time: `performance.now()` and the runtime's timers.
 *
 * @example
 * ```ts
 * import { RealClock } from "./clock.ts";
 * const clock = new RealClock();
 * await clock.sleep(1);
 * ```
 */
export class RealClock implements HarnessClock {
  readonly virtual = false;
  now(): number {
    return performance.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return setTimeout(fn, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as number);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

interface Event {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Virtual time: a discrete-event scheduler. Time stands still while code runs and jumps to the
 * next timer when everything is waiting. Events at the same instant run in the order they were
 * scheduled, and every promise settles between two events, so a run is a pure function of its
 * inputs.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "./clock.ts";
 * const clock = new VirtualClock();
 * const result = await clock.run(async () => {
 *   await clock.sleep(60_000); // a virtual minute, instantly
 *   return clock.now();
 * });
 * result; // 60000
 * ```
 */
export class VirtualClock implements HarnessClock {
  readonly virtual = true;
  #now = 0;
  #seq = 0;
  #heap: Event[] = [];
  /** Events processed so far. */
  events = 0;
  /** Called before each event runs: the simulator's watchdog counts events with it, to tell a
   * simulation that advances from one stuck inside a single event. */
  onEvent: (() => void) | undefined;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const event: Event = {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#push(event);
    return event;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle) (handle as Event).cancelled = true;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Runs `main` to completion, advancing virtual time whenever every task is waiting. Throws
   * if `main` waits on something no timer will ever bring (a deadlock). */
  async run<T>(main: () => Promise<T>): Promise<T> {
    let settled = false;
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    main().then(
      (r) => {
        settled = true;
        result = r;
      },
      (e) => {
        settled = true;
        failed = true;
        failure = e;
      },
    );
    await drain();
    while (!settled) {
      const event = this.#pop();
      if (!event) {
        throw new Error(
          `Virtual time deadlock at ${this.#now} ms: the test waits, but no timer is pending`,
        );
      }
      if (event.cancelled) continue;
      this.#now = event.at;
      this.events++;
      this.onEvent?.();
      event.fn();
      await drain();
    }
    if (failed) throw failure;
    return result as T;
  }

  #push(e: Event): void {
    heapPush(this.#heap, e, before);
  }

  #pop(): Event | undefined {
    return heapPop(this.#heap, before);
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Resolves after every queued promise reaction has run (a macrotask boundary). */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
