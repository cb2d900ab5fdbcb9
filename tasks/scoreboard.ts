/**
 * The scoreboard: runs every challenge part that exists with its fly.io command line and prints
 * one table: verdict, messages per operation, latency, and time.
 *
 * ```sh
 * deno task scoreboard            # in the deterministic simulator: all parts in seconds
 * deno task scoreboard --real     # real processes in real time (a real Maelstrom if installed)
 * deno task scoreboard --seed 7   # any maelstrom flag is passed on
 * ```
 *
 * @module
 */
import { formatTable, opLatenciesMs, quantile } from "./figures.ts";
import { isBuilt, PARTS } from "./parts.ts";
import { ROOT, runPart } from "./run_parts.ts";

const real = Deno.args.includes("--real");
const extra = Deno.args.filter((a) => a !== "--real");

const rows: string[][] = [];
let failed = 0;
const fmt = (x: number | undefined, digits = 0) =>
  x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits);
console.error(
  real
    ? "Running every part as real processes, in real time (about 6 minutes)…"
    : "Running every part in the deterministic simulator…",
);
for (const part of PARTS) {
  if (!isBuilt(part, ROOT)) {
    rows.push([part.id, part.title, "not yet", "", "", "", "", ""]);
    continue;
  }
  const run = await runPart(part, { mode: real ? "maelstrom" : "sim", quiet: true, extra });
  const net = run.results?.net;
  const lat = opLatenciesMs(run.history ?? [], { type: "ok" });
  const stable = run.results?.workload["stable-latencies"] as Record<string, number> | undefined;
  const verdict = run.code === 0 ? "valid" : run.code === 1 ? "INVALID" : `exit ${run.code}`;
  if (run.code !== 0) failed++;
  rows.push([
    part.id,
    part.title,
    verdict,
    fmt(net?.servers["msgs-per-op"], 2),
    fmt(net?.all["msgs-per-op"], 2),
    `${fmt(quantile(lat, 0.5), 1)} / ${fmt(quantile(lat, 0.99), 1)}`,
    stable ? `${stable["0.5"]} / ${stable["1"]}` : "",
    run.wallS.toFixed(1),
  ]);
  if (run.code !== 0 && run.output) console.error(run.output.split("\n").slice(-25).join("\n"));
}

const header = [
  "part",
  "challenge",
  "verdict",
  "msgs/op srv",
  "msgs/op all",
  "op ms p50 / p99",
  "stable ms p50 / max",
  "wall s",
];
console.log(formatTable(header, rows));
console.log(
  `\n${real ? "Real processes" : "Simulation (virtual time)"}; total wall time ${
    rows.reduce((s, r) => s + (Number(r[7]) || 0), 0).toFixed(1)
  } s.`,
);
Deno.exit(failed === 0 ? 0 : 1);
