/**
 * Simulated runs off the main thread: one test command line over seeds `seed, seed+1, ...`, in
 * parallel Web Workers (one per core), stopping at the first run that is not valid, as
 * Maelstrom's `--test-count` does. It is also the simulator's watchdog: node code runs in the
 * workers, so a node stuck in a synchronous loop can be named and its worker terminated while
 * the main thread stays responsive (Ctrl-C keeps working).
 *
 * ```sh
 * deno task maelstrom test -w broadcast --bin challenges/broadcast.ts --node-count 5 \
 *   --time-limit 20 --rate 10 --nemesis partition --test-count 1000
 * ```
 *
 * @module
 */
import type { CliTest } from "./cli.ts";
import type { AnalyzeOverrides } from "./analyze.ts";
import { createRunDir, verdictLine } from "./results.ts";
import type { CheckResult, Validity } from "./types.ts";

/** How long one event of a simulation (a node handling a message, a timer callback, a node's
 * `createNode`) may run before the watchdog stops the run. Virtual time stands still while code
 * runs, so a run that is legitimately slow still advances from event to event well within it. */
export const EVENT_BUDGET_MS = 10_000;
/** How often the main thread looks at the workers' heartbeats. */
const WATCH_INTERVAL_MS = 200;
/** The most distinct activity labels a worker sends; later ones are reported generically. */
export const MAX_LABELS = 10_000;

/** Heartbeat slots (an `Int32Array` over a `SharedArrayBuffer`): events run so far, the run's
 * state, the label of the node code entered last, and the seed being simulated. */
export const HB_COUNTER = 0, HB_STATE = 1, HB_LABEL = 2, HB_SEED = 3;
const HB_SLOTS = 4;
/** Heartbeat states: no run, nodes running (watched), nodes stopped (analysis, not watched). */
export const STATE_IDLE = 0, STATE_NODES = 1, STATE_ANALYSIS = 2;

/** The verdict of one simulated seed. */
export interface SeedVerdict {
  seed: number;
  /** The run's `valid?` ("unknown" when the run ended before analysis). */
  valid: Validity;
  /** The messages of node crashes (a crash ends the CLI with exit 255, as in Maelstrom). */
  crashed: string[];
  /** Why the run ended without analysis: the test could not run (`aborted`), a node never
   * returned (`stuck`, from the watchdog), or the harness itself failed (`broke`). */
  failure?: { kind: "aborted" | "stuck" | "broke"; message: string };
  /** The failing parts of the results, compactly, for messages. */
  explanation: string;
  /** Virtual time the run covered, and the wall time it took. */
  virtualMs: number;
  wallMs: number;
  /** The run's whole results, when {@linkcode SeedsOptions.keepResults} asked for them, so that
   * a caller can hold every seed to goals beyond `valid?` (structured-cloned from the worker:
   * exact floats arrive as plain objects). */
  results?: CheckResult;
  /** The same run checked again with each of {@linkcode SeedsOptions.alsoAnalyse}'s options, in
   * that order (as `maelstrom analyze` would check it), when asked for. */
  alsoResults?: CheckResult[];
}

/** What the main thread tells a worker once, first. */
export interface WorkerInit {
  type: "init";
  /** The challenge file, absolute. */
  file: string;
  /** `maelstrom test` arguments besides `--bin` and `--seed` (node arguments after `--`). */
  args: string[];
  heartbeat: SharedArrayBuffer;
  /** Where the worker keeps node logs until a run is stored (removed by the main thread). */
  tempDir: string;
  logStderr: boolean;
  logNetSend: boolean;
  logNetRecv: boolean;
  /** Print the phase lines Maelstrom logs ("Waiting for recovery...") on stderr: for a single
   * run; a thousand seeds would print a thousand. */
  logPhases?: boolean;
  /** Send each seed's whole results with its verdict. */
  keepResults?: boolean;
  /** Check each run again with each of these replacement options, and send those results too. */
  alsoAnalyse?: AnalyzeOverrides[];
}

/** Messages to a worker. */
export type ToWorker =
  | WorkerInit
  | { type: "run"; seed: number; keep: boolean }
  | {
    type: "store";
    seed: number;
    dir: string;
    storeRoot: string;
    argv: string[];
    reproduce: string;
    noReport: boolean;
  };

