import assert from "node:assert/strict";
import { txnRwRegister } from "./txn_rw_register.ts";
import { createRng } from "../rng.ts";
import { MalformedReply } from "../types.ts";
import type { BeyondMaelstrom, ClientRpc, Op, OpTemplate, TestOptions } from "../types.ts";
import { checkRwRegister } from "../checkers/elle/rw_register.ts";
import { RpcError } from "../../lib/errors.ts";
import { z } from "zod";
import { Node, type NodeOptions } from "../../lib/mod.ts";
import { simulate } from "../testing.ts";

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
  // msg_id is optional, and Maelstrom's sequence schemas admit null, which its client maps to
  // an empty transaction.
  const bare = clientWith({ type: "txn_ok", txn: null, in_reply_to: 1 });
  assert.deepEqual(await bare.client.invoke(REQUEST), { type: "ok", value: [] });
});

Deno.test("client: any deviation from the closed schema is a MalformedReply", async () => {
  const good = { type: "txn_ok", txn: [["r", 1, 5]], in_reply_to: 1 };
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["an extra key", { ...good, extra: true }, /key "extra" is not allowed/],
    ["the wrong type", { ...good, type: "txn_okay" }, /key "type" should be "txn_ok"/],
    ["a missing txn", { type: "txn_ok", in_reply_to: 1 }, /key "txn" is missing/],
    ["a short micro-op", { ...good, txn: [["r", 1]] }, /key "txn" should be an array of micro-ops/],
    ["a non-array micro-op", { ...good, txn: [5] }, /key "txn" should be/],
    ["a micro-op of zeros", { ...good, txn: [[0, 0, 0]] }, /key "txn" should be/],
    ["a null micro-op", { ...good, txn: [null] }, /key "txn" should be/],
    ["the wrong function", { ...good, txn: [["read", 1, 5]] }, /key "txn" should be/],
    ["an append", { ...good, txn: [["append", 1, 5]] }, /key "txn" should be/],
    ["a long micro-op", { ...good, txn: [["r", 1, 5, 6]] }, /key "txn" should be/],
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

Deno.test("client: replies Maelstrom's schema admits are ok, however little they answer", async () => {
  // Maelstrom's schema takes any key and value, so these are ok ops; the check judges them.
  for (const txn of [[], [["r", null, null], ["w", null, null]], [["w", 1, 2], ["r", 1, 5]]]) {
    const { client } = clientWith({ type: "txn_ok", txn, in_reply_to: 1 });
    assert.deepEqual(await client.invoke(REQUEST), { type: "ok", value: txn });
  }
});

/** A history of one op per process: each request and what the node answered. */
function answered(...pairs: [unknown[], unknown][]): Op[] {
  return pairs.flatMap(([request, reply], process) => [
    { index: 2 * process, time: 2 * process, type: "invoke", process, f: "txn", value: request },
    { index: 2 * process + 1, time: 2 * process + 1, type: "ok", process, f: "txn", value: reply },
  ]);
}

Deno.test("check: replies that do not answer their request are findings beyond Maelstrom", () => {
  // A sound core, T1 writes 1 and T2 reads it, so Elle's analysis has a graph to check...
  const core: [unknown[], unknown][] = [
    [[["w", 1, 1]], [["w", 1, 1]]],
    [[["r", 1, null]], [["r", 1, 1]]],
  ];
  const request = [["r", 2, null], ["w", 2, 1]];
  // ...and one nonsense reply of each kind.
  const nonsense: [string, unknown][] = [
    ["length", []],
    ["function", [["w", 2, 1], ["r", 2, null]]],
    ["key", [["r", null, null], ["w", 2, 1]]],
    ["write-value", [["r", 2, null], ["w", 2, 0]]],
    ["read-value", [["r", 2, "x"], ["w", 2, 1]]],
  ];
  for (const [kind, reply] of nonsense) {
    const h = answered(...core, [request, reply]);
    const result = txnRwRegister.check(h, OPTS);
    const findings = result["beyond-maelstrom"] as BeyondMaelstrom[];
    assert.ok(findings, kind);
    const mismatch = findings.filter((f) => f.anomaly === "txn-reply-mismatch");
    assert.deepEqual(mismatch.map((f) => [f.kind, f.count, f.ops]), [[kind, 1, [5]]], kind);
    assert.match(mismatch[0].message, /Maelstrom does not check this/, kind);
    // The default verdict is what Elle says of the reply as given; strict fails the run.
    const elle = checkRwRegister(h.filter((op) => typeof op.process === "number"), {
      consistencyModels: OPTS.consistencyModels,
    });
    assert.equal(result["valid?"], elle["valid?"], kind);
    assert.equal(txnRwRegister.check(h, { ...OPTS, strict: true })["valid?"], false, kind);
  }
  // The sound core alone has no finding.
  assert.deepEqual(txnRwRegister.check(answered(...core), OPTS), { "valid?": true });
});

// ## End to end, in the simulator

const Txn = z.object({
  type: z.literal("txn"),
  txn: z.array(z.tuple([z.string(), z.number(), z.number().nullable()])),
});

/** A node that answers every transaction with `answer(request)`. */
function answering(answer: (txn: z.infer<typeof Txn>["txn"]) => unknown) {
  return (options?: NodeOptions) => {
    const node = new Node(options);
    node.on(Txn, (msg) => ({ type: "txn_ok", txn: answer(msg.body.txn) }));
    return node;
  };
}

const SIM_ARGS = "-w txn-rw-register --node-count 1 --time-limit 3 --rate 50 --concurrency 2n " +
  "--availability total";

Deno.test("simulator: micro-ops outside Maelstrom's schema are info, so total availability fails", async () => {
  const run = await simulate(answering(() => [[0, 0, 0]]), SIM_ARGS, 1);
  assert.equal(run.results["valid?"], false);
  const availability = run.results.availability as Record<string, unknown>;
  assert.equal(availability["valid?"], false);
  assert.equal(availability["ok-fraction"], 0);
  const infos = run.history.filter((op) => op.type === "info");
  assert.ok(infos.length > 50, `only ${infos.length} info ops`);
  assert.match(infos[0].exception?.message ?? "", /Malformed RPC response/);
});

Deno.test("simulator: replies that ignore the request are findings beyond Maelstrom", async () => {
  // Every request answered with one read of key 0 returning null: Maelstrom's schema takes it.
  const run = await simulate(answering(() => [["r", 0, null]]), SIM_ARGS, 1);
  const workload = run.results.workload as Record<string, unknown>;
  const kinds = (workload["beyond-maelstrom"] as BeyondMaelstrom[]).map((f) => f.kind);
  // Requests longer than one micro-op get too few back; single reads and writes of other keys
  // get the wrong key or function.
  assert.ok(kinds.includes("length") && kinds.includes("key"), JSON.stringify(kinds));
  // Elle sees only reads of nothing, ordered in real time: nothing it forbids, so Maelstrom
  // passes this node and so do we by default. Under --strict the findings fail the run.
  assert.equal(workload["valid?"], true);
  assert.equal(run.results["valid?"], true);
  const strict = await simulate(answering(() => [["r", 0, null]]), `${SIM_ARGS} --strict`, 1);
  assert.equal((strict.results.workload as Record<string, unknown>)["valid?"], false);
  assert.equal(strict.results["valid?"], false);
});
