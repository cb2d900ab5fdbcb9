/**
 * Every anomaly of a run, found in `results.json`: each record with an `explanation` sentence
 * inside a checker that did not pass, the node problems, and, for a failing checker with no such
 * record, its error or a plain sentence. Each anomaly names the history indexes of the ops behind
 * it, so the report can link it to the history table and the message diagram.
 *
 * Both the console summary (`results.ts`) and the HTML report list anomalies from here.
 *
 * @module
 */
import type { CheckResult } from "./types.ts";

/** One anomaly of a run. */
export interface Anomaly {
  /** The top-level key of `results.json` it came from (`workload`, `nodes`, `stats`, ...). */
  checker: string;
  /** The key the record sits under (`lost-details`, `G1c`, `crashed`, ...), when there is one. */
  kind?: string;
  /** Where the record is in `results.json`, as a JavaScript-like path. */
  path: string;
  explanation: string;
  /** Extra lines: an offending output line, the last stderr lines of a crashed node. */
  details: string[];
  /** The node the record names, if any. */
  node?: string;
  /** History indexes of the ops the record names, in the order found, without repeats. */
  ops: number[];
}

/** How deep into a checker's result records are looked for. */
const MAX_DEPTH = 8;

/** Keys whose number (or array of numbers) names an op by its history index in the checkers'
 * records. A plain `index` is not among them: kafka's records use it for a position in a log. */
const OP_INDEX_KEY =
  /^(op|ops|reader|readers|writer|writers|known-index|read-completion-index|completion-index)$/;

/** Finds the anomalies of a run's results, checker by checker, in `results.json` order.
 *
 * @example
 * ```ts
 * import { findAnomalies } from "./anomalies.ts";
 * const found = findAnomalies({
 *   "valid?": false,
 *   workload: { "valid?": false, errors: [{ op: 4, explanation: "Op 4 read 3, not 2" }] },
 * });
 * found[0].ops; // [4]
 * ```
 */
export function findAnomalies(results: CheckResult | undefined): Anomaly[] {
  const out: Anomaly[] = [];
  if (!results) return out;
  for (const [name, r] of Object.entries(results)) {
    // The top-level "beyond-maelstrom" list repeats checkers' findings; it is no checker.
    if (name === "valid?" || !r || typeof r !== "object" || Array.isArray(r)) continue;
    const result = r as CheckResult;
    if (result["valid?"] === true) continue;
    if (name === "nodes" && Array.isArray(result.problems)) {
      result.problems.forEach((p: Record<string, unknown>, i: number) => {
        const details: string[] = [];
        if (typeof p.line === "string") details.push(`line: ${p.line}`);
        if (Array.isArray(p.stderrTail) && p.stderrTail.length > 0) {
          details.push("last stderr lines:", ...p.stderrTail.slice(-8).map(String));
        }
        out.push({
          checker: name,
          kind: typeof p.kind === "string" ? p.kind : undefined,
          path: `nodes.problems[${i}]`,
          explanation: String(p.message),
          details,
          node: typeof p.node === "string" ? p.node : undefined,
          ops: [],
        });
      });
      continue;
    }
    const before = out.length;
    walk(result, name, undefined, 0, (rec, path, kind) => {
      out.push({
        checker: name,
        kind,
        path,
        explanation: String(rec.explanation),
        details: [],
        node: typeof rec.node === "string" ? rec.node : undefined,
        ops: opsOf(rec),
      });
    });
    if (out.length === before) {
      const sentence = typeof result.explanation === "string"
        ? result.explanation
        : typeof result.error === "string"
        ? result.error.split("\n")[0]
        : `The ${name} checker says the run is ${
          result["valid?"] === false ? "invalid" : "unknown"
        }; see results.json`;
      out.push({ checker: name, path: name, explanation: sentence, details: [], ops: [] });
    }
  }
  return out;
}

/** The sentence a failing checker gives about itself at its top level (set-full's summary,
 * stats' "No read operation ever succeeded"), if any. */
export function checkerSummary(result: unknown): string | undefined {
  if (!result || typeof result !== "object") return undefined;
  const r = result as Record<string, unknown>;
  if (typeof r.explanation === "string") return r.explanation;
  if (typeof r.error === "string") return r.error.split("\n")[0];
  return undefined;
}

function walk(
  x: unknown,
  path: string,
  kind: string | undefined,
  depth: number,
  visit: (rec: Record<string, unknown>, path: string, kind: string | undefined) => void,
): void {
  if (depth > MAX_DEPTH || x === null || typeof x !== "object") return;
  if (Array.isArray(x)) {
    x.forEach((y, i) => walk(y, `${path}[${i}]`, kind, depth + 1, visit));
    return;
  }
  const rec = x as Record<string, unknown>;
  // The checker's own top-level explanation is a summary, not an anomaly of its own.
  if (typeof rec.explanation === "string" && depth > 0) {
    visit(rec, path, kind);
    return;
  }
  for (const [k, v] of Object.entries(rec)) {
    if (k === "explanation" || v === null || typeof v !== "object") continue;
    walk(
      v,
      `${path}${/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`,
      k,
      depth + 1,
      visit,
    );
  }
}

/** The history indexes a record names: embedded ops, op-index fields, and "op N" in its
 * explanation. */
export function opsOf(rec: Record<string, unknown>): number[] {
  const found: number[] = [];
  const seen = new Set<number>();
  const add = (n: unknown) => {
    if (typeof n === "number" && Number.isInteger(n) && n >= 0 && !seen.has(n)) {
      seen.add(n);
      found.push(n);
    }
  };
  const visit = (x: unknown, key: string | undefined, depth: number) => {
    if (depth > 4 || x === null || x === undefined) return;
    if (typeof x === "number") {
      if (key !== undefined && OP_INDEX_KEY.test(key)) add(x);
      return;
    }
    if (typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y, key, depth + 1);
      return;
    }
    const o = x as Record<string, unknown>;
    if (typeof o.index === "number" && "type" in o && "process" in o && "f" in o) {
      add(o.index);
      return;
    }
    for (const [k, v] of Object.entries(o)) visit(v, k, depth + 1);
  };
  visit(rec, undefined, 0);
  if (typeof rec.explanation === "string") {
    for (const m of rec.explanation.matchAll(/\bops? (\d+)\b/gi)) add(Number(m[1]));
  }
  return found;
}
