import assert from "node:assert/strict";
import type { BeyondMaelstrom, Op, OpType } from "../types.ts";
import { checkCounter, type CounterErrorDetail, RangeSet } from "./counter.ts";
import { createRng } from "../rng.ts";
import { counterInfoHistory } from "./testing_histories.ts";
import { parseExact } from "../json.ts";

class History {
  ops: Op[] = [];
  op(process: number, type: OpType, f: string, value: unknown, extra: Partial<Op> = {}): Op {
    const op = {
      index: this.ops.length,
      time: this.ops.length * 1e6,
      type,
      process,
      f,
      value,
      ...extra,
    } as Op;
    this.ops.push(op);
    return op;
  }
  add(process: number, delta: unknown, outcome: "ok" | "fail" | "info"): void {
    this.op(process, "invoke", "add", delta);
    this.op(process, outcome, "add", delta);
  }
  finalRead(process: number, value: unknown, node: string): Op {
    this.op(process, "invoke", "read", null, { final: true, node });
    return this.op(process, "ok", "read", value, { final: true, node });
  }
}

Deno.test("final reads equal to the acknowledged sum are valid", () => {
  const h = new History();
  h.add(0, 3, "ok");
  h.add(1, 4, "ok");
  h.add(1, 100, "fail");
  h.op(0, "invoke", "read", null);
  h.op(0, "ok", "read", 1);
  h.finalRead(0, 7, "n0");
  h.finalRead(1, 7, "n1");
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], true);
  assert.equal(r.errors, null);
  assert.deepEqual(r["final-reads"], [7, 7]);
  assert.deepEqual(r.acceptable, [[7, 7]]);
  assert.deepEqual(r["error-details"], []);
});

Deno.test("info adds make an acceptable set with gaps, and a read in a gap is an error", () => {
  const h = new History();
  h.add(0, 10, "ok");
  h.add(1, 4, "info");
  h.add(2, 4, "info");
  h.finalRead(0, 14, "n0");
  const bad = h.finalRead(1, 12, "n1");
  h.finalRead(2, 18, "n2");
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.acceptable, [[10, 10], [14, 14], [18, 18]]);
  assert.deepEqual(r.errors, [bad]);
  const [d] = r["error-details"] as CounterErrorDetail[];
  assert.equal(d.node, "n1");
  assert.equal(d.value, 12);
  assert.deepEqual(d.acceptable, [[10, 10], [14, 14], [18, 18]]);
  assert.deepEqual(d.op, bad);
  assert.match(d.explanation, /Final read op \d+ on n1 returned 12/);
  assert.match(d.explanation, /10, 14, 18/);
});

Deno.test("negative info deltas extend the set downwards; adjacent sums merge", () => {
  const h = new History();
  h.add(0, 2, "ok");
  h.add(0, -1, "info");
  h.add(0, -3, "info");
  h.finalRead(0, -2, "n0");
  const r = checkCounter(h.ops);
  // {2} → {1, 2} → {-2, -1, 1, 2}
  assert.deepEqual(r.acceptable, [[-2, -1], [1, 2]]);
  assert.equal(r["valid?"], true);
});

Deno.test("no final read at all is valid; non-final reads are not checked", () => {
  const h = new History();
  h.add(0, 1, "ok");
  h.op(0, "invoke", "read", null);
  h.op(0, "ok", "read", 99);
  assert.equal(checkCounter(h.ops)["valid?"], true);
  assert.equal(checkCounter([])["valid?"], true);
});

Deno.test("a non-integer final read makes the result unknown", () => {
  const h = new History();
  h.op(0, "invoke", "read", null, { final: true });
  h.op(0, "ok", "read", 1.5, { final: true });
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], "unknown");
  assert.match(String(r.error), /returned 1\.5, which is not an integer/);
});

Deno.test("RangeSet agrees with brute-force subset sums", () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 50; trial++) {
    const start = rng.int(-20, 20);
    const deltas = Array.from({ length: rng.int(0, 12) }, () => rng.int(-5, 5));
    const set = RangeSet.of(start);
    let brute = new Set([start]);
    for (const d of deltas) {
      set.unionShifted(d);
      brute = new Set([...brute, ...[...brute].map((x) => x + d)]);
    }
    const expanded = set.ranges.flatMap(([lo, hi]) =>
      Array.from({ length: Number(hi) - Number(lo) + 1 }, (_, i) => Number(lo) + i)
    );
    assert.deepEqual(expanded, [...brute].sort((a, b) => a - b), `deltas ${deltas}`);
    for (let x = start - 70; x <= start + 70; x++) assert.equal(set.has(x), brute.has(x));
  }
});

Deno.test("hundreds of info adds fold into one range, a few ranges at every step", () => {
  // 400 info adds of -5..4: the subset sums fill every integer between the sum of the negative
  // deltas and the sum of the positive ones, and at no step does the set hold more than a few
  // ranges, where a list of subset sums would double with each add. Each add costs O(ranges), so
  // we count ranges rather than time the check; it is timed in `deno task bench:checkers`.
  const ops = counterInfoHistory(800, 5);
  const infoDeltas = ops.filter((o) => o.type === "info").map((o) => o.value as number);
  const okSum = ops.filter((o) => o.type === "ok" && o.f === "add")
    .reduce((n, o) => n + (o.value as number), 0);
  const below = infoDeltas.filter((d) => d < 0).reduce((n, d) => n + d, 0);
  const above = infoDeltas.filter((d) => d > 0).reduce((n, d) => n + d, 0);
  const r = checkCounter(ops);
  assert.deepEqual(r.acceptable, [[okSum + below, okSum + above]]);
  const set = RangeSet.of(okSum);
  let most = 1;
  for (const d of infoDeltas) {
    set.unionShifted(d);
    most = Math.max(most, set.ranges.length);
  }
  assert.ok(most <= 4, `${most} ranges`);
});

