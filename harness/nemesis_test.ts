// The nemesis on its own: node specs as Jepsen draws them, schedules cut off at --time-limit, the
// final phase's order, kill/start/pause/resume bookkeeping, and the views reports draw from it.
import assert from "node:assert/strict";
import { VirtualClock } from "./clock.ts";
import {
  faultPeriods,
  faultSpansOf,
  faultSummaryLines,
  type NemesisOpFields,
  NemesisUnsupported,
  nodesFor,
  startNemesis,
} from "./nemesis.ts";
import { Network } from "./network.ts";
import type { NodeBackend, NodeProblem } from "./nodes/process.ts";
import { createRng } from "./rng.ts";
import type { Op, TestOptions } from "./types.ts";

const NODES = ["n0", "n1", "n2", "n3", "n4"];

function options(nemesis: string[], nemesisIntervalS = 0.5): TestOptions {
  return {
    workload: "echo",
    nodes: NODES,
    concurrency: 5,
    timeLimitS: 5,
    rate: 0,
    latencyMs: 0,
    latencyDist: "constant",
    nemesis,
    nemesisIntervalS,
    topology: "grid",
    availability: undefined,
    consistencyModels: [],
    keyCount: undefined,
    maxTxnLength: 4,
    maxWritesPerKey: 16,
    seed: 1,
  };
}

/** A backend that only records what the nemesis asked of it. */
function fakeBackend(): NodeBackend & { calls: string[] } {
  const calls: string[] = [];
  const problems: NodeProblem[] = [];
  const note = (what: string) => (node: string) => {
    calls.push(`${what} ${node}`);
    return Promise.resolve();
  };
  return {
    calls,
    problems,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    kill: note("kill"),
    restart: note("restart"),
    pause: note("pause"),
    resume: note("resume"),
  };
}

interface Harness {
  clock: VirtualClock;
  ops: (NemesisOpFields & { atMs: number })[];
  backend: NodeBackend & { calls: string[] };
  inits: string[];
  start(
    opts: TestOptions,
    initNode?: (node: string) => Promise<void>,
  ): ReturnType<typeof startNemesis>;
}

function harness(seed = 7): Harness {
  const clock = new VirtualClock();
  const ops: Harness["ops"] = [];
  const backend = fakeBackend();
  const inits: string[] = [];
  return {
    clock,
    ops,
    backend,
    inits,
    start(opts, initNode) {
      const network = new Network(clock, createRng(1), opts);
      return startNemesis({
        opts,
        network,
        clock,
        rng: createRng(seed),
        backend,
        record: (op) => ops.push({ ...op, atMs: clock.now() }),
        initNode: initNode ?? ((node) => {
          inits.push(node);
          return clock.sleep(3);
        }),
        startMs: clock.now(),
        limitMs: opts.timeLimitS * 1000,
      });
    },
  };
}

Deno.test("node specs draw as Jepsen's db-nodes: one, minority-third, minority, majority, all, a subset", () => {
  const rng = createRng(3);
  assert.equal(nodesFor("one", NODES, rng).length, 1);
  assert.equal(nodesFor("minority-third", NODES, rng).length, 1);
  assert.equal(nodesFor("minority", NODES, rng).length, 2);
  assert.equal(nodesFor("majority", NODES, rng).length, 3);
  assert.deepEqual(nodesFor("all", NODES, rng), NODES);
  // Fewer than a third of three nodes is none: Jepsen's minority-third kills nobody there.
  assert.deepEqual(nodesFor("minority-third", ["n0", "n1", "n2"], rng), []);
  const sizes = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const subset = nodesFor(null, NODES, rng);
    assert.equal(new Set(subset).size, subset.length);
    sizes.add(subset.length);
  }
  assert.deepEqual([...sizes].sort(), [1, 2, 3, 4, 5]);
});

