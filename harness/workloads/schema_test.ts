import assert from "node:assert/strict";
import { MalformedReply } from "../types.ts";
import {
  compareJson,
  expectReply,
  IncomparableValues,
  jsonEqual,
  jsonKey,
  optional,
  sortJson,
} from "./schema.ts";

function malformed(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MalformedReply, `expected MalformedReply, got ${err}`);
    return err.message;
  }
  assert.fail("expected the reply to be rejected");
}

Deno.test("a reply with exactly the listed keys passes and is returned typed", () => {
  const reply = expectReply({ type: "read_ok", in_reply_to: 2, msg_id: 9, value: 5 }, "read_ok", {
    value: "int",
  });
  const v: number | bigint = reply.value;
  assert.equal(v, 5);
});

Deno.test("in_reply_to is required and msg_id optional, both integers", () => {
  assert.match(
    malformed(() => expectReply({ type: "a_ok" }, "a_ok", {})),
    /"in_reply_to" is missing/,
  );
  assert.match(
    malformed(() => expectReply({ type: "a_ok", in_reply_to: 1.5 }, "a_ok", {})),
    /"in_reply_to" should be an integer but is 1\.5/,
  );
  assert.match(
    malformed(() => expectReply({ type: "a_ok", in_reply_to: 1, msg_id: "x" }, "a_ok", {})),
    /"msg_id" should be an integer/,
  );
  expectReply({ type: "a_ok", in_reply_to: 1 }, "a_ok", {});
});

Deno.test("a missing key, an extra key and a wrong type are each named", () => {
  const msg = malformed(() =>
    expectReply({ type: "echo_ok", in_reply_to: 1, extra: true }, "echo_ok", { echo: "any" })
  );
  assert.match(msg, /^Malformed RPC response: /);
  assert.match(msg, /key "echo" is missing/);
  assert.match(msg, /key "extra" is not allowed/);
  assert.match(msg, /\{"type":"echo_ok","in_reply_to":1,"extra":true\}/);
  assert.match(
    malformed(() =>
      expectReply({ type: "read_ok", in_reply_to: 1, value: "7" }, "read_ok", {
        value: "int",
      })
    ),
    /key "value" should be an integer but is "7"/,
  );
});

Deno.test("the type must match exactly", () => {
  assert.match(
    malformed(() =>
      expectReply({ type: "echo", in_reply_to: 1, echo: 1 }, "echo_ok", { echo: "any" })
    ),
    /key "type" should be "echo_ok" but is "echo"/,
  );
});

Deno.test("field kinds: any admits null, array admits null, object rejects arrays", () => {
  expectReply({ type: "t", in_reply_to: 1, x: null }, "t", { x: "any" });
  expectReply({ type: "t", in_reply_to: 1, x: null }, "t", { x: "array" });
  expectReply({ type: "t", in_reply_to: 1, x: [1] }, "t", { x: "array" });
  expectReply({ type: "t", in_reply_to: 1, x: "s" }, "t", { x: "string" });
  expectReply({ type: "t", in_reply_to: 1, x: { a: 1 } }, "t", { x: "object" });
  assert.match(
    malformed(() => expectReply({ type: "t", in_reply_to: 1, x: [] }, "t", { x: "object" })),
    /"x" should be a JSON object but is \[\]/,
  );
  assert.match(
    malformed(() => expectReply({ type: "t", in_reply_to: 1, x: {} }, "t", { x: "array" })),
    /"x" should be an array or null/,
  );
  assert.match(
    malformed(() => expectReply({ type: "t", in_reply_to: 1, x: null }, "t", { x: "string" })),
    /"x" should be a string but is null/,
  );
});