/** Messages from a worker. */
export type ToMain =
  | { type: "ready" }
  | { type: "label"; id: number; text: string }
  | { type: "done"; verdict: SeedVerdict }
  | {
    type: "stored";
    seed: number;
    summary?: string;
    report?: string;
    reportError?: string;
    error?: string;
  }
  | { type: "error"; message: string };

/** The exit code Maelstrom gives a run with this verdict: 0 valid, 1 invalid, 2 unknown, 255
 * when a node crashed or the test could not run.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "./seeds.ts";
 * exitCodeOf({ seed: 1, valid: false, crashed: [], explanation: "", virtualMs: 0, wallMs: 0 }); // 1
 * ```
 */
export function exitCodeOf(v: SeedVerdict): number {
  if (v.failure || v.crashed.length > 0) return 255;
  return v.valid === true ? 0 : v.valid === false ? 1 : 2;
}

/** The entries of a result whose `valid?` is not true, as compact JSON (at most 3,000
 * characters), for assertion and console messages.
 *
 * @example
 * ```ts
 * import { describeFailure } from "./seeds.ts";
 * describeFailure({ "valid?": false, workload: { "valid?": false, lost: [3] } }).includes("lost"); // true
 * ```
 */
export function describeFailure(results: CheckResult): string {
  const bad = Object.entries(results).filter(([k, v]) =>
    k !== "valid?" && (v as CheckResult)?.["valid?"] !== true
  );
  return JSON.stringify(Object.fromEntries(bad), null, 1).slice(0, 3000);
}

/** Options of {@linkcode runSeeds}. */
export interface SeedsOptions {
  /** The challenge or fixture file exporting `createNode` (absolute, or relative to the working
   * directory). */
  file: string;
  /** `maelstrom test` arguments besides `--bin` and `--seed`. */
  args: string[];
  firstSeed: number;
  count: number;
  /** Parallel workers (default: one per core, at most one per seed). */
  workers?: number;
  /** The watchdog's budget per event (default {@linkcode EVENT_BUDGET_MS}). */
  eventBudgetMs?: number;
  /** Keep the last seed's outcome even when valid, so that it can be stored. */
  keepLast?: boolean;
  logStderr?: boolean;
  logNetSend?: boolean;
  logNetRecv?: boolean;
  /** Print the phase lines Maelstrom logs, such as "Waiting for recovery..." (for one run). */
  logPhases?: boolean;
  /** Return each seed's whole results in its verdict ({@linkcode SeedVerdict.results}). */
  keepResults?: boolean;
  /** Check each run again with each of these options replacing the command line's (as
   * `maelstrom analyze` does), and return those results in {@linkcode SeedVerdict.alsoResults}.
   * Two command lines that differ only in checker options (`--consistency-models`, say) are the
   * same simulation: one run and two checks give what two runs would. */
  alsoAnalyse?: AnalyzeOverrides[];
  /** Called after each finished seed with how many have finished. */
  onProgress?: (finished: number) => void;
}

/** The outcome of {@linkcode runSeeds}. */
export interface SeedsResult {
  /** Verdicts of every seed that finished, in seed order. */
  verdicts: SeedVerdict[];
  /** The lowest seed whose run is not valid; every seed below it was valid. */
  firstFailure?: SeedVerdict;
  workers: number;
  wallMs: number;
  /** Writes the run of the first failing seed (or, with `keepLast`, of the last seed) into a
   * store folder: node logs, results, history, and report. Returns its console summary. */
  store(dir: string, request: StoreRequest): Promise<Extract<ToMain, { type: "stored" }>>;
  /** Terminates the workers and removes their temporary files. */
  close(): void;
}

/** What {@linkcode SeedsResult.store} needs besides the folder. */
export interface StoreRequest {
  storeRoot: string;
  argv: string[];
  reproduce: string;
  noReport: boolean;
}

interface Slot {
  worker: Worker;
  heartbeat: Int32Array;
  labels: Map<number, string>;
  /** The seed it runs, if any. */
  seed: number | undefined;
  /** The last heartbeat seen, and when it last changed. */
  lastBeat: string;
  sinceMs: number;
  /** The seed whose outcome it keeps. */
  kept: number | undefined;
  pending: ((m: ToMain) => void) | undefined;
}

