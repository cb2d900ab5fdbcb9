import assert from "node:assert/strict";
import { RpcError } from "../../lib/errors.ts";
import { createRng } from "../rng.ts";
import { MalformedReply, type TestOptions } from "../types.ts";
import { echo } from "./echo.ts";

const opts = { nodes: ["n0"] } as TestOptions;
const ctx = { timeS: 0, thread: 0, process: 0 };

Deno.test("echo's generator is deterministic by seed and stays in 0..127", () => {
  const draw = (seed: number) => {
    const gen = echo.generator(opts, createRng(seed));
    return Array.from({ length: 500 }, () => gen.next(ctx)!);
  };
  assert.deepEqual(draw(4), draw(4));
  assert.notDeepEqual(draw(4), draw(5));
  const ns = new Set(
    draw(4).map((op) => {
      assert.equal(op.f, "echo");
      const m = /^Please echo (\d+)$/.exec(String(op.value));
      assert.ok(m, `bad value ${op.value}`);
      return Number(m[1]);
    }),
  );
  assert.ok([...ns].every((n) => n >= 0 && n <= 127));
  assert.ok(ns.size > 100, "500 draws should cover most of 0..127");
});

Deno.test("echo's flags: wrapped, nothing idempotent, clients not reusable, no final phase", () => {
  assert.equal(echo.name, "echo");
  assert.equal(echo.wrapped, true);
  assert.equal(echo.idempotent.size, 0);
  assert.equal(echo.reusableClients, false);
  assert.equal(echo.final, undefined);
});

Deno.test("the echo client sends the value and returns the whole reply body", async () => {
  const sent: Record<string, unknown>[] = [];
  const client = echo.openClient((body) => {
    sent.push(body);
    return Promise.resolve({ type: "echo_ok", echo: body.echo, in_reply_to: 1, msg_id: 4 });
  }, opts);
  const done = await client.invoke({ f: "echo", value: "Please echo 3" });
  assert.deepEqual(sent, [{ type: "echo", echo: "Please echo 3" }]);
  assert.deepEqual(done, {
    type: "ok",
    value: { type: "echo_ok", echo: "Please echo 3", in_reply_to: 1, msg_id: 4 },
  });
});

Deno.test("the echo client rejects malformed replies and passes RPC errors through", async () => {
  const bad = echo.openClient(() => Promise.resolve({ type: "echo_ok", in_reply_to: 1 }), opts);
  await assert.rejects(bad.invoke({ f: "echo", value: "x" }), MalformedReply);
  const failing = echo.openClient(() => Promise.reject(new RpcError(11)), opts);
  await assert.rejects(failing.invoke({ f: "echo", value: "x" }), RpcError);
});
