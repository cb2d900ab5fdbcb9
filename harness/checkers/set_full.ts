/**
 * Jepsen's `set-full` checker, used by broadcast (with `broadcast` as the add) and g-set.
 *
 * Every element whose add was invoked is followed through the ok reads that complete after that
 * invocation. It is *known* from its add's ok completion or the first read that contains it,
 * whichever comes first. Of the reads, the one with the highest invocation index that contained
 * it is *last-present*, the one that did not is *last-absent*. The element is then:
 * - **stable** if some read saw it and every read that began later saw it too;
 * - **lost** if it was known and the last read to miss it began after both the last read that saw
 *   it and the moment it became known;
 * - **never-read** otherwise (no read began after it was known, say).
 *
 * Lost elements make the history invalid; with no stable element at all the verdict is
 * `"unknown"`.
 *
 * Our additions, checks Maelstrom does not make, listed under `"beyond-maelstrom"` (see
 * `BeyondMaelstrom` in `harness/types.ts`): they only count against `valid?` with `strict`.
 * - `unexpected-values`: values that reads returned but no add ever carried. Jepsen's set-full
 *   only follows added elements, so it ignores them.
 * - `final-read-missing-values`: an ok read marked `final` (broadcast's, one per client thread)
 *   that lacks an acknowledged value. Jepsen decides each element by the read *invoked* last, so
 *   an element missing from most nodes' final reads still counts as stable when the last-invoked
 *   read holds it; this check asks every node's final read to hold every acknowledged value.
 *
 * @module
 */
import type { BeyondMaelstrom, CheckResult, Op, Validity } from "../types.ts";
import { jsonKey, quote, sortJson } from "../workloads/schema.ts";
import { withBeyondMaelstrom } from "./core.ts";

/** How the history names adds and reads, and whether checks beyond Maelstrom count.
 *
 * @example
 * ```ts
 * import type { SetFullOptions } from "./set_full.ts";
 * const forBroadcast: SetFullOptions = { addF: "broadcast", strict: false };
 * const forGSet: SetFullOptions = { addF: "add" };
 * ```
 */
export interface SetFullOptions {
  /** The `f` of adds: `"broadcast"` or `"add"`. */
  addF: string;
  /** The `f` of reads. Default `"read"`. */
  readF?: string;
  /** The elements an ok read returned. Default: the op's value. */
  readValue?: (op: Op) => unknown;
  /** `--strict`: findings under `"beyond-maelstrom"` make the result invalid. Default false, so
   * the verdict is Maelstrom's. */
  strict?: boolean;
}

/** Jepsen's per-element record, as listed under `worst-stale`.
 *
 * @example
 * ```ts ignore
 * // { element: 9, outcome: "stable", "stable-latency": 15, "lost-latency": null,
 * //   known: {...the add's ok op}, "last-absent": {...the last read that missed it} }
 * ```
 */
export interface ElementResult {
  element: unknown;
  outcome: "stable" | "lost" | "never-read";
  "stable-latency": number | null;
  "lost-latency": number | null;
  /** The op from which the element was known: its add's ok completion or a read completion. */
  known: Op | null;
  /** The invocation of the last read that did not contain the element. */
  "last-absent": Op | null;
}

/** Our addition: a lost element with its witnesses, under `lost-details`.
 *
 * @example
 * ```ts ignore
 * // { element: 7, add: {...}, "add-completion": {...}, "known-index": 1, "last-present": {...},
 * //   "last-absent": {...}, node: "n2", "lost-latency": 9, explanation: "Value 7 was sent ..." }
 * ```
 */
export interface LostDetail {
  element: unknown;
  /** The add (broadcast) invocation. */
  add: Op;
  /** The add's completion, if any. */
  "add-completion": Op | null;
  /** Index of the op from which the element was known. */
  "known-index": number;
  /** The invocation of the last read that contained it, if any. */
  "last-present": Op | null;
  /** The invocation of the last read that did not contain it. */
  "last-absent": Op;
  /** The node that last-absent read asked. */
  node: string | null;
  "lost-latency": number;
  explanation: string;
}

/** Our addition: a value that a read returned although no add carried it, listed under the
 * `details` of the `unexpected-values` finding.
 *
 * @example
 * ```ts ignore
 * // { element: 42, "read-index": 3, "read-completion-index": 4, node: "n3" }
 * ```
 */
export interface UnexpectedDetail {
  element: unknown;
  /** History index of the invocation of the first ok read that returned it. */
  "read-index": number;
  "read-completion-index": number;
  node: string | null;
}

/** Our addition: what one node's final reads lacked, the `final-read-missing-values` finding.
 *
 * @example
 * ```ts ignore
 * // { anomaly: "final-read-missing-values", node: "n2", missing: [4, 7], "missing-count": 2,
 * //   ops: [41], message: "The final read (op 41) of node \"n2\" lacked 2 acknowledged ..." }
 * ```
 */
