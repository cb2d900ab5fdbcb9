/**
 * Challenge 3 (broadcast) under crashes: every part with `--nemesis partition,kill,pause` added
 * to its fly.io command line, on 20 simulated seeds and in one real-process run. Killed nodes
 * lose their memory, so these runs catch a node that acknowledges a value before it is durable,
 * and paused nodes wake up to clients that gave up, so they catch a node that answers late.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createNode } from "../challenges/broadcast.ts";
import type { NodeFactory } from "../harness/nodes/sim.ts";
import type { CheckResult, Op } from "../harness/types.ts";
import { type Part, PARTS } from "../tasks/parts.ts";
import { withFaults } from "../tasks/scoreboard.ts";
import { cli, explain, simulate } from "./support.ts";

const FAULTS = ["partition", "kill", "pause"];
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

function part(id: string): Part {
  const found = PARTS.find((p) => p.id === id);
  assert.ok(found, `no part ${id}`);
  return found;
}

/** A part's fly.io flags with the faults added. */
const faulty = (id: string) => withFaults(part(id).args, FAULTS).args;

/** The challenge with a part's node arguments, as the simulator calls it. */
const solution = (id: string): NodeFactory => (options) =>
  createNode(options, part(id).nodeArgs ?? []);

const workload = (r: CheckResult) => r.workload as Record<string, unknown>;

/** Findings of lines Maelstrom would refuse, such as a reply to a client that has gone. */
function badLines(r: CheckResult): string[] {
  const findings = (r["beyond-maelstrom"] ?? []) as { anomaly: string; message: string }[];
  return findings.filter((f) => f.anomaly === "bad-stdout-line").map((f) => f.message);
}

const acknowledged = (history: Op[]) =>
  history.filter((op) => op.f === "broadcast" && op.type === "ok").length;

for (const id of ["3b", "3c", "3d", "3e"]) {
  Deno.test(`broadcast ${id} with partition, kill and pause: valid on 20 seeds, no late replies`, async () => {
    for (const seed of SEEDS) {
      const run = await simulate(solution(id), faulty(id), seed);
      const at = `${id} seed ${seed}`;
      assert.equal(run.results["valid?"], true, `${at}: ${explain(run.results)}`);
      assert.equal(workload(run.results)["lost-count"], 0, at);
      // A reply to a client that gave up would stop Maelstrom reading the node's output.
      assert.deepEqual(badLines(run.results), [], at);
    }
  });
}

Deno.test("broadcast 3a with partition, kill and pause: nothing acknowledged is lost on 20 seeds", async () => {
  // One node cannot answer while it is dead or paused, and some seeds keep it down for most of
  // the run: then nothing is acknowledged, and Jepsen's verdict is "unknown" or a failed stats
  // check. Whenever something was acknowledged, the run must be valid.
  let valid = 0;
  for (const seed of SEEDS) {
    const run = await simulate(solution("3a"), faulty("3a"), seed);
    const at = `3a seed ${seed}`;
    assert.equal(workload(run.results)["lost-count"], 0, `${at}: ${explain(run.results)}`);
    assert.deepEqual(badLines(run.results), [], at);
    if (run.results["valid?"] === true) valid++;
    else assert.ok(acknowledged(run.history) <= 2, `${at}: ${explain(run.results)}`);
  }
  assert.ok(valid >= 10, `only ${valid} of 20 seeds valid`);
});

Deno.test("a broadcast node that keeps values in memory only is caught under the same faults", async () => {
  // The check has teeth: the same command line and seeds fail a node whose only copy of a value
  // is its memory.
  const lost: number[] = [];
  for (const seed of SEEDS) {
    const run = await simulate("tests/fixtures/broadcast_memory_only.ts", faulty("3b"), seed);
    if ((workload(run.results)["lost-count"] as number) > 0) {
      assert.equal(run.results["valid?"], false);
      lost.push(seed);
    }
  }
  assert.ok(lost.length > 0, "no seed caught the memory-only node");
});

Deno.test("broadcast 3b as real processes with partition, kill and pause: valid", async () => {
  // A shorter run than fly.io's, with faults every few seconds so that each kind occurs.
  const run = await cli([
    ..."-w broadcast --bin launchers/broadcast --node-count 5 --time-limit 10 --rate 10".split(" "),
    ..."--nemesis partition,kill,pause --nemesis-interval 2 --seed 1 --no-report".split(" "),
  ]);
  // The seed's schedule kills a node and pauses some: the faults under test did happen.
  assert.match(run.stdout, /faults .*\d+ kill ops? \(.*\d+ pause ops? \(/, run.stdout);
  assert.ok(run.results, run.stderr);
  assert.equal(run.results["valid?"], true, explain(run.results));
  assert.equal(workload(run.results)["lost-count"], 0);
  assert.deepEqual(badLines(run.results), []);
});
