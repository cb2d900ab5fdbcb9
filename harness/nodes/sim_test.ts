// Process faults in the simulator: a kill drops the node instance with its timers and pending
// messages, a restart builds a fresh one, a pause holds deliveries and timers until resume.
import assert from "node:assert/strict";
import { z } from "zod";
import { Node, type NodeOptions } from "../../lib/mod.ts";
import { VirtualClock } from "../clock.ts";
import { Network } from "../network.ts";
import { createRng } from "../rng.ts";
import { NodeLife, SimBackend } from "./sim.ts";

Deno.test("a killed life's timers never fire, not even into the next life", async () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  await clock.run(async () => {
    const first = new NodeLife(clock, 0);
    first.clock.setTimeout(() => fired.push("old"), 100);
    await clock.sleep(50);
    first.kill();
    const second = new NodeLife(clock, 50);
    second.clock.setTimeout(() => fired.push("new"), 100);
    first.clock.setTimeout(() => fired.push("set after death"), 1);
    await clock.sleep(500);
  });
  assert.deepEqual(fired, ["new"]);
});

Deno.test("a paused life holds timers and deliveries in the order they came, and runs them on resume", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  await clock.run(async () => {
    const life = new NodeLife(clock, 0);
    life.clock.setTimeout(() => seen.push(`timer@${clock.now()}`), 10);
    const cancelled = life.clock.setTimeout(() => seen.push("cancelled"), 20);
    life.pause();
    await clock.sleep(15);
    life.run(() => seen.push(`message@${clock.now()}`));
    await clock.sleep(10);
    // Came due while paused, then cleared: it must not run on resume.
    life.clock.clearTimeout(cancelled);
    await clock.sleep(75);
    assert.deepEqual(seen, []);
    life.resume();
  });
  assert.deepEqual(seen, ["timer@100", "message@100"]);
});

/** A node that counts its requests in memory and says which life it is. */
function countingFactory(lives: number[]) {
  return (options: NodeOptions) => {
    const node = new Node(options);
    const life = lives.length;
    lives.push(0);
    node.on(
      z.object({ type: z.literal("count") }),
      () => ({ type: "count_ok", life, count: ++lives[life] }),
    );
    return node;
  };
}

Deno.test("kill loses messages and memory; restart builds a fresh instance; pause delays replies", async () => {
  const clock = new VirtualClock();
  const lives: number[] = [];
  const logDir = Deno.makeTempDirSync();
  const replies: string[] = [];
  try {
    await clock.run(async () => {
      const network = new Network(clock, createRng(1), { latencyMs: 0, latencyDist: "constant" });
      const backend = new SimBackend({
        factory: countingFactory(lives),
        clock,
        rng: createRng(2),
        logDir,
        logStderr: false,
      });
      await backend.start(["n0"], network);
      network.register("c1", {
        deliver: (m) =>
          replies.push(`${m.body.type}@${clock.now()}:${m.body.life}/${m.body.count}`),
      });
      let msgId = 0;
      const ask = () => network.send("c1", "n0", { type: "count", msg_id: ++msgId });
      network.send("c1", "n0", { type: "init", node_id: "n0", node_ids: ["n0"], msg_id: ++msgId });
      ask();
      await clock.sleep(10);
      await backend.kill("n0");
      await backend.kill("n0"); // idempotent
      const lost = ask()!;
      await clock.sleep(10);
      assert.equal(lost.lost, "dead-node");
      assert.equal(lost.recvMs, undefined);
      await backend.restart("n0");
      await backend.restart("n0"); // a live node is left alone
      network.send("c1", "n0", { type: "init", node_id: "n0", node_ids: ["n0"], msg_id: ++msgId });
      ask();
      await clock.sleep(10);
      await backend.pause("n0");
      ask();
      await clock.sleep(1000);
      await backend.resume("n0");
      await clock.sleep(10);
      await backend.stop();
    });
  } finally {
    Deno.removeSync(logDir, { recursive: true });
  }
  assert.equal(lives.length, 2, "one instance per life");
  assert.deepEqual(replies, [
    "init_ok@0:undefined/undefined",
    "count_ok@0:0/1",
    "init_ok@20:undefined/undefined",
    // The new life counts from 1 again: its memory is fresh.
    "count_ok@20:1/1",
    // Asked at 30 while paused; answered on resume at 1030.
    "count_ok@1030:1/2",
  ]);
});
