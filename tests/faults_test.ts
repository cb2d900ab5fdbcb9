/**
 * Process faults (`--nemesis kill`, `--nemesis pause`) in whole simulated runs: nodes that keep
 * their state only in memory are caught with the anomaly named, a correct echo node under pause
 * fails exactly as in Maelstrom and the summary says why, and the nemesis keeps to the time
 * limit and the final phase.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { CounterErrorDetail } from "../harness/checkers/counter.ts";
import { faultSpansOf } from "../harness/nemesis.ts";
import { summarize } from "../harness/results.ts";
import type { NodeFactory } from "../harness/nodes/sim.ts";
import type { CheckResult, Op } from "../harness/types.ts";
import { createNode as echoNode } from "../challenges/echo.ts";
import { cli, explain, simulate } from "./support.ts";

const workload = (r: CheckResult) => r.workload as CheckResult;
const nemesisOps = (history: readonly Op[]) => history.filter((op) => op.process === "nemesis");
/** The nodes a nemesis op's completion reports with `result`. */
const affected = (history: readonly Op[], result: string) =>
  nemesisOps(history).flatMap((op) =>
    typeof op.value === "object" && op.value !== null && !Array.isArray(op.value)
      ? Object.entries(op.value).filter(([, r]) => r === result).map(([n]) => n)
      : []
  );

Deno.test("kill: a unique-ids node counting in memory repeats ids after a restart", async () => {
  const args = "-w unique-ids --node-count 3 --time-limit 20 --rate 100";
  const calm = await simulate("tests/fixtures/ids_memory_counter.ts", args, 1);
  assert.equal(calm.results["valid?"], true, explain(calm.results));
  const run = await simulate(
    "tests/fixtures/ids_memory_counter.ts",
    `${args} --nemesis kill --nemesis-interval 3`,
    1,
  );
  assert.equal(run.results["valid?"], false);
  const w = workload(run.results);
  assert.ok((w["duplicated-count"] as number) > 0, explain(run.results));
  // Every duplicate was minted by a node that was killed and restarted.
  const restarted = new Set(affected(run.history, "started"));
  for (const id of Object.keys(w.duplicated as Record<string, number>)) {
    assert.ok(restarted.has(id.split("-")[0]), id);
  }
});

Deno.test("kill: a counter acknowledging adds it holds in memory reads short at the end", async () => {
  const args = "-w g-counter --node-count 3 --time-limit 20 --rate 100";
  const calm = await simulate("tests/fixtures/counter_memory_acks.ts", args, 1);
  assert.equal(calm.results["valid?"], true, explain(calm.results));
  const run = await simulate(
    "tests/fixtures/counter_memory_acks.ts",
    `${args} --nemesis kill --nemesis-interval 3`,
    1,
  );
  assert.equal(run.results["valid?"], false);
  const details = workload(run.results)["error-details"] as CounterErrorDetail[];
  assert.ok(details.length > 0);
  for (const d of details) {
    // Short: below every acceptable sum of acknowledged adds.
    assert.ok((d.value as number) < d.acceptable[0][0], d.explanation);
    assert.match(d.explanation, /returned \d+, but the acknowledged adds sum to \d+/);
  }
});

Deno.test("kill: a broadcast node keeping values in memory, never re-syncing, loses them", async () => {
  const args = "-w broadcast --node-count 5 --time-limit 20 --rate 10";
  const calm = await simulate("tests/fixtures/broadcast_memory_only.ts", args, 1);
  assert.equal(calm.results["valid?"], true, explain(calm.results));
  const run = await simulate(
    "tests/fixtures/broadcast_memory_only.ts",
    `${args} --nemesis kill --nemesis-interval 3`,
    1,
  );
  assert.equal(run.results["valid?"], false);
  const w = workload(run.results);
  assert.ok((w["lost-count"] as number) > 0, explain(run.results));
  assert.ok(Array.isArray(w.lost) && w.lost.length === w["lost-count"]);
});

