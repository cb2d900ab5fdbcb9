import assert from "node:assert/strict";
import type { Op } from "../types.ts";
import { checkKafka } from "./kafka.ts";
import { analyze } from "./kafka_history.ts";
import { cycles } from "./kafka_realtime.ts";
import {
  KafkaHistory as History,
  kafkaHistory,
  withPollSkip,
  withReadFromTheFuture,
} from "./testing_histories.ts";
import { parseExact } from "../json.ts";

type Entry = { count: number; errs: Record<string, unknown>[] };

function entry(r: Record<string, unknown>, name: string): Entry {
  const e = r[name] as Entry | undefined;
  assert.ok(e, `expected error type "${name}" in ${JSON.stringify(r["error-types"])}`);
  return e;
}

function assertExplained(r: Record<string, unknown>): void {
  for (const t of r["error-types"] as string[]) {
    const v = r[t] as { errs?: { explanation?: unknown }[]; explanation?: unknown };
    const texts = v.errs ? v.errs.map((e) => e.explanation) : [v.explanation];
    for (const text of texts) {
      assert.equal(typeof text, "string", `${t} record lacks an explanation`);
      assert.match(text as string, /^[A-Z0-9]/, `${t} explanation is not in sentence case`);
    }
  }
}

Deno.test("example 1: lost write, poll skip and unseen", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  const w2 = h.send(0, "k", 2, 1);
  h.send(0, "k", 3, 2);
  const p1 = h.poll(1, { k: [[0, 1]] });
  const p2 = h.poll(1, { k: [[2, 3]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r["error-types"], ["lost-write", "poll-skip", "unseen"]);
  assert.deepEqual(r["bad-error-types"], ["lost-write", "poll-skip", "unseen"]);
  const lost = entry(r, "lost-write");
  assert.equal(lost.count, 1);
  assert.deepEqual(
    { ...lost.errs[0], explanation: undefined },
    {
      key: "k",
      value: 2,
      index: 1,
      "max-read-index": 2,
      writer: w2,
      "max-read": p2,
      explanation: undefined,
    },
  );
  const skip = entry(r, "poll-skip").errs[0];
  assert.equal(skip.key, "k");
  assert.equal(skip.delta, 2);
  assert.deepEqual(skip.skipped, [2]);
  assert.deepEqual(skip.ops, [p1, p2]);
  const unseen = r.unseen as Record<string, unknown>;
  assert.deepEqual(unseen.unseen, { k: 1 });
  assert.deepEqual(unseen.messages, { k: [2] });
  assert.equal(unseen.time, h.ops[p2].time);
  assertExplained(r);
});

Deno.test("example 2: nonmonotonic poll", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  h.send(0, "k", 2, 1);
  h.send(0, "k", 3, 2);
  const p1 = h.poll(1, { k: [[0, 1], [1, 2]] });
  const p2 = h.poll(1, { k: [[1, 2], [2, 3]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r["error-types"], ["nonmonotonic-poll"]);
  const e = entry(r, "nonmonotonic-poll").errs[0];
  assert.deepEqual(e.values, [2, 2]);
  assert.equal(e.delta, 0);
  assert.deepEqual(e.ops, [p1, p2]);
  assertExplained(r);
});

Deno.test("example 3: internal poll skip, with lost write and unseen", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  const w2 = h.send(0, "k", 2, 1);
  h.send(0, "k", 3, 2);
  const p = h.poll(1, { k: [[0, 1], [2, 3]] });
  const r = checkKafka(h.ops);
  assert.deepEqual(r["error-types"], ["int-poll-skip", "lost-write", "unseen"]);
  const e = entry(r, "int-poll-skip").errs[0];
  assert.deepEqual(e.values, [1, 3]);
  assert.equal(e.delta, 2);
  assert.deepEqual(e.skipped, [2]);
  assert.equal(e.op, p);
  assert.equal(entry(r, "lost-write").errs[0].writer, w2);
  assert.deepEqual((r.unseen as Record<string, unknown>).messages, { k: [2] });
  assertExplained(r);
});

Deno.test("example 4: inconsistent offsets, duplicate and internal nonmonotonic poll", () => {
  const h = new History();
  const a = h.send(0, "k", 5, 3);
  const b = h.send(1, "k", 6, 3);
  h.send(0, "k", 7, 4);
  const p = h.poll(2, { k: [[4, 7], [5, 7]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  const types = r["error-types"] as string[];
  for (const t of ["inconsistent-offsets", "duplicate", "int-nonmonotonic-poll"]) {
    assert.ok(types.includes(t), `missing ${t}`);
  }
  const inc = entry(r, "inconsistent-offsets").errs[0];
  assert.equal(inc.key, "k");
  assert.equal(inc.offset, 3);
  assert.equal(inc.index, 0);
  assert.deepEqual(inc.values, [5, 6]);
  assert.deepEqual(inc.ops, [a, b]);
  const dup = entry(r, "duplicate").errs[0];
  assert.equal(dup.value, 7);
  assert.equal(dup.count, 2);
  assert.deepEqual(dup.offsets, [4, 5]);
  const nm = entry(r, "int-nonmonotonic-poll").errs[0];
  assert.deepEqual(nm.values, [7, 7]);
  assert.equal(nm.delta, 0);
  assert.equal(nm.op, p);
  assertExplained(r);
});

Deno.test("example 5: G1a, a poll returns a message whose send failed", () => {
  const h = new History();
  h.invokeSend(0, "k", 9);
  const w = h.add("fail", 0, "send", [["send", "k", 9]], {
    error: ["temporarily-unavailable", "try later"],
  });
  const p = h.poll(1, { k: [[7, 9]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r["error-types"], ["G1a"]);
  const e = entry(r, "G1a").errs[0];
  assert.deepEqual({ ...e, explanation: undefined }, {
    key: "k",
    value: 9,
    writer: w,
    reader: p,
    explanation: undefined,
  });
  assertExplained(r);
});

Deno.test("example 6: nonmonotonic send", () => {
  const h = new History();
  const s1 = h.send(0, "k", 1, 5);
  const s2 = h.send(0, "k", 2, 3);
  h.poll(1, { k: [[3, 2], [5, 1]] });
  const r = checkKafka(h.ops);
  assert.deepEqual(r["error-types"], ["nonmonotonic-send"]);
  const e = entry(r, "nonmonotonic-send").errs[0];
  assert.deepEqual(e.values, [1, 2]);
  assert.equal(e.delta, -1);
  assert.deepEqual(e.ops, [s1, s2]);
  assertExplained(r);
});

Deno.test("example 7: a poll reads a message whose send was not invoked yet", () => {
  const h = new History();
  h.send(0, "k", 1, 0); // 0, 1
  h.poll(1, { k: [[0, 1]] }); // 2, 3
  h.send(0, "k", 2, 1); // 4, 5
  h.poll(1, { k: [[1, 2]] }); // 6, 7
  h.invokeSend(0, "k", 3); // 8
  h.invokePoll(1); // 9
  const p = h.okPoll(1, { k: [[2, 3], [3, 4]] }); // 10
  h.okSend(0, "k", 3, 2); // 11
  const inv = h.invokeSend(0, "k", 4); // 12
  const s = h.okSend(0, "k", 4, 3); // 13
  assert.deepEqual([p, inv], [10, 12]);
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r["error-types"], ["G1c-realtime", "strong-PL-2-cycle-exists"]);
  const cycle = entry(r, "G1c-realtime").errs[0];
  assert.deepEqual(cycle.cycle, [p, s, p]);
  assert.deepEqual(cycle.steps, [
    { type: "realtime", a: p, b: inv },
    { type: "wr", key: "k", value: 4 },
  ]);
  const exists = entry(r, "strong-PL-2-cycle-exists").errs[0];
  assert.equal(exists.not, "strong-read-committed");
  assert.deepEqual(exists.scc, [p, s]);
  assertExplained(r);
});

Deno.test("example 8: a clean history is valid", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  h.send(0, "k", 2, 1);
  h.poll(1, { k: [[0, 1], [1, 2]] });
  h.send(0, "k", 3, 2);
  h.poll(1, { k: [[2, 3]] });
  h.poll(1, {});
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], true);
  assert.deepEqual(r["error-types"], []);
  assert.deepEqual(r["bad-error-types"], []);
  assert.deepEqual(r["info-txn-causes"], []);
  const lag = r["worst-realtime-lag"] as Record<string, unknown>;
  assert.equal(typeof lag.lag, "number");
});

Deno.test("a valid history with crashes, assigns, info ops and a nemesis", () => {
  const h = new History();
  h.add("info", "nemesis" as unknown as number, "start-partition", "majority");
  h.add("invoke", 0, "assign", ["k", "j"]);
  h.add("ok", 0, "assign", ["k", "j"]);
  h.send(0, "k", 1, 0);
  h.send(1, "j", 1, 0);
  h.invokeSend(1, "j", 2);
  h.add("info", 1, "send", [["send", "j", 2]], { error: "net-timeout" });
  h.add("invoke", 2, "crash", null);
  h.add("info", 2, "crash", null);
  h.poll(0, { k: [[0, 1]], j: [[0, 1], [1, 2]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], true, JSON.stringify(r));
  assert.deepEqual(r["info-txn-causes"], ["net-timeout"]);
});

Deno.test("final polls from offset 0 by a new process are not nonmonotonic", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  h.poll(1, { k: [[0, 1]] });
  h.add("invoke", 1, "crash", null);
  h.add("info", 1, "crash", null);
  h.add("invoke", 3, "assign", ["k"], { "seek-to-beginning?": true });
  h.add("ok", 3, "assign", ["k"], { "seek-to-beginning?": true });
  h.poll(3, { k: [[0, 1]] });
  assert.equal(checkKafka(h.ops)["valid?"], true);
});

Deno.test("a polled message nobody sent is named, with Maelstrom's unknown verdict", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  const p = h.poll(1, { k: [[0, 1], [1, 99]] });
  const r = checkKafka(h.ops);
  // Jepsen's analysis throws no-writer-of-value, which check-safe reports as unknown.
  assert.equal(r["valid?"], "unknown");
  assert.deepEqual(r["bad-error-types"], []);
  assert.match(String(r.error), /^Op \d+ polled message "99" from key "k", which no send/);
  const e = entry(r, "no-writer-of-value").errs[0];
  assert.equal(e.key, "k");
  assert.equal(e.value, 99);
  assert.equal(e.reader, p);
  assert.match(e.explanation as string, /"99"/);
});

Deno.test("a message nobody sent makes the verdict unknown even beside a bad anomaly", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  h.send(0, "k", 2, 1);
  h.send(0, "k", 3, 2);
  // Offset 1 is skipped (a lost write), and 99 was never sent: Jepsen throws before it could
  // report the lost write.
  h.poll(1, { k: [[0, 1], [2, 3], [3, 99]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], "unknown");
  assert.ok((r["error-types"] as string[]).includes("no-writer-of-value"));
  assert.ok((r["bad-error-types"] as string[]).length > 0);
});

Deno.test("malformed values are reported, not thrown", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  const bad1 = h.poll(1, { k: [[0, 1, 2]] });
  const bad2 = h.poll(1, { k: "nope" });
  h.invokePoll(1);
  const bad3 = h.add("ok", 1, "poll", "not a list");
  h.invokePoll(1);
  const bad4 = h.add("ok", 1, "poll", [["poll", [1, 2]]]);
  h.invokePoll(1);
  const bad5 = h.add("ok", 1, "poll", [["poll", { k: [[1.5, 1]] }]]);
  h.poll(1, { k: [[0, 1]], j: null });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  const e = entry(r, "malformed-value");
  assert.deepEqual(e.errs.map((x) => x.op), [bad1, bad2, bad3, bad4, bad5]);
  assert.ok((r["error-types"] as string[]).includes("malformed-value"));
});

