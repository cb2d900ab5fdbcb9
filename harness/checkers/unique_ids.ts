/**
 * Jepsen's `unique-ids` checker: every acknowledged `generate` must return an id no other op
 * returned. Ids compare by JSON value, so `[1, 2]` and `[1, 2]` from two nodes are duplicates.
 *
 * @module
 */
import type { CheckResult, Op } from "../types.ts";
import { compareJson, IncomparableValues, jsonKey, quote } from "../workloads/schema.ts";

/** How many duplicates the `duplicated` map shows, as in Jepsen. */
const MAX_DUPLICATES = 48;
/** How many of a duplicate's ops `duplicate-details` lists. */
const MAX_OPS_PER_DUPLICATE = 10;

/** Our addition: one duplicated id and the ops that returned it, under `duplicate-details`.
 *
 * @example
 * ```ts ignore
 * // { id: "n0-1", count: 2, ops: [{ index: 1, node: "n0", ... }, { index: 5, node: "n1", ... }],
 * //   nodes: ["n0", "n1"], explanation: 'ID "n0-1" was returned 2 times: by op 1 on n0 and ...' }
 * ```
 */
export interface DuplicateDetail {
  id: unknown;
  count: number;
  /** The `ok` completions that returned the id (the first {@linkcode MAX_OPS_PER_DUPLICATE}). */
  ops: Op[];
  /** The distinct nodes that returned it, sorted. */
  nodes: string[];
  explanation: string;
}

/** Checks a unique-ids history: `attempted-count`, `acknowledged-count`, `duplicated-count`,
 * `duplicated` (the 48 most frequent duplicates, id → count), and `range` (`[lowest, highest]`,
 * `[null, null]` with no acks). Valid iff no id repeats.
 *
 * `duplicated` is a JSON object, so ids become keys: strings as themselves, other ids as their
 * JSON text. `duplicate-details` (ours) keeps the ids as values and names the ops and nodes.
 *
 * Ids of kinds that cannot be ordered against each other (a number and a string, two JSON
 * objects) make Jepsen's checker throw while computing `range`; the result is then
 * `{"valid?": "unknown", error}`, as for any checker that throws.
 *
 * @example
 * ```ts
 * import { checkUniqueIds } from "./unique_ids.ts";
 * const r = checkUniqueIds([
 *   { index: 0, time: 0, type: "invoke", process: 0, f: "generate", value: null },
 *   { index: 1, time: 1, type: "ok", process: 0, f: "generate", value: 7, node: "n0" },
 * ]);
 * r.range; // [7, 7]
 * ```
 */
export function checkUniqueIds(history: readonly Op[]): CheckResult {
  let attempted = 0;
  const acks: Op[] = [];
  for (const op of history) {
    if (typeof op.process !== "number" || op.f !== "generate") continue;
    if (op.type === "invoke") attempted++;
    else if (op.type === "ok") acks.push(op);
  }

  try {
    return summarise(attempted, acks);
  } catch (e) {
    if (!(e instanceof IncomparableValues)) throw e;
    return {
      "valid?": "unknown",
      error: `Cannot order the generated ids: ${e.message}. Jepsen's unique-ids checker needs ` +
        `mutually comparable ids (all numbers, all strings, ...) and fails otherwise`,
    };
  }
}

/** The result proper; throws {@linkcode IncomparableValues} where Jepsen's checker throws. */
function summarise(attempted: number, acks: readonly Op[]): CheckResult {
  const range = idRange(acks.map((op) => op.value));

  const byId = new Map<string, { id: unknown; ops: Op[] }>();
  for (const op of acks) {
    const key = jsonKey(op.value);
    const entry = byId.get(key);
    if (entry) entry.ops.push(op);
    else byId.set(key, { id: op.value, ops: [op] });
  }
  // Jepsen sorts the duplicates by id, then stably by count, then reverses, and keeps the first 48:
  // among equal counts the highest ids win. The kept ones are then shown in id order.
  const dups = [...byId.values()].filter((d) => d.ops.length > 1);
  dups.sort((a, b) => compareJson(a.id, b.id));
  const kept = dups
    .map((d, i) => ({ d, i }))
    .sort((x, y) => y.d.ops.length - x.d.ops.length || y.i - x.i)
    .slice(0, MAX_DUPLICATES)
    .sort((x, y) => x.i - y.i)
    .map(({ d }) => d);

  const duplicated: Record<string, number> = {};
  for (const d of kept) duplicated[idKey(d.id)] = d.ops.length;
  const details: DuplicateDetail[] = kept.map((d) => {
    const nodes = [...new Set(d.ops.map((op) => op.node).filter((n) => n !== undefined))].sort();
    return {
      id: d.id,
      count: d.ops.length,
      ops: d.ops.slice(0, MAX_OPS_PER_DUPLICATE),
      nodes,
      explanation: explain(d.id, d.ops),
    };
  });
  return {
    "valid?": dups.length === 0,
    "attempted-count": attempted,
    "acknowledged-count": acks.length,
    "duplicated-count": dups.length,
    duplicated,
    range,
    "duplicate-details": details,
  };
}

/** `[min, max]` of the ids, skipping `null` as Tesser's `range` fold does, and comparing in the
 * same order it does, so the same histories throw. */
function idRange(ids: readonly unknown[]): [unknown, unknown] {
  let lo: unknown = null, hi: unknown = null;
  for (const id of ids) {
    if (id === null || id === undefined) continue;
    lo = lo === null || compareJson(id, lo) <= 0 ? id : lo;
    hi = hi === null || compareJson(id, hi) >= 0 ? id : hi;
  }
  return [lo, hi];
}

/** The key of an id in the `duplicated` object. */
function idKey(id: unknown): string {
  return typeof id === "string" ? id : jsonKey(id);
}

function explain(id: unknown, ops: readonly Op[]): string {
  const shown = ops.slice(0, MAX_OPS_PER_DUPLICATE).map((op) =>
    op.node === undefined ? `op ${op.index}` : `op ${op.index} on ${op.node}`
  );
  const more = ops.length > shown.length ? ` and ${ops.length - shown.length} more` : "";
  const list = shown.length > 1 && more === ""
    ? `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`
    : shown.join(", ") + more;
  return `ID ${quote(id)} was returned ${ops.length} times: by ${list}`;
}