Deno.test("pause: a correct echo node times out while paused, so the run is invalid, and the summary says so", async () => {
  const args = "-w echo --node-count 3 --time-limit 20 --nemesis pause";
  const run = await simulate(echoNode as NodeFactory, args, 5);
  assert.equal(run.results["valid?"], false);
  // Maelstrom's echo checker counts every info op as an error.
  assert.equal(workload(run.results)["valid?"], false);
  assert.ok(affected(run.history, "paused").length > 0);
  const text = summarize(run, run.opts, {});
  assert.match(text, /faults +2 pause ops \(n1 x2, n2\), n1, n2 still paused at the end/);
  assert.match(
    text,
    /The only errors were 3 timeouts of requests to n1, n2 while they were paused\./,
  );
});

Deno.test("no fault begins or ends after --time-limit; without a final phase nodes stay down", async () => {
  const args =
    "-w unique-ids --node-count 3 --time-limit 10 --rate 50 --nemesis partition,kill,pause --nemesis-interval 1";
  for (const seed of [1, 2, 4]) {
    const run = await simulate("challenges/unique_ids.ts", args, seed);
    const late = nemesisOps(run.history).filter((op) => op.time >= 10e9);
    assert.deepEqual(late, [], `seed ${seed}`);
  }
  // Seed 4 ends with n1 dead and n2 paused: unique-ids has no final phase (Maelstrom's core.clj
  // adds the nemesis's final generator only beside a workload's final generator), so nothing
  // brings them back before teardown.
  const run = await simulate("challenges/unique_ids.ts", args, 4);
  const ongoing = faultSpansOf(run.history, 20_000).filter((s) => s.ongoing);
  assert.deepEqual(ongoing.map((s) => `${s.kind} ${s.node}`), ["kill n1", "pause n2"]);
});

Deno.test("final phase: heal, resume all, start all, then the 10 s recovery wait, then final reads", async () => {
  const run = await simulate(
    "challenges/broadcast.ts",
    "-w broadcast --node-count 5 --time-limit 10 --rate 10 --nemesis partition,kill,pause --nemesis-interval 1",
    2,
  );
  const late = nemesisOps(run.history).filter((op) => op.time >= 10e9);
  assert.deepEqual(late.map((op) => op.f), [
    "stop-partition",
    "stop-partition",
    "resume",
    "resume",
    "start",
    "start",
  ]);
  const healedAt = late.at(-1)!.time;
  const finals = run.history.filter((op) => op.final && op.type === "invoke");
  assert.ok(finals.length > 0);
  for (const op of finals) assert.ok(op.time >= healedAt + 10e9, `final read at ${op.time}`);
  assert.deepEqual(faultSpansOf(run.history, healedAt / 1e6).filter((s) => s.ongoing), []);
});

Deno.test("a node that does not come back from a restart ends the test: exit 255, the node named", async () => {
  const run = await cli([
    ..."-w echo --node-count 1 --time-limit 30 --nemesis kill --nemesis-interval 2 --seed 2"
      .split(" "),
    "--bin",
    "tests/fixtures/silent_after_restart.ts",
  ]);
  assert.equal(run.code, 255, run.stdout + run.stderr);
  assert.match(
    run.stderr,
    /The test could not run: Node "n0" did not come back after the nemesis restarted it: .*Node "n0" did not answer init within 10000 ms/s,
  );
  assert.equal(run.results, undefined);
});

Deno.test('final phase: the CLI logs Maelstrom\'s "Waiting for recovery..." before the wait', async () => {
  // Only workloads with final ops have the recovery wait; echo has none, so it never says it.
  const broadcast = await cli([
    "-w",
    "broadcast",
    "--bin",
    "challenges/broadcast.ts",
    "--node-count",
    "3",
    "--time-limit",
    "3",
    "--nemesis",
    "kill",
    "--seed",
    "5",
    "--no-report",
  ]);
  assert.equal(broadcast.code, 0, broadcast.stdout + broadcast.stderr);
  assert.match(broadcast.stderr, /^Waiting for recovery\.\.\.$/m);
  const echo = await cli([
    "-w",
    "echo",
    "--bin",
    "challenges/echo.ts",
    "--node-count",
    "1",
    "--time-limit",
    "2",
    "--seed",
    "5",
    "--no-report",
  ]);
  assert.equal(echo.code, 0, echo.stdout + echo.stderr);
  assert.doesNotMatch(echo.stderr, /Waiting for recovery/);
});