Deno.test("no fault starts or ends at or after --time-limit, though the run goes on", async () => {
  const h = harness();
  await h.clock.run(async () => {
    const nemesis = h.start(options(["partition", "kill", "pause"]));
    // The main phase would end at 5 s; in-flight ops may keep the run going well past it.
    await h.clock.sleep(30_000);
    await nemesis.stop();
  });
  assert.ok(h.ops.length >= 10, `only ${h.ops.length} nemesis ops`);
  const late = h.ops.filter((op) => op.atMs >= 5000);
  assert.deepEqual(late, [], "nemesis ops after the time limit");
  for (const f of ["start-partition", "kill", "pause"]) {
    assert.ok(h.ops.some((op) => op.f === f), `no ${f}`);
  }
});

Deno.test("the final phase heals, then resumes all, then starts all, in Jepsen's order", async () => {
  const h = harness();
  await h.clock.run(async () => {
    const nemesis = h.start(options(["pause", "partition", "kill"]));
    await h.clock.sleep(5000);
    await nemesis.stop();
    const before = h.ops.length;
    await nemesis.final();
    const finals = h.ops.slice(before).map((op) => `${op.f} ${JSON.stringify(op.value)}`);
    assert.equal(finals.length, 6);
    assert.match(finals[0], /^stop-partition null/);
    assert.match(finals[1], /^stop-partition "network-healed"/);
    assert.match(finals[2], /^resume "all"/);
    assert.match(finals[3], /^resume \{"n0":/);
    assert.match(finals[4], /^start "all"/);
    assert.match(finals[5], /^start \{"n0":/);
  });
  // After the final phase nothing is down.
  const history = h.ops.map((op, index) => ({ ...op, index, time: op.atMs * 1e6 }) as Op);
  assert.deepEqual(faultSpansOf(history, 1e9).filter((s) => s.ongoing), []);
});

Deno.test("start restarts and re-inits only dead nodes; kill and pause are idempotent", async () => {
  const h = harness(11);
  await h.clock.run(async () => {
    const nemesis = h.start(options(["kill", "pause"], 0.2));
    await h.clock.sleep(5000);
    await nemesis.stop();
    await nemesis.final();
  });
  const killed = h.backend.calls.filter((c) => c.startsWith("kill")).length;
  const restarted = h.backend.calls.filter((c) => c.startsWith("restart"));
  assert.ok(killed > 0);
  assert.equal(restarted.length, killed, "every kill is undone by exactly one restart");
  assert.deepEqual(h.inits, restarted.map((c) => c.split(" ")[1]), "each restart is re-inited");
  for (const op of h.ops) {
    if (op.f !== "start" || typeof op.value !== "object") continue;
    for (const result of Object.values(op.value as object)) {
      assert.ok(["started", "already-running"].includes(result), result);
    }
  }
  // A node is never paused or killed twice in a row by the backend.
  const state = new Map<string, string>();
  for (const call of h.backend.calls) {
    const [what, node] = call.split(" ");
    const was = state.get(node) ?? "up";
    if (what === "kill") assert.notEqual(was, "dead", call);
    if (what === "pause") assert.equal(was, "up", call);
    if (what === "restart") assert.equal(was, "dead", call);
    if (what === "resume") assert.equal(was, "paused", call);
    state.set(node, what === "kill" ? "dead" : what === "pause" ? "paused" : "up");
  }
});

Deno.test("a node that does not come back from a restart ends the nemesis with its error", async () => {
  const h = harness(11);
  await h.clock.run(async () => {
    const nemesis = h.start(
      options(["kill"], 0.2),
      (node) => Promise.reject(new Error(`Node "${node}" did not answer init within 10000 ms`)),
    );
    await h.clock.sleep(5000);
    await assert.rejects(nemesis.stop(), /Node "n\d" did not answer init within 10000 ms/);
  });
  // Nothing after the failed start.
  assert.equal(h.ops.at(-1)?.f, "start");
  assert.equal(h.ops.at(-1)?.value, "all");
});

const nemesisOp = (time: number, f: string, value: unknown): Op => ({
  index: 0,
  time: time * 1e6,
  type: "info",
  process: "nemesis",
  f,
  value,
});

Deno.test("fault spans: per node dead and paused periods; a kill ends a pause; periods merge", () => {
  const history: Op[] = [
    nemesisOp(100, "pause", "one"),
    nemesisOp(100, "pause", { n0: "paused" }),
    nemesisOp(200, "kill", "all"),
    nemesisOp(200, "kill", { n0: "killed", n1: "killed" }),
    nemesisOp(300, "start", { n0: "started", n1: "already-running" }),
    nemesisOp(400, "pause", { n2: "paused" }),
  ].map((op, index) => ({ ...op, index }));
  const spans = faultSpansOf(history, 1000);
  assert.deepEqual(spans, [
    { kind: "pause", node: "n0", startMs: 100, endMs: 200, ongoing: false, endedByKill: true },
    { kind: "kill", node: "n0", startMs: 200, endMs: 300, ongoing: false },
    { kind: "kill", node: "n1", startMs: 200, endMs: 1000, ongoing: true },
    { kind: "pause", node: "n2", startMs: 400, endMs: 1000, ongoing: true },
  ]);
  assert.deepEqual(faultPeriods(spans, "kill"), [{
    startMs: 200,
    endMs: 1000,
    nodes: ["n0", "n1"],
  }]);
  assert.deepEqual(faultPeriods(spans, "pause"), [
    { startMs: 100, endMs: 200, nodes: ["n0"] },
    { startMs: 400, endMs: 1000, nodes: ["n2"] },
  ]);
});

Deno.test("the summary lists the faults and says which errors were timeouts on a paused node", () => {
  const op = (time: number, type: Op["type"], process: number, extra: Partial<Op> = {}): Op => ({
    index: 0,
    time: time * 1e6,
    type,
    process,
    f: "echo",
    value: "x",
    node: "n0",
    ...extra,
  });
  const history: Op[] = [
    nemesisOp(0, "start-partition", "one"),
    nemesisOp(0, "start-partition", ["isolated", { n0: ["n1"], n1: ["n0"] }]),
    nemesisOp(100, "pause", { n0: "paused" }),
    op(150, "invoke", 0),
    op(5150, "info", 0, { error: "net-timeout" }),
    op(5200, "invoke", 1, { node: "n1" }),
    op(5201, "ok", 1, { node: "n1" }),
  ].map((o, index) => ({ ...o, index }));
  const lines = faultSummaryLines(history);
  assert.match(lines[0], /faults +1 partition; 1 pause op \(n0\), n0 still paused at the end/);
  assert.equal(
    lines[1],
    "    The only errors were 1 timeout of requests to n0 while it was paused.",
  );
  // An error on a node that was up is not put down to the fault.
  const mixed = [
    ...history,
    op(6000, "invoke", 2, { node: "n1" }),
    op(6001, "fail", 2, {
      node: "n1",
      error: "net-timeout",
    }),
  ].map((o, index) => ({ ...o, index }));
  assert.match(faultSummaryLines(mixed)[1], /1 of 2 errors were timeouts .* the other 1/);
  assert.deepEqual(faultSummaryLines(history.slice(5)), []);
});

Deno.test("a node host without kill or pause is a clear error, not a silent no-op", () => {
  const clock = new VirtualClock();
  const opts = options(["kill"]);
  const bare: NodeBackend = {
    problems: [],
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
  assert.throws(
    () =>
      startNemesis({
        opts,
        network: new Network(clock, createRng(1), opts),
        clock,
        rng: createRng(1),
        backend: bare,
        record: () => {},
        initNode: () => Promise.resolve(),
        startMs: 0,
        limitMs: 5000,
      }),
    (e: Error) =>
      e instanceof NemesisUnsupported &&
      e.message === "--nemesis kill needs a node host that can kill nodes, and this one cannot",
  );
});
