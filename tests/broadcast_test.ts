/**
 * Challenge 3 (broadcast, parts 3a–3e): the node's configuration, 3d and 3e under partitions, and
 * broken nodes that the set-full checker must catch. The fly.io command lines run in
 * `parts_sim_test.ts`, on 20 simulated seeds held to the parts' goals (`part_goals.ts`: nothing
 * lost, the message budgets and latency targets of 3d and 3e), and once as real processes in
 * `parts_process_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createNode, DEFAULT_BATCH_MS, parseConfig } from "../challenges/broadcast.ts";
import type { NodeFactory } from "../harness/nodes/sim.ts";
import type { CheckResult } from "../harness/types.ts";
import { type Part, PARTS } from "../tasks/parts.ts";
import { INVENTED } from "./fixtures/broadcast_invents.ts";
import { explain, simulate } from "./support.ts";

function part(id: string): Part {
  const found = PARTS.find((p) => p.id === id);
  assert.ok(found, `no part ${id}`);
  return found;
}

/** The fly.io flags of a part, from the task table. */
const flags = (id: string) => [...part(id).args];

/** The challenge's factory with a part's node arguments (what `-- ...` passes on the command
 * line), as the simulator calls it. */
function solution(id: string): NodeFactory {
  return (options) => createNode(options, part(id).nodeArgs ?? []);
}

const workload = (r: CheckResult) => r.workload as Record<string, unknown>;
Deno.test("broadcast config: --batch-ms sets the batch interval and rejects nonsense", () => {
  assert.equal(parseConfig([]).batchMs, DEFAULT_BATCH_MS);
  assert.equal(parseConfig(["--batch-ms=1000"]).batchMs, 1000);
  assert.equal(parseConfig(["--batch-ms", "250"]).batchMs, 250);
  assert.throws(() => parseConfig(["--batch-ms=0"]), /positive whole number/);
  assert.throws(() => parseConfig(["--batch-ms=fast"]), /not "fast"/);
  assert.throws(() => parseConfig(["--batchms=5"]), /batchms/);
});

Deno.test("broadcast 3d and 3e stay correct under partitions, only slower", async () => {
  for (const id of ["3d", "3e"]) {
    for (const seed of [1, 2]) {
      const run = await simulate(solution(id), [...flags(id), "--nemesis", "partition"], seed);
      assert.equal(run.results["valid?"], true, `${id} seed ${seed}: ${explain(run.results)}`);
      assert.equal(workload(run.results)["lost-count"], 0);
    }
  }
});

// --- Broken nodes are caught, with the anomaly named. ---

Deno.test("a node that never forwards loses values, and the checker names them", async () => {
  const run = await simulate("tests/fixtures/broadcast_never_forwards.ts", flags("3b"), 1);
  const w = workload(run.results);
  assert.equal(run.results["valid?"], false);
  assert.ok((w["lost-count"] as number) > 0);
  const details = w["lost-details"] as { element: unknown; explanation: string }[];
  assert.ok((w.lost as unknown[]).includes(details[0].element));
  assert.match(details[0].explanation, /did not contain it/);
});

Deno.test("a node that floods once without retries loses values under partitions", async () => {
  // Without faults the same node is valid: it is the partitions that expose it.
  const calm = await simulate("tests/fixtures/broadcast_flood_once.ts", flags("3b"), 1);
  assert.equal(calm.results["valid?"], true, explain(calm.results));
  let caught: { seed: number; lost: number } | undefined;
  for (let seed = 1; seed <= 10 && !caught; seed++) {
    const run = await simulate("tests/fixtures/broadcast_flood_once.ts", flags("3c"), seed);
    const lost = workload(run.results)["lost-count"] as number;
    if (lost > 0) {
      assert.equal(run.results["valid?"], false);
      assert.ok((workload(run.results)["lost-details"] as unknown[]).length > 0);
      caught = { seed, lost };
    }
  }
  assert.ok(caught, "no seed in 1..10 caught the lost values");
});

Deno.test("a node that returns values never broadcast gets a warning, and fails under --strict", async () => {
  // Maelstrom's set-full ignores values nobody broadcast, so by default the verdict is its own.
  const run = await simulate("tests/fixtures/broadcast_invents.ts", flags("3b"), 1);
  const w = workload(run.results);
  assert.equal(run.results["valid?"], true, explain(run.results));
  assert.equal(w["lost-count"], 0);
  assert.deepEqual(w.unexpected, [INVENTED]);
  const [finding] = w["beyond-maelstrom"] as { anomaly: string; values: unknown[] }[];
  assert.equal(finding.anomaly, "unexpected-values");
  assert.deepEqual(finding.values, [INVENTED]);
  const top = run.results["beyond-maelstrom"] as { checker: string; anomaly: string }[];
  assert.deepEqual(top.map((f) => [f.checker, f.anomaly]), [["workload", "unexpected-values"]]);
  const strict = await simulate(
    "tests/fixtures/broadcast_invents.ts",
    ["--strict", ...flags("3b")],
    1,
  );
  assert.equal(strict.results["valid?"], false);
  assert.equal(workload(strict.results)["valid?"], false);
});
