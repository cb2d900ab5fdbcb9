/**
 * Benchmark of the deterministic simulator: each part's fly.io command line in virtual time,
 * against the time the same test takes in real time.
 *
 * ```sh
 * deno task bench:sim           # every part that exists, seed 1
 * deno task bench:sim 7         # another seed
 * ```
 *
 * @module
 */
import { simulate } from "../harness/simulate.ts";
import { recordSection } from "./benchmarks.ts";
import { challengeFile, commandArgs, PARTS } from "./parts.ts";
import { ROOT } from "./run_parts.ts";

const seed = Number(Deno.args[0] ?? 1);
const rows: string[][] = [];
let totalWall = 0, totalVirtual = 0;
for (const part of PARTS) {
  const started = performance.now();
  const run = await simulate(`${ROOT}/${challengeFile(part)}`, commandArgs(part), seed);
  const wallS = (performance.now() - started) / 1000;
  const virtualS = run.network.elapsedMs() / 1000;
  totalWall += wallS;
  totalVirtual += virtualS;
  rows.push([
    part.id,
    String(run.results["valid?"]),
    virtualS.toFixed(1),
    wallS.toFixed(2),
    `${(virtualS / wallS).toFixed(0)}x`,
    String(run.network.journal.length),
  ]);
}
const header = ["part", "valid", "real s", "sim wall s", "speed-up", "messages"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
console.log(`Simulator, seed ${seed}:`);
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(
  `total: ${totalVirtual.toFixed(0)} s of test time in ${totalWall.toFixed(1)} s of wall time`,
);

// The figures' one home: this bench's section of BENCHMARKS.md.
const page = recordSection({
  id: "sim",
  title: "The simulator",
  command: ["deno task bench:sim", ...Deno.args].join(" "),
  tables: [{ caption: `Seed ${seed}:`, head: header, rows }],
  notes: [
    `In all: ${totalVirtual.toFixed(0)} s of test time in ${totalWall.toFixed(1)} s of wall time.`,
  ],
});
console.log(`Recorded in ${page}`);