export interface FinalReadMissing extends BeyondMaelstrom {
  anomaly: "final-read-missing-values";
  node: string;
  /** The acknowledged values its final reads lacked, sorted, at most 64. */
  missing: unknown[];
  "missing-count": number;
}

/** Quantiles reported for latencies, as Jepsen's. */
const QUANTILES = [0, 0.5, 0.95, 0.99, 1] as const;
/** How many stale elements `worst-stale` lists, as Jepsen's. */
const WORST_STALE = 8;
/** Bounds on our detail lists, which carry whole ops; the value lists stay complete. */
const MAX_LOST_DETAILS = 64;
const MAX_UNEXPECTED_DETAILS = 32;
/** How many missing values a final-read finding lists per node, and quotes in its message. */
const MAX_MISSING_LISTED = 64;
const MAX_QUOTED = 8;

interface ElementState {
  element: unknown;
  add: Op;
  addCompletion: Op | null;
  known: Op | null;
  lastPresent: Op | null;
  lastAbsent: Op | null;
  /** The read serial that last saw the element, to mark presence without a set per read. */
  seenBy: number;
}

/** Maps JSON values to small integers by value: primitives directly, composites by
 * {@linkcode jsonKey}, so the hot loop over numeric elements allocates no strings. */
class ValueIndex {
  #primitives = new Map<unknown, number>();
  #composites = new Map<string, number>();

  get(value: unknown): number | undefined {
    return value !== null && typeof value === "object"
      ? this.#composites.get(jsonKey(value))
      : this.#primitives.get(value ?? null);
  }

  set(value: unknown, slot: number): void {
    if (value !== null && typeof value === "object") this.#composites.set(jsonKey(value), slot);
    else this.#primitives.set(value ?? null, slot);
  }
}

/** Runs the set-full analysis. The result has Jepsen's keys (`attempt-count`, `stable-count`,
 * `lost-count`, `lost`, `never-read-count`, `never-read`, `stale-count`, `stale`, `worst-stale`,
 * `stable-latencies`, `lost-latencies`, `duplicated-count`, `duplicated`) and ours
 * (`lost-details`, `unexpected-count`, `unexpected`, `explanation`, `beyond-maelstrom`).
 * Latencies are in milliseconds.
 *
 * @example
 * ```ts
 * import { checkSetFull } from "./set_full.ts";
 * const r = checkSetFull([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "broadcast", value: 1 },
 *   { index: 1, time: 1e6, type: "ok", process: 0, f: "broadcast", value: 1 },
 *   { index: 2, time: 2e6, type: "invoke", process: 1, f: "read", value: null },
 *   { index: 3, time: 3e6, type: "ok", process: 1, f: "read", value: [1] },
 * ], { addF: "broadcast" });
 * r["valid?"]; // true
 * r["stable-count"]; // 1
 * ```
 */
