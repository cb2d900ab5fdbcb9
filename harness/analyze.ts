/**
 * `maelstrom analyze`: checks a stored run again without running it. Like Maelstrom's `analyze`
 * (Jepsen's `cli.clj` rebuilds the test's checker and runs it over the stored history), it reads
 * the run folder's `test.json` (the options), `history.jsonl` and `messages.jsonl` (for the
 * `net` figures), runs every checker, and writes the results to a new
 * `results-analyze-<time>.json` beside the old `results.json`, which it never touches. Options
 * given to `analyze` (`--consistency-models`, `--availability`, `--strict`) replace the stored
 * ones, so a txn run can be judged against a stronger model.
 *
 * ```sh
 * deno task maelstrom analyze                                  # store/latest
 * deno task maelstrom analyze -t store/txn-rw-register/latest --consistency-models serializable
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { VirtualClock } from "./clock.ts";
import { parseExact } from "./json.ts";
import { type JournalEntry, Network } from "./network.ts";
import type { NodeProblem } from "./nodes/process.ts";
import { summarize, verdictLine } from "./results.ts";
import { createRng } from "./rng.ts";
import { analyse } from "./runner.ts";
import type { Op, TestOptions } from "./types.ts";
import { loadWorkload, WORKLOAD_NAMES } from "./workloads/mod.ts";

/** The usage text of `analyze`. */
export const ANALYZE_USAGE = `Usage: maelstrom analyze [-t RUN_FOLDER] [options]

Checks a stored run again from its history, without running it, and writes the results to
results-analyze-<time>.json in the run folder (results.json is left as it was).

  -t, --test PATH             the run folder (default: STORE/latest, the last run)
      --store DIR             where runs are written (default store)
      --consistency-models M  txn workloads: the models to check instead of the stored ones
      --availability A        "total" or a fraction 0..1 instead of the stored one
      --strict                our checks that Maelstrom lacks count against valid?
  -h, --help                  this text`;

/** A run folder that cannot be analysed: one sentence, exit 254. */
export class AnalyzeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalyzeError";
  }
}

/** The options a stored `test.json` must hold for the checkers; the rest are kept as they are. */
const StoredOptions = z.looseObject({
  workload: z.string().refine((w) => WORKLOAD_NAMES.includes(w), "an unknown workload"),
  nodes: z.array(z.string()).min(1),
  concurrency: z.number().int().positive(),
  consistencyModels: z.array(z.string()).optional(),
  availability: z.union([z.literal("total"), z.number().min(0).max(1)]).optional(),
  seed: z.number().optional(),
});
const StoredTest = z.looseObject({ opts: StoredOptions });

/** Options of {@linkcode analyzeRun}: replacements for the stored options. */
export interface AnalyzeOverrides {
  consistencyModels?: string[];
  availability?: TestOptions["availability"];
  strict?: boolean;
}

/** A test's options with `overrides` in place of the ones they name (a new object).
 *
 * @example
 * ```ts
 * import { withOverrides } from "./analyze.ts";
 * import { parseTestArgs } from "./cli.ts";
 * const { opts } = parseTestArgs(["-w", "txn-rw-register", "--bin", "x", "--consistency-models", "read-uncommitted"]);
 * withOverrides(opts, { consistencyModels: ["read-committed"] }).consistencyModels; // ["read-committed"]
 * ```
 */
export function withOverrides(opts: TestOptions, overrides: AnalyzeOverrides): TestOptions {
  return {
    ...opts,
    ...(overrides.consistencyModels ? { consistencyModels: overrides.consistencyModels } : {}),
    ...(overrides.availability !== undefined ? { availability: overrides.availability } : {}),
    ...(overrides.strict !== undefined ? { strict: overrides.strict } : {}),
  };
}

/** What {@linkcode analyzeRun} produced. */
export interface Analysis {
  /** The run folder's real path. */
  dir: string;
  /** The new results file. */
  resultsFile: string;
  /** The options the checkers ran with. */
  opts: TestOptions;
  /** The summary and closing line, as `test` prints them. */
  text: string;
  /** Maelstrom's exit code: 0 valid, 1 invalid, 2 unknown. */
  code: number;
}

/** Checks the run stored in `runDir` again and writes `results-analyze-<time>.json` beside its
 * results. Throws {@linkcode AnalyzeError} when the folder is missing or its files are corrupt.
 *
 * @example
 * ```ts ignore
 * const a = await analyzeRun("store/latest", { consistencyModels: ["serializable"] });
 * console.log(a.text);
 * ```
 */
export async function analyzeRun(
  runDir: string,
  overrides: AnalyzeOverrides = {},
  now = new Date(),
): Promise<Analysis> {
  let dir: string;
  try {
    dir = await Deno.realPath(runDir);
    if (!(await Deno.stat(dir)).isDirectory) throw new Error("not a folder");
  } catch {
    throw new AnalyzeError(`There is no run folder at "${runDir}"`);
  }
  const meta = await readTestJson(dir);
  const opts = withOverrides(meta.opts as TestOptions, overrides);
  opts.consistencyModels ??= ["strict-serializable"];
  const history = await readLines<Op>(dir, "history.jsonl", true);
  const journal = await readLines<JournalEntry>(dir, "messages.jsonl", false);
  // The `net` figures are Network.stats over the journal; a network that never runs holds it.
  const network = new Network(new VirtualClock(), createRng(0), {
    latencyMs: 0,
    latencyDist: "constant",
  });
  for (const m of journal) network.journal.push(m);
  // Crashes and malformed output happened while the run ran; they are not in the history, so
  // they come from the stored results.
  const problems = await storedProblems(dir);
  const workload = await loadWorkload(opts.workload);
  const results = analyse(history, network, workload, opts, problems);
  const resultsFile = await writeNew(dir, stampOf(now), JSON.stringify(results, null, 2) + "\n");
  const valid = results["valid?"];
  const summary = summarize({ history, network, results, problems }, opts, {}) +
    `\nResults: ${resultsFile} (results.json beside it is the run's own)\n\n` + verdictLine(valid);
  return {
    dir,
    resultsFile,
    opts,
    text: summary,
    code: valid === true ? 0 : valid === false ? 1 : 2,
  };
}

