import assert from "node:assert/strict";
import { LIMITS, main, parseTestArgs, UsageError } from "./cli.ts";
import { createRunDir, removeEmptyRunDir } from "./results.ts";
import { type CapturedRun, captureMain } from "./testing.ts";

Deno.test("defaults are Maelstrom's", () => {
  const { opts, nodeArgs } = parseTestArgs(["--bin", "x"]);
  assert.equal(opts.workload, "lin-kv");
  assert.deepEqual(opts.nodes, ["n1", "n2", "n3", "n4", "n5"]);
  assert.equal(opts.concurrency, 5);
  assert.equal(opts.timeLimitS, 60);
  assert.equal(opts.rate, 5);
  assert.equal(opts.latencyMs, 0);
  assert.equal(opts.latencyDist, "constant");
  assert.deepEqual(opts.nemesis, []);
  assert.equal(opts.nemesisIntervalS, 10);
  assert.equal(opts.topology, "grid");
  assert.equal(opts.availability, undefined);
  assert.deepEqual(opts.consistencyModels, ["strict-serializable"]);
  assert.equal(opts.keyCount, undefined);
  assert.equal(opts.maxTxnLength, 4);
  assert.equal(opts.maxWritesPerKey, 16);
  assert.deepEqual(nodeArgs, []);
});

Deno.test("node count, 2n concurrency, availability, models and node args", () => {
  const t = parseTestArgs(
    "-w txn-rw-register --bin x --node-count 2 --concurrency 2n --availability total --consistency-models read-committed --nemesis partition --seed 7 -- --fast 3"
      .split(" "),
  );
  assert.deepEqual(t.opts.nodes, ["n0", "n1"]);
  assert.equal(t.opts.concurrency, 4);
  assert.equal(t.opts.availability, "total");
  assert.deepEqual(t.opts.consistencyModels, ["read-committed"]);
  assert.deepEqual(t.opts.nemesis, ["partition"]);
  assert.equal(t.opts.seed, 7);
  assert.deepEqual(t.nodeArgs, ["--fast", "3"]);
  // Maelstrom splits models only on a comma with whitespace on both sides.
  assert.deepEqual(
    parseTestArgs(["--bin", "x", "--consistency-models", "a,b"]).opts.consistencyModels,
    ["a,b"],
  );
  assert.equal(parseTestArgs(["--bin", "x", "--availability", "0.99"]).opts.availability, 0.99);
});

Deno.test("--nodes and -n name the nodes as Jepsen's CLI merges them; --node-count wins", () => {
  const nodes = (args: string) => parseTestArgs(["--bin", "x", ...args.split(" ")]).opts.nodes;
  // Maelstrom's echo guide runs `--nodes n1`; "2n" concurrency then means two threads.
  assert.deepEqual(nodes("--nodes n1"), ["n1"]);
  assert.equal(
    parseTestArgs(["--bin", "x", "--nodes", "n1", "--concurrency", "2n"]).opts
      .concurrency,
    2,
  );
  assert.deepEqual(nodes("--nodes a,b"), ["a", "b"]);
  assert.deepEqual(parseTestArgs(["--bin", "x", "--nodes", "a, b"]).opts.nodes, ["a", "b"]);
  assert.deepEqual(nodes("-n a -n b"), ["a", "b"]);
  assert.deepEqual(nodes("--nodes a -n b"), ["a", "b"]);
  assert.deepEqual(nodes("--node-count 2 --nodes a,b,c"), ["n0", "n1"]);
  assert.deepEqual(nodes("--node-count 2 -n z"), ["n0", "n1", "z"]);
  const errorOf = (args: string[]) =>
    assert.throws(() => parseTestArgs(["--bin", "x", ...args]), UsageError);
  errorOf(["--nodes", "a,a"]);
  errorOf(["--nodes", "c3"]);
  errorOf(["--nodes", "lin-kv"]);
  errorOf(["--nodes", "a,,b"]);
  assert.throws(
    () => parseTestArgs(["--bin", "x", "--nodes", "n1,n1"]),
    /^UsageError: Node name "n1" is given twice$/,
  );
});

