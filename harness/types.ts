/**
 * The shared vocabulary of the harness: history operations, checker results, the options of a
 * test, and the {@linkcode Workload} seam that every workload (echo, broadcast, kafka, ...) fills.
 *
 * Names follow Jepsen's history model (an op is `invoke`d and then completes `ok`, `fail` or
 * `info`), and result maps keep Maelstrom's keyword names as JSON keys (`"valid?"`,
 * `"msgs-per-op"`), so a `results.json` reads like Maelstrom's `results.edn`.
 *
 * @module
 */

/** The four kinds of history entry. `fail` means the op definitely did not happen; `info` that
 * its outcome is unknown. */
export type OpType = "invoke" | "ok" | "fail" | "info";

/** One history entry, as Jepsen records it.
 *
 * @example
 * ```ts
 * import type { Op } from "./types.ts";
 * const op: Op = { index: 0, time: 0, type: "invoke", process: 0, f: "echo", value: "hi" };
 * ```
 */
export interface Op {
  /** Position in the history, 0-based. */
  index: number;
  /** Nanoseconds since the test's clock started. */
  time: number;
  type: OpType;
  /** A client process number, or `"nemesis"` for fault-injection ops. */
  process: number | "nemesis";
  f: string;
  value: unknown;
  /** Why a `fail` or `info` op failed: `"net-timeout"`, `[name, text]` for an RPC error, or an
   * `"indeterminate: ..."` string for an exception. */
  error?: unknown;
  /** Present on an `info` op whose invocation threw: a plain description of the exception. */
  exception?: { class: string; message: string };
  /** Set on final-phase reads of workloads that mark them (broadcast, g-counter). */
  final?: boolean;
  /** Our addition: the server node the client talked to. */
  node?: string;
  /** Our addition: the client connection id (`c<k>`) that carried the op, to find its messages
   * in the journal. */
  client?: string;
  /** Workload-specific extras (for example kafka's `"seek-to-beginning?"`). */
  [extra: string]: unknown;
}

/** Maelstrom's three-valued verdict. */
export type Validity = true | false | "unknown";

/** What every checker returns: a plain object with a `"valid?"` key and whatever else explains
 * the verdict. */
export interface CheckResult {
  "valid?": Validity;
  [key: string]: unknown;
}

/** Combines verdicts the way Jepsen's `merge-valid` does: `false` beats `"unknown"` beats `true`.
 *
 * @example
 * ```ts
 * import { mergeValid } from "./types.ts";
 * mergeValid([true, "unknown", true]); // "unknown"
 * ```
 */
export function mergeValid(verdicts: Iterable<Validity>): Validity {
  let worst: Validity = true;
  for (const v of verdicts) {
    if (v === false) return false;
    if (v === "unknown") worst = "unknown";
  }
  return worst;
}

/** The options of one test, parsed from the command line (see `harness/cli.ts`). Units are in the
 * names; Maelstrom's defaults are given. */
export interface TestOptions {
  workload: string;
  /** Server node ids, `n0..n(N-1)`. */
  nodes: string[];
  /** Number of client worker threads. Default `1n` = node count. */
  concurrency: number;
  /** Length of the main phase in seconds. Default 60. */
  timeLimitS: number;
  /** Target client ops per second across all threads. Default 5. */
  rate: number;
  /** Mean node-to-node latency in milliseconds. Default 0. */
  latencyMs: number;
  latencyDist: "constant" | "uniform" | "exponential";
  /** Enabled faults: `[]` or `["partition"]`. */
  nemesis: string[];
  /** Mean seconds between nemesis ops. Default 10. */
  nemesisIntervalS: number;
  /** Broadcast topology. Default `grid`. */
  topology: string;
  /** `undefined` (not checked), `"total"`, or a fraction 0..1. */
  availability: "total" | number | undefined;
  /** Elle consistency models for txn workloads. Default `["strict-serializable"]`. */
  consistencyModels: string[];
  /** Active keys for txn workloads and kafka. `undefined` means Elle's default of 10. */
  keyCount: number | undefined;
  /** Default 4. */
  maxTxnLength: number;
  /** Default 16. */
  maxWritesPerKey: number;
  /** Seed for every random choice the harness makes. */
  seed: number;
  /** `--strict`: findings of checks that Maelstrom does not make (see
   * {@linkcode BeyondMaelstrom}) count against `valid?`. By default they are only warnings, so a
   * program that passes real Maelstrom passes here too. */
  strict?: boolean;
}

/** A finding of a check that Maelstrom does not make: values nobody broadcast, a garbage read, a
 * spoofed `src`, a bad stdout line, a final read that never succeeded.
 *
 * A checker lists these under the `"beyond-maelstrom"` key of its result. By default they are
 * warnings: the summary and `results.json` show them, saying that Maelstrom would not fail the run,
 * and `valid?` ignores them. Under `--strict` ({@linkcode TestOptions.strict}) the checker sets its
 * `valid?` to `false` when it has any.
 *
 * @example
 * ```ts
 * import type { BeyondMaelstrom, CheckResult } from "./types.ts";
 * const finding: BeyondMaelstrom = {
 *   anomaly: "unexpected-values",
 *   message: "Reads returned 7, which no client broadcast.",
 *   ops: [12],
 * };
 * const result: CheckResult = { "valid?": true, "beyond-maelstrom": [finding] };
 * ```
 */
