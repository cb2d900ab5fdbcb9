import assert from "node:assert/strict";
import { createRng } from "../rng.ts";
import type { FinalContext, Op, OpTemplate, TestOptions } from "../types.ts";
import { gSet } from "./g_set.ts";

const opts = { nodes: ["n0"] } as TestOptions;
const ctx = { timeS: 0, thread: 0, process: 0 };

Deno.test("g-set's generator: deterministic mix of adds 0, 1, 2, ... and reads", () => {
  const draw = (seed: number) => {
    const gen = gSet.generator(opts, createRng(seed));
    return Array.from({ length: 200 }, () => gen.next(ctx)!);
  };
  const ops = draw(2);
  assert.deepEqual(ops, draw(2));
  assert.notDeepEqual(ops, draw(3));
  const adds = ops.filter((op) => op.f === "add").map((op) => op.value);
  assert.deepEqual(adds, adds.map((_, i) => i));
  assert.ok(ops.some((op) => op.f === "read"));
});

Deno.test("g-set's flags: not wrapped, not reusable", () => {
  assert.equal(gSet.name, "g-set");
  assert.equal(gSet.wrapped, false);
  assert.equal(gSet.idempotent.size, 0);
  assert.equal(gSet.reusableClients, false);
});

Deno.test("the g-set client sends element and returns the read value", async () => {
  const sent: Record<string, unknown>[] = [];
  const client = gSet.openClient((body) => {
    sent.push(body);
    return Promise.resolve(
      body.type === "add"
        ? { type: "add_ok", in_reply_to: 1 }
        : { type: "read_ok", in_reply_to: 2, value: [0] },
    );
  }, opts);
  assert.deepEqual(await client.invoke({ f: "add", value: 0 }), { type: "ok" });
  assert.deepEqual(await client.invoke({ f: "read", value: null }), { type: "ok", value: [0] });
  assert.deepEqual(sent, [{ type: "add", element: 0 }, { type: "read" }]);
});

Deno.test("the g-set final phase reads once without a final flag", async () => {
  const invoked: OpTemplate[] = [];
  const fctx = {
    invoke: (op: OpTemplate) => {
      invoked.push(op);
      return Promise.resolve({} as Op);
    },
  } as unknown as FinalContext;
  await gSet.final!(fctx, opts);
  assert.deepEqual(invoked, [{ f: "read", value: null }]);
});

Deno.test("the g-set checker is set-full over adds and ignores unexpected values", () => {
  const h: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "add", value: 0 },
    { index: 1, time: 1, type: "ok", process: 0, f: "add", value: 0 },
    { index: 2, time: 2, type: "invoke", process: 1, f: "read", value: null },
    { index: 3, time: 3, type: "ok", process: 1, f: "read", value: [0, 5] },
  ];
  const r = gSet.check(h, opts);
  assert.equal(r["valid?"], true);
  assert.deepEqual(r.unexpected, [5]);
  assert.equal(gSet.check(h, { ...opts, strict: true })["valid?"], false);
});