/** Simulates `count` seeds from `firstSeed` of one command line in parallel workers, handing out
 * seeds in order and stopping at the first run that is not valid: runs of lower seeds still in
 * flight finish (the lowest failing seed is reported, whatever the number of workers), runs of
 * higher seeds are abandoned. Call `close()` when done.
 *
 * @example
 * ```ts ignore
 * const result = await runSeeds({
 *   file: "challenges/broadcast.ts",
 *   args: "-w broadcast --node-count 5 --time-limit 20 --rate 10".split(" "),
 *   firstSeed: 1,
 *   count: 100,
 * });
 * result.firstFailure; // undefined: all 100 valid
 * result.close();
 * ```
 */
export async function runSeeds(options: SeedsOptions): Promise<SeedsResult> {
  const started = performance.now();
  const file = new URL(options.file, `file://${Deno.cwd()}/`).pathname;
  const count = options.count;
  const lastSeed = options.firstSeed + count - 1;
  const workers = Math.max(
    1,
    Math.min(count, options.workers ?? navigator.hardwareConcurrency ?? 1),
  );
  const budgetMs = options.eventBudgetMs ?? EVENT_BUDGET_MS;
  const tempDir = Deno.makeTempDirSync({ prefix: "glomers-seeds-" });
  const slots: Slot[] = [];
  const verdicts = new Map<number, SeedVerdict>();
  let next = options.firstSeed;
  let firstFailure: SeedVerdict | undefined;
  let fatal: Error | undefined;
  let finished = 0;
  let wake: () => void = () => {};

  const close = () => {
    clearInterval(watch);
    for (const slot of slots) slot.worker.terminate();
    try {
      Deno.removeSync(tempDir, { recursive: true });
    } catch {
      // Already gone.
    }
  };

  const spawn = (): Slot => {
    const buffer = new SharedArrayBuffer(HB_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const slot: Slot = {
      worker: new Worker(new URL("./seed_worker.ts", import.meta.url).href, { type: "module" }),
      heartbeat: new Int32Array(buffer),
      labels: new Map(),
      seed: undefined,
      lastBeat: "",
      sinceMs: performance.now(),
      kept: undefined,
      pending: undefined,
    };
    slot.worker.onmessage = (e: MessageEvent<ToMain>) => {
      const m = e.data;
      if (m.type === "label") slot.labels.set(m.id, m.text);
      else if (m.type === "done") finish(slot, m.verdict);
      else if (m.type === "error") {
        if (slot.pending) slot.pending({ type: "stored", seed: slot.kept ?? 0, error: m.message });
        else fatal ??= new Error(m.message);
        wake();
      } else if (m.type === "ready") assign(slot);
      else slot.pending?.(m);
    };
    slot.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      fatal ??= new Error(`A simulation worker failed: ${e.message}`);
      wake();
    };
    slot.worker.postMessage(
      {
        type: "init",
        file,
        args: options.args,
        heartbeat: buffer,
        tempDir,
        logStderr: options.logStderr ?? false,
        logNetSend: options.logNetSend ?? false,
        logNetRecv: options.logNetRecv ?? false,
        logPhases: options.logPhases ?? false,
        keepResults: options.keepResults ?? false,
        alsoAnalyse: options.alsoAnalyse,
      } satisfies ToWorker,
    );
    return slot;
  };

  const isFailure = (v: SeedVerdict) => exitCodeOf(v) !== 0;

  /** Gives the worker the next seed, unless a failure below it is already known. */
  const assign = (slot: Slot) => {
    slot.seed = undefined;
    if (next > lastSeed || (firstFailure && next > firstFailure.seed)) {
      wake();
      return;
    }
    slot.seed = next++;
    slot.lastBeat = "";
    slot.sinceMs = performance.now();
    const keep = options.keepLast === true && slot.seed === lastSeed;
    slot.worker.postMessage({ type: "run", seed: slot.seed, keep } satisfies ToWorker);
  };

  const record = (verdict: SeedVerdict) => {
    verdicts.set(verdict.seed, verdict);
    finished++;
    options.onProgress?.(finished);
    if (isFailure(verdict) && (!firstFailure || verdict.seed < firstFailure.seed)) {
      firstFailure = verdict;
    }
  };

  const finish = (slot: Slot, verdict: SeedVerdict) => {
    if (isFailure(verdict) || verdict.seed === lastSeed) slot.kept = verdict.seed;
    record(verdict);
    assign(slot);
    wake();
  };

  /** The watchdog: a worker whose heartbeat has not moved for the budget while its nodes run is
   * stuck inside one event. It is terminated, its seed failed with the node code it was in, and
   * a fresh worker takes its place. */
  const watch = setInterval(() => {
    const now = performance.now();
    for (const [i, slot] of slots.entries()) {
      if (slot.seed === undefined) continue;
      const hb = slot.heartbeat;
      const state = Atomics.load(hb, HB_STATE);
      const beat = `${Atomics.load(hb, HB_COUNTER)}/${state}/${Atomics.load(hb, HB_SEED)}`;
      if (beat !== slot.lastBeat) {
        slot.lastBeat = beat;
        slot.sinceMs = now;
        continue;
      }
      if (state !== STATE_NODES || now - slot.sinceMs < budgetMs) continue;
      const label = Atomics.load(hb, HB_LABEL);
      const what = label === 0
        ? "the harness, before any node code ran"
        : slot.labels.get(label) ?? "a node (one of too many activities to name)";
      const seed = slot.seed;
      slot.worker.terminate();
      // A fresh worker takes the place; it asks for a seed once it is ready.
      slots[i] = spawn();
      record({
        seed,
        valid: "unknown",
        crashed: [],
        failure: {
          kind: "stuck",
          message:
            `The simulation of seed ${seed} was stopped: ${what} ran for more than ${
              budgetMs / 1000
            } s of wall time without returning (an endless loop?). Virtual time cannot advance ` +
            `while a node's code runs.`,
        },
        explanation: "",
        virtualMs: 0,
        wallMs: now - slot.sinceMs,
      });
      wake();
    }
  }, WATCH_INTERVAL_MS);

  /** Done when no seed below the first failure is still running (runs above it are abandoned),
   * or, without a failure, when every seed has run. */
  const done = () =>
    firstFailure
      ? slots.every((s) => s.seed === undefined || s.seed > firstFailure!.seed)
      : next > lastSeed && slots.every((s) => s.seed === undefined);
  try {
    for (let i = 0; i < workers; i++) slots.push(spawn());
    while (!fatal && !done()) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } catch (err) {
    close();
    throw err;
  }
  if (fatal) {
    close();
    throw fatal;
  }

  return {
    verdicts: [...verdicts.values()].sort((a, b) => a.seed - b.seed),
    firstFailure,
    workers,
    wallMs: performance.now() - started,
    close,
    store(dir, request) {
      const seed = firstFailure?.seed ?? lastSeed;
      const slot = slots.find((s) => s.kept === seed);
      if (!slot || firstFailure?.failure?.kind === "stuck") {
        return Promise.resolve({ type: "stored", seed, error: `Seed ${seed} was not kept` });
      }
      return new Promise((resolve) => {
        slot.pending = (m) => {
          slot.pending = undefined;
          resolve(m as Extract<ToMain, { type: "stored" }>);
        };
        slot.worker.postMessage({ type: "store", seed, dir, ...request } satisfies ToWorker);
      });
    },
  };
}