Deno.test("--nemesis takes any comma-separated mix of partition, kill and pause", () => {
  const faults = (v: string) => parseTestArgs(["--bin", "x", "--nemesis", v]).opts.nemesis;
  assert.deepEqual(faults("kill"), ["kill"]);
  assert.deepEqual(faults("pause,partition"), ["pause", "partition"]);
  assert.deepEqual(faults("partition, kill,pause"), ["partition", "kill", "pause"]);
  assert.deepEqual(faults("kill,kill"), ["kill"]);
  assert.deepEqual(parseTestArgs(["--bin", "x"]).opts.nemesis, []);
});

Deno.test("bad values are clear errors, never ignored", () => {
  const bad: [string, RegExp][] = [
    ["-w echo", /Expected a --bin PATH_TO_BINARY/],
    ["--bin x -w nope", /Unknown workload "nope"/],
    ["--bin x --node-count 0", /--node-count must be a positive integer, not "0"/],
    ["--bin x --concurrency 3x", /--concurrency must be a positive integer or "<k>n", not "3x"/],
    ["--bin x --rate=-1", /--rate must be a plain decimal number such as 0.5 or 10, not "-1"/],
    ["--bin x --rate -1", /--rate=-XYZ/],
    ["--bin x --latency 1.5", /--latency must be a whole number/],
    ["--bin x --latency-dist normal", /--latency-dist must be one of/],
    ["--bin x --latency-dist uniform", /needs a --latency above 0/],
    ["--bin x --nemesis crash", /Unknown nemesis "crash": expected a comma-separated mix of/],
    ["--bin x --nemesis partition,frob", /Unknown nemesis "frob"/],
    ["--bin x --nemesis-interval 0", /--nemesis-interval must be a positive number/],
    ["--bin x --topology ring", /Unknown topology "ring"/],
    ["--bin x --availability most", /--availability must be "total" or a number from 0 to 1/],
    ["--bin x --time-limit 0", /--time-limit must be a positive integer/],
    ["--bin x --frobnicate", /frobnicate/],
  ];
  for (const [args, message] of bad) {
    assert.throws(() => parseTestArgs(args.split(" ")), (e: Error) => {
      assert.ok(e instanceof UsageError, args);
      assert.match(e.message, message, args);
      return true;
    });
  }
});

/** Parses `--flag value` (value may be empty or hold spaces) and returns the error message. */
function errorOf(args: string[]): string {
  try {
    parseTestArgs(["--bin", "x", ...args]);
  } catch (err) {
    assert.ok(err instanceof UsageError, `${args.join(" ")} threw ${err}`);
    return err.message;
  }
  assert.fail(`${JSON.stringify(args)} was accepted`);
}

Deno.test("number flags take digits only: no spaces, hex, exponents on integers, or empty values", () => {
  const integers = ["--node-count", "--time-limit", "--latency", "--key-count", "--seed"];
  for (const flag of integers) {
    for (const raw of [" 2", "2 ", "0x3", "1e3", "", "+2", "2.0", "0b1", "Infinity"]) {
      assert.match(errorOf([`${flag}=${raw}`]), new RegExp(`^${flag} must be`), `${flag}=${raw}`);
    }
  }
  for (const flag of ["--max-txn-length", "--max-writes-per-key"]) {
    assert.match(errorOf([flag, "0x3"]), new RegExp(`^${flag} must be a positive integer`));
  }
  for (const flag of ["--rate", "--nemesis-interval"]) {
    for (const raw of [" 2", "0x3", "", "NaN", "Infinity", ".5", "5.", "1/2", "-1"]) {
      assert.match(
        errorOf([`${flag}=${raw}`]),
        new RegExp(`^${flag} must be a plain decimal number`),
        `${flag}=${raw}`,
      );
    }
  }
  for (const raw of [" 0.5", "0x1", "", "1/2", "NaN"]) {
    assert.match(errorOf([`--availability=${raw}`]), /^--availability must be "total" or a number/);
  }
  // The empty --rate= used to parse as 0 and run no operations at all.
  assert.match(errorOf(["--rate="]), /--rate must be a plain decimal number .*not ""/);
});

