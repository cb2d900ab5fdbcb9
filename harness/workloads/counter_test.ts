import assert from "node:assert/strict";
import { createRng } from "../rng.ts";
import type { FinalContext, Op, OpTemplate, TestOptions } from "../types.ts";
import { MalformedReply } from "../types.ts";
import { gCounter, pnCounter } from "./counter.ts";

const opts = { nodes: ["n0"] } as TestOptions;
const ctx = { timeS: 0, thread: 0, process: 0 };
const draw = (w: typeof gCounter, seed: number, n = 3000) => {
  const gen = w.generator(opts, createRng(seed));
  return Array.from({ length: n }, () => gen.next(ctx)!);
};

Deno.test("pn-counter's generator: 50/50 adds of -5..4 and reads, deterministic", () => {
  const ops = draw(pnCounter, 1);
  assert.deepEqual(ops, draw(pnCounter, 1));
  assert.notDeepEqual(ops, draw(pnCounter, 2));
  const deltas = ops.filter((op) => op.f === "add").map((op) => op.value as number);
  assert.deepEqual([...new Set(deltas)].sort((a, b) => a - b), [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
  assert.ok(deltas.length > 1300 && deltas.length < 1700, `${deltas.length} adds of 3000`);
  assert.ok(ops.filter((op) => op.f === "read").every((op) => op.value === null));
});

Deno.test("g-counter's generator drops negative adds: a third adds of 0..4", () => {
  const ops = draw(gCounter, 1);
  assert.deepEqual(ops, draw(gCounter, 1));
  const deltas = ops.filter((op) => op.f === "add").map((op) => op.value as number);
  assert.deepEqual([...new Set(deltas)].sort((a, b) => a - b), [0, 1, 2, 3, 4]);
  assert.ok(deltas.length > 850 && deltas.length < 1150, `${deltas.length} adds of 3000`);
});

Deno.test("counter flags: not wrapped, not reusable, names", () => {
  for (const w of [gCounter, pnCounter]) {
    assert.equal(w.wrapped, false);
    assert.equal(w.reusableClients, false);
    assert.equal(w.idempotent.size, 0);
  }
  assert.equal(gCounter.name, "g-counter");
  assert.equal(pnCounter.name, "pn-counter");
});

Deno.test("the counter client sends delta and requires an integer value", async () => {
  const sent: Record<string, unknown>[] = [];
  const client = pnCounter.openClient((body) => {
    sent.push(body);
    return Promise.resolve(
      body.type === "add"
        ? { type: "add_ok", in_reply_to: 1 }
        : { type: "read_ok", in_reply_to: 2, value: 12 },
    );
  }, opts);
  assert.deepEqual(await client.invoke({ f: "add", value: -3 }), { type: "ok" });
  assert.deepEqual(await client.invoke({ f: "read", value: null, final: true }), {
    type: "ok",
    value: 12,
  });
  assert.deepEqual(sent, [{ type: "add", delta: -3 }, { type: "read" }]);
  const bad = gCounter.openClient(
    () => Promise.resolve({ type: "read_ok", in_reply_to: 1, value: 1.5 }),
    opts,
  );
  await assert.rejects(bad.invoke({ f: "read", value: null }), MalformedReply);
});

Deno.test("the counter final phase does one read marked final", async () => {
  for (const w of [gCounter, pnCounter]) {
    const invoked: OpTemplate[] = [];
    const fctx = {
      invoke: (op: OpTemplate) => {
        invoked.push(op);
        return Promise.resolve({} as Op);
      },
    } as unknown as FinalContext;
    await w.final!(fctx, opts);
    assert.deepEqual(invoked, [{ f: "read", value: null, final: true }]);
  }
});

Deno.test("the counter workloads check final reads against the acceptable sums", () => {
  const h: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "add", value: 2 },
    { index: 1, time: 1, type: "info", process: 0, f: "add", value: 2 },
    { index: 2, time: 2, type: "invoke", process: 1, f: "read", value: null, final: true },
    { index: 3, time: 3, type: "ok", process: 1, f: "read", value: 1, final: true, node: "n0" },
  ];
  const r = gCounter.check(h, opts);
  assert.equal(r["valid?"], false);
  assert.deepEqual(r.acceptable, [[0, 0], [2, 2]]);
});

Deno.test("the counter workloads pass --strict on: a node without an ok final read fails", () => {
  const h: Op[] = [
    {
      index: 0,
      time: 0,
      type: "invoke",
      process: 0,
      f: "read",
      value: null,
      final: true,
      node: "n0",
    },
    {
      index: 1,
      time: 1,
      type: "info",
      process: 0,
      f: "read",
      value: null,
      final: true,
      node: "n0",
    },
  ];
  for (const w of [gCounter, pnCounter]) {
    assert.equal(w.check(h, opts)["valid?"], true);
    assert.equal(w.check(h, { ...opts, strict: true })["valid?"], false);
  }
});
