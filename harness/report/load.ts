/**
 * Reads a run's store folder (`results.json`, `test.json`, `history.jsonl`, `messages.jsonl`,
 * `node-logs/`) and derives what every part of the report needs: client ops as invoke→completion
 * spans, partitions as time intervals, and the run's length.
 *
 * A folder may be incomplete (a run that crashed before analysis has no `results.json`): every
 * file is optional, and what is missing is simply absent from the report.
 *
 * @module
 */
import { parseExact } from "../json.ts";
import type { JournalEntry } from "../network.ts";
import type { OpSpan } from "../ops.ts";
import type { CheckResult, Op, TestOptions } from "../types.ts";
import { pairOps } from "../ops.ts";

/** What `test.json` holds (see `writeRun` in `harness/results.ts`). */
export interface RunMeta {
  opts: TestOptions;
  argv: string[];
  runner: "process" | "simulation";
  bin: string;
}

/** A partition: from the nemesis's `start-partition` completion until `stop-partition`. */
export interface PartitionSpan {
  startMs: number;
  endMs: number;
  /** `{dest: [srcs]}`: each node and the nodes whose messages it drops. */
  grudge: Record<string, string[]>;
  /** A short picture of the cut, such as `n2 | n0 n1 n3 n4`. */
  label: string;
  /** The nodes cut off: the smaller side of a clean split, else every node that drops. */
  isolated: string[];
}

/** A node problem as the runner records it (`results.json` → `nodes` → `problems`). */
export interface NodeProblemRecord {
  node: string;
  kind: string;
  message: string;
  atMs?: number;
  line?: string;
  stderrTail?: string[];
}

/** Everything the report reads from a run folder, plus derived views. */
export interface RunData {
  dir: string;
  results?: CheckResult;
  meta?: RunMeta;
  history: Op[];
  journal: JournalEntry[];
  /** File names in `node-logs/` with their sizes in bytes. */
  nodeLogs: { name: string; bytes: number }[];
  /** The run's own files present in its folder (`results.json`, `history.txt`, ...). */
  files?: string[];
  spans: OpSpan[];
  /** For every history index, the span it belongs to (nemesis ops have none). */
  spanOf: (OpSpan | undefined)[];
  partitions: PartitionSpan[];
  problems: NodeProblemRecord[];
  /** The last moment anything happened, in ms since the test started. */
  endMs: number;
  /** Server node ids (from `test.json`, else from the journal). */
  nodes: string[];
}

/** The files a run writes, in the order the report lists them. */
const RUN_FILES = ["results.json", "test.json", "history.txt", "history.jsonl", "messages.jsonl"];

/** Loads a run folder.
 *
 * @example
 * ```ts ignore
 * const run = await loadRun("store/broadcast/latest");
 * run.spans.length; // number of client ops
 * ```
 */
export async function loadRun(dir: string): Promise<RunData> {
  const results = await readJson<CheckResult>(`${dir}/results.json`);
  const meta = await readJson<RunMeta>(`${dir}/test.json`);
  const history = await readJsonLines<Op>(`${dir}/history.jsonl`);
  const journal = await readJsonLines<JournalEntry>(`${dir}/messages.jsonl`);
  const nodeLogs: { name: string; bytes: number }[] = [];
  try {
    for await (const e of Deno.readDir(`${dir}/node-logs`)) {
      if (!e.isFile) continue;
      nodeLogs.push({ name: e.name, bytes: (await Deno.stat(`${dir}/node-logs/${e.name}`)).size });
    }
  } catch {
    // No node logs: nothing to link.
  }
  nodeLogs.sort((a, b) => compareIds(a.name, b.name));
  const files: string[] = [];
  for (const f of RUN_FILES) {
    try {
      if ((await Deno.stat(`${dir}/${f}`)).isFile) files.push(f);
    } catch {
      // Not written by this run.
    }
  }
  return deriveRun({ dir, results, meta, history, journal, nodeLogs, files });
}

/** Builds the derived views from already-parsed run files (tests use this directly). */
export function deriveRun(
  raw: Pick<RunData, "dir" | "results" | "meta" | "history" | "journal" | "nodeLogs" | "files">,
): RunData {
  const { history, journal } = raw;
  let endMs = 0;
  for (const op of history) endMs = Math.max(endMs, op.time / 1e6);
  for (const m of journal) endMs = Math.max(endMs, m.recvMs ?? m.sentMs);
  const { spans, spanOf } = pairOps(history, endMs);
  const nodes = raw.meta?.opts?.nodes ?? serverIds(journal);
  const problems = ((raw.results?.nodes as { problems?: unknown } | undefined)?.problems ??
    []) as NodeProblemRecord[];
  return {
    ...raw,
    spans,
    spanOf,
    partitions: partitionsOf(history, endMs),
    problems: Array.isArray(problems) ? problems : [],
    endMs,
    nodes,
  };
}

/** The partitions of a history: a `start-partition` whose value is `["isolated", grudge]` starts
 * one; the next `stop-partition` (or the next start, or the end of the run) ends it.
 *
 * @example
 * ```ts
 * import { partitionsOf } from "./load.ts";
 * const p = partitionsOf([
 *   { index: 0, time: 1e9, type: "info", process: "nemesis", f: "start-partition",
 *     value: ["isolated", { n0: ["n1"], n1: ["n0"] }] },
 *   { index: 1, time: 3e9, type: "info", process: "nemesis", f: "stop-partition",
 *     value: "network-healed" },
 * ], 5000);
 * p[0].label; // "n0 | n1"
 * ```
 */
