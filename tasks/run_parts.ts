/**
 * Runs challenge parts with their fly.io command lines: through a real Maelstrom when `MAELSTROM`
 * names one or `maelstrom` is on PATH, through our harness otherwise. The scoreboard and the
 * benchmarks run their parts with {@linkcode runPart} too.
 *
 * ```sh
 * deno task test:broadcast          # every broadcast part, 3a-3e
 * deno task test:broadcast 3d       # one part
 * ```
 *
 * @module
 */
import { challengeFile, type Part, PARTS } from "./parts.ts";
import type { Op } from "../harness/types.ts";
import type { Results } from "./figures.ts";

/** The project root (this file lives in `tasks/`). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Our harness's CLI, as a command that runs `maelstrom test`. */
const HARNESS = {
  cmd: Deno.execPath(),
  args: ["run", "-A", `${ROOT}/harness/cli.ts`],
  real: false,
};

/** The command that runs `maelstrom test`: a real Maelstrom if one is installed, else ours.
 *
 * @example
 * ```ts
 * import { maelstromCommand } from "./run_parts.ts";
 * maelstromCommand().real; // true when a Maelstrom is installed
 * ```
 */
export function maelstromCommand(): typeof HARNESS {
  const env = Deno.env.get("MAELSTROM");
  if (env) return { cmd: env, args: [], real: true };
  const path = (Deno.env.get("PATH") ?? "").split(":");
  for (const dir of path) {
    try {
      const p = `${dir}/maelstrom`;
      if (Deno.statSync(p).isFile) return { cmd: p, args: [], real: true };
    } catch {
      // Not in this directory.
    }
  }
  return HARNESS;
}

/** What one part's run produced. */
export interface PartRun {
  part: Part;
  code: number;
  /** The run's folder in the store, as the harness's summary names it (our harness only). */
  dir?: string;
  /** The run's results, read from its folder (our harness only). */
  results?: Results;
  /** The run's history (our harness only). */
  history?: Op[];
  wallS: number;
  /** Captured output (stdout then stderr), when run quietly. */
  output?: string;
}

/** How {@linkcode runPart} runs a part:
 * - `"sim"`: our harness's deterministic simulator (`--bin challenges/<file>.ts`), virtual time;
 * - `"process"`: our harness with one OS process per node (`--bin launchers/<name>`), real time;
 * - `"maelstrom"`: as `"process"`, but through a real Maelstrom when one is installed, in which
 *   case no results or history come back (Maelstrom stores them its own way).
 */
export type RunMode = "sim" | "process" | "maelstrom";

/** How to run a part. */
export interface RunPartOptions {
  /** Default `"maelstrom"`. */
  mode?: RunMode;
  /** Capture output instead of streaming it. */
  quiet?: boolean;
  /** More `maelstrom test` arguments, such as `--seed 7`. They come after the part's, so a flag
   * given here overrides the part's value (`--time-limit 5`): the last one wins. */
  extra?: string[];
  /** The node's own arguments (after `--`) instead of the part's `nodeArgs`, such as a design. */
  nodeArgs?: string[];
  /** Our harness's store folder; default `store/` in the project root. */
  store?: string;
  /** Print the command line to stderr before running it. */
  echo?: boolean;
}

/** Runs one part and returns the exit code, results and history.
 *
 * @example
 * ```ts ignore
 * import { PARTS } from "./parts.ts";
 * import { runPart } from "./run_parts.ts";
 * const run = await runPart(PARTS.find((p) => p.id === "3d")!, { mode: "sim", quiet: true });
 * run.results?.net.servers["msgs-per-op"]; // e.g. 2.16
 * ```
 */
