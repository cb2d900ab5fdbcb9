/**
 * The g-counter / pn-counter checker: every `ok` read marked `final` must equal the sum of the
 * acknowledged adds plus the deltas of some subset of the indeterminate (`info`) adds.
 *
 * The acceptable values are S + (any subset-sum of the info deltas), which can have gaps: with
 * acknowledged sum 10 and info adds of 4 and 4, the acceptable set is {10, 14, 18}, not 10..18.
 * It is kept as a sorted list of disjoint inclusive integer ranges; adding an info delta d merges
 * the list with itself shifted by d, which costs O(ranges) rather than doubling a list of subsets.
 * The number of ranges is bounded by the spread of reachable sums, so hundreds of info adds with
 * small deltas stay cheap.
 *
 * Sums are exact: a final read past 2^53 (a `bigint`, as `harness/json.ts` parses it) is compared
 * with bigint arithmetic, and so are sums of adds that leave the safe range, where Maelstrom's
 * Clojure arithmetic is exact too.
 *
 * Beyond Maelstrom (see `BeyondMaelstrom` in `harness/types.ts`): Maelstrom checks only the `ok`
 * final reads, so a run whose final reads all timed out passes there. The `no-final-read` finding
 * names every node that was asked for a final read and never answered one with `read_ok`; it
 * counts against `valid?` only under `--strict`.
 *
 * @module
 */
import type { BeyondMaelstrom, CheckResult, Op, TestOptions } from "../types.ts";
import { addExact, type ExactInt, exactInt, isExactInt, maxExact, numericValue } from "../json.ts";
import { quote } from "../workloads/schema.ts";
import { withBeyondMaelstrom } from "./core.ts";

/** An inclusive integer range `[lo, hi]`; an end past 2^53 is a `bigint`.
 *
 * @example
 * ```ts
 * import type { IntRange } from "./counter.ts";
 * const r: IntRange = [10, 14]; // 10, 11, 12, 13 and 14
 * ```
 */
export type IntRange = [ExactInt, ExactInt];

/** Our addition: one final read outside the acceptable set, under `error-details`.
 *
 * @example
 * ```ts ignore
 * // { node: "n1", value: 12, acceptable: [[10, 10], [14, 14]], op: {...},
 * //   explanation: "Final read op 9 on n1 returned 12, but ..." }
 * ```
 */
export interface CounterErrorDetail {
  node: string | null;
  value: unknown;
  acceptable: IntRange[];
  op: Op;
  explanation: string;
}

/** A set of integers as sorted, disjoint, non-adjacent inclusive ranges.
 *
 * @example
 * ```ts
 * import { RangeSet } from "./counter.ts";
 * const s = RangeSet.of(10);
 * s.unionShifted(4);
 * s.unionShifted(4);
 * s.ranges; // [[10, 10], [14, 14], [18, 18]]
 * s.has(14); // true
 * ```
 */
export class RangeSet {
  #ranges: IntRange[];

  private constructor(ranges: IntRange[]) {
    this.#ranges = ranges;
  }

  /** The set holding just `value`. */
  static of(value: ExactInt): RangeSet {
    const v = exactInt(value);
    return new RangeSet([[v, v]]);
  }

  /** The ranges, lowest first. */
  get ranges(): IntRange[] {
    return this.#ranges.map(([lo, hi]) => [lo, hi]);
  }

  /** Replaces the set A with A ∪ (A + delta). */
  unionShifted(delta: ExactInt): void {
    delta = exactInt(delta);
    if (delta === 0) return;
    const shifted = this.#ranges.map((
      [lo, hi],
    ): IntRange => [addExact(lo, delta), addExact(hi, delta)]);
    const merged: IntRange[] = [];
    let i = 0, j = 0;
    const a = this.#ranges;
    while (i < a.length || j < shifted.length) {
      const next = j >= shifted.length || (i < a.length && a[i][0] <= shifted[j][0])
        ? a[i++]
        : shifted[j++];
      const last = merged[merged.length - 1];
      // Ranges of integers that touch (hi + 1 = next lo) merge, as Maelstrom's open-range
      // encoding makes them do.
      if (last !== undefined && next[0] <= addExact(last[1], 1)) {
        last[1] = maxExact(last[1], next[1]);
      } else merged.push([next[0], next[1]]);
    }
    this.#ranges = merged;
  }

  /** Whether `value` is in the set. */
  has(value: ExactInt): boolean {
    let lo = 0, hi = this.#ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = this.#ranges[mid];
      if (value < a) hi = mid - 1;
      else if (value > b) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** Checks a g-counter or pn-counter history. Result keys as Maelstrom's: `errors` (the failing
 * final-read ops, or `null`), `final-reads` (values of all `ok` final reads), `acceptable`
 * (inclusive ranges); plus `error-details` (ours), which names each failing read's node and
 * explains it, and `beyond-maelstrom`. No `ok` final read at all is valid, as in Maelstrom; the
 * nodes without one are the `no-final-read` finding, which fails the result under `strict`.
 *
 * @example
 * ```ts
 * import { checkCounter } from "./counter.ts";
 * const r = checkCounter([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "add", value: 3 },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "add", value: 3 },
 *   { index: 2, time: 2, type: "invoke", process: 0, f: "read", value: null, final: true },
 *   { index: 3, time: 3, type: "ok", process: 0, f: "read", value: 3, final: true, node: "n0" },
 * ]);
 * r["valid?"]; // true
 * ```
 */