export function partitionsOf(history: readonly Op[], endMs: number): PartitionSpan[] {
  const out: PartitionSpan[] = [];
  let current: PartitionSpan | undefined;
  for (const op of history) {
    if (op.process !== "nemesis") continue;
    const t = op.time / 1e6;
    if (op.f === "start-partition" && Array.isArray(op.value) && op.value[0] === "isolated") {
      if (current) current.endMs = t;
      const grudge = (op.value[1] ?? {}) as Record<string, string[]>;
      const sides = cleanSides(grudge);
      current = {
        startMs: t,
        endMs,
        grudge,
        label: describeCut(grudge),
        isolated: sides ? sides[0] : Object.keys(grudge).sort(compareIds),
      };
      out.push(current);
    } else if (op.f === "stop-partition" && current && op.value !== null) {
      current.endMs = t;
      current = undefined;
    }
  }
  return out;
}

/** Describes a grudge: a clean split as its sides (`n2 | n0 n1 n3 n4`), anything else (the
 * majorities ring) as the one-way drops (`n0✗n2,n3 · n1✗n4`).
 *
 * @example
 * ```ts
 * import { describeCut } from "./load.ts";
 * describeCut({ n0: ["n1", "n2"], n1: ["n0"], n2: ["n0"] }); // "n0 | n1 n2"
 * ```
 */
export function describeCut(grudge: Record<string, readonly string[]>): string {
  const sides = cleanSides(grudge);
  if (sides) return sides.map((side) => side.join(" ")).join(" | ");
  return Object.entries(grudge)
    .sort(([a], [b]) => compareIds(a, b))
    .map(([dest, srcs]) => `${dest}✗${[...srcs].sort(compareIds).join(",")}`)
    .join(" · ");
}

/** The sides of a clean split (every node drops exactly the nodes of the other sides), smallest
 * first, or undefined when the grudge is not one. */
function cleanSides(grudge: Record<string, readonly string[]>): string[][] | undefined {
  const nodes = new Set<string>();
  for (const [dest, srcs] of Object.entries(grudge)) {
    nodes.add(dest);
    for (const s of srcs) nodes.add(s);
  }
  // Nodes that drop exactly the same set form one side.
  const sides = new Map<string, string[]>();
  for (const n of [...nodes].sort(compareIds)) {
    const key = [...(grudge[n] ?? [])].sort(compareIds).join(" ");
    sides.set(key, [...(sides.get(key) ?? []), n]);
  }
  const clean = [...sides].every(([key, members]) => {
    const dropped = new Set(key.split(" ").filter(Boolean));
    return [...nodes].every((n) => members.includes(n) !== dropped.has(n));
  });
  if (!clean || sides.size < 2) return undefined;
  return [...sides.values()].sort((a, b) => a.length - b.length || compareIds(a[0], b[0]));
}

/** Orders ids the way people count: `n2` before `n10`, clients `c…` apart from nodes `n…`.
 *
 * @example
 * ```ts
 * import { compareIds } from "./load.ts";
 * ["n10", "n2", "c1"].sort(compareIds); // ["c1", "n2", "n10"]
 * ```
 */
export function compareIds(a: string, b: string): number {
  const ma = /^(\D*)(\d+)(.*)$/.exec(a);
  const mb = /^(\D*)(\d+)(.*)$/.exec(b);
  if (ma && mb && ma[1] === mb[1] && Number(ma[2]) !== Number(mb[2])) {
    return Number(ma[2]) - Number(mb[2]);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a journal message is part of `init` (Maelstrom's diagram leaves those out). */
export function isInitMessage(m: JournalEntry): boolean {
  return m.body.type === "init" || m.body.type === "init_ok";
}

function serverIds(journal: readonly JournalEntry[]): string[] {
  const ids = new Set<string>();
  for (const m of journal) {
    if (/^n\d/.test(m.src)) ids.add(m.src);
    if (/^n\d/.test(m.dest)) ids.add(m.dest);
  }
  return [...ids].sort(compareIds);
}

/** Reads a JSON file of the run, keeping numbers exact (`parseExact` in `harness/json.ts`), as
 * the run wrote them. */
async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return parseExact(await Deno.readTextFile(path)) as T;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Reads a JSON-lines file a chunk at a time, so a journal of millions of messages is never held
 * as one string (nor as an array of its lines) beside its parsed records. Numbers are read exactly
 * (`parseExact` in `harness/json.ts`): a message body's 64-bit id or `1.0`, or an op's value past
 * 2^53, is shown and checked as the run saw it. */
export async function readJsonLines<T>(path: string): Promise<T[]> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const out: T[] = [];
  const parse = (line: string) => {
    if (line.trim() === "") return;
    try {
      out.push(parseExact(line) as T);
    } catch {
      // A run killed mid-write can end in half a line; everything before it is still good.
    }
  };
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) parse(line);
  }
  parse(rest);
  return out;
}
