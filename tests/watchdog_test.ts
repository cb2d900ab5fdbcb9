// The simulator's watchdog and the blame for what node code does: an endless loop in a handler
// or a timer is named and ends the run, a node's Deno.exit is that node's crash, and a throwing
// createNode is that node's crash, never "the harness broke".
import assert from "node:assert/strict";
import { parseTestArgs } from "../harness/cli.ts";
import { EVENT_BUDGET_MS, exitCodeOf, runSeeds } from "../harness/seeds.ts";
import { cli, ROOT, simulate } from "./support.ts";

const ECHO = "-w echo --node-count 2 --time-limit 5".split(" ");

Deno.test("a handler that never returns is named (node and message type) and the run ends", async () => {
  const result = await runSeeds({
    file: `${ROOT}/tests/fixtures/spin_forever.ts`,
    args: ECHO,
    firstSeed: 1,
    count: 1,
    eventBudgetMs: 500,
  });
  try {
    const failure = result.firstFailure;
    assert.ok(failure, "the stuck run must fail");
    assert.equal(failure.failure?.kind, "stuck");
    assert.match(failure.failure!.message, /node "n1" handling a "echo" message/);
    assert.match(failure.failure!.message, /more than 0\.5 s/);
    assert.equal(exitCodeOf(failure), 255);
  } finally {
    result.close();
  }
});

Deno.test("a timer callback that never returns is named with its delay", async () => {
  const result = await runSeeds({
    file: `${ROOT}/tests/fixtures/spin_timer.ts`,
    args: ECHO,
    firstSeed: 1,
    count: 1,
    eventBudgetMs: 500,
  });
  try {
    assert.match(result.firstFailure?.failure?.message ?? "", /running a 1500 ms timer callback/);
  } finally {
    result.close();
  }
});

Deno.test("with several seeds, the stuck seed is reported and the others are not waited on", async () => {
  const result = await runSeeds({
    file: `${ROOT}/tests/fixtures/spin_forever.ts`,
    args: ECHO,
    firstSeed: 10,
    count: 6,
    workers: 2,
    eventBudgetMs: 500,
  });
  try {
    // Every seed gets stuck; the lowest one is the one reported, whatever finished first.
    assert.equal(result.firstFailure?.seed, 10);
    assert.equal(result.firstFailure?.failure?.kind, "stuck");
  } finally {
    result.close();
  }
});

Deno.test("a node's Deno.exit(7) is that node's crash, named with its status", async () => {
  const run = await simulate("tests/fixtures/exit_midrun.ts", ECHO, 1);
  const crash = run.problems.find((p) => p.kind === "crashed");
  assert.ok(crash, "the exit must be recorded as a crash");
  assert.equal(crash.node, "n1");
  assert.deepEqual(crash.status, { code: 7, signal: null });
  assert.match(crash.message, /Node "n1" called Deno\.exit\(7\)/);
  assert.equal(run.results["valid?"], false);
  // The node is dead afterwards: the harness's own Deno.exit is back in place.
  assert.equal(Deno.exit.name, "exit");
});

Deno.test("a createNode that throws is that node's crash, not a broken harness", async () => {
  // As with a process that dies while starting, the test cannot run; the reason names the node
  // and its error, at once rather than after the init timeout. The simulator's clock is virtual,
  // so waiting out the 10 s init timeout takes a fraction of a second of wall-clock time, and a
  // wall-clock bound (which this test once had) cannot tell the two apart. The reason can: had
  // the harness waited, it would say that n1 did not answer init in time. Nothing here is worth
  // timing, so unlike the checkers' big histories this is not in `deno task bench:checkers`.
  await assert.rejects(
    simulate("tests/fixtures/create_throws.ts", ECHO, 1),
    (err: Error) => {
      assert.equal(err.name, "TestAbort");
      assert.match(err.message, /Node "n1" crashed: Missing configuration for the second node/);
      assert.doesNotMatch(err.message, /did not answer init/);
      return true;
    },
  );
});

Deno.test("the CLI: a createNode that throws ends the test with exit 255, naming the node", async () => {
  const run = await cli(["--bin", "tests/fixtures/create_throws.ts", ...ECHO, "--seed", "1"]);
  assert.equal(run.code, 255, run.stdout + run.stderr);
  assert.match(run.stderr, /The test could not run: Node "n1" crashed: Missing configuration/);
  assert.doesNotMatch(run.stderr, /harness broke/);
});

Deno.test("the CLI: a node's Deno.exit(7) ends the test with exit 255 and names the node", async () => {
  const run = await cli(["--bin", "tests/fixtures/exit_midrun.ts", ...ECHO, "--seed", "1"]);
  assert.equal(run.code, 255, run.stdout + run.stderr);
  assert.match(run.stdout, /Node "n1" called Deno\.exit\(7\)/);
});

Deno.test("the CLI: a stuck simulated node ends the test with exit 255, named, and a reproduce command", async () => {
  // Half a second rather than the default 10 s, which a node would spin through in full.
  const run = await cli([
    ..."--bin tests/fixtures/spin_forever.ts --event-budget-ms 500 --seed 3".split(" "),
    ...ECHO,
  ]);
  assert.equal(run.code, 255, run.stdout + run.stderr);
  assert.match(run.stderr, /node "n1" handling a "echo" message ran for more than 0\.5 s/);
  assert.match(run.stderr, /Reproduce with: deno task maelstrom test .* --seed 3/);
});

Deno.test("the CLI: the watchdog's budget is 10 s unless --event-budget-ms says otherwise", () => {
  const args = ["--bin", "x.ts", ...ECHO];
  assert.equal(parseTestArgs(args).eventBudgetMs, 10_000);
  assert.equal(EVENT_BUDGET_MS, 10_000);
  assert.equal(parseTestArgs([...args, "--event-budget-ms", "250"]).eventBudgetMs, 250);
  assert.throws(() => parseTestArgs([...args, "--event-budget-ms", "0"]), /--event-budget-ms/);
});
