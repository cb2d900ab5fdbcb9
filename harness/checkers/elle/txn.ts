/**
 * What the two transactional checkers, `list_append.ts` and `rw_register.ts`, share around their
 * own analyses, as Elle shares it between its checkers in `src/elle/txn.clj`: their options; how
 * a micro-op and an anomaly about one read are reported; the indexes of who wrote what and the
 * walk over every read; the lost-update and garbage-read findings, whose wording each checker
 * completes; and the pipeline around each checker's own analysis: the models first, then the
 * dependency graph's order edges, the cycle search and the result map. Each checker keeps what
 * depends on its data model: reading micro-ops, the non-cycle anomalies, version orders and data
 * edges, and how a data step is explained.
 *
 * @module
 */
import type { BeyondMaelstrom, CheckResult, Op } from "../../types.ts";
import { findCycleAnomalies } from "./cycles.ts";
import type { CycleContext } from "./explain.ts";
import { addOrderEdges, type DependencyGraph, invocations } from "./graph.ts";
import { modelAnomalies, resultMap, withBeyondMaelstrom } from "./result.ts";
import { type Canon, isClientTxn, KeyValueIndex, opName, show, Unanalysable } from "./values.ts";

/** Options of a transactional checker.
 *
 * @example
 * ```ts
 * import type { TxnCheckOptions } from "./txn.ts";
 * const opts: TxnCheckOptions = { consistencyModels: ["read-committed"], strict: true };
 * ```
 */
export interface TxnCheckOptions {
  /** Maelstrom's `--consistency-models`, such as `["read-committed"]`. Names are those of
   * `CONSISTENCY_MODEL_NAMES` in `models.ts`; several combine by union. */
  consistencyModels: string[];
  /** `--strict`: findings Maelstrom would not make (garbage reads) fail the run. */
  strict?: boolean;
}

/** A micro-op as it appears on the wire, such as `["r", k, v]` or `["append", k, v]`. */
export type WireMop = [string, unknown, unknown];

/** A checker's record of a micro-op, back in its wire form. */
export function wireMop(m: { f: string; key: unknown; value: unknown }): WireMop {
  return [m.f, m.key, m.value];
}

/** An anomaly about one read (or, for a future read, one read and a later append). */
export interface ReadAnomaly {
  op: Op;
  mop: WireMop;
  writer?: Op;
  element?: unknown;
  expected?: unknown;
  explanation: string;
}

/** What both checkers keep of a micro-op: `f`, the key and value as on the wire, the key's
 * canonical form (`k`) and, for writes and appends, the value's (`v`). */
export interface MopLike {
  f: string;
  key: unknown;
  value: unknown;
  k: Canon;
  v?: Canon;
}

/** A transaction as a checker reads it: its op and its micro-ops. */
export interface TxnLike<M extends MopLike> {
  op: Op;
  mops: readonly M[];
}

/** The read micro-ops among `M`. */
type ReadOf<M> = [Extract<M, { f: "r" }>] extends [never] ? M : Extract<M, { f: "r" }>;

/** Who wrote what: (key, value) → the last of `txns`, in history order, with a micro-op `f`
 * (`"w"`, `"append"`) of that value to that key. */
export function writers<M extends MopLike>(
  txns: readonly TxnLike<M>[],
  f: string,
): KeyValueIndex<Op> {
  const index = new KeyValueIndex<Op>();
  for (const t of txns) for (const m of t.mops) if (m.f === f) index.set(m.k, m.v!, t.op);
  return index;
}

/** The reads (micro-ops `"r"`) of `txns`, each with its op, in history order. */
export function* reads<M extends MopLike>(
  txns: readonly TxnLike<M>[],
): Generator<[Op, ReadOf<M>]> {
  for (const t of txns) for (const m of t.mops) if (m.f === "r") yield [t.op, m as ReadOf<M>];
}

/** How a checker sees garbage in a read: which values a read holds that no transaction wrote to
 * its key, and how to say so. */
export interface GarbageModel<M> {
  /** The micro-op that writes a value to a key: `"w"` or `"append"`. */
  write: string;
  /** The values read `m` holds that were never written, given whether a (key, value) was. */
  unwritten(m: M, wrote: (k: Canon, v: Canon) => boolean): unknown[];
  /** Completes "no transaction ever ... to that key", such as "wrote that value". */
  did(garbage: unknown[]): string;
  /** Completes "A read must return null or ...". */
  instead: string;
  /** Fields the finding adds, such as the garbage elements of a list. */
  details?(garbage: unknown[]): Record<string, unknown>;
}

/** Beyond Maelstrom (Elle 0.2.2 has no such check): every ok read holding values that no
 * transaction of any type, invocations included, ever wrote to that key, as a `garbage-read`
 * finding, which fails the run only under `--strict`. */