Deno.test("Maelstrom's documented number forms still parse", () => {
  const t = parseTestArgs(
    "--bin x --node-count 3 --concurrency 2n --rate 0 --nemesis-interval 0.5 --availability total"
      .split(" "),
  );
  assert.equal(t.opts.concurrency, 6);
  assert.equal(t.opts.rate, 0);
  assert.equal(t.opts.nemesisIntervalS, 0.5);
  assert.equal(t.opts.availability, "total");
  assert.equal(parseTestArgs(["--bin", "x", "--rate", "12.5"]).opts.rate, 12.5);
  // Java's Double/parseDouble and Clojure's reader both read an exponent.
  assert.equal(parseTestArgs(["--bin", "x", "--rate", "1e2"]).opts.rate, 100);
  assert.equal(parseTestArgs(["--bin", "x", "--availability", "1"]).opts.availability, 1);
  assert.equal(parseTestArgs(["--bin", "x", "--seed", "0"]).opts.seed, 0);
  assert.equal(parseTestArgs(["--bin", "x", "--seed", "4294967295"]).opts.seed, 2 ** 32 - 1);
});

Deno.test("seeds outside 0..2^32-1 are errors, not aliased", () => {
  assert.match(
    errorOf(["--seed", "4294967296"]),
    /--seed must be at most 4294967295, not "4294967296"/,
  );
  assert.match(errorOf(["--seed", "99999999999999999999"]), /--seed must be at most 4294967295/);
  assert.match(errorOf(["--seed", "-1"]), /--seed/);
});

Deno.test("sizes have upper bounds with a clear error beyond them", () => {
  assert.match(
    errorOf(["--node-count", "100000"]),
    /^--node-count must be at most 1000, not "100000"$/,
  );
  assert.equal(
    parseTestArgs(["--bin", "x", "--node-count", String(LIMITS.nodeCount)]).opts.nodes.length,
    LIMITS.nodeCount,
  );
  assert.match(
    errorOf(["--node-count", "600", "--concurrency", "2n"]),
    /^--concurrency "2n" means 1200 client threads; at most 1000 are supported$/,
  );
  assert.match(errorOf(["--concurrency", "1001"]), /at most 1000 are supported/);
  assert.match(errorOf(["--rate", "1e9"]), /^--rate must be at most 10000 operations per second/);
  assert.match(errorOf(["--time-limit", "86401"]), /^--time-limit must be at most 86400/);
  assert.match(
    errorOf(["--rate", "1000", "--time-limit", "3600"]),
    /asks for about 3600000 operations; at most 1000000 fit in memory/,
  );
  // The largest allowed run still parses.
  const t = parseTestArgs(["--bin", "x", "--rate", "10000", "--time-limit", "100"]);
  assert.equal(t.opts.rate * t.opts.timeLimitS, LIMITS.ops);
});

/** Runs `main` with console output captured. */
function runMain(argv: string[]): Promise<CapturedRun> {
  return captureMain(() => main(argv));
}

const ECHO = new URL("../challenges/echo.ts", import.meta.url).pathname;

Deno.test("a store that cannot be written is one sentence and exit 254, with nothing left behind", async () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const file = `${tmp}/a-file`;
    Deno.writeTextFileSync(file, "not a folder");
    const asFile = await runMain(["test", "-w", "echo", "--bin", ECHO, "--store", file]);
    assert.equal(asFile.code, 254);
    assert.equal(
      asFile.stderr,
      `Cannot write runs to the store "${file}": "${file}" is not a folder`,
    );
    assert.equal(Deno.readTextFileSync(file), "not a folder");

    const proc = await runMain(["test", "-w", "echo", "--bin", ECHO, "--store", "/proc/x"]);
    assert.equal(proc.code, 254);
    assert.match(proc.stderr, /^Cannot write runs to the store "\/proc\/x": [a-z][^\n]+$/);
    assert.doesNotMatch(proc.stderr, /\bat .*\.ts:\d+/, "no stack trace");
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});

