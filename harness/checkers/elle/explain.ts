/**
 * Explanations of dependency cycles, as Elle's `explain-cycle` gives them (jepsen-io/elle
 * `src/elle/txn.clj` and `src/elle/core.clj`): one step per edge with Elle's keys, the cycle's type
 * from the kinds of its steps (G0, G1c, G-single-item, G-nonadjacent-item, G2-item and their
 * `-process` / `-realtime` variants), and a sentence a person can follow.
 *
 * @module
 */
import type { Op } from "../../types.ts";
import { type DependencyGraph, PROCESS, REALTIME } from "./graph.ts";
import { opName } from "./values.ts";

/** One explained data step of a cycle, with Elle's keys: `ww` (b overwrote or appended after a's
 * write), `wr` (b read a's write) or `rw` (b overwrote or appended after the version a read).
 * `value'` is b's write, for `ww` and `rw`.
 *
 * @example
 * ```ts
 * import type { DataStep } from "./explain.ts";
 * const step: DataStep = { type: "wr", key: 1, value: 3, "a-mop-index": 0, "b-mop-index": 1 };
 * ```
 */
export type DataStep =
  | {
    type: "wr";
    key: unknown;
    value: unknown;
    "a-mop-index": number | null;
    "b-mop-index": number;
  }
  | {
    type: "ww" | "rw";
    key: unknown;
    value: unknown;
    "value'": unknown;
    "a-mop-index": number | null;
    "b-mop-index": number;
  };

/** One explained step of a cycle: a data step, or an order step.
 *
 * @example
 * ```ts
 * import type { Step } from "./explain.ts";
 * const step: Step = { type: "process", process: 3 };
 * ```
 */
export type Step =
  | DataStep
  | { type: "process"; process: unknown }
  | { type: "realtime"; "a-end-index": number; "b-start-index": number | null };

/** A typed cycle: ops `[T1, ..., T1]` and the step between each consecutive pair.
 *
 * @example
 * ```ts
 * import type { CycleAnomaly } from "./explain.ts";
 * const none: CycleAnomaly[] = [];
 * ```
 */
export interface CycleAnomaly {
  type: string;
  cycle: Op[];
  steps: Step[];
  explanation: string;
}

/** What the cycle search needs from a checker: the graph, the op behind each vertex, and how to
 * explain and describe a data step between two vertices.
 *
 * @example
 * ```ts ignore
 * const ctx: CycleContext = { ops, graph, invokeOf, dataOrder: [WW, WR, RW], explainData,
 *   describeData, nameWriteCyclesG0: false };
 * ```
 */
export interface CycleContext {
  /** The op behind each vertex. */
  ops: readonly Op[];
  graph: DependencyGraph;
  /** Completion → invocation, for real-time steps. */
  invokeOf: ReadonlyMap<Op, Op>;
  /** The order Elle asks the data explainers in (rw-register: wr, ww, rw; list-append: ww, wr,
   * rw). Process and real-time explainers come after them. */
  dataOrder: readonly number[];
  /** Explains the data step a → b of `kind` (WW, WR or RW), or `undefined` if that kind does
   * not join them. */
  explainData(kind: number, a: number, b: number): DataStep | undefined;
  /** A clause "A < B because ..." for a data step, naming the transactions `a` and `b`. */
  describeData(step: DataStep, a: string, b: string): string;
  /** OUR ADDITION for rw-register, where Elle labels every write cycle G1c: also report each
   * cycle found by the G0 search as G0, explained by its ww steps. */
  nameWriteCyclesG0: boolean;
}

/** Explains the step a → b with the first explainer (in `order`) that applies. */
function explainStep(ctx: CycleContext, a: number, b: number, order: readonly number[]): Step {
  const ta = ctx.ops[a], tb = ctx.ops[b];
  const mask = ctx.graph.mask(a, b);
  for (const kind of order) {
    if (!(mask & kind)) continue;
    if (kind === PROCESS) return { type: "process", process: ta.process };
    if (kind === REALTIME) {
      return {
        type: "realtime",
        "a-end-index": ta.index,
        "b-start-index": ctx.invokeOf.get(tb)?.index ?? null,
      };
    }
    const step = ctx.explainData(kind, a, b);
    if (step) return step;
  }
  throw new Error(`No dependency explains the step from ${opName(ta)} to ${opName(tb)}`);
}

