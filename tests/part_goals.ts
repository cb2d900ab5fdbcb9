/**
 * What each part of the challenges must show beyond `valid?`, read from a run's results alone:
 * the goals the tutorials promise (nothing lost, every transaction answered, a message budget,
 * latency targets). The suite holds every simulated seed of a part's fly.io command line to
 * them, in parallel workers that send back each seed's results, so that no other test has to
 * run the same command line again to check one more figure.
 *
 * Figures (messages per op, latencies) are checked in the simulator only, where they are exact
 * for a seed; a real-process run checks validity, and the bench tasks measure its figures.
 *
 * @module
 */
import type { CheckResult } from "../harness/types.ts";

/** A goal a part's results missed, as a sentence a person can act on. */
export type Miss = string;

const section = (r: CheckResult, key: string) => (r[key] ?? {}) as Record<string, unknown>;
/** Messages between servers (nodes and services) per client op, from a run's `net` results;
 * `NaN` when the results have none.
 *
 * @example
 * ```ts
 * import { serversMsgsPerOp } from "./part_goals.ts";
 * serversMsgsPerOp({ "valid?": true, net: { servers: { "msgs-per-op": 1.5 } } }); // 1.5
 * ```
 */
export const serversMsgsPerOp = (r: CheckResult): number =>
  (section(r, "net").servers as Record<string, number> | undefined)?.["msgs-per-op"] ?? NaN;

/** Every value acknowledged was read back (`lost-count` 0), and, with `allStable`, every value
 * attempted ended up in the final reads. */
function nothingLost(r: CheckResult, allStable: boolean): Miss[] {
  const w = section(r, "workload");
  const misses: Miss[] = [];
  if (w["lost-count"] !== 0) misses.push(`${w["lost-count"]} acknowledged values were lost`);
  if (w["never-read-count"] !== 0) {
    misses.push(`${w["never-read-count"]} values were never read by anyone`);
  }
  if (allStable && w["stable-count"] !== w["attempt-count"]) {
    misses.push(`only ${w["stable-count"]} of ${w["attempt-count"]} broadcast values are stable`);
  }
  return misses;
}

/** A budget of server messages per op. */
function withinBudget(r: CheckResult, maxMsgsPerOp: number): Miss[] {
  const msgs = serversMsgsPerOp(r);
  return msgs <= maxMsgsPerOp
    ? []
    : [`${msgs} servers msgs/op is over the budget of ${maxMsgsPerOp}`];
}

/** Broadcast stable latencies: the median and the maximum, in ms. */
function stableWithin(r: CheckResult, medianMs: number, maxMs: number): Miss[] {
  const lat = section(r, "workload")["stable-latencies"] as Record<string, number> | undefined;
  if (!lat) return ["the results have no stable latencies"];
  const misses: Miss[] = [];
  if (!(lat["0.5"] <= medianMs)) {
    misses.push(`median stable latency ${lat["0.5"]} ms > ${medianMs}`);
  }
  if (!(lat["1"] <= maxMs)) misses.push(`max stable latency ${lat["1"]} ms > ${maxMs}`);
  return misses;
}

/** Kafka: no anomaly of any kind, and every send and poll answered (none failed or timed out). */
function everyLogOpAnswered(r: CheckResult): Miss[] {
  const misses: Miss[] = [];
  const errorTypes = section(r, "workload")["error-types"] as string[] | undefined;
  if (errorTypes?.length) misses.push(`anomalies: ${errorTypes.join(", ")}`);
  const byF = (section(r, "stats")["by-f"] ?? {}) as Record<string, Record<string, number>>;
  for (const f of ["send", "poll"]) {
    const unanswered = (byF[f]?.["fail-count"] ?? 0) + (byF[f]?.["info-count"] ?? 0);
    if (unanswered > 0) misses.push(`${unanswered} ${f} ops failed or timed out`);
  }
  return misses;
}

/** Counter: every final read is exactly the sum of the acknowledged adds, so no add was left
 * indeterminate and every node converged. */
function finalReadsExact(r: CheckResult, nodes: number): Miss[] {
  const w = section(r, "workload");
  const reads = (w["final-reads"] ?? []) as unknown[];
  const acceptable = (w.acceptable ?? []) as [unknown, unknown][];
  const acked = acceptable[0]?.[0];
  if (reads.length !== nodes) return [`${reads.length} final reads for ${nodes} nodes`];
  const off = reads.filter((v) => v !== acked);
  return off.length === 0
    ? []
    : [`final reads ${JSON.stringify(reads)}, acknowledged sum ${acked}`];
}

/** Transactions: totally available (every transaction `ok`) and enough of them to mean it. */
function totallyAvailable(r: CheckResult): Miss[] {
  const okFraction = section(r, "availability")["ok-fraction"];
  const okCount = section(r, "stats")["ok-count"] as number;
  const misses: Miss[] = [];
  if (okFraction !== 1) misses.push(`not totally available: ok-fraction ${okFraction}`);
  if (!(okCount > 1000)) misses.push(`only ${okCount} transactions succeeded`);
  return misses;
}

/** Each part's goals, by part id; a part not listed has none beyond `valid?`. */
export const PART_GOALS: Readonly<Record<string, (results: CheckResult) => Miss[]>> = {
  "3a": (r) => nothingLost(r, true),
  "3b": (r) => nothingLost(r, true),
  "3c": (r) => nothingLost(r, false),
  "3d": (r) => [...nothingLost(r, false), ...withinBudget(r, 5), ...stableWithin(r, 300, 550)],
  "3e": (r) => [...nothingLost(r, false), ...withinBudget(r, 1.5), ...stableWithin(r, 900, 1800)],
  "4": (r) => [...finalReadsExact(r, 3), ...withinBudget(r, 2)],
  "5a": (r) => everyLogOpAnswered(r),
  "5b": (r) => [...everyLogOpAnswered(r), ...withinBudget(r, 5)],
  "5c": (r) => [...everyLogOpAnswered(r), ...withinBudget(r, 5)],
  "6a": totallyAvailable,
  "6b": totallyAvailable,
  "6c": totallyAvailable,
};

/** The goals a part's results miss; empty when it meets them all.
 *
 * @example
 * ```ts
 * import { goalMisses } from "./part_goals.ts";
 * const workload = {
 *   "lost-count": 2,
 *   "never-read-count": 0,
 *   "stable-count": 8,
 *   "attempt-count": 10,
 * };
 * goalMisses("3b", { "valid?": false, workload });
 * // ["2 acknowledged values were lost", "only 8 of 10 broadcast values are stable"]
 * ```
 */
export function goalMisses(partId: string, results: CheckResult): Miss[] {
  return PART_GOALS[partId]?.(results) ?? [];
}