export function checkCounter(
  history: readonly Op[],
  opts: Pick<TestOptions, "strict"> = {},
): CheckResult {
  let definiteSum: ExactInt = 0;
  const infoDeltas: ExactInt[] = [];
  const finalReads: Op[] = [];
  /** Each node asked for a final read, with its final-read completions that were not `ok`. */
  const unanswered = new Map<string, Op[]>();
  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.f === "add" && (op.type === "ok" || op.type === "info")) {
      const delta = addDelta(op.value);
      if (delta === undefined) {
        return {
          "valid?": "unknown",
          error: `Add op ${op.index} has the delta ${quote(op.value)}, which is not an integer, ` +
            `so the acceptable sums cannot be computed`,
        };
      }
      if (op.type === "ok") definiteSum = addExact(definiteSum, delta);
      else infoDeltas.push(delta);
    } else if (op.final && op.type === "ok") finalReads.push(op);
    if (op.final && op.node !== undefined) {
      if (op.type === "invoke") unanswered.set(op.node, unanswered.get(op.node) ?? []);
      else if (op.type !== "ok") unanswered.get(op.node)?.push(op);
    }
  }
  for (const op of finalReads) if (op.node !== undefined) unanswered.delete(op.node);
  const acceptable = RangeSet.of(definiteSum);
  for (const delta of infoDeltas) acceptable.unionShifted(delta);
  const ranges = acceptable.ranges;

  const errors: Op[] = [];
  for (const op of finalReads) {
    // Maelstrom asserts integer reads here, and a failed assertion makes the checker throw. An
    // integer past 2^53 is a bigint, compared exactly.
    if (!isExactInt(op.value)) {
      return {
        "valid?": "unknown",
        error: `Final read op ${op.index} returned ${quote(op.value)}, which is not an ` +
          `integer, so it cannot be checked against the acceptable sums`,
      };
    }
    if (!acceptable.has(exactInt(op.value))) errors.push(op);
  }
  const details: CounterErrorDetail[] = errors.map((op) => ({
    node: op.node ?? null,
    value: op.value,
    acceptable: ranges,
    op,
    explanation: explain(op, definiteSum, infoDeltas.length, ranges),
  }));
  return withBeyondMaelstrom(
    {
      "valid?": errors.length === 0,
      errors: errors.length === 0 ? null : errors,
      "final-reads": finalReads.map((op) => op.value),
      acceptable: ranges,
      "error-details": details,
    },
    noFinalRead(unanswered),
    opts,
  );
}

/** The `no-final-read` finding: the nodes that were asked for a final read and never answered
 * one with `read_ok`, with how their final reads ended. */
function noFinalRead(unanswered: ReadonlyMap<string, Op[]>): BeyondMaelstrom[] {
  if (unanswered.size === 0) return [];
  const nodes = [...unanswered.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const how = nodes.map((node) => {
    const last = unanswered.get(node)!.at(-1);
    const ending = last === undefined
      ? "never completed"
      : `ended ${last.type}${
        last.error === undefined ? "" : ` (${quote(last.error)})`
      } at op ${last.index}`;
    return `"${node}": ${ending}`;
  });
  return [{
    anomaly: "no-final-read",
    message: `No final read succeeded on ${nodes.length} node(s), so their counters were never ` +
      `checked (${how.join("; ")}). Maelstrom checks only the final reads that succeed, so it ` +
      `passes such a run`,
    ops: nodes.flatMap((n) => unanswered.get(n)!.map((op) => op.index)),
    nodes,
  }];
}

/** An add's delta as an exact integer: the harness writes integers, and a hand-written history's
 * numeric text or whole float (`3`, `"3"`, `3.0`) is read as before; `undefined` for anything
 * that is not an integer. */
function addDelta(value: unknown): ExactInt | undefined {
  const n = numericValue(value) ?? Number(value);
  return isExactInt(n) ? exactInt(n) : undefined;
}

function explain(op: Op, sum: ExactInt, infoCount: number, ranges: IntRange[]): string {
  const where = op.node === undefined ? "" : ` on ${op.node}`;
  const shown = ranges.slice(0, 8).map(([lo, hi]) => lo === hi ? `${lo}` : `${lo}..${hi}`);
  const more = ranges.length > shown.length ? `, ... (${ranges.length} ranges)` : "";
  const why = infoCount === 0
    ? `the acknowledged adds sum to ${sum} and no add was indeterminate`
    : `the acknowledged adds sum to ${sum} and the ${infoCount} indeterminate adds can only ` +
      `contribute subset sums giving ${shown.join(", ")}${more}`;
  return `Final read op ${op.index}${where} returned ${quote(op.value)}, but ${why}`;
}
