/**
 * What a run leaves behind and what it prints: the store folder (`results.json` with Maelstrom's
 * keys, the history, the message journal, node logs), and a summary in which every violation is
 * explained by the operations and messages behind it, ending in Maelstrom's verdict line.
 *
 * @module
 */
import { collectBeyondMaelstrom, type NamedFinding } from "./checkers/core.ts";
import type { JournalEntry } from "./network.ts";
import { faultSummaryLines } from "./nemesis.ts";
import { findAnomalies } from "./anomalies.ts";
import { type OpSpan, pairOps } from "./ops.ts";
import type { TestOutcome } from "./runner.ts";
import type { CheckResult, Op, TestOptions, Validity } from "./types.ts";

/** Maelstrom's closing lines. */
export const VERDICT_LINES: Record<"true" | "false" | "unknown", string> = {
  true: "Everything looks good! ヽ(‘ー`)ノ",
  false: "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
  unknown: "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
};

/** The verdict line for a validity. */
export function verdictLine(valid: Validity): string {
  return VERDICT_LINES[String(valid) as "true" | "false" | "unknown"];
}

/** The store cannot hold a new run (it is a file, or a folder we may not write): one sentence,
 * which the CLI prints before exiting 254. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

/** Creates `store/<workload>/<timestamp>/` (and its `node-logs/`) and returns its path. The
 * timestamp is Maelstrom's `yyyyMMdd'T'HHmmss.SSSZ`, in UTC. Throws {@linkcode StoreError}, and
 * leaves nothing behind, when the folder cannot be created.
 *
 * @example
 * ```ts
 * import { createRunDir } from "./results.ts";
 * const store = Deno.makeTempDirSync();
 * createRunDir(store, "echo", new Date(0)); // `${store}/echo/19700101T000000.000+0000`
 * Deno.removeSync(store, { recursive: true });
 * ```
 */
