/**
 * Benchmarks challenge 5c (efficient kafka log): runs the fly.io command line through the
 * embedded harness and prints the verdict, the messages per op (all, and servers: node↔node plus
 * node↔lin-kv), the latency of `send` and `poll` (median and 99th percentile, completion time
 * minus invocation time, read from the history) and the availability.
 *
 * ```sh
 * deno task bench:kafka                  # real processes (launchers/kafka), about 35 s
 * deno task bench:kafka --sim            # the simulator, virtual time, a few seconds
 * deno task bench:kafka --sim naive      # another design of challenges/kafka.ts (naive, forward)
 * deno task bench:kafka --runs 3 --seed 7
 * ```
 *
 * Each run's files stay in `store/kafka/`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PARTS } from "./parts.ts";

/** The project root (this file lives in `tasks/`). */
const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Median and 99th percentile of one op type's latencies, in milliseconds. */
export interface LatencySummary {
  count: number;
  medianMs: number;
  p99Ms: number;
}

/** The figures of one run. */
export interface KafkaBench {
  code: number;
  valid: unknown;
  ops: number;
  allPerOp: number;
  serversPerOp: number;
  send: LatencySummary;
  poll: LatencySummary;
  /** ok ÷ (ok + fail + info) over send and poll ops: the requests a node could fail. */
  okFraction: number;
  /** The harness's `availability` → `ok-fraction`, over every op including the workload's
   * `crash` ops, which are `info` by construction. */
  harnessOkFraction: number;
  worstLagS: number;
  dir: string;
  wallS: number;
}

/** A history op, as `history.jsonl` stores it (times in nanoseconds). */
interface HistoryOp {
  type: string;
  process: unknown;
  f: string;
  time: number;
}

/** Latency summaries per `f` of ok ops, pairing each completion with its process's invocation,
 * and the ok fraction of the given ops.
 *
 * @example
 * ```ts
 * import { historyFigures } from "./bench_kafka.ts";
 * const ms = 1e6;
 * const f = historyFigures([
 *   { type: "invoke", process: 0, f: "send", time: 0 },
 *   { type: "ok", process: 0, f: "send", time: 2 * ms },
 * ], ["send"]);
 * f.latency.get("send")!.medianMs; // 2
 * f.okFraction; // 1
 * ```
 */
export function historyFigures(
  history: readonly HistoryOp[],
  fs: readonly string[],
): { latency: Map<string, LatencySummary>; okFraction: number } {
  const invokedAt = new Map<unknown, number>();
  const samples = new Map<string, number[]>(fs.map((f) => [f, []]));
  let done = 0, ok = 0;
  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.type === "invoke") {
      invokedAt.set(op.process, op.time);
      continue;
    }
    const start = invokedAt.get(op.process);
    invokedAt.delete(op.process);
    const list = samples.get(op.f);
    if (!list) continue;
    done++;
    if (op.type !== "ok") continue;
    ok++;
    if (start !== undefined) list.push((op.time - start) / 1e6);
  }
  const latency = new Map<string, LatencySummary>();
  for (const [f, xs] of samples) {
    xs.sort((a, b) => a - b);
    latency.set(f, { count: xs.length, medianMs: quantile(xs, 0.5), p99Ms: quantile(xs, 0.99) });
  }
  return { latency, okFraction: done === 0 ? NaN : ok / done };
}

/** The `q` quantile of sorted `xs` (nearest rank), or NaN when empty. */
function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))];
}

/** Options of {@linkcode benchKafka}. */
export interface BenchOptions {
  /** Run in the simulator instead of as real processes. */
  sim?: boolean;
  seed?: number;
  /** A design of `challenges/kafka.ts` (passed as the node's argument). */
  design?: string;
}

/** Runs part 5c's command line once and reads the figures from the results and history it
 * stored.
 *
 * @example
 * ```ts ignore
 * import { benchKafka } from "./bench_kafka.ts";
 * const r = await benchKafka({ sim: true, seed: 1 });
 * r.serversPerOp; // e.g. 0.72
 * ```
 */
