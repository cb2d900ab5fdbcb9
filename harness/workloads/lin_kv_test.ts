import assert from "node:assert/strict";
import { linKv, LinKvClient, LinKvGenerator } from "./lin_kv.ts";
import { createRng } from "../rng.ts";
import { MalformedReply, type Op, type OpTemplate, type TestOptions } from "../types.ts";
import { RpcError } from "../../lib/errors.ts";

const options = (nodeCount: number, concurrency: number, latencyMs = 0) =>
  ({
    nodes: Array.from({ length: nodeCount }, (_, i) => `n${i}`),
    concurrency,
    latencyMs,
  }) as TestOptions;

Deno.test("lin-kv workload settings follow Maelstrom", () => {
  assert.equal(linKv.name, "lin-kv");
  assert.equal(linKv.wrapped, true);
  assert.deepEqual([...linKv.idempotent], ["read"]);
  assert.equal(linKv.reusableClients, true);
  assert.equal(linKv.final, undefined);
  assert.equal(linKv.rpcTimeoutMs?.(options(1, 2, 0)), 1000);
  assert.equal(linKv.rpcTimeoutMs?.(options(1, 2, 50)), 1000);
  assert.equal(linKv.rpcTimeoutMs?.(options(1, 2, 250)), 2500);
});

Deno.test("the generator rejects a concurrency that is not a multiple of 2 × node count", () => {
  const rng = createRng(1);
  assert.throws(
    () => linKv.generator(options(3, 3), rng),
    /positive multiple of 2 × node count \(6 with 3 nodes\), but got 3/,
  );
  assert.throws(() => linKv.generator(options(3, 9), rng), /but got 9/);
  assert.throws(() => linKv.generator(options(2, 0), rng), /but got 0/);
  assert.throws(() => linKv.generator(options(11, 22), rng), /at most 10 nodes/);
  assert.doesNotThrow(() => linKv.generator(options(3, 12), rng));
});

Deno.test("the first n threads of each group read; the others write or cas values 0..4", () => {
  const gen = linKv.generator(options(2, 8), createRng(3));
  const counts = { write: 0, cas: 0 };
  for (let i = 0; i < 2000; i++) {
    const thread = i % 8;
    const op = gen.next({ timeS: 0, thread, process: thread })!;
    const [key, v] = op.value as [number, unknown];
    // Threads 0-3 are group 0 on key 0, threads 4-7 group 1 on key 1.
    assert.equal(key, thread < 4 ? 0 : 1);
    if (thread % 4 < 2) {
      assert.deepEqual(op, { f: "read", value: [key, null] });
      continue;
    }
    assert.ok(op.f === "write" || op.f === "cas", `unexpected f ${op.f}`);
    counts[op.f]++;
    const values = op.f === "write" ? [v] : v as unknown[];
    for (const x of values) {
      assert.ok(Number.isInteger(x) && (x as number) >= 0 && (x as number) < 5);
    }
  }
  // cas is listed twice in the mix, so it comes up about twice as often as write.
  const ratio = counts.cas / counts.write;
  assert.ok(ratio > 1.7 && ratio < 2.3, `cas/write ratio ${ratio}`);
});

Deno.test("a group retires its key after more than 20 processes and takes the next unused key", () => {
  // One node: groups of 2 threads. Concurrency 4: group 0 = threads 0-1, group 1 = threads 2-3.
  const c = 4;
  const gen = new LinKvGenerator(options(1, c), createRng(5));
  const process = [0, 1, 2, 3];
  const keyOf = (thread: number) =>
    (gen.next({ timeS: 0, thread, process: process[thread] }).value as unknown[])[0];
  assert.equal(keyOf(0), 0);
  assert.equal(keyOf(2), 1);
  // Each info on thread 0 renumbers its process; group 0 starts with processes 0 and 1.
  const keys: unknown[] = [];
  for (let i = 0; i < 19; i++) {
    process[0] += c;
    keys.push(keyOf(0));
  }
  // 18 renumberings give 20 processes: still key 0. The 19th makes 21: the next unused key, 2.
  assert.deepEqual(keys.slice(0, 18), Array(18).fill(0));
  assert.equal(keys[18], 2);
  // Thread 1 of the same group follows; group 1 is unaffected.
  assert.equal(keyOf(1), 2);
  assert.equal(keyOf(2), 1);
});

Deno.test("an observed info counts against the key before the thread asks again", () => {
  // Thread 0 keeps ending ops with info while thread 1, in the same group, asks for ops: as in
  // Jepsen, thread 0's new processes count although thread 0 itself never asks.
  const c = 2;
  const gen = new LinKvGenerator(options(1, c), createRng(5));
  let process = 0;
  const keys: unknown[] = [];
  for (let i = 0; i < 19; i++) {
    const inv = { index: 0, time: 0, type: "invoke", process, f: "write", value: [0, 1] } as Op;
    gen.observe(inv, { ...inv, type: "info" });
    process += c;
    keys.push((gen.next({ timeS: 0, thread: 1, process: 1 }).value as unknown[])[0]);
  }
  // After 18 infos the group has had processes 0, 1, 2, 4, ..., 36 (20); the 19th makes 21.
  assert.deepEqual(keys, [...Array(18).fill(0), 1]);
});