/** Elle's classification of an explained cycle by the kinds of its steps. */
function classify(steps: readonly Step[]): string {
  const n = steps.length;
  const isRw = (i: number) => steps[((i % n) + n) % n].type === "rw";
  let rw = 0, wr = 0, adjacent = false;
  steps.forEach((s, i) => {
    if (s.type === "rw") {
      rw++;
      if (isRw(i + 1)) adjacent = true;
    } else if (s.type === "wr") wr++;
  });
  const base = rw === 1
    ? "G-single-item"
    : rw >= 2
    ? (adjacent ? "G2-item" : "G-nonadjacent-item")
    : wr > 0
    ? "G1c"
    : "G0";
  if (steps.some((s) => s.type === "realtime")) return `${base}-realtime`;
  if (steps.some((s) => s.type === "process")) return `${base}-process`;
  return base;
}

/** What each cycle type means and what to do about it, for explanations. */
const CYCLE_HINTS: Readonly<Record<string, string>> = {
  "G0": "a write cycle: the transactions' writes interleave, so different keys saw their " +
    "writes in different orders. Apply each transaction's writes atomically, in one order " +
    "that every replica agrees on",
  "G1c": "circular information flow: each transaction (transitively) saw or overwrote the " +
    "other's effects. Only committed, final writes may be visible, and each transaction's " +
    "writes must be installed together",
  "G-single-item": "read skew: the cycle has exactly one anti-dependency, so one transaction " +
    "missed a write that the rest of the cycle already depends on",
  "G-nonadjacent-item": "a cycle whose anti-dependencies are never adjacent, which snapshot " +
    "isolation forbids",
  "G2-item": "an anti-dependency cycle (such as write skew), which serializability forbids",
};

function hintFor(type: string): string {
  const base = type.replace(/-(process|realtime)$/, "");
  const suffix = type === base
    ? ""
    : ` (counting ${type.endsWith("-process") ? "process order" : "real-time order"} as well)`;
  return (CYCLE_HINTS[base] ?? "a dependency cycle") + suffix;
}

function describeStep(ctx: CycleContext, s: Step, a: string, b: string, ta: Op, tb: Op): string {
  switch (s.type) {
    case "process":
      return `${a} < ${b} because process ${String(s.process)} ran ${a} before ${b} (process)`;
    case "realtime":
      return `${a} < ${b} because ${a} completed (op ${ta.index}) before ${b} began (op ` +
        `${s["b-start-index"] ?? tb.index}) (realtime)`;
    default:
      return ctx.describeData(s, a, b);
  }
}

/** Explains a cycle of dependency-graph vertices `[v0, ..., v0]` as an anomaly record, asking
 * the explainers of each step in `order` (edge kinds).
 *
 * @example
 * ```ts ignore
 * const record = explainCycle(ctx, [0, 1, 0], [...ctx.dataOrder, PROCESS, REALTIME]);
 * record.type; // "G1c", say
 * ```
 */
export function explainCycle(
  ctx: CycleContext,
  cycle: readonly number[],
  order: readonly number[],
): CycleAnomaly {
  const steps: Step[] = [];
  for (let i = 0; i + 1 < cycle.length; i++) {
    steps.push(explainStep(ctx, cycle[i], cycle[i + 1], order));
  }
  const type = classify(steps);
  const names = new Map<number, string>();
  for (const v of cycle) if (!names.has(v)) names.set(v, `T${names.size + 1}`);
  const parts = steps.map((s, i) =>
    describeStep(
      ctx,
      s,
      names.get(cycle[i])!,
      names.get(cycle[i + 1])!,
      ctx.ops[cycle[i]],
      ctx.ops[cycle[i + 1]],
    )
  );
  const who = [...names].map(([v, name]) => `${name} is ${opName(ctx.ops[v])}`);
  return {
    type,
    cycle: cycle.map((v) => ctx.ops[v]),
    steps,
    explanation: `${type}: ${parts.join("; ")}. That is a cycle, so no order of these ` +
      `transactions explains what they observed; this is ${hintFor(type)}. ` +
      `${who.join(", ")}.`,
  };
}

/** Rotates a cycle `[v0, ..., v0]` to start at its smallest vertex (the earliest op).
 *
 * @example
 * ```ts
 * import { rotate } from "./explain.ts";
 * rotate([2, 0, 1, 2]); // [0, 1, 2, 0]
 * ```
 */
export function rotate(cycle: readonly number[]): number[] {
  const body = cycle.slice(0, -1);
  let at = 0;
  body.forEach((v, i) => {
    if (v < body[at]) at = i;
  });
  const out = [...body.slice(at), ...body.slice(0, at)];
  out.push(out[0]);
  return out;
}
