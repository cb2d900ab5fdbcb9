import assert from "node:assert/strict";
import type { BeyondMaelstrom, Op, OpType } from "../types.ts";
import {
  checkSetFull,
  type FinalReadMissing,
  type LostDetail,
  type UnexpectedDetail,
} from "./set_full.ts";

/** Builds a history; times are given in milliseconds and stored in nanoseconds. */
class History {
  ops: Op[] = [];
  invoke(process: number, f: string, value: unknown, ms: number, node = `n${process % 5}`): Op {
    return this.#push({ type: "invoke", process, f, value, time: ms * 1e6, node });
  }
  complete(inv: Op, type: Exclude<OpType, "invoke">, ms: number, value = inv.value): Op {
    return this.#push({ ...inv, type, value, time: ms * 1e6 });
  }
  #push(op: Omit<Op, "index">): Op {
    const full = { ...op, index: this.ops.length } as Op;
    this.ops.push(full);
    return full;
  }
}

const broadcastOpts = { addF: "broadcast" };
const strictOpts = { addF: "broadcast", strict: true };

/** The findings of one anomaly under a result's "beyond-maelstrom". */
function findings(res: Record<string, unknown>, anomaly: string): BeyondMaelstrom[] {
  return (res["beyond-maelstrom"] as BeyondMaelstrom[]).filter((f) => f.anomaly === anomaly);
}

Deno.test("a history where every broadcast is read afterwards is valid", () => {
  const h = new History();
  for (let v = 0; v < 3; v++) {
    const b = h.invoke(0, "broadcast", v, v * 10);
    h.complete(b, "ok", v * 10 + 1);
  }
  const r1 = h.invoke(1, "read", null, 40);
  h.complete(r1, "ok", 41, [0, 1, 2]);
  const r2 = h.invoke(2, "read", null, 50, "n2");
  h.complete(r2, "ok", 51, [2, 1, 0]);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], true);
  assert.equal(res["attempt-count"], 3);
  assert.equal(res["stable-count"], 3);
  assert.equal(res["lost-count"], 0);
  assert.deepEqual(res.lost, []);
  assert.equal(res["never-read-count"], 0);
  assert.equal(res["stale-count"], 0);
  assert.deepEqual(res["stable-latencies"], { 0: 0, 0.5: 0, 0.95: 0, 0.99: 0, 1: 0 });
  assert.equal(res["lost-latencies"], undefined);
  assert.equal(res["duplicated-count"], 0);
  assert.deepEqual(res.duplicated, {});
  assert.equal(res["unexpected-count"], 0);
  assert.equal(res.explanation, undefined);
});

Deno.test("a value seen and then missed by a later read is lost, naming the node", () => {
  const h = new History();
  const b = h.invoke(0, "broadcast", 7, 0, "n0");
  const bOk = h.complete(b, "ok", 1);
  const seen = h.invoke(1, "read", null, 10, "n1");
  h.complete(seen, "ok", 11, [7]);
  const missed = h.invoke(2, "read", null, 20, "n2");
  h.complete(missed, "ok", 21, []);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], false);
  assert.equal(res["lost-count"], 1);
  assert.deepEqual(res.lost, [7]);
  // Lost latency: last-present invocation (10 ms) + 1 ns − known (1 ms), truncated to 9 ms.
  assert.deepEqual(res["lost-latencies"], { 0: 9, 0.5: 9, 0.95: 9, 0.99: 9, 1: 9 });
  const [detail] = res["lost-details"] as LostDetail[];
  assert.equal(detail.element, 7);
  assert.equal(detail.node, "n2");
  assert.deepEqual(detail.add, b);
  assert.deepEqual(detail["add-completion"], bOk);
  assert.equal(detail["known-index"], bOk.index);
  assert.deepEqual(detail["last-present"], seen);
  assert.deepEqual(detail["last-absent"], missed);
  assert.match(detail.explanation, /broadcast op 0 on n0/);
  assert.match(detail.explanation, /op 4 on n2/);
  assert.match(String(res.explanation), /lost/);
});

Deno.test("a value known only from a read and then missed is lost too", () => {
  const h = new History();
  const b = h.invoke(0, "broadcast", 1, 0);
  h.complete(b, "info", 5000);
  const r1 = h.invoke(1, "read", null, 10);
  h.complete(r1, "ok", 11, [1]);
  const r2 = h.invoke(1, "read", null, 20, "n3");
  h.complete(r2, "ok", 21, null);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.deepEqual(res.lost, [1]);
  const [detail] = res["lost-details"] as LostDetail[];
  assert.equal(detail["known-index"], 3);
  assert.match(detail.explanation, /first seen by read op 3/);
});