export async function runPart(part: Part, options: RunPartOptions = {}): Promise<PartRun> {
  const mode = options.mode ?? "maelstrom";
  const m = mode === "maelstrom" ? maelstromCommand() : HARNESS;
  const store = options.store ?? `${ROOT}/store`;
  const bin = mode === "sim" ? challengeFile(part) : `launchers/${part.challenge}`;
  const nodeArgs = options.nodeArgs ?? part.nodeArgs ?? [];
  const args = [
    "test",
    "--bin",
    `${ROOT}/${bin}`,
    ...part.args,
    ...(m.real ? [] : ["--store", store]),
    ...(options.extra ?? []),
    ...(nodeArgs.length > 0 ? ["--", ...nodeArgs] : []),
  ];
  if (options.echo) {
    const shown = args.map((a) => a.startsWith(`${ROOT}/`) ? a.slice(ROOT.length + 1) : a);
    console.error(`$ ${m.real ? m.cmd : "deno task maelstrom"} ${shown.join(" ")}`);
  }
  const started = performance.now();
  const child = new Deno.Command(m.cmd, {
    args: [...m.args, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: options.quiet ? "piped" : "inherit",
  }).spawn();
  // stdout is read even when streamed: its summary names the run's folder, which is safer than
  // `store/latest` when other runs share the store.
  let stdout: ReadableStream<Uint8Array> = child.stdout;
  let streamed = Promise.resolve();
  if (!options.quiet) {
    const [shown, kept] = child.stdout.tee();
    streamed = shown.pipeTo(Deno.stdout.writable, { preventClose: true });
    stdout = kept;
  }
  const [out, err, status] = await Promise.all([
    new Response(stdout).text(),
    options.quiet ? new Response(child.stderr).text() : "",
    child.status,
    streamed,
  ]);
  const wallS = (performance.now() - started) / 1000;
  const named = m.real ? undefined : out.match(/^Results: (.*)\/results\.json/m)?.[1];
  const dir = named && !named.startsWith("/") ? `${ROOT}/${named}` : named;
  let results: Results | undefined;
  let history: Op[] | undefined;
  if (dir) {
    try {
      results = JSON.parse(Deno.readTextFileSync(`${dir}/results.json`));
      history = Deno.readTextFileSync(`${dir}/history.jsonl`).split("\n").filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      // The run crashed while writing its files.
    }
  }
  const output = options.quiet ? out + err : undefined;
  return { part, code: status.code, dir, results, history, wallS, output };
}

/** The folder, results and history of a quiet run of our harness, or an error that quotes the
 * end of the run's output.
 *
 * @example
 * ```ts ignore
 * const { results, history } = stored(await runPart(part, { mode: "process", quiet: true }));
 * ```
 */
export function stored(run: PartRun): Required<Pick<PartRun, "dir" | "results" | "history">> {
  const { dir, results, history } = run;
  if (dir && results && history) return { dir, results, history };
  const tail = (run.output ?? "").slice(-2000);
  throw new Error(`The run (exit ${run.code}) stored no results; its output ended:\n${tail}`);
}

if (import.meta.main) {
  // `deno task test:broadcast 3d --seed 7`: the challenge, optionally a part id, then any extra
  // maelstrom flags.
  const [challenge, ...rest] = Deno.args;
  const flagAt = rest.findIndex((a) => a.startsWith("-"));
  const ids = flagAt < 0 ? rest : rest.slice(0, flagAt);
  const extra = flagAt < 0 ? [] : rest.slice(flagAt);
  const only = ids[0];
  const parts = PARTS.filter((p) => p.challenge === challenge && (!only || p.id === only));
  if (parts.length === 0) {
    console.error(`No part matches challenge "${challenge}"${only ? ` and part "${only}"` : ""}`);
    Deno.exit(254);
  }
  const m = maelstromCommand();
  console.error(m.real ? `Using Maelstrom at ${m.cmd}` : "Using the embedded harness");
  let failed = 0;
  for (const part of parts) {
    console.error(`\n=== Part ${part.id}: ${part.title} ===`);
    const run = await runPart(part, { extra });
    if (run.code !== 0) failed++;
  }
  Deno.exit(failed === 0 ? 0 : 1);
}
