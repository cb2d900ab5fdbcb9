// The runner's timing as Jepsen and Maelstrom have it, checked in the simulator: when a client is
// replaced after an `info` (jepsen `generator/interpreter.clj`), how ops are paced (jepsen
// `generator.clj` `stagger`), and how client ids are numbered (init, setup, then worker clients).
import assert from "node:assert/strict";
import { z } from "zod";
import { Node, type NodeOptions } from "../lib/mod.ts";
import { VirtualClock } from "./clock.ts";
import { parseTestArgs } from "./cli.ts";
import type { Network } from "./network.ts";
import type { NodeBackend } from "./nodes/process.ts";
import { type NodeFactory, nodeRng, SimBackend } from "./nodes/sim.ts";
import { runTest } from "./runner.ts";
import { simulate } from "./testing.ts";
import type { Op } from "./types.ts";
import { loadWorkload } from "./workloads/mod.ts";

const Topology = z.object({ type: z.literal("topology") });
const Read = z.object({ type: z.literal("read") });
const Broadcast = z.object({ type: z.literal("broadcast"), message: z.unknown() });
const Echo = z.object({ type: z.literal("echo"), echo: z.unknown() });

/** A broadcast node that answers at once, except that a `broadcast` arriving at or after
 * `slowFromMs` (virtual time) is answered `delayMs` later: past the client's 5 s timeout. */
function lateBroadcaster(slowFromMs: number, delayMs: number): NodeFactory {
  return (options: NodeOptions) => {
    const node = new Node(options);
    const clock = options.clock!;
    const seen: unknown[] = [];
    node.on(Topology, () => ({ type: "topology_ok" }));
    node.on(Read, () => ({ type: "read_ok", messages: [...seen] }));
    node.on(Broadcast, (msg) => {
      seen.push(msg.body.message);
      if (clock.now() < slowFromMs) return { type: "broadcast_ok" };
      return new Promise((resolve) => {
        clock.setTimeout(() => resolve({ type: "broadcast_ok" }), delayMs);
      });
    });
    return node;
  };
}

/** An echo node that answers at once, except for echoes arriving in [slowFromMs, slowUntilMs),
 * which it answers `delayMs` later. */
function lateEcho(slowFromMs: number, slowUntilMs: number, delayMs: number): NodeFactory {
  return (options: NodeOptions) => {
    const node = new Node(options);
    const clock = options.clock!;
    node.on(Echo, (msg) => {
      const reply = { type: "echo_ok", echo: msg.body.echo };
      const now = clock.now();
      if (now < slowFromMs || now >= slowUntilMs) return reply;
      return new Promise((resolve) => clock.setTimeout(() => resolve(reply), delayMs));
    });
    return node;
  };
}

const clientOps = (history: readonly Op[]) =>
  history.filter((op) => typeof op.process === "number");

Deno.test("a reply that comes after the timeout but before the thread's next op is dropped quietly", async () => {
  // The last main-phase broadcast times out; its reply comes 2 s later, during the 10 s recovery
  // wait. Jepsen still holds the old client then, so the reply is queued and never read, and the
  // final read (on a new client) succeeds.
  const run = await simulate(
    lateBroadcaster(8000, 7000),
    "-w broadcast --node-count 1 --time-limit 10 --rate 5",
    3,
  );
  assert.deepEqual(run.problems, []);
  assert.equal(run.results["valid?"], true);
  const ops = clientOps(run.history);
  const infos = ops.filter((op) => op.type === "info");
  assert.equal(infos.length, 1, "exactly one broadcast timed out");
  assert.equal(infos[0].error, "net-timeout");
  const late = run.network.journal.find((e) =>
    e.dest === infos[0].client && e.body.type === "broadcast_ok" && e.recvMs === undefined
  );
  assert.ok(late, "the late reply was sent to the still-open client");
  assert.equal(
    late.dropped,
    "unregistered",
    "it was never read, and dropped when the client closed",
  );
  const finalRead = ops.find((op) => op.final && op.type === "ok")!;
  assert.ok(finalRead, "the final read succeeded");
  assert.notEqual(finalRead.client, infos[0].client, "the final read opened a new client");
  assert.ok(late.sentMs < finalRead.time / 1e6, "the reply came before the final read started");
});

Deno.test("a reply that comes after the thread's next op started names a closed client", async () => {
  // With ops back to back, the thread's next op starts within 200 ms of the timeout and closes
  // the old client; the reply 500 ms after the timeout then names an unknown client, and, as in
  // Maelstrom, the node's output is ignored from then on.
  const run = await simulate(
    lateBroadcaster(8000, 5500),
    "-w broadcast --node-count 1 --time-limit 20 --rate 10",
    3,
  );
  const ops = clientOps(run.history);
  const firstInfo = ops.find((op) => op.type === "info")!;
  const next = ops.find((op) =>
    // One thread: its next process is the old one plus the concurrency, 1.
    op.type === "invoke" && op.index > firstInfo.index &&
    op.process === (firstInfo.process as number) + 1
  )!;
  assert.ok(next.client !== firstInfo.client);
  assert.equal(run.problems.length, 1);
  const [problem] = run.problems;
  assert.equal(problem.kind, "bad-line");
  assert.match(problem.message, new RegExp(`Invalid dest "${firstInfo.client}"`));
  assert.ok(problem.atMs > next.time / 1e6, "the reply came after the next op started");
  assert.ok(problem.atMs >= firstInfo.time / 1e6 + 499, "and half a second after the timeout");
});