export function checkSetFull(history: readonly Op[], options: SetFullOptions): CheckResult {
  const readF = options.readF ?? "read";
  const readValue = options.readValue ?? ((op: Op) => op.value);

  // Every value any add invocation carried, to tell unexpected read values apart.
  const everAdded = new ValueIndex();
  for (const op of history) {
    if (typeof op.process === "number" && op.f === options.addF && op.type === "invoke") {
      everAdded.set(op.value, 0);
    }
  }

  const slots = new ValueIndex();
  const elements: ElementState[] = [];
  const pendingReads = new Map<number, Op>();
  const unexpected = new Map<string, { element: unknown; read: Op; completion: Op }>();
  /** Values of ok adds, in history order, without repeats. */
  const acked: unknown[] = [];
  const ackedIndex = new ValueIndex();
  const finalReads: { inv: Op; completion: Op; values: unknown[] }[] = [];
  let readSerial = 0;

  for (const op of history) {
    if (typeof op.process !== "number") continue;
    if (op.f === options.addF) {
      if (op.type === "invoke") {
        // A repeated add of the same value starts its tracking afresh, as in Jepsen.
        const state: ElementState = {
          element: op.value,
          add: op,
          addCompletion: null,
          known: null,
          lastPresent: null,
          lastAbsent: null,
          seenBy: -1,
        };
        const slot = slots.get(op.value);
        if (slot === undefined) {
          slots.set(op.value, elements.length);
          elements.push(state);
        } else {
          elements[slot] = state;
        }
      } else {
        const slot = slots.get(op.value);
        if (slot === undefined) continue;
        const state = elements[slot];
        state.addCompletion = op;
        if (op.type === "ok") state.known ??= op;
        if (op.type === "ok" && ackedIndex.get(op.value) === undefined) {
          ackedIndex.set(op.value, acked.length);
          acked.push(op.value);
        }
      }
    } else if (op.f === readF) {
      if (op.type === "invoke") {
        pendingReads.set(op.process, op);
        continue;
      }
      const inv = pendingReads.get(op.process);
      pendingReads.delete(op.process);
      if (op.type !== "ok" || inv === undefined) continue;
      const values = readValue(op);
      if (values !== null && values !== undefined && !Array.isArray(values)) {
        return {
          "valid?": "unknown",
          error: `Read op ${op.index} returned ${quote(values)}, which is not a collection of ` +
            `elements`,
        };
      }
      const serial = readSerial++;
      if (op.final === true) finalReads.push({ inv, completion: op, values: values ?? [] });
      for (const v of values ?? []) {
        const slot = slots.get(v);
        if (slot !== undefined) {
          const state = elements[slot];
          if (state.seenBy !== serial) {
            state.seenBy = serial;
            state.known ??= op;
            if (state.lastPresent === null || state.lastPresent.index < inv.index) {
              state.lastPresent = inv;
            }
          }
        }
        if (everAdded.get(v) === undefined) {
          const key = jsonKey(v);
          if (!unexpected.has(key)) unexpected.set(key, { element: v, read: inv, completion: op });
        }
      }
      for (const state of elements) {
        if (state.seenBy === serial) continue;
        if (state.lastAbsent === null || state.lastAbsent.index < inv.index) {
          state.lastAbsent = inv;
        }
      }
    }
  }

  // Jepsen walks the elements in sorted order; ties later in the sort order win `worst-stale`.
  const sorted = sortJson(elements.map((s) => s.element)).map((e) => elements[slots.get(e)!]);
  const results = sorted.map(elementResult);
  const of = (outcome: ElementResult["outcome"]) => results.filter((r) => r.outcome === outcome);
  const stable = of("stable"), lost = of("lost"), neverRead = of("never-read");
  const stale = stable.filter((r) => r["stable-latency"]! > 0);
  const worstStale = stale
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r["stable-latency"]! - a.r["stable-latency"]! || b.i - a.i)
    .slice(0, WORST_STALE)
    .map(({ r }) => r);

  const valid: Validity = lost.length > 0 ? false : stable.length === 0 ? "unknown" : true;
  const unexpectedValues = sortJson([...unexpected.values()].map((u) => u.element));

  const result: CheckResult = {
    "valid?": valid,
    "attempt-count": results.length,
    "stable-count": stable.length,
    "lost-count": lost.length,
    lost: lost.map((r) => r.element),
    "never-read-count": neverRead.length,
    "never-read": neverRead.map((r) => r.element),
    "stale-count": stale.length,
    stale: stale.map((r) => r.element),
    "worst-stale": worstStale,
  };
  const stableLatencies = results.flatMap((r) => r["stable-latency"] ?? []);
  const lostLatencies = results.flatMap((r) => r["lost-latency"] ?? []);
  if (stableLatencies.length > 0) result["stable-latencies"] = quantiles(stableLatencies);
  if (lostLatencies.length > 0) result["lost-latencies"] = quantiles(lostLatencies);
  // Jepsen 0.3.7's duplicate detector keeps multiplicities below 1, which never happens.
  result["duplicated-count"] = 0;
  result.duplicated = {};

  result["lost-details"] = sorted
    .filter((_, i) => results[i].outcome === "lost")
    .slice(0, MAX_LOST_DETAILS)
    .map((s) => lostDetail(s, options.addF));
  result["unexpected-count"] = unexpected.size;
  result.unexpected = unexpectedValues;
  const explanation = explain(valid, lost.length);
  if (explanation !== undefined) result.explanation = explanation;

  const findings: BeyondMaelstrom[] = [];
  if (unexpected.size > 0) {
    const details = unexpectedValues.slice(0, MAX_UNEXPECTED_DETAILS).map((v) => {
      const u = unexpected.get(jsonKey(v))!;
      return {
        element: u.element,
        "read-index": u.read.index,
        "read-completion-index": u.completion.index,
        node: u.read.node ?? null,
      } satisfies UnexpectedDetail;
    });
    const first = details[0];
    findings.push({
      anomaly: "unexpected-values",
      message: `Reads returned ${unexpected.size} value(s) that no ${options.addF} op carried: ` +
        `${quoteSome(unexpectedValues)}; the first came back from read op ` +
        `${first["read-completion-index"]}${first.node === null ? "" : ` on ${first.node}`}. ` +
        `Jepsen's set-full only follows values that were added, so Maelstrom ignores these`,
      ops: [...new Set(details.map((d) => d["read-completion-index"]))],
      values: unexpectedValues.slice(0, MAX_UNEXPECTED_DETAILS),
      details,
    });
  }
  findings.push(...finalReadsMissing(finalReads, acked, options.addF));
  return withBeyondMaelstrom(result, findings, { strict: options.strict });
}