Deno.test("predicates, named predicates and optional keys", () => {
  const even = (v: unknown) => typeof v === "number" && v % 2 === 0;
  expectReply({ type: "t", in_reply_to: 1, x: 2 }, "t", { x: even });
  assert.match(
    malformed(() => expectReply({ type: "t", in_reply_to: 1, x: 3 }, "t", { x: even })),
    /"x" should be accepted by even but is 3/,
  );
  const pairs = {
    describe: "a list of [offset, message] pairs",
    test: (v: unknown): v is [number, unknown][] =>
      Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2),
  };
  expectReply({ type: "t", in_reply_to: 1, x: [[1, "a"]] }, "t", { x: pairs });
  assert.match(
    malformed(() => expectReply({ type: "t", in_reply_to: 1, x: [1] }, "t", { x: pairs })),
    /"x" should be a list of \[offset, message\] pairs but is \[1\]/,
  );
  expectReply({ type: "t", in_reply_to: 1 }, "t", { x: optional("int") });
  assert.match(
    malformed(() =>
      expectReply({ type: "t", in_reply_to: 1, x: "a" }, "t", { x: optional("int") })
    ),
    /"x" should be an integer/,
  );
});

Deno.test("a whole float passes as an integer: JSON.parse erases the difference", () => {
  const reply = JSON.parse('{"type":"read_ok","in_reply_to":1,"value":3.0}');
  assert.equal(expectReply(reply, "read_ok", { value: "int" }).value, 3);
});

Deno.test("long replies are cut in the message", () => {
  const messages = Array.from({ length: 5000 }, (_, i) => i);
  const msg = malformed(() =>
    expectReply({ type: "read_ok", in_reply_to: 1, messages, x: 1 }, "read_ok", {
      messages: "array",
    })
  );
  assert.ok(msg.length < 700, `message is ${msg.length} characters`);
  assert.match(msg, /\.\.\.$/);
});

Deno.test("jsonKey of an array of numbers and strings is the element keys joined, as before its fast path", () => {
  const scalars = [
    0,
    -0,
    1,
    -17,
    2.5,
    1e21,
    1e-7,
    2 ** 53 - 1,
    "",
    "a",
    'q"uote',
    "back\\slash",
    "tab\t",
    "é",
    "\u2028",
    "n0.18czzfb.0",
  ];
  for (let i = 0; i < 200; i++) {
    const arr = Array.from({ length: i % 7 }, (_, j) => scalars[(i * 7 + j * 3) % scalars.length]);
    assert.equal(jsonKey(arr), `[${arr.map((x) => jsonKey(x)).join(",")}]`, JSON.stringify(arr));
  }
  // Mixed arrays still take the element-wise path: bigints, exact floats, objects.
  assert.equal(jsonKey([1, 12345678901234567891n]), "[1,12345678901234567891]");
  assert.equal(jsonKey([{ b: 1, a: 2 }, "x"]), '[{"a":2,"b":1},"x"]');
});

Deno.test("jsonKey and jsonEqual follow value equality", () => {
  assert.equal(
    jsonKey({ b: [1, { d: 2, c: 3 }], a: null }),
    jsonKey({ a: null, b: [1, { c: 3, d: 2 }] }),
  );
  assert.notEqual(jsonKey(1), jsonKey("1"));
  assert.notEqual(jsonKey([1, 2]), jsonKey([2, 1]));
  assert.ok(jsonEqual({ x: [1] }, { x: [1] }));
  assert.ok(!jsonEqual(null, 0));
});

Deno.test("compareJson orders like Clojure's compare and throws across kinds", () => {
  assert.deepEqual([3, -1, 2].sort(compareJson), [-1, 2, 3]);
  assert.deepEqual(["b", "a", "aa"].sort(compareJson), ["a", "aa", "b"]);
  assert.deepEqual([[2, 0], [1], [1, 5]].sort(compareJson), [[1], [1, 5], [2, 0]]);
  assert.equal(compareJson(null, 5), -1);
  assert.equal(compareJson(false, true), -1);
  assert.throws(() => compareJson(1, "1"), IncomparableValues);
  assert.throws(() => compareJson({ a: 1 }, { a: 1 }), IncomparableValues);
  const same = { a: 1 };
  assert.equal(compareJson(same, same), 0);
  // Mixed kinds fall back to the order of their JSON text, just to be deterministic.
  assert.deepEqual(sortJson([2, "a", 1]), ["a", 1, 2]);
  assert.deepEqual(sortJson([10, 2, 1]), [1, 2, 10]);
});
