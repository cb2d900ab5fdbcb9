/**
 * `maelstrom test` for machines without a JVM: the same flags, defaults, exit codes and closing
 * line as Maelstrom, against any node binary.
 *
 * ```sh
 * deno task maelstrom test -w echo --bin launchers/echo --node-count 1 --time-limit 10
 * ```
 *
 * Exit codes: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 the test crashed (a node
 * never answered `init`, a node crashed).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { RealClock } from "./clock.ts";
import { describeGrudge } from "./nemesis.ts";
import {
  killAllChildren,
  type NodeBackend,
  ProcessBackend,
  resolveBinary,
} from "./nodes/process.ts";
import { createRunDir, summarize, verdictLine, writeRun } from "./results.ts";
import { type Progress, runTest, TestAbort } from "./runner.ts";
import type { TestOptions, Workload } from "./types.ts";
import { loadWorkload, WORKLOAD_NAMES } from "./workloads/mod.ts";
import { writeReport } from "./report/mod.ts";
import { reproduceCommand, simulateCli } from "./seeds.ts";
import { CONSISTENCY_MODEL_NAMES } from "./checkers/elle_rw.ts";

/** A command-line mistake: printed with the usage, exit 254. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A `--bin` that is a script rather than an executable. */
const SCRIPT = /\.ts$/;

const TOPOLOGIES = ["line", "grid", "tree", "tree2", "tree3", "tree4", "total"];
const LATENCY_DISTS = ["constant", "uniform", "exponential"];

/** The usage text of `test`. */
export const USAGE = `Usage: maelstrom test -w WORKLOAD --bin PATH [options] [-- node args...]

Options (Maelstrom's defaults):
  -w, --workload NAME         ${WORKLOAD_NAMES.join(", ")} (default lin-kv)
      --bin PATH              the node executable (required)
      --node-count N          nodes n0..n(N-1) (default: n1..n5)
      --concurrency C         client threads; "2n" means 2 x node count (default 1n)
      --time-limit S          seconds of client operations (default 60)
      --rate R                client operations per second, all threads together (default 5)
      --latency MS            mean node-to-node latency (default 0)
      --latency-dist D        constant, uniform or exponential (default constant)
      --nemesis F             faults: partition (default none)
      --nemesis-interval S    mean seconds between nemesis operations (default 10)
      --topology T            broadcast: ${TOPOLOGIES.join(", ")} (default grid)
      --availability A        "total" or a fraction 0..1 of operations that must succeed
      --consistency-models M  txn workloads (default strict-serializable)
      --key-count N           txn and kafka: active keys (default 10)
      --max-txn-length N      txn: micro-ops per transaction (default 4)
      --max-writes-per-key N  txn and kafka (default 16)
      --log-stderr            show node stderr as it happens
      --log-net-send          log every message sent
      --log-net-recv          log every message delivered
      --seed N                seed for every random choice (default: random, printed first)
      --store DIR             where runs are written (default store)
      --no-report             skip the run's HTML report (diagram, plots, anomalies)
      --test-count N          run the test N times (seeds S, S+1, ...), stopping at the first
                              run that is not valid; exit code as for that run. Simulated
                              runs go in parallel, one per core, and only the first failing
                              run (or the last run) is stored and reported, with its seed
      --strict                our checks that Maelstrom lacks count against valid?
                              (by default they are reported as warnings only)
      --process               with a .ts challenge file as --bin: run real processes
                              (deno run) instead of simulating in virtual time

A --bin that is a .ts file exporting createNode() (every file in challenges/) runs in the
deterministic simulator: the nodes live in this process, time is virtual, and the seed
reproduces the run exactly. Any other --bin runs as one OS process per node, as in Maelstrom.
  -h, --help                  this text`;

