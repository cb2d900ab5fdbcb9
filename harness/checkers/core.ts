/**
 * The checkers Maelstrom composes around every workload: `stats` (each `f` must succeed at least
 * once), `availability` (`--availability`), and `exceptions` (informational); and the helpers
 * that apply the beyond-Maelstrom convention ({@linkcode withBeyondMaelstrom},
 * {@linkcode collectBeyondMaelstrom}).
 *
 * @module
 */
import type { NodeProblem } from "../nodes/process.ts";
import type { BeyondMaelstrom, CheckResult, Op, TestOptions } from "../types.ts";

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
  if (neverOk.length > 0) result.explanation = explainNeverOk(history, neverOk, byF);
  return result;
}

/** Says why each `f` never succeeded, telling malformed replies (an `info` whose exception is
 * `MalformedReply`) apart from failures and timeouts, which need a different fix. */
function explainNeverOk(
  history: readonly Op[],
  neverOk: readonly string[],
  byF: ReadonlyMap<string, Counts>,
): string {
  const malformed = new Map<string, number>();
  for (const op of history) {
    if (op.type === "info" && op.exception?.class === "MalformedReply") {
      malformed.set(op.f, (malformed.get(op.f) ?? 0) + 1);
    }
  }
  const names = neverOk.map((f) => `"${f}"`).join(", ");
  if (neverOk.every((f) => !malformed.has(f))) {
    return `No ${names} operation ever succeeded: every one failed or timed out`;
  }
  const why = neverOk.map((f) => {
    const bad = malformed.get(f) ?? 0, all = byF.get(f)!.count;
    const cause = bad === 0
      ? "every one failed or timed out"
      : bad === all
      ? `every one of the ${all} got a malformed reply`
      : `${bad} of ${all} got a malformed reply, the rest failed or timed out`;
    return neverOk.length === 1 ? cause : `"${f}": ${cause}`;
  });
  return `No ${names} operation ever succeeded: ${why.join("; ")} (malformed replies are info ` +
    `ops with exception MalformedReply; the "exceptions" checker quotes them)`;
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

/** The findings of one checker's beyond-Maelstrom checks, as {@linkcode collectBeyondMaelstrom}
 * lists them at the top of `results.json`: each finding with the checker's name. */
export type NamedFinding = BeyondMaelstrom & { checker: string };

/** Applies the beyond-Maelstrom convention to a checker's result: it lists `findings` under
 * `"beyond-maelstrom"` (always, so an empty list says the checks ran and found nothing), and
 * only under `--strict` lets them make `valid?` false, with a sentence added to `explanation`.
 * By default the verdict stays Maelstrom's.
 *
 * @example
 * ```ts
 * import { withBeyondMaelstrom } from "./core.ts";
 * const finding = { anomaly: "unexpected-values", message: "Reads returned 7, which no client sent." };
 * withBeyondMaelstrom({ "valid?": true }, [finding], {})["valid?"]; // true
 * withBeyondMaelstrom({ "valid?": true }, [finding], { strict: true })["valid?"]; // false
 * ```
 */
export function withBeyondMaelstrom(
  result: CheckResult,
  findings: readonly BeyondMaelstrom[],
  opts: Pick<TestOptions, "strict">,
): CheckResult {
  const out: CheckResult = { ...result, "beyond-maelstrom": [...findings] };
  if (!opts.strict || findings.length === 0) return out;
  const names = [...new Set(findings.map((f) => f.anomaly))].map((a) => `"${a}"`).join(", ");
  const why = `Under --strict, ${findings.length} finding(s) of checks Maelstrom does not make ` +
    `(${names}) make this result invalid; see "beyond-maelstrom"`;
  out["valid?"] = false;
  out.explanation = typeof result.explanation === "string" && result["valid?"] !== true
    ? `${result.explanation}. ${why}`
    : why;
  return out;
}

/** Collects every checker's `"beyond-maelstrom"` findings, in result order, each named with its
 * checker, for the top-level `"beyond-maelstrom"` list of `results.json` and for the summary.
 *
 * @example
 * ```ts
 * import { collectBeyondMaelstrom } from "./core.ts";
 * collectBeyondMaelstrom({
 *   workload: { "valid?": true, "beyond-maelstrom": [{ anomaly: "a", message: "A." }] },
 * }); // [{ checker: "workload", anomaly: "a", message: "A." }]
 * ```
 */
export function collectBeyondMaelstrom(results: Record<string, unknown>): NamedFinding[] {
  const out: NamedFinding[] = [];
  for (const [checker, r] of Object.entries(results)) {
    if (r === null || typeof r !== "object" || Array.isArray(r)) continue;
    const findings = (r as Record<string, unknown>)["beyond-maelstrom"];
    if (!Array.isArray(findings)) continue;
    for (const f of findings as BeyondMaelstrom[]) out.push({ checker, ...f });
  }
  return out;
}

/** Our `nodes` checker: what went wrong with the nodes themselves. A crashed node makes the result
 * invalid (Maelstrom's teardown throws there and the run crashes, exit code 255). A line on stdout
 * that Maelstrom cannot parse is only a `bad-stdout-line` finding beyond Maelstrom: Maelstrom
 * logs it and ignores that node's output from then on (`src/maelstrom/process.clj`), so the other
 * checkers decide; under `--strict` it makes the result invalid. `problems` lists everything.
 *
 * @example
 * ```ts
 * import { checkNodes } from "./core.ts";
 * const bad = { node: "n1", kind: "bad-line" as const, message: "Node n1 wrote junk", line: "hi", atMs: 5 };
 * checkNodes([bad], {})["valid?"]; // true, with one "bad-stdout-line" finding
 * checkNodes([bad], { strict: true })["valid?"]; // false
 * ```
 */
export function checkNodes(
  problems: readonly NodeProblem[],
  opts: Pick<TestOptions, "strict">,
): CheckResult {
  const crashed = problems.filter((p) => p.kind === "crashed");
  const result: CheckResult = {
    "valid?": crashed.length === 0,
    problems: problems.filter((p) => p.kind !== "spoofed-src"),
  };
  if (crashed.length > 0) {
    result.explanation = crashed.length === 1
      ? crashed[0].message
      : `${crashed.length} nodes crashed: ${crashed.map((p) => `"${p.node}"`).join(", ")}`;
  }
  const findings: BeyondMaelstrom[] = problems.filter((p) => p.kind === "bad-line").map((p) => ({
    anomaly: "bad-stdout-line",
    message: `${p.message}. Maelstrom only logs such a line and does not fail the run for it` +
      (p.line === undefined ? "" : `; the line was ${JSON.stringify(p.line)}`),
    node: p.node,
    line: p.line ?? null,
    "at-ms": p.atMs,
  }));
  // Maelstrom routes a line whose src is not its writer as if it came from that src
  // (maelstrom.process's stdout reader hands it to net/send! unchecked).
  for (const { kind: _, ...p } of problems.filter((p) => p.kind === "spoofed-src")) {
    findings.push({ ...p, anomaly: "spoofed-src" });
  }
  return withBeyondMaelstrom(result, findings, opts);
}