/** The `final-read-missing-values` findings: for each node whose ok final reads lack some
 * acknowledged value, one finding naming the node, the reads and the values. */
function finalReadsMissing(
  finalReads: readonly { inv: Op; completion: Op; values: unknown[] }[],
  acked: readonly unknown[],
  addF: string,
): FinalReadMissing[] {
  const byNode = new Map<string, { ops: number[]; missing: Map<string, unknown> }>();
  for (const read of finalReads) {
    const present = new ValueIndex();
    for (const v of read.values) present.set(v, 0);
    const missing = acked.filter((v) => present.get(v) === undefined);
    if (missing.length === 0) continue;
    const node = read.completion.node ?? read.inv.node ?? "?";
    const entry = byNode.get(node) ?? { ops: [] as number[], missing: new Map<string, unknown>() };
    byNode.set(node, entry);
    entry.ops.push(read.completion.index);
    for (const v of missing) entry.missing.set(jsonKey(v), v);
  }
  return [...byNode].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })).map(
    ([node, { ops, missing }]) => {
      const values = sortJson([...missing.values()]);
      const reads = ops.length === 1
        ? `final read (op ${ops[0]})`
        : `final reads (ops ${ops.join(", ")})`;
      return {
        anomaly: "final-read-missing-values",
        message: `The ${reads} of node "${node}" lacked ${values.length} acknowledged ` +
          `${addF} value(s): ${quoteSome(values)}. Maelstrom's set-full judges each value by ` +
          `the read invoked last, so it does not notice a node that never received a value`,
        ops,
        node,
        missing: values.slice(0, MAX_MISSING_LISTED),
        "missing-count": values.length,
      };
    },
  );
}

/** Quotes the first few values of a list and says how many more there are. */
function quoteSome(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_QUOTED).map(quote).join(", ");
  return values.length > MAX_QUOTED ? `${shown} and ${values.length - MAX_QUOTED} more` : shown;
}

/** Jepsen's per-element outcome and latencies. */
function elementResult(s: ElementState): ElementResult {
  const lpIndex = s.lastPresent?.index ?? -1;
  const laIndex = s.lastAbsent?.index ?? -1;
  const isStable = s.lastPresent !== null && laIndex < lpIndex;
  const isLost = !isStable && s.known !== null && s.lastAbsent !== null && lpIndex < laIndex &&
    s.known.index < laIndex;
  const knownTime = s.known?.time ?? 0;
  const latency = (from: Op | null) =>
    Math.floor(Math.max(0, (from === null ? 0 : from.time + 1) - knownTime) / 1e6);
  return {
    element: s.element,
    outcome: isStable ? "stable" : isLost ? "lost" : "never-read",
    "stable-latency": isStable ? latency(s.lastAbsent) : null,
    "lost-latency": isLost ? latency(s.lastPresent) : null,
    known: s.known,
    "last-absent": s.lastAbsent,
  };
}

/** Jepsen's frequency distribution: quantile q is sorted[min(n - 1, ⌊n·q⌋)]. */
function quantiles(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const out: Record<string, number> = {};
  for (const q of QUANTILES) out[String(q)] = sorted[Math.min(n - 1, Math.floor(n * q))];
  return out;
}

function lostDetail(s: ElementState, addF: string): LostDetail {
  const la = s.lastAbsent!, lp = s.lastPresent, known = s.known!;
  const node = la.node ?? null;
  const at = (op: Op) => `op ${op.index}${op.node === undefined ? "" : ` on ${op.node}`}`;
  const added = `${quote(s.element)} was sent by ${addF} ${at(s.add)}`;
  const knownHow = s.addCompletion?.type === "ok" && known === s.addCompletion
    ? `acknowledged by op ${known.index}`
    : `first seen by read op ${known.index}`;
  const seen = lp === null
    ? "no read ever contained it"
    : `the last read that contained it began at ${at(lp)}`;
  return {
    element: s.element,
    add: s.add,
    "add-completion": s.addCompletion,
    "known-index": known.index,
    "last-present": lp,
    "last-absent": la,
    node,
    "lost-latency": elementResult(s)["lost-latency"]!,
    explanation: `Value ${added} and ${knownHow}; ${seen}, but the read that began later at ` +
      `${at(la)} (t=${
        (la.time / 1e9).toFixed(3)
      } s) did not contain it, and no read that began after that one contained it`,
  };
}

function explain(valid: Validity, lost: number): string | undefined {
  if (valid === true) return undefined;
  if (lost > 0) return `${lost} acknowledged or observed value(s) were lost (see "lost-details")`;
  return `No value was ever stably present in reads, so nothing could be confirmed`;
}
