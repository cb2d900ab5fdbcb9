/**
 * Closed-schema validation of RPC reply bodies, plus the JSON value semantics the checkers share.
 *
 * Maelstrom checks every non-error reply against a *closed* schema: exactly the documented
 * fields, plus `in_reply_to` (a required integer) and `msg_id` (an optional integer). A missing
 * key, an extra key or a value of the wrong kind is a "malformed RPC response", which the runner
 * records as an `info` op carrying the exception. {@linkcode expectReply} does that check and
 * throws {@linkcode MalformedReply}.
 *
 * Node output is parsed with `harness/json.ts`, which keeps integers past 2^53 as `bigint`s and a
 * whole float such as `3.0` as an `ExactFloat`: so an `"int"` field accepts both kinds of integer
 * and rejects `3.0`, as Maelstrom's schemas (Clojure's `integer?`) do.
 *
 * The second half of the module gives checkers Clojure's value semantics for JSON data:
 * {@linkcode jsonKey} (a canonical string, so equal values share a key) and
 * {@linkcode compareJson} (Clojure's `compare`, which throws for values of different kinds).
 *
 * @module
 */
import { javaDoubleText, numericValue } from "../json.ts";
import { MalformedReply } from "../types.ts";

/** A predicate kind with a name for error messages, such as `"a map of node ids to arrays"`.
 *
 * @example
 * ```ts
 * import { expectReply, type NamedPredicate } from "./schema.ts";
 * const ints: NamedPredicate<number[]> = {
 *   describe: "an array of integers",
 *   test: (v): v is number[] => Array.isArray(v) && v.every(Number.isInteger),
 * };
 * expectReply({ type: "r_ok", in_reply_to: 1, xs: [1, 2] }, "r_ok", { xs: ints });
 * ```
 */
export interface NamedPredicate<T = unknown> {
  /** Describes what the field must be, completing the phrase "should be ...". */
  readonly describe: string;
  /** Whether `value` is acceptable. */
  test(value: unknown): value is T;
}

/** What one field of a reply must hold.
 *
 * - `"any"`: any JSON value, including `null`, but the key must be present;
 * - `"int"`: an integer, a `number` or a `bigint` (see the module note about `3.0`);
 * - `"string"`: a string;
 * - `"array"`: an array, or `null` (Maelstrom's sequence schemas accept `nil`);
 * - `"object"`: a JSON object (not `null`, not an array);
 * - a predicate function, or a {@linkcode NamedPredicate} for a clearer error message;
 * - {@linkcode optional}(kind): the key may be absent.
 *
 * @example
 * ```ts
 * import type { FieldKind } from "./schema.ts";
 * const kinds: Record<string, FieldKind> = { value: "int", note: (v) => typeof v === "string" };
 * ```
 */
export type FieldKind =
  | "any"
  | "int"
  | "string"
  | "array"
  | "object"
  | ((value: unknown) => boolean)
  | NamedPredicate
  | OptionalKind;

/** A field that may be absent; when present it must match `kind`. Build it with
 * {@linkcode optional}.
 *
 * @example
 * ```ts
 * import { optional, type OptionalKind } from "./schema.ts";
 * const k: OptionalKind = optional("string"); // { optional: "string" }
 * ```
 */
export interface OptionalKind {
  readonly optional: Exclude<FieldKind, OptionalKind>;
}

/** Marks a field as optional.
 *
 * @example
 * ```ts
 * import { expectReply, optional } from "./schema.ts";
 * expectReply({ type: "poll_ok", in_reply_to: 1 }, "poll_ok", { msgs: optional("object") });
 * ```
 */
export function optional(kind: Exclude<FieldKind, OptionalKind>): OptionalKind {
  return { optional: kind };
}

/** The TypeScript type a field kind admits.
 *
 * @example
 * ```ts
 * import type { KindType } from "./schema.ts";
 * const xs: KindType<"array"> = null; // unknown[] | null
 * ```
 */
export type KindType<K> = K extends OptionalKind ? KindType<K["optional"]> | undefined
  : K extends "int" ? number | bigint
  : K extends "string" ? string
  : K extends "array" ? unknown[] | null
  : K extends "object" ? Record<string, unknown>
  : K extends NamedPredicate<infer T> ? T
  : K extends (value: unknown) => value is infer T ? T
  : unknown;

