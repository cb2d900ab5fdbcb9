import assert from "node:assert/strict";
import { txnRwRegister } from "./txn_rw_register.ts";
import { createRng } from "../rng.ts";
import { MalformedReply } from "../types.ts";
import type { ClientRpc, Op, OpTemplate, TestOptions } from "../types.ts";
import { RpcError } from "../../lib/errors.ts";

const OPTS: TestOptions = {
  workload: "txn-rw-register",
  nodes: ["n0", "n1"],
  concurrency: 4,
  timeLimitS: 20,
  rate: 1000,
  latencyMs: 0,
  latencyDist: "constant",
  nemesis: [],
  nemesisIntervalS: 10,
  topology: "grid",
  availability: "total",
  consistencyModels: ["read-committed"],
  keyCount: undefined,
  maxTxnLength: 4,
  maxWritesPerKey: 16,
  seed: 1,
};

const CTX = { timeS: 0, thread: 0, process: 0 };

function generate(count: number, seed: number, opts: Partial<TestOptions> = {}): OpTemplate[] {
  const gen = txnRwRegister.generator({ ...OPTS, ...opts }, createRng(seed));
  return Array.from({ length: count }, () => gen.next(CTX)!);
}

type Mop = [string, number, number | null];

Deno.test("workload metadata matches Maelstrom", () => {
  assert.equal(txnRwRegister.name, "txn-rw-register");
  assert.equal(txnRwRegister.wrapped, true);
  assert.equal(txnRwRegister.idempotent.size, 0);
  assert.equal(txnRwRegister.reusableClients, true);
  assert.equal(txnRwRegister.final, undefined);
  assert.equal(txnRwRegister.setup, undefined);
});

Deno.test("generator: txn ops of well-formed micro-ops, every length 1..max", () => {
  for (const max of [1, 2, 4, 7]) {
    const lengths = new Set<number>();
    for (const op of generate(3000, max, { maxTxnLength: max })) {
      assert.equal(op.f, "txn");
      const value = op.value as Mop[];
      lengths.add(value.length);
      for (const m of value) {
        assert.equal(m.length, 3);
        assert.ok(Number.isInteger(m[1]));
        if (m[0] === "r") assert.equal(m[2], null);
        else {
          assert.equal(m[0], "w");
          assert.ok(Number.isInteger(m[2]) && (m[2] as number) >= 1);
        }
      }
    }
    assert.deepEqual(
      [...lengths].sort((a, b) => a - b),
      Array.from({ length: max }, (_, i) => i + 1),
    );
  }
});

Deno.test("generator: writes are unique per key and count 1, 2, ... up to the limit", () => {
  const mops = generate(5000, 3, { maxWritesPerKey: 5 }).flatMap((op) => op.value as Mop[]);
  const byKey = new Map<number, number[]>();
  for (const [f, k, v] of mops) if (f === "w") byKey.set(k, [...(byKey.get(k) ?? []), v!]);
  assert.ok(byKey.size > 10, "keys should retire and fresh ones appear");
  for (const [k, vs] of byKey) {
    assert.deepEqual(vs, vs.map((_, i) => i + 1), `key ${k}`);
    assert.ok(vs.length <= 5, `key ${k}`);
  }
  const reads = mops.filter((m) => m[0] === "r").length;
  assert.ok(reads > mops.length * 0.4 && reads < mops.length * 0.6, "reads and writes are 50/50");
});

Deno.test("generator: the key window starts at keyCount keys", () => {
  const first = generate(3, 1, { keyCount: 3 }).flatMap((op) => op.value as Mop[]);
  for (const [, k] of first) assert.ok(k >= 0 && k < 3, `key ${k}`);
});

Deno.test("generator: deterministic by seed", () => {
  assert.deepEqual(generate(500, 42), generate(500, 42));
  assert.notDeepEqual(generate(500, 42), generate(500, 43));
});