Deno.test("a run that fails to start leaves no run folder in the store", async () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const store = `${tmp}/store`;
    const noFactory = `${tmp}/no_factory.ts`;
    Deno.writeTextFileSync(noFactory, "export const x = 1;\n");
    const bad = await runMain(["test", "-w", "echo", "--bin", noFactory, "--store", store]);
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /does not export a createNode\(options\) function/);
    const missing = await runMain(["test", "-w", "echo", "--bin", `${tmp}/nope`, "--store", store]);
    assert.equal(missing.code, 254);
    assert.match(missing.stderr, /The binary ".*nope" does not exist/);
    assert.equal(exists(store), false, "no store folder was made for runs that never started");

    // The folders made for a run that then failed to start go, down to the store itself.
    assert.equal(removeEmptyRunDir(createRunDir(store, "echo")), true);
    assert.deepEqual([...Deno.readDirSync(store)], [], "the empty workload folder went too");

    // A store that already holds runs keeps them; only the new, empty folder goes.
    Deno.mkdirSync(`${store}/echo/older`, { recursive: true });
    const dir = createRunDir(store, "echo");
    assert.equal(removeEmptyRunDir(dir), true);
    assert.deepEqual([...Deno.readDirSync(`${store}/echo`)].map((e) => e.name), ["older"]);
    // A run folder with node logs in it is kept.
    const logged = createRunDir(store, "echo");
    Deno.writeTextFileSync(`${logged}/node-logs/n0.log`, "boom\n");
    assert.equal(removeEmptyRunDir(logged), false);
    assert.equal(exists(`${logged}/node-logs/n0.log`), true);
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("main dispatches analyze; an unknown command names both commands", async () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const r = await runMain(["analyze", "--store", tmp]);
    assert.equal(r.code, 254);
    assert.equal(r.stderr, `There is no run folder at "${tmp}/latest"`);
    const u = await runMain(["frob"]);
    assert.equal(u.code, 254);
    assert.match(u.stderr, /^Unknown command "frob": this harness runs "test" and "analyze"\./);
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});

Deno.test("--test-count with real processes runs the test again, one folder a run, and stops at the first failure", async () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const runs = (store: string) =>
      [...Deno.readDirSync(`${store}/echo`)].filter((e) => e.name !== "latest").length;
    const ok = await runMain([
      "test",
      "-w",
      "echo",
      "--bin",
      ECHO,
      "--time-limit",
      "1",
      "--test-count",
      "3",
      "--process",
      "--seed",
      "7",
      "--no-report",
      "--store",
      `${tmp}/ok`,
    ]);
    assert.equal(ok.code, 0);
    assert.equal(runs(`${tmp}/ok`), 3);
    // Each run has its own seed, reproducible alone; the first is the one given.
    assert.deepEqual(ok.stderr.match(/^Seed: \d+$/gm), ["Seed: 7", "Seed: 8", "Seed: 9"]);

    const wrong = new URL("../tests/fixtures/echo_wrong.ts", import.meta.url).pathname;
    const bad = await runMain([
      "test",
      "-w",
      "echo",
      "--bin",
      wrong,
      "--time-limit",
      "1",
      "--test-count=3",
      "--process",
      "--no-report",
      "--store",
      `${tmp}/bad`,
    ]);
    assert.equal(bad.code, 1);
    assert.equal(runs(`${tmp}/bad`), 1, "Jepsen stops repeating at the first invalid run");
    assert.throws(
      () => parseTestArgs(["--bin", "x", "--test-count", "0"]),
      /--test-count must be a positive integer, not "0"/,
    );
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});