Deno.test("the generator is deterministic under a seed", () => {
  const run = (seed: number) => {
    const gen = linKv.generator(options(2, 8), createRng(seed));
    return JSON.stringify(
      Array.from({ length: 200 }, (_, i) => gen.next({ timeS: 0, thread: i % 8, process: i % 8 })),
    );
  };
  assert.equal(run(9), run(9));
  assert.notEqual(run(9), run(10));
});

/** A client whose RPC answers with `reply` and records what was sent. */
function fakeClient(reply: Record<string, unknown> | Error) {
  const sent: Record<string, unknown>[] = [];
  const client = new LinKvClient((body) => {
    sent.push(body);
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  });
  return { client, sent };
}

Deno.test("the client sends read, write and cas and records [k v] values", async () => {
  let c = fakeClient({ type: "read_ok", value: 3, in_reply_to: 1 });
  assert.deepEqual(await c.client.invoke({ f: "read", value: [7, null] }), {
    type: "ok",
    value: [7, 3],
  });
  assert.deepEqual(c.sent, [{ type: "read", key: 7 }]);

  c = fakeClient({ type: "read_ok", value: null, in_reply_to: 1, msg_id: 4 });
  assert.deepEqual(await c.client.invoke({ f: "read", value: [7, null] }), {
    type: "ok",
    value: [7, null],
  });

  c = fakeClient({ type: "write_ok", in_reply_to: 2 });
  assert.deepEqual(await c.client.invoke({ f: "write", value: [7, 4] }), { type: "ok" });
  assert.deepEqual(c.sent, [{ type: "write", key: 7, value: 4 }]);

  c = fakeClient({ type: "cas_ok", in_reply_to: 3 });
  assert.deepEqual(await c.client.invoke({ f: "cas", value: [7, [1, 2]] }), { type: "ok" });
  assert.deepEqual(c.sent, [{ type: "cas", key: 7, from: 1, to: 2 }]);
});

Deno.test("the client lets RPC errors through for the runner to map", async () => {
  const err = new RpcError(22, "current value 1 is not 2");
  const { client } = fakeClient(err);
  await assert.rejects(() => client.invoke({ f: "cas", value: [0, [2, 3]] }), (e) => e === err);
});

Deno.test("the client rejects replies outside the closed schema, quoting them", async () => {
  const cases: [OpTemplate, Record<string, unknown>, RegExp][] = [
    [
      { f: "read", value: [0, null] },
      { type: "read_ok", in_reply_to: 1 },
      /key "value" is missing/,
    ],
    [
      { f: "read", value: [0, null] },
      { type: "read_ok", value: 1, in_reply_to: 1, extra: true },
      /key "extra" is not allowed/,
    ],
    [
      { f: "read", value: [0, null] },
      { type: "write_ok", in_reply_to: 1 },
      /key "type" should be "read_ok" but is "write_ok"/,
    ],
    [{ f: "write", value: [0, 1] }, { type: "write_ok" }, /key "in_reply_to" is missing/],
    [
      { f: "write", value: [0, 1] },
      { type: "write_ok", in_reply_to: 1.5 },
      /key "in_reply_to" should be an integer but is 1\.5/,
    ],
    [
      { f: "cas", value: [0, [1, 2]] },
      { type: "cas_ok", in_reply_to: 1, msg_id: "x" },
      /key "msg_id" should be an integer/,
    ],
    [
      { f: "cas", value: [0, [1, 2]] },
      { type: "cas_ok", in_reply_to: 1, value: 2, note: "hi" },
      /key "value" is not allowed; key "note" is not allowed/,
    ],
  ];
  for (const [op, reply, pattern] of cases) {
    const { client } = fakeClient(reply);
    const error = await client.invoke(op).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof MalformedReply, `no MalformedReply for ${JSON.stringify(reply)}`);
    assert.match(error.message, /^Malformed RPC response: /);
    assert.match(error.message, pattern);
    assert.ok(error.message.includes(JSON.stringify(reply)), error.message);
  }
});

Deno.test("the client refuses ops it does not know", async () => {
  const { client } = fakeClient({ type: "read_ok", value: 1, in_reply_to: 1 });
  await assert.rejects(
    () => client.invoke({ f: "append", value: [0, 1] }),
    /cannot run f "append"/,
  );
  await assert.rejects(() => client.invoke({ f: "read", value: 5 }), /\[key, value\] tuple/);
});

Deno.test("check is the linearizable register checker", () => {
  const h: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "write", value: [0, 1] },
    { index: 1, time: 1, type: "ok", process: 0, f: "write", value: [0, 1] },
    { index: 2, time: 2, type: "invoke", process: 1, f: "read", value: [0, null] },
    { index: 3, time: 3, type: "ok", process: 1, f: "read", value: [0, 2] },
  ];
  const r = linKv.check(h, options(1, 2));
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.failures, [0]);
});
