/**
 * Runs a whole test in the simulator, in-process: the entry point for tests, benchmarks and
 * tasks that want an outcome object rather than a CLI run.
 *
 * @module
 */
import { VirtualClock } from "./clock.ts";
import { parseTestArgs } from "./cli.ts";
import { loadFactory, type NodeFactory, nodeRng, SimBackend } from "./nodes/sim.ts";
import { runTest, type TestOutcome } from "./runner.ts";
import type { TestOptions } from "./types.ts";
import { loadWorkload } from "./workloads/mod.ts";

/** A simulated run's outcome plus the parsed options. */
export interface SimRun extends TestOutcome {
  opts: TestOptions;
}

/** Runs `maelstrom test` arguments (without `--bin`) against a challenge or fixture file (a path,
 * absolute or relative to the working directory) in the simulator, with the given seed. Node
 * logs go to a temp dir.
 *
 * @example
 * ```ts ignore
 * const run = await simulate("challenges/echo.ts", "-w echo --node-count 1 --time-limit 10", 1);
 * run.results["valid?"]; // true
 * ```
 */
export async function simulate(
  file: string | NodeFactory,
  args: string | string[],
  seed: number,
): Promise<SimRun> {
  const argv = typeof args === "string" ? args.split(/\s+/).filter(Boolean) : args;
  // Our flags go first: anything after a "--" in argv belongs to the nodes.
  const cli = parseTestArgs(["--bin", "unused", "--seed", String(seed), ...argv]);
  const factory = typeof file === "string" ? await loadFactory(file) : file;
  const workload = await loadWorkload(cli.opts.workload);
  const clock = new VirtualClock();
  const logDir = Deno.makeTempDirSync({ prefix: "glomers-sim-" });
  try {
    const backend = new SimBackend({
      factory,
      clock,
      rng: nodeRng(seed),
      logDir,
      logStderr: false,
      args: cli.nodeArgs,
    });
    const outcome = await clock.run(() => runTest({ opts: cli.opts, workload, backend, clock }));
    return { ...outcome, opts: cli.opts };
  } finally {
    Deno.removeSync(logDir, { recursive: true });
  }
}