export function findGarbageReads<M extends MopLike>(
  ops: readonly TxnLike<M>[],
  oks: readonly TxnLike<M>[],
  model: GarbageModel<ReadOf<M>>,
): BeyondMaelstrom[] {
  const written = writers(ops, model.write);
  const wrote = (k: Canon, v: Canon) => written.get(k, v) !== undefined;
  const out: BeyondMaelstrom[] = [];
  for (const [op, m] of reads(oks)) {
    const garbage = model.unwritten(m, wrote);
    if (garbage.length === 0) continue;
    out.push({
      anomaly: "garbage-read",
      message: `Garbage read: ${opName(op)} read key ${show(m.key)} = ${show(m.value)}, but ` +
        `no transaction ever ${model.did(garbage)} to that key. A read must return null or ` +
        `${model.instead} (Maelstrom does not check this).`,
      ops: [op.index],
      mop: wireMop(m),
      ...model.details?.(garbage),
    });
  }
  return out;
}

/** The anomaly records a checker has found, by type, in the order their types were first found.
 *
 * @example
 * ```ts
 * import { Findings } from "./txn.ts";
 * const found = new Findings();
 * found.add("G1a", [{ explanation: "An aborted read." }]);
 * found.add("G1b", []); // nothing found: no entry
 * [...found.byType.keys()]; // ["G1a"]
 * ```
 */
export class Findings {
  readonly byType = new Map<string, unknown[]>();

  add(type: string, records: readonly unknown[]): void {
    if (records.length === 0) return;
    const list = this.byType.get(type) ?? [];
    list.push(...records);
    this.byType.set(type, list);
  }
}

/** Transactions that read a key in one state and then changed it. */
export interface LostUpdateGroup {
  key: unknown;
  value: unknown;
  txns: Op[];
}

/** Lost update: a record for every group of two or more ok transactions that read a key in the
 * same state (`value`) and then changed it, explained as "... all read key K = V and then
 * `then`." */
export function lostUpdates<V>(
  groups: KeyValueIndex<LostUpdateGroup, V>,
  then: string,
): (LostUpdateGroup & { explanation: string })[] {
  const out = [];
  for (const k of groups.keys()) {
    for (const g of groups.values(k)!.values()) {
      if (g.txns.length < 2) continue;
      out.push({
        ...g,
        explanation: `Lost update: ${g.txns.map(opName).join(", ")} all read key ` +
          `${show(g.key)} = ${show(g.value)} and then ${then}.`,
      });
    }
  }
  return out;
}

/** What a checker's own analysis hands to the end of the pipeline, which both checkers share. */
export interface Analysis {
  /** The non-cycle anomalies found. */
  found: Findings;
  /** The dependency graph, with the data edges in it, and the op behind each vertex. */
  graph: DependencyGraph;
  vertexOps: readonly Op[];
  /** Why an empty transaction graph is a finding, in the checker's own terms. */
  emptyGraph: string;
  /** How the checker explains a cycle's data steps. */
  explain: Pick<CycleContext, "dataOrder" | "explainData" | "describeData" | "nameWriteCyclesG0">;
  /** Whether Maelstrom's wrapper applies, which makes an empty transaction graph a failure. */
  maelstromWrapper: boolean;
  /** Findings of checks Maelstrom does not make. */
  beyondMaelstrom: readonly BeyondMaelstrom[];
}

/** Checks the client txn ops of `history` as Elle does, with a checker's own `read` of an op and
 * `analyse` of the ops read (in history order). Around those, both
 * checkers run the same steps: the models' anomaly types first (an unknown model makes the
 * history unanalysable), then, after the analysis, the process and real-time edges the models ask
 * for, an empty transaction graph noted as such, the cycle search, and Elle's result map with our
 * additions and the findings beyond Maelstrom. A history the checker cannot analyse is
 * `{"valid?": "unknown", error}`, as Maelstrom reports it when Elle throws.
 *
 * @example
 * ```ts ignore
 * export function checkListAppend(history: readonly Op[], opts: TxnCheckOptions): CheckResult {
 *   return checkTxns(history, opts, readTxn, analyse);
 * }
 * ```
 */
export function checkTxns<T>(
  history: readonly Op[],
  opts: TxnCheckOptions,
  read: (op: Op) => T,
  analyse: (ops: T[]) => Analysis,
): CheckResult {
  try {
    const { prohibited, reportable } = modelAnomalies(opts.consistencyModels);
    const clientOps = history.filter(isClientTxn);
    const { found, graph, vertexOps, ...rest } = analyse(clientOps.map(read));
    const has = addOrderEdges(graph, clientOps, vertexOps, reportable);
    if (graph.edgeCount === 0 && !has.outside) {
      found.add("empty-transaction-graph", [{ explanation: rest.emptyGraph }]);
    }
    const ctx: CycleContext = {
      ops: vertexOps,
      graph,
      invokeOf: invocations(clientOps),
      ...rest.explain,
    };
    const cycles = findCycleAnomalies(ctx, has);
    for (const { type, record } of cycles.elle) found.add(type, [record]);
    const ours = new Findings();
    for (const record of cycles.ours) ours.add(record.type, [record]);
    // Beyond Maelstrom: reported without changing the verdict unless strict.
    return withBeyondMaelstrom(
      resultMap(found.byType, ours.byType, prohibited, reportable, rest.maelstromWrapper),
      rest.beyondMaelstrom,
      opts.strict ?? false,
    );
  } catch (e) {
    if (e instanceof Unanalysable) return { "valid?": "unknown", error: e.message };
    throw e;
  }
}
