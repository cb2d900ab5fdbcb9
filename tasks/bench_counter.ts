/**
 * Benchmarks challenge 4 (grow-only counter): runs the fly.io command line as real processes
 * through the embedded harness (`launchers/counter`, real time, about 35 s per run) and prints,
 * per run, the verdict, the ops, the messages per op (all, and servers: node↔seq-kv), and the
 * final reads against the total.
 *
 * ```sh
 * deno task bench:counter       # one run
 * deno task bench:counter 5     # five runs in a row
 * ```
 *
 * Each run's files stay in `store/g-counter/`.
 *
 * @module
 */
import { recordSection } from "./benchmarks.ts";
import { type Headline, headline } from "./figures.ts";
import { PARTS } from "./parts.ts";
import { runPart, stored } from "./run_parts.ts";

/** The figures of one run. */
export interface CounterBench extends Headline {
  code: number;
  serverMsgs: number;
  finalReads: unknown[];
  acceptable: unknown;
  wallS: number;
}

/** Runs `maelstrom test --bin launchers/counter` with part 4's arguments once, as real processes,
 * and reads the figures from the results it stored.
 *
 * @example
 * ```ts ignore
 * import { benchCounter } from "./bench_counter.ts";
 * const r = await benchCounter();
 * r.serversMsgsPerOp; // e.g. 0.27
 * ```
 */
export async function benchCounter(): Promise<CounterBench> {
  const run = await runPart(PARTS.find((p) => p.id === "4")!, { mode: "process", quiet: true });
  const { results } = stored(run);
  return {
    code: run.code,
    ...headline(results),
    serverMsgs: results.net.servers["msg-count"],
    finalReads: results.workload["final-reads"] as unknown[],
    acceptable: results.workload.acceptable,
    wallS: run.wallS,
  };
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 1);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`Usage: deno task bench:counter [runs]; "${Deno.args[0]}" is not a count`);
    Deno.exit(254);
  }
  let failed = 0;
  const rows: string[][] = [];
  for (let i = 1; i <= runs; i++) {
    const r = await benchCounter();
    if (r.valid !== true) failed++;
    console.log(
      `run ${i}/${runs}: valid ${r.valid}, ${r.ops} ops, msgs/op ${
        r.allMsgsPerOp.toFixed(2)
      } (all) ` +
        `${r.serversMsgsPerOp.toFixed(2)} (servers, ${r.serverMsgs} msgs), final reads ` +
        `${JSON.stringify(r.finalReads)} vs acceptable ${JSON.stringify(r.acceptable)}, ` +
        `${r.wallS.toFixed(1)} s`,
    );
    rows.push([
      String(i),
      String(r.valid),
      String(r.ops),
      r.allMsgsPerOp.toFixed(2),
      r.serversMsgsPerOp.toFixed(2),
      String(r.serverMsgs),
      JSON.stringify(r.finalReads),
      JSON.stringify(r.acceptable),
    ]);
  }
  // The figures' one home: this bench's section of BENCHMARKS.md.
  const page = recordSection({
    id: "counter",
    title: "Grow-only counter (4)",
    command: ["deno task bench:counter", ...Deno.args].join(" "),
    tables: [{
      caption: `Real processes, ${runs} run(s) in a row:`,
      head: [
        "run",
        "valid",
        "ops",
        "all msgs/op",
        "servers msgs/op",
        "servers messages",
        "final reads",
        "acceptable",
      ],
      rows,
    }],
  });
  console.log(`Recorded in ${page}`);
  Deno.exit(failed === 0 ? 0 : 1);
}
