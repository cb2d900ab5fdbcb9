// Whole tests through both runners: our challenges pass, and broken nodes are caught with the
// anomaly named. Process runs go through the CLI exactly as a user would run them.
import assert from "node:assert/strict";
import { cli, explain, simulate } from "./testing.ts";
import type { CheckResult } from "./types.ts";

const workload = (r: CheckResult) => r.workload as CheckResult;
const nodes = (r: CheckResult) => (r.nodes as CheckResult).problems as Record<string, unknown>[];

Deno.test("process: echo passes the fly.io command (shortened)", async () => {
  const run = await cli([
    "-w",
    "echo",
    "--bin",
    "launchers/echo",
    "--node-count",
    "1",
    "--time-limit",
    "3",
  ]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.results?.["valid?"], true);
  assert.match(run.stdout, /Everything looks good! ヽ\(‘ー`\)ノ\n$/);
  assert.match(run.stderr, /^Seed: \d+/);
});

Deno.test("process: unique-ids passes under partitions with total availability", async () => {
  const run = await cli([
    ..."-w unique-ids --time-limit 3 --rate 500 --node-count 3 --availability total --nemesis partition --nemesis-interval 1"
      .split(" "),
    "--bin",
    "launchers/unique-ids",
  ]);
  assert.equal(run.code, 0, run.stdout);
  const w = workload(run.results!);
  assert.equal(w["duplicated-count"], 0);
  // Jepsen's stagger never catches up on missed slots: when a round trip takes about as long as
  // the 2 ms mean gap (three threads on a loaded machine), fewer than the nominal 1,500 ops go out.
  assert.ok((w["acknowledged-count"] as number) > 500);
  assert.equal((run.results!.availability as CheckResult)["ok-fraction"], 1);
});

Deno.test("process: a wrong echo is caught and explained with its messages", async () => {
  const run = await cli([
    ..."-w echo --node-count 1 --time-limit 2 --process".split(" "),
    "--bin",
    "tests/fixtures/echo_wrong.ts",
  ]);
  assert.equal(run.code, 1);
  const w = workload(run.results!);
  assert.equal(w["valid?"], false);
  assert.ok((w.errors as unknown[]).length > 0);
  assert.match(run.stdout, /Violations/);
  assert.match(run.stdout, /message \d+: n0 → c\d+ \{"type":"echo_ok","echo":"Please echo \d+!"/);
  assert.match(run.stdout, /Analysis invalid! \(ﾉಥ益ಥ）ﾉ ┻━┻\n$/);
});

Deno.test("process: duplicate ids across nodes are caught, naming the ops", async () => {
  const run = await cli([
    ..."-w unique-ids --node-count 3 --time-limit 2 --rate 100 --process".split(" "),
    "--bin",
    "tests/fixtures/ids_duplicate.ts",
  ]);
  assert.equal(run.code, 1);
  const w = workload(run.results!);
  assert.ok((w["duplicated-count"] as number) > 0, explain(run.results!));
  assert.match(run.stdout, /duplicat/i);
});

Deno.test("process: a node that crashes mid-run is reported with its stderr, exit 255", async () => {
  const run = await cli([
    ..."-w echo --node-count 1 --time-limit 3 --rate 10 --process".split(" "),
    "--bin",
    "tests/fixtures/crash_midrun.ts",
  ]);
  assert.equal(run.code, 255);
  const [problem] = nodes(run.results!);
  assert.equal(problem.kind, "crashed");
  assert.equal(problem.node, "n0");
  assert.match(String(problem.message), /crashed with exit status 3/);
  assert.match(run.stdout, /Simulated crash after 5 echoes/);
});

Deno.test("process: a node silent on init is named in a clear error", async () => {
  const run = await cli([
    ..."-w echo --node-count 2 --time-limit 2 --process".split(" "),
    "--bin",
    "tests/fixtures/silent_init.ts",
  ]);
  assert.equal(run.code, 255);
  assert.match(run.stderr, /Node "n0" did not answer init within 10000 ms/);
  assert.match(run.stderr, /Node "n1" did not answer init/);
  assert.equal(run.results, undefined);
});

Deno.test("process: a node that prints garbage on stdout is named with the line", async () => {
  const run = await cli([
    ..."-w echo --node-count 1 --time-limit 3 --rate 10 --process".split(" "),
    "--bin",
    "tests/fixtures/garbage.ts",
  ]);
  // Maelstrom only logs the bad line and ignores the node's later output: the bad line is a
  // warning, and the echoes that then time out fail the echo checker.
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.equal((run.results!.nodes as CheckResult)["valid?"], true);
  assert.equal(workload(run.results!)["valid?"], false);
  const [problem] = nodes(run.results!);
  assert.equal(problem.kind, "bad-line");
  assert.equal(problem.line, "Echoing a message, all fine here");
  const [finding] = run.results!["beyond-maelstrom"] as Record<string, unknown>[];
  assert.equal(finding.anomaly, "bad-stdout-line");
  assert.equal(finding.checker, "nodes");
  assert.match(run.stdout, /not JSON; logs belong on stderr/);
  assert.match(run.stdout, /Beyond Maelstrom/);
});

Deno.test("process: a missing binary and bad flags are usage errors (254)", async () => {
  const missing = await cli(["-w", "echo", "--bin", "no/such/binary"]);
  assert.equal(missing.code, 254);
  assert.match(missing.stderr, /The binary "no\/such\/binary" does not exist/);
  const bad = await cli(["-w", "echo", "--bin", "launchers/echo", "--rate", "fast"]);
  assert.equal(bad.code, 254);
  assert.match(bad.stderr, /--rate must be a plain decimal number such as 0.5 or 10, not "fast"/);
  const unknown = await cli(["-w", "echo", "--bin", "launchers/echo", "--frobnicate"]);
  assert.equal(unknown.code, 254);
  assert.match(unknown.stderr, /frobnicate/);
});

// --- The simulator reaches the same verdicts. ---

Deno.test("simulation: echo and unique-ids pass", async () => {
  const echo = await simulate("challenges/echo.ts", "-w echo --node-count 1 --time-limit 10", 1);
  assert.equal(echo.results["valid?"], true, explain(echo.results));
  for (const seed of [1, 2, 3]) {
    const ids = await simulate(
      "challenges/unique_ids.ts",
      "-w unique-ids --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition",
      seed,
    );
    assert.equal(ids.results["valid?"], true, explain(ids.results));
    assert.ok((workload(ids.results)["acknowledged-count"] as number) > 25_000);
  }
});

Deno.test("simulation: broken lib nodes are caught as in process runs", async () => {
  const wrong = await simulate(
    "tests/fixtures/echo_wrong.ts",
    "-w echo --node-count 1 --time-limit 5",
    1,
  );
  assert.equal(workload(wrong.results)["valid?"], false);
  const dup = await simulate(
    "tests/fixtures/ids_duplicate.ts",
    "-w unique-ids --node-count 3 --time-limit 5 --rate 100",
    1,
  );
  assert.ok((workload(dup.results)["duplicated-count"] as number) > 0);
  const garbage = await simulate(
    "tests/fixtures/garbage.ts",
    "-w echo --node-count 1 --time-limit 5 --rate 10",
    1,
  );
  // Maelstrom's verdict: the bad line is only logged; the echoes that then time out fail the echo
  // checker.
  assert.equal(garbage.results["valid?"], false);
  assert.equal((garbage.results.nodes as CheckResult)["valid?"], true);
  assert.equal(workload(garbage.results)["valid?"], false);
  assert.equal(nodes(garbage.results)[0].kind, "bad-line");
  const strictGarbage = await simulate(
    "tests/fixtures/garbage.ts",
    "--strict -w echo --node-count 1 --time-limit 5 --rate 10",
    1,
  );
  assert.equal((strictGarbage.results.nodes as CheckResult)["valid?"], false);
  await assert.rejects(
    simulate("tests/fixtures/silent_init.ts", "-w echo --node-count 1 --time-limit 5", 1),
    /did not answer init within 10000 ms/,
  );
});

Deno.test("simulation: the same seed gives the same history, journal and verdict", async () => {
  // Faults included: with seed 42 the nemesis partitions, kills (and restarts) and pauses nodes.
  const args =
    "-w unique-ids --time-limit 10 --rate 200 --node-count 3 --availability total --nemesis partition,kill,pause --nemesis-interval 2";
  const a = await simulate("challenges/unique_ids.ts", args, 42);
  const b = await simulate("challenges/unique_ids.ts", args, 42);
  const c = await simulate("challenges/unique_ids.ts", args, 43);
  const took = (result: string) =>
    a.history.some((op) =>
      op.process === "nemesis" && typeof op.value === "object" && op.value !== null &&
      Object.values(op.value).includes(result)
    );
  for (const result of ["killed", "started", "paused", "resumed"]) assert.ok(took(result), result);
  assert.equal(JSON.stringify(a.history), JSON.stringify(b.history));
  assert.equal(JSON.stringify(a.network.journal), JSON.stringify(b.network.journal));
  assert.equal(JSON.stringify(a.results), JSON.stringify(b.results));
  assert.notEqual(JSON.stringify(a.history), JSON.stringify(c.history));
});

/** Pids of live processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (cmdline.includes(marker) && !/\) Z /.test(stat)) pids.push(Number(entry.name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The arguments a live process was started with, or `[]` once it is gone. */
function commandLineOf(pid: number): string[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** The process group of a pid (field 5 of /proc/PID/stat), or 0 once it is gone. */
function processGroupOf(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name (field 2) may hold spaces; the fields after its ")" are plain.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return 0;
  }
}

Deno.test("process: Ctrl-C kills every node; no orphan is left", async () => {
  const marker = `orphan-check-${crypto.randomUUID()}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./cli.ts", import.meta.url).pathname,
      "test",
      ..."-w echo --bin launchers/echo --node-count 3 --time-limit 120".split(" "),
      "--store",
      Deno.makeTempDirSync(),
      "--",
      marker,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The harness's own command line holds the marker too; the nodes are the others. A node starts
  // as a fork of the harness, becomes the bash launcher (which forks short-lived subshells) and
  // then execs Deno on the challenge file; only that last form is stable, so the test waits for
  // three of those, each leading its own process group.
  const nodePids = () => processesWith(marker).filter((pid) => pid !== child.pid);
  const nodeGroups = () =>
    new Set(
      nodePids().filter((pid) => {
        const argv = commandLineOf(pid);
        return argv[0]?.endsWith("deno") && argv.some((a) => a.endsWith("challenges/echo.ts"));
      }).map(processGroupOf).filter((g) => g > 0),
    );
  // Under `deno task test --parallel` the harness may take many seconds to load and spawn on a
  // busy 2-core machine (CI once saw one group after 10 s). The run lasts 120 s, so waiting up to
  // 60 s costs nothing when the machine is quick and never races the harness's own end.
  const waitUntil = Date.now() + 60_000;
  while (nodeGroups().size < 3 && Date.now() < waitUntil) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(nodeGroups().size, 3, "three node process groups started");
  child.kill("SIGINT");
  const out = await child.output();
  assert.equal(out.code, 130);
  assert.match(new TextDecoder().decode(out.stderr), /Interrupted; every node process was killed/);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(nodePids(), []);
});
