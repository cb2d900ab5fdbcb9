/**
 * Challenge 3 (broadcast, parts 3a–3e): the solution under the fly.io command lines in the
 * simulator, one real-process run, and broken nodes that the set-full checker must catch.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createNode, DEFAULT_BATCH_MS, parseConfig } from "../challenges/broadcast.ts";
import type { NodeFactory } from "../harness/nodes/sim.ts";
import type { CheckResult } from "../harness/types.ts";
import { type Part, PARTS } from "../tasks/parts.ts";
import { INVENTED } from "./fixtures/broadcast_invents.ts";
import { cli, explain, simulate } from "./support.ts";

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
const serversMsgsPerOp = (r: CheckResult) =>
  ((r.net as Record<string, unknown>).servers as Record<string, number>)["msgs-per-op"];
const latencies = (r: CheckResult) => workload(r)["stable-latencies"] as Record<string, number>;

Deno.test("broadcast config: --batch-ms sets the batch interval and rejects nonsense", () => {
  assert.equal(parseConfig([]).batchMs, DEFAULT_BATCH_MS);
  assert.equal(parseConfig(["--batch-ms=1000"]).batchMs, 1000);
  assert.equal(parseConfig(["--batch-ms", "250"]).batchMs, 250);
  assert.throws(() => parseConfig(["--batch-ms=0"]), /positive whole number/);
  assert.throws(() => parseConfig(["--batch-ms=fast"]), /not "fast"/);
  assert.throws(() => parseConfig(["--batchms=5"]), /batchms/);
});

Deno.test("broadcast 3a and 3b: valid, every value stable, in the simulator", async () => {
  for (const id of ["3a", "3b"]) {
    for (const seed of [1, 2, 3]) {
      const run = await simulate(solution(id), flags(id), seed);
      assert.equal(run.results["valid?"], true, `${id} seed ${seed}: ${explain(run.results)}`);
      const w = workload(run.results);
      assert.equal(w["lost-count"], 0);
      assert.equal(w["stable-count"], w["attempt-count"]);
    }
  }
});

Deno.test("broadcast 3c: nothing lost under partitions, on 20 seeds", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const run = await simulate(solution("3c"), flags("3c"), seed);
    const w = workload(run.results);
    assert.equal(run.results["valid?"], true, `seed ${seed}: ${explain(run.results)}`);
    assert.equal(w["lost-count"], 0, `seed ${seed}`);
    assert.equal(w["never-read-count"], 0, `seed ${seed}`);
  }
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

Deno.test("broadcast 3d and 3e: our targets hold in the simulator", async () => {
  const targets = {
    "3d": { msgsPerOp: 5, medianMs: 300, maxMs: 550 },
    "3e": { msgsPerOp: 1.5, medianMs: 900, maxMs: 1800 },
  };
  for (const [id, target] of Object.entries(targets)) {
    for (const seed of [1, 2, 3]) {
      const run = await simulate(solution(id), flags(id), seed);
      const at = `${id} seed ${seed}`;
      assert.equal(run.results["valid?"], true, `${at}: ${explain(run.results)}`);
      const msgs = serversMsgsPerOp(run.results);
      const lat = latencies(run.results);
      assert.ok(msgs <= target.msgsPerOp, `${at}: ${msgs} servers msgs/op`);
      assert.ok(lat["0.5"] <= target.medianMs, `${at}: median ${lat["0.5"]} ms`);
      assert.ok(lat["1"] <= target.maxMs, `${at}: max ${lat["1"]} ms`);
    }
  }
});

Deno.test("broadcast 3b as real processes: valid", async () => {
  const run = await cli([
    "-w",
    "broadcast",
    "--bin",
    "launchers/broadcast",
    "--node-count",
    "5",
    "--time-limit",
    "5",
    "--rate",
    "10",
  ]);
  assert.ok(run.results, run.stderr);
  assert.equal(run.results["valid?"], true, explain(run.results));
  assert.equal(run.code, 0, run.stdout);
  assert.equal(workload(run.results)["lost-count"], 0);
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
