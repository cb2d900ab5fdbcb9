/**
 * Measures the efficient-broadcast parts (3d, 3e) as Maelstrom would: real node processes
 * (`--bin launchers/broadcast`) on the fly.io command line, through our harness's CLI, and prints
 * messages per operation and stable latencies against our targets.
 *
 * ```sh
 * deno task bench:broadcast            # 3d then 3e, one run each
 * deno task bench:broadcast 3e --runs=3
 * ```
 *
 * Each run takes about 35 s of wall time and starts 25 processes. Its files stay in
 * `store/bench-broadcast/`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { recordSection, type Table } from "./benchmarks.ts";
import { formatTable, type Headline, headline } from "./figures.ts";
import { PARTS } from "./parts.ts";
import { ROOT, runPart, stored } from "./run_parts.ts";

/** Our targets per part. */
export const TARGETS: Record<string, Target> = {
  "3d": { msgsPerOp: 5, medianMs: 300, maxMs: 550 },
  "3e": { msgsPerOp: 1.5, medianMs: 900, maxMs: 1800 },
};

/** Upper bounds on servers msgs/op and stable latency. */
export interface Target {
  msgsPerOp: number;
  medianMs: number;
  maxMs: number;
}

/** One run's figures, from its `results.json`. */
export interface BenchRow extends Headline {
  part: string;
  latency: Record<string, number>;
  meetsTarget: boolean;
}

/** Runs one part as real processes and reads its figures.
 *
 * @example
 * ```ts ignore
 * const row = await benchPart("3d");
 * row.serversMsgsPerOp; // about 2.1
 * ```
 */
export async function benchPart(id: string): Promise<BenchRow> {
  const part = PARTS.find((p) => p.id === id);
  const t = TARGETS[id];
  if (!part || !t) throw new Error(`Unknown part "${id}": expected 3d or 3e`);
  const run = await runPart(part, {
    mode: "process",
    quiet: true,
    echo: true,
    store: `${ROOT}/store/bench-broadcast`,
    nodeArgs: part.nodeArgs ?? [],
  });
  const { results } = stored(run);
  const latency = (results.workload["stable-latencies"] ?? {}) as Record<string, number>;
  const row = { part: id, ...headline(results), latency };
  const meetsTarget = row.valid === true && row.serversMsgsPerOp <= t.msgsPerOp &&
    latency["0.5"] <= t.medianMs && latency["1"] <= t.maxMs;
  if (row.valid !== true) console.error(run.output);
  return { ...row, meetsTarget };
}

/** The figures as a table's header and rows, one row per run.
 *
 * @example
 * ```ts
 * import { benchCells } from "./bench_broadcast.ts";
 * benchCells([]).head[0]; // "part"
 * ```
 */
export function benchCells(rows: BenchRow[]): Table {
  const head = ["part", "servers msgs/op", "all msgs/op", "median", "p95", "p99", "max", "valid"];
  return {
    head,
    rows: rows.map((r) => [
      r.part,
      r.serversMsgsPerOp.toFixed(2),
      r.allMsgsPerOp.toFixed(2),
      ...["0.5", "0.95", "0.99", "1"].map((q) => `${r.latency[q]} ms`),
      `${r.valid}${r.meetsTarget ? "" : " (misses target)"}`,
    ]),
  };
}

/** The figures as a table, one row per run.
 *
 * @example
 * ```ts
 * import { benchTable } from "./bench_broadcast.ts";
 * benchTable([]).split("\n").length; // 2: the header and its rule
 * ```
 */
export function benchTable(rows: BenchRow[]): string {
  const { head, rows: cells } = benchCells(rows);
  return formatTable(head, cells);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string", default: "1" } },
    allowPositionals: true,
  });
  const parts = positionals.length > 0 ? positionals : Object.keys(TARGETS);
  const runs = Number(values.runs);
  const rows: BenchRow[] = [];
  for (const id of parts) {
    for (let i = 0; i < runs; i++) rows.push(await benchPart(id));
  }
  console.log("");
  console.log(benchTable(rows));
  console.log("");
  for (const id of parts) {
    const t = TARGETS[id];
    const nodeArgs = PARTS.find((p) => p.id === id)!.nodeArgs ?? [];
    console.log(
      `${id} target: servers msgs/op <= ${t.msgsPerOp}, median <= ${t.medianMs} ms, ` +
        `max <= ${t.maxMs} ms; node args: ${nodeArgs.join(" ") || "(none)"}`,
    );
  }
  // The figures' one home: this bench's section of BENCHMARKS.md (a subset of the parts gets a
  // section of its own, so it does not replace the full run's).
  const targets = parts.map((id) => {
    const t = TARGETS[id];
    const nodeArgs = (PARTS.find((p) => p.id === id)!.nodeArgs ?? []).join(" ") || "(none)";
    return [id, `${t.msgsPerOp}`, `${t.medianMs} ms`, `${t.maxMs} ms`, nodeArgs];
  });
  const full = parts.join(" ") === Object.keys(TARGETS).join(" ");
  const page = recordSection({
    id: full ? "broadcast" : `broadcast-${parts.join("-")}`,
    title: full ? "Efficient broadcast (3d, 3e)" : `Efficient broadcast (${parts.join(", ")})`,
    command: ["deno task bench:broadcast", ...Deno.args].join(" "),
    tables: [
      { caption: `Real processes, ${runs} run(s) per part:`, ...benchCells(rows) },
      {
        caption: "Our targets (stricter than fly.io's):",
        head: ["part", "servers msgs/op ≤", "median ≤", "max ≤", "node args"],
        rows: targets,
      },
    ],
  });
  console.log(`Recorded in ${page}`);
  Deno.exit(rows.every((r) => r.meetsTarget) ? 0 : 1);
}
