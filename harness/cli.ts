/**
 * `maelstrom test` for machines without a JVM: the same flags, defaults, exit codes and closing
 * line as Maelstrom, against any node binary.
 *
 * ```sh
 * deno task maelstrom test -w echo --bin launchers/echo --node-count 1 --time-limit 10
 * deno task maelstrom analyze -t store/latest --strict
 * ```
 *
 * Exit codes: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 the test crashed (a node
 * never answered `init`, a node crashed), and 130, 143 or 129 when interrupted by SIGINT, SIGTERM
 * or SIGHUP (every node is killed first, with everything it forked).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { analyzeMain } from "./analyze.ts";
import { RealClock } from "./clock.ts";
import { describeGrudge, parseFaults } from "./nemesis.ts";
import {
  killAllChildren,
  type NodeBackend,
  ProcessBackend,
  resolveBinary,
} from "./nodes/process.ts";
import {
  createRunDir,
  removeEmptyRunDir,
  StoreError,
  summarize,
  verdictLine,
  writeRun,
} from "./results.ts";
import { type Progress, runTest, TestAbort } from "./runner.ts";
import type { TestOptions, Workload } from "./types.ts";
import { loadWorkload, WORKLOAD_NAMES } from "./workloads/mod.ts";
import { writeReport } from "./report/mod.ts";
import { isKnownModel, suggestModel } from "./checkers/elle/models.ts";
import { EVENT_BUDGET_MS, reproduceCommand, simulateCli } from "./seeds.ts";

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

/** Upper bounds of the numeric options, chosen from what the harness can do on one machine: every
 * node, client thread, operation and message of a run is held in this process's memory.
 * Measured with the simulator: 1,000 broadcast nodes take about 0.4 GB; echo at 10,000 ops/s for
 * 10 s (100,000 ops) takes about 0.5 GB, so about 5 KB per operation.
 *
 * @example
 * ```ts
 * import { LIMITS } from "./cli.ts";
 * LIMITS.nodeCount; // 1000
 * ```
 */
export const LIMITS = {
  /** A real-process run starts one OS process per node; a thousand is already a lot of them. */
  nodeCount: 1000,
  testCount: 1000,
  /** Each client thread is an endpoint with its own connection and in-flight op. */
  concurrency: 1000,
  /** Far above what one node or the journal can follow; `1e9` would never finish. */
  rate: 10_000,
  /** A day. */
  timeLimitS: 86_400,
  /** `--rate × --time-limit`: about 5 KB each, so a million operations is about 5 GB. */
  ops: 1_000_000,
  latencyMs: Number.MAX_SAFE_INTEGER,
  keyCount: Number.MAX_SAFE_INTEGER,
  maxTxnLength: Number.MAX_SAFE_INTEGER,
  maxWritesPerKey: Number.MAX_SAFE_INTEGER,
} as const;

