/**
 * The figures the benchmarks and the scoreboard share: the headline of a run's results, Jepsen's
 * quantile, the latencies of a history's ops, and a plain-text table.
 *
 * ```ts ignore
 * const lat = opLatenciesMs(history, { f: "send", type: "ok" });
 * console.log(`median ${quantile(lat, 0.5)} ms, p99 ${quantile(lat, 0.99)} ms`);
 * ```
 *
 * @module
 */
import type { Op } from "../harness/types.ts";

/** The keys of a stored `results.json` that the tasks read (Maelstrom's names). */
export interface Results {
  "valid?": unknown;
  net: Record<"all" | "servers", { "msg-count": number; "msgs-per-op": number }>;
  stats: { count: number };
  availability?: { "ok-fraction": number };
  workload: Record<string, unknown>;
  [key: string]: unknown;
}

/** The figures every benchmark reads from a run's results. */
export interface Headline {
  valid: unknown;
  ops: number;
  allMsgsPerOp: number;
  /** Messages between nodes, and between nodes and services, per op. */
  serversMsgsPerOp: number;
}

/** The verdict, op count and messages per op of a run's results.
 *
 * @example
 * ```ts
 * import { headline } from "./figures.ts";
 * const net = (perOp: number) => ({ "msg-count": 10 * perOp, "msgs-per-op": perOp });
 * headline({
 *   "valid?": true,
 *   stats: { count: 10 },
 *   net: { all: net(4), servers: net(2) },
 *   workload: {},
 * }).serversMsgsPerOp; // 2
 * ```
 */
export function headline(results: Results): Headline {
  return {
    valid: results["valid?"],
    ops: results.stats.count,
    allMsgsPerOp: results.net.all["msgs-per-op"],
    serversMsgsPerOp: results.net.servers["msgs-per-op"],
  };
}

/** The fields of a history op that latencies need (`history.jsonl` has them all). */
export type HistoryOp = Pick<Op, "type" | "process" | "f" | "time">;

/** The `q` quantile (0 to 1) of ascending numbers, as Jepsen computes it: nearest rank rounded
 * down, `sorted[min(n − 1, ⌊n·q⌋)]`, so the median of an even count is the upper middle value
 * and `q = 1` is the maximum. NaN when there are no numbers.
 *
 * @example
 * ```ts
 * import { quantile } from "./figures.ts";
 * quantile([1, 2, 3, 4], 0.5); // 3
 * quantile([1, 2, 3, 4], 1); // 4
 * quantile([], 0.5); // NaN
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/** Which completed ops {@linkcode opLatenciesMs} measures. */
export interface LatencyFilter {
  /** Only ops of this function (`"send"`, `"txn"`, ...); default every function. */
  f?: string;
  /** Only completions of this type; default every completion (`ok`, `fail` and `info`). */
  type?: "ok" | "fail" | "info";
}

/** The latencies in milliseconds, ascending, of a history's client ops: completion time minus
 * invocation time (the history's times are nanoseconds). A client process has at most one op in
 * flight, so a completion belongs to its process's last invocation; nemesis ops are skipped.
 *
 * @example
 * ```ts
 * import { opLatenciesMs } from "./figures.ts";
 * const ms = 1e6;
 * const history = [
 *   { type: "invoke", process: 0, f: "send", time: 0 },
 *   { type: "invoke", process: 1, f: "poll", time: 1 * ms },
 *   { type: "ok", process: 1, f: "poll", time: 4 * ms },
 *   { type: "fail", process: 0, f: "send", time: 5 * ms },
 * ] as const;
 * opLatenciesMs(history); // [3, 5]
 * opLatenciesMs(history, { type: "ok" }); // [3]
 * opLatenciesMs(history, { f: "send" }); // [5]
 * ```
 */
export function opLatenciesMs(
  history: Iterable<HistoryOp>,
  filter: LatencyFilter = {},
): number[] {
  const invokedAt = new Map<number, number>();
  const out: number[] = [];
  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.type === "invoke") {
      invokedAt.set(op.process, op.time);
      continue;
    }
    const start = invokedAt.get(op.process);
    invokedAt.delete(op.process);
    if (start === undefined) continue;
    if (filter.f !== undefined && op.f !== filter.f) continue;
    if (filter.type !== undefined && op.type !== filter.type) continue;
    out.push((op.time - start) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

/** Rows of cells as a left-aligned plain-text table: the header, a rule of dashes, then the rows,
 * each column as wide as its widest cell and two spaces from the next.
 *
 * @example
 * ```ts
 * import { formatTable } from "./figures.ts";
 * formatTable(["part", "valid"], [["3d", "true"]]);
 * // "part  valid\n----  -----\n3d    true"
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Median and 99th percentile of one op type's latencies, in milliseconds.
 *
 * @example
 * ```ts
 * import type { LatencySummary } from "./figures.ts";
 * const s: LatencySummary = { count: 1, medianMs: 2, p99Ms: 2 };
 * ```
 */
export interface LatencySummary {
  count: number;
  medianMs: number;
  p99Ms: number;
}

/** Latency summaries per `f` of ok ops, pairing each completion with its process's invocation,
 * and the ok fraction of the given ops.
 *
 * @example
 * ```ts
 * import { historyFigures } from "./figures.ts";
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
  const latency = new Map(fs.map((f): [string, LatencySummary] => {
    const xs = opLatenciesMs(history, { f, type: "ok" });
    return [f, { count: xs.length, medianMs: quantile(xs, 0.5), p99Ms: quantile(xs, 0.99) }];
  }));
  const done = history.filter((op) =>
    typeof op.process === "number" && op.type !== "invoke" && fs.includes(op.f)
  );
  const ok = done.filter((op) => op.type === "ok").length;
  return { latency, okFraction: done.length === 0 ? NaN : ok / done.length };
}
