/**
 * Helpers for tests that run whole Maelstrom tests: in the simulator (in-process, virtual time,
 * fast) or as real processes through the CLI.
 *
 * @module
 */
import { VirtualClock } from "../harness/clock.ts";
import { parseTestArgs } from "../harness/cli.ts";
import { loadFactory, type NodeFactory, SimBackend } from "../harness/nodes/sim.ts";
import { createRng } from "../harness/rng.ts";
import { runTest, type TestOutcome } from "../harness/runner.ts";
import type { CheckResult, TestOptions } from "../harness/types.ts";
import { loadWorkload } from "../harness/workloads/mod.ts";

/** The project root. */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A simulated run's outcome plus the parsed options. */
export interface SimRun extends TestOutcome {
  opts: TestOptions;
}

/** Runs `maelstrom test` arguments (without `--bin`) against a challenge or fixture file in the
 * simulator, with the given seed. Node logs go to a temp dir.
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
  const cli = parseTestArgs([...argv, "--bin", "unused", "--seed", String(seed)]);
  const factory = typeof file === "string" ? await loadFactory(`${ROOT}/${file}`) : file;
  const workload = await loadWorkload(cli.opts.workload);
  const clock = new VirtualClock();
  const logDir = Deno.makeTempDirSync({ prefix: "glomers-sim-" });
  try {
    const backend = new SimBackend({
      factory,
      clock,
      rng: createRng(seed ^ 0x5eed),
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

/** What a CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** `results.json` of the run, when analysis ran. */
  results?: CheckResult;
}

/** Runs the harness CLI (`maelstrom test ...`) as a subprocess with a private store.
 *
 * @example
 * ```ts ignore
 * const run = await cli(["-w", "echo", "--bin", "launchers/echo", "--time-limit", "2"]);
 * run.code; // 0
 * ```
 */
export async function cli(args: string[]): Promise<CliRun> {
  const store = Deno.makeTempDirSync({ prefix: "glomers-store-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}/harness/cli.ts`, "test", ...args, "--store", store],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    let results: CheckResult | undefined;
    try {
      results = JSON.parse(Deno.readTextFileSync(`${store}/latest/results.json`));
    } catch {
      // No analysis (the test aborted).
    }
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      results,
    };
  } finally {
    Deno.removeSync(store, { recursive: true });
  }
}

/** A compact description of a failed result, for assertion messages. */
export function explain(results: CheckResult): string {
  const bad = Object.entries(results).filter(([k, v]) =>
    k !== "valid?" && (v as CheckResult)["valid?"] !== true
  );
  return JSON.stringify(Object.fromEntries(bad), null, 1).slice(0, 3000);
}
