/**
 * The Web Worker behind {@linkcode runSeeds}: it simulates one seed at a time of one test command
 * line, reports each verdict, keeps the outcome of a failing (or the requested last) seed, and
 * writes that run's store and report when asked. While nodes run it beats a heartbeat in shared
 * memory (an event counter and the node code entered last), so the main thread can name a node
 * that never returns and terminate this worker: a synchronous loop cannot be interrupted from
 * inside the thread it runs on.
 *
 * Not an entry point of its own; see `harness/seeds.ts`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { withOverrides } from "./analyze.ts";
import { VirtualClock } from "./clock.ts";
import { parseTestArgs } from "./cli.ts";
import { loadFactory, type NodeFactory, nodeRng, SimBackend } from "./nodes/sim.ts";
import { writeReport } from "./report/mod.ts";
import { summarize, writeRun } from "./results.ts";
import { analyse, runTest, TestAbort, type TestOutcome } from "./runner.ts";
import {
  describeFailure,
  HB_COUNTER,
  HB_LABEL,
  HB_SEED,
  HB_STATE,
  MAX_LABELS,
  type SeedVerdict,
  STATE_ANALYSIS,
  STATE_IDLE,
  STATE_NODES,
  type ToMain,
  type ToWorker,
  type WorkerInit,
} from "./seeds.ts";
import type { TestOptions, Workload } from "./types.ts";
import { loadWorkload } from "./workloads/mod.ts";

let init: WorkerInit;
let factory: NodeFactory;
let heartbeat: Int32Array;
/** Label ids by node, then activity; ids start at 2 (0: none yet, 1: too many labels). */
const labelIds = new Map<string, Map<string, number>>();
let labelCount = 0;
/** The one outcome this worker keeps: a failing seed's, or the last seed's when asked. */
let kept: { seed: number; outcome?: TestOutcome; opts: TestOptions; logDir: string } | undefined;

function post(message: ToMain): void {
  self.postMessage(message);
}

/** Records the node code entered last. Each distinct label is sent to the main thread once, as
 * text, and stored in the heartbeat as a number: the main thread must be able to read it while
 * this thread is stuck. */
function enter(node: string, activity: string): void {
  // Called on every delivery and timer: looked up by node, then by the activity string (the
  // simulator reuses one string per activity), without building the label text each time.
  let ofNode = labelIds.get(node);
  if (ofNode === undefined) labelIds.set(node, ofNode = new Map());
  let id = ofNode.get(activity);
  if (id === undefined) {
    if (labelCount >= MAX_LABELS) {
      Atomics.store(heartbeat, HB_LABEL, 1);
      return;
    }
    id = ++labelCount + 1;
    ofNode.set(activity, id);
    post({ type: "label", id, text: `node "${node}" ${activity}` });
  }
  Atomics.store(heartbeat, HB_LABEL, id);
}

