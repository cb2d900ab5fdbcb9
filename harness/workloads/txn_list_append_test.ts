import assert from "node:assert/strict";
import { txnListAppend } from "./txn_list_append.ts";
import { createRng } from "../rng.ts";
import { MalformedReply } from "../types.ts";
import type { BeyondMaelstrom, ClientRpc, Op, OpTemplate, TestOptions } from "../types.ts";
import { checkListAppend } from "../checkers/elle/list_append.ts";
import { RpcError } from "../../lib/errors.ts";
import { explain, simulate } from "../testing.ts";

const OPTS: TestOptions = {
  workload: "txn-list-append",
  nodes: ["n0", "n1"],
  concurrency: 4,
  timeLimitS: 20,
  rate: 1000,
  latencyMs: 0,
  latencyDist: "constant",
  nemesis: [],
  nemesisIntervalS: 10,
  topology: "grid",
  availability: undefined,
  consistencyModels: ["strict-serializable"],
  keyCount: undefined,
  maxTxnLength: 4,
  maxWritesPerKey: 16,
  seed: 1,
};

const CTX = { timeS: 0, thread: 0, process: 0 };

function generate(count: number, seed: number, opts: Partial<TestOptions> = {}): OpTemplate[] {
  const gen = txnListAppend.generator({ ...OPTS, ...opts }, createRng(seed));
  return Array.from({ length: count }, () => gen.next(CTX)!);
}

type Mop = [string, number, number | null];

Deno.test("workload metadata matches Maelstrom", () => {
  assert.equal(txnListAppend.name, "txn-list-append");
  assert.equal(txnListAppend.wrapped, true);
  assert.equal(txnListAppend.idempotent.size, 0);
  assert.equal(txnListAppend.reusableClients, true);
  assert.equal(txnListAppend.final, undefined);
  assert.equal(txnListAppend.setup, undefined);
});

Deno.test("generator: txn ops of reads and appends, every length 1..max", () => {
  for (const max of [1, 2, 4, 7]) {
    const lengths = new Set<number>();
    for (const op of generate(3000, max, { maxTxnLength: max })) {
      assert.equal(op.f, "txn");
      const value = op.value as Mop[];
      lengths.add(value.length);
      for (const [f, k, v] of value) {
        assert.ok(Number.isInteger(k));
        if (f === "r") assert.equal(v, null);
        else {
          assert.equal(f, "append");
          assert.ok(Number.isInteger(v) && v! >= 1);
        }
      }
    }
    assert.deepEqual(
      [...lengths].sort((a, b) => a - b),
      Array.from({ length: max }, (_, i) => i + 1),
    );
  }
});

Deno.test("generator: appended values are unique per key, 1, 2, ... up to the limit", () => {
  const mops = generate(5000, 3, { maxWritesPerKey: 5 }).flatMap((op) => op.value as Mop[]);
  const byKey = new Map<number, number[]>();
  for (const [f, k, v] of mops) if (f === "append") byKey.set(k, [...(byKey.get(k) ?? []), v!]);
  assert.ok(byKey.size > 10, "keys should retire and fresh ones appear");
  for (const [k, vs] of byKey) {
    assert.deepEqual(vs, vs.map((_, i) => i + 1), `key ${k}`);
    assert.ok(vs.length <= 5, `key ${k}`);
  }
  const reads = mops.filter((m) => m[0] === "r").length;
  assert.ok(reads > mops.length * 0.4 && reads < mops.length * 0.6, "reads and appends are 50/50");
});

Deno.test("generator: deterministic by seed, and rejects a maximum length below 1", () => {
  assert.deepEqual(generate(500, 42), generate(500, 42));
  assert.notDeepEqual(generate(500, 42), generate(500, 43));
  assert.throws(
    () => txnListAppend.generator({ ...OPTS, maxTxnLength: 0 }, createRng(1)),
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
  return { client: txnListAppend.openClient(rpc, OPTS), sent };
}

const REQUEST: OpTemplate = { f: "txn", value: [["r", 1, null], ["append", 1, 2]] };

Deno.test("client: a good reply is ok with the reply's transaction", async () => {
  const txn = [["r", 1, [1]], ["append", 1, 2], ["r", 2, null]];
  const { client, sent } = clientWith({ type: "txn_ok", txn, in_reply_to: 1, msg_id: 7 });
  assert.deepEqual(await client.invoke(REQUEST), { type: "ok", value: txn });
  assert.deepEqual(sent, [{ type: "txn", txn: REQUEST.value }]);
  // Maelstrom's sequence schemas admit a null transaction, which it turns into an empty one.
  const bare = clientWith({ type: "txn_ok", txn: null, in_reply_to: 1 });
  assert.deepEqual(await bare.client.invoke(REQUEST), { type: "ok", value: [] });
});

Deno.test("client: any deviation from the closed schema is a MalformedReply", async () => {
  const good = { type: "txn_ok", txn: [["r", 1, [5]]], in_reply_to: 1 };
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["an extra key", { ...good, extra: true }, /key "extra" is not allowed/],
    ["the wrong type", { ...good, type: "txn_okay" }, /key "type" should be "txn_ok"/],
    ["a missing txn", { type: "txn_ok", in_reply_to: 1 }, /key "txn" is missing/],
    ["a scalar read", { ...good, txn: [["r", 1, 5]] }, /key "txn" should be an array of micro-ops/],
    ["a register write", { ...good, txn: [["w", 1, 5]] }, /key "txn" should be/],
    ["a short micro-op", { ...good, txn: [["append", 1]] }, /key "txn" should be/],
    ["a micro-op of zeros", { ...good, txn: [[0, 0, 0]] }, /key "txn" should be/],
    ["a null micro-op", { ...good, txn: [null] }, /key "txn" should be/],
    ["the wrong function", { ...good, txn: [["read", 1, [5]]] }, /key "txn" should be/],
    ["a missing in_reply_to", { type: "txn_ok", txn: [] }, /key "in_reply_to" is missing/],
  ];
  for (const [what, reply, message] of bad) {
    const { client } = clientWith(reply);
    const err = await client.invoke(REQUEST).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof MalformedReply, `${what} should be malformed`);
    assert.match(err.message, message, what);
  }
});