/** The usage text of `test`. */
export const USAGE = `Usage: maelstrom test -w WORKLOAD --bin PATH [options] [-- node args...]
       maelstrom analyze [-t RUN_FOLDER] [options]   (check a stored run again; see analyze -h)

Options (Maelstrom's defaults):
  -w, --workload NAME         ${WORKLOAD_NAMES.join(", ")} (default lin-kv)
      --bin PATH              the node executable (required)
      --node-count N          nodes n0..n(N-1) (default: n1..n5)
      --nodes a,b,c           these node names instead (--node-count wins over it)
  -n, --node NAME             add one node name; repeatable
      --concurrency C         client threads; "2n" means 2 x node count (default 1n)
      --time-limit S          seconds of client operations (default 60)
      --rate R                client operations per second, all threads together (default 5)
      --latency MS            mean node-to-node latency (default 0)
      --latency-dist D        constant, uniform or exponential (default constant)
      --nemesis F             faults, comma-separated: partition, kill, pause (default none)
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
      --event-budget-ms MS    simulated runs: how long one handler or timer callback of a node
                              may run before the run ends with that node named as stuck
                              (default ${EVENT_BUDGET_MS})
      --strict                our checks that Maelstrom lacks count against valid?
                              (by default they are reported as warnings only)
      --process               with a .ts challenge file as --bin: run real processes
                              (deno run) instead of simulating in virtual time
  -h, --help                  this text

Numbers are plain digits (decimals for --rate, --nemesis-interval, --availability). Every
node, client and message of a run lives in this process's memory, so --node-count and
--concurrency are at most ${LIMITS.nodeCount}, --rate at most ${LIMITS.rate}/s, --time-limit at most
${LIMITS.timeLimitS} s (a day), and --rate x --time-limit at most ${LIMITS.ops} operations (about
5 KB of memory each); --seed is 0 to ${2 ** 32 - 1}.

A --bin that is a .ts file exporting createNode() (every file in challenges/) runs in the
deterministic simulator: the nodes live in this process, time is virtual, and the seed
reproduces the run exactly. Any other --bin runs as one OS process per node, as in Maelstrom.`;

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
  /** `--event-budget-ms`: how long one event of node code may run in a simulated run before the
   * watchdog calls the node stuck. */
  eventBudgetMs: number;
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
        node: { type: "string", short: "n", multiple: true },
        nodes: { type: "string" },
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
        "event-budget-ms": { type: "string", default: String(EVENT_BUDGET_MS) },
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
  const nodes = nodeNames(v["node-count"], v.nodes, v.node);
  const conc = /^(\d+)(n?)$/.exec(v.concurrency!);
  if (!conc || Number(conc[1]) === 0) {
    throw new UsageError(
      `--concurrency must be a positive integer or "<k>n", not "${v.concurrency}"`,
    );
  }
  const concurrency = Number(conc[1]) * (conc[2] ? nodes.length : 1);
  if (concurrency > LIMITS.concurrency) {
    throw new UsageError(
      `--concurrency "${v.concurrency}" means ${concurrency} client threads; ` +
        `at most ${LIMITS.concurrency} are supported`,
    );
  }
  const rate = decimal("--rate", v.rate!);
  if (rate > LIMITS.rate) {
    throw new UsageError(
      `--rate must be at most ${LIMITS.rate} operations per second, not "${v.rate}"`,
    );
  }
  const timeLimitS = boundedInt("--time-limit", v["time-limit"]!, 1, LIMITS.timeLimitS);
  if (rate * timeLimitS > LIMITS.ops) {
    throw new UsageError(
      `--rate ${v.rate} for --time-limit ${timeLimitS} asks for about ${
        Math.round(rate * timeLimitS)
      } operations; at most ${LIMITS.ops} fit in memory, so lower one of them`,
    );
  }
  const latencyMs = boundedInt("--latency", v.latency!, 0, LIMITS.latencyMs);
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
  let nemesis: string[];
  try {
    nemesis = parseFaults(v.nemesis);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const nemesisIntervalS = decimal("--nemesis-interval", v["nemesis-interval"]!);
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
      const a = DECIMAL.test(v.availability) ? Number(v.availability) : NaN;
      if (!(a >= 0 && a <= 1)) {
        throw new UsageError(
          `--availability must be "total" or a number from 0 to 1, not "${v.availability}"`,
        );
      }
      availability = a;
    }
  }
  // Seeds are 32-bit (the generator takes seed >>> 0); a larger one would silently alias another.
  const seed = v.seed === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : boundedInt("--seed", v.seed, 0, 2 ** 32 - 1);
  return {
    opts: {
      workload: v.workload!,
      nodes,
      concurrency,
      timeLimitS,
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
        : boundedInt("--key-count", v["key-count"], 1, LIMITS.keyCount),
      maxTxnLength: boundedInt("--max-txn-length", v["max-txn-length"]!, 1, LIMITS.maxTxnLength),
      maxWritesPerKey: boundedInt(
        "--max-writes-per-key",
        v["max-writes-per-key"]!,
        1,
        LIMITS.maxWritesPerKey,
      ),
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
    testCount: boundedInt("--test-count", v["test-count"]!, 1, LIMITS.testCount),
    eventBudgetMs: boundedInt(
      "--event-budget-ms",
      v["event-budget-ms"]!,
      1,
      LIMITS.timeLimitS * 1000,
    ),
  };
}

