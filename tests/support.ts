/**
 * Helpers for tests that run whole Maelstrom tests: in the simulator (in-process, virtual time,
 * fast) or as real processes through the CLI.
 *
 * @module
 */
import type { NodeFactory } from "../harness/nodes/sim.ts";
import { type SimRun, simulate as simulateFile } from "../harness/simulate.ts";
import type { CheckResult } from "../harness/types.ts";

export type { SimRun };

/** The project root. */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Runs a challenge or fixture file (relative to the project root) in the simulator. */
export function simulate(
  file: string | NodeFactory,
  args: string | string[],
  seed: number,
): Promise<SimRun> {
  return simulateFile(typeof file === "string" ? `${ROOT}/${file}` : file, args, seed);
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
      // Our flags go first: anything after a "--" in args belongs to the nodes.
      args: ["run", "-A", `${ROOT}/harness/cli.ts`, "test", "--store", store, ...args],
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
