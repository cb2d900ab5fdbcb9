import assert from "node:assert/strict";
import { parseTestArgs, UsageError } from "./cli.ts";

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
    ["--bin x --rate=-1", /--rate must be a number of at least 0, not "-1"/],
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
