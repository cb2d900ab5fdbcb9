import assert from "node:assert/strict";
import type { Op } from "../types.ts";
import { checkEcho, type EchoErrorDetail } from "./echo.ts";

function pair(index: number, process: number, sent: string, complete: Partial<Op>): Op[] {
  const invoke: Op = {
    index,
    time: index,
    type: "invoke",
    process,
    f: "echo",
    value: sent,
    node: `n${process}`,
  };
  return [invoke, { ...invoke, index: index + 1, time: index + 1, type: "ok", ...complete } as Op];
}

const body = (echo: unknown) => ({ type: "echo_ok", echo, in_reply_to: 1, msg_id: 1 });

Deno.test("echoes that come back intact are valid", () => {
  const h = [
    ...pair(0, 0, "Please echo 1", { value: body("Please echo 1") }),
    ...pair(2, 1, "Please echo 2", { value: body("Please echo 2") }),
  ];
  assert.deepEqual(checkEcho(h), { "valid?": true, errors: [], "error-details": [] });
});

Deno.test("a wrong echo is an error with the sent and received values and the op", () => {
  const h = pair(0, 1, "Please echo 5", { value: body("Please echo 6") });
  const r = checkEcho(h);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.errors, [[
    "Expected a message with :echo",
    "Please echo 5",
    "But received",
    body("Please echo 6"),
  ]]);
  const [d] = r["error-details"] as EchoErrorDetail[];
  assert.equal(d.sent, "Please echo 5");
  assert.deepEqual(d.received, body("Please echo 6"));
  assert.deepEqual(d.invoke, h[0]);
  assert.deepEqual(d.complete, h[1]);
  assert.equal(d.node, "n1");
  assert.match(d.explanation, /Op 0 sent "Please echo 5" to n1 but the reply \(op 1\) was/);
});

Deno.test("failed and indeterminate echoes count as errors, as in Maelstrom", () => {
  const h = [
    ...pair(0, 0, "Please echo 1", { type: "fail", value: "Please echo 1", error: "net-timeout" }),
    ...pair(2, 1, "Please echo 2", { type: "info", value: "Please echo 2" }),
  ];
  const r = checkEcho(h);
  assert.equal(r["valid?"], false);
  assert.deepEqual((r.errors as unknown[][]).map((e) => e[3]), ["Please echo 1", "Please echo 2"]);
  const [d] = r["error-details"] as EchoErrorDetail[];
  assert.match(d.explanation, /completed as fail/);
});

Deno.test("an invocation that never completed is an error; nemesis ops are ignored", () => {
  const h: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "echo", value: "Please echo 3" },
    { index: 1, time: 1, type: "info", process: "nemesis", f: "start-partition", value: null },
  ];
  const r = checkEcho(h);
  assert.equal((r.errors as unknown[]).length, 1);
  assert.match((r["error-details"] as EchoErrorDetail[])[0].explanation, /never completed/);
});
