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
import type { Op } from "../harness/types.ts";
import { isBuilt, PARTS } from "./parts.ts";
import { ROOT, runPart } from "./run_parts.ts";

const real = Deno.args.includes("--real");
const extra = Deno.args.filter((a) => a !== "--real");
const mode = real ? "real" : "sim";

/** Quantile q of sorted numbers, as Jepsen computes it. */
function quantile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/** Latencies (ms) of ok client ops: completion time minus invocation time. */
function opLatencies(history: Op[]): number[] {
  const open = new Map<unknown, Op>();
  const out: number[] = [];
  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.type === "invoke") open.set(op.process, op);
    else {
      const inv = open.get(op.process);
      open.delete(op.process);
      if (inv && op.type === "ok") out.push((op.time - inv.time) / 1e6);
    }
  }
  return out.sort((a, b) => a - b);
}

const rows: string[][] = [];
let failed = 0;
const fmt = (x: number | undefined, digits = 0) => x === undefined ? "-" : x.toFixed(digits);
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
  const run = await runPart(part, { mode, quiet: true, extra });
  const r = run.results as Record<string, Record<string, unknown>> | undefined;
  const net = r?.net as Record<string, Record<string, number>> | undefined;
  const lat = run.history ? opLatencies(run.history) : [];
  const stable = r?.workload?.["stable-latencies"] as Record<string, number> | undefined;
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
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
console.log(
  `\n${real ? "Real processes" : "Simulation (virtual time)"}; total wall time ${
    rows.reduce((s, r) => s + (Number(r[7]) || 0), 0).toFixed(1)
  } s.`,
);
Deno.exit(failed === 0 ? 0 : 1);
