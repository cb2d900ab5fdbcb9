import assert from "node:assert/strict";
import { createService, SERVICE_IDS } from "./kv.ts";
import { createRng } from "../rng.ts";
import { manyKeysLoad } from "./testing_load.ts";
import type { Service } from "../types.ts";

const read = (s: Service, src: string, key: unknown) => s.handle(src, { type: "read", key });
const write = (s: Service, src: string, key: unknown, value: unknown) =>
  s.handle(src, { type: "write", key, value });
const cas = (
  s: Service,
  src: string,
  key: unknown,
  from: unknown,
  to: unknown,
  extra: Record<string, unknown> = {},
) => s.handle(src, { type: "cas", key, from, to, ...extra });

const MISSING = { type: "error", code: 20, text: "key does not exist" };

Deno.test("SERVICE_IDS lists the four services, and each service reports its id", () => {
  assert.deepEqual([...SERVICE_IDS], ["lin-kv", "seq-kv", "lww-kv", "lin-tso"]);
  for (const id of SERVICE_IDS) assert.equal(createService(id, createRng(1)).id, id);
});

Deno.test("lin-kv behaves as a single map of registers", () => {
  const kv = createService("lin-kv", createRng(1));
  assert.deepEqual(read(kv, "n0", "x"), MISSING);
  assert.deepEqual(write(kv, "n0", "x", 1), { type: "write_ok" });
  assert.deepEqual(read(kv, "n1", "x"), { type: "read_ok", value: 1 });
  assert.deepEqual(cas(kv, "n1", "x", 1, 2), { type: "cas_ok" });
  assert.deepEqual(read(kv, "n0", "x"), { type: "read_ok", value: 2 });
  assert.deepEqual(cas(kv, "n0", "x", 1, 3), {
    type: "error",
    code: 22,
    text: "current value 2 is not 1",
  });
  assert.deepEqual(cas(kv, "n0", "y", 1, 3), MISSING);
  assert.deepEqual(cas(kv, "n0", "y", 1, 3, { create_if_not_exists: true }), { type: "cas_ok" });
  assert.deepEqual(read(kv, "n2", "y"), { type: "read_ok", value: 3 });
  // create_if_not_exists does not matter once the key exists.
  assert.equal(cas(kv, "n0", "y", 1, 4, { create_if_not_exists: true })?.code, 22);
});

Deno.test("lin-kv compares keys and values as JSON values and renders errors as JSON", () => {
  const kv = createService("lin-kv", createRng(1));
  write(kv, "n0", { a: 1, b: [1, 2] }, { list: [1, 2], n: null });
  assert.deepEqual(read(kv, "n0", { b: [1, 2], a: 1 }), {
    type: "read_ok",
    value: { list: [1, 2], n: null },
  });
  assert.deepEqual(cas(kv, "n0", { b: [1, 2], a: 1 }, { n: null, list: [1, 2] }, "s"), {
    type: "cas_ok",
  });
  assert.deepEqual(cas(kv, "n0", { a: 1, b: [1, 2] }, ["x"], 0), {
    type: "error",
    code: 22,
    text: 'current value "s" is not ["x"]',
  });
  // A string key and a number key are different keys; null is a value like any other.
  write(kv, "n0", 1, null);
  assert.deepEqual(read(kv, "n0", "1"), MISSING);
  assert.deepEqual(read(kv, "n0", 1), { type: "read_ok", value: null });
});

Deno.test("a missing key, value, from or to is null, as in Maelstrom's service.clj", () => {
  for (const id of ["lin-kv", "seq-kv"] as const) {
    // One client only, so seq-kv always answers from the newest state.
    const kv = createService(id, createRng(1));
    const h = (body: Record<string, unknown>) => kv.handle("n0", body);
    assert.deepEqual(h({ type: "read", msg_id: 1 }), MISSING);
    assert.deepEqual(h({ type: "write", value: 5 }), { type: "write_ok" });
    assert.deepEqual(h({ type: "read" }), { type: "read_ok", value: 5 });
    assert.deepEqual(h({ type: "read", key: null }), { type: "read_ok", value: 5 });
    assert.deepEqual(h({ type: "write", key: "a" }), { type: "write_ok" });
    assert.deepEqual(h({ type: "read", key: "a" }), { type: "read_ok", value: null });
    assert.deepEqual(h({ type: "cas", key: "a", to: 2 }), { type: "cas_ok" });
    assert.deepEqual(h({ type: "read", key: "a" }), { type: "read_ok", value: 2 });
    assert.deepEqual(h({ type: "cas", key: "a", to: 3 }), {
      type: "error",
      code: 22,
      text: "current value 2 is not null",
    });
    assert.deepEqual(h({ type: "cas", key: "a", from: 2 }), { type: "cas_ok" });
    assert.deepEqual(h({ type: "read", key: "a" }), { type: "read_ok", value: null });
    assert.deepEqual(h({ type: "cas", key: "b", from: 1 }), MISSING);
    assert.deepEqual(h({ type: "cas", key: "b", create_if_not_exists: true }), {
      type: "cas_ok",
    });
    assert.deepEqual(h({ type: "read", key: "b" }), { type: "read_ok", value: null });
  }
});