/** Service node ids the harness answers itself; a server node by one of these names would be
 * unreachable. */
const SERVICE_IDS = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"];

/** The server node names, merged as Jepsen's `jepsen.cli/parse-nodes` and Maelstrom's
 * `parse-node-count` (core.clj) do: `--node-count N` gives `n0..n(N-1)` and replaces `--nodes`;
 * `--nodes a,b` (split on a comma and any spaces after it) replaces the default `n1..n5`; names
 * from repeated `-n/--node` flags come last. Maelstrom's docs run single-node demos with
 * `--nodes n1`. */
function nodeNames(
  nodeCount: string | undefined,
  nodesList: string | undefined,
  node: string[] | undefined,
): string[] {
  let listed: string[] = [];
  if (nodeCount !== undefined) {
    listed = Array.from(
      { length: boundedInt("--node-count", nodeCount, 1, LIMITS.nodeCount) },
      (_, i) => `n${i}`,
    );
  } else if (nodesList !== undefined) listed = nodesList.split(/,\s*/);
  const all = listed.concat(node ?? []);
  if (all.length === 0) return ["n1", "n2", "n3", "n4", "n5"];
  if (all.length > LIMITS.nodeCount) {
    throw new UsageError(`At most ${LIMITS.nodeCount} nodes are supported, not ${all.length}`);
  }
  const seen = new Set<string>();
  for (const name of all) {
    // Clients are c0, c1, ... and services have fixed ids: a node by such a name would take their
    // messages, so it is refused rather than tested wrongly.
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || /^c\d+$/.test(name) || SERVICE_IDS.includes(name)) {
      throw new UsageError(
        `Node name "${name}" is not usable: names are letters, digits, "_", "." or "-", ` +
          `and not a client id (c0, c1, ...) or a service (${SERVICE_IDS.join(", ")})`,
      );
    }
    if (seen.has(name)) throw new UsageError(`Node name "${name}" is given twice`);
    seen.add(name);
  }
  return all;
}

/** Integers are digits only: `Number()` would also take `" 2"`, `"0x3"`, `"1e3"` and `""` (as 0). */
const INTEGER = /^\d+$/;
/** Maelstrom reads `--rate` with Java's `Double/parseDouble` and `--nemesis-interval` and
 * `--availability` with Clojure's reader; this is the plain-decimal form both accept, with an
 * optional exponent (`0.5`, `10`, `1e3`), and without the whitespace, signs, hex, ratios, `NaN`
 * and `Infinity` that only one of them takes or that make no sense here. */
const DECIMAL = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;

function boundedInt(flag: string, raw: string, min: number, max: number): number {
  const n = INTEGER.test(raw) ? Number(raw) : NaN;
  if (!(n >= min)) {
    throw new UsageError(
      min === 0
        ? `${flag} must be a whole number of at least 0, not "${raw}"`
        : `${flag} must be a positive integer, not "${raw}"`,
    );
  }
  if (n > max) throw new UsageError(`${flag} must be at most ${max}, not "${raw}"`);
  return n;
}

function decimal(flag: string, raw: string): number {
  if (!DECIMAL.test(raw)) {
    throw new UsageError(`${flag} must be a plain decimal number such as 0.5 or 10, not "${raw}"`);
  }
  return Number(raw);
}

/** The signals that end a run, with the exit code (128 + the signal number, as a shell reports
 * it) and what we say on stderr. */
