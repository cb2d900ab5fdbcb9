/**
 * Benchmark of challenge 6 (totally-available transactions): runs the fly.io command lines of 6b
 * and 6c through the harness CLI and prints messages per op, transaction latency and
 * availability. Real processes by default; `--sim` runs the deterministic simulator instead.
 *
 * ```sh
 * deno task bench:txn            # real processes, 20 s each
 * deno task bench:txn --sim      # simulator (virtual time)
 * deno task bench:txn --time-limit 5 --seed 3
 * ```
 *
 * Latency is measured per transaction from the history: completion time minus invoke time.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { PARTS } from "./parts.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The figures of one run. */
export interface TxnFigures {
  part: string;
  seed: number;
  valid: unknown;
  /** Seconds during which the nemesis really cut the nodes apart (with two nodes, some partition
   * specs isolate nobody). */
  cutS: number;
  ops: number;
  okFraction: number;
  serversMsgsPerOp: number;
  allMsgsPerOp: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

interface HistoryOp {
  type: string;
  process: number | string;
  time: number;
  value?: unknown;
}

/** The `q` quantile (0..1) of sorted numbers, nearest rank.
 *
 * @example
 * ```ts
 * import { quantile } from "./bench_txn.ts";
 * quantile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Latencies in ms of every completed client op: each process has at most one op in flight, so
 * a completion belongs to its process's last invocation.
 *
 * @example
 * ```ts
 * import { latenciesMs } from "./bench_txn.ts";
 * latenciesMs([
 *   { type: "invoke", process: 0, time: 0 },
 *   { type: "ok", process: 0, time: 2_000_000 },
 * ]); // [2]
 * ```
 */
export function latenciesMs(history: readonly HistoryOp[]): number[] {
  const open = new Map<number | string, number>();
  const out: number[] = [];
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") open.set(op.process, op.time);
    else if (open.has(op.process)) {
      out.push((op.time - open.get(op.process)!) / 1e6);
      open.delete(op.process);
    }
  }
  return out.sort((a, b) => a - b);
}

/** Seconds of the run during which some node was cut off, from the nemesis's ops: a
 * `start-partition` whose grudge isolates someone starts a cut, `network-healed` ends it.
 *
 * @example
 * ```ts
 * import { isolatedSeconds } from "./bench_txn.ts";
 * isolatedSeconds([
 *   { type: "info", process: "nemesis", time: 0, value: ["isolated", { n0: ["n1"] }] },
 *   { type: "info", process: "nemesis", time: 2e9, value: "network-healed" },
 * ]); // 2
 * ```
 */
export function isolatedSeconds(history: readonly HistoryOp[]): number {
  let since: number | undefined;
  let total = 0;
  for (const op of history) {
    if (op.process !== "nemesis") continue;
    const v = op.value;
    if (Array.isArray(v) && v[0] === "isolated" && Object.keys(v[1] ?? {}).length > 0) {
      since ??= op.time;
    } else if (v === "network-healed" && since !== undefined) {
      total += op.time - since;
      since = undefined;
    }
  }
  if (since !== undefined) total += history[history.length - 1].time - since;
  return total / 1e9;
}

/** Runs one part through the CLI and reads its figures from the store. */
async function runPart(id: string, bin: string, extra: string[]): Promise<TxnFigures> {
  const part = PARTS.find((p) => p.id === id)!;
  const args = [...part.args];
  for (let i = 0; i < extra.length; i += 2) {
    const at = args.indexOf(extra[i]);
    if (at >= 0) args[at + 1] = extra[i + 1];
    else args.push(extra[i], extra[i + 1]);
  }
  const store = Deno.makeTempDirSync({ prefix: "glomers-bench-txn-" });
  try {
    const cmd = ["run", "-A", `${ROOT}/harness/cli.ts`, "test", ...args, "--bin", bin];
    console.error(`$ deno task maelstrom ${cmd.slice(3).join(" ")}`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...cmd, "--store", store],
      cwd: ROOT,
      stdout: "null",
      stderr: "null",
    }).output();
    const dir = `${store}/latest`;
    const results = JSON.parse(Deno.readTextFileSync(`${dir}/results.json`));
    const test = JSON.parse(Deno.readTextFileSync(`${dir}/test.json`));
    const history: HistoryOp[] = Deno.readTextFileSync(`${dir}/history.jsonl`)
      .split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const lat = latenciesMs(history);
    if (out.code !== 0 && results["valid?"] === true) throw new Error(`exit ${out.code}`);
    return {
      part: id,
      seed: test.opts.seed,
      valid: results["valid?"],
      cutS: isolatedSeconds(history),
      ops: lat.length,
      okFraction: results.availability?.["ok-fraction"],
      serversMsgsPerOp: results.net.servers["msgs-per-op"],
      allMsgsPerOp: results.net.all["msgs-per-op"],
      medianMs: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
      maxMs: lat[lat.length - 1],
    };
  } finally {
    Deno.removeSync(store, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sim: { type: "boolean", default: false },
      "time-limit": { type: "string" },
      seed: { type: "string" },
    },
  });
  const bin = values.sim ? "challenges/txn.ts" : "launchers/txn";
  const extra: string[] = [];
  if (values["time-limit"]) extra.push("--time-limit", values["time-limit"]);
  if (values.seed) extra.push("--seed", values.seed);
  const rows: TxnFigures[] = [];
  for (const id of ["6b", "6c"]) rows.push(await runPart(id, bin, extra));
  const fmt = (x: number, d = 2) => x.toFixed(d);
  console.log(`txn benchmark (${values.sim ? "simulator" : "real processes"})`);
  console.log(
    "part  seed        valid  ops    cut s  avail   srv msgs/op  all msgs/op  median ms  p99 ms  max ms",
  );
  for (const r of rows) {
    console.log(
      [
        r.part.padEnd(5),
        String(r.seed).padEnd(11),
        String(r.valid).padEnd(6),
        String(r.ops).padEnd(6),
        fmt(r.cutS, 1).padStart(5),
        fmt(r.okFraction, 4).padEnd(7),
        fmt(r.serversMsgsPerOp, 3).padStart(11),
        fmt(r.allMsgsPerOp, 3).padStart(12),
        fmt(r.medianMs).padStart(10),
        fmt(r.p99Ms).padStart(7),
        fmt(r.maxMs).padStart(7),
      ].join(" "),
    );
  }
}
