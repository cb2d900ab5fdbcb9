import assert from "node:assert/strict";
import { formatTable, headline, type HistoryOp, opLatenciesMs, quantile } from "./figures.ts";

const ms = 1e6;

Deno.test("quantile: Jepsen's nearest rank, rounded down", () => {
  assert.ok(Number.isNaN(quantile([], 0.5)));
  assert.equal(quantile([7], 0), 7);
  assert.equal(quantile([7], 0.99), 7);
  assert.equal(quantile([1, 2, 3, 4], 0), 1);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 3, "the upper middle value of an even count");
  assert.equal(quantile([1, 2, 3], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4], 1), 4, "q = 1 is the maximum, not one past it");
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(hundred, 0.95), 96);
  assert.equal(quantile(hundred, 0.99), 100);
  assert.equal(quantile(hundred.slice(0, 99), 0.99), 99);
});

Deno.test("opLatenciesMs pairs each completion with its process's invocation", () => {
  const history: HistoryOp[] = [
    { type: "invoke", process: 0, f: "send", time: 0 },
    { type: "invoke", process: 1, f: "poll", time: 1 * ms },
    { type: "info", process: "nemesis", f: "start-partition", time: 2 * ms },
    { type: "ok", process: 1, f: "poll", time: 4 * ms },
    { type: "ok", process: 0, f: "send", time: 10 * ms },
    { type: "invoke", process: 0, f: "send", time: 11 * ms },
    { type: "info", process: 0, f: "send", time: 13 * ms },
    // A completion with no open invocation (the history was cut) is not a latency.
    { type: "ok", process: 2, f: "poll", time: 14 * ms },
    // An invocation that never completes is not one either.
    { type: "invoke", process: 1, f: "poll", time: 15 * ms },
  ];
  assert.deepEqual(opLatenciesMs(history), [2, 3, 10]);
  assert.deepEqual(opLatenciesMs(history, { type: "ok" }), [3, 10]);
  assert.deepEqual(opLatenciesMs(history, { f: "send" }), [2, 10]);
  assert.deepEqual(opLatenciesMs(history, { f: "send", type: "ok" }), [10]);
  assert.deepEqual(opLatenciesMs(history, { f: "send", type: "info" }), [2]);
  assert.deepEqual(opLatenciesMs(history, { f: "txn" }), []);
  assert.deepEqual(opLatenciesMs([]), []);
});

Deno.test("formatTable pads every column to its widest cell", () => {
  const table = formatTable(["part", "msgs/op", "valid"], [["3d", "2.16", "true"], [
    "3e",
    "0.77",
    "false (misses target)",
  ]]);
  assert.equal(
    table,
    [
      "part  msgs/op  valid",
      "----  -------  ---------------------",
      "3d    2.16     true",
      "3e    0.77     false (misses target)",
    ].join("\n"),
  );
  assert.equal(formatTable(["a", "b"], []), "a  b\n-  -");
});

Deno.test("headline reads the verdict, op count and messages per op under Maelstrom's keys", () => {
  const results = {
    "valid?": "unknown",
    stats: { count: 2026 },
    net: {
      all: { "msg-count": 4578, "msgs-per-op": 2.26 },
      servers: { "msg-count": 522, "msgs-per-op": 0.26 },
    },
    workload: { "final-reads": [1380] },
  };
  assert.deepEqual(headline(results), {
    valid: "unknown",
    ops: 2026,
    allMsgsPerOp: 2.26,
    serversMsgsPerOp: 0.26,
  });
});
