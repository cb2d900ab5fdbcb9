/**
 * Challenge 4 (grow-only counter): two broken counters the g-counter checker must reject. The
 * solution itself runs its fly.io command line in `parts_sim_test.ts`, on 20 simulated seeds held
 * to the part's goals (`part_goals.ts`: final reads equal the acknowledged sum, at most 2 server
 * messages per op), and once as real processes in `parts_process_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { CounterErrorDetail } from "../harness/checkers/counter.ts";
import type { CheckResult, Op } from "../harness/types.ts";
import { explain, simulate } from "./support.ts";

/** The fly.io command line of challenge 4, without `--bin`. */
const FLY_ARGS = "-w g-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition";

/** The sum of the deltas of acknowledged adds, per node and in all. */
function ackedSums(history: readonly Op[]): { total: number; byNode: Map<string, number> } {
  const byNode = new Map<string, number>();
  let total = 0;
  for (const op of history) {
    if (op.f !== "add" || op.type !== "ok") continue;
    total += op.value as number;
    byNode.set(op.node!, (byNode.get(op.node!) ?? 0) + (op.value as number));
  }
  return { total, byNode };
}

Deno.test("counter: the checker rejects a counter that never shares, naming each node", async () => {
  const run = await simulate("tests/fixtures/counter_local_only.ts", FLY_ARGS, 1);
  assert.equal(run.results["valid?"], false);
  const workload = run.results.workload as CheckResult;
  assert.equal(workload["valid?"], false);
  const details = workload["error-details"] as CounterErrorDetail[];
  // Each node's final read is exactly the adds that node acknowledged, and none is the total.
  const { total, byNode } = ackedSums(run.history);
  assert.deepEqual(details.map((d) => d.node).sort(), ["n0", "n1", "n2"]);
  for (const d of details) {
    assert.equal(d.value, byNode.get(d.node!), `node ${d.node}`);
    assert.notEqual(d.value, total);
    assert.match(d.explanation, new RegExp(`on ${d.node} returned ${d.value}\\b`));
  }
});

Deno.test("counter: the checker rejects a read-then-write counter without CAS", async () => {
  let caught = 0;
  for (let seed = 1; seed <= 5; seed++) {
    const run = await simulate("tests/fixtures/counter_no_cas.ts", FLY_ARGS, seed);
    const workload = run.results.workload as CheckResult;
    if (workload["valid?"] === true) continue;
    caught++;
    assert.equal(workload["valid?"], false, `seed ${seed}: ${explain(run.results)}`);
    const details = workload["error-details"] as CounterErrorDetail[];
    assert.ok(details.length > 0, `seed ${seed}: invalid without error details`);
    const { total } = ackedSums(run.history);
    for (const d of details) {
      // Lost updates only ever make the shared total smaller than the acknowledged sum.
      assert.ok(typeof d.value === "number" && d.value < total, `seed ${seed}: ${d.explanation}`);
      assert.ok(["n0", "n1", "n2"].includes(d.node!), `seed ${seed}: node ${d.node}`);
      assert.equal(d.op.node, d.node);
      assert.equal(d.op.value, d.value);
      assert.match(d.explanation, new RegExp(`on ${d.node} returned ${d.value}\\b`));
    }
  }
  assert.ok(caught >= 1, "no seed in 1..5 showed the lost updates");
});