Deno.test("a read that began before the broadcast was acknowledged does not make it lost", () => {
  const h = new History();
  const r = h.invoke(1, "read", null, 0);
  const b = h.invoke(0, "broadcast", 3, 1);
  h.complete(b, "ok", 2);
  h.complete(r, "ok", 3, []);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.deepEqual(res.lost, []);
  assert.deepEqual(res["never-read"], [3]);
  assert.equal(res["valid?"], "unknown");
  assert.match(String(res.explanation), /No value was ever stably present/);
});

Deno.test("unacknowledged values nobody read are never-read, and do not spoil validity", () => {
  const h = new History();
  const a = h.invoke(0, "broadcast", 0, 0);
  h.complete(a, "ok", 1);
  const b = h.invoke(1, "broadcast", 1, 2);
  h.complete(b, "info", 5002);
  const r = h.invoke(0, "read", null, 6000);
  h.complete(r, "ok", 6001, [0]);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], true);
  assert.deepEqual(res["never-read"], [1]);
  assert.equal(res["never-read-count"], 1);
  assert.equal(res["stable-count"], 1);
});

Deno.test("reads that completed before a broadcast's invocation do not count for it", () => {
  const h = new History();
  const r = h.invoke(1, "read", null, 0);
  h.complete(r, "ok", 1, []);
  const b = h.invoke(0, "broadcast", 5, 2);
  h.complete(b, "ok", 3);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.deepEqual(res["never-read"], [5]);
  assert.deepEqual(res.lost, []);
});

Deno.test("a value missed once and then seen is stable but stale, with its latency", () => {
  const h = new History();
  const b = h.invoke(0, "broadcast", 9, 0);
  const bOk = h.complete(b, "ok", 10);
  const miss = h.invoke(1, "read", null, 25);
  h.complete(miss, "ok", 26, []);
  const see = h.invoke(2, "read", null, 30);
  h.complete(see, "ok", 31, [9]);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], true);
  assert.deepEqual(res.stale, [9]);
  assert.equal(res["stale-count"], 1);
  // Stable latency: last-absent invocation (25 ms) + 1 ns − known (10 ms) = 15 ms.
  assert.deepEqual(res["worst-stale"], [{
    element: 9,
    outcome: "stable",
    "stable-latency": 15,
    "lost-latency": null,
    known: bOk,
    "last-absent": miss,
  }]);
});

Deno.test("latency quantiles use sorted[min(n - 1, floor(n * q))] and worst-stale keeps 8", () => {
  const h = new History();
  const acks: Op[] = [];
  for (let v = 0; v < 10; v++) {
    const b = h.invoke(0, "broadcast", v, 0);
    acks.push(h.complete(b, "ok", 0));
  }
  // Value v is missed by a read invoked at v ms, then everything is seen at 100 ms.
  for (let v = 0; v < 10; v++) {
    const r = h.invoke(1, "read", null, v);
    h.complete(r, "ok", v, Array.from({ length: 10 }, (_, i) => i).filter((x) => x !== v));
  }
  const last = h.invoke(1, "read", null, 100);
  h.complete(last, "ok", 100, Array.from({ length: 10 }, (_, i) => i));
  const res = checkSetFull(h.ops, broadcastOpts);
  // Latencies 0..9 ms (the +1 ns truncates away): quantiles pick indices 0, 5, 9, 9, 9.
  assert.deepEqual(res["stable-latencies"], { 0: 0, 0.5: 5, 0.95: 9, 0.99: 9, 1: 9 });
  assert.equal(res["stale-count"], 9);
  const worst = res["worst-stale"] as { element: number }[];
  assert.deepEqual(worst.map((w) => w.element), [9, 8, 7, 6, 5, 4, 3, 2]);
});

Deno.test("values never broadcast are a finding, invalid only under --strict", () => {
  const h = new History();
  const b = h.invoke(0, "broadcast", 0, 0);
  h.complete(b, "ok", 1);
  const r = h.invoke(3, "read", null, 2, "n3");
  const rOk = h.complete(r, "ok", 3, [0, 42, "x", 42]);
  // Maelstrom's verdict: Jepsen's set-full ignores values nobody added.
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], true);
  assert.equal(res.explanation, undefined);
  assert.equal(res["unexpected-count"], 2);
  // A number and a string cannot be ordered, so the list falls back to JSON-text order.
  assert.deepEqual(res.unexpected, ["x", 42]);
  const [f] = findings(res, "unexpected-values");
  assert.deepEqual(f.values, ["x", 42]);
  assert.deepEqual(f.ops, [rOk.index]);
  assert.match(f.message, /^Reads returned 2 value\(s\) that no broadcast op carried: "x", 42;/);
  assert.match(f.message, /from read op 3 on n3\./);
  const details = f.details as UnexpectedDetail[];
  assert.deepEqual(details.map((d) => d.element), ["x", 42]);
  assert.deepEqual(details[1], {
    element: 42,
    "read-index": r.index,
    "read-completion-index": rOk.index,
    node: "n3",
  });
  assert.equal(res["lost-count"], 0);

  const strict = checkSetFull(h.ops, strictOpts);
  assert.equal(strict["valid?"], false);
  assert.match(String(strict.explanation), /Under --strict.*"unexpected-values"/);
});

