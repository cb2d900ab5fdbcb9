/**
 * Values and ops as Elle's transaction checkers see them: a canonical form of JSON values with
 * Clojure's value equality (built on `jsonKey` in `harness/workloads/schema.ts`, so numbers stay
 * exact), an index keyed by (key, value), the names used in explanations, and the error a checker
 * throws for a history Elle cannot analyse either. Jepsen's kafka checker uses the same canonical
 * form for messages.
 *
 * @module
 */
import type { Op } from "../../types.ts";
import { parseExact } from "../../json.ts";
import { jsonKey, quote } from "../../workloads/schema.ts";

/** A value usable as a `Map` key with Clojure's value equality: primitives stand for themselves,
 * and arrays or objects (which a misbehaving node could return) become a canonical string.
 *
 * @example
 * ```ts
 * import { canon, type Canon } from "./values.ts";
 * const seen = new Set<Canon>([canon([1, 2])]);
 * seen.has(canon([1, 2])); // true
 * ```
 */
export type Canon = string | number | boolean | bigint | null;

/** Prefix that keeps canonical strings of structured values apart from genuine strings. */
const STRUCTURED = "\u0000json:";

/** The {@linkcode Canon} of a JSON value (`undefined` counts as `null`).
 *
 * @example
 * ```ts
 * import { canon } from "./values.ts";
 * canon([1, 2]) === canon([1, 2]); // true
 * ```
 */
export function canon(x: unknown): Canon {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case "number":
    case "string":
    case "boolean":
    case "bigint":
      return x;
    default:
      return STRUCTURED + jsonKey(x);
  }
}

/** The JSON value a {@linkcode Canon} stands for (numbers in structured values stay exact).
 *
 * @example
 * ```ts
 * import { canon, fromCanon } from "./values.ts";
 * fromCanon(canon({ a: [1] })); // { a: [1] }
 * ```
 */
export function fromCanon(c: Canon): unknown {
  return typeof c === "string" && c.startsWith(STRUCTURED)
    ? parseExact(c.slice(STRUCTURED.length))
    : c;
}

/** Ranks canonical values by kind for {@linkcode compareCanon}: numbers, booleans, null, strings,
 * then structured values. */
function kindRank(c: Canon): number {
  if (typeof c === "number" || typeof c === "bigint") return 0;
  if (typeof c === "boolean") return 1;
  if (c === null) return 2;
  return c.startsWith(STRUCTURED) ? 4 : 3;
}

/** A total order on canonical values: numbers numerically, then booleans, null, strings, and
 * structured values by their canonical text. Clojure's `compare` would throw on values of
 * different kinds; explanations only need an order that is the same on every run.
 *
 * @example
 * ```ts
 * import { canon, compareCanon } from "./values.ts";
 * [canon("a"), canon(2), canon(1)].sort(compareCanon); // [1, 2, "a"]
 * ```
 */
export function compareCanon(a: Canon, b: Canon): number {
  const ra = kindRank(a), rb = kindRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return 0;
  return (a as string | number | bigint) < (b as string | number | bigint)
    ? -1
    : (a as string | number | bigint) > (b as string | number | bigint)
    ? 1
    : 0;
}

/** Whether an op is a client's `txn` op (nemesis ops and other `f`s take part in no analysis).
 *
 * @example
 * ```ts
 * import { isClientTxn } from "./values.ts";
 * isClientTxn({ index: 0, time: 0, type: "invoke", process: 0, f: "txn", value: [] }); // true
 * ```
 */
export function isClientTxn(op: Op): boolean {
  return typeof op.process === "number" && Number.isInteger(op.process) && op.f === "txn";
}

/** Renders a value for an explanation (JSON, so strings keep their quotes).
 *
 * @example
 * ```ts
 * import { show } from "./values.ts";
 * show("x"); // "\"x\""
 * ```
 */
export function show(v: unknown): string {
  return quote(v);
}

/** Names an op in explanations: "op 12 (process 3)".
 *
 * @example
 * ```ts
 * import { opName } from "./values.ts";
 * opName({ index: 12, time: 0, type: "ok", process: 3, f: "txn", value: [] }); // "op 12 (process 3)"
 * ```
 */
export function opName(op: Op): string {
  return `op ${op.index} (process ${String(op.process)})`;
}

/** Nested map `key → value → T`, keyed by canonical values (`V` may widen the value, for example
 * with a marker for a list's initial state).
 *
 * @example
 * ```ts
 * import { KeyValueIndex } from "./values.ts";
 * const index = new KeyValueIndex<string>();
 * index.set(1, 2, "x");
 * index.get(1, 2); // "x"
 * ```
 */
export class KeyValueIndex<T, V = Canon> {
  #byKey = new Map<Canon, Map<V, T>>();

  get(k: Canon, v: V): T | undefined {
    return this.#byKey.get(k)?.get(v);
  }

  set(k: Canon, v: V, x: T): void {
    let inner = this.#byKey.get(k);
    if (!inner) this.#byKey.set(k, inner = new Map());
    inner.set(v, x);
  }

  /** The value stored under (k, v), created with `make` when absent. */
  upsert(k: Canon, v: V, make: () => T): T {
    let x = this.get(k, v);
    if (x === undefined) this.set(k, v, x = make());
    return x;
  }

  keys(): IterableIterator<Canon> {
    return this.#byKey.keys();
  }

  values(k: Canon): Map<V, T> | undefined {
    return this.#byKey.get(k);
  }
}

/** Thrown for a history Elle cannot analyse (it throws too, and Maelstrom reports
 * `"valid?": "unknown"`): for example one value read was the final write of two or more ok
 * transactions, or a consistency model is unknown.
 *
 * @example
 * ```ts
 * import { Unanalysable } from "./values.ts";
 * new Unanalysable("Keys must all be of one type").name; // "Unanalysable"
 * ```
 */
export class Unanalysable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Unanalysable";
  }
}