Deno.test("lww-kv treats missing fields as null and prints a null from as nothing", () => {
  const kv = createService("lww-kv", createRng(4));
  const h = (body: Record<string, unknown>) => kv.handle("n0", body);
  assert.deepEqual(h({ type: "read" }), MISSING);
  // Each write lands on one of two replicas; enough of them reach both.
  for (let i = 0; i < 24; i++) {
    assert.deepEqual(h({ type: "write", key: "a" }), { type: "write_ok" });
  }
  for (let i = 0; i < 8; i++) {
    assert.deepEqual(h({ type: "read", key: "a" }), { type: "read_ok", value: null });
  }
  assert.deepEqual(h({ type: "cas", key: "a", to: 1 }), { type: "cas_ok" });
  for (let i = 0; i < 24; i++) h({ type: "write", key: "a", value: 7 });
  // Maelstrom formats lww-kv's `from` with `str`, which renders nil as the empty string.
  assert.deepEqual(h({ type: "cas", key: "a", to: 1 }), {
    type: "error",
    code: 22,
    text: "current value 7 is not ",
  });
});

Deno.test("unknown request types get no reply", () => {
  for (const id of SERVICE_IDS) {
    const s = createService(id, createRng(1));
    assert.equal(s.handle("n0", { type: "frobnicate", key: 1, msg_id: 3 }), undefined);
    assert.equal(s.handle("n0", { msg_id: 4 }), undefined);
  }
  assert.equal(createService("lin-kv", createRng(1)).handle("n0", { type: "ts" }), undefined);
  assert.equal(
    createService("lin-tso", createRng(1)).handle("n0", { type: "read", key: 1 }),
    undefined,
  );
});

Deno.test("lin-tso hands out 0, 1, 2, ... across callers", () => {
  const tso = createService("lin-tso", createRng(1));
  const got = ["n0", "n1", "n0", "n2", "n1"].map((n) => tso.handle(n, { type: "ts", msg_id: 1 }));
  assert.deepEqual(got, [0, 1, 2, 3, 4].map((ts) => ({ type: "ts_ok", ts })));
});

Deno.test("seq-kv: a node always reads its own latest write", () => {
  const kv = createService("seq-kv", createRng(3));
  for (let i = 1; i <= 200; i++) {
    // Another node's writes keep the newest state moving.
    write(kv, "n1", "other", i);
    write(kv, "n0", "x", i);
    assert.deepEqual(read(kv, "n0", "x"), { type: "read_ok", value: i });
  }
});

Deno.test("seq-kv: other nodes see stale values, but never go backwards", () => {
  const kv = createService("seq-kv", createRng(7));
  let stale = 0;
  let missing = 0;
  let last = 0;
  for (let i = 1; i <= 300; i++) {
    write(kv, "n0", "x", i);
    const reply = read(kv, "n1", "x");
    if (reply?.type === "error") {
      // Before n1 has seen the key exist it may still read the empty initial state.
      assert.deepEqual(reply, MISSING);
      assert.equal(last, 0);
      missing++;
      continue;
    }
    const v = reply?.value as number;
    assert.ok(v >= last, `read ${v} after ${last}`);
    assert.ok(v <= i);
    if (v < i) stale++;
    last = v;
  }
  assert.ok(stale > 50, `only ${stale} stale reads`);
  assert.ok(last > 250, `n1 lagged all the way to the end (last read ${last})`);
  assert.ok(missing < 300);
});

Deno.test("seq-kv: a lagging node never sees more than 32 states back", () => {
  // n1's index stays at the empty state while n0 writes 100 times.
  for (let trial = 0; trial < 50; trial++) {
    const fresh = createService("seq-kv", createRng(trial));
    for (let i = 1; i <= 100; i++) write(fresh, "n0", "x", i);
    const reply = read(fresh, "n1", "x");
    // States 69..100 are the last 32; the ring wraps older choices into that window.
    assert.equal(reply?.type, "read_ok");
    assert.ok((reply?.value as number) >= 69, `saw ${reply?.value}`);
  }
});

Deno.test("seq-kv: a cas from a stale state may fail with 22 or 20, and one that succeeds is fresh", () => {
  let stale22 = 0;
  let stale20 = 0;
  for (let seed = 0; seed < 100; seed++) {
    const kv = createService("seq-kv", createRng(seed));
    write(kv, "n0", "x", 1);
    write(kv, "n0", "x", 2);
    // n1 has seen nothing, so it may be evaluated against the empty map or against x = 1.
    const reply = cas(kv, "n1", "x", 2, 3);
    if (reply?.type === "cas_ok") {
      // n1 moved to the newest state; n0 may still be shown its own last write.
      assert.deepEqual(read(kv, "n1", "x"), { type: "read_ok", value: 3 });
      assert.ok([2, 3].includes(read(kv, "n0", "x")?.value as number));
    } else if (reply?.code === 22) {
      assert.equal(reply.text, "current value 1 is not 2");
      stale22++;
    } else {
      assert.deepEqual(reply, MISSING);
      stale20++;
    }
  }
  assert.ok(stale22 > 0 && stale20 > 0, `stale 22: ${stale22}, stale 20: ${stale20}`);
});