Deno.test("generator: rejects a maximum length below 1", () => {
  assert.throws(
    () => txnRwRegister.generator({ ...OPTS, maxTxnLength: 0 }, createRng(1)),
    RangeError,
  );
});

/** A client whose rpc records the request and answers with `reply`. */
function clientWith(reply: Record<string, unknown> | Error) {
  const sent: Record<string, unknown>[] = [];
  const rpc: ClientRpc = (body) => {
    sent.push(body);
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  };
  return { client: txnRwRegister.openClient(rpc, OPTS), sent };
}

const REQUEST: OpTemplate = { f: "txn", value: [["r", 1, null], ["w", 1, 2]] };

Deno.test("client: a good reply is ok with the reply's transaction", async () => {
  const txn = [["r", 1, 5], ["w", 1, 2]];
  const { client, sent } = clientWith({ type: "txn_ok", txn, in_reply_to: 1, msg_id: 7 });
  assert.deepEqual(await client.invoke(REQUEST), { type: "ok", value: txn });
  assert.deepEqual(sent, [{ type: "txn", txn: REQUEST.value }]);
  // msg_id is optional, and Maelstrom's sequence schemas admit null.
  const bare = clientWith({ type: "txn_ok", txn: null, in_reply_to: 1 });
  assert.deepEqual(await bare.client.invoke(REQUEST), { type: "ok", value: null });
});

Deno.test("client: any deviation from the closed schema is a MalformedReply", async () => {
  const good = { type: "txn_ok", txn: [["r", 1, 5]], in_reply_to: 1 };
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["an extra key", { ...good, extra: true }, /key "extra" is not allowed/],
    ["the wrong type", { ...good, type: "txn_okay" }, /key "type" should be "txn_ok"/],
    ["a missing txn", { type: "txn_ok", in_reply_to: 1 }, /key "txn" is missing/],
    ["a short micro-op", { ...good, txn: [["r", 1]] }, /key "txn" should be an array of micro-ops/],
    ["a non-array micro-op", { ...good, txn: [5] }, /key "txn" should be/],
    ["a missing in_reply_to", { type: "txn_ok", txn: [] }, /key "in_reply_to" is missing/],
    ["a float msg_id", { ...good, msg_id: 1.5 }, /key "msg_id" should be an integer/],
  ];
  for (const [what, reply, message] of bad) {
    const { client } = clientWith(reply);
    const err = await client.invoke(REQUEST).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MalformedReply, `${what} should be malformed`);
    assert.match(err.message, message, what);
    // The message quotes the reply, so the node's author sees what was sent.
    assert.ok(err.message.includes(JSON.stringify(reply)), what);
  }
});

Deno.test("client: RPC errors propagate to the runner", async () => {
  const { client } = clientWith(new RpcError(30, "txn conflict"));
  await assert.rejects(() => client.invoke(REQUEST), RpcError);
});

Deno.test("check: delegates to the rw-register checker with the test's models", () => {
  const op = (
    index: number,
    type: Op["type"],
    process: number | "nemesis",
    value: unknown,
  ): Op => ({
    index,
    time: index,
    type,
    process,
    f: process === "nemesis" ? "start-partition" : "txn",
    value,
  });
  // T1 and T2 each read the other's write: G1c, prohibited at read-committed only.
  const h = [
    op(0, "invoke", 0, [["w", 1, 1], ["r", 2, null]]),
    op(1, "invoke", 1, [["w", 2, 1], ["r", 1, null]]),
    op(2, "info", "nemesis", null),
    op(3, "ok", 0, [["w", 1, 1], ["r", 2, 1]]),
    op(4, "ok", 1, [["w", 2, 1], ["r", 1, 1]]),
  ];
  assert.deepEqual(txnRwRegister.check(h, OPTS)["anomaly-types"], ["G1c"]);
  assert.deepEqual(
    txnRwRegister.check(h, { ...OPTS, consistencyModels: ["read-uncommitted"] }),
    { "valid?": true },
  );
});
