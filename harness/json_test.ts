import assert from "node:assert/strict";
import {
  addExact,
  compareExact,
  ExactFloat,
  exactInt,
  isExactFloat,
  isExactInt,
  javaDoubleText,
  maxExact,
  mayLoseNumbers,
  numericValue,
  parseExact,
  parseExactWithReviver,
  stringifyExact,
} from "./json.ts";
import { createRng } from "./rng.ts";

Deno.test("parseExact keeps integers beyond 2^53 exact, as bigint", () => {
  const v = parseExact('{"a":12345678901234567891,"b":12345678901234567892}') as Record<
    string,
    unknown
  >;
  assert.equal(v.a, 12345678901234567891n);
  assert.equal(v.b, 12345678901234567892n);
  assert.notEqual(v.a, v.b);
  // The bug this module exists for: plain JSON.parse makes the two ids equal.
  const lossy = JSON.parse('{"a":12345678901234567891,"b":12345678901234567892}');
  assert.equal(lossy.a, lossy.b);
});

Deno.test("parseExact keeps safe integers as numbers, with one representation each", () => {
  assert.equal(parseExact("9007199254740991"), 9007199254740991);
  assert.equal(parseExact("9007199254740992"), 9007199254740992n);
  assert.equal(parseExact("-9007199254740993"), -9007199254740993n);
  assert.deepEqual(parseExact('[1,22,333,"x"]'), [1, 22, 333, "x"]);
});

Deno.test("parseExact tags integral floats and keeps other floats as numbers", () => {
  const v = parseExact("[1.0,1E3,-0.0,1.5,2.50e1,1e999]") as unknown[];
  assert.ok(isExactFloat(v[0]));
  assert.equal((v[0] as ExactFloat).value, 1);
  assert.equal((v[1] as ExactFloat).source, "1E3");
  assert.ok(Object.is((v[2] as ExactFloat).value, -0));
  assert.equal(v[3], 1.5);
  assert.equal((v[4] as ExactFloat).value, 25);
  assert.equal((v[5] as ExactFloat).value, Infinity);
  assert.equal(stringifyExact(v), "[1.0,1E3,-0.0,1.5,2.50e1,1e999]");
});

Deno.test("a message with a 20-digit integer and 1.0 survives a round trip byte for byte", () => {
  const line =
    '{"id":7,"src":"n0","dest":"n1","body":{"type":"gossip","big":12345678901234567891,' +
    '"f":1.0,"xs":[-98765432109876543210,0.5,3],"s":"1.0 and 12345678901234567891"}}';
  assert.equal(stringifyExact(parseExact(line)), line);
  assert.equal(JSON.stringify(parseExact(line)), line);
  assert.notEqual(JSON.stringify(JSON.parse(line)), line);
});

Deno.test("mayLoseNumbers is conservative: every risky number takes the exact path", () => {
  assert.equal(mayLoseNumbers('{"n":123456789012345}'), false);
  assert.equal(mayLoseNumbers('{"n":1234567890123456}'), true);
  assert.equal(mayLoseNumbers('{"n":1.5}'), true);
  assert.equal(mayLoseNumbers('{"n":3e2}'), true);
  assert.equal(mayLoseNumbers('{"n":3E2}'), true);
  assert.equal(mayLoseNumbers('{"src":"n1","dest":"n2","body":{"type":"e","msg_id":3}}'), false);
  // Digits inside strings are not numbers: a tag such as "n0.18czzfb.0" (kafka's chunk tags) or a
  // long numeric string must not send a line down the slow path; escapes do not end a string.
  assert.equal(mayLoseNumbers('{"tags":["n0.18czzfb.0"],"s":"12345678901234567890"}'), false);
  assert.equal(mayLoseNumbers('{"s":"a\\"1.5","t":"\\\\","n":2}'), false);
  assert.equal(mayLoseNumbers('{"s":"\\\\","n":2.5}'), true);
  // Whatever the scan says, parsing stays correct on plain lines.
  assert.deepEqual(parseExact('{"n":42,"s":"abc"}'), { n: 42, s: "abc" });
});

Deno.test("parseExact throws SyntaxError on text that is not JSON", () => {
  assert.throws(() => parseExact("{nope"), SyntaxError);
  assert.throws(() => parseExact("[1.0,"), SyntaxError);
});

Deno.test("numericValue compares bigints, floats and numbers exactly", () => {
  assert.equal(numericValue(parseExact("1.0")), 1);
  assert.equal(numericValue(12345678901234567891n), 12345678901234567891n);
  assert.equal(numericValue("1"), undefined);
  const a = numericValue(parseExact("9007199254740993"))!;
  assert.ok(a > 9007199254740992);
});

