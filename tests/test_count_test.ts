// --test-count: seeds seed, seed+1, ... in parallel workers, stopping at the first run that is
// not valid, with Maelstrom's exit codes; only that run (or the last) is stored.
import assert from "node:assert/strict";
import { runSeeds } from "../harness/seeds.ts";
import { cli, ROOT, simulate } from "./support.ts";

const ECHO = "-w echo --node-count 1 --time-limit 2".split(" ");
const FLAKY = "tests/fixtures/echo_some_seeds.ts";

Deno.test("the first failing seed is the lowest one, whatever the number of workers", async () => {
  // The expected answer, one seed after another in this thread.
  const first = 3, count = 12;
  const valid: boolean[] = [];
  for (let seed = first; seed < first + count; seed++) {
    valid.push((await simulate(FLAKY, ECHO, seed)).results["valid?"] === true);
  }
  const expected = first + valid.indexOf(false);
  assert.ok(expected > first + 2, `the fixture must pass a few seeds first (${valid})`);
  for (const workers of [1, 2, 3]) {
    const result = await runSeeds({
      file: `${ROOT}/${FLAKY}`,
      args: ECHO,
      firstSeed: first,
      count,
      workers,
    });
    result.close();
    assert.equal(result.firstFailure?.seed, expected, `${workers} workers`);
    assert.equal(result.firstFailure?.valid, false);
    assert.match(result.firstFailure!.explanation, /workload/);
    // Every seed below it ran and was valid.
    const below = result.verdicts.filter((v) => v.seed < expected);
    assert.deepEqual(
      below.map((v) => v.seed),
      Array.from({ length: expected - first }, (_, i) => first + i),
    );
    assert.ok(below.every((v) => v.valid === true));
  }
});

Deno.test("the CLI: --test-count stops at the first invalid seed, exit 1, with its reproduce command", async () => {
  const run = await cli(["--bin", FLAKY, ...ECHO, "--seed", "3", "--test-count", "12"]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const seed = /Seed (\d+) is the first of seeds 3\.\.14 that is not valid/.exec(run.stdout);
  assert.ok(seed, run.stdout);
  assert.match(
    run.stdout,
    new RegExp(`Reproduce it alone with: deno task maelstrom test .*--seed ${seed[1]}`),
  );
  assert.doesNotMatch(run.stdout, /--test-count 12 --seed/);
  // The stored run is the failing one.
  assert.equal(run.results?.["valid?"], false);
});

Deno.test("the CLI: --test-count with every seed valid exits 0 and stores the last run only", async () => {
  const store = Deno.makeTempDirSync({ prefix: "glomers-count-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}/harness/cli.ts`,
        "test",
        "--store",
        store,
        "--bin",
        "challenges/echo.ts",
        ...ECHO,
        "--seed",
        "5",
        "--test-count",
        "6",
        "--no-report",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, stdout);
    assert.match(stdout, /All 6 seeds 5\.\.10 are valid/);
    const runs = [...Deno.readDirSync(`${store}/echo`)].filter((e) => e.isDirectory);
    assert.equal(runs.length, 1, "one stored run");
    const meta = JSON.parse(Deno.readTextFileSync(`${store}/latest/test.json`));
    assert.equal(meta.opts.seed, 10, "the stored run is the last seed's");
    assert.ok(Deno.statSync(`${store}/latest/node-logs/n0.log`).isFile);
  } finally {
    Deno.removeSync(store, { recursive: true });
  }
});

Deno.test("the CLI: --test-count must be a positive integer", async () => {
  const run = await cli(["--bin", "challenges/echo.ts", ...ECHO, "--test-count", "0"]);
  assert.equal(run.code, 254);
  assert.match(run.stderr, /--test-count must be a positive integer, not "0"/);
});
