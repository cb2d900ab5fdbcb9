/**
 * The checkers Maelstrom composes around every workload: `stats` (each `f` must succeed at least
 * once), `availability` (`--availability`), and `exceptions` (informational).
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";

/** `f`s exempt from the "at least one ok" rule of {@linkcode checkStats}. */
const STATS_EXEMPT = new Set(["crash", "debug-topic-partitions"]);

interface Counts {
  count: number;
  "ok-count": number;
  "fail-count": number;
  "info-count": number;
}

/** Jepsen's stats checker over client completions: counts overall and by `f`. An `f` that never
 * succeeded makes the test invalid.
 *
 * @example
 * ```ts
 * import { checkStats } from "./core.ts";
 * const r = checkStats([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "read", value: null },
 *   { index: 1, time: 1, type: "fail", process: 0, f: "read", value: null },
 * ]);
 * r["valid?"]; // false: no read ever succeeded
 * ```
 */
export function checkStats(history: readonly Op[]): CheckResult {
  const zero = (): Counts => ({ count: 0, "ok-count": 0, "fail-count": 0, "info-count": 0 });
  const total = zero();
  const byF = new Map<string, Counts>();
  for (const op of history) {
    if (op.type === "invoke" || typeof op.process !== "number") continue;
    const c = byF.get(op.f) ?? zero();
    byF.set(op.f, c);
    for (const x of [total, c]) {
      x.count++;
      x[`${op.type}-count`]++;
    }
  }
  const perF: Record<string, Counts & { "valid?": boolean }> = {};
  const neverOk: string[] = [];
  for (const [f, c] of [...byF].sort(([a], [b]) => a.localeCompare(b))) {
    perF[f] = { ...c, "valid?": c["ok-count"] > 0 };
    if (c["ok-count"] === 0 && !STATS_EXEMPT.has(f)) neverOk.push(f);
  }
  const result: CheckResult = { "valid?": neverOk.length === 0, ...total, "by-f": perF };
  if (neverOk.length > 0) {
    result.explanation = `No ${neverOk.map((f) => `"${f}"`).join(", ")} operation ever ` +
      `succeeded: every one failed or timed out`;
  }
  return result;
}

/** Maelstrom's availability checker: the fraction of client invocations that completed `ok`.
 * With `"total"` every invocation must succeed; with a number it is a lower bound.
 *
 * @example
 * ```ts
 * import { checkAvailability } from "./core.ts";
 * checkAvailability([], "total"); // { "valid?": true, "ok-fraction": 1 }
 * ```
 */
export function checkAvailability(
  history: readonly Op[],
  availability: "total" | number | undefined,
): CheckResult {
  let invokes = 0, oks = 0;
  const notOk: Op[] = [];
  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.type === "invoke") invokes++;
    else if (op.type === "ok") oks++;
    else if (notOk.length < 8) notOk.push(op);
  }
  const fraction = invokes === 0 ? 1 : oks / invokes;
  const bound = availability === "total" ? 1 : availability;
  const valid = bound === undefined || fraction >= bound;
  const result: CheckResult = { "valid?": valid, "ok-fraction": fraction };
  if (!valid) {
    result.explanation = `Only ${(fraction * 100).toFixed(3)}% of operations succeeded ` +
      `(${oks} of ${invokes}), below the required ${availability === "total" ? "100%" : bound}; ` +
      `the first failures are listed under "failed-ops"`;
    result["failed-ops"] = notOk;
  }
  return result;
}

/** Groups the exceptions of `info` ops (malformed replies and the like). Always valid. */
export function checkExceptions(history: readonly Op[]): CheckResult {
  const byClass = new Map<string, { count: number; class: string; example: Op }>();
  for (const op of history) {
    if (!op.exception) continue;
    const key = `${op.exception.class}: ${op.exception.message}`;
    const entry = byClass.get(key) ?? { count: 0, class: op.exception.class, example: op };
    entry.count++;
    byClass.set(key, entry);
  }
  const result: CheckResult = { "valid?": true };
  if (byClass.size > 0) {
    result.exceptions = [...byClass.values()].sort((a, b) => b.count - a.count);
  }
  return result;
}
