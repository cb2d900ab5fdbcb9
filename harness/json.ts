/**
 * Lossless JSON for what nodes write. Maelstrom reads node output with Cheshire (Jackson), which
 * keeps every integer exact (a `long`, or a `BigInteger` past 64 bits) and reads `1.0` as a
 * double that Clojure's `=` keeps apart from the integer `1`. `JSON.parse` does neither: it rounds
 * integers above 2^53, so two distinct snowflake ids can become equal, and it turns `1.0` into
 * `1`, so a message can arrive altered.
 *
 * {@linkcode parseExact} therefore represents numbers as follows, so every number has exactly one
 * representation and checkers can compare values exactly:
 *
 * - an integer literal within ±(2^53 - 1) is a `number`, as usual;
 * - an integer literal beyond that is a `bigint` (exact, and `<` against `number`s is exact too);
 * - a float literal with an integral or infinite value (`1.0`, `1e3`, `1e999`) is an
 *   {@linkcode ExactFloat}, which keeps its source text;
 * - any other float literal (`1.5`) is a `number`: a double is all Jackson keeps of it as well.
 *
 * Writing back is exact with plain `JSON.stringify`: an {@linkcode ExactFloat} writes its source
 * text through `toJSON`, and importing this module gives `bigint` a `toJSON` that writes its
 * digits (without it `JSON.stringify` throws on a `bigint`), so history, results and journal files
 * and the lines delivered to nodes carry every digit.
 *
 * Most lines have no number that could change, so a cheap scan lets them take plain `JSON.parse`,
 * and so do lines whose only floats are fractions (checked by counting); only the rest pay for the
 * reviver. Sources: Cheshire's `parse-string` keeps `BigInteger`s
 * (`cheshire/parse.clj`), and Maelstrom parses node stdout with it (`src/maelstrom/process.clj`).
 *
 * @module
 */

/** The source-text access and raw output of TC39's JSON.parse-with-source proposal, which V8 in
 * Deno 2 ships but TypeScript's standard library does not declare yet. */
interface JsonWithSource {
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown,
  ): unknown;
}

const JSON_SOURCE = JSON as unknown as JsonWithSource;

declare global {
  interface BigInt {
    /** Writes the integer's digits as a JSON number (installed by `harness/json.ts`). */
    toJSON(): unknown;
  }
}

/** A JSON float literal whose value is integral or infinite, such as `1.0` or `2e3`: Clojure keeps
 * it apart from the integer of the same value, so the harness does too. `value` is the double,
 * `source` the literal as the node wrote it, which `JSON.stringify` writes back unchanged.
 *
 * @example
 * ```ts
 * import { ExactFloat, parseExact } from "./json.ts";
 * const x = parseExact('{"v":1.0}') as { v: ExactFloat };
 * x.v instanceof ExactFloat; // true
 * x.v.value; // 1
 * JSON.stringify(x); // '{"v":1.0}'
 * ```
 */
export class ExactFloat {
  /** The double the literal denotes. */
  readonly value: number;
  /** The literal as written, such as `"1.0"` or `"1E3"`. */
  readonly source: string;

  constructor(value: number, source: string) {
    this.value = value;
    this.source = source;
    Object.freeze(this);
  }

  /** The double, so arithmetic and `Number(x)` see the value. */
  valueOf(): number {
    return this.value;
  }

  /** The literal as written, as raw JSON text. */
  toJSON(): unknown {
    return JSON_SOURCE.rawJSON(this.source);
  }

  /** The double as Clojure prints it (`1.0`, `1.0E21`), which is also how Maelstrom's results
   * spell it where a value becomes a map key. */
  toString(): string {
    return javaDoubleText(this.value);
  }
}

/** Whether `x` is an {@linkcode ExactFloat}.
 *
 * @example
 * ```ts
 * import { isExactFloat, parseExact } from "./json.ts";
 * isExactFloat(parseExact("1.0")); // true
 * isExactFloat(parseExact("1")); // false
 * ```
 */
export function isExactFloat(x: unknown): x is ExactFloat {
  return x instanceof ExactFloat;
}

/** The number a JSON numeric value stands for (`number`, `bigint` or {@linkcode ExactFloat}), as
 * a `number` or `bigint` that compares exactly with `<`; `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { numericValue, parseExact } from "./json.ts";
 * numericValue(parseExact("12345678901234567891")); // 12345678901234567891n
 * numericValue("1"); // undefined
 * ```
 */
export function numericValue(x: unknown): number | bigint | undefined {
  if (typeof x === "number" || typeof x === "bigint") return x;
  if (x instanceof ExactFloat) return x.value;
  return undefined;
}

