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
import type { Op } from "../harness/types.ts";
import { recordSection } from "./benchmarks.ts";
import { type Headline, headline, opLatenciesMs, quantile } from "./figures.ts";
import { PARTS } from "./parts.ts";
import { runPart, stored } from "./run_parts.ts";

/** The figures of one run. */
export interface TxnFigures extends Headline {
  part: string;
  seed: number;
  /** Seconds during which the nemesis really cut the nodes apart (with two nodes, some partition
   * specs isolate nobody). */
  cutS: number;
  okFraction: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
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
export function isolatedSeconds(
  history: readonly Pick<Op, "type" | "process" | "time" | "value">[],
): number {
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

/** Runs one part through the CLI and reads its figures from the store. Latency is that of every
 * completed transaction (ok, fail or info). */
async function benchPart(id: string, sim: boolean, extra: string[]): Promise<TxnFigures> {
  const store = Deno.makeTempDirSync({ prefix: "glomers-bench-txn-" });
  try {
    const run = await runPart(PARTS.find((p) => p.id === id)!, {
      mode: sim ? "sim" : "process",
      quiet: true,
      echo: true,
      store,
      extra,
    });
    const { dir, results, history } = stored(run);
    const test = JSON.parse(Deno.readTextFileSync(`${dir}/test.json`));
    const lat = opLatenciesMs(history);
    if (run.code !== 0 && results["valid?"] === true) throw new Error(`exit ${run.code}`);
    return {
      part: id,
      seed: test.opts.seed,
      ...headline(results),
      // Completed transactions (ok, fail or info), without the nemesis's ops.
      ops: lat.length,
      cutS: isolatedSeconds(history),
      okFraction: results.availability?.["ok-fraction"] ?? NaN,
      medianMs: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
      maxMs: quantile(lat, 1),
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
  const extra: string[] = [];
  if (values["time-limit"]) extra.push("--time-limit", values["time-limit"]);
  if (values.seed) extra.push("--seed", values.seed);
  const rows: TxnFigures[] = [];
  for (const id of ["6b", "6c"]) rows.push(await benchPart(id, values.sim, extra));
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
  // The figures' one home: this bench's section of BENCHMARKS.md (simulator runs get their own).
  const page = recordSection({
    id: values.sim ? "txn-sim" : "txn",
    title: `Totally-available transactions (6b, 6c), ${
      values.sim ? "simulator" : "real processes"
    }`,
    command: ["deno task bench:txn", ...Deno.args].join(" "),
    tables: [{
      head: [
        "part",
        "seed",
        "valid",
        "ops",
        "cut s",
        "availability",
        "servers msgs/op",
        "all msgs/op",
        "median ms",
        "p99 ms",
        "max ms",
      ],
      rows: rows.map((r) => [
        r.part,
        String(r.seed),
        String(r.valid),
        String(r.ops),
        fmt(r.cutS, 1),
        fmt(r.okFraction, 4),
        fmt(r.serversMsgsPerOp, 3),
        fmt(r.allMsgsPerOp, 3),
        fmt(r.medianMs),
        fmt(r.p99Ms),
        fmt(r.maxMs),
      ]),
    }],
  });
  console.log(`Recorded in ${page}`);
}
