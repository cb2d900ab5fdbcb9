import assert from "node:assert/strict";
import { analyse, type TestOutcome } from "./runner.ts";
import type { Network } from "./network.ts";
import type { NodeProblem } from "./nodes/process.ts";
import { findAnomalies } from "./anomalies.ts";
import { summarize } from "./results.ts";
import type { Op, TestOptions } from "./types.ts";
import { broadcast } from "./workloads/broadcast.ts";

const opts = {
  workload: "broadcast",
  nodes: ["n0", "n1"],
  seed: 7,
  availability: undefined,
} as TestOptions;

/** A finished broadcast run: value 0 acknowledged, n0's final read lacks it, n1's (invoked
 * later) has it and also 9, which nobody broadcast; n1 also wrote a bad stdout line. */
function outcome(strict: boolean): TestOutcome {
  const history: Op[] = [
    { index: 0, time: 0, type: "invoke", process: 0, f: "broadcast", value: 0, node: "n0" },
    { index: 1, time: 1e6, type: "ok", process: 0, f: "broadcast", value: 0, node: "n0" },
    {
      index: 2,
      time: 2e6,
      type: "invoke",
      process: 0,
      f: "read",
      value: null,
      final: true,
      node: "n0",
    },
    {
      index: 3,
      time: 3e6,
      type: "invoke",
      process: 1,
      f: "read",
      value: null,
      final: true,
      node: "n1",
    },
    { index: 4, time: 4e6, type: "ok", process: 0, f: "read", value: [], final: true, node: "n0" },
    {
      index: 5,
      time: 5e6,
      type: "ok",
      process: 1,
      f: "read",
      value: [0, 9],
      final: true,
      node: "n1",
    },
  ];
  const problems: NodeProblem[] = [{
    node: "n1",
    kind: "bad-line",
    message:
      `Node "n1" wrote a line Maelstrom cannot accept (it is not JSON; logs belong on stderr)`,
    line: "debug: hi",
    atMs: 2,
  }];
  const network = {
    journal: [],
    stats: () => ({
      all: { "msg-count": 0, "msgs-per-op": 0 },
      servers: { "msg-count": 0, "msgs-per-op": 0 },
    }),
  } as unknown as Network;
  const results = analyse(history, network, broadcast, { ...opts, strict }, problems);
  return { history, network, results, problems };
}

Deno.test("results carry every finding at the top, named with its checker", () => {
  const r = outcome(false).results;
  // Maelstrom's verdict: set-full sees 0 in the last-invoked read, ignores 9, and the bad line
  // is only logged.
  assert.equal(r["valid?"], true);
  const top = r["beyond-maelstrom"] as { checker: string; anomaly: string }[];
  assert.deepEqual(top.map((f) => [f.checker, f.anomaly]), [
    ["workload", "unexpected-values"],
    ["workload", "final-read-missing-values"],
    ["nodes", "bad-stdout-line"],
  ]);
  assert.equal(outcome(true).results["valid?"], false);
  // The top-level list is no checker: the report does not take it for a failing one.
  assert.deepEqual(findAnomalies(r), []);
});

Deno.test("the summary shows findings beyond Maelstrom and says they do not count", () => {
  const text = summarize(outcome(false), opts, {});
  assert.match(text, /⚠ Beyond Maelstrom \(3 findings of checks Maelstrom does not make\):/);
  assert.match(text, /Maelstrom would not fail the run for these.*--strict makes them count/);
  assert.match(text, /1\. \[workload unexpected-values\] Reads returned 1 value\(s\)/);
  assert.match(
    text,
    /2\. \[workload final-read-missing-values\] The final read \(op 4\) of node "n0"/,
  );
  assert.match(text, /3\. \[nodes bad-stdout-line\] Node "n1" wrote a line/);
  assert.match(
    text,
    /nodes {9}0 crashed, 1 wrote a bad stdout line \(beyond Maelstrom, see below\)/,
  );
  // The ops behind a finding are explained as the violations' are.
  assert.match(text, /op 2: process 0 via \? → n0: read null at 0\.002 s, ok \[\] at 0\.004 s/);
  assert.doesNotMatch(text, /Violations/);
});

Deno.test("the nodes line names spoofed src lines, which alone fail it under --strict", () => {
  const history: Op[] = [];
  const network = {
    journal: [],
    stats: () => ({
      all: { "msg-count": 0, "msgs-per-op": 0 },
      servers: { "msg-count": 0, "msgs-per-op": 0 },
    }),
  } as unknown as Network;
  // Maelstrom's Python Raft demo forwards a client's request to the leader with the client's src.
  const problems: NodeProblem[] = [{
    node: "n2",
    kind: "spoofed-src",
    message: `Node "n2" wrote a message with src "c9" to "n1"`,
    line: `{"src":"c9","dest":"n1","body":{"type":"read","key":0,"msg_id":13}}`,
    atMs: 5,
  }];
  for (const strict of [false, true]) {
    const results = analyse(history, network, broadcast, { ...opts, strict }, problems);
    const text = summarize({ history, network, results, problems }, { ...opts, strict }, {});
    const line = text.split("\n").find((l) => l.includes(" nodes "))!;
    assert.match(line, strict ? /✗/ : /✓/);
    assert.match(
      line,
      /no crashes, no malformed output, 1 line\(s\) with another endpoint's src \(beyond Maelstrom, see below\)$/,
    );
  }
});

Deno.test("under --strict the summary says the findings made the run invalid", () => {
  const text = summarize(outcome(true), { ...opts, strict: true }, {});
  assert.match(text, /Under --strict these count: they made the run invalid\./);
  assert.match(text, /Violations/);
});