/** Runs `maelstrom analyze ...` and returns the exit code.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await analyzeMain(["-t", "store/latest", "--strict"]));
 * ```
 */
export async function analyzeMain(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        test: { type: "string", short: "t" },
        store: { type: "string", default: "store" },
        "consistency-models": { type: "string" },
        availability: { type: "string" },
        strict: { type: "boolean" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
    if (positionals.length > 1 || (positionals.length === 1 && values.test !== undefined)) {
      throw new Error(`Expected one run folder, not ${positionals.length + (values.test ? 1 : 0)}`);
    }
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${ANALYZE_USAGE}`);
    return 254;
  }
  if (values.help) {
    console.log(ANALYZE_USAGE);
    return 0;
  }
  let availability: TestOptions["availability"];
  if (values.availability !== undefined) {
    const a = /^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(values.availability)
      ? Number(values.availability)
      : NaN;
    if (values.availability === "total") availability = "total";
    else if (a >= 0 && a <= 1) availability = a;
    else {
      console.error(
        `--availability must be "total" or a number from 0 to 1, not "${values.availability}"` +
          `\n\n${ANALYZE_USAGE}`,
      );
      return 254;
    }
  }
  const dir = values.test ?? positionals[0] ?? `${values.store}/latest`;
  try {
    const analysis = await analyzeRun(dir, {
      // Maelstrom splits only on commas with whitespace on both sides, as `test` does.
      consistencyModels: values["consistency-models"]?.split(/\s+,\s+/),
      availability,
      strict: values.strict,
    });
    console.log(analysis.text);
    return analysis.code;
  } catch (err) {
    if (!(err instanceof AnalyzeError)) throw err;
    console.error(err.message);
    return 254;
  }
}

async function readTestJson(dir: string): Promise<{ opts: TestOptions }> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/test.json`);
  } catch {
    throw new AnalyzeError(`The run folder "${dir}" has no test.json, so its options are unknown`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AnalyzeError(`The test.json of "${dir}" is not valid JSON`);
  }
  const parsed = StoredTest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AnalyzeError(
      `The test.json of "${dir}" does not describe a run: "${issue.path.join(".")}" is ${
        issue.message.replace(/^Invalid input: /, "").toLowerCase()
      }`,
    );
  }
  return parsed.data as unknown as { opts: TestOptions };
}

/** Parses a JSON-lines file of the run. A missing optional file is empty; a line that is not a
 * JSON object is an error, since checking a history with a hole in it would give a wrong verdict.
 * Numbers are read exactly (`parseExact`): an id or offset past 2^53, or a `1.0` a node wrote,
 * comes back as the run saw it, so the verdict is the run's. */
async function readLines<T>(dir: string, name: string, required: boolean): Promise<T[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${name}`);
  } catch {
    if (!required) return [];
    throw new AnalyzeError(`The run folder "${dir}" has no ${name}, so there is nothing to check`);
  }
  const out: T[] = [];
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    if (line.trim() === "") continue;
    let x: unknown;
    try {
      x = parseExact(line);
    } catch {
      x = undefined;
    }
    if (x === null || typeof x !== "object" || Array.isArray(x)) {
      throw new AnalyzeError(`Line ${lineNo} of "${dir}/${name}" is not a JSON object`);
    }
    out.push(x as T);
  }
  return out;
}

async function storedProblems(dir: string): Promise<NodeProblem[]> {
  try {
    const results = parseExact(await Deno.readTextFile(`${dir}/results.json`)) as {
      nodes?: { problems?: unknown };
    } | null;
    const problems = results?.nodes?.problems;
    return Array.isArray(problems) ? problems : [];
  } catch {
    return [];
  }
}

/** `yyyyMMdd'T'HHmmss.SSS`, in UTC, as in the run folders' names. */
function stampOf(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}T` +
    `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}.` +
    `${p(now.getUTCMilliseconds(), 3)}`;
}

/** Writes `results-analyze-<stamp>.json` with create-new semantics: an existing file (or a
 * symlink planted there) is never overwritten; a second analysis in the same millisecond gets
 * `-1`, `-2`, ... */
async function writeNew(dir: string, stamp: string, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < 1000; i++) {
    const path = `${dir}/results-analyze-${stamp}${i === 0 ? "" : `-${i}`}.json`;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { write: true, createNew: true, mode: 0o644 });
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) continue;
      throw new AnalyzeError(
        `Cannot write the analysis into "${dir}": ${(err as Error).message}`,
      );
    }
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } finally {
      file.close();
    }
    return path;
  }
  throw new AnalyzeError(`Cannot find a free results-analyze file name in "${dir}"`);
}
