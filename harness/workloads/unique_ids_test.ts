import assert from "node:assert/strict";
import { createRng } from "../rng.ts";
import { MalformedReply, type TestOptions } from "../types.ts";
import { uniqueIds } from "./unique_ids.ts";

const opts = { nodes: ["n0"] } as TestOptions;

Deno.test("unique-ids generates only `generate` ops", () => {
  const gen = uniqueIds.generator(opts, createRng(1));
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(gen.next({ timeS: i, thread: 0, process: 0 }), { f: "generate", value: null });
  }
  assert.equal(uniqueIds.name, "unique-ids");
  assert.equal(uniqueIds.wrapped, true);
  assert.equal(uniqueIds.reusableClients, true);
  assert.equal(uniqueIds.idempotent.size, 0);
  assert.equal(uniqueIds.final, undefined);
});

Deno.test("the unique-ids client returns the id, of any type", async () => {
  for (const id of [7, "n1-4", [1, 2], null]) {
    const client = uniqueIds.openClient(
      (body) => {
        assert.deepEqual(body, { type: "generate" });
        return Promise.resolve({ type: "generate_ok", id, in_reply_to: 1 });
      },
      opts,
    );
    assert.deepEqual(await client.invoke({ f: "generate", value: null }), {
      type: "ok",
      value: id,
    });
  }
  const bad = uniqueIds.openClient(
    () => Promise.resolve({ type: "generate_ok", id: 1, in_reply_to: 1, node: "n0" }),
    opts,
  );
  await assert.rejects(bad.invoke({ f: "generate", value: null }), MalformedReply);
});

Deno.test("the unique-ids workload checks with the unique-ids checker", () => {
  const r = uniqueIds.check([
    { index: 0, time: 0, type: "invoke", process: 0, f: "generate", value: null },
    { index: 1, time: 1, type: "ok", process: 0, f: "generate", value: 1 },
    { index: 2, time: 2, type: "invoke", process: 0, f: "generate", value: null },
    { index: 3, time: 3, type: "ok", process: 0, f: "generate", value: 1 },
  ], opts);
  assert.equal(r["valid?"], false);
});