Deno.test("javaDoubleText spells doubles as Clojure's str does", () => {
  assert.equal(javaDoubleText(1), "1.0");
  assert.equal(javaDoubleText(-0), "-0.0");
  assert.equal(javaDoubleText(1234567), "1234567.0");
  assert.equal(javaDoubleText(1e7), "1.0E7");
  assert.equal(javaDoubleText(1.25e21), "1.25E21");
  assert.equal(javaDoubleText(Infinity), "Infinity");
  assert.equal(String(new ExactFloat(1e3, "1e3")), "1000.0");
});

Deno.test("stringifyExact writes bigints nested anywhere", () => {
  assert.equal(
    stringifyExact({ id: 12345678901234567891n, xs: [1n, { y: -2n }] }),
    '{"id":12345678901234567891,"xs":[1,{"y":-2}]}',
  );
});

Deno.test("exact integers: one representation, exact sums across 2^53, exact order", () => {
  assert.equal(exactInt(5n), 5);
  assert.equal(exactInt(-9007199254740991n), -9007199254740991);
  assert.equal(exactInt(9007199254740992n), 9007199254740992n);
  assert.equal(exactInt(2 ** 60), 1152921504606846976n);
  assert.equal(addExact(Number.MAX_SAFE_INTEGER, 1), 9007199254740992n);
  assert.equal(addExact(Number.MAX_SAFE_INTEGER, 2), 9007199254740993n);
  assert.equal(addExact(9007199254740993n, -2), Number.MAX_SAFE_INTEGER);
  assert.equal(addExact(-Number.MAX_SAFE_INTEGER, -2), -9007199254740993n);
  assert.equal(addExact(2, 3), 5);
  assert.equal(maxExact(9007199254740993n, 9007199254740992), 9007199254740993n);
  assert.deepEqual([9007199254740993n, 9007199254740992, -1].sort(compareExact), [
    -1,
    9007199254740992,
    9007199254740993n,
  ]);
  assert.ok(isExactInt(12345678901234567891n) && isExactInt(3) && !isExactInt(3.5));
  assert.ok(!isExactInt(parseExact("3.0")) && !isExactInt("3"));
});

Deno.test("parseExact's fast paths give exactly what the reviver gives, on random number soup", () => {
  const rng = createRng(42);
  const literals = [
    () => String(rng.int(-1000, 1000)),
    () => String(rng.int(0, 2 ** 31) * 2 ** 22 + rng.int(0, 2 ** 22)), // up to 2^53 and past
    () => `${rng.int(0, 10 ** 6)}.${rng.int(0, 10 ** 6)}`, // x.0 is integral
    () => `${rng.int(0, 10 ** 9)}.${String(rng.int(1, 10 ** 9)).padStart(12, "0")}`,
    () => `${rng.int(0, 100)}.0`,
    () => `-${rng.int(0, 3)}.0`, // -0.0 too
    () => `${rng.int(1, 9)}e${rng.int(-3, 25)}`,
    () => `${rng.int(1, 9)}.${rng.int(0, 99)}E+${rng.int(0, 3)}`,
    () => `1e${rng.pick([308, 309, 999])}`, // finite, and infinite
    () => `${(rng.next() * 1000).toString()}`, // a double's shortest text, as journal times are
    () => `1.00000000000000001`, // a fraction too small for a double: 1
    () => `"v${rng.int(0, 9)}.${rng.int(0, 9)}e"`, // float-looking text inside a string
    () => `"${rng.int(0, 10 ** 9)}${rng.int(0, 10 ** 9)}"`, // long digits inside a string
    () => `"a\\"${rng.int(0, 9)}.5\\\\"`, // escaped quote and backslash, a float-like inside
    () => rng.pick(["true", "false", "null", '"x"']),
  ];
  const value = (depth: number): string => {
    const r = rng.next();
    if (depth < 3 && r < 0.2) {
      return `[${Array.from({ length: rng.int(0, 4) }, () => value(depth + 1)).join(",")}]`;
    }
    if (depth < 3 && r < 0.4) {
      const n = rng.int(0, 4);
      return `{${Array.from({ length: n }, (_, i) => `"k${i}":${value(depth + 1)}`).join(",")}}`;
    }
    return rng.pick(literals)();
  };
  let fractionalOnly = 0;
  for (let i = 0; i < 5000; i++) {
    const text = value(0);
    const exact = parseExactWithReviver(text);
    assert.deepEqual(parseExact(text), exact, text);
    assert.equal(JSON.stringify(parseExact(text)), JSON.stringify(exact), text);
    if (mayLoseNumbers(text) && !/\d{16}/.test(text)) fractionalOnly++;
  }
  assert.ok(fractionalOnly > 500);
});

Deno.test("a journal line whose only floats are fractional times parses as JSON.parse does", () => {
  const line = '{"id":7,"src":"n0","dest":"n1","body":{"type":"hop","n":3},' +
    '"sentMs":250.94744000000003,"recvMs":252.138936}';
  assert.deepEqual(parseExact(line), JSON.parse(line));
  const whole = line.replace("252.138936", "252.0");
  assert.ok(isExactFloat((parseExact(whole) as { recvMs: unknown }).recvMs));
});
