/**
 * Challenge 5 (kafka-style log, parts 5a-5c): the solution's other designs, the benchmark's history
 * arithmetic, and broken nodes that the kafka checker must catch with the anomaly named. The fly.io
 * command lines run in `parts_sim_test.ts`, on 20 simulated seeds held to the parts' goals
 * (`part_goals.ts`: every send and poll answered, at most 5 server messages per op), and once as
 * real processes in `parts_process_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createNode, type Design } from "../challenges/kafka.ts";
import type { NodeFactory } from "../harness/nodes/sim.ts";
import type { CheckResult } from "../harness/types.ts";
import { historyFigures } from "../tasks/figures.ts";
import { PARTS } from "../tasks/parts.ts";
import { serversMsgsPerOp } from "./part_goals.ts";
import { explain, simulate } from "./support.ts";

/** The fly.io flags of a part, from the task table. */
function flags(id: string): string[] {
  const part = PARTS.find((p) => p.id === id);
  assert.ok(part, `no part ${id}`);
  return [...part.args];
}

/** The challenge with a design as its node argument, as `-- <design>` would pass it. */
function design(name: Design): NodeFactory {
  return (options) => createNode(options, [name]);
}

const workload = (r: CheckResult) => r.workload as Record<string, unknown>;
const errorTypes = (r: CheckResult) => workload(r)["error-types"] as string[];

Deno.test("kafka: the naive and forward designs are valid, and each step saves messages", async () => {
  const perOp = new Map<Design, number>();
  for (const name of ["naive", "forward", "replicate"] as const) {
    const run = await simulate(design(name), flags("5b"), 1);
    assert.equal(run.results["valid?"], true, `${name}: ${explain(run.results)}`);
    perOp.set(name, serversMsgsPerOp(run.results));
  }
  assert.ok(perOp.get("naive")! > perOp.get("forward")!, JSON.stringify([...perOp]));
  assert.ok(perOp.get("forward")! > perOp.get("replicate")!, JSON.stringify([...perOp]));
});

Deno.test("kafka: an unknown design is refused with a sentence naming it", () => {
  assert.throws(() => createNode({}, ["fast"]), /Unknown design "fast"/);
});

Deno.test("bench arithmetic: latencies pair each completion with its invocation", () => {
  const ms = 1e6;
  const { latency, okFraction } = historyFigures([
    { type: "invoke", process: 0, f: "send", time: 0 },
    { type: "invoke", process: 1, f: "poll", time: 1 * ms },
    { type: "ok", process: 1, f: "poll", time: 4 * ms },
    { type: "ok", process: 0, f: "send", time: 5 * ms },
    { type: "invoke", process: 0, f: "send", time: 6 * ms },
    { type: "info", process: 0, f: "send", time: 9 * ms },
    { type: "invoke", process: 2, f: "crash", time: 9 * ms },
    { type: "info", process: 2, f: "crash", time: 9 * ms },
  ], ["send", "poll"]);
  assert.deepEqual(latency.get("send"), { count: 1, medianMs: 5, p99Ms: 5 });
  assert.deepEqual(latency.get("poll"), { count: 1, medianMs: 3, p99Ms: 3 });
  // Two ok out of three sends and polls; the crash op does not count.
  assert.equal(okFraction, 2 / 3);
});

// --- Broken nodes are caught, with the anomaly named. ---

Deno.test("nodes numbering offsets on their own are caught with inconsistent offsets", async () => {
  const run = await simulate("tests/fixtures/kafka_uncoordinated.ts", flags("5b"), 1);
  assert.equal(run.results["valid?"], false);
  assert.ok(errorTypes(run.results).includes("inconsistent-offsets"), explain(run.results));
  const errs = (workload(run.results)["inconsistent-offsets"] as { errs: { values: unknown[] }[] })
    .errs;
  assert.ok(errs[0].values.length >= 2);
});

Deno.test("a poll that skips a message is caught as poll-skip and lost-write", async () => {
  const run = await simulate("tests/fixtures/kafka_skipping_poll.ts", flags("5a"), 1);
  assert.equal(run.results["valid?"], false);
  const types = errorTypes(run.results);
  for (const anomaly of ["poll-skip", "lost-write", "unseen"]) {
    assert.ok(types.includes(anomaly), `${anomaly} missing from ${JSON.stringify(types)}`);
  }
  // One node numbers offsets correctly: only the polls are wrong.
  assert.ok(!types.includes("inconsistent-offsets"));
});