Deno.test("a reply that comes during teardown does not matter", async () => {
  // The last echo times out and the test ends; the node replies while its backend is being
  // stopped (a slow kill), to a client that teardown already closed.
  const cli = parseTestArgs([
    ..."--bin unused --seed 3 -w echo --node-count 1 --time-limit 10 --rate 5".split(" "),
  ]);
  const workload = await loadWorkload("echo");
  const clock = new VirtualClock();
  const logDir = Deno.makeTempDirSync({ prefix: "glomers-sim-" });
  const sim = new SimBackend({
    factory: lateEcho(8000, Infinity, 7000),
    clock,
    rng: nodeRng(3),
    logDir,
    logStderr: false,
  });
  const backend: NodeBackend = {
    get problems() {
      return sim.problems;
    },
    start: (nodes: readonly string[], network: Network) => sim.start(nodes, network),
    async stop() {
      await clock.sleep(5000);
      await sim.stop();
    },
  };
  try {
    const outcome = await clock.run(() => runTest({ opts: cli.opts, workload, backend, clock }));
    const info = clientOps(outcome.history).find((op) => op.type === "info");
    assert.ok(info, "the last echo timed out");
    assert.deepEqual(outcome.problems, []);
    assert.equal((outcome.results.nodes as { "valid?": boolean })["valid?"], true);
  } finally {
    Deno.removeSync(logDir, { recursive: true });
  }
});

Deno.test("pacing: the first op goes out at once", async () => {
  const run = await simulate(
    "challenges/echo.ts",
    "-w echo --node-count 1 --time-limit 5 --rate 1",
    1,
  );
  const [first] = clientOps(run.history);
  assert.equal(first.type, "invoke");
  // Init and setup take no virtual time, so the main phase starts at 0.
  assert.equal(first.time, 0);
});

Deno.test("pacing: after a stall the schedule resumes from the present, without a burst", async () => {
  // The node holds the first echo for 3 s; the single thread is busy all that time.
  const run = await simulate(
    lateEcho(0, 1, 3000),
    "-w echo --node-count 1 --time-limit 10 --rate 10",
    1,
  );
  const invokes = clientOps(run.history).filter((op) => op.type === "invoke");
  const times = invokes.map((op) => op.time / 1e6);
  assert.equal(times[0], 0);
  // The op that was due during the stall goes out when the thread frees, at 3000 ms; the next
  // one is drawn from then: a uniform [0, 200) ms later.
  assert.equal(times[1], 3000);
  assert.ok(times[2] > 3000 && times[2] < 3200, `third op at ${times[2]} ms`);
  assert.equal(new Set(times).size, times.length, "no two ops went out at the same instant");
  const inFirstSecond = times.filter((t) => t >= 3000 && t < 4000).length;
  assert.ok(inFirstSecond <= 20, `${inFirstSecond} ops in the second after the stall`);
  // Seven seconds at 10 ops/s after the stall, plus the first two.
  assert.ok(invokes.length > 50 && invokes.length < 95, `${invokes.length} ops`);
});

Deno.test("client ids: init clients, then one setup client per node, then worker clients", async () => {
  const echo = await simulate("challenges/echo.ts", "-w echo --node-count 3 --time-limit 2", 1);
  const initFrom = echo.network.journal.filter((e) => e.body.type === "init").map((e) => e.src);
  assert.deepEqual(initFrom.sort(), ["c0", "c1", "c2"]);
  const workerIds = new Set(clientOps(echo.history).map((op) => op.client));
  assert.deepEqual([...workerIds].sort(), ["c6", "c7", "c8"]);
  // Setup clients of echo send nothing.
  assert.ok(echo.network.journal.every((e) => !["c3", "c4", "c5"].includes(e.src)));

  const broadcast = await simulate(
    "challenges/broadcast.ts",
    "-w broadcast --node-count 3 --time-limit 2 --rate 10",
    1,
  );
  const topology = broadcast.network.journal.filter((e) => e.body.type === "topology");
  assert.deepEqual(topology.map((e) => `${e.src}->${e.dest}`).sort(), [
    "c3->n0",
    "c4->n1",
    "c5->n2",
  ]);
  const first = clientOps(broadcast.history)[0];
  assert.match(String(first.client), /^c([6-9]|\d\d+)$/);
});
