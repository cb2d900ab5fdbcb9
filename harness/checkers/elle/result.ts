/**
 * What Elle's transaction checkers report: the anomaly types the requested models make
 * reportable, Elle's `result-map` (jepsen-io/elle `src/elle/txn.clj`) with Maelstrom's wrapper for
 * txn-rw-register (`src/maelstrom/workload/txn_rw_register.clj` in jepsen-io/maelstrom), and the
 * `"beyond-maelstrom"` findings of checks Maelstrom does not make.
 *
 * @module
 */
import type { BeyondMaelstrom, CheckResult } from "../../types.ts";
import { boundary, canonicalModel, modelsRuledOutBy, prohibitedAnomalies } from "./models.ts";
import { CYCLE_EXISTS_MODEL } from "./cycles.ts";
import { Unanalysable } from "./values.ts";

/** What a txn checker needs to know about the models it checks: the anomaly types they prohibit,
 * and the reportable ones (prohibited, plus Elle's two "unknown" types). Throws
 * {@linkcode Unanalysable} for a model name Elle does not know, which a checker reports as
 * `"valid?": "unknown"`, as Maelstrom does when Elle throws.
 *
 * @example
 * ```ts
 * import { modelAnomalies } from "./result.ts";
 * modelAnomalies(["read-committed"]).reportable.has("empty-transaction-graph"); // true
 * ```
 */
export function modelAnomalies(
  models: readonly string[],
): { prohibited: Set<string>; reportable: Set<string> } {
  let prohibited: Set<string>;
  try {
    prohibited = prohibitedAnomalies(models);
  } catch (e) {
    if (e instanceof RangeError) throw new Unanalysable(e.message);
    throw e;
  }
  const reportable = new Set([...prohibited, "empty-transaction-graph", "cycle-search-timeout"]);
  return { prohibited, reportable };
}

/** Elle's `result-map`, optionally Maelstrom's wrapper, then OUR ADDITIONS on top.
 *
 * - Elle keeps the reportable types, drops each `<model>-cycle-exists` case that another kept
 *   type already rules out, and answers `{"valid?": true}` when nothing is left, otherwise
 *   `false` if a prohibited type is left and `"unknown"` if only `empty-transaction-graph` is.
 * - Maelstrom's wrapper (txn-rw-register only) makes any remaining type a failure, so an empty
 *   transaction graph is `false` there.
 * - `ours` are our additions (`G0` names): each prohibited one is a failure.
 *
 * `not` / `also-not` are the weakest models ruled out by every type found, reported or not, and
 * the rest; like Elle, the result has both (possibly empty) whenever it reports anything.
 *
 * @example
 * ```ts
 * import { resultMap } from "./result.ts";
 * const found = new Map([["empty-transaction-graph", [{ explanation: "Empty." }]]]);
 * const prohibited = new Set(["G0"]);
 * const reportable = new Set(["G0", "empty-transaction-graph"]);
 * resultMap(found, new Map(), prohibited, reportable, false)["valid?"]; // "unknown"
 * resultMap(found, new Map(), prohibited, reportable, true)["valid?"]; // false
 * ```
 */
export function resultMap(
  found: ReadonlyMap<string, unknown[]>,
  ours: ReadonlyMap<string, unknown[]>,
  prohibited: ReadonlySet<string>,
  reportable: ReadonlySet<string>,
  maelstromWrapper: boolean,
): CheckResult {
  // Elle: keep reportable types, then drop cycle-exists cases already explained by other types.
  const kept = [...found.keys()].filter((t) => reportable.has(t));
  const explained = modelsRuledOutBy(kept.filter((t) => !CYCLE_EXISTS_MODEL.has(t)));
  const elleTypes = kept.filter((t) =>
    !CYCLE_EXISTS_MODEL.has(t) || !explained.has(canonicalModel(CYCLE_EXISTS_MODEL.get(t)!))
  );
  // Maelstrom's wrapper would drop cycle-search-timeout here; we never produce it.
  const anomalies: Record<string, unknown[]> = {};
  for (const t of elleTypes) anomalies[t] = [...found.get(t)!];
  for (const [t, records] of ours) {
    if (!prohibited.has(t)) continue;
    anomalies[t] = [...(anomalies[t] ?? []), ...records];
  }
  const anomalyTypes = Object.keys(anomalies).sort();
  if (anomalyTypes.length === 0) return { "valid?": true };
  const bad = maelstromWrapper || anomalyTypes.some((t) => prohibited.has(t));
  const { not, alsoNot } = boundary([...found.keys(), ...ours.keys()]);
  const result: CheckResult = {
    "valid?": bad ? false : "unknown",
    "anomaly-types": anomalyTypes,
    anomalies: Object.fromEntries(anomalyTypes.map((t) => [t, anomalies[t]])),
  };
  // Elle merges its boundary in whenever something is reported, empty sets included.
  result.not = not;
  result["also-not"] = alsoNot;
  return result;
}

/** Adds findings of checks Maelstrom does not make to a checker's result, under
 * `"beyond-maelstrom"` (after any already there): by default only reported, so the verdict stays Maelstrom's; with
 * `strict` (`--strict`) they make the result invalid.
 *
 * @example
 * ```ts
 * import { withBeyondMaelstrom } from "./result.ts";
 * const finding = { anomaly: "garbage-read", message: "Op 3 read 9, which nobody wrote.", ops: [3] };
 * withBeyondMaelstrom({ "valid?": true }, [finding], false)["valid?"]; // true
 * withBeyondMaelstrom({ "valid?": true }, [finding], true)["valid?"]; // false
 * ```
 */
export function withBeyondMaelstrom(
  result: CheckResult,
  findings: readonly BeyondMaelstrom[],
  strict: boolean,
): CheckResult {
  if (findings.length === 0) return result;
  const earlier = (result["beyond-maelstrom"] ?? []) as BeyondMaelstrom[];
  const out: CheckResult = { ...result, "beyond-maelstrom": [...earlier, ...findings] };
  if (strict) out["valid?"] = false;
  return out;
}