/** `argv` without the given flags, whether written `--flag value` or `--flag=value`. */
function withoutFlags(argv: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (flags.includes(argv[i])) i++;
    else if (!flags.some((f) => argv[i].startsWith(`${f}=`))) out.push(argv[i]);
  }
  return out;
}

/** The command that runs one seed of a `maelstrom test` command line alone: the same arguments
 * without `--seed` and `--test-count`, with `--seed` before any node arguments.
 *
 * @example
 * ```ts
 * import { reproduceCommand } from "./seeds.ts";
 * reproduceCommand(["-w", "echo", "--seed=3", "--test-count", "9", "--", "x"], 7);
 * // "deno task maelstrom test -w echo --seed 7 -- x"
 * ```
 */
export function reproduceCommand(argv: readonly string[], seed: number): string {
  const dash = argv.indexOf("--");
  const ours = withoutFlags(dash < 0 ? argv : argv.slice(0, dash), ["--seed", "--test-count"]);
  const nodes = dash < 0 ? [] : argv.slice(dash);
  return ["deno task maelstrom test", ...ours, "--seed", String(seed), ...nodes].join(" ");
}

/** `maelstrom test` with a challenge file as `--bin`: runs `--test-count` seeds (one by default)
 * in workers, then writes the store and report of the first failing run, or of the last run when
 * all are valid, and prints its summary. Returns Maelstrom's exit code.
 *
 * @example
 * ```ts ignore
 * const code = await simulateCli(parseTestArgs(argv), argv, "challenges/echo.ts");
 * ```
 */