async function runSeed(seed: number, keep: boolean, workload: Workload): Promise<SeedVerdict> {
  const cli = parseTestArgs(["--bin", init.file, "--seed", String(seed), ...init.args]);
  const clock = new VirtualClock();
  clock.onEvent = () => Atomics.add(heartbeat, HB_COUNTER, 1);
  const logDir = `${init.tempDir}/seed-${seed}`;
  const backend = new SimBackend({
    factory,
    clock,
    rng: nodeRng(seed),
    logDir,
    logStderr: init.logStderr,
    args: cli.nodeArgs,
    onEnter: enter,
  });
  // Once the nodes are stopped only the harness runs (teardown, then the checkers, which may
  // rightly take long): the watchdog stands down.
  const stop = backend.stop.bind(backend);
  backend.stop = () => {
    Atomics.store(heartbeat, HB_STATE, STATE_ANALYSIS);
    return stop();
  };
  Atomics.store(heartbeat, HB_SEED, seed);
  Atomics.store(heartbeat, HB_LABEL, 0);
  Atomics.store(heartbeat, HB_STATE, STATE_NODES);
  const started = performance.now();
  let verdict: SeedVerdict;
  let outcome: TestOutcome | undefined;
  try {
    outcome = await clock.run(() =>
      runTest({
        opts: cli.opts,
        workload,
        backend,
        clock,
        log: init.logPhases ? (line) => console.error(line) : undefined,
        onNetwork(network) {
          if (init.logNetSend) network.onSend = (e) => console.error(`:send ${JSON.stringify(e)}`);
          if (init.logNetRecv) network.onRecv = (e) => console.error(`:recv ${JSON.stringify(e)}`);
        },
      })
    );
    const crashed = outcome.problems.filter((p) => p.kind === "crashed");
    verdict = {
      seed,
      valid: outcome.results["valid?"],
      crashed: crashed.map((p) => p.message),
      explanation: describeFailure(outcome.results),
      virtualMs: outcome.network.elapsedMs(),
      wallMs: performance.now() - started,
      ...(init.keepResults ? { results: outcome.results } : {}),
      ...(init.alsoAnalyse
        ? {
          alsoResults: init.alsoAnalyse.map((overrides) =>
            analyse(
              outcome!.history,
              outcome!.network,
              workload,
              withOverrides(cli.opts, overrides),
              outcome!.problems,
            )
          ),
        }
        : {}),
    };
  } catch (err) {
    await stop().catch(() => {});
    verdict = {
      seed,
      valid: "unknown",
      crashed: [],
      failure: err instanceof TestAbort
        ? { kind: "aborted", message: err.message }
        : { kind: "broke", message: err instanceof Error ? err.stack ?? err.message : String(err) },
      explanation: "",
      virtualMs: clock.now(),
      wallMs: performance.now() - started,
    };
  } finally {
    Atomics.store(heartbeat, HB_STATE, STATE_IDLE);
  }
  const failed = verdict.valid !== true || verdict.crashed.length > 0 || verdict.failure;
  if (keep || failed) {
    if (kept) Deno.removeSync(kept.logDir, { recursive: true });
    kept = { seed, outcome, opts: cli.opts, logDir };
  } else {
    Deno.removeSync(logDir, { recursive: true });
  }
  return verdict;
}

/** Writes the kept run into the store: its node logs, its files and (unless turned off) its
 * report; returns the console summary. */
async function store(message: Extract<ToWorker, { type: "store" }>): Promise<ToMain> {
  if (!kept || kept.seed !== message.seed) {
    return { type: "stored", seed: message.seed, error: `Seed ${message.seed} was not kept` };
  }
  Deno.mkdirSync(`${message.dir}/node-logs`, { recursive: true });
  for (const entry of Deno.readDirSync(kept.logDir)) {
    Deno.copyFileSync(`${kept.logDir}/${entry.name}`, `${message.dir}/node-logs/${entry.name}`);
  }
  if (!kept.outcome) return { type: "stored", seed: message.seed };
  writeRun(message.dir, message.storeRoot, kept.outcome, {
    opts: kept.opts,
    argv: message.argv,
    runner: "simulation",
    bin: init.file,
  });
  let report: string | undefined;
  let reportError: string | undefined;
  if (!message.noReport) {
    try {
      report = (await writeReport(message.dir)).index;
    } catch (err) {
      reportError = (err as Error).message;
    }
  }
  const summary = summarize(kept.outcome, kept.opts, {
    dir: message.dir,
    reproduce: message.reproduce,
  });
  return { type: "stored", seed: message.seed, summary, report, reportError };
}

let workload: Workload;
// Node code runs on this thread: a Deno.exit outside a run (say, at a challenge file's top
// level) must not end the harness either. During a run the SimBackend names the node instead.
Deno.exit = ((code?: number): never => {
  throw new Error(`The challenge file called Deno.exit(${code ?? 0}) outside any node`);
}) as typeof Deno.exit;

/** Messages are handled one at a time, in order: a run must not start before `init` is done. */
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(message: ToWorker): Promise<void> {
  try {
    if (message.type === "init") {
      init = message;
      heartbeat = new Int32Array(message.heartbeat);
      const cli = parseTestArgs(["--bin", init.file, ...init.args]);
      workload = await loadWorkload(cli.opts.workload);
      factory = await loadFactory(init.file);
      post({ type: "ready" });
    } else if (message.type === "run") {
      post({ type: "done", verdict: await runSeed(message.seed, message.keep, workload) });
    } else if (message.type === "store") {
      post(await store(message));
    }
  } catch (err) {
    post({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
}