Deno.test("seq-kv: a write that changes nothing in the chosen past state stays in the past", () => {
  let pastWrites = 0;
  let freshWrites = 0;
  for (let seed = 0; seed < 100; seed++) {
    const kv = createService("seq-kv", createRng(seed));
    write(kv, "n0", "x", 1);
    write(kv, "n0", "x", 2);
    // If n1 is shown the state where x is already 1, its write changes nothing there and is
    // acknowledged without a new state; n0 then never sees 1 again.
    write(kv, "n1", "x", 1);
    const seen = new Set(Array.from({ length: 20 }, () => read(kv, "n0", "x")?.value));
    if (seen.has(1)) freshWrites++;
    else pastWrites++;
  }
  assert.ok(pastWrites > 0 && freshWrites > 0, `past ${pastWrites}, fresh ${freshWrites}`);
});

Deno.test("seq-kv: create_if_not_exists creates the key", () => {
  const kv = createService("seq-kv", createRng(1));
  assert.deepEqual(cas(kv, "n0", "x", 0, 5, { create_if_not_exists: true }), { type: "cas_ok" });
  assert.deepEqual(read(kv, "n0", "x"), { type: "read_ok", value: 5 });
});

Deno.test("seq-kv with many keys and many state changes reads each key's own values", () => {
  // This test once bounded the load's wall-clock time, to catch seq-kv copying its 5000-key map
  // per state change. Such a bound is flaky on a loaded machine, and the service exposes no count
  // of the work it does, so the load is timed in `deno task bench:checkers` instead. What stays
  // here is the answers: with version chains per key, every read returns a value of its key.
  const { reads } = manyKeysLoad(createService("seq-kv", createRng(5)));
  assert.equal(reads.length, 33_333);
  for (const { key, reply } of reads) {
    if (reply?.type === "error") assert.deepEqual(reply, MISSING);
    else assert.equal((reply?.value as number) % 5000, key, JSON.stringify(reply));
  }
  assert.ok(reads.filter((r) => r.reply?.type === "read_ok").length > 30_000);
});

Deno.test("lww-kv: reads alternate between two replicas that never converge", () => {
  const kv = createService("lww-kv", createRng(9));
  for (let i = 1; i <= 50; i++) write(kv, "n0", "x", i);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const reply = read(kv, "n0", "x");
    assert.equal(reply?.type, "read_ok");
    seen.add(reply?.value as number);
  }
  // Each replica holds the last write that landed on it; one of them is 50.
  assert.equal(seen.size, 2);
  assert.ok(seen.has(50));
  // And they stay apart: more traffic does not merge them.
  for (let i = 0; i < 200; i++) read(kv, "n1", "y");
  const later = new Set<number>();
  for (let i = 0; i < 200; i++) later.add(read(kv, "n0", "x")?.value as number);
  assert.deepEqual(later, seen);
});

Deno.test("lww-kv loses writes and ignores create_if_not_exists", () => {
  let lost = 0;
  for (let seed = 0; seed < 50; seed++) {
    const kv = createService("lww-kv", createRng(seed));
    write(kv, "n0", "x", 1);
    write(kv, "n1", "x", 2);
    // Both writes succeeded, yet when they landed on different replicas, reads keep finding the
    // overwritten 1 on the replica the second write missed.
    const replies = Array.from({ length: 20 }, () => read(kv, "n2", "x"));
    if (replies.some((r) => r?.value === 1)) lost++;
  }
  assert.ok(lost > 0 && lost < 50, `lost in ${lost} of 50 runs`);
  const kv = createService("lww-kv", createRng(1));
  assert.deepEqual(cas(kv, "n0", "z", 1, 2, { create_if_not_exists: true }), MISSING);
});

Deno.test("lww-kv prints a string from without quotes in error 22", () => {
  const kv = createService("lww-kv", createRng(1));
  // Write to both replicas so that the cas hits a replica holding the key.
  for (let i = 0; i < 20; i++) write(kv, "n0", "x", "a");
  assert.deepEqual(cas(kv, "n0", "x", "b", "c"), {
    type: "error",
    code: 22,
    text: 'current value "a" is not b',
  });
});

Deno.test("services are deterministic under a seed", () => {
  const run = (seed: number) => {
    const out: unknown[] = [];
    for (const id of ["seq-kv", "lww-kv"] as const) {
      const kv = createService(id, createRng(seed));
      for (let i = 0; i < 200; i++) {
        const node = `n${i % 3}`;
        out.push(
          i % 4 === 0
            ? write(kv, node, i % 7, i)
            : i % 4 === 1
            ? cas(kv, node, i % 7, i - 5, i)
            : read(kv, node, i % 7),
        );
      }
    }
    return JSON.stringify(out);
  };
  assert.equal(run(42), run(42));
  assert.notEqual(run(42), run(43));
});