export async function simulateCli(cli: CliTest, argv: string[], bin: string): Promise<number> {
  const { opts } = cli;
  const count = cli.testCount;
  const reproduce = (seed: number) => reproduceCommand(argv, seed);
  const tty = Deno.stderr.isTerminal() && count > 1;
  const encoder = new TextEncoder();
  // Our flags come first: what follows a "--" belongs to the nodes.
  const dash = argv.indexOf("--");
  const ours = withoutFlags(dash < 0 ? argv : argv.slice(0, dash), [
    "--seed",
    "--test-count",
    "--bin",
  ]);
  const args = [...ours, ...(cli.nodeArgs.length ? ["--", ...cli.nodeArgs] : [])];
  const result = await runSeeds({
    file: bin,
    args,
    firstSeed: opts.seed,
    count,
    keepLast: true,
    logStderr: cli.logStderr,
    logNetSend: cli.logNetSend,
    logNetRecv: cli.logNetRecv,
    logPhases: count === 1,
    eventBudgetMs: cli.eventBudgetMs,
    onProgress: tty
      ? (n) => Deno.stderr.writeSync(encoder.encode(`\r[seeds ${n}/${count}]`))
      : undefined,
  });
  try {
    if (tty) Deno.stderr.writeSync(encoder.encode("\n"));
    const failure = result.firstFailure;
    const seed = failure?.seed ?? opts.seed + count - 1;
    const verdict = failure ?? result.verdicts.find((v) => v.seed === seed)!;
    let printed = false;
    if (verdict.failure?.kind !== "stuck") {
      const dir = createRunDir(cli.store, opts.workload);
      const stored = await result.store(dir, {
        storeRoot: cli.store,
        argv,
        reproduce: reproduce(seed),
        noReport: cli.noReport,
      });
      if (stored.reportError) {
        console.error(`Could not write the run's report: ${stored.reportError}`);
      }
      if (stored.summary) {
        console.log(stored.summary);
        if (stored.report) {
          console.log(`Report: ${stored.report} (browse every run: deno task serve)`);
        }
        printed = true;
      } else if (verdict.failure) {
        console.error(`Node logs: ${dir}/node-logs/`);
      }
    }
    if (verdict.failure?.kind === "aborted") {
      console.error(`\nThe test could not run: ${verdict.failure.message}`);
    } else if (verdict.failure?.kind === "stuck") {
      console.error(`\n${verdict.failure.message}`);
      console.error(`Reproduce with: ${reproduce(seed)}`);
    } else if (verdict.failure) {
      console.error("\nOh jeez, I'm sorry, the harness broke. Here's why:");
      console.error(verdict.failure.message);
    }
    const wallS = (result.wallMs / 1000).toFixed(1);
    if (count > 1) {
      const first = opts.seed, last = opts.seed + count - 1;
      console.log(
        failure
          ? `Seed ${seed} is the first of seeds ${first}..${last} that is not valid (${
            seed - first
          } before it were valid); ran on ${result.workers} workers in ${wallS} s of wall time. ` +
            `Reproduce it alone with: ${reproduce(seed)}`
          : `All ${count} seeds ${first}..${last} are valid; ran on ${result.workers} workers in ` +
            `${wallS} s of wall time. The store holds the last run only.`,
      );
    } else if (printed) {
      console.log(
        `Simulated ${(verdict.virtualMs / 1000).toFixed(1)} s of virtual time in ${wallS} s ` +
          `of wall time`,
      );
    }
    console.log("");
    console.log(verdictLine(verdict.valid));
    return exitCodeOf(verdict);
  } finally {
    result.close();
  }
}
