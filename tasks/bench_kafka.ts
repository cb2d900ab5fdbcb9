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
import { recordSection } from "./benchmarks.ts";
import { type Headline, headline, historyFigures, type LatencySummary } from "./figures.ts";
import { PARTS } from "./parts.ts";
import { runPart, stored } from "./run_parts.ts";

/** The figures of one run. */
export interface KafkaBench extends Headline {
  code: number;
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
 * r.serversMsgsPerOp; // e.g. 0.72
 * ```
 */
export async function benchKafka(options: BenchOptions = {}): Promise<KafkaBench> {
  const run = await runPart(PARTS.find((p) => p.id === "5c")!, {
    mode: options.sim ? "sim" : "process",
    quiet: true,
    extra: options.seed === undefined ? [] : ["--seed", String(options.seed)],
    nodeArgs: options.design === undefined ? undefined : [options.design],
  });
  // The run's own folder, not `store/latest`, which other runs may move meanwhile.
  const { dir, results, history } = stored(run);
  const figures = historyFigures(history, ["send", "poll"]);
  const lag = results.workload["worst-realtime-lag"] as { lag: number } | undefined;
  return {
    code: run.code,
    ...headline(results),
    send: figures.latency.get("send")!,
    poll: figures.latency.get("poll")!,
    okFraction: figures.okFraction,
    harnessOkFraction: results.availability?.["ok-fraction"] ?? NaN,
    worstLagS: lag?.lag ?? NaN,
    dir,
    wallS: run.wallS,
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
  const rows: string[][] = [];
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
      }): valid ${r.valid}, ${r.ops} ops, msgs/op ${r.allMsgsPerOp.toFixed(2)} (all) ` +
        `${r.serversMsgsPerOp.toFixed(2)} (servers)\n` +
        `  send latency median ${ms(r.send.medianMs)} ms, p99 ${ms(r.send.p99Ms)} ms ` +
        `(${r.send.count} ok)\n` +
        `  poll latency median ${ms(r.poll.medianMs)} ms, p99 ${ms(r.poll.p99Ms)} ms ` +
        `(${r.poll.count} ok)\n` +
        `  availability ${r.okFraction.toFixed(4)} of sends and polls ok ` +
        `(harness ok-fraction ${r.harnessOkFraction.toFixed(4)}, counting crash ops), ` +
        `worst realtime lag ${r.worstLagS.toFixed(3)} s\n` +
        `  ${r.dir}, ${r.wallS.toFixed(1)} s`,
    );
    rows.push([
      String(i),
      String(r.valid),
      String(r.ops),
      r.serversMsgsPerOp.toFixed(2),
      r.allMsgsPerOp.toFixed(2),
      `${ms(r.send.medianMs)} / ${ms(r.send.p99Ms)}`,
      `${ms(r.poll.medianMs)} / ${ms(r.poll.p99Ms)}`,
      r.okFraction.toFixed(4),
      r.worstLagS.toFixed(3),
    ]);
  }
  // The figures' one home: a section of BENCHMARKS.md per design and mode, so measuring the
  // naive design does not replace the default's figures.
  const design = positionals[0];
  const variant = [design, values.sim ? "sim" : undefined].filter(Boolean);
  const page = recordSection({
    id: ["kafka", ...variant].join("-").toLowerCase().replace(/[^a-z0-9-]/g, "-"),
    title: `Kafka-style log (5c), ${design ?? "replicate"} design, ${
      values.sim ? "simulator" : "real processes"
    }`,
    command: ["deno task bench:kafka", ...Deno.args].join(" "),
    tables: [{
      caption: "Latency in ms, median / p99; availability counts sends and polls only:",
      head: [
        "run",
        "valid",
        "ops",
        "servers msgs/op",
        "all msgs/op",
        "send ms",
        "poll ms",
        "availability",
        "worst lag s",
      ],
      rows,
    }],
  });
  console.log(`Recorded in ${page}`);
  Deno.exit(failed === 0 ? 0 : 1);
}