export async function benchKafka(options: BenchOptions = {}): Promise<KafkaBench> {
  const part = PARTS.find((p) => p.id === "5c")!;
  const bin = options.sim ? `${ROOT}/challenges/kafka.ts` : `${ROOT}/launchers/kafka`;
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}/harness/cli.ts`,
      "test",
      "--bin",
      bin,
      ...part.args,
      "--store",
      `${ROOT}/store`,
      ...(options.seed === undefined ? [] : ["--seed", String(options.seed)]),
      ...(options.design === undefined ? [] : ["--", options.design]),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallS = (performance.now() - started) / 1000;
  const stdout = new TextDecoder().decode(out.stdout);
  // The summary names the run's folder; other runs may move `store/latest` meanwhile.
  const dir = stdout.match(/^Results: (.*)\/results\.json/m)?.[1];
  if (!dir) {
    const tail = new TextDecoder().decode(out.stderr).slice(-2000);
    throw new Error(`The run (exit ${out.code}) stored no results; its stderr ended:\n${tail}`);
  }
  const abs = dir.startsWith("/") ? dir : `${ROOT}/${dir}`;
  const results = JSON.parse(Deno.readTextFileSync(`${abs}/results.json`));
  const history = Deno.readTextFileSync(`${abs}/history.jsonl`).split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as HistoryOp);
  const figures = historyFigures(history, ["send", "poll"]);
  return {
    code: out.code,
    valid: results["valid?"],
    ops: results.stats.count,
    allPerOp: results.net.all["msgs-per-op"],
    serversPerOp: results.net.servers["msgs-per-op"],
    send: figures.latency.get("send")!,
    poll: figures.latency.get("poll")!,
    okFraction: figures.okFraction,
    harnessOkFraction: results.availability["ok-fraction"],
    worstLagS: results.workload["worst-realtime-lag"]?.lag ?? NaN,
    dir,
    wallS,
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { sim: { type: "boolean" }, seed: { type: "string" }, runs: { type: "string" } },
  });
  const runs = Number(values.runs ?? 1);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (!Number.isInteger(runs) || runs < 1 || (seed !== undefined && !Number.isInteger(seed))) {
    console.error(
      "Usage: deno task bench:kafka [--sim] [--runs N] [--seed N] [naive|forward|replicate]",
    );
    Deno.exit(254);
  }
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : 0);
  let failed = 0;
  for (let i = 1; i <= runs; i++) {
    const r = await benchKafka({
      sim: values.sim,
      seed: seed === undefined ? undefined : seed + i - 1,
      design: positionals[0],
    });
    if (r.valid !== true) failed++;
    console.log(
      `run ${i}/${runs} (${values.sim ? "simulator" : "processes"}${
        positionals[0] ? `, ${positionals[0]}` : ""
      }): valid ${r.valid}, ${r.ops} ops, msgs/op ${r.allPerOp.toFixed(2)} (all) ` +
        `${r.serversPerOp.toFixed(2)} (servers)\n` +
        `  send latency median ${ms(r.send.medianMs)} ms, p99 ${ms(r.send.p99Ms)} ms ` +
        `(${r.send.count} ok)\n` +
        `  poll latency median ${ms(r.poll.medianMs)} ms, p99 ${ms(r.poll.p99Ms)} ms ` +
        `(${r.poll.count} ok)\n` +
        `  availability ${r.okFraction.toFixed(4)} of sends and polls ok ` +
        `(harness ok-fraction ${r.harnessOkFraction.toFixed(4)}, counting crash ops), ` +
        `worst realtime lag ${r.worstLagS.toFixed(3)} s\n` +
        `  ${r.dir}, ${r.wallS.toFixed(1)} s`,
    );
  }
  Deno.exit(failed === 0 ? 0 : 1);
}
