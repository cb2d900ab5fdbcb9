import assert from "node:assert/strict";
import type { CheckResult } from "../harness/types.ts";
import { PARTS } from "../tasks/parts.ts";
import { goalMisses, PART_GOALS } from "./part_goals.ts";
import { simulate } from "./support.ts";

const broadcastResults = (
  workload: Record<string, unknown>,
  msgsPerOp = 1,
  stable = { "0.5": 100, "1": 200 },
): CheckResult => ({
  "valid?": true,
  workload: {
    "lost-count": 0,
    "never-read-count": 0,
    "stable-count": 10,
    "attempt-count": 10,
    "stable-latencies": stable,
    ...workload,
  },
  net: { servers: { "msgs-per-op": msgsPerOp } },
});

Deno.test("part goals: every goal is for a part that exists", () => {
  const ids = new Set(PARTS.map((p) => p.id));
  assert.deepEqual(Object.keys(PART_GOALS).filter((id) => !ids.has(id)), []);
});

Deno.test("part goals: broadcast losses, unstable values, budgets and latencies are named", () => {
  assert.deepEqual(goalMisses("3b", broadcastResults({})), []);
  assert.deepEqual(goalMisses("3b", broadcastResults({ "stable-count": 9 })), [
    "only 9 of 10 broadcast values are stable",
  ]);
  assert.deepEqual(goalMisses("3c", broadcastResults({ "never-read-count": 2 })), [
    "2 values were never read by anyone",
  ]);
  assert.deepEqual(goalMisses("3d", broadcastResults({}, 5.5, { "0.5": 301, "1": 551 })), [
    "5.5 servers msgs/op is over the budget of 5",
    "median stable latency 301 ms > 300",
    "max stable latency 551 ms > 550",
  ]);
  assert.deepEqual(goalMisses("3e", broadcastResults({}, 1.5, { "0.5": 900, "1": 1800 })), []);
  assert.deepEqual(goalMisses("3e", broadcastResults({ "stable-latencies": undefined })), [
    "the results have no stable latencies",
  ]);
});

Deno.test("part goals: a counter whose final reads miss the acknowledged sum is named", () => {
  const counter = (reads: number[]): CheckResult => ({
    "valid?": true,
    workload: { "final-reads": reads, acceptable: [[10, 10], [14, 14]] },
    net: { servers: { "msgs-per-op": 1 } },
  });
  assert.deepEqual(goalMisses("4", counter([10, 10, 10])), []);
  // Valid for Maelstrom (14 is acceptable: an indeterminate add may have happened), but the
  // tutorial promises every add is acknowledged, so the final reads are the acknowledged sum.
  assert.deepEqual(goalMisses("4", counter([10, 14, 10])), [
    "final reads [10,14,10], acknowledged sum 10",
  ]);
  assert.deepEqual(goalMisses("4", counter([10, 10])), ["2 final reads for 3 nodes"]);
});

Deno.test("part goals: kafka sends and polls that went unanswered are counted", () => {
  const results: CheckResult = {
    "valid?": true,
    workload: { "error-types": [] },
    stats: { "by-f": { send: { "fail-count": 0, "info-count": 3 }, poll: { "fail-count": 1 } } },
    net: { servers: { "msgs-per-op": 6 } },
  };
  assert.deepEqual(goalMisses("5a", results), [
    "3 send ops failed or timed out",
    "1 poll ops failed or timed out",
  ]);
  assert.deepEqual(goalMisses("5c", results).at(-1), "6 servers msgs/op is over the budget of 5");
});

Deno.test("part goals: transactions that were not all ok are named", () => {
  const txn = (okFraction: number, okCount: number): CheckResult => ({
    "valid?": true,
    availability: { "ok-fraction": okFraction },
    stats: { "ok-count": okCount },
  });
  assert.deepEqual(goalMisses("6b", txn(1, 5000)), []);
  assert.deepEqual(goalMisses("6b", txn(0.99, 5000)), ["not totally available: ok-fraction 0.99"]);
  assert.deepEqual(goalMisses("6a", txn(1, 10)), ["only 10 transactions succeeded"]);
});

Deno.test("part goals: a valid flooding broadcast misses 3d's message budget", async () => {
  // Maelstrom passes it (nothing is lost), but it sends every value to every node.
  const part = PARTS.find((p) => p.id === "3d")!;
  const args = part.args.map((a, i, all) => all[i - 1] === "--time-limit" ? "5" : a);
  const run = await simulate("tests/fixtures/broadcast_flood_once.ts", args, 1);
  assert.equal(run.results["valid?"], true);
  const misses = goalMisses("3d", run.results);
  assert.match(misses.join("\n"), /servers msgs\/op is over the budget of 5/);
});
