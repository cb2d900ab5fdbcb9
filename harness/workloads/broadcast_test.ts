import assert from "node:assert/strict";
import { RpcError } from "../../lib/errors.ts";
import { createRng } from "../rng.ts";
import type { FinalContext, Op, OpTemplate, TestOptions } from "../types.ts";
import { MalformedReply } from "../types.ts";
import { broadcast } from "./broadcast.ts";
import { buildTopology } from "./topology.ts";

const opts = { nodes: ["n0", "n1", "n2", "n3", "n4"], topology: "grid" } as TestOptions;
const ctx = { timeS: 0, thread: 0, process: 0 };

Deno.test("broadcast's generator: a deterministic 50/50 mix with increasing values", () => {
  const draw = (seed: number) => {
    const gen = broadcast.generator(opts, createRng(seed));
    return Array.from({ length: 1000 }, () => gen.next(ctx)!);
  };
  const ops = draw(9);
  assert.deepEqual(ops, draw(9));
  assert.notDeepEqual(ops, draw(10));
  const values = ops.filter((op) => op.f === "broadcast").map((op) => op.value);
  assert.deepEqual(values, values.map((_, i) => i));
  const reads = ops.filter((op) => op.f === "read");
  assert.ok(reads.every((op) => op.value === null));
  assert.ok(reads.length > 400 && reads.length < 600, `${reads.length} reads of 1000`);
});

Deno.test("broadcast's flags: wrapped, read idempotent, clients not reusable", () => {
  assert.equal(broadcast.name, "broadcast");
  assert.equal(broadcast.wrapped, true);
  assert.deepEqual([...broadcast.idempotent], ["read"]);
  assert.equal(broadcast.reusableClients, false);
});

Deno.test("setup sends the whole topology to every node", async () => {
  const sent: [string, Record<string, unknown>][] = [];
  await broadcast.setup!({
    rpc: (node, body) => {
      sent.push([node, body]);
      return Promise.resolve({ type: "topology_ok", in_reply_to: 1 });
    },
  }, opts);
  assert.deepEqual(sent.map(([n]) => n).sort(), opts.nodes);
  for (const [, body] of sent) {
    assert.deepEqual(body, { type: "topology", topology: buildTopology("grid", opts.nodes) });
  }
});

Deno.test("setup fails on a malformed topology_ok or an error, crashing the test", async () => {
  await assert.rejects(
    broadcast.setup!({
      rpc: (node) =>
        Promise.resolve(
          node === "n3"
            ? { type: "topology_ok", in_reply_to: 1, extra: 1 }
            : { type: "topology_ok", in_reply_to: 1 },
        ),
    }, opts),
    /Setup request "topology" to "n3" failed: Malformed RPC response: key "extra" is not allowed/,
  );
  await assert.rejects(
    broadcast.setup!({ rpc: () => Promise.reject(new RpcError(10)) }, opts),
    RpcError,
  );
  await assert.rejects(
    broadcast.setup!({ rpc: () => Promise.resolve({}) }, { ...opts, topology: "ring" }),
    /Unknown topology "ring"/,
  );
});

Deno.test("the broadcast client: broadcast sends message, read returns messages", async () => {
  const sent: Record<string, unknown>[] = [];
  const client = broadcast.openClient((body) => {
    sent.push(body);
    return Promise.resolve(
      body.type === "broadcast"
        ? { type: "broadcast_ok", in_reply_to: 1 }
        : { type: "read_ok", in_reply_to: 2, messages: [3, 1] },
    );
  }, opts);
  assert.deepEqual(await client.invoke({ f: "broadcast", value: 3 }), { type: "ok" });
  assert.deepEqual(await client.invoke({ f: "read", value: null }), { type: "ok", value: [3, 1] });
  assert.deepEqual(sent, [{ type: "broadcast", message: 3 }, { type: "read" }]);
  const nullRead = broadcast.openClient(
    () => Promise.resolve({ type: "read_ok", in_reply_to: 1, messages: null }),
    opts,
  );
  assert.deepEqual(await nullRead.invoke({ f: "read", value: null }), { type: "ok", value: null });
  const bad = broadcast.openClient(
    () => Promise.resolve({ type: "read_ok", in_reply_to: 1, messages: { a: 1 } }),
    opts,
  );
  await assert.rejects(bad.invoke({ f: "read", value: null }), MalformedReply);
});

Deno.test("the final phase does one read marked final", async () => {
  const invoked: OpTemplate[] = [];
  const fctx = {
    thread: 0,
    invoke: (op: OpTemplate) => {
      invoked.push(op);
      return Promise.resolve({} as Op);
    },
  } as unknown as FinalContext;
  await broadcast.final!(fctx, opts);
  assert.deepEqual(invoked, [{ f: "read", value: null, final: true }]);
});

Deno.test("the broadcast checker warns about values never broadcast, and fails only if strict", () => {
  const h: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "broadcast", value: 0 },
    { index: 1, time: 1, type: "ok", process: 0, f: "broadcast", value: 0 },
    { index: 2, time: 2, type: "invoke", process: 1, f: "read", value: null, final: true },
    { index: 3, time: 3, type: "ok", process: 1, f: "read", value: [0], final: true },
  ];
  assert.equal(broadcast.check(h, opts)["valid?"], true);
  const extra = [...h.slice(0, 3), { ...h[3], value: [0, 1] }];
  const r = broadcast.check(extra, opts);
  assert.equal(r["valid?"], true);
  assert.deepEqual(
    (r["beyond-maelstrom"] as { anomaly: string }[]).map((f) => f.anomaly),
    ["unexpected-values"],
  );
  assert.equal(broadcast.check(extra, { ...opts, strict: true })["valid?"], false);
  // n1's final read misses the acknowledged 0, but n2's, invoked later, has it: set-full passes.
  const missing: Op[] = [
    ...h.slice(0, 3),
    { index: 3, time: 3, type: "invoke", process: 2, f: "read", value: null, final: true },
    { index: 4, time: 4, type: "ok", process: 1, f: "read", value: [], final: true, node: "n1" },
    { index: 5, time: 5, type: "ok", process: 2, f: "read", value: [0], final: true, node: "n2" },
  ];
  const m = broadcast.check(missing, opts);
  assert.equal(m["valid?"], true);
  assert.deepEqual(
    (m["beyond-maelstrom"] as { anomaly: string; node: string }[]).map((f) => [f.anomaly, f.node]),
    [["final-read-missing-values", "n1"]],
  );
  assert.equal(broadcast.check(missing, { ...opts, strict: true })["valid?"], false);
});