/** An exact integer as {@linkcode parseExact} represents one: a `number` within ±(2^53 - 1), a
 * `bigint` beyond. Mixed comparisons (`<`, `>=`) between the two are exact in JavaScript; sums
 * need {@linkcode addExact}.
 *
 * @example
 * ```ts
 * import type { ExactInt } from "./json.ts";
 * const offsets: ExactInt[] = [7, 12345678901234567891n];
 * ```
 */
export type ExactInt = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether `x` is an integer as Maelstrom's `s/Int` schema takes one: an integral `number` or a
 * `bigint`. A whole float (`3.0`, an {@linkcode ExactFloat}) is not, as in Clojure.
 *
 * @example
 * ```ts
 * import { isExactInt, parseExact } from "./json.ts";
 * isExactInt(parseExact("12345678901234567891")); // true
 * isExactInt(parseExact("3.0")); // false
 * ```
 */
export function isExactInt(x: unknown): x is ExactInt {
  return (typeof x === "number" && Number.isInteger(x)) || typeof x === "bigint";
}

/** The one representation of an integer: a `number` when it is safe, a `bigint` otherwise. Use it
 * on integers that did not come straight from {@linkcode parseExact} (a bigint computed to a small
 * value, a huge integral `number` from `JSON.parse`), before using them as `Map` keys.
 *
 * @example
 * ```ts
 * import { exactInt } from "./json.ts";
 * exactInt(5n); // 5
 * exactInt(2 ** 60); // 1152921504606846976n
 * ```
 */
export function exactInt(x: ExactInt): ExactInt {
  if (typeof x === "bigint") return x >= -MAX_SAFE && x <= MAX_SAFE ? Number(x) : x;
  return Number.isSafeInteger(x) ? x : BigInt(x);
}

/** The exact sum of two integers, in the representation of {@linkcode exactInt}.
 *
 * @example
 * ```ts
 * import { addExact } from "./json.ts";
 * addExact(Number.MAX_SAFE_INTEGER, 2); // 9007199254740993n
 * addExact(12345678901234567891n, -12345678901234567890n); // 1
 * ```
 */
export function addExact(a: ExactInt, b: ExactInt): ExactInt {
  if (typeof a === "number" && typeof b === "number") {
    // Two safe integers add exactly unless the sum leaves the safe range.
    const sum = a + b;
    if (Number.isSafeInteger(sum) && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
      return sum;
    }
  }
  return exactInt(BigInt(a) + BigInt(b));
}

/** The larger of two integers, compared exactly.
 *
 * @example
 * ```ts
 * import { maxExact } from "./json.ts";
 * maxExact(3, 12345678901234567891n); // 12345678901234567891n
 * ```
 */
export function maxExact(a: ExactInt, b: ExactInt): ExactInt {
  return a >= b ? a : b;
}

/** Exact integer order, for `sort`: negative, zero or positive.
 *
 * @example
 * ```ts
 * import { compareExact } from "./json.ts";
 * [12345678901234567891n, 2, 0].sort(compareExact); // [0, 2, 12345678901234567891n]
 * ```
 */
export function compareExact(a: ExactInt, b: ExactInt): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a line may hold a number that `JSON.parse` would change: an integer of 16 or more digits
 * (2^53 has 16) or a float literal (a digit followed by `.`, `e` or `E`). Text inside strings is
 * skipped, so ids such as `"n0.18czzfb.0"` do not send a line down the slow path.
 *
 * @example
 * ```ts
 * import { mayLoseNumbers } from "./json.ts";
 * mayLoseNumbers('{"id":12345678901234567891}'); // true
 * mayLoseNumbers('{"n":42,"s":"n1"}'); // false
 * ```
 */
export function mayLoseNumbers(text: string): boolean {
  return scanNumbers(text) !== 0;
}

/** Scans JSON text for number literals that `JSON.parse` might change. Returns -1 when it may hold
 * an integer literal of 16 or more digits (2^53 has 16); otherwise how many float literals (a
 * digit followed by `.`, `e` or `E`) it holds. Strings are skipped whole (a backslash escapes the
 * next character), so in valid JSON every float literal is counted once and nothing else is; in
 * text that is not JSON the count may be anything, and `JSON.parse` throws on it anyway. */
function scanNumbers(text: string): number {
  let digits = 0, floats = 0, inFloat = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote. Message text is mostly strings (types, node ids,
      // tags), and digits in them ("n0.18czzfb.0") are not numbers.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      digits = 0;
      inFloat = false;
    } else if (c >= 48 && c <= 57) {
      // Digits of a fraction or exponent do not make an integer literal long.
      if (!inFloat && ++digits >= 16) return -1;
    } else if ((c === 46 || c === 101 || c === 69) && (digits > 0 || inFloat)) {
      if (!inFloat) floats++;
      inFloat = true;
    } else {
      digits = 0;
      inFloat = false;
    }
  }
  return floats;
}