Deno.test("client: RPC errors propagate to the runner", async () => {
  const { client } = clientWith(new RpcError(30, "txn conflict"));
  await assert.rejects(() => client.invoke(REQUEST), RpcError);
});

Deno.test("check: delegates to the list-append checker with the test's models", () => {
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
  // T1 and T2 each read the other's append: G1c, prohibited at read-committed only.
  const h = [
    op(0, "invoke", 0, [["append", 1, 1], ["r", 2, null]]),
    op(1, "invoke", 1, [["append", 2, 1], ["r", 1, null]]),
    op(2, "info", "nemesis", null),
    op(3, "ok", 0, [["append", 1, 1], ["r", 2, [1]]]),
    op(4, "ok", 1, [["append", 2, 1], ["r", 1, [1]]]),
  ];
  const rc = { ...OPTS, consistencyModels: ["read-committed"] };
  assert.deepEqual(txnListAppend.check(h, rc)["anomaly-types"], ["G1c"]);
  assert.deepEqual(
    txnListAppend.check(h, { ...OPTS, consistencyModels: ["read-uncommitted"] }),
    { "valid?": true },
  );
});

/** A history of one op per process: each request and what the node answered. */
function answered(...pairs: [unknown[], unknown][]): Op[] {
  return pairs.flatMap(([request, reply], process) => [
    { index: 2 * process, time: 2 * process, type: "invoke", process, f: "txn", value: request },
    { index: 2 * process + 1, time: 2 * process + 1, type: "ok", process, f: "txn", value: reply },
  ]);
}

Deno.test("check: replies that do not answer their request are findings beyond Maelstrom", () => {
  const core: [unknown[], unknown][] = [
    [[["append", 1, 1]], [["append", 1, 1]]],
    [[["r", 1, null]], [["r", 1, [1]]]],
  ];
  const request = [["r", 2, null], ["append", 2, 1]];
  const nonsense: [string, unknown][] = [
    ["length", []],
    ["length", [["r", 2, null]]],
    ["function", [["append", 2, 1], ["r", 2, null]]],
    ["key", [["r", 3, null], ["append", 2, 1]]],
    ["write-value", [["r", 2, null], ["append", 2, 9]]],
    ["read-value", [["r", 2, ["x"]], ["append", 2, 1]]],
  ];
  for (const [kind, reply] of nonsense) {
    const h = answered(...core, [request, reply]);
    const result = txnListAppend.check(h, OPTS);
    const mismatch = (result["beyond-maelstrom"] as BeyondMaelstrom[] | undefined ?? [])
      .filter((f) => f.anomaly === "txn-reply-mismatch");
    assert.deepEqual(mismatch.map((f) => [f.kind, f.count, f.ops]), [[kind, 1, [5]]], kind);
    const elle = checkListAppend(h, { consistencyModels: OPTS.consistencyModels });
    assert.equal(result["valid?"], elle["valid?"], kind);
    assert.equal(txnListAppend.check(h, { ...OPTS, strict: true })["valid?"], false, kind);
  }
  assert.equal("beyond-maelstrom" in txnListAppend.check(answered(...core), OPTS), false);
});

// ## End to end, in the simulator

const FIXTURE = "tests/fixtures/list_append_lossy.ts";
const ARGS = "-w txn-list-append --time-limit 5 --rate 100 --concurrency 2n";

Deno.test("simulator: one replica of the unreplicated node is strict serializable", async () => {
  const run = await simulate(FIXTURE, `${ARGS} --node-count 1`, 1);
  assert.equal(run.results["valid?"], true, explain(run.results));
  const stats = run.results.stats as Record<string, number>;
  assert.ok(stats["ok-count"] > 300, `only ${stats["ok-count"]} transactions`);
});

Deno.test("simulator: two unreplicated nodes are caught (incompatible order)", async () => {
  const run = await simulate(FIXTURE, `${ARGS} --node-count 2`, 1);
  assert.equal(run.results["valid?"], false);
  const workload = run.results.workload as Record<string, unknown>;
  const types = workload["anomaly-types"] as string[];
  assert.ok(types.includes("incompatible-order"), JSON.stringify(types));
  // Even read uncommitted fails. The longest read of a key comes from one node, and Elle places
  // the appends it does not show (the other node's) after its last element; across keys those
  // placements contradict one another, which is a write cycle.
  const ru = await simulate(
    FIXTURE,
    `${ARGS} --node-count 2 --consistency-models read-uncommitted`,
    1,
  );
  const ruWorkload = ru.results.workload as Record<string, unknown>;
  assert.equal(ruWorkload["valid?"], false);
  assert.deepEqual(ruWorkload["anomaly-types"], ["G0"]);
});
