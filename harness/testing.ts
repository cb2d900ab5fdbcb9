/**
 * Helpers for the harness's own tests that run whole Maelstrom tests: in the simulator
 * (in-process, virtual time, fast) or as real processes through the CLI. They live in `harness/`
 * so that harness code and its tests never import from `tests/` or `tasks/`.
 *
 * @module
 */
import { type AnalyzeOverrides, withOverrides } from "./analyze.ts";
import type { NodeFactory } from "./nodes/sim.ts";
import { analyse } from "./runner.ts";
import { type SimRun, simulate as simulateFile } from "./simulate.ts";
import type { CheckResult } from "./types.ts";
import { loadWorkload } from "./workloads/mod.ts";

export type { SimRun };

/** The project root (the folder that holds `harness/`), without a trailing slash.
 *
 * @example
 * ```ts
 * import { ROOT } from "./testing.ts";
 * Deno.statSync(`${ROOT}/harness/cli.ts`).isFile; // true
 * ```
 */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Runs a challenge or fixture file (relative to the project root) or a node factory in the
 * simulator.
 *
 * @example
 * ```ts ignore
 * const run = await simulate("challenges/1_echo.ts", "-w echo --time-limit 2", 1);
 * run.results["valid?"]; // true
 * ```
 */
export function simulate(
  file: string | NodeFactory,
  args: string | string[],
  seed: number,
): Promise<SimRun> {
  return simulateFile(typeof file === "string" ? `${ROOT}/${file}` : file, args, seed);
}

/** Checks a simulated run again with some options replaced, as `maelstrom analyze` checks a
 * stored run: for command lines that differ only in what the checkers read
 * (`--consistency-models`), one run serves them all.
 *
 * @example
 * ```ts ignore
 * const run = await simulate("challenges/txn.ts", args, 1);
 * (await recheck(run, { consistencyModels: ["read-committed"] }))["valid?"];
 * ```
 */
export async function recheck(run: SimRun, overrides: AnalyzeOverrides): Promise<CheckResult> {
  const opts = withOverrides(run.opts, overrides);
  const workload = await loadWorkload(opts.workload);
  return analyse(run.history, run.network, workload, opts, run.problems);
}

/** What a CLI run produced.
 *
 * @example
 * ```ts
 * import type { CliRun } from "./testing.ts";
 * const run: CliRun = { code: 0, stdout: "", stderr: "" };
 * ```
 */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** `results.json` of the run, when analysis ran. */
  results?: CheckResult;
  /** What each `maelstrom analyze` asked for with {@linkcode CliOptions.analyze} printed and
   * wrote, in order. */
  analyses?: CliRun[];
}

/** Options of {@linkcode cli}. */
export interface CliOptions {
  /** After the run, check it again with `maelstrom analyze` once per entry, with these arguments
   * (`["--consistency-models", "read-committed"]`, say), before the store is removed. */
  analyze?: string[][];
}

/** Runs the harness CLI (`maelstrom test ...`) as a subprocess with a private store, which it
 * removes afterwards.
 *
 * @example
 * ```ts ignore
 * const run = await cli(["-w", "echo", "--bin", "launchers/echo", "--time-limit", "2"]);
 * run.code; // 0
 * ```
 */
export async function cli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const store = Deno.makeTempDirSync({ prefix: "glomers-store-" });
  try {
    // Our flags go first: anything after a "--" in args belongs to the nodes.
    const run = await harnessCommand(["test", "--store", store, ...args], `${store}/latest`);
    if (options.analyze === undefined) return run;
    const analyses: CliRun[] = [];
    for (const extra of options.analyze) {
      analyses.push(
        await harnessCommand(
          ["analyze", "-t", `${store}/latest`, "--store", store, ...extra],
          `${store}/latest`,
        ),
      );
    }
    return { ...run, analyses };
  } finally {
    Deno.removeSync(store, { recursive: true });
  }
}

/** Runs `harness/cli.ts` with `args` and reads the newest results file the command wrote in
 * `runDir` (`results.json` for `test`, `results-analyze-<time>.json` for `analyze`). */
async function harnessCommand(args: string[], runDir: string): Promise<CliRun> {
  const before = resultFiles(runDir);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/harness/cli.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const written = resultFiles(runDir).filter((f) => !before.includes(f));
  let results: CheckResult | undefined;
  if (written.length > 0) {
    results = JSON.parse(Deno.readTextFileSync(`${runDir}/${written.sort().at(-1)}`));
  }
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    results,
  };
}

/** The results files in a run folder; none when there is no folder (the test aborted before
 * analysis, so no run was stored). */
function resultFiles(runDir: string): string[] {
  try {
    return [...Deno.readDirSync(runDir)]
      .map((e) => e.name)
      .filter((n) => n === "results.json" || /^results-analyze-.*\.json$/.test(n));
  } catch {
    return [];
  }
}

/** A compact description of the failing parts of a result, for assertion messages (at most
 * 3,000 characters).
 *
 * @example
 * ```ts
 * import { explain } from "./testing.ts";
 * explain({ "valid?": false, workload: { "valid?": false } }); // '{\n "workload": {...'
 * ```
 */
export function explain(results: CheckResult): string {
  const bad = Object.entries(results).filter(([k, v]) =>
    k !== "valid?" && (v as CheckResult)["valid?"] !== true
  );
  return JSON.stringify(Object.fromEntries(bad), null, 1).slice(0, 3000);
}

/** What a command's `main` printed and returned, with console output captured. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an in-process `main` (the CLI's or `analyze`'s) with `console.log` and `console.error`
 * captured, and restores them afterwards.
 *
 * @example
 * ```ts
 * import { captureMain } from "./testing.ts";
 * const run = await captureMain(() => {
 *   console.log("hello");
 *   return Promise.resolve(0);
 * });
 * run.stdout; // "hello"
 * ```
 */
export async function captureMain(main: () => Promise<number>): Promise<CapturedRun> {
  const err: string[] = [];
  const out: string[] = [];
  const { error, log } = console;
  console.error = (...xs: unknown[]) => err.push(xs.join(" "));
  console.log = (...xs: unknown[]) => out.push(xs.join(" "));
  try {
    const code = await main();
    return { code, stderr: err.join("\n"), stdout: out.join("\n") };
  } finally {
    console.error = error;
    console.log = log;
  }
}