/** Parsed `test` options plus what is not part of {@linkcode TestOptions}. */
export interface CliTest {
  opts: TestOptions;
  bin: string;
  nodeArgs: string[];
  logStderr: boolean;
  logNetSend: boolean;
  logNetRecv: boolean;
  store: string;
  /** Run a `.ts` challenge file as a real process instead of simulating it. */
  process: boolean;
  /** Skip the HTML report (Lamport diagram, plots) of the run. */
  noReport: boolean;
  /** `--test-count`: how many runs (seeds `seed`, `seed + 1`, ...). */
  testCount: number;
}

/** Parses the arguments after `test`. Throws {@linkcode UsageError} with a sentence naming the
 * offending option and value.
 *
 * @example
 * ```ts
 * import { parseTestArgs } from "./cli.ts";
 * const t = parseTestArgs(["-w", "echo", "--bin", "x", "--node-count", "3", "--concurrency", "2n"]);
 * t.opts.concurrency; // 6
 * ```
 */
export function parseTestArgs(argv: string[]): CliTest {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        workload: { type: "string", short: "w", default: "lin-kv" },
        bin: { type: "string" },
        "node-count": { type: "string" },
        concurrency: { type: "string", default: "1n" },
        "time-limit": { type: "string", default: "60" },
        rate: { type: "string", default: "5" },
        latency: { type: "string", default: "0" },
        "latency-dist": { type: "string", default: "constant" },
        nemesis: { type: "string" },
        "nemesis-interval": { type: "string", default: "10" },
        topology: { type: "string", default: "grid" },
        availability: { type: "string" },
        "consistency-models": { type: "string", default: "strict-serializable" },
        "key-count": { type: "string" },
        "max-txn-length": { type: "string", default: "4" },
        "max-writes-per-key": { type: "string", default: "16" },
        "log-stderr": { type: "boolean", default: false },
        "log-net-send": { type: "boolean", default: false },
        "log-net-recv": { type: "boolean", default: false },
        seed: { type: "string" },
        store: { type: "string", default: "store" },
        process: { type: "boolean", default: false },
        "no-report": { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        "test-count": { type: "string", default: "1" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (!v.bin) throw new UsageError("Expected a --bin PATH_TO_BINARY to test");
  if (!WORKLOAD_NAMES.includes(v.workload!)) {
    throw new UsageError(
      `Unknown workload "${v.workload}": expected one of ${WORKLOAD_NAMES.join(", ")}`,
    );
  }
  const nodes = v["node-count"] === undefined
    ? ["n1", "n2", "n3", "n4", "n5"]
    : Array.from({ length: positiveInt("--node-count", v["node-count"]) }, (_, i) => `n${i}`);
  const conc = /^(\d+)(n?)$/.exec(v.concurrency!);
  if (!conc || Number(conc[1]) === 0) {
    throw new UsageError(
      `--concurrency must be a positive integer or "<k>n", not "${v.concurrency}"`,
    );
  }
  const concurrency = Number(conc[1]) * (conc[2] ? nodes.length : 1);
  const rate = Number(v.rate);
  if (!Number.isFinite(rate) || rate < 0) {
    throw new UsageError(`--rate must be a number of at least 0, not "${v.rate}"`);
  }
  const latencyMs = nonNegativeInt("--latency", v.latency!);
  const latencyDist = v["latency-dist"]!;
  if (!LATENCY_DISTS.includes(latencyDist)) {
    throw new UsageError(
      `--latency-dist must be one of ${LATENCY_DISTS.join(", ")}, not "${latencyDist}"`,
    );
  }
  if (latencyDist !== "constant" && latencyMs === 0) {
    throw new UsageError(
      `--latency-dist ${latencyDist} needs a --latency above 0 (Maelstrom crashes or hangs here)`,
    );
  }
  const nemesis = v.nemesis === undefined ? [] : v.nemesis.split(/\s*,\s*/).filter(Boolean);
  for (const f of nemesis) {
    if (f !== "partition") {
      throw new UsageError(`Unknown nemesis "${f}": the only fault is "partition"`);
    }
  }
  const nemesisIntervalS = Number(v["nemesis-interval"]);
  if (!(nemesisIntervalS > 0)) {
    throw new UsageError(
      `--nemesis-interval must be a positive number, not "${v["nemesis-interval"]}"`,
    );
  }
  if (!TOPOLOGIES.includes(v.topology!)) {
    throw new UsageError(
      `Unknown topology "${v.topology}": expected one of ${TOPOLOGIES.join(", ")}`,
    );
  }
  let availability: TestOptions["availability"];
  if (v.availability !== undefined) {
    if (v.availability === "total") availability = "total";
    else {
      const a = Number(v.availability);
      if (!(a >= 0 && a <= 1)) {
        throw new UsageError(
          `--availability must be "total" or a number from 0 to 1, not "${v.availability}"`,
        );
      }
      availability = a;
    }
  }
  const seed = v.seed === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : nonNegativeInt("--seed", v.seed);
  return {
    opts: {
      workload: v.workload!,
      nodes,
      concurrency,
      timeLimitS: positiveInt("--time-limit", v["time-limit"]!),
      rate,
      latencyMs,
      latencyDist: latencyDist as TestOptions["latencyDist"],
      nemesis,
      nemesisIntervalS,
      topology: v.topology!,
      availability,
      // Maelstrom splits only on commas with whitespace on both sides; we do the same.
      consistencyModels: v["consistency-models"]!.split(/\s+,\s+/),
      keyCount: v["key-count"] === undefined
        ? undefined
        : positiveInt("--key-count", v["key-count"]),
      maxTxnLength: positiveInt("--max-txn-length", v["max-txn-length"]!),
      maxWritesPerKey: positiveInt("--max-writes-per-key", v["max-writes-per-key"]!),
      seed,
      strict: v.strict!,
    },
    bin: v.bin,
    nodeArgs: parsed.positionals,
    logStderr: v["log-stderr"]!,
    logNetSend: v["log-net-send"]!,
    logNetRecv: v["log-net-recv"]!,
    store: v.store!,
    process: v.process!,
    noReport: v["no-report"]!,
    testCount: positiveInt("--test-count", v["test-count"]!),
  };
}

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive integer, not "${raw}"`);
  }
  return n;
}

function nonNegativeInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`${flag} must be a whole number of at least 0, not "${raw}"`);
  }
  return n;
}

/** Runs `maelstrom <command> ...` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "-h" || command === "--help" || command === undefined) {
    console.log(USAGE);
    return command === undefined ? 254 : 0;
  }
  if (command !== "test") {
    console.error(`Unknown command "${command}": this harness runs "test".\n\n${USAGE}`);
    return 254;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  let cli: CliTest;
  let bin: string;
  let workload: Workload;
  try {
    cli = parseTestArgs(rest);
    bin = resolveBinary(cli.bin, !SCRIPT.test(cli.bin));
    workload = await loadWorkload(cli.opts.workload);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 254;
  }
  const { opts } = cli;
  const unknownModels = opts.consistencyModels.filter((m) => !CONSISTENCY_MODEL_NAMES.includes(m));
  if (opts.workload.startsWith("txn-") && unknownModels.length > 0) {
    // Maelstrom accepts any name here and only fails at analysis (valid? unknown); we keep that
    // verdict but say so up front.
    console.error(
      `Warning: unknown consistency model ${unknownModels.map((m) => `"${m}"`).join(", ")}; ` +
        `the analysis will be "unknown". Models are separated by " , " (spaces around the comma).`,
    );
  }
  const simulate = SCRIPT.test(bin) && !cli.process;
  console.error(`Seed: ${opts.seed}`);
  if (simulate) {
    // The simulation runs in Web Workers: node code stuck in a loop cannot block Ctrl-C here.
    const onSigint = () => {
      console.error("\nInterrupted.");
      Deno.exit(130);
    };
    Deno.addSignalListener("SIGINT", onSigint);
    try {
      return await simulateCli(cli, rest, bin);
    } catch (err) {
      console.error((err as Error).message);
      return 254;
    } finally {
      Deno.removeSignalListener("SIGINT", onSigint);
    }
  }
  // Real processes run one test after another, as Maelstrom's --test-count does, stopping at the
  // first run that is not valid.
  let code = 0;
  for (let i = 0; i < cli.testCount && code === 0; i++) {
    if (i > 0) console.error(`\nRun ${i + 1} of ${cli.testCount}; seed: ${opts.seed + i}`);
    code = await runProcesses(cli, rest, bin, workload, { ...opts, seed: opts.seed + i });
  }
  return code;
}

/** One `maelstrom test` run with one OS process per node; returns Maelstrom's exit code. */
async function runProcesses(
  cli: CliTest,
  rest: string[],
  bin: string,
  workload: Workload,
  opts: TestOptions,
): Promise<number> {
  const reproduce = reproduceCommand(rest, opts.seed);
  const dir = createRunDir(cli.store, opts.workload);
  const clock = new RealClock();
  const isScript = SCRIPT.test(bin);
  const backend: NodeBackend = new ProcessBackend({
    bin: isScript ? Deno.execPath() : bin,
    args: isScript
      ? [
        "run",
        "--quiet",
        "--no-prompt",
        "--config",
        new URL("../deno.json", import.meta.url).pathname,
        "--allow-env=GLOMERS_LOG_LEVEL",
        bin,
        ...cli.nodeArgs,
      ]
      : cli.nodeArgs,
    logDir: `${dir}/node-logs`,
    logStderr: cli.logStderr,
  });
  const tty = Deno.stderr.isTerminal();
  const onSigint = () => {
    killAllChildren();
    console.error("\nInterrupted; every node process was killed.");
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const started = performance.now();
  try {
    const run = () =>
      runTest({
        opts,
        workload,
        backend,
        clock,
        progress: tty ? (p) => Deno.stderr.writeSync(progressLine(p, opts)) : undefined,
        onNetwork(network) {
          if (cli.logNetSend) network.onSend = (e) => console.error(`:send ${JSON.stringify(e)}`);
          if (cli.logNetRecv) network.onRecv = (e) => console.error(`:recv ${JSON.stringify(e)}`);
        },
      });
    const outcome = await run();
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    writeRun(dir, cli.store, outcome, {
      opts,
      argv: rest,
      runner: "process",
      bin,
    });
    let report = "";
    if (!cli.noReport) {
      try {
        report = (await writeReport(dir)).index;
      } catch (err) {
        console.error(`Could not write the run's report: ${(err as Error).message}`);
      }
    }
    console.log(summarize(outcome, opts, { dir, reproduce }));
    if (report) console.log(`Report: ${report} (browse every run: deno task serve)`);
    const wallS = (performance.now() - started) / 1000;
    console.log(`Wall time: ${wallS.toFixed(1)} s`);
    console.log("");
    console.log(verdictLine(outcome.results["valid?"]));
    if (outcome.problems.some((p) => p.kind === "crashed")) return 255;
    const valid = outcome.results["valid?"];
    return valid === true ? 0 : valid === false ? 1 : 2;
  } catch (err) {
    killAllChildren();
    if (err instanceof TestAbort) {
      console.error(`\nThe test could not run: ${err.message}`);
      console.error(`Node logs: ${dir}/node-logs/`);
      return 255;
    }
    console.error("\nOh jeez, I'm sorry, the harness broke. Here's why:");
    console.error(err);
    return 255;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

const encoder = new TextEncoder();

function progressLine(p: Progress, opts: TestOptions): Uint8Array {
  const line = `\r[${p.phase} ${p.elapsedS.toFixed(1)}s/${opts.timeLimitS}s] ops ${p.ops} ` +
    `(ok ${p.ok}, fail ${p.fail}, info ${p.info}) · msgs ${p.messages} · ` +
    `${describeGrudge(p.partition)}`;
  return encoder.encode(line.padEnd(100).slice(0, 160));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