export interface BeyondMaelstrom {
  /** A short kebab-case name, such as `"garbage-read"` or `"spoofed-src"`. */
  anomaly: string;
  /** A sentence a person can act on, with the values quoted. */
  message: string;
  /** History indices of the witnessing operations, where there are any. */
  ops?: number[];
  [extra: string]: unknown;
}

/** A small deterministic random source (see `harness/rng.ts` for the implementation). */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi) . */
  int(lo: number, hi: number): number;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(xs: readonly T[]): T;
  /** A shuffled copy. */
  shuffle<T>(xs: readonly T[]): T[];
}

/** The request half of an op that a generator emits: `f`, `value` and any extras (such as
 * `final: true`). The runner stamps `index`, `time`, `type` and `process`. */
export interface OpTemplate {
  f: string;
  value: unknown;
  [extra: string]: unknown;
}

/** How a workload client reports an op's outcome. `value` replaces the invocation's value when
 * given (Jepsen keeps the invocation value on `fail`/`info`). */
export interface Completion {
  type: "ok" | "fail" | "info";
  value?: unknown;
  error?: unknown;
  [extra: string]: unknown;
}

/** Sends one request from a client connection and resolves with the reply body. It rejects with
 * `RpcError` (from `lib/errors.ts`) for an `error` reply, with code 0 when no reply came in time.
 */
export type ClientRpc = (
  body: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/** One client connection's view of a workload: per-connection state (kafka's offsets) lives
 * here. `invoke` may throw: `RpcError` and `MalformedReply` are mapped to `fail`/`info` by the
 * runner exactly as Maelstrom's `with-errors` does (see {@linkcode Workload.idempotent}). */
export interface WorkloadClient {
  invoke(op: OpTemplate): Promise<Completion>;
}

/** What the main-phase generator sees when it is asked for an op. */
export interface GenContext {
  /** Seconds since the main phase started. */
  timeS: number;
  /** The worker thread that will run the op. */
  thread: number;
  /** That thread's current process number. */
  process: number;
}

/** The main-phase op source of one test. Pacing (`--rate`) and thread choice belong to the
 * runner; the generator only decides *what* the next op is. */
export interface MainGenerator {
  /** The next op for a free thread, or `undefined` to emit nothing (this time). */
  next(ctx: GenContext): OpTemplate | undefined;
  /** Told about every completion, for generators that react to results (kafka's assigns). */
  observe?(invocation: Op, completion: Op): void;
}

/** What a final-phase routine of one worker thread can do. */
export interface FinalContext {
  thread: number;
  /** Runs one op through this thread's client and records it in the history. */
  invoke(op: OpTemplate): Promise<Op>;
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the final phase's client ops began. */
  elapsedMs(): number;
  rng: Rng;
  /** The whole history so far (main phase included), read-only. */
  history: readonly Op[];
}

/** The messages and clients a workload's setup step may use (broadcast's `topology`). */
export interface SetupContext {
  /** Sends one request to `node` from a fresh setup client and waits for the reply. */
  rpc(node: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A Maelstrom workload: generator, client, final phase and checker.
 *
 * @example
 * ```ts ignore
 * import type { Workload } from "./types.ts";
 * declare const echo: Workload;
 * echo.name; // "echo"
 * ```
 */
export interface Workload {
  name: string;
  /** Maelstrom wraps most workloads' RPCs in `with-errors`; g-set and the counters are not
   * wrapped, so every error becomes `info` there. */
  wrapped: boolean;
  /** `f`s whose timeouts and errors become `fail` rather than `info`. */
  idempotent: ReadonlySet<string>;
  /** Whether a client connection survives an `info` (unique-ids, lin-kv, txn-*). */
  reusableClients: boolean;
  /** Per-RPC client timeout; Maelstrom's default is 5000 ms. */
  rpcTimeoutMs?(opts: TestOptions): number;
  /** Runs before the clock starts (broadcast sends `topology` to every node). */
  setup?(ctx: SetupContext, opts: TestOptions): Promise<void>;
  openClient(rpc: ClientRpc, opts: TestOptions): WorkloadClient;
  generator(opts: TestOptions, rng: Rng): MainGenerator;
  /** The final phase of one worker thread, for workloads that have one (broadcast, g-set,
   * g-counter, pn-counter, kafka). It runs after heal and the 10 s recovery wait. */
  final?(ctx: FinalContext, opts: TestOptions): Promise<void>;
  /** Checks the whole history (client ops only; nemesis ops are filtered out before). */
  check(history: readonly Op[], opts: TestOptions): CheckResult;
}

/** Thrown by a workload client when a reply does not match the RPC's closed schema. The runner
 * records the op as `info` with this as its exception, as Maelstrom does. */
export class MalformedReply extends Error {
  /** @param message what is wrong, in a sentence, with the offending reply quoted. */
  constructor(message: string) {
    super(message);
    this.name = "MalformedReply";
  }
}

/** A Maelstrom service (`lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`): it handles one request at a
 * time. The network delivers requests to it and sends its reply back with the usual latency.
 *
 * @example
 * ```ts ignore
 * import type { Service } from "./types.ts";
 * declare const kv: Service;
 * kv.handle("n0", { type: "read", key: "x", msg_id: 1 });
 * // { type: "error", code: 20, text: "key does not exist" }
 * ```
 */
export interface Service {
  /** The service's node id, such as `"seq-kv"`. */
  readonly id: string;
  /** Handles one request from node `src` and returns the reply body without `in_reply_to` (the
   * network adds it), or `undefined` to send no reply (an unknown request type, as Maelstrom). */
  handle(src: string, body: Record<string, unknown>): Record<string, unknown> | undefined;
}