/** A validated reply: the schema's fields with their types, plus the envelope fields.
 *
 * @example
 * ```ts
 * import type { Reply } from "./schema.ts";
 * const r: Reply<{ value: "int" }> = { type: "read_ok", in_reply_to: 1, value: 3 };
 * ```
 */
export type Reply<F extends Record<string, FieldKind>> =
  & { [K in keyof F]: KindType<F[K]> }
  & { type: string; in_reply_to: number; msg_id?: number };

/** Longest quoted reply in an error message; longer ones are cut, since a `read_ok` can carry
 * thousands of values. */
const MAX_QUOTE = 400;

/** Checks `reply` against the closed schema `{type: type, ...fields}` and returns it typed.
 * Throws {@linkcode MalformedReply} naming every offending key and quoting the reply.
 *
 * @example
 * ```ts
 * import { expectReply } from "./schema.ts";
 * const r = expectReply({ type: "read_ok", in_reply_to: 3, value: 7 }, "read_ok", {
 *   value: "int",
 * });
 * r.value; // 7
 * ```
 */
export function expectReply<const F extends Record<string, FieldKind>>(
  reply: Record<string, unknown>,
  type: string,
  fields: F,
): Reply<F> {
  const problems: string[] = [];
  if (reply === null || typeof reply !== "object" || Array.isArray(reply)) {
    throw new MalformedReply(
      `Malformed RPC response: expected a JSON object but got ${quote(reply)}`,
    );
  }
  if (reply.type !== type) {
    problems.push(`key "type" should be ${JSON.stringify(type)} but is ${quote(reply.type)}`);
  }
  if (!("in_reply_to" in reply)) problems.push(`key "in_reply_to" is missing`);
  else if (!isInt(reply.in_reply_to)) {
    problems.push(`key "in_reply_to" should be an integer but is ${quote(reply.in_reply_to)}`);
  }
  if ("msg_id" in reply && !isInt(reply.msg_id)) {
    problems.push(`key "msg_id" should be an integer but is ${quote(reply.msg_id)}`);
  }
  for (const [key, kind] of Object.entries(fields)) {
    const isOptional = typeof kind === "object" && "optional" in kind;
    const base = isOptional ? kind.optional : kind;
    if (!Object.hasOwn(reply, key)) {
      if (!isOptional) problems.push(`key ${JSON.stringify(key)} is missing`);
      continue;
    }
    const value = reply[key];
    if (!matches(base, value)) {
      problems.push(
        `key ${JSON.stringify(key)} should be ${describe(base)} but is ${quote(value)}`,
      );
    }
  }
  for (const key of Object.keys(reply)) {
    if (key === "type" || key === "in_reply_to" || key === "msg_id") continue;
    if (!Object.hasOwn(fields, key)) problems.push(`key ${JSON.stringify(key)} is not allowed`);
  }
  if (problems.length > 0) {
    throw new MalformedReply(
      `Malformed RPC response: ${problems.join("; ")}, in ${quote(reply)}`,
    );
  }
  return reply as Reply<F>;
}

/** Whether `value` is a JSON integer literal: a `number` integer, or a `bigint` past 2^53. */
function isInt(value: unknown): value is number | bigint {
  return (typeof value === "number" && Number.isInteger(value)) || typeof value === "bigint";
}

function matches(kind: Exclude<FieldKind, OptionalKind>, value: unknown): boolean {
  switch (kind) {
    case "any":
      return true;
    case "int":
      return isInt(value);
    case "string":
      return typeof value === "string";
    case "array":
      return value === null || Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return typeof kind === "function" ? kind(value) : kind.test(value);
  }
}

function describe(kind: Exclude<FieldKind, OptionalKind>): string {
  switch (kind) {
    case "any":
      return "present";
    case "int":
      return "an integer";
    case "string":
      return "a string";
    case "array":
      return "an array or null";
    case "object":
      return "a JSON object";
    default:
      return typeof kind === "function"
        ? `accepted by ${kind.name || "its predicate"}`
        : kind.describe;
  }
}