Deno.test("final reads that all timed out pass as in Maelstrom, with a no-final-read warning", () => {
  const h = new History();
  h.add(0, 3, "ok");
  for (const [p, node] of [[0, "n0"], [1, "n1"]] as const) {
    h.op(p, "invoke", "read", null, { final: true, node });
    h.op(p, "info", "read", null, { final: true, node, error: "net-timeout" });
  }
  const r = checkCounter(h.ops);
  // Maelstrom checks only ok final reads: with none, nothing is wrong.
  assert.equal(r["valid?"], true);
  assert.deepEqual(r["final-reads"], []);
  const [f] = r["beyond-maelstrom"] as BeyondMaelstrom[];
  assert.equal(f.anomaly, "no-final-read");
  assert.deepEqual(f.nodes, ["n0", "n1"]);
  assert.deepEqual(f.ops, [3, 5]);
  assert.match(
    f.message,
    /^No final read succeeded on 2 node\(s\).*"n0": ended info \("net-timeout"\) at op 3/,
  );

  const strict = checkCounter(h.ops, { strict: true });
  assert.equal(strict["valid?"], false);
  assert.match(String(strict.explanation), /"no-final-read"/);
});

Deno.test("no-final-read names only the nodes without an ok final read", () => {
  const h = new History();
  h.add(0, 2, "ok");
  h.finalRead(0, 2, "n0");
  h.op(1, "invoke", "read", null, { final: true, node: "n1" });
  h.op(1, "info", "read", null, { final: true, node: "n1", error: "net-timeout" });
  // A node with two final reads (concurrency 2n) needs one of them to succeed.
  h.op(2, "invoke", "read", null, { final: true, node: "n0" });
  h.op(2, "info", "read", null, { final: true, node: "n0", error: "net-timeout" });
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], true);
  const found = r["beyond-maelstrom"] as BeyondMaelstrom[];
  assert.deepEqual(found.map((f) => f.nodes), [["n1"]]);
  // Every node answered: no finding, and strict changes nothing.
  const ok = new History();
  ok.add(0, 2, "ok");
  ok.finalRead(0, 2, "n0");
  ok.finalRead(1, 2, "n1");
  assert.deepEqual(checkCounter(ok.ops, { strict: true })["beyond-maelstrom"], []);
  assert.equal(checkCounter(ok.ops, { strict: true })["valid?"], true);
});

// Exact numbers: node output past 2^53 is a bigint (harness/json.ts), and sums are exact.

Deno.test("a bigint final read equal to a sum past 2^53 is valid; its neighbour is caught", () => {
  const h = new History();
  h.add(0, Number.MAX_SAFE_INTEGER, "ok");
  h.add(1, 2, "ok"); // the sum, 9007199254740993, is not a double
  h.finalRead(0, parseExact("9007199254740993"), "n0");
  const bad = h.finalRead(1, parseExact("9007199254740992"), "n1");
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.acceptable, [[9007199254740993n, 9007199254740993n]]);
  assert.deepEqual(r.errors, [bad]);
  const [d] = r["error-details"] as CounterErrorDetail[];
  assert.equal(d.node, "n1");
  assert.match(
    d.explanation,
    /returned 9007199254740992, but the acknowledged adds sum to 9007199254740993/,
  );

  const good = new History();
  good.add(0, Number.MAX_SAFE_INTEGER, "ok");
  good.add(1, 2, "ok");
  good.finalRead(0, parseExact("9007199254740993"), "n0");
  assert.equal(checkCounter(good.ops)["valid?"], true);
});

Deno.test("info adds past 2^53 give exact acceptable sums; a read in a gap is caught", () => {
  const h = new History();
  h.add(0, Number.MAX_SAFE_INTEGER, "ok");
  h.add(1, 2, "info");
  h.add(2, 2, "info");
  h.finalRead(0, parseExact("9007199254740993"), "n0");
  h.finalRead(1, Number.MAX_SAFE_INTEGER, "n1");
  const bad = h.finalRead(2, parseExact("9007199254740994"), "n2");
  const r = checkCounter(h.ops);
  assert.deepEqual(r.acceptable, [
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [9007199254740993n, 9007199254740993n],
    [9007199254740995n, 9007199254740995n],
  ]);
  assert.deepEqual(r.errors, [bad]);
  assert.equal(r["valid?"], false);
});

Deno.test("a 20-digit final read against a small sum is a wrong read, not unknown", () => {
  const h = new History();
  h.add(0, 10, "ok");
  h.finalRead(0, 10, "n0");
  const bad = h.finalRead(1, parseExact("12345678901234567891"), "n1");
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.errors, [bad]);
  assert.deepEqual(r["final-reads"], [10, 12345678901234567891n]);
});

Deno.test("bigint adds (a stored history read exactly) sum exactly", () => {
  const h = new History();
  h.add(0, parseExact("12345678901234567891"), "ok");
  h.add(1, parseExact("-12345678901234567890"), "ok");
  h.add(2, parseExact("98765432109876543210"), "info");
  h.finalRead(0, 1, "n0");
  h.finalRead(1, parseExact("98765432109876543211"), "n1");
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], true, JSON.stringify(r.errors));
  assert.deepEqual(r.acceptable, [[1, 1], [98765432109876543211n, 98765432109876543211n]]);
});

Deno.test("a non-integer add delta makes the result unknown, naming the op", () => {
  const h = new History();
  h.add(0, 1.5, "ok");
  h.finalRead(0, 1, "n0");
  const r = checkCounter(h.ops);
  assert.equal(r["valid?"], "unknown");
  assert.match(String(r.error), /Add op 1 has the delta 1\.5, which is not an integer/);
});