/** How many numbers in a parsed JSON value are finite and not integers. Only a float literal can
 * give one, and a float literal that gives one is a plain `number` for {@linkcode parseExact} as
 * well. */
function countFractions(value: unknown): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "number") {
      if (Number.isFinite(v) && !Number.isInteger(v)) count++;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === "object") {
      for (const k in v) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return count;
}

/** Parses JSON text keeping every number exact (see the module note for the representation).
 * Throws `SyntaxError` for text that is not JSON, as `JSON.parse` does.
 *
 * Three paths give the same value: text with no float literal and no long integer is plain
 * `JSON.parse`; text whose float literals all turn out fractional (`250.94744000000003`, as
 * journal times are) is `JSON.parse` too, checked by counting; the rest pays for a reviver that
 * reads each literal's source.
 *
 * @example
 * ```ts
 * import { parseExact } from "./json.ts";
 * const msg = parseExact('{"id":12345678901234567891,"f":1.0,"n":2}');
 * JSON.stringify(msg); // '{"id":12345678901234567891,"f":1.0,"n":2}'
 * ```
 */
export function parseExact(text: string): unknown {
  const floats = scanNumbers(text);
  if (floats === 0) return JSON.parse(text);
  if (floats > 0) {
    // Every float literal counted that is a real one and parses to a fraction is a plain number
    // either way; if all of them do (the count matches), nothing needs the reviver.
    const value = JSON.parse(text);
    if (countFractions(value) === floats) return value;
  }
  return parseExactWithReviver(text);
}

/** {@linkcode parseExact} by its reference path alone, the reviver that reads every literal's
 * source: for tests that compare the fast paths with it.
 *
 * @example
 * ```ts
 * import { parseExactWithReviver } from "./json.ts";
 * parseExactWithReviver("[1.0, 2.5]"); // [ExactFloat 1.0, 2.5]
 * ```
 */
export function parseExactWithReviver(text: string): unknown {
  return JSON_SOURCE.parse(text, reviveNumber);
}

function reviveNumber(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value !== "number" || context?.source === undefined) return value;
  return exactNumber(value, context.source);
}

/** The representation of one JSON number literal (`source`) whose double is `value`. */
function exactNumber(value: number, source: string): number | bigint | ExactFloat {
  const isFloatLiteral = source.includes(".") || source.includes("e") || source.includes("E");
  if (isFloatLiteral) {
    return Number.isInteger(value) || !Number.isFinite(value)
      ? new ExactFloat(value, source)
      : value;
  }
  return Number.isSafeInteger(value) ? value : BigInt(source);
}

/** Serialises a value as JSON, writing `bigint`s and {@linkcode ExactFloat}s exactly. It is
 * `JSON.stringify` (which this module makes exact for both); the name says the intent at call
 * sites that must not change a digit.
 *
 * @example
 * ```ts
 * import { stringifyExact } from "./json.ts";
 * stringifyExact({ id: 12345678901234567891n }); // '{"id":12345678901234567891}'
 * ```
 */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(value);
}

/** How Java's `Double.toString` (and so Clojure's `str`) spells a double: `1.0`, `-0.0`,
 * `1.0E7`, `1.5E-4`, `Infinity`.
 *
 * @example
 * ```ts
 * import { javaDoubleText } from "./json.ts";
 * javaDoubleText(1); // "1.0"
 * javaDoubleText(1e21); // "1.0E21"
 * ```
 */
export function javaDoubleText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(x);
  // Java switches to computerized scientific notation outside [10^-3, 10^7).
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split("e");
  const m = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith("+") ? exponent.slice(1) : exponent}`;
}

/** Gives `bigint` a `toJSON` that writes its digits as a raw JSON number. Without it
 * `JSON.stringify` throws on any `bigint`, and every writer of history, results, journals and
 * reports would need its own replacer; with it they all stay exact unchanged. It only adds a
 * method the runtime leaves undefined, and never replaces one somebody else installed. */
function installBigIntJson(): void {
  const proto = BigInt.prototype as { toJSON?: () => unknown };
  if (proto.toJSON !== undefined) return;
  Object.defineProperty(BigInt.prototype, "toJSON", {
    value: function (this: bigint): unknown {
      return JSON_SOURCE.rawJSON(this.toString());
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

installBigIntJson();