Deno.test("g-set mode: adds are `add`, and unexpected values are reported without failing", () => {
  const h = new History();
  const a = h.invoke(0, "add", 0, 0);
  h.complete(a, "ok", 1);
  const r = h.invoke(1, "read", null, 2);
  h.complete(r, "ok", 3, [0, 99]);
  const res = checkSetFull(h.ops, { addF: "add" });
  assert.equal(res["valid?"], true);
  assert.deepEqual(res.unexpected, [99]);
  assert.match(findings(res, "unexpected-values")[0].message, /no add op carried: 99/);
  // Broadcast ops are not adds here.
  const other = checkSetFull(h.ops, { addF: "broadcast" });
  assert.equal(other["attempt-count"], 0);
});

Deno.test("a final read missing an acknowledged value is a finding naming node and values", () => {
  const h = new History();
  for (let v = 0; v < 3; v++) h.complete(h.invoke(0, "broadcast", v, v), "ok", v + 0.5);
  // Final reads: n1 and n2 never got 1 and 2, but n3's read, invoked last, has everything. Jepsen's
  // set-full judges each value by the last-invoked read, so it calls every value stable.
  const r1 = h.invoke(1, "read", null, 10, "n1");
  const r2 = h.invoke(2, "read", null, 10.1, "n2");
  const r3 = h.invoke(3, "read", null, 10.2, "n3");
  const d1 = h.complete(r1, "ok", 11, [0]);
  const d2 = h.complete(r2, "ok", 11.1, [0, 2]);
  h.complete(r3, "ok", 11.2, [0, 1, 2]);
  for (const op of h.ops.slice(-6)) op.final = true;

  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], true);
  assert.equal(res["stable-count"], 3);
  assert.equal(res["lost-count"], 0);
  const found = findings(res, "final-read-missing-values") as FinalReadMissing[];
  assert.deepEqual(found.map((f) => [f.node, f.missing, f["missing-count"], f.ops]), [
    ["n1", [1, 2], 2, [d1.index]],
    ["n2", [1], 1, [d2.index]],
  ]);
  assert.match(
    found[0].message,
    new RegExp(
      `^The final read \\(op ${d1.index}\\) of node "n1" lacked 2 acknowledged ` +
        `broadcast value\\(s\\): 1, 2\\.`,
    ),
  );

  const strict = checkSetFull(h.ops, strictOpts);
  assert.equal(strict["valid?"], false);
  assert.match(String(strict.explanation), /"final-read-missing-values"/);
});

Deno.test("final reads need only acknowledged values, and non-final reads are not checked", () => {
  const h = new History();
  h.complete(h.invoke(0, "broadcast", 0, 0), "ok", 1);
  // Value 1's broadcast timed out: it need not be anywhere.
  h.complete(h.invoke(0, "broadcast", 1, 2), "info", 3);
  // A main-phase read that misses 0 is set-full's business, not a final read's.
  h.complete(h.invoke(1, "read", null, 0.5), "ok", 0.6, []);
  const f = h.invoke(2, "read", null, 10, "n2");
  f.final = true;
  h.complete(f, "ok", 11, [0]);
  const res = checkSetFull(h.ops, strictOpts);
  assert.equal(res["valid?"], true);
  assert.deepEqual(res["beyond-maelstrom"], []);
});

Deno.test("failed reads and nemesis ops are ignored", () => {
  const h = new History();
  const b = h.invoke(0, "broadcast", 0, 0);
  h.complete(b, "ok", 1);
  const bad = h.invoke(1, "read", null, 2);
  h.complete(bad, "fail", 3);
  const good = h.invoke(2, "read", null, 4);
  h.complete(good, "ok", 5, [0]);
  const ops: Op[] = [
    ...h.ops,
    { index: 6, time: 6, type: "info", process: "nemesis", f: "read", value: [] },
  ];
  assert.equal(checkSetFull(ops, broadcastOpts)["valid?"], true);
});

Deno.test("a read value that is not an array makes the result unknown", () => {
  const h = new History();
  const r = h.invoke(1, "read", null, 0);
  h.complete(r, "ok", 1, 5);
  const res = checkSetFull(h.ops, broadcastOpts);
  assert.equal(res["valid?"], "unknown");
  assert.match(String(res.error), /Read op 1 returned 5/);
});

Deno.test("a custom read-value accessor is used", () => {
  const h = new History();
  const b = h.invoke(0, "broadcast", 0, 0);
  h.complete(b, "ok", 1);
  const r = h.invoke(1, "read", null, 2);
  h.complete(r, "ok", 3, { messages: [0] });
  const res = checkSetFull(h.ops, {
    addF: "broadcast",
    readValue: (op) => (op.value as { messages: unknown[] }).messages,
  });
  assert.equal(res["stable-count"], 1);
});