Deno.test("garbage entries in the history do not crash the checker", () => {
  const junk = [
    null,
    42,
    { index: 0, type: "ok", process: 0.5, f: "poll", value: 1 },
    { index: 1, type: "weird", process: 0, f: "poll", value: 1 },
    { index: 2, type: "ok", process: 0, f: 17, value: { a: 1 } },
    { index: 3, type: "ok", process: 0, f: "assign", value: "k" },
  ] as unknown as Op[];
  const r = checkKafka(junk);
  assert.notEqual(r["valid?"], "unknown", JSON.stringify(r));
});

Deno.test("an empty history is valid; lone ops make an empty transaction graph", () => {
  assert.equal(checkKafka([])["valid?"], true);
  const h = new History();
  h.send(0, "k", 1, 0);
  const r = checkKafka(h.ops);
  assert.deepEqual(r["error-types"], ["empty-transaction-graph", "unseen"]);
});

Deno.test("two nodes handing out the same offset give inconsistent offsets", () => {
  const h = new History();
  // Thread 0 talks to n0 and thread 1 to n1; each node numbers its own sends from 0.
  h.add("invoke", 0, "send", [["send", "k", 1]], { node: "n0" });
  h.add("invoke", 1, "send", [["send", "k", 2]], { node: "n1" });
  const a = h.add("ok", 0, "send", [["send", "k", [0, 1]]], { node: "n0" });
  const b = h.add("ok", 1, "send", [["send", "k", [0, 2]]], { node: "n1" });
  h.poll(0, { k: [[0, 1]] });
  h.poll(1, { k: [[0, 2]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  const e = entry(r, "inconsistent-offsets").errs[0];
  assert.equal(e.offset, 0);
  assert.deepEqual(e.values, [1, 2]);
  assert.deepEqual(e.ops, [a, b]);
  assertExplained(r);
});

Deno.test("an unacknowledged send is never a lost write, even when skipped", () => {
  const h = new History();
  h.send(0, "k", 1, 0);
  h.invokeSend(0, "k", 2);
  h.add("info", 0, "send", [["send", "k", 2]], { error: "net-timeout" });
  h.send(3, "k", 3, 2);
  // A failed poll still tells us message 2 sits at offset 1, so the ok poll skipped it.
  h.poll(1, { k: [[0, 1], [2, 3]] });
  h.invokePoll(2);
  h.add("fail", 2, "poll", [["poll", { k: [[1, 2]] }]]);
  const r = checkKafka(h.ops);
  assert.deepEqual(r["error-types"], ["int-poll-skip"]);
  assert.deepEqual(entry(r, "int-poll-skip").errs[0].skipped, [2]);
  assert.deepEqual(r["info-txn-causes"], ["net-timeout"]);
});

Deno.test("skips report the highest deltas and are cut to 8", () => {
  const h = new History();
  for (let o = 0; o < 200; o++) h.send(0, "k", o + 1, o);
  for (let j = 0; j < 30; j++) {
    const a = j * 6, b = a + 2 + (j % 5);
    // One process per poll, so only the internal skip is reported.
    h.poll(j + 1, { k: [[a, a + 1], [b, b + 1]] });
  }
  const r = checkKafka(h.ops);
  const e = entry(r, "int-poll-skip");
  assert.equal(e.count, 30);
  assert.deepEqual(e.errs.map((x) => x.delta), [5, 5, 6, 6, 6, 6, 6, 6]);
});

Deno.test("a huge skip lists at most 32 skipped messages", () => {
  const h = new History();
  for (let i = 0; i < 100; i++) h.send(0, "k", i, i);
  h.poll(1, { k: [[0, 0], [99, 99]] });
  const e = entry(checkKafka(h.ops), "int-poll-skip").errs[0];
  assert.equal(e.delta, 99);
  assert.equal((e.skipped as unknown[]).length, 32);
  assert.equal(e["skipped-truncated?"], true);
});

Deno.test("huge sparse offsets are found valid, with a log of the offsets that occur", () => {
  // Offsets start at 1.7e12 and grow by gaps of up to a million. A log indexed by raw offset
  // would need an array far longer than JavaScript allows; instead each key's log holds one entry
  // per offset that occurs, which we count rather than time. The check is timed in
  // `deno task bench:checkers`.
  const ops = kafkaHistory(4000, 1.7e12, 1);
  const r = checkKafka(ops);
  assert.equal(r["valid?"], true, JSON.stringify(r).slice(0, 2000));
  const sent = ops.filter((o) => o.type === "ok" && o.f === "send").length;
  const logs = [...analyze(ops).logs.values()];
  assert.equal(logs.reduce((n, log) => n + log.offsets.length, 0), sent);
  for (const log of logs) assert.equal(log.byIndex.length, log.offsets.length);
});

Deno.test("a 40k-op history is valid without the full graph, and a skip at its end is found", () => {
  // No poll reads from the future here, so the checker never builds the full dependency graph:
  // we count its edges (none) rather than time the check, which a loaded machine makes flaky.
  // The check is timed in `deno task bench:checkers`.
  const ops = kafkaHistory(40_000, 0, 2);
  assert.ok(ops.length >= 38_000, `only ${ops.length} ops`);
  const r = checkKafka(ops);
  assert.equal(r["valid?"], true);
  assert.equal(cycles(analyze(ops)).graphEdges, 0);
  // A poll that jumps ahead in the same big history is still found.
  const broken = withPollSkip(ops);
  const r2 = checkKafka(broken);
  assert.deepEqual(r2["error-types"], ["int-poll-skip"]);
});

Deno.test("many reads from the future: the full graph is built, at a few edges per op", () => {
  const { ops, poll, send } = withReadFromTheFuture(kafkaHistory(40_000, 0, 3));
  const r = checkKafka(ops);
  // Every earlier poll of that message now read from the future; they share one component.
  const cycle = entry(r, "G1c-realtime");
  assert.equal(cycle.count, 1);
  assert.equal((cycle.errs[0].cycle as number[])[1], send);
  assert.ok((entry(r, "strong-PL-2-cycle-exists").errs[0]["scc-size"] as number) >= 2);
  assert.ok(poll > send - 3);
  // Real-time edges are kept transitively reduced, so the graph grows with the ops times the
  // clients in flight (about 2.5 edges per op here), where every ok op linked to every later
  // invocation would give well over a hundred million. We count the edges instead of timing the
  // check; it is timed in `deno task bench:checkers`.
  const edges = cycles(analyze(ops)).graphEdges;
  assert.ok(edges > 0 && edges <= 3 * ops.length, `${edges} edges for ${ops.length} ops`);
});

// --- Offsets past 2^53 (bigints from harness/json.ts) compare exactly. ---

Deno.test("offsets past 2^53 that a double would merge are kept apart: valid", () => {
  // 2^53 and 2^53 + 1 are the same double; exactly, they are two offsets in order.
  const [a, b] = [parseExact("9007199254740992"), parseExact("9007199254740993")];
  const h = new History();
  h.add("invoke", 0, "send", [["send", "k", 1]]);
  h.add("ok", 0, "send", [["send", "k", [a, 1]]]);
  h.add("invoke", 0, "send", [["send", "k", 2]]);
  h.add("ok", 0, "send", [["send", "k", [b, 2]]]);
  h.poll(1, { k: [[a, 1], [b, 2]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], true, JSON.stringify(r["error-types"]));
});

Deno.test("a poll that skips an offset past 2^53 is caught, naming the skipped message", () => {
  const [a, b, c] = ["9007199254740992", "9007199254740993", "9007199254740994"].map(parseExact);
  const h = new History();
  for (const [v, o] of [[1, a], [2, b], [3, c]] as const) {
    h.add("invoke", 0, "send", [["send", "k", v]]);
    h.add("ok", 0, "send", [["send", "k", [o, v]]]);
  }
  const p = h.poll(1, { k: [[a, 1], [c, 3]] });
  h.poll(2, { k: [[a, 1], [b, 2], [c, 3]] });
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  const skip = entry(r, "int-poll-skip");
  assert.deepEqual(skip.errs[0].skipped, [2]);
  assert.equal(skip.errs[0].op, p);
  assertExplained(r);
});

Deno.test("two messages at one offset past 2^53 are inconsistent-offsets, named exactly", () => {
  const o = parseExact("12345678901234567891");
  const h = new History();
  h.add("invoke", 0, "send", [["send", "k", 1]]);
  h.add("ok", 0, "send", [["send", "k", [o, 1]]]);
  h.add("invoke", 1, "send", [["send", "k", 2]]);
  h.add("ok", 1, "send", [["send", "k", [o, 2]]]);
  const r = checkKafka(h.ops);
  assert.equal(r["valid?"], false);
  const e = entry(r, "inconsistent-offsets");
  assert.equal(e.errs[0].offset, 12345678901234567891n);
  assert.deepEqual(e.errs[0].values, [1, 2]);
  assert.match(String(e.errs[0].explanation), /^Offset 12345678901234567891 of key "k"/);
});