/** Renders a value for an error message: JSON, cut to 400 characters.
 *
 * @example
 * ```ts
 * import { quote } from "./schema.ts";
 * quote({ a: "b" }); // '{"a":"b"}'
 * ```
 */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}...` : text;
}

/** A canonical string for a JSON value: equal values (object keys in any order) give equal keys,
 * so it can key a `Map` or `Set` where Clojure would use value equality.
 *
 * Numbers are exact: a `bigint` keys as its digits, and a whole float (an `ExactFloat` from
 * `harness/json.ts`) as Clojure prints a double (`1.0`), so `1` and `1.0` get different keys, as
 * they are different values in Clojure.
 *
 * @example
 * ```ts
 * import { jsonKey } from "./schema.ts";
 * jsonKey({ b: 1, a: [2] }) === jsonKey({ a: [2], b: 1 }); // true
 * ```
 */
export function jsonKey(value: unknown): string {
  // Numbers and strings dominate (broadcast values, ids), so they skip the general walk.
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "null";
  if (typeof value === "bigint") return String(value);
  const n = numericValue(value);
  if (n !== undefined) return javaDoubleText(n as number);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    // An array of plain numbers and strings (a kafka chunk's messages and tags, a broadcast
    // read) keys as JSON.stringify writes it, which is the same text and many times faster.
    if (value.every(isPlainScalar)) return JSON.stringify(value);
    return `[${value.map(jsonKey).join(",")}]`;
  }
  const entries = Object.keys(value).sort().map((k) =>
    `${JSON.stringify(k)}:${jsonKey((value as Record<string, unknown>)[k])}`
  );
  return `{${entries.join(",")}}`;
}

/** Whether `jsonKey` of `x` is `JSON.stringify(x)`: a string, or a number (both write a number
 * with JavaScript's shortest round-trip text; the numbers of parsed JSON are finite). */
function isPlainScalar(x: unknown): boolean {
  return typeof x === "string" || (typeof x === "number" && Number.isFinite(x));
}

/** Whether two JSON values are equal by value (Clojure's `=` on JSON data).
 *
 * @example
 * ```ts
 * import { jsonEqual } from "./schema.ts";
 * jsonEqual({ a: [1] }, { a: [1] }); // true
 * ```
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return a === b || jsonKey(a) === jsonKey(b);
}

/** Thrown by {@linkcode compareJson} for values Clojure's `compare` cannot order.
 *
 * @example
 * ```ts
 * import { compareJson, IncomparableValues } from "./schema.ts";
 * try {
 *   compareJson(1, "1");
 * } catch (e) {
 *   console.assert(e instanceof IncomparableValues);
 * }
 * ```
 */
export class IncomparableValues extends Error {
  constructor(a: unknown, b: unknown) {
    super(`Values ${quote(a)} and ${quote(b)} cannot be compared`);
    this.name = "IncomparableValues";
  }
}

/** Clojure's `compare` on JSON data: `null` sorts first; numbers (`number`, `bigint` and whole
 * floats alike) compare numerically and exactly, so `1` and `1.0` compare as 0; strings by
 * UTF-16 code units, booleans `false` before `true`, arrays by length and then element by
 * element. Anything else (a number against a string, any JSON object) throws
 * {@linkcode IncomparableValues}, as the JVM's `ClassCastException` does. The same reference
 * compares equal to itself, also as in Clojure.
 *
 * @example
 * ```ts
 * import { compareJson } from "./schema.ts";
 * [3, 1, 2].sort(compareJson); // [1, 2, 3]
 * compareJson([9], [1, 1]); // -1: the shorter array first
 * ```
 */
export function compareJson(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  const x = numericValue(a), y = numericValue(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return a ? 1 : -1;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    for (let i = 0; i < a.length; i++) {
      const c = compareJson(a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  }
  throw new IncomparableValues(a, b);
}

/** Sorts JSON values with {@linkcode compareJson}, falling back to their {@linkcode jsonKey}
 * order when they are not mutually comparable, so a report can always be sorted.
 *
 * @example
 * ```ts
 * import { sortJson } from "./schema.ts";
 * sortJson([10, 2, 1]); // [1, 2, 10]
 * ```
 */
export function sortJson<T>(values: readonly T[]): T[] {
  try {
    return [...values].sort(compareJson);
  } catch (e) {
    if (!(e instanceof IncomparableValues)) throw e;
    return [...values].sort((a, b) => {
      const x = jsonKey(a), y = jsonKey(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
}