export function createRunDir(storeRoot: string, workload: string, now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}T` +
    `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}.` +
    `${p(now.getUTCMilliseconds(), 3)}+0000`;
  for (const folder of [storeRoot, `${storeRoot}/${workload}`]) {
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.statSync(folder);
    } catch {
      // Not there yet: created below.
    }
    if (info && !info.isDirectory) {
      throw new StoreError(
        `Cannot write runs to the store "${storeRoot}": "${folder}" is not a folder`,
      );
    }
  }
  let dir = `${storeRoot}/${workload}/${stamp}`;
  // Two runs in the same millisecond (tests do that) get distinct folders.
  for (let i = 1; exists(dir); i++) dir = `${storeRoot}/${workload}/${stamp}-${i}`;
  // Remember which folders this call creates, so a failure removes exactly those.
  const created = [storeRoot, `${storeRoot}/${workload}`, dir, `${dir}/node-logs`]
    .filter((f) => !exists(f));
  try {
    Deno.mkdirSync(`${dir}/node-logs`, { recursive: true });
  } catch (err) {
    removeCreated(created);
    // The OS's reason ("Permission denied", "Not a directory", ...) without the error number
    // and the path of the folder that failed, which says less than the store's own name.
    const os = (err as Error).message.replace(/\s*\(os error \d+\).*$/s, "");
    const reason = os.charAt(0).toLowerCase() + os.slice(1);
    throw new StoreError(`Cannot write runs to the store "${storeRoot}": ${reason}`);
  }
  return dir;
}

/** Removes a run folder that {@linkcode createRunDir} made for a run that then failed to start,
 * as long as nothing was written into it, and its workload folder when that is left empty.
 * Returns whether the run folder is gone.
 *
 * @example
 * ```ts
 * import { createRunDir, removeEmptyRunDir } from "./results.ts";
 * const store = Deno.makeTempDirSync();
 * removeEmptyRunDir(createRunDir(store, "echo")); // true; only `store` itself is left
 * Deno.removeSync(store);
 * ```
 */
export function removeEmptyRunDir(dir: string): boolean {
  // Deno.removeSync without `recursive` refuses a folder that holds anything, so node logs and
  // other runs of the workload are never lost.
  // The parent is named without "..": once the run folder is gone, "run/.." no longer resolves.
  const parent = dir.replace(/\/+$/, "").replace(/\/[^/]*$/, "");
  removeCreated([...(parent && parent !== dir ? [parent] : []), dir, `${dir}/node-logs`]);
  return !exists(dir);
}

function removeCreated(folders: string[]): void {
  for (const f of [...folders].reverse()) {
    try {
      Deno.removeSync(f);
    } catch {
      // Not empty (another run is there) or never created: leave it.
    }
  }
}

/** Writes the run's files and points `store/latest` and `store/<workload>/latest` at it. */
export function writeRun(
  dir: string,
  storeRoot: string,
  outcome: TestOutcome,
  meta: { opts: TestOptions; argv: string[]; runner: "process" | "simulation"; bin: string },
): void {
  const { history, network, results } = outcome;
  Deno.writeTextFileSync(`${dir}/results.json`, JSON.stringify(results, null, 2) + "\n");
  Deno.writeTextFileSync(`${dir}/test.json`, JSON.stringify(meta, null, 2) + "\n");
  Deno.writeTextFileSync(`${dir}/history.jsonl`, jsonLines(history));
  Deno.writeTextFileSync(
    `${dir}/history.txt`,
    history.map((op) =>
      [op.process, op.type, op.f, JSON.stringify(op.value) ?? "null"]
        .concat(op.error === undefined ? [] : [JSON.stringify(op.error)])
        .join("\t") + "\n"
    ).join(""),
  );
  Deno.writeTextFileSync(`${dir}/messages.jsonl`, jsonLines(network.journal));
  const rel = dir.slice(storeRoot.length + 1);
  link(`${storeRoot}/latest`, rel);
  link(`${dir}/../latest`, rel.slice(rel.indexOf("/") + 1));
}

function jsonLines(xs: readonly unknown[]): string {
  let out = "";
  for (const x of xs) out += JSON.stringify(x) + "\n";
  return out;
}

function link(path: string, target: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Nothing there yet.
  }
  try {
    Deno.symlinkSync(target, path);
  } catch {
    // Symlinks may be unavailable (some filesystems); the run folder is still complete.
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** How many violations the summary explains in full, and how many ops and messages for each. */
const MAX_VIOLATIONS = 6;
const MAX_OPS_PER_VIOLATION = 4;
const MAX_MESSAGES_PER_OP = 6;
/** How many beyond-Maelstrom findings the summary lists (one per node at most, per check, so a
 * run rarely has more), for how many it explains the ops, and how many ops of each. */
const MAX_FINDINGS = 50;
const MAX_FINDINGS_WITH_OPS = 6;
const MAX_OPS_PER_FINDING = 2;

/** The readable summary of a finished run (without the verdict line). Findings of checks beyond
 * Maelstrom get a block of their own, which says whether they count (`--strict`) or not.
 *
 * @example
 * ```ts ignore
 * console.log(summarize(outcome, opts, { dir, seed: opts.seed, reproduce }));
 * ```
 */
export function summarize(
  outcome: TestOutcome,
  opts: TestOptions,
  info: { dir?: string; reproduce?: string },
): string {
  const { results, history, network } = outcome;
  const lines: string[] = [];
  const mark = (v: unknown) => v === true ? "✓" : v === false ? "✗" : "?";
  const checker = (name: string) => results[name] as CheckResult | undefined;
  const stats = checker("stats");
  const net = checker("net") as Record<string, Record<string, number>> | undefined;
  lines.push("");
  lines.push(`Results of ${opts.workload} on ${opts.nodes.length} node(s), seed ${opts.seed}:`);
  if (stats) {
    lines.push(
      `  ${mark(stats["valid?"])} stats         ${stats.count} ops: ${stats["ok-count"]} ok, ` +
        `${stats["fail-count"]} fail, ${stats["info-count"]} info` +
        (stats.explanation ? ` - ${stats.explanation}` : ""),
    );
  }
  const avail = checker("availability");
  if (avail) {
    lines.push(
      `  ${mark(avail["valid?"])} availability  ok-fraction ${
        Number(avail["ok-fraction"]).toFixed(4)
      }` +
        (opts.availability === undefined ? " (not required)" : ` (required ${opts.availability})`),
    );
  }
  if (net) {
    const f = (x: number | undefined) => x === undefined ? "-" : x.toFixed(2);
    lines.push(
      `  ✓ net           msgs-per-op ${f(net.all["msgs-per-op"])} all, ` +
        `${f(net.servers["msgs-per-op"])} servers (${net.all["msg-count"]} messages)`,
    );
  }
  const workload = checker("workload");
  if (workload) {
    lines.push(`  ${mark(workload["valid?"])} workload      ${headline(workload)}`);
  }
  const nodes = checker("nodes");
  if (nodes) {
    const problems = nodes.problems as { kind: string }[];
    const crashed = problems.filter((p) => p.kind === "crashed").length;
    const badLines = problems.length - crashed;
    // Spoofed src lines are no problem Maelstrom sees, but they are what fails this checker under
    // --strict, so the line names them rather than reading "no crashes" beside a cross.
    const spoofed = ((nodes["beyond-maelstrom"] ?? []) as { anomaly?: string }[])
      .filter((f) => f.anomaly === "spoofed-src").length;
    const beyond = badLines + spoofed > 0 ? " (beyond Maelstrom, see below)" : "";
    lines.push(
      `  ${mark(nodes["valid?"])} nodes         ${
        problems.length === 0
          ? "no crashes, no malformed output"
          : `${crashed} crashed, ${badLines} wrote a bad stdout line`
      }${spoofed > 0 ? `, ${spoofed} line(s) with another endpoint's src` : ""}${beyond}`,
    );
  }
  lines.push(...faultSummaryLines(history));

  const violations = findAnomalies(results);
  if (violations.length > 0) {
    lines.push("");
    lines.push(
      `Violations (${violations.length}${
        violations.length > MAX_VIOLATIONS ? `, first ${MAX_VIOLATIONS} shown` : ""
      }):`,
    );
    const explainer = new OpExplainer(history, network.journal);
    violations.slice(0, MAX_VIOLATIONS).forEach((v, i) => {
      lines.push(`  ${i + 1}. [${v.checker}${v.kind ? ` ${v.kind}` : ""}] ${v.explanation}`);
      for (const extra of v.details) lines.push(`       ${extra}`);
      // An anomaly may name both halves of one operation; each operation is shown once.
      const shown = new Set<number>();
      let more = 0;
      for (const index of v.ops) {
        const op = history[index];
        if (!op) continue;
        const key = explainer.invocationIndex(op);
        if (shown.has(key)) continue;
        if (shown.size === MAX_OPS_PER_VIOLATION) {
          more++;
          continue;
        }
        shown.add(key);
        for (const l of explainer.explain(op)) lines.push(`       ${l}`);
      }
      if (more > 0) lines.push(`       … and ${more} more ops`);
    });
  }
  const findings = Array.isArray(results["beyond-maelstrom"])
    ? results["beyond-maelstrom"] as NamedFinding[]
    : collectBeyondMaelstrom(results);
  if (findings.length > 0) {
    lines.push("");
    lines.push(...beyondMaelstromBlock(findings, opts, new OpExplainer(history, network.journal)));
  }
  lines.push("");
  if (info.dir) {
    lines.push(`Results: ${info.dir}/results.json (history, messages and node logs beside it)`);
  }
  if (results["valid?"] !== true && info.reproduce) lines.push(`Reproduce: ${info.reproduce}`);
  return lines.join("\n");
}

/** The "Beyond Maelstrom" block: every finding, what it means for the verdict, and the first ops
 * behind each. */
function beyondMaelstromBlock(
  findings: readonly NamedFinding[],
  opts: TestOptions,
  explainer: OpExplainer,
): string[] {
  const n = findings.length;
  const lines = [
    `⚠ Beyond Maelstrom (${n} finding${n === 1 ? "" : "s"} of checks Maelstrom does not make):`,
    opts.strict
      ? "  Under --strict these count: they made the run invalid."
      : "  Maelstrom would not fail the run for these, so the verdict ignores them; " +
        "--strict makes them count.",
  ];
  findings.slice(0, MAX_FINDINGS).forEach((f, i) => {
    lines.push(`  ${i + 1}. [${f.checker} ${f.anomaly}] ${f.message}`);
    const ops = Array.isArray(f.ops) && i < MAX_FINDINGS_WITH_OPS ? f.ops : [];
    const shown = new Set<number>();
    for (const index of ops) {
      const op = explainer.opAt(index);
      if (!op || shown.size === MAX_OPS_PER_FINDING) continue;
      const key = explainer.invocationIndex(op);
      if (shown.has(key)) continue;
      shown.add(key);
      for (const l of explainer.explain(op)) lines.push(`       ${l}`);
    }
    if (ops.length > shown.size && shown.size > 0) {
      lines.push(`       … ${ops.length - shown.size} more ops under "beyond-maelstrom"`);
    }
  });
  if (n > MAX_FINDINGS) {
    lines.push(`  … and ${n - MAX_FINDINGS} more under "beyond-maelstrom" in results.json`);
  }
  return lines;
}

/** A one-line description of a workload result: its counts and any latency quantiles. */
function headline(r: CheckResult): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k === "valid?") continue;
    if (typeof v === "number") parts.push(`${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`);
    // Short lists of numbers (a counter's final reads, its acceptable ranges) read well inline.
    if (Array.isArray(v) && v.length > 0 && v.length <= 8 && JSON.stringify(v).length <= 60) {
      parts.push(`${k} ${JSON.stringify(v)}`);
    }
    if (k.endsWith("latencies") && v && typeof v === "object") {
      parts.push(
        `${k} ${
          Object.entries(v as Record<string, number>)
            .sort(([a], [b]) => Number(a) - Number(b))
            .map(([q, ms]) => `${q}:${ms}ms`)
            .join(" ")
        }`,
      );
    }
  }
  return parts.slice(0, 8).join(", ") || "(no figures)";
}

/** Describes an op with its invocation, completion and the client messages between them. */
class OpExplainer {
  #history: readonly Op[];
  #journal: readonly JournalEntry[];
  #byClient: Map<string, JournalEntry[]> | undefined;
  #spanOf: (OpSpan | undefined)[] | undefined;

  constructor(history: readonly Op[], journal: readonly JournalEntry[]) {
    this.#history = history;
    this.#journal = journal;
  }

  explain(op: Op): string[] {
    const ops = this.#pair(op);
    const [inv, done] = ops;
    const secs = (o: Op) => (o.time / 1e9).toFixed(3);
    const out = [
      `op ${inv.index}: process ${inv.process} via ${inv.client ?? "?"} → ${inv.node ?? "?"}: ` +
      `${inv.f} ${short(inv.value)} at ${secs(inv)} s` +
      (done
        ? `, ${done.type} ${short(done.value)}${
          done.error === undefined ? "" : ` (${short(done.error)})`
        } at ${secs(done)} s`
        : ", never completed"),
    ];
    if (!inv.client) return out;
    const endMs = (done?.time ?? inv.time) / 1e6;
    const msgs = this.#messages(inv.client).filter((m) =>
      m.sentMs >= inv.time / 1e6 - 1 && m.sentMs <= endMs + 1
    );
    for (const m of msgs.slice(0, MAX_MESSAGES_PER_OP)) {
      // A message to a dead node counts as received (as in Maelstrom) but was never processed.
      const fate = m.lost
        ? `lost: its destination was dead (${m.lost})`
        : m.recvMs !== undefined
        ? `received ${(m.recvMs / 1000).toFixed(3)} s`
        : m.dropped
        ? `dropped (${m.dropped})`
        : "never delivered";
      out.push(
        `  message ${m.id}: ${m.src} → ${m.dest} ${short(m.body)} sent ${
          (m.sentMs / 1000).toFixed(3)
        } s, ${fate}`,
      );
    }
    return out;
  }

  /** The op at a history index, if there is one. */
  opAt(index: number): Op | undefined {
    return this.#history[index];
  }

  /** The history index of the invocation of `op`'s operation. */
  invocationIndex(op: Op): number {
    return this.#pair(op)[0].index;
  }

  /** The invocation and completion of `op`'s operation. */
  #pair(op: Op): [Op, Op | undefined] {
    this.#spanOf ??= pairOps(this.#history, Infinity).spanOf;
    const span = this.#spanOf[op.index];
    return span ? [span.invoke, span.done] : [op, undefined];
  }

  #messages(client: string): JournalEntry[] {
    if (!this.#byClient) {
      this.#byClient = new Map();
      for (const m of this.#journal) {
        for (const end of [m.src, m.dest]) {
          if (!end.startsWith("c")) continue;
          const list = this.#byClient.get(end) ?? [];
          list.push(m);
          this.#byClient.set(end, list);
        }
      }
    }
    return this.#byClient.get(client) ?? [];
  }
}

function short(x: unknown): string {
  const s = JSON.stringify(x) ?? "null";
  return s.length > 120 ? s.slice(0, 120) + "…" : s;
}