const FATAL_SIGNALS: readonly [Deno.Signal, number, string][] = [
  ["SIGINT", 130, "Interrupted"],
  ["SIGTERM", 143, "Terminated (SIGTERM)"],
  ["SIGHUP", 129, "Hung up (SIGHUP)"],
];

/** Makes Ctrl-C (SIGINT), `timeout` (SIGTERM) and a closed terminal (SIGHUP) end the run the same
 * way: every node's process group is killed (paused ones are resumed first), the node logs are
 * written out, a line on stderr says so, and the harness exits with 130, 143 or 129. Nodes run in
 * their own process groups, so a terminal's signals never reach them: this is what stops them.
 * Returns a function that removes the handlers.
 *
 * @example
 * ```ts ignore
 * const remove = killNodesOnSignals();
 * try {
 *   await runTest(ctx);
 * } finally {
 *   remove();
 * }
 * ```
 */
export function killNodesOnSignals(): () => void {
  const handlers = FATAL_SIGNALS.map(([signal, code, what]) => {
    const handler = () => {
      killAllChildren();
      console.error(`\n${what}; every node process was killed.`);
      Deno.exit(code);
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  };
}

/** Runs `maelstrom <command> ...` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "-h" || command === "--help" || command === undefined) {
    console.log(USAGE);
    return command === undefined ? 254 : 0;
  }
  if (command === "analyze") return await analyzeMain(rest);
  if (command !== "test") {
    console.error(
      `Unknown command "${command}": this harness runs "test" and "analyze".\n\n${USAGE}`,
    );
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
  const unknownModels = opts.consistencyModels.filter((m) => !isKnownModel(m));
  if (opts.workload.startsWith("txn-") && unknownModels.length > 0) {
    // Maelstrom accepts any name here and only fails at analysis, when Elle rejects it (valid?
    // unknown); we keep that verdict but say so up front, with the name we think was meant.
    const hints = unknownModels.flatMap((m) => {
      const hint = suggestModel(m);
      return hint ? [`"${m}" (did you mean "${hint}"?)`] : [`"${m}"`];
    });
    console.error(
      `Warning: unknown consistency model ${hints.join(", ")}; the analysis will be ` +
        `"unknown". Models are Elle's names, separated by " , " (spaces around the comma).`,
    );
  }
  const simulate = SCRIPT.test(bin) && !cli.process;
  if (simulate) {
    // The simulation runs in Web Workers: node code stuck in a loop cannot block Ctrl-C here.
    const removeSignalHandlers = killNodesOnSignals();
    try {
      return await simulateCli(cli, rest, bin);
    } catch (err) {
      console.error((err as Error).message);
      return 254;
    } finally {
      removeSignalHandlers();
    }
  }
  // Real processes run one test after another, as Maelstrom's --test-count does, stopping at the
  // first run that is not valid.
  let code = 0;
  for (let i = 0; i < cli.testCount && code === 0; i++) {
    if (i > 0) console.error(`\nRun ${i + 1} of ${cli.testCount}`);
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
  let dir: string;
  try {
    dir = createRunDir(cli.store, opts.workload);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    console.error(err.message);
    return 254;
  }
  console.error(`Seed: ${opts.seed}`);
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
  const removeSignalHandlers = killNodesOnSignals();
  const started = performance.now();
  try {
    const run = () =>
      runTest({
        opts,
        workload,
        backend,
        clock,
        progress: tty ? (p) => Deno.stderr.writeSync(progressLine(p, opts)) : undefined,
        log: (line) => console.error(tty ? `\n${line}` : line),
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
      // A run that never got going leaves no empty folder behind; one with node logs keeps them.
      if (!removeEmptyRunDir(dir)) console.error(`Node logs: ${dir}/node-logs/`);
      return 255;
    }
    console.error("\nOh jeez, I'm sorry, the harness broke. Here's why:");
    console.error(err);
    return 255;
  } finally {
    removeSignalHandlers();
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
